"""Naming what is wrong: the catalogue of misconceptions (``catalogue``), bug models
(``models``, ``nn_models``: the reference with one defect each), probes, the rules
read from forward values and exceptions, and the search for the set of defects that
explains a student's numbers (``outcomes``, ``matching``, ``diagnose``).

Imports: ``harness.graphs``, ``harness.sandbox`` (to ask the worker) and ``harness.core``.
"""

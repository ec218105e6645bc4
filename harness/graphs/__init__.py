"""Graphs as the grader sees them: drawn (``generate``, Hypothesis), judged against
the reference (``judge``), and shown to people (``example_graph``, ``nn_examples``).

Imports: ``harness.core`` and the reference engine (``harness.reference``).
"""

"""Grading one exercise: the rubric (``rubric``), finding and loading a submission
(``exercise``, ``notebook``), running each check (``checks``, ``nn_checks``,
``search`` for shrinking), and the whole exercise with its diagnosis (``run``).

Imports: ``harness.diagnosis`` and everything below it.
"""

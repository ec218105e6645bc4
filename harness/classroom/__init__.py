"""What a course needs around grading: submissions in every shape (``submissions``),
a whole class at once (``bulk``), saved reports (``saved``), platform setups
(``setups``: ``grade init``), the pytest plugin, and the audit of the checks
against the bug models (``audit``, ``nn_audit``).

Imports: ``harness.render``, ``harness.grading`` and everything below.
"""

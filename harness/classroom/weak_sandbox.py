"""Saying so when the student's code ran on the weakest isolation layer, ``rlimits``.

On ``rlimits`` (no bubblewrap, no Landlock) a worker has resource and time
limits and nothing else (``harness.sandbox.layers``): a submission could read
the reference solution and the rubrics, write where the grader's user can and
open connections. A grade made there is only as trustworthy as the students,
so every report says it, in the exercise's warnings, which every format shows
(text, JSON, HTML, Markdown, Gradescope, JUnit) and which a saved report keeps.
"""
from __future__ import annotations

from harness.core.results import Report

WEAK = "rlimits"
WARNING = ("the student's code ran in the weakest sandbox layer (rlimits: resource and time limits only). "
           "It could read the reference solution and the rubrics, write any file the grader's user can, "
           "open network connections and signal the grader. For real isolation install bubblewrap "
           "(apt-get install bubblewrap; on Ubuntu 24.04 also sudo sysctl -w "
           "kernel.apparmor_restrict_unprivileged_userns=0) and grade again.")


def flag_weak_sandbox(report: Report) -> Report:
    """Add ``WARNING`` to each exercise graded on ``rlimits`` (once); returns ``report``."""
    for exercise in report.exercises:
        if exercise.sandbox == WEAK and WARNING not in exercise.warnings:
            exercise.warnings.append(WARNING)
    return report

"""micrograde: an autograder for micrograd-style scalar autograd exercises.

The public API is small: ``main`` (the ``grade`` command), ``grade_exercise``
with ``Options``, the result model, the exit statuses with the base of every
exception the grader raises, and ``load_ipython_extension`` (``%load_ext harness``
in Jupyter registers ``%grade``). Everything else is internal; the packages, top to
bottom (imports flow downward only, checked by import-linter):

    cli -> classroom -> render -> grading -> diagnosis -> graphs -> sandbox -> worker -> core

The names load lazily: the worker process imports ``harness.core`` and must
not pay for (or expose) Hypothesis, YAML and the rest of the grader.
"""
from importlib import import_module

_PUBLIC = {
    "main": "harness.cli",
    "grade_exercise": "harness.grading.run",
    "Options": "harness.grading.run",
    "Report": "harness.core.results",
    "ExerciseResult": "harness.core.results",
    "CheckResult": "harness.core.results",
    "Diagnosis": "harness.core.results",
    "ExitCode": "harness.core.errors",
    "MicrogradeError": "harness.core.errors",
    "UsageError": "harness.core.errors",
    "load_ipython_extension": "harness.classroom.jupyter",   # %load_ext harness, then %grade
}

__all__ = sorted(_PUBLIC)


def __getattr__(name: str):
    if name in _PUBLIC:
        return getattr(import_module(_PUBLIC[name]), name)
    raise AttributeError(f"module 'harness' has no attribute {name!r}")


def __dir__() -> list:
    return __all__

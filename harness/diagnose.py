"""Turn a failure into the diagnoses a student reads.

For now every failure maps to the generic id it was judged with; the
misconception catalogue refines this.
"""
from __future__ import annotations

from harness import judge
from harness.results import Diagnosis

GENERIC_TITLES = {
    "not-implemented": "Not implemented yet",
    "import-error": "The submission cannot be imported",
    "exception": "Your code raised an exception",
    "timeout": "Time limit exceeded",
    "resource-limit": "Resource limit exceeded",
    "worker-crash": "The submission ended the grader's worker",
    "invalid-result": "A result is not a number",
    "value-mismatch": "A forward value is wrong",
    "gradient-mismatch": "A gradient is wrong",
    "forbidden-import": "A forbidden package was imported",
}


def generic(failure: judge.Failure) -> Diagnosis:
    error = failure.error or {}
    return Diagnosis(id=failure.kind, title=GENERIC_TITLES.get(failure.kind, failure.kind),
                     message=failure.message, example=judge.example(failure),
                     line=judge.located(error))

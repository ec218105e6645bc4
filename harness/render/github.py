"""``--format github``: the result of one GitHub Classroom grading runner.

The ``autograding-grading-reporter`` action reads, for every runner id it is
given, the environment variable ``<ID>_RESULTS``: this JSON, base64-encoded.
Shape (as the command grader writes it): ``{"version": 1, "status":
"pass"|"fail"|"error", "max_score": N, "tests": [{"name", "status", "score",
"message", "test_code", "filename", "line_no", "duration"}]}``, duration in ms.

How the reporter uses it: the points sent to Classroom are the sum of every
test's ``score`` over the sum of the runners' ``max_score`` (a runner whose
``max_score`` is 0 is skipped), so each check carries its own points here; the
job fails when a runner's ``status`` is ``fail`` or ``error``; a failed test's
``message`` is what the student reads in the log. (Its console table divides
passed tests by tests instead: those percentages are not the points.)
"""
from __future__ import annotations

import json
import re

from harness.render._shared import failure_text, test_name
from harness.core.results import Report

VERSION = 1


def render(report: Report) -> str:
    return json.dumps(result(report), indent=2, allow_nan=False) + "\n"


def result(report: Report) -> dict:
    tests = []
    for exercise in report.exercises:
        for check in exercise.checks:
            first = check.diagnoses[0] if check.diagnoses else None
            filename, line_no = _where(first.line if first else "")
            tests.append({
                "name": test_name(exercise, check),
                "status": "pass" if check.passed else "fail",
                "score": check.score,
                "message": "" if check.passed else failure_text(check),
                "test_code": first.example if first else "",
                "filename": filename,
                "line_no": line_no,
                "duration": round(check.seconds * 1000),
            })
    return {"version": VERSION, "status": "pass" if report.full_marks else "fail",
            "max_score": report.max_score, "tests": tests}


def _where(line: str) -> tuple:
    """ "value.py, line 23" -> ("value.py", 23); anything else -> ("", 0)."""
    match = re.fullmatch(r"(.+), line (\d+)", line)
    return (match.group(1), int(match.group(2))) if match else ("", 0)

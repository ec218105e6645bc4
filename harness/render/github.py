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

from harness.render._shared import failure_text, hidden_note, test_name, visible_points
from harness.core.results import Report

VERSION = 1


def render(report: Report) -> str:
    return json.dumps(result(report), indent=2, allow_nan=False) + "\n"


def result(report: Report) -> dict:
    """GitHub Classroom has no hidden tests: a hidden check is left out of the tests, the
    points and the status (the student reads the log), and one line says that it exists."""
    tests = []
    for exercise in report.exercises:
        if hidden_note(exercise.checks):
            tests.append({"name": f"{exercise.name}: hidden checks", "status": "pass", "score": 0,
                          "message": hidden_note(exercise.checks) + " Your instructor has their results.",
                          "test_code": "", "filename": "", "line_no": 0, "duration": 0})
        for check in exercise.checks:
            if check.hidden:
                continue
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
    every = [c for e in report.exercises for c in e.checks]
    visible_ok = all(c.passed for c in every if not c.hidden)
    return {"version": VERSION, "status": "pass" if visible_ok else "fail",
            "max_score": visible_points(every)[1], "tests": tests}


def _where(line: str) -> tuple:
    """ "value.py, line 23" -> ("value.py", 23); anything else -> ("", 0)."""
    match = re.fullmatch(r"(.+), line (\d+)", line)
    return (match.group(1), int(match.group(2))) if match else ("", 0)

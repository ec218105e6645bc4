"""``--format text``: one line per check, then what to fix, then the total.

The diagnosis comes first in a failure: its title, where in the student's
code, the smallest failing example as code to paste, then what to change.
"""
from __future__ import annotations

from harness.core.results import CheckResult, Report
from harness.render._shared import families_line, points as _points


def render(report: Report) -> str:
    out = []
    for exercise in report.exercises:
        out.append(f"{exercise.name} ({exercise.path}): "
                   f"{_points(exercise.score)}/{_points(exercise.max_score)}")
        for warning in exercise.warnings:
            out.append(f"  warning: {warning}")
        width = max((len(c.name) for c in exercise.checks), default=0)
        for check in exercise.checks:
            status = "PASS" if check.passed else "FAIL"
            extra = f"  ({check.graphs_checked} graphs)" if check.passed and check.graphs_checked > 1 else ""
            out.append(f"  {status}  {check.name:<{width}}  "
                       f"{_points(check.score)}/{_points(check.max_score)}{extra}")
            if not check.passed:
                if families_line(check):
                    out.append(f"        by operation: {families_line(check)}")
                out.extend(_failure(check))
        out.append("")
    out.append(f"Total: {_points(report.score)}/{_points(report.max_score)}")
    sandboxes = sorted({e.sandbox for e in report.exercises if e.sandbox})
    if sandboxes:  # which isolation layer ran the student's code (harness.sandbox.layers)
        out.append(f"Sandbox: {', '.join(sandboxes)}")
    if not report.full_marks:
        out.append("Fix the first failure above, then run grade again.")
    return "\n".join(out) + "\n"


def _failure(check: CheckResult) -> list:
    """Each diagnosis: title and line, what it is; then the example once; then what to change."""
    lines = []
    for d in check.diagnoses:
        head = f"        [{d.id}] {d.title or d.message}"
        lines.append(head + (f" ({d.line})" if d.line else ""))
        if d.title and d.message:
            lines.extend(f"          {line}" for line in d.message.splitlines())
    examples = list(dict.fromkeys(d.example for d in check.diagnoses if d.example))
    for example in examples:
        several = "\n\n" in example
        lines.append("        Failing examples:" if several else "        Smallest failing example:")
        lines.extend(f"            {line}" if line else "" for line in example.splitlines())
    for advice in dict.fromkeys(d.advice for d in check.diagnoses if d.advice):
        lines.extend(f"        To fix: {line}" for line in advice.splitlines())
    return lines


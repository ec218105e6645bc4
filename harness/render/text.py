"""``--format text``: one line per check, then what to fix, then the total.

The diagnosis comes first in a failure: its title, where in the student's
code, the smallest failing example as code to paste, then what to change.
"""
from __future__ import annotations

from harness.core.results import CheckResult, Report
from harness.render._shared import families_line, hidden_note, visible_checks, visible_points
from harness.render._shared import points as _points


def render(report: Report) -> str:
    """What the student reads: hidden checks only as a count and their points."""
    out = []
    every = [c for e in report.exercises for c in e.checks]
    for exercise in report.exercises:
        score, most = visible_points(exercise.checks)
        out.append(f"{exercise.name} ({exercise.path}): {_points(score)}/{_points(most)}")
        for warning in exercise.warnings:
            out.append(f"  warning: {warning}")
        width = max((len(c.name) for c in exercise.checks), default=0)
        if hidden_note(exercise.checks):
            out.append(f"  {hidden_note(exercise.checks)}")
        for check in visible_checks(exercise):
            status = "PASS" if check.passed else "FAIL"
            extra = f"  ({check.graphs_checked} graphs)" if check.passed and check.graphs_checked > 1 else ""
            out.append(f"  {status}  {check.name:<{width}}  "
                       f"{_points(check.score)}/{_points(check.max_score)}{extra}")
            if not check.passed:
                if families_line(check):
                    out.append(f"        by operation: {families_line(check)}")
                out.extend(_failure(check))
        out.append("")
    score, most = visible_points(every)
    hidden = most != report.max_score
    out.append(f"Total: {_points(score)}/{_points(most)}"
               + (f" (visible checks; hidden checks: {_points(report.max_score - most)} points more)" if hidden else ""))
    sandboxes = sorted({e.sandbox for e in report.exercises if e.sandbox})
    if sandboxes:  # which isolation layer ran the student's code (harness.sandbox.layers)
        out.append(f"Sandbox: {', '.join(sandboxes)}")
    if any(not c.passed for c in every if not c.hidden):
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


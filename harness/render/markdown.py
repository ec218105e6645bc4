"""``--format markdown``: a summary table, then the failures; fit for ``$GITHUB_STEP_SUMMARY``.

GitHub-flavoured Markdown: one table row per check, then one section per
failed check with the diagnosis and the example in a fenced block. Text from
the student's code is escaped so it shows as text, never as markup.
"""
from __future__ import annotations

from harness.render._shared import (escape_markdown, families_line, failure_markdown, hidden_note, points,
                                    printable, test_name, visible_checks, visible_points)
from harness.core.results import Report


def render(report: Report) -> str:
    """A student's summary: hidden checks only as a count and their points."""
    every = [c for e in report.exercises for c in e.checks]
    score, most = visible_points(every)
    out = [f"## micrograde: {points(score)}/{points(most)} points"
           + (" (visible checks)" if most != report.max_score else ""), ""]
    out += ["| Exercise | Check | Result | Points |", "| --- | --- | --- | ---: |"]
    for exercise in report.exercises:
        hidden = [c for c in exercise.checks if c.hidden]
        if hidden:
            out.append(f"| {escape_markdown(exercise.name)} | {len(hidden)} hidden | not shown | "
                       f"{points(sum(c.max_score for c in hidden))} points |")
        for check in visible_checks(exercise):
            result = "✅ pass" if check.passed else "❌ fail"
            if not check.passed and check.diagnoses:
                result += f" `{check.diagnoses[0].id}`"
            if families_line(check):
                result += f" ({escape_markdown(families_line(check))})"
            out.append(f"| {escape_markdown(exercise.name)} | {escape_markdown(check.name)} | {result} | "
                       f"{points(check.score)}/{points(check.max_score)} |")
    out.append("")
    for exercise in report.exercises:
        for warning in exercise.warnings:
            out += [f"> **Warning** ({escape_markdown(exercise.name)}): {escape_markdown(warning)}", ""]
    for exercise in report.exercises:
        if hidden_note(exercise.checks):
            out += [f"> {escape_markdown(exercise.name)}: {hidden_note(exercise.checks)}", ""]
    failed = [(e, c) for e in report.exercises for c in e.checks if not c.passed and not c.hidden]
    if failed:
        out += ["### Failures", ""]
        for exercise, check in failed:
            out += [f"#### {escape_markdown(test_name(exercise, check))}", "", failure_markdown(check), ""]
        out.append("Fix the first failure above, then run `grade` again.")
    else:
        out.append("Every visible check passed." if most != report.max_score else "Every check passed.")
    return printable("\n".join(out) + "\n")

"""``--format markdown``: a summary table, then the failures; fit for ``$GITHUB_STEP_SUMMARY``.

GitHub-flavoured Markdown: one table row per check, then one section per
failed check with the diagnosis and the example in a fenced block. Text from
the student's code is escaped so it shows as text, never as markup.
"""
from __future__ import annotations

from harness.render._shared import escape_markdown, families_line, failure_markdown, points, printable, test_name
from harness.core.results import Report


def render(report: Report) -> str:
    out = [f"## micrograde: {points(report.score)}/{points(report.max_score)} points", ""]
    out += ["| Exercise | Check | Result | Points |", "| --- | --- | --- | ---: |"]
    for exercise in report.exercises:
        for check in exercise.checks:
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
    failed = [(e, c) for e in report.exercises for c in e.checks if not c.passed]
    if failed:
        out += ["### Failures", ""]
        for exercise, check in failed:
            out += [f"#### {escape_markdown(test_name(exercise, check))}", "", failure_markdown(check), ""]
        out.append("Fix the first failure above, then run `grade` again.")
    else:
        out.append("Every check passed.")
    return printable("\n".join(out) + "\n")

"""``--format gradescope``: the ``results.json`` Gradescope reads after ``run_autograder``.

Shape (gradescope/autograder_samples, docs/specs.md): top-level ``score``,
``execution_time`` (seconds), ``output`` with ``output_format``, and
``tests[]``, one per check, each with ``name``, ``number``, ``score``,
``max_score``, ``status`` (``passed``/``failed``), ``output`` in Markdown
(``output_format: md``). The diagnosis ids go into ``extra_data``, which
Gradescope stores without showing, so that an instructor can count them.

The top-level ``score`` is written out (it overrides the sum of the tests on
Gradescope's side), and it is always that sum, so the two never disagree.
"""
from __future__ import annotations

import json

from harness.render._shared import escape_markdown, failure_markdown, hidden_note, points, test_name, visible_points
from harness.core.results import Report


def render(report: Report) -> str:
    return json.dumps(results(report), indent=2, allow_nan=False) + "\n"


def results(report: Report) -> dict:
    tests = []
    for e_index, exercise in enumerate(report.exercises, 1):
        for c_index, check in enumerate(exercise.checks, 1):
            output = escape_markdown(check.description) if check.description else ""
            if not check.passed:
                output = (output + "\n\n" if output else "") + failure_markdown(check)
            tests.append({
                "name": test_name(exercise, check),
                "number": f"{e_index}.{c_index}",
                "score": check.score,
                "max_score": check.max_score,
                "status": "passed" if check.passed else "failed",
                "output": output,
                "output_format": "md",
                "extra_data": {"diagnoses": [d.id for d in check.diagnoses]},
                # Gradescope's own visibilities: it shows the test when the rubric says
                "visibility": check.visibility,
            })
    return {
        "score": report.score,
        "execution_time": round(report.seconds, 3),
        "output": _summary(report),
        "output_format": "md",
        "test_output_format": "md",
        "tests": tests,
        "extra_data": {"micrograde": {"seed": report.seed,
                                      "max_score": report.max_score}},
    }


def _summary(report: Report) -> str:
    lines = []
    for exercise in report.exercises:   # the summary is always shown: visible checks' points only
        score, most = visible_points(exercise.checks)
        lines.append(f"**{escape_markdown(exercise.name)}**: {points(score)}/{points(most)} points"
                     + (f". {hidden_note(exercise.checks)}" if hidden_note(exercise.checks) else ""))
        lines += [f"- warning: {escape_markdown(w)}" for w in exercise.warnings]
    every = [c for e in report.exercises for c in e.checks]
    if all(c.passed for c in every if not c.hidden):
        lines.append("\nEvery visible check passed." if any(c.hidden for c in every) else "\nEvery check passed.")
    else:
        lines.append("\nOpen the first failed test below: it shows the smallest example that fails, "
                     "as code you can paste. Fix that, then submit again.")
    return "\n".join(lines)

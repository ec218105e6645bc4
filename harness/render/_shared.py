"""What several renderers say the same way: points, test names, a failure's text.

A failure reads in the same order everywhere: the diagnosis title (and where in
the student's code), the message, the smallest failing example as code to
paste, then what to change.
"""
from __future__ import annotations

import re

from harness.results import CheckResult, Diagnosis, ExerciseResult


def points(x: float) -> str:
    return f"{x:g}"


def test_name(exercise: ExerciseResult, check: CheckResult) -> str:
    """ "04_engine: reuse": unique within a report, stable between runs."""
    return f"{exercise.name}: {check.name}"


def headline(d: Diagnosis) -> str:
    """ "[grad-overwrite] A gradient is overwritten (value.py, line 23)"."""
    text = f"[{d.id}] {d.title or d.message}"
    return f"{text} ({d.line})" if d.line else text


def failure_text(check: CheckResult) -> str:
    """The diagnoses of a failed check as plain text."""
    parts = []
    for d in check.diagnoses:
        lines = [headline(d)]
        if d.title and d.message:
            lines.append(d.message)
        if d.example:
            lines += ["Smallest failing example:", *("    " + x for x in d.example.splitlines())]
        if d.advice:
            lines.append(d.advice)
        parts.append("\n".join(lines))
    return "\n\n".join(parts) or f"{check.name} failed without a diagnosis (a fault of the grader: please report it)"


def failure_markdown(check: CheckResult) -> str:
    """The diagnoses of a failed check as Markdown, the example in a fenced block."""
    parts = []
    for d in check.diagnoses:
        lines = [f"**{escape_markdown(headline(d))}**"]
        if d.title and d.message:
            lines += ["", escape_markdown(d.message)]
        if d.example:
            lines += ["", "Smallest failing example:", "", *fenced(d.example, "python")]
        if d.advice:
            lines += ["", escape_markdown(d.advice)]
        parts.append("\n".join(lines))
    return "\n\n".join(parts) or escape_markdown(failure_text(check))


def fenced(code: str, language: str = "") -> list:
    """A fenced code block that the code itself cannot close."""
    longest = max((len(run) for run in re.findall(r"`+", code)), default=0)
    fence = "`" * max(3, longest + 1)
    return [fence + language, *code.splitlines(), fence]


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+!|~])")


def escape_markdown(text: str) -> str:
    """Text from the student's code (exception messages) shown as text, not markup."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)

"""What several renderers say the same way: points, test names, a failure's text.

A failure reads in the same order everywhere: the diagnosis title (and where in
the student's code), the message, the smallest failing example as code to
paste, then what to change.
"""
from __future__ import annotations

import re

from harness.core.results import CheckResult, Diagnosis, ExerciseResult
from harness.diagnosis.catalogue import MISSING_OPERATION, NUMBER_OPERAND, REFLECTED_OPERAND


_UNPRINTABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f\ud800-\udfff]")


def printable(text: str) -> str:
    """Control characters and lone surrogates (from a student's exception message) replaced.

    A lone surrogate cannot even be written as UTF-8: left in, it would turn the
    student's bug into a crash of the grader's output.
    """
    return _UNPRINTABLE.sub("\ufffd", text)


def points(x: float) -> str:
    """Points for people: at most two decimals (9.33, 4, 1.5); the model keeps them exact."""
    text = f"{x:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


_SYMBOLS = {"add": "+", "sub": "-", "mul": "*", "div": "/", "neg": "neg", "pow": "**",
            "exp": "exp", "tanh": "tanh", "relu": "relu"}
_WHY = {"passed": "correct", MISSING_OPERATION: "missing", REFLECTED_OPERAND: "fail with a number on the left",
        NUMBER_OPERAND: "fail with a number on the right",
        "not-checkable-without-a-working-binary-operation":
            "not checked: no working binary operation to reuse a value with"}


def families_line(check: CheckResult) -> str:
    """ "+ * ** exp tanh neg correct; relu missing; - / fail with a number on the left" or ""."""
    if check.passed or not check.families:
        return ""
    groups: dict = {}
    for family, why in check.families.items():
        groups.setdefault(why, []).append(_SYMBOLS.get(family, family))
    parts = []
    for why, symbols in sorted(groups.items(), key=lambda kv: kv[0] != "passed"):
        parts.append(f"{' '.join(symbols)} {_WHY.get(why, f'lost ({why})')}")
    return "; ".join(parts)


def test_name(exercise: ExerciseResult, check: CheckResult) -> str:
    """ "04_engine: reuse": unique within a report, stable between runs."""
    return f"{exercise.name}: {check.name}"


def headline(d: Diagnosis) -> str:
    """ "[grad-overwrite] A gradient is overwritten (value.py, line 23)"."""
    text = f"[{d.id}] {d.title or d.message}"
    return f"{text} ({d.line})" if d.line else text


def failure_text(check: CheckResult) -> str:
    """The diagnoses of a failed check as plain text: what, then the example once, then the fix."""
    if not check.diagnoses:
        return f"{check.name} failed without a diagnosis (a fault of the grader: please report it)"
    lines = []
    for d in check.diagnoses:
        lines.append(headline(d))
        if d.title and d.message:
            lines.append(d.message)
    for example in examples(check):
        lines += ["", "Failing examples:" if "\n\n" in example else "Smallest failing example:"]
        lines += ["    " + x if x else "" for x in example.splitlines()]
    for advice in dict.fromkeys(d.advice for d in check.diagnoses if d.advice):
        lines += ["", f"To fix: {advice}"]
    return "\n".join(lines)


def failure_markdown(check: CheckResult) -> str:
    """The same as Markdown, the examples in a fenced block."""
    if not check.diagnoses:
        return escape_markdown(failure_text(check))
    lines = []
    for d in check.diagnoses:
        lines += [f"**{escape_markdown(headline(d))}**", ""]
        if d.title and d.message:
            lines += [escape_markdown(d.message), ""]
    for example in examples(check):
        lines += ["Failing examples:" if "\n\n" in example else "Smallest failing example:", ""]
        lines += [*fenced(example, "python"), ""]
    for advice in dict.fromkeys(d.advice for d in check.diagnoses if d.advice):
        lines += [f"To fix: {escape_markdown(advice)}", ""]
    return "\n".join(lines).rstrip()


def examples(check: CheckResult) -> list:
    """The distinct examples of a check's diagnoses (several diagnoses often share one)."""
    return list(dict.fromkeys(d.example for d in check.diagnoses if d.example))


def fenced(code: str, language: str = "") -> list:
    """A fenced code block that the code itself cannot close."""
    longest = max((len(run) for run in re.findall(r"`+", code)), default=0)
    fence = "`" * max(3, longest + 1)
    return [fence + language, *code.splitlines(), fence]


_MARKDOWN_SPECIAL = re.compile(r"([\\*_\[\]<>|~])")
_CODE_SPAN = re.compile(r"(`[^`\n]+`)")


def escape_markdown(text: str) -> str:
    """Text from the student's code (exception messages) shown as text, not markup.

    `code spans`, which the catalogue's messages use, are kept as they are
    (inside one, a backslash would show); everything else is escaped.
    """
    parts = _CODE_SPAN.split(text)
    for i in range(0, len(parts), 2):
        parts[i] = _MARKDOWN_SPECIAL.sub(r"\\\1", parts[i])
        parts[i] = re.sub(r"(?m)^(\s*)([#+-])", r"\1\\\2", parts[i])
    return "".join(parts)


# -- hidden checks (a rubric's ``visibility``) ---------------------------------
# What a student sees of a check that is not ``visible``: that it exists and its
# points, never its result or example. The JSON and the class report show all.
def visible_checks(exercise: ExerciseResult) -> list:
    return [c for c in exercise.checks if not c.hidden]


def visible_points(checks: list) -> tuple:
    """(score, max_score) of the visible checks among ``checks``."""
    shown = [c for c in checks if not c.hidden]
    return sum(c.score for c in shown), sum(c.max_score for c in shown)


def hidden_note(checks: list) -> str:
    """ "2 hidden checks (5 points) are graded too; their results are not shown." or ""."""
    hidden = [c for c in checks if c.hidden]
    if not hidden:
        return ""
    total = sum(c.max_score for c in hidden)
    many = len(hidden) > 1
    return (f"{len(hidden)} hidden check{'s' if many else ''} ({points(total)} point{'' if total == 1 else 's'}) "
            f"{'are' if many else 'is'} graded too; {'their' if many else 'its'} results are not shown.")

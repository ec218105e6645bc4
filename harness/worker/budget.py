"""Top-level code that runs too long is stopped, and what it defined is graded.

A learner's file or notebook often does more at its top level than define
``Value``: it trains an MLP, draws a plot, tries the engine on an example. The
grade only needs the classes, so a file, or a notebook cell, whose top-level
code is still running after ``seconds`` of CPU time (the rubric's
``hang_seconds``) is stopped there: a training loop costs nothing, and a loop
that never ends costs those seconds, not the check's whole wall-clock limit.
What ran before the stop stays defined. A notebook goes on with its next cell;
a ``.py`` file is graded on what it defined before the stop, or, when the class
is not defined yet, fails to load with the place it was stopped.

CPU time (``ITIMER_PROF``, SIGPROF to the worker itself), not wall time: a
busy machine slows a cell down without making it use more CPU, so the same
notebook is stopped, or not, on every machine. A ``sleep`` uses none and is
left to the grader's wall-clock deadline, as before. Code that swallows the
stop (``except:``) is stopped again every quarter of a second; code that
swallows every one of them also meets that deadline.

Everything used here is bound at import, before the submission runs.
"""
from __future__ import annotations

import ast as _ast
import signal

_setitimer, _set_handler = signal.setitimer, signal.signal
_ITIMER_PROF, _SIGPROF = signal.ITIMER_PROF, signal.SIGPROF
_AGAIN = 0.25   # CPU seconds before a swallowed stop is raised again


class StillRunning(BaseException):
    """Raised in top-level code that used up its CPU time (a BaseException: ``except Exception``
    in the learner's loop does not keep it running)."""


class TopLevelBudget:
    """Arms a CPU-time timer around one file's or one cell's top-level code."""

    def __init__(self) -> None:
        self._active = False
        self.seconds = 0.0
        _set_handler(_SIGPROF, self._on_timer)

    def run(self, code, namespace: dict) -> None:
        """``exec(code, namespace)``; raises StillRunning once it has used ``seconds`` of CPU (none: 0)."""
        self._active = self.seconds > 0
        if self._active:
            _setitimer(_ITIMER_PROF, self.seconds)
        try:
            exec(code, namespace)
        finally:
            if self._active:
                self._active = False
                _setitimer(_ITIMER_PROF, 0)

    def _on_timer(self, signum, frame) -> None:
        if not self._active:
            return
        _setitimer(_ITIMER_PROF, _AGAIN)
        raise StillRunning(f"still running after {self.seconds:g} s of CPU time")


def stopped_at(exc: BaseException, filename: str, text) -> tuple:
    """(line, source) of the top-level statement of ``filename`` that ``exc`` stopped: the loop
    itself, not the line of its body the timer happened to fall on, so the report is the same
    on every machine; (None, "") when the stop was not in that file's top-level code. ``text`` is
    the cell's source, or the file's bytes (parsed as ``import`` would: a BOM, a coding line)."""
    line = None
    tb = exc.__traceback__
    while tb is not None:
        code = tb.tb_frame.f_code
        if code.co_filename == filename and code.co_name == "<module>":
            line = tb.tb_lineno
        tb = tb.tb_next
    if line is None:
        return None, ""
    try:
        body = _ast.parse(text).body
    except (SyntaxError, ValueError):
        body = []
    for statement in body:
        if statement.lineno <= line <= (statement.end_lineno or statement.lineno):
            line = statement.lineno
            break
    lines = (text.decode("utf-8", "replace") if isinstance(text, bytes) else text).split("\n")
    shown = lines[line - 1].strip() if 0 < line <= len(lines) else ""
    return line, shown if len(shown) <= 60 else shown[:57] + "..."


class Stop:
    """Where a file's top-level code was stopped, and how to say it."""

    def __init__(self, file: str, line: int | None, text: str, seconds: float):
        self.file, self.line, self.seconds = file, line, seconds
        self.at = f"{file}, line {line}" + (f" (`{text}`)" if text else "") if line else file

    def warning(self) -> str:
        """When the class to grade was defined before the stop: it is graded."""
        return (f"{self.at}: the top-level code was still running after {self.seconds:g} s of CPU time and "
                f"was stopped there; what the file defined before it is graded (put a demo or training "
                f"under `if __name__ == \"__main__\":`)")

    def error(self, name: str) -> dict:
        """The load's error record when ``name`` was not defined before the stop."""
        record = {"type": "StillRunning", "where": self.file,
                  "message": f"{self.at} was still running after {self.seconds:g} s of CPU time and was "
                             f"stopped, before {name} was defined: the file's top level should define the "
                             f"classes and do no more (a demo goes under `if __name__ == \"__main__\":`)"}
        if self.line:
            record["file"], record["line"] = self.file, self.line
        return record


__all__ = ["Stop", "StillRunning", "TopLevelBudget", "stopped_at"]

"""Where the student's code is when a request runs out of time.

Each request carries the seconds the grader will wait for it (``watchdog``,
set by ``harness.sandbox.process``, a little under its deadline). A thread of
the worker waits that long; if the answer is not written by then, it reads the
main thread's stack, writes one ``{"hang": {...}}`` frame (file, line,
function, and which operation's ``_backward`` or which method), and the main
thread never answers that request: the grader reads the hang, then kills the
worker as before. A thread works the same under every layer (no signal
crosses a namespace); it needs the interpreter to switch threads, which a loop
of Python code does every few milliseconds. Code stuck in one C call (a huge
``**``) keeps the GIL: then the grader's own deadline reports the timeout
without a location, as it always did.

Everything used here is bound at import, before the submission runs.
"""
from __future__ import annotations

import _thread
import sys

_start, _lock, _ident = _thread.start_new_thread, _thread.allocate_lock, _thread.get_ident
_current_frames = sys._current_frames
_STACK = 5

# The method whose code holds a ``_backward``: how the report names the operation.
OPERATIONS = {"__add__": "+", "__radd__": "+ (number on the left)", "__sub__": "-",
              "__rsub__": "- (number on the left)", "__mul__": "*", "__rmul__": "* (number on the left)",
              "__truediv__": "/", "__rtruediv__": "/ (number on the left)", "__neg__": "unary -",
              "__pow__": "**", "exp": ".exp()", "tanh": ".tanh()", "relu": ".relu()"}


class Watchdog:
    """Arms a timer per request; reports the main thread's place if it goes off."""

    def __init__(self, send, is_student_file, display_name):
        self._send, self._is_student, self._display = send, is_student_file, display_name
        self._main = _ident()
        self._state = _lock()
        self._token = 0
        self._done = None
        self.fired = False
        self.context: dict = {}     # what the main thread is doing: the graph, the phase

    def arm(self, seconds) -> None:
        """Start watching the request just read (no limit when ``seconds`` is not a number)."""
        if type(seconds) not in (int, float) or seconds <= 0:
            return
        with self._state:
            self._token += 1
            done = self._done = _lock()
            done.acquire()
            token = self._token
        _start(self._watch, (token, done, float(seconds)))

    def answer(self, response: dict) -> bool:
        """Send ``response`` unless the watchdog has already reported a hang for this request."""
        with self._state:
            if self.fired:
                return False
            self._token += 1
            if self._done is not None:
                self._done.release()
                self._done = None
        self._send(response)
        return True

    def _watch(self, token: int, done, seconds: float) -> None:
        if done.acquire(True, seconds):
            return
        with self._state:
            if token != self._token or self.fired:
                return
            self.fired = True
        try:
            record = self.where(_current_frames().get(self._main))
        except Exception as exc:  # noqa: BLE001 - a hang is still reported, without a place
            record = {"error": f"{type(exc).__name__}"}
        context = dict(self.context)
        record.update({k: v for k, v in context.items() if type(v) in (int, str)})
        at = context.get("at")
        if type(at) is list and at and type(at[0]) is int:
            record["node"] = at[0]
        self._send({"hang": record})

    def where(self, frame) -> dict:
        """The innermost frames of the submission in ``frame``'s stack, innermost first."""
        stack = []
        while frame is not None and len(stack) < 200:
            code = frame.f_code
            if self._is_student(code.co_filename):
                stack.append((self._display(code.co_filename), frame.f_lineno, code.co_name,
                              getattr(code, "co_qualname", code.co_name)))
            frame = frame.f_back
        if not stack:
            return {}
        file, line, function, qualname = stack[0]
        record = {"file": file, "line": line, "function": function,
                  "stack": [f"{f}, line {n}, in {fn}" for f, n, fn, _ in stack[:_STACK]]}
        parts = qualname.split(".")
        if function == "_backward" and len(parts) >= 3 and parts[-2] == "<locals>":
            method = parts[-3]
            record["operation"] = OPERATIONS.get(method, method)
            record["method"] = ".".join(p for p in parts[:-2])
        elif len(parts) >= 2 and parts[-2] != "<locals>":
            record["method"] = qualname
        return record

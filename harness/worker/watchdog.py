"""Where the student's code is when a request runs out of time.

Each request carries the seconds the grader will wait for it (``watchdog``,
set by ``harness.sandbox.process``, a little under its deadline). A timer of
the worker's own (``setitimer``, SIGALRM to itself: no signal crosses a
namespace, so it works under every layer) goes off after that long; its
handler runs in the main thread between two bytecodes, reads the frame the
student's code is in, writes one ``{"hang": {...}}`` frame (file, line,
function, and which operation's ``_backward`` or which method), and then
waits: the main thread never answers that request, and the grader, having
read the hang, kills the worker as before. Code stuck in one C call (a huge
``**``) runs no handler: then the grader's own deadline reports the timeout
without a location, as it always did.

A timer, not a thread: a second thread allocates at moments that vary from
run to run, which moves the student's objects in memory and so changes the
order in which a ``set`` of Values iterates. An engine whose numbers depend on
that order must get the same numbers in every run; with a timer, nothing runs
beside the student's code until the request has already hung.

Everything used here is bound at import, before the submission runs.
"""
from __future__ import annotations

import select
import signal

_setitimer, _set_handler = signal.setitimer, signal.signal
_ITIMER_REAL, _SIGALRM = signal.ITIMER_REAL, signal.SIGALRM
_block_forever = select.select
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
        self._watching = False
        self.fired = False
        self.context: dict = {}     # what the main thread is doing: the graph, the phase
        _set_handler(_SIGALRM, self._on_timer)

    def arm(self, seconds) -> None:
        """Start watching the request just read (no limit when ``seconds`` is not a number)."""
        if type(seconds) not in (int, float) or seconds <= 0:
            return
        self._watching = True
        _setitimer(_ITIMER_REAL, float(seconds))

    def answer(self, response: dict) -> bool:
        """Send ``response`` unless the watchdog has already reported a hang for this request."""
        self._watching = False      # first: a timer going off from here on does nothing
        _setitimer(_ITIMER_REAL, 0)
        if self.fired:
            return False
        self._send(response)
        return True

    def _on_timer(self, signum, frame) -> None:
        if not self._watching or self.fired:
            return
        self.fired = True
        try:
            record = self.where(frame)
        except Exception as exc:  # noqa: BLE001 - a hang is still reported, without a place
            record = {"error": f"{type(exc).__name__}"}
        context = dict(self.context)
        record.update({k: v for k, v in context.items() if type(v) in (int, str)})
        at = context.get("at")
        if type(at) is list and at and type(at[0]) is int:
            record["node"] = at[0]
        self._send({"hang": record})
        while True:                 # the grader kills the worker once it has read the hang
            _block_forever([], [], [], 3600)

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

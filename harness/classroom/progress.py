"""Progress of a long run (``--bulk``, ``--audit``) on stderr, and a clean Ctrl-C for its pool.

On a terminal: one line rewritten in place (done/total, rate, the last one
finished, and what is still being waited on). Elsewhere (CI logs, ``nohup``):
a plain line every ``EVERY`` items or every ``HEARTBEAT`` seconds, whichever
comes first, naming what the run is waiting on, so a hang in a log says whose
submission it is. Plain stderr lines: a progress library would not make this
shorter.

``ignore_sigint`` is the pool processes' initializer: Ctrl-C reaches the whole
process group, and only the main process should act on it (stop the pool, say
how to resume, exit 130), not print a traceback from each child.
``redeliver_stops`` keeps a stop from being lost inside a garbage-collector
callback (Hypothesis installs one), where Python prints and drops it.
"""
from __future__ import annotations

import _thread
import os
import signal
import sys
import time
from typing import TextIO

EVERY = 10          # items between two plain lines
HEARTBEAT = 5.0     # seconds between two plain lines while nothing finishes (a hang shows soon in a log)
WIDTH = 110


class Progress:
    """Counts finished items and shows them; ``waiting`` is what is running now, with start times."""

    def __init__(self, total: int, noun: str = "submissions", stream: TextIO | None = None):
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self.total, self.noun, self.done = total, noun, 0
        self.started = self.last_line = time.monotonic()
        self.waiting: dict = {}           # name -> when it started

    def start(self, name: str) -> None:
        self.waiting[name] = time.monotonic()

    def step(self, name: str, outcome: str) -> None:
        """``name`` finished with ``outcome`` (a score, "grader error", ...)."""
        self.waiting.pop(name, None)
        self.done += 1
        if self.tty or self.done % EVERY == 0 or self.done == self.total:
            self._show(f"{name}: {outcome}")

    def tick(self) -> None:
        """Called while waiting: a heartbeat line when nothing was said for ``HEARTBEAT`` seconds."""
        if time.monotonic() - self.last_line >= (1.0 if self.tty else HEARTBEAT):
            self._show("")

    def finish(self) -> None:
        if self.tty:
            self.stream.write("\r" + " " * WIDTH + "\r")
            self.stream.flush()

    def _show(self, last: str) -> None:
        now = time.monotonic()
        self.last_line = now
        rate = self.done / max(now - self.started, 1e-9) * 60
        line = f"[{self.done}/{self.total}] {rate:.0f}/min"
        if last:
            line += f"  {last}"
        if self.waiting:
            oldest = sorted(self.waiting.items(), key=lambda kv: kv[1])
            line += "  waiting on " + ", ".join(f"{n} ({now - t:.0f} s)" for n, t in oldest[:3])
        if self.tty:
            self.stream.write("\r" + line[:WIDTH].ljust(WIDTH))
        else:
            self.stream.write(f"grade: {line} ({self.noun})\n")
        self.stream.flush()


def ignore_sigint() -> None:
    """Pool initializer: Ctrl-C is the main process's to handle; SIGTERM unwinds (workers are closed)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))
    redeliver_stops()


def redeliver_stops() -> None:
    """A Ctrl-C or SIGTERM that lands in a garbage-collector callback is signalled again.

    An exception raised in such a callback cannot propagate: Python prints
    "Exception ignored in ..." with a traceback and carries on, so the stop
    would be lost and a traceback shown. The signal is raised once more in
    the main thread instead, where it unwinds as it should.
    """
    previous = sys.unraisablehook
    if getattr(previous, "redelivers_stops", False):
        return   # installed already (``%grade`` calls main once per run)

    def hook(unraisable) -> None:
        exc = unraisable.exc_value
        if isinstance(exc, KeyboardInterrupt):
            again = signal.SIGINT
        elif isinstance(exc, SystemExit) and exc.code == 128 + signal.SIGTERM:
            again = signal.SIGTERM
        else:
            previous(unraisable)
            return
        # From another thread, so that it is handled once this hook has returned.
        _thread.start_new_thread(_thread.interrupt_main, (again,))
    hook.redelivers_stops = True
    sys.unraisablehook = hook


def stop_pool(pool) -> None:
    """Stop a ``ProcessPoolExecutor`` now: cancel what waits, end what runs (TERM, then KILL)."""
    processes = list((getattr(pool, "_processes", None) or {}).values())   # no public way to reach them
    try:
        pool.shutdown(wait=False, cancel_futures=True)
    except Exception:  # noqa: BLE001 - a pool broken by the same Ctrl-C: its processes still go
        pass
    for p in processes:
        try:
            if p.is_alive():
                p.terminate()
        except (OSError, ValueError):   # already reaped, or never started
            pass
    deadline = time.monotonic() + 5
    for p in processes:
        try:
            p.join(max(0.0, deadline - time.monotonic()))
            if p.is_alive():
                os.kill(p.pid, signal.SIGKILL)
                p.join(1)
        except (OSError, ValueError, AssertionError):   # gone already, or not ours to join
            pass

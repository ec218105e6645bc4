"""A Ctrl-C or a pool's SIGTERM that lands inside a garbage-collector callback still stops the run.

Hypothesis installs a gc callback; an exception raised there is printed as
"Exception ignored in ..." with a traceback and dropped, which lost a Ctrl-C
of ``grade --audit`` and showed a traceback. Each case runs in a fresh Python,
with a callback that receives the signal the first time a collection starts.
"""
from __future__ import annotations

import subprocess
import sys

import pytest

SCRIPT = """
import gc, os, signal, sys, time
from harness.classroom import progress
signal.signal(signal.SIGINT, signal.default_int_handler)   # as in a terminal, even if started with `&`
{install}
sent = []
def callback(phase, info):
    if phase == "start" and not sent:
        sent.append(1)
        os.kill(os.getpid(), signal.{signal})
        time.sleep(0.01)   # the handler runs here, inside the callback
gc.callbacks.append(callback)
try:
    for _ in range(300):
        gc.collect()
        time.sleep(0.001)
    print("the stop was lost")
except KeyboardInterrupt:
    print("stopped by Ctrl-C")
except SystemExit as exc:
    print("stopped by SIGTERM", exc.code)
"""


def run(install: str, signal: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", SCRIPT.format(install=install, signal=signal)],
                          capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("install, signal, said", [
    ("progress.redeliver_stops()", "SIGINT", "stopped by Ctrl-C"),      # the grade command
    ("progress.ignore_sigint()", "SIGTERM", "stopped by SIGTERM 143"),  # a pool process being stopped
])
def test_a_stop_inside_a_gc_callback_is_not_lost(install, signal, said):
    done = run(install, signal)
    assert done.stdout.strip() == said, done.stdout + done.stderr
    assert "Traceback" not in done.stderr and "Exception ignored" not in done.stderr, done.stderr


def test_without_it_python_drops_the_stop_and_prints_a_traceback():
    """The case the hook is for: shows that the test above could fail."""
    done = run("", "SIGINT")
    assert done.stdout.strip() == "the stop was lost" and "Exception ignored" in done.stderr

"""Starts three processes that leave their session and ignore SIGTERM, then goes on as a stub.

Each double-forks and calls setsid(), so killing the worker's process group
misses it; it names itself ``mg-orphan`` (for the test to look for) and lives
at most 30 s, so that a failure of the grader to kill it stays harmless.
"""
import ctypes
import os
import signal
import time


def _orphan():
    os.setsid()
    if os.fork() > 0:
        os._exit(0)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    try:
        ctypes.CDLL(None).prctl(15, b"mg-orphan", 0, 0, 0)  # PR_SET_NAME
    except (OSError, AttributeError):
        pass
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        time.sleep(0.2)
    os._exit(0)


for _ in range(3):
    try:
        pid = os.fork()
    except OSError:
        break
    if pid == 0:
        try:
            _orphan()
        finally:
            os._exit(0)
    os.waitpid(pid, 0)


class Value:
    def __init__(self, data):
        raise NotImplementedError("Value")

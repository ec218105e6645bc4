"""Start a worker in its own process, talk to it with deadlines, and kill it.

The student's code runs only in the worker (``harness.worker``). Here, on the
grader's side:

* the submission is copied into a fresh temporary folder, the worker's cwd,
  so it can neither see nor change the student's original files;
* the environment is scrubbed; the worker starts in its own session;
* rlimits (CPU seconds, address space, file size, open files, core dumps) are
  set in the child before it runs anything;
* stdout and stderr go to files in the grader's folder whose size the file
  size limit caps, never to the grader's memory;
* every request has a wall-clock deadline, for writing as well as reading;
  when it passes, or the worker misbehaves, its whole process group is killed.

A ``WorkerFailure`` says what went wrong in terms the report can use.
"""
from __future__ import annotations

import os
import resource
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from harness import protocol

_HARNESS_PARENT = str(Path(__file__).resolve().parent.parent)
_BOOTSTRAP = ("import sys; sys.path.insert(0, {parent!r}); "
              "from harness.worker import main; main()")
# What a submission folder may carry into the worker's folder.
_COPY_SKIP = {"__pycache__", ".git", ".hypothesis", ".ipynb_checkpoints", ".venv"}
_COPY_MAX_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """Per-worker limits; every field has a safe default and a rubric may lower it."""

    check_seconds: float = 10.0      # wall clock for one check's requests
    exercise_seconds: float = 30.0   # wall clock for a whole exercise
    cpu_seconds: int = 60            # CPU time of one worker process
    memory_mb: int = 2048            # address space of one worker process
    output_kb: int = 1024            # size of the student's stdout or stderr
    open_files: int = 64


@dataclass
class WorkerFailure(Exception):
    """The worker did not answer: ``kind`` is timeout, resource-limit or worker-crash."""

    kind: str
    detail: str

    def __str__(self) -> str:
        return f"{self.kind}: {self.detail}"


class WorkerProcess:
    """One worker running one submission; restart by making another."""

    def __init__(self, submission_folder: Path, limits: Limits):
        self.limits = limits
        self.home = Path(tempfile.mkdtemp(prefix="micrograde-"))
        self.folder = self.home / "submission"
        _copy_submission(submission_folder, self.folder)
        self._stdout = open(self.home / "stdout", "wb")
        self._stderr = open(self.home / "stderr", "wb")
        request_r, self._request_w = os.pipe()
        self._response_r, response_w = os.pipe()
        os.set_blocking(self._request_w, False)
        max_fd = max(request_r, response_w)
        self.process = subprocess.Popen(
            [sys.executable, "-s", "-B", "-c", _BOOTSTRAP.format(parent=_HARNESS_PARENT),
             str(request_r), str(response_w)],
            cwd=self.folder, env=_scrubbed_env(self.folder), stdin=subprocess.DEVNULL,
            stdout=self._stdout, stderr=self._stderr, pass_fds=(request_r, response_w),
            start_new_session=True, preexec_fn=lambda: _apply_limits(limits, max_fd))
        os.close(request_r)
        os.close(response_w)

    def call(self, request: dict, timeout: float) -> dict:
        """Send one request and wait for its answer, at most ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        try:
            self._write(protocol.encode(request), deadline)
            return protocol.read_frame(self._response_r, deadline)
        except protocol.FrameTimeout:
            self.kill()
            raise WorkerFailure("timeout", f"no answer within {timeout:g} s") from None
        except (protocol.ChannelClosed, BrokenPipeError):
            raise self._death() from None
        except protocol.ProtocolError as exc:
            self.kill()
            raise WorkerFailure("worker-crash", f"the worker's answer was unreadable ({exc})") from None

    def output(self, which: str = "stdout", limit: int = 2000) -> str:
        """The start of what the student's code printed, for the report."""
        try:
            with open(self.home / which, "rb") as f:
                return f.read(limit).decode("utf-8", "replace")
        except OSError:
            return ""

    def kill(self) -> None:
        """Kill the worker's whole process group (SIGKILL cannot be ignored)."""
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass

    def close(self) -> None:
        if self.process.poll() is None:
            try:
                self._write(protocol.encode({"op": "exit"}), time.monotonic() + 0.5)
                self.process.wait(timeout=0.5)
            except (OSError, protocol.FrameTimeout, subprocess.TimeoutExpired):
                pass
        self.kill()
        for fd in (self._request_w, self._response_r):
            try:
                os.close(fd)
            except OSError:
                pass
        self._stdout.close()
        self._stderr.close()
        shutil.rmtree(self.home, ignore_errors=True)

    def __enter__(self) -> "WorkerProcess":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- internals -------------------------------------------------------------
    def _write(self, data: bytes, deadline: float) -> None:
        view = memoryview(data)
        while view:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise protocol.FrameTimeout()
            _, ready, _ = select.select([], [self._request_w], [], remaining)
            if not ready:
                continue
            try:
                view = view[os.write(self._request_w, view):]
            except BlockingIOError:
                continue

    def _death(self) -> WorkerFailure:
        """Why the worker went away, from its exit status and what it wrote."""
        try:
            code = self.process.wait(timeout=2)
        except subprocess.TimeoutExpired:
            self.kill()
            return WorkerFailure("worker-crash", "the worker closed its channel and did not exit")
        self.kill()  # anything it left behind in its group
        out_cap = self.limits.output_kb * 1024
        for which in ("stdout", "stderr"):
            if (self.home / which).stat().st_size >= out_cap:
                return WorkerFailure("resource-limit",
                                     f"the submission printed more than {self.limits.output_kb} KiB on {which}")
        if code < 0:
            sig = signal.Signals(-code)
            if sig == signal.SIGXCPU:
                return WorkerFailure("resource-limit", f"CPU time limit of {self.limits.cpu_seconds} s exceeded")
            if sig == signal.SIGXFSZ:
                return WorkerFailure("resource-limit", f"output or file size limit of {self.limits.output_kb} KiB exceeded")
            if sig == signal.SIGSEGV:
                return WorkerFailure("worker-crash", "the interpreter crashed (SIGSEGV); deep recursion is the usual cause")
            return WorkerFailure("worker-crash", f"the worker was killed by {sig.name}")
        tail = self.output("stderr", 4000).strip().splitlines()[-1:] or [""]
        if "MemoryError" in tail[0]:
            return WorkerFailure("resource-limit", f"memory limit of {self.limits.memory_mb} MiB exceeded")
        return WorkerFailure("worker-crash", f"the submission ended the worker (exit status {code})")


def _scrubbed_env(folder: Path) -> dict:
    return {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(folder), "TMPDIR": str(folder),
            "LANG": "C.UTF-8", "PYTHONHASHSEED": "0", "PYTHONDONTWRITEBYTECODE": "1",
            "MPLBACKEND": "Agg"}


def _apply_limits(limits: Limits, max_fd: int) -> None:
    """In the child, before exec: the rlimits that hold for the student's code."""
    def cap(which, value):
        soft, hard = resource.getrlimit(which)
        value = value if hard == resource.RLIM_INFINITY else min(value, hard)
        resource.setrlimit(which, (value, value))
    cap(resource.RLIMIT_CPU, int(limits.cpu_seconds))
    cap(resource.RLIMIT_AS, limits.memory_mb * 1024 * 1024)
    cap(resource.RLIMIT_FSIZE, limits.output_kb * 1024)
    cap(resource.RLIMIT_NOFILE, max(limits.open_files, max_fd + 1))
    cap(resource.RLIMIT_CORE, 0)


def _copy_submission(source: Path, target: Path) -> None:
    """Copy regular files only (links are never followed), within a size budget."""
    target.mkdir(parents=True)
    budget = _COPY_MAX_BYTES
    for folder, dirs, files in os.walk(source, followlinks=False):
        dirs[:] = sorted(d for d in dirs if d not in _COPY_SKIP)
        rel = Path(folder).relative_to(source)
        (target / rel).mkdir(parents=True, exist_ok=True)
        for name in sorted(files):
            path = Path(folder) / name
            if path.is_symlink() or not path.is_file():
                continue
            size = path.stat().st_size
            if size > budget:
                continue
            budget -= size
            shutil.copyfile(path, target / rel / name)

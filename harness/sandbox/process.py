"""Start a worker in its own process, talk to it with deadlines, and kill it.

The student's code runs only in the worker (``harness.worker.loop``). Here, on the
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

Around that, the strongest isolation layer the machine offers
(``harness.sandbox.layers``: bubblewrap, Landlock, or rlimits alone) is chosen once per
process by starting a worker in it, and reported; the worker confines itself
(``harness.worker.confine``) and says it is ready before any student code runs. When a
worker ends, everything it started is killed, escaped orphans included
(``harness.sandbox.reaper``).

A ``WorkerFailure`` says what went wrong in terms the report can use; a
``SandboxError`` is the grader's own fault (a worker that could not start).
"""
from __future__ import annotations

import fcntl as _fcntl
import json
import os
import resource
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

from harness.core import protocol
from harness.sandbox import layers
from harness.sandbox.bootstrap import BOOTSTRAP
from harness.sandbox import reaper
from harness.sandbox import workdir
from harness.sandbox.failure import WorkerFailure, hang_failure
from harness.core.errors import MicrogradeError, UsageError
from harness.core.limits import Limits
from harness.core.kinds import RESOURCE_LIMIT, TIMEOUT, WORKER_CRASH


class SandboxError(MicrogradeError):
    """A worker could not start or confine itself: the grader's fault, never the student's."""


# The worker's ends of its two pipes, as the worker sees them. Fixed numbers: they are in the
# worker's argv, whose length moves its objects in memory (and so the order a set of Values
# iterates in); the grader's own numbers for them depend on what else it has open (a pool
# process of --bulk or of several exercises has more), and an assigning engine's wrong numbers
# differed between `grade` and `grade --bulk` with them.
_REQUEST_FD, _RESPONSE_FD = 3, 4


def _in_child(request_r: int, response_w: int, limits: Limits) -> None:
    """In the forked child, before exec: the pipes at their fixed numbers, nothing else open, the rlimits."""
    high_r = _fcntl.fcntl(request_r, _fcntl.F_DUPFD, 10)    # out of the way of 3 and 4 first
    high_w = _fcntl.fcntl(response_w, _fcntl.F_DUPFD, 10)
    os.dup2(high_r, _REQUEST_FD)                            # inheritable, unlike the originals
    os.dup2(high_w, _RESPONSE_FD)
    os.closerange(_RESPONSE_FD + 1, resource.getrlimit(resource.RLIMIT_NOFILE)[0])
    layers.apply_rlimits(limits, _RESPONSE_FD)


# The worker reports a hang this long before the grader's deadline, so the report arrives in time.
_HANG_MARGIN = 0.3


class WorkerProcess:
    """One worker running one submission; restart by making another."""

    def __init__(self, submission_folder: Path, limits: Limits, layer: str | None = None):
        self.limits = limits
        self.layer = layer or current_layer()
        self.home = workdir.new_home()
        self.folder = self.home / "submission"
        try:
            self._start(submission_folder)
        except BaseException:
            shutil.rmtree(self.home, ignore_errors=True)
            raise

    def _start(self, submission_folder: Path) -> None:
        workdir.copy_submission(submission_folder, self.folder)
        self.plan = layers.plan(self.layer, self.home, self.folder, self.limits)
        self._ready = False
        self.stopped = False   # killed (after a timeout, a flood, a death): ask another worker
        self._stdout = open(self.home / "stdout", "wb")
        self._stderr = open(self.home / "stderr", "wb")
        request_r, self._request_w = os.pipe()
        self._response_r, response_w = os.pipe()
        os.set_blocking(self._request_w, False)
        limits = self.limits
        command = self.plan.prefix + [
            sys.executable, "-S", "-s", "-B", "-c", BOOTSTRAP,
            str(_REQUEST_FD), str(_RESPONSE_FD), json.dumps(self.plan.spec)]
        try:
            with reaper.LOCK:  # registered before another thread looks for orphans
                reaper.become_subreaper()
                self.process = subprocess.Popen(
                    command, cwd=self.folder, env=self.plan.env, stdin=subprocess.DEVNULL,
                    stdout=self._stdout, stderr=self._stderr, close_fds=False,
                    start_new_session=True, preexec_fn=lambda: _in_child(request_r, response_w, limits))
                reaper.register(self.process.pid)
        except BaseException:
            for fd in (self._request_w, self._response_r):
                os.close(fd)
            self._stdout.close()
            self._stderr.close()
            raise
        finally:
            os.close(request_r)
            os.close(response_w)

    def call(self, request: dict, timeout: float, meanwhile: Callable[[], object] | None = None) -> dict:
        """Send one request and wait for its answer, at most ``timeout`` seconds.

        ``meanwhile`` runs once the request is sent, before the answer is read:
        the grader's own work on the request (the reference's numbers) overlaps
        the worker's, on another core."""
        deadline = time.monotonic() + timeout
        try:
            self.wait_ready(deadline)
            watchdog = max(0.05, deadline - time.monotonic() - min(_HANG_MARGIN, timeout / 10))
            self._write(protocol.encode(dict(request, watchdog=round(watchdog, 3))), deadline)
            if meanwhile is not None:
                meanwhile()
            answer = protocol.read_frame(self._response_r, deadline)
        except protocol.FrameTimeout:
            raise self._out_of_time(WorkerFailure(TIMEOUT, "no answer before the deadline")) from None
        except (protocol.ChannelClosed, BrokenPipeError):
            raise self._death() from None
        except protocol.ProtocolError as exc:
            self.kill()
            raise WorkerFailure(WORKER_CRASH, f"the worker's answer was unreadable ({exc})") from None
        if isinstance(answer, dict) and "hang" in answer:   # the worker's watchdog: where it hangs
            raise self._out_of_time(hang_failure(answer["hang"], request))
        flooded = self._flooded()
        if flooded:  # raw writes (os.write) hit the cap and failed under the student's code
            self.kill()
            raise WorkerFailure(RESOURCE_LIMIT, flooded)
        return answer

    def wait_ready(self, deadline: float) -> None:
        """The worker's first frame: it is confined and no student code has run yet."""
        if self._ready:
            return
        try:
            frame = protocol.read_frame(self._response_r, deadline)
        except protocol.ChannelClosed:
            self.kill()
            raise SandboxError(f"the worker did not start in the {self.layer} layer "
                               f"(exit status {self.process.returncode}): "
                               f"{self.output('stderr', 4000).strip()[-1500:] or 'no message'}; "
                               f"check the rubric's limits, or set {layers.ENV_VAR} to another "
                               f"layer ({', '.join(layers.LAYERS)})") from None
        ready = frame.get("ready") if isinstance(frame, dict) else None
        if not isinstance(ready, dict) or ready.get("layer") != self.layer:
            self.kill()
            raise SandboxError(f"the worker's first message was {frame!r}, not ready in {self.layer}")
        self._ready = True

    def output(self, which: str = "stdout", limit: int = 2000) -> str:
        """The start of what the student's code printed, for the report."""
        try:
            with open(self.home / which, "rb") as f:
                return f.read(limit).decode("utf-8", "replace")
        except OSError:
            return ""

    def kill(self) -> None:
        """Kill the worker and everything it started (SIGKILL cannot be ignored)."""
        self.stopped = True
        reaper.kill_all(self.process.pid, self.plan.uid)
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        else:
            reaper.unregister(self.process.pid)

    def close(self) -> None:
        """Kill the worker (it holds nothing worth a clean exit) and delete its folder."""
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

    def _flooded(self) -> str:
        """Why the output limit was reached, or ""."""
        for which, f in (("stdout", self._stdout), ("stderr", self._stderr)):
            if os.fstat(f.fileno()).st_size >= self.limits.output_kb * 1024:
                return (f"the submission wrote {self.limits.output_kb} KiB or more to {which} with "
                        f"os.write, the limit; print() instead (prints past the limit are dropped)")
        return ""

    def _out_of_time(self, failure: WorkerFailure) -> WorkerFailure:
        """Kill the worker; ``failure``, or a memory limit when memory without end is why it was slow.

        A submission that allocates without end reaches the memory limit only after seconds of
        allocating: when its time runs out first holding a quarter of its limit or more (512 MiB of
        the default 2 GiB; the largest graph of a check needs under 100), that is its fault. Half
        was too much where page faults are slow: a 2-core machine under load filled about
        1 GiB in the 3 s of a small-graph request, sometimes less."""
        held = reaper.resident_mb(self.process.pid)
        self.kill()
        if held * 4 < self.limits.memory_mb:
            return failure
        return WorkerFailure(RESOURCE_LIMIT, f"the submission held {held:,} MiB of its memory limit of "
                             f"{self.limits.memory_mb:,} MiB when its time ran out{failure.located()}",
                             failure.where, failure.graph, failure.backward)

    def _death(self) -> WorkerFailure:
        """Why the worker went away, from its exit status and what it wrote."""
        killed_by_us = self.stopped   # before the kill() below: its SIGKILL is no CPU limit
        try:
            code = self.process.wait(timeout=2)
        except subprocess.TimeoutExpired:
            self.kill()
            return WorkerFailure(WORKER_CRASH, "the worker closed its channel and did not exit")
        self.kill()  # anything it left behind
        if self.plan.prefix and code > 128:  # bwrap exits 128 + n when its child died of signal n
            code = -(code - 128)
        flooded = self._flooded()
        if flooded:
            return WorkerFailure(RESOURCE_LIMIT, flooded)
        if code < 0:
            if killed_by_us:
                return WorkerFailure(WORKER_CRASH, "the worker had been stopped after an earlier failure")
            try:
                sig = signal.Signals(-code)
            except ValueError:
                return WorkerFailure(WORKER_CRASH, f"the worker ended with status {code}")
            if sig in (signal.SIGXCPU, signal.SIGKILL):  # we had not killed it: the CPU hard limit
                return WorkerFailure(RESOURCE_LIMIT, f"CPU time limit of {self.limits.cpu_seconds} s exceeded")
            if sig == signal.SIGXFSZ:
                return WorkerFailure(RESOURCE_LIMIT, f"output or file size limit of {self.limits.output_kb} KiB exceeded")
            if sig == signal.SIGSEGV:
                return WorkerFailure(WORKER_CRASH, "the interpreter crashed (SIGSEGV); deep recursion is the usual cause")
            return WorkerFailure(WORKER_CRASH, f"the worker was killed by {sig.name}")
        tail = self.output("stderr", 4000).strip().splitlines()[-1:] or [""]
        if "MemoryError" in tail[0]:
            return WorkerFailure(RESOURCE_LIMIT, f"memory limit of {self.limits.memory_mb} MiB exceeded")
        return WorkerFailure(WORKER_CRASH, f"the submission ended the worker (exit status {code})")


_chosen: dict = {}   # MICROGRADE_SANDBOX -> layer, probed once (forked processes inherit it)


def current_layer() -> str:
    """The strongest layer that can start a worker here (or the one asked for), probed once."""
    asked = layers.requested()
    if asked not in _chosen:
        found, why_not = layers.candidates()
        for layer in _to_try(asked, found, why_not):
            why = _probe(layer)
            if why is None:
                _chosen[asked] = layer
                break
            why_not[layer] = why
        else:
            raise _unavailable(asked, why_not)
    return _chosen[asked]


def start_worker(submission_folder: Path, limits: Limits) -> "WorkerProcess":
    """A worker for ``submission_folder``, confined and ready.

    The first one of a process is its own probe (a probe is one more worker
    start, about 0.05 s of every run): it starts in the strongest layer that may
    work. Only if it cannot does a probe (default limits, an empty folder) tell
    a layer that does not work here, and is passed over as ``current_layer``
    would, from one that cannot start under the rubric's limits: that worker's
    error is raised, as it was once the probe had passed.
    """
    asked = layers.requested()
    if asked in _chosen:
        return WorkerProcess(submission_folder, limits, _chosen[asked])
    found, why_not = layers.candidates()
    for layer in _to_try(asked, found, why_not):
        worker = None
        try:
            worker = WorkerProcess(submission_folder, limits, layer)
            worker.wait_ready(time.monotonic() + 10)
        except (SandboxError, WorkerFailure, OSError, protocol.ProtocolError, protocol.FrameTimeout) as exc:
            said = (worker.output("stderr", 4000).strip()[-600:] if worker is not None else "") or str(exc)
            if worker is not None:
                worker.close()
            why = _probe(layer)
            if why is None:   # the layer works here: the rubric's limits are what failed
                _chosen[asked] = layer
                raise _limits_too_low(limits, layer, said) from None
            why_not[layer] = why
            continue
        _chosen[asked] = layer
        return worker
    raise _unavailable(asked, why_not)


def _limits_too_low(limits: Limits, layer: str, said: str) -> UsageError:
    """A worker starts here with the default limits, but not with the rubric's: a usage error."""
    default = Limits()
    changed = ", ".join(f"{f}: {getattr(limits, f):g}" for f in ("memory_mb", "open_files", "processes",
                                                                  "cpu_seconds", "output_kb")
                        if getattr(limits, f) != getattr(default, f)) or "the defaults"
    return UsageError(f"a worker cannot start under these limits ({changed}), though it starts under "
                      f"the default ones ({layer} layer): raise them (memory_mb is the usual one: "
                      f"Python needs more address space than that); "
                      f"the worker said: {said.splitlines()[-1] if said.strip() else 'nothing'}")


def _to_try(asked: str, found: list, why_not: dict) -> list:
    """The layers to try, strongest first: every one found (auto), or the one asked for
    (noted in ``why_not`` when it is not found here)."""
    order = found if asked == "auto" else [asked]
    for layer in order:
        if layer not in found:
            why_not.setdefault(layer, "not available")
    return [layer for layer in order if layer in found]


def _unavailable(asked: str, why_not: dict) -> "layers.SandboxUnavailable":
    return layers.SandboxUnavailable(
        f"{layers.ENV_VAR}={asked}: that layer cannot start a worker here: "
        f"{why_not.get(asked, 'unknown reason')}; unset {layers.ENV_VAR} to use the "
        f"strongest layer available")


def _probe(layer: str) -> str | None:
    """None when a worker starts and confines itself in ``layer``, else why not."""
    empty = Path(tempfile.mkdtemp(prefix=f"micrograde-{os.getpid():07d}-probe-"))
    try:
        with WorkerProcess(empty, Limits(), layer) as worker:
            worker.wait_ready(time.monotonic() + 10)
        return None
    except (SandboxError, WorkerFailure, OSError, protocol.ProtocolError, protocol.FrameTimeout) as exc:
        return f"{type(exc).__name__}: {exc}"
    finally:
        shutil.rmtree(empty, ignore_errors=True)

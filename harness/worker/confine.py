"""What the worker does to itself before the student's code runs.

Started by ``harness.sandbox.process`` with a spec from ``harness.sandbox.layers`` as its
third argument. In order: drop to the worker's own uid (when the grader is
root), or else drop every capability (root without them cannot raise its
rlimits, reboot, load modules or open raw sockets), cap the number of
processes (only where the count is the worker's own: under its own uid or in a
user namespace), apply Landlock, make ``print`` drop what goes past the
output limit (so that a correct engine full of debug prints is not failed for
them), then tell the grader it is ready. A worker that cannot confine itself exits with status 70
before saying so, which the grader reports as its own fault, not the student's.

Standard library only; everything happens before any student code exists.
"""
from __future__ import annotations

import io
import json
import os
import resource
import sys

from harness.core import protocol

EXIT_CANNOT_CONFINE = 70


def enter() -> None:
    spec = json.loads(sys.argv[3])
    response_fd = int(sys.argv[2])
    try:
        _confine(spec)
    except Exception as exc:  # noqa: BLE001 - any failure here is the grader's
        print(f"micrograde worker: cannot enter the {spec.get('layer')} layer: "
              f"{type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
        os._exit(EXIT_CANNOT_CONFINE)
    protocol.write_frame(response_fd, {"ready": {"layer": spec.get("layer"), "uid": os.getuid()}})


def _confine(spec: dict) -> None:
    processes = spec.get("processes")
    if processes:
        resource.setrlimit(resource.RLIMIT_NPROC, (processes, processes))
    uid = spec.get("uid")
    if uid is not None:
        _drop_capabilities(keep_setid=True)  # the rest go with uid 0
        os.setgroups([])
        os.setresgid(uid, uid, uid)
        os.setresuid(uid, uid, uid)
        if os.getuid() != uid or os.geteuid() != uid or _effective_capabilities():
            raise PermissionError(f"still uid {os.geteuid()} or capable after dropping to {uid}")
    elif os.geteuid() == 0:
        _drop_capabilities(keep_setid=False)
    rules = spec.get("landlock")
    if rules:
        from harness.worker import landlock  # late: only this layer pays for ctypes
        landlock.restrict(rules["read"], rules["write"], rules["abi"])
    if spec.get("print_bytes") is not None:
        sys.stdout = sys.__stdout__ = _capped(1, spec["print_bytes"], write_through=False)
        sys.stderr = sys.__stderr__ = _capped(2, spec["print_bytes"], write_through=True)


class _Capped(io.RawIOBase):
    """Writes to ``fd`` until ``limit`` bytes, then pretends to: the rest is dropped."""

    def __init__(self, fd: int, limit: int):
        self.fd, self.left = fd, limit

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        data = memoryview(data).cast("B")
        chunk = data[:max(self.left, 0)]
        while chunk:
            try:
                written = os.write(self.fd, chunk)
            except OSError:  # the file size limit, or a closed descriptor: keep nothing more
                self.left = 0
                break
            chunk, self.left = chunk[written:], self.left - written
        return len(data)


def _capped(fd: int, limit: int, write_through: bool) -> io.TextIOWrapper:
    return io.TextIOWrapper(io.BufferedWriter(_Capped(fd, limit)), encoding="utf-8",
                            errors="backslashreplace", write_through=write_through)


_PR_CAPBSET_DROP, _PR_CAP_AMBIENT, _PR_CAP_AMBIENT_CLEAR_ALL = 24, 47, 4
_CAPABILITY_VERSION_3 = 0x20080522


def _drop_capabilities(keep_setid: bool) -> None:
    """Empty the bounding and ambient sets; unless ``keep_setid``, the other sets too.

    Root without capabilities cannot raise its rlimits, reboot, load modules
    or open raw sockets. With ``keep_setid`` the caller is about to leave uid 0,
    which clears the effective and permitted sets by itself.
    """
    import ctypes  # late: only root workers pay for it
    libc = ctypes.CDLL(None, use_errno=True)
    with open("/proc/sys/kernel/cap_last_cap") as f:
        last = int(f.read())
    for cap in range(last + 1):
        libc.prctl(_PR_CAPBSET_DROP, cap, 0, 0, 0)
    libc.prctl(_PR_CAP_AMBIENT, _PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)
    if keep_setid:
        return
    header = (ctypes.c_uint32 * 2)(_CAPABILITY_VERSION_3, 0)
    data = (ctypes.c_uint32 * 6)()          # two all-zero __user_cap_data_struct
    if libc.capset(header, data) != 0:
        raise OSError(ctypes.get_errno(), "capset could not drop the capabilities")
    if _effective_capabilities():
        raise PermissionError("capabilities still effective after capset")


def _effective_capabilities() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("CapEff:"):
                return int(line.split()[1], 16)
    return 0

"""Kill a worker and everything it started, including processes that escaped.

``killpg`` misses a child that called ``setsid()`` and a grandchild whose
parent exited (a double fork). So the grader makes itself a *child
subreaper* (``prctl(PR_SET_CHILD_SUBREAPER)``): such orphans become its own
children instead of init's, and after a worker ends it kills, from a scan of
``/proc``:

* the worker's descendants, its process group and its session;
* every process of the worker's own uid, when it runs under one;
* every child of the grader that is not a live worker (an orphan of one).

The scan repeats until nothing is left, so a process that forks while it is
being killed is caught on the next round. Killed orphans are reaped here (no
zombies); live workers are left to their ``Popen`` objects.
"""
from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
import time

_PR_SET_CHILD_SUBREAPER = 36
_ROUNDS = 50
# Held while a worker is spawned and registered, and while orphans are killed,
# so that one thread never takes another thread's new worker for an orphan.
LOCK = threading.RLock()
_live: set = set()
_subreaper_pid = 0


def become_subreaper() -> bool:
    """Make this process the subreaper of its descendants (once per process)."""
    global _subreaper_pid
    if _subreaper_pid == os.getpid():
        return True
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        ok = libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    except (OSError, AttributeError):
        ok = False
    if ok:
        _subreaper_pid = os.getpid()
    return ok


def register(pid: int) -> None:
    _live.add(pid)


def unregister(pid: int) -> None:
    _live.discard(pid)


def kill_all(root: int, uid: int | None = None) -> int:
    """SIGKILL ``root``'s descendants, group, session, uid and our orphans; how many were killed.

    Returns once none of them is left running and every orphan is reaped (or
    after ``_ROUNDS`` scans): a process still exiting is waited for, and one
    forked between two scans is caught by the next.
    """
    me, killed = os.getpid(), set()
    with LOCK:
        for _ in range(_ROUNDS):
            table = _processes()
            alive = {p for p in _targets(table, root, uid, me) - {me} if table[p][3] != "Z"}
            if not alive and not _orphan_zombies(table, me):
                break
            for pid in alive:
                try:
                    os.kill(pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
            killed |= alive
            time.sleep(0.002)
            _reap(table, me)
    return len(killed - {root})


def resident_mb(root: int) -> int:
    """MiB of memory held by ``root`` and its descendants (read from /proc, not from the worker)."""
    total = 0
    for pid in _targets(_processes(), root, None, -1):   # no uid, and no "me": the tree alone
        try:
            with open(f"/proc/{pid}/statm", "rb") as f:
                total += int(f.read().split()[1])
        except (OSError, ValueError, IndexError):
            continue
    return total * os.sysconf("SC_PAGE_SIZE") // (1 << 20)


def _targets(table: dict, root: int, uid: int | None, me: int) -> set:
    found = {p for p, (ppid, pgid, sid, state, owner) in table.items()
             if p == root or pgid == root or sid == root or (uid is not None and owner == uid)
             or (ppid == me and p not in _live and not _ours(p))}
    children: dict = {}
    for p, row in table.items():
        children.setdefault(row[0], []).append(p)
    stack = list(found)
    while stack:
        for child in children.get(stack.pop(), ()):
            if child not in found:
                found.add(child)
                stack.append(child)
    return found


def _ours(pid: int) -> bool:
    """Children the grader started itself other than workers (multiprocessing pools)."""
    mp = sys.modules.get("multiprocessing")
    try:
        return mp is not None and any(c.pid == pid for c in mp.active_children())
    except Exception:  # noqa: BLE001 - a pool being torn down is not ours to judge
        return False


def _orphan_zombies(table: dict, me: int) -> bool:
    return any(row[0] == me and row[3] == "Z" and p not in _live for p, row in table.items())


def _reap(table: dict, me: int) -> None:
    for pid, row in table.items():
        if row[0] == me and pid not in _live and not _ours(pid):
            try:
                os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                pass


def _processes() -> dict:
    """pid -> (ppid, pgid, sid, state, uid) for every process we can see."""
    table = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as f:
                stat = f.read()
            owner = os.stat(f"/proc/{name}").st_uid
        except OSError:
            continue  # it exited while we looked
        fields = stat[stat.rindex(b")") + 2:].split()
        table[int(name)] = (int(fields[1]), int(fields[2]), int(fields[3]), fields[0].decode(), owner)
    return table

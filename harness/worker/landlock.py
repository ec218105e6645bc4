"""Landlock through ctypes: limit a process to reading some folders and writing one.

Landlock (Linux >= 5.13) lets an unprivileged process restrict itself and its
future children; it cannot be undone. What each ABI version adds here:

* 1: file access by path (read, write, execute, make, remove);
  2: renaming or linking across folders; 3: truncation; 5: device ioctls;
* 4: TCP bind and connect (blocked entirely; UDP and other sockets are not);
* 6: scoping: no signals to processes outside the domain (the grader), no
  abstract UNIX sockets outside it.

Used by the grader (``abi()``, to choose a layer) and by the worker
(``restrict()``, before the student's code runs). Standard library only.
"""
from __future__ import annotations

import ctypes
import os

# Syscall numbers are the same on every architecture Python supports here
# (new syscalls share one table since Linux 5.x), except on alpha.
_CREATE_RULESET, _ADD_RULE, _RESTRICT_SELF = 444, 445, 446
_CREATE_RULESET_VERSION = 1
_RULE_PATH_BENEATH = 1
_PR_SET_NO_NEW_PRIVS = 38

EXECUTE, WRITE_FILE, READ_FILE, READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
READ = READ_FILE | READ_DIR
_FS_BY_ABI = {1: (1 << 13) - 1, 2: (1 << 14) - 1, 3: (1 << 15) - 1, 4: (1 << 15) - 1,
              5: (1 << 16) - 1}
_NET_TCP = 0b11                        # bind and connect, ABI >= 4
_SCOPE_UNIX_AND_SIGNAL = 0b11          # ABI >= 6


class _RulesetAttr(ctypes.Structure):
    _fields_ = [("handled_access_fs", ctypes.c_uint64), ("handled_access_net", ctypes.c_uint64),
                ("scoped", ctypes.c_uint64)]


class _PathBeneathAttr(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


class LandlockError(OSError):
    """Landlock is missing or refused a rule; says which call and which path."""


def _libc():
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    return libc


def abi() -> int:
    """The Landlock ABI version of the running kernel, 0 when there is none."""
    system = os.uname()   # not the platform module: 2 ms more of every worker's start
    if system.sysname != "Linux" or system.machine == "alpha":
        return 0
    try:
        version = _libc().syscall(_CREATE_RULESET, None, ctypes.c_size_t(0),
                                  ctypes.c_uint32(_CREATE_RULESET_VERSION))
    except (OSError, AttributeError):
        return 0
    return max(int(version), 0)


def restrict(read: list, write: list, version: int) -> None:
    """Allow reading under ``read`` and everything under ``write``; deny the rest.

    Paths that do not exist are skipped. Executing programs is denied
    everywhere: the student's code has no reason to start one.
    """
    libc = _libc()
    handled_fs = _FS_BY_ABI.get(version, (1 << 16) - 1)
    attr = _RulesetAttr(handled_fs, _NET_TCP if version >= 4 else 0,
                        _SCOPE_UNIX_AND_SIGNAL if version >= 6 else 0)
    size = 24 if version >= 6 else 16 if version >= 4 else 8
    ruleset = libc.syscall(_CREATE_RULESET, ctypes.byref(attr), ctypes.c_size_t(size), ctypes.c_uint32(0))
    if ruleset < 0:
        raise LandlockError(ctypes.get_errno(), "landlock_create_ruleset failed")
    try:
        for paths, access in ((read, READ), (write, handled_fs & ~EXECUTE)):
            for path in paths:
                _allow(libc, ruleset, path, access, version)
        if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
            raise LandlockError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS) failed")
        if libc.syscall(_RESTRICT_SELF, ruleset, ctypes.c_uint32(0)) != 0:
            raise LandlockError(ctypes.get_errno(), "landlock_restrict_self failed")
    finally:
        os.close(ruleset)


def _allow(libc, ruleset: int, path: str, access: int, version: int) -> None:
    try:
        fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
    except FileNotFoundError:
        return
    try:
        if not os.path.isdir(path):
            access &= EXECUTE | WRITE_FILE | READ_FILE | (1 << 14) | (1 << 15)  # a file's rights
        rule = _PathBeneathAttr(access & _FS_BY_ABI.get(version, (1 << 16) - 1), fd)
        if libc.syscall(_ADD_RULE, ruleset, _RULE_PATH_BENEATH, ctypes.byref(rule), ctypes.c_uint32(0)) != 0:
            raise LandlockError(ctypes.get_errno(), f"landlock_add_rule refused {path}")
    finally:
        os.close(fd)

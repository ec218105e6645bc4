"""The isolation layers a worker can run in, strongest first, and what each needs.

* ``bubblewrap``: the worker sees only the Python installation, the harness
  code and its own folder (read-write), in private PID, network, IPC and
  mount namespaces; it cannot see or signal the grader, and it dies with it.
  As root, it also drops to an unused uid of its own.
* ``landlock``: the worker restricts itself (``harness.worker.landlock``) to reading
  the Python installation and the harness code and writing its own folder;
  with ABI >= 4 no TCP, with ABI >= 6 no signals to the grader.
* ``rlimits``: resource limits, a scrubbed environment, its own session;
  nothing stops it reading or writing what the grader's user can.

Every layer also has the rlimits, the wall-clock deadlines and the reaper.
``Plan`` is what ``harness.sandbox.process`` needs to start one worker in a layer:
the command in front of Python, and the spec the worker applies to itself
(``harness.worker.confine``) before the student's code runs.
"""
from __future__ import annotations

import ctypes
import importlib.util
import os
import resource
import secrets
import shutil
import site
import stat
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from harness.worker import landlock
from harness.core.errors import MicrogradeError

LAYERS = ("bubblewrap", "landlock", "rlimits")
ENV_VAR = "MICROGRADE_SANDBOX"   # auto (default) or one of LAYERS
INNER_FOLDER = "/submission"     # where bubblewrap shows the worker its folder
PRINT_MARGIN = 4096              # bytes below the output cap where prints stop being kept
HARNESS = Path(__file__).resolve().parent.parent
# Where numpy and the rest are, for a worker that starts without site.py (-S).
SITE_PACKAGES = [p for p in site.getsitepackages() if os.path.isdir(p)]
# The grader's own packages that hold answers: never visible to a worker.
SECRET_PACKAGES = ("harness.reference", "harness.graders")
# Unused uids for workers when the grader runs as root: one per worker, so that
# its processes are counted (RLIMIT_NPROC) and killed by uid, and workers of a
# bulk run cannot signal or read each other.
_UID_BASE, _UID_SPAN = 1_800_000_000, 1 << 24


class SandboxUnavailable(MicrogradeError):
    """The layer asked for in MICROGRADE_SANDBOX cannot run here."""


@dataclass
class Plan:
    layer: str
    prefix: list = field(default_factory=list)   # command before the Python interpreter
    spec: dict = field(default_factory=dict)     # applied by the worker to itself
    uid: int | None = None                       # the worker's own uid, when it has one
    env: dict = field(default_factory=dict)      # the worker's whole environment


def requested() -> str:
    """The layer asked for in MICROGRADE_SANDBOX, or "auto"."""
    value = os.environ.get(ENV_VAR, "auto").strip().lower() or "auto"
    if value not in LAYERS + ("auto",):
        raise SandboxUnavailable(f"{ENV_VAR}={value!r} is not a layer; expected auto or one of "
                                 f"{', '.join(LAYERS)}")
    return value


def candidates() -> tuple:
    """Layers worth trying, strongest first, with why the others are out."""
    found, why_not = [], {}
    if shutil.which("bwrap"):
        found.append("bubblewrap")
    else:
        why_not["bubblewrap"] = "bwrap is not installed (apt-get install bubblewrap)"
    abi = landlock.abi()
    if abi >= 1:
        found.append("landlock")
    else:
        why_not["landlock"] = "the kernel has no Landlock (Linux >= 5.13 with landlock in lsm=)"
    found.append("rlimits")
    return found, why_not


def guarantees(layer: str) -> dict:
    """What a worker in ``layer`` cannot do on this machine (True: it is prevented)."""
    own_uid = _own_uid(layer)
    abi = landlock.abi() if layer == "landlock" else 0
    confined = layer in ("bubblewrap", "landlock")
    return {"read other files": confined, "write outside its folder": confined,
            "signal the grader": layer == "bubblewrap" or abi >= 6 or own_uid,
            "use TCP": layer == "bubblewrap" or abi >= 4,
            "exceed the processes limit": own_uid or (layer == "bubblewrap" and os.geteuid() != 0),
            "run as the grader's user": own_uid}


def _own_uid(layer: str) -> bool:
    """As root, a worker gets a uid of its own where it can still reach Python."""
    return os.geteuid() == 0 and (layer == "bubblewrap" or _reachable())


def plan(layer: str, home: Path, folder: Path, limits) -> Plan:
    """How to start a worker in ``layer`` whose folder is ``folder`` (inside ``home``)."""
    uid = _fresh_uid() if _own_uid(layer) else None
    processes = limits.processes if guarantees(layer)["exceed the processes limit"] else None
    spec = {"layer": layer, "uid": uid, "secrets": _secret_paths(), "processes": processes,
            "site_packages": SITE_PACKAGES,   # the worker starts without site.py (process.py)
            # prints past this are dropped; only raw writes reach RLIMIT_FSIZE (the cap)
            "print_bytes": max(0, limits.output_kb * 1024 - PRINT_MARGIN)}
    if uid is not None:
        _give(home, folder, uid)
    if layer == "bubblewrap":  # the same path inside every time: the same heap, the same ids
        return Plan(layer, _bwrap_prefix(folder), spec, uid, scrubbed_env(Path(INNER_FOLDER)))
    if layer == "landlock":
        read = _hide_secrets(python_paths() + [str(HARNESS)] + _system_libs())
        spec["landlock"] = {"abi": landlock.abi(), "read": read + ["/dev/urandom"],
                            "write": [str(folder), "/dev/null"]}
    return Plan(layer, [], spec, uid, scrubbed_env(folder))


def python_paths() -> list:
    """The folders of the Python installation (and virtualenv) running the grader."""
    paths = {os.path.realpath(p) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix,
                                           sys.base_exec_prefix)}
    paths.add(os.path.dirname(os.path.realpath(sys.executable)))
    return _outermost(paths)


def _system_libs() -> list:
    """Shared libraries that extension modules load (libffi, libz, ...)."""
    return [p for p in ("/lib", "/lib64", "/usr/lib", "/usr/lib64", "/usr/local/lib",
                        "/etc/ld.so.cache") if os.path.exists(p)]


def _secret_paths() -> list:
    """The folders of the secret packages, wherever this install put them."""
    paths = []
    for name in SECRET_PACKAGES:
        spec = importlib.util.find_spec(name)
        paths.extend(os.path.realpath(p) for p in (spec.submodule_search_locations or []) if spec)
    return paths


def _hide_secrets(paths: list) -> list:
    """``paths``, with any folder holding a secret replaced by its other children."""
    result = []
    for path in _outermost(paths):
        result.extend(_without(path, _secret_paths()))
    return result


def _without(path: str, hidden: list) -> list:
    inside = [h for h in hidden if h == path or h.startswith(path.rstrip("/") + "/")]
    if not inside:
        return [path]
    if path in inside or not os.path.isdir(path):
        return []
    out = []
    for name in sorted(os.listdir(path)):
        out.extend(_without(os.path.join(path, name), inside))
    return out


def _outermost(paths) -> list:
    """Sorted, without paths inside another one of them."""
    out = []
    for p in sorted(set(paths)):
        if not any(p == q or p.startswith(q.rstrip("/") + "/") for q in out):
            out.append(p)
    return out


def _bwrap_prefix(folder: Path) -> list:
    """bwrap arguments: an empty root, read-only system and Python, the folder writable."""
    args = ["bwrap", "--die-with-parent", "--new-session", "--unshare-ipc", "--unshare-pid",
            "--unshare-net", "--unshare-uts", "--unshare-cgroup-try"]
    # As root: no user namespace; the worker drops to its own uid (and so every
    # capability) before any student code. No --cap-drop here: it would make the
    # exec of Python "secure", which turns address randomisation back on.
    if os.geteuid() != 0:
        args += ["--unshare-user"]
    made = {"/"}
    for name in ("/usr", "/bin", "/sbin", "/lib", "/lib64", "/lib32", "/libx32"):
        if os.path.islink(name):
            args += ["--symlink", os.readlink(name), name]
            made.add(name)
    binds = _outermost(p for p in ["/usr", "/lib", "/lib64", "/etc/ld.so.cache"] + python_paths()
                       + [str(HARNESS)] if os.path.exists(p) and p not in made)
    args += ["--tmpfs", "/tmp"]
    made.add("/tmp")
    for path in binds:
        args += _parents(path, made) + ["--ro-bind", path, path]
    for secret in _secret_paths():
        if any(secret.startswith(b.rstrip("/") + "/") for b in binds):
            args += ["--tmpfs", secret]
    args += ["--bind", str(folder), INNER_FOLDER,
             "--proc", "/proc", "--dev", "/dev", "--chdir", INNER_FOLDER]
    return args


def _parents(path: str, made: set) -> list:
    """--dir for each missing parent, world-searchable so another uid can pass through."""
    args = []
    parts = Path(path).parts
    for i in range(2, len(parts)):
        parent = str(Path(*parts[:i]))
        if parent not in made:
            args += ["--perms", "0755", "--dir", parent]
            made.add(parent)
    made.add(path)
    return args


def _fresh_uid() -> int:
    return _UID_BASE + secrets.randbelow(_UID_SPAN)


def _reachable() -> bool:
    """Can another uid read the Python installation and the harness, and reach the
    folder workers run in? (Not under a 0700 /root, nor under a 0700 TMPDIR such as
    pytest's: there the worker could not even open its own copy of the submission.)"""
    for path in [os.path.dirname(os.__file__), str(HARNESS)]:
        p = Path(path)
        for folder in [p] + list(p.parents):
            mode = folder.stat().st_mode
            if not mode & stat.S_IXOTH or (folder == p and not mode & stat.S_IROTH):
                return False
    temp = Path(tempfile.gettempdir()).resolve()
    return all(folder.stat().st_mode & stat.S_IXOTH for folder in [temp] + list(temp.parents))


def _give(home: Path, folder: Path, uid: int) -> None:
    """Let ``uid`` pass through ``home`` and own ``folder``."""
    os.chmod(home, 0o711)
    for root, dirs, files in os.walk(folder):
        os.chown(root, uid, uid)
        for name in files:
            os.chown(os.path.join(root, name), uid, uid, follow_symlinks=False)


def scrubbed_env(folder: Path) -> dict:
    """The worker's whole environment: nothing of the grader's leaks in."""
    return {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(folder), "TMPDIR": str(folder),
            "LANG": "C.UTF-8", "PYTHONHASHSEED": "0", "PYTHONDONTWRITEBYTECODE": "1",
            "MPLBACKEND": "Agg"}


try:  # looked up in the grader: nothing to load in the child between fork and exec
    _personality = ctypes.CDLL(None, use_errno=True).personality
except (OSError, AttributeError):
    _personality = None
_ADDR_NO_RANDOMIZE = 0x0040000


def apply_rlimits(limits, max_fd: int) -> None:
    """In the child, before exec: the rlimits that hold for the student's code.

    Also turns address randomisation off: objects then get the same ``id()`` in
    every run, so an engine that iterates a ``set`` of Values (as micrograd's
    ``_prev`` is) visits them in the same order, and a buggy one gets the same
    wrong numbers every time. (Refused under some container seccomp profiles;
    then only the report of such an engine can vary.)
    """
    if _personality is not None:
        _personality(_ADDR_NO_RANDOMIZE)
    def cap(which, value, grace=0):
        soft, hard = resource.getrlimit(which)
        value = value if hard == resource.RLIM_INFINITY else min(value, hard - grace)
        resource.setrlimit(which, (value, value + grace))
    # CPU: SIGXCPU at the limit (so the report can say so), SIGKILL a second later.
    cap(resource.RLIMIT_CPU, max(1, int(limits.cpu_seconds)), grace=1)
    cap(resource.RLIMIT_AS, limits.memory_mb * 1024 * 1024)
    cap(resource.RLIMIT_FSIZE, limits.output_kb * 1024)
    cap(resource.RLIMIT_NOFILE, max(limits.open_files, max_fd + 1))
    cap(resource.RLIMIT_CORE, 0)

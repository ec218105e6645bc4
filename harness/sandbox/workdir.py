"""The worker's folder: a fresh temporary home holding a copy of the submission.

``new_home()`` makes ``micrograde-<grader pid>-XXXXXXXX`` in the temporary folder;
the worker runs in its ``submission`` folder, and the grader keeps the
student's stdout and stderr beside it. The copy holds regular files only
(links are never followed) within a size budget, so the worker never touches
the student's original files. A grader killed before it could delete its homes
leaves copies of students' code behind: the next grader sweeps them away.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

# What a submission folder may carry into the worker's folder.
_COPY_SKIP = {"__pycache__", ".git", ".hypothesis", ".ipynb_checkpoints", ".venv"}
_COPY_MAX_BYTES = 20 * 1024 * 1024


def new_home() -> Path:
    sweep_stale_homes()
    # A name of one length whatever the pid: the worker's heap, and so the ids of
    # its objects, do not depend on it (see harness.sandbox.layers.apply_rlimits).
    return Path(tempfile.mkdtemp(prefix=f"micrograde-{os.getpid():07d}-"))


_swept: set = set()   # pids that have swept (once per process)


def sweep_stale_homes() -> None:
    """Remove the worker folders of graders that died (killed, or the machine rebooted).

    They hold copies of students' code: a grader that was SIGKILLed never got
    to delete them. A folder is stale when the grader pid in its name is gone.
    """
    if os.getpid() in _swept:
        return
    _swept.add(os.getpid())
    root = Path(tempfile.gettempdir())
    try:
        entries = list(root.glob("micrograde-*-*"))
    except OSError:
        return
    for entry in entries:
        pid = entry.name.split("-")[1]
        try:
            if not pid.isdigit() or entry.is_symlink() or entry.lstat().st_uid != os.geteuid():
                continue
        except OSError:   # gone since the listing: another grader, removing its own worker's folder
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            shutil.rmtree(entry, ignore_errors=True)
        except PermissionError:
            pass


def copy_submission(source: Path, target: Path) -> None:
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

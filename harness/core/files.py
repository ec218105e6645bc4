"""Writing the files ``grade`` leaves behind: atomically, and with the permissions of any Unix tool.

In the core, so that the command line, the classroom tools and the renderers
share it without importing each other.

A report, ``grades.csv`` or ``report.html`` is written to a temporary file
beside its place and renamed into it (``os.replace``), so a reader (a TA, a web
server, a resumed run) sees the old file or the new one, never half of one.
``tempfile.mkstemp`` makes its file 0600 whatever the umask; the file is then
given the mode ``open()`` would have given it (0666, or 0777 for a script,
minus the umask): 0644 under the usual umask 022.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

from harness.core.errors import UsageError


def current_umask() -> int:
    """The process's umask (there is no way to read it without setting it)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_atomically(path: Path, text: str | bytes, executable: bool = False, what: str = "--output") -> None:
    """Write ``text`` to ``path`` through a temporary file and a rename; mode from the umask."""
    path = Path(path)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise UsageError(f"{what} {path}: cannot write there ({exc.strerror}); choose a folder you can "
                         "write to") from None
    try:
        os.fchmod(fd, (0o777 if executable else 0o666) & ~current_umask())
        data = text.encode("utf-8") if isinstance(text, str) else text
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise

"""Files the grader writes for people and platforms: whole or not at all.

Shared by the command line and the classroom tools, so that neither imports
the other.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

from harness.core.errors import UsageError


def write_atomically(path: Path, text: str) -> None:
    """Write to a temporary file beside ``path``, then rename it into place."""
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent or ".")
    except OSError as exc:
        raise UsageError(f"--output {path}: cannot write there ({exc.strerror})") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise

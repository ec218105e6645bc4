"""What ``grade`` keeps between runs: the folder, and results kept by the hash of their input.

Two things are kept, both where ``$MICROGRADE_CACHE`` says (default
``$XDG_CACHE_HOME/micrograde`` or ``~/.cache/micrograde``):

* the reference's verdict on a course's rubric (``harness.grading.vetting``);
* each rubric file as the data its YAML says (``remembered``): every run reads
  at least one rubric, and importing PyYAML to read it was 14 ms of a 90 ms
  start (a fifth of the grader's imports); a rubric met before is read as
  JSON, which the grader imports anyway.

A cache is only ever a shortcut: a file that is missing, unreadable, not
JSON, or not writable costs the work again, never a different result. Entries
are named by the SHA-256 of their input and written atomically, so two graders
running at once (``--bulk``, two exercises side by side) can share one folder.
"""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any, Callable

from harness.core.files import write_atomically


def cache_folder() -> Path:
    """Where results are kept: $MICROGRADE_CACHE, else the XDG cache folder."""
    if os.environ.get("MICROGRADE_CACHE"):
        return Path(os.environ["MICROGRADE_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "micrograde"


def remembered(kind: str, text: str, compute: Callable[[str], Any]) -> Any:
    """``compute(text)``, kept as JSON under ``kind`` by the hash of ``text`` (and of ``kind``).

    Only a result that JSON gives back unchanged is kept (YAML can say a date or
    a key that is a number): anything else is computed again at every call.
    An exception from ``compute`` propagates, and nothing is kept.
    """
    digest = hashlib.sha256(f"{kind}\0{text}".encode("utf-8", "surrogatepass")).hexdigest()[:32]
    path = cache_folder() / kind / f"{digest}.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        pass
    result = compute(text)
    try:
        encoded = json.dumps(result, allow_nan=False)
        if json.loads(encoded) != result:
            return result
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(path, encoded + "\n", what="the cache")
    except Exception:   # noqa: BLE001 - not JSON, or not writable (UsageError): a cache never fails a run
        pass
    return result


__all__ = ["cache_folder", "remembered"]

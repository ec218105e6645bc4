"""``--format json``: the versioned shape documented in the README."""
from __future__ import annotations

import json

from harness.core.results import Report


def render(report: Report) -> str:
    return json.dumps(report.to_dict(), indent=2, allow_nan=False) + "\n"

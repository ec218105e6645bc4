"""One renderer per output format, all reading the one result model."""
from __future__ import annotations

from harness.render import json_format, text

RENDERERS = {
    "text": text.render,
    "json": json_format.render,
}

"""One renderer per output format, all reading the one result model.

Also the pictures of failing examples (``pictures``, Graphviz) and the class
report of a bulk run (``class_report``).

Imports: ``harness.core.results``, and the catalogue's generic ids (``harness.diagnosis``).
"""
from __future__ import annotations

import importlib
from collections.abc import Mapping

# format -> the module whose ``render`` writes it; a module is imported when its format is asked
# for (junit's XML library and html's package metadata cost 25 ms of a run that writes text).
_MODULES = {
    "text": "text",
    "json": "json_format",
    "gradescope": "gradescope",   # Gradescope's results.json
    "github": "github",           # a GitHub Classroom runner's result
    "junit": "junit",             # JUnit XML for CI test reports
    "markdown": "markdown",       # a summary for $GITHUB_STEP_SUMMARY
    "html": "html",               # one self-contained page, pictures inline
}


class _Renderers(Mapping):
    """``RENDERERS[format](report) -> str`` for every format, each imported on first use."""

    def __init__(self) -> None:
        self._loaded: dict = {}

    def __getitem__(self, name: str):
        if name not in self._loaded:
            module = _MODULES[name]   # KeyError for an unknown format, as a dict would
            self._loaded[name] = importlib.import_module(f"harness.render.{module}").render
        return self._loaded[name]

    def __iter__(self):
        return iter(_MODULES)

    def __len__(self) -> int:
        return len(_MODULES)


RENDERERS = _Renderers()

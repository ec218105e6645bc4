"""One renderer per output format, all reading the one result model.

Also the pictures of failing examples (``pictures``, Graphviz) and the class
report of a bulk run (``class_report``).

Imports: ``harness.core.results``, and the catalogue's generic ids (``harness.diagnosis``).
"""
from __future__ import annotations

from harness.render import github, gradescope, html, json_format, junit, markdown, text

RENDERERS = {
    "text": text.render,
    "json": json_format.render,
    "gradescope": gradescope.render,   # Gradescope's results.json
    "github": github.render,           # a GitHub Classroom runner's result
    "junit": junit.render,             # JUnit XML for CI test reports
    "markdown": markdown.render,       # a summary for $GITHUB_STEP_SUMMARY
    "html": html.render,               # one self-contained page, pictures inline
}

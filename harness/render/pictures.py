"""Draw a failing example like the lecture's ``draw_dot``: every value with its
data and gradient, the operations between them, wrong numbers highlighted.

Reads ``Diagnosis.graph`` (see ``harness.graphs.example_graph``) only. The DOT text
is written here; turning it into SVG needs the ``graphviz`` Python package
(``pip install 'micrograde[pictures]'``) and Graphviz's ``dot`` program. When
either is missing, ``--graphs`` writes the ``.gv`` files, says once how to get
what is missing, and grading carries on.
"""
from __future__ import annotations

import html
import os
import re
from pathlib import Path
from typing import TextIO

from harness.render._shared import printable
from harness.core.results import Diagnosis, Report
from harness.core.errors import MicrogradeError

WRONG = "#f4b6b6"      # a number that differs from the reference
RAISED = "#f9d98c"     # the value whose line raised
HOW_TO_GET_DOT = ("drawing needs Graphviz: 'pip install graphviz' (or micrograde[pictures]) "
                  "and its dot program: 'apt-get install graphviz', 'brew install graphviz', "
                  "or https://graphviz.org/download/")


class NoGraphviz(MicrogradeError):
    """The graphviz package or its ``dot`` program is missing: the message says how to get it."""


class DrawingFailed(MicrogradeError):
    """``dot`` ran and failed on this one graph."""


def dot_source(graph: dict, title: str = "") -> str:
    """The example as DOT: values as tables (name | data | grad), operations as ovals."""
    values = graph.get("values", [])
    compared = set(graph.get("compared", []))
    raised = graph.get("raised_at")
    lines = ["digraph example {", '  graph [rankdir=LR, fontname="Helvetica", fontsize=11];',
             '  node [fontname="Helvetica", fontsize=11];']
    if title:
        lines.append(f'  labelloc=t; label="{_dot_string(plain(title))}";')
    for i, value in enumerate(values):
        cells = [_cell(html.escape(str(value.get("name", i))), bold=True)]
        cells.append(_number_cell("data", value, "data" in compared))
        if "grad" in value:
            cells.append(_number_cell("grad", value, "grad" in compared))
        color = f' BGCOLOR="{RAISED}"' if i == raised else ""
        lines.append(f'  v{i} [shape=plaintext, label=<<TABLE BORDER="0" CELLBORDER="1" '
                     f'CELLSPACING="0" CELLPADDING="4"{color}><TR>{"".join(cells)}</TR></TABLE>>];')
        if "op" in value:
            lines.append(f'  op{i} [shape=ellipse, label="{_dot_string(value["op"])}"];')
            for arg in value.get("args", []):
                lines.append(f"  v{int(arg)} -> op{i};")
            lines.append(f"  op{i} -> v{i};")
    lines.append("}")
    return printable("\n".join(lines) + "\n")


def svg(graph: dict, title: str = "") -> str:
    """The example as an SVG document; raises ``NoGraphviz`` when it cannot be drawn here."""
    try:
        import graphviz
    except ImportError:
        raise NoGraphviz(HOW_TO_GET_DOT) from None
    try:
        return graphviz.Source(dot_source(graph, title)).pipe(format="svg", encoding="utf-8")
    except graphviz.ExecutableNotFound:
        raise NoGraphviz(HOW_TO_GET_DOT) from None
    except (graphviz.CalledProcessError, OSError, ValueError) as exc:
        raise DrawingFailed(f"dot could not draw it ({type(exc).__name__}: {str(exc)[:200]})") from None


def inline_svg(graph: dict, title: str = "") -> str:
    """An ``<svg>`` element to put in HTML (no XML prolog), or "" when it cannot be drawn."""
    if not graph:
        return ""
    try:
        text = svg(graph, title)
    except (NoGraphviz, DrawingFailed):
        return ""
    start = text.find("<svg")
    return text[start:] if start >= 0 else ""


def write_pictures(report: Report, folder: Path, log: TextIO) -> list:
    """One picture per distinct failing example of each failed check (``--graphs DIR``)."""
    wanted = []
    for exercise in report.exercises:
        for check in exercise.checks:
            drawn: set = set()
            for d in check.diagnoses:
                if d.graph and repr(d.graph) not in drawn:
                    drawn.add(repr(d.graph))
                    stem = f"{exercise.name}-{check.name}" + (f"-{len(drawn)}" if len(drawn) > 1 else "")
                    wanted.append((stem, d.graph, _title(exercise.name, check.name, d)))
    return draw_all(wanted, folder, log)


def draw_all(wanted: list, folder: Path, log: TextIO) -> list:
    """Write each (name, graph, title) as NAME.svg; as NAME.gv (DOT) when it cannot be drawn here."""
    folder.mkdir(parents=True, exist_ok=True)
    written, missing = [], ""
    for name, graph, title in wanted:
        stem = safe_name(name)
        if not missing:
            try:
                path = folder / f"{stem}.svg"
                _write(path, svg(graph, title))
                written.append(path)
                continue
            except NoGraphviz as exc:
                missing = str(exc)
            except DrawingFailed as exc:
                print(f"grade: --graphs: {stem}: {exc}; wrote {stem}.gv instead", file=log)
        path = folder / f"{stem}.gv"
        _write(path, dot_source(graph, title))
        written.append(path)
    if missing:
        print(f"grade: --graphs wrote DOT files (.gv) instead of SVG: {missing}; "
              f"then: dot -Tsvg -O {folder}/*.gv", file=log)
    return written


def plain(text: str) -> str:
    """A title as plain text: the catalogue's `code` spans lose their backticks (a picture is not Markdown)."""
    return re.sub(r"`+([^`]*)`+", r"\1", text)


def _write(path: Path, text: str) -> None:
    """Temporary file beside ``path``, then a rename (the mode follows the umask, as ``open`` does)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def safe_name(text: str) -> str:
    """A file name from an exercise, check or student name: letters (any script), digits, - _ . only."""
    return re.sub(r"[^\w.-]+", "_", text).strip("._")[:100] or "unnamed"


def _title(exercise: str, check: str, d: Diagnosis) -> str:
    return f"{exercise}: {check}  [{d.id}]" + (f"  {plain(d.title)}" if d.title else "")


def _number_cell(field: str, value: dict, compared: bool) -> str:
    expected = value.get(field)
    actual_key = f"actual_{field}"
    if actual_key in value:
        text = f"{field} expected {_fmt(expected)}, got {_fmt(value[actual_key])}"
        return _cell(html.escape(text), color=WRONG)
    return _cell(html.escape(f"{field} {_fmt(expected)}" + ("" if compared else " (expected)")))


def _cell(text: str, color: str = "", bold: bool = False) -> str:
    attrs = f' BGCOLOR="{color}"' if color else ""
    return f"<TD{attrs}>{'<B>' + text + '</B>' if bold else text}</TD>"


def _fmt(x) -> str:
    if isinstance(x, (int, float)) and not isinstance(x, bool):
        text = f"{x:.4f}".rstrip("0")
        return text + "0" if text.endswith(".") else text
    return str(x)[:80]


def _dot_string(text: str) -> str:
    return str(text).replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")

"""``--graphs DIR``: the failing example drawn like the lecture's ``draw_dot``.

With Graphviz, the SVG must show every value with its data and gradient, and
exactly the wrong numbers highlighted. Without ``dot`` (a PATH that lacks it),
grading must carry on, say how to get it, and leave DOT files to draw later.
"""
from __future__ import annotations

import importlib.util
import json
import os
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from support import make_exercise, overwrite_in_add, run_grade
from harness.render import pictures

SVG = "{http://www.w3.org/2000/svg}"
needs_dot = pytest.mark.skipif(shutil.which("dot") is None or importlib.util.find_spec("graphviz") is None,
                               reason="needs Graphviz: its dot program and the graphviz package (micrograde[pictures])")


def _buggy(root: Path) -> Path:
    return make_exercise(root / "ex", "04_engine", overwrite_in_add())


def _texts(svg_path: Path) -> list:
    root = ET.parse(svg_path).getroot()
    return [t.text for t in root.iter(f"{SVG}text") if t.text]


def _highlighted(svg_path: Path) -> int:
    root = ET.parse(svg_path).getroot()
    return sum(1 for p in root.iter(f"{SVG}polygon") if p.get("fill") == pictures.WRONG)


@needs_dot
def test_each_failing_example_is_drawn_with_the_wrong_numbers_highlighted(tmp_path):
    _buggy(tmp_path)
    run = run_grade("--format", "json", "--graphs", tmp_path / "pics", tmp_path / "ex", cwd=tmp_path)
    assert run.returncode == 1, run.stderr
    report = json.loads(run.stdout)
    drawn = {p.stem: p for p in (tmp_path / "pics").glob("*.svg")}
    failed = [c for c in report["exercises"][0]["checks"] if not c["passed"] and c["diagnoses"][0].get("graph")]
    assert failed and {f"04_engine-{c['name']}" for c in failed} <= set(drawn)
    for check in failed:
        graph = check["diagnoses"][0]["graph"]
        svg = drawn[f"04_engine-{check['name']}"]
        texts = " ".join(_texts(svg))
        for value in graph["values"]:       # every value, with its data
            assert value["name"] in texts and f"data {pictures._fmt(value['data'])}" in texts
            if "actual_grad" in value:
                assert f"grad expected {pictures._fmt(value['grad'])}, got {pictures._fmt(value['actual_grad'])}" in texts
        wrong = sum(1 for v in graph["values"] for k in v if k.startswith("actual_"))
        assert _highlighted(svg) == wrong > 0


def path_without_dot(folder: Path) -> str:
    """A PATH with every program of this one except Graphviz's."""
    folder.mkdir()
    for directory in os.environ["PATH"].split(os.pathsep):
        if not os.path.isdir(directory):
            continue
        for name in os.listdir(directory):
            target = folder / name
            if name in ("dot", "neato", "circo", "twopi", "fdp", "sfdp") or target.exists():
                continue
            target.symlink_to(os.path.join(directory, name))
    return str(folder)


def test_without_dot_grading_carries_on_and_says_how_to_get_it(tmp_path, monkeypatch):
    _buggy(tmp_path)
    with_dot = run_grade("--format", "json", tmp_path / "ex", cwd=tmp_path)
    monkeypatch.setenv("PATH", path_without_dot(tmp_path / "bin"))
    run = run_grade("--format", "json", "--graphs", tmp_path / "pics", tmp_path / "ex", cwd=tmp_path)
    assert run.returncode == with_dot.returncode == 1
    assert json.loads(run.stdout)["score"] == json.loads(with_dot.stdout)["score"]   # the grade is the same
    assert "apt-get install graphviz" in run.stderr and "dot -Tsvg" in run.stderr
    assert run.stderr.count("Graphviz") == 1                                        # said once, not per picture
    sources = list((tmp_path / "pics").glob("*.gv"))
    assert sources and not list((tmp_path / "pics").glob("*.svg"))
    assert all(p.read_text().startswith("digraph example {") for p in sources)


def test_dot_source_has_one_table_per_value_and_one_oval_per_operation():
    graph = {"values": [{"name": "a", "data": 3.0, "grad": 2.0, "actual_grad": 1.0},
                        {"name": "b", "op": "+", "args": [0, 0], "code": "b = a + a", "data": 6.0, "grad": 1.0}],
             "compared": ["data", "grad"]}
    text = pictures.dot_source(graph, "t")
    assert text.count("shape=plaintext") == 2 and text.count("shape=ellipse") == 1
    assert text.count("v0 -> op1;") == 2 and "op1 -> v1;" in text      # a is used twice
    assert text.count(f'BGCOLOR="{pictures.WRONG}"') == 1               # only a.grad is wrong


@needs_dot
def test_what_the_student_controls_cannot_break_the_drawing():
    hostile = 'a <b>"quoted"</b> & \\ } { | object, not a number\x00\ud800'
    graph = {"values": [{"name": "a", "data": 1.0, "grad": 1.0, "actual_grad": hostile}], "compared": ["grad"]}
    svg = pictures.svg(graph, 'title "with" quotes')
    texts = [t.text or "" for t in ET.fromstring(svg.encode("utf-8")).iter(f"{SVG}text")]
    assert any("<b>" in t for t in texts)     # shown as text, not taken as markup


def test_titles_are_plain_text_without_markdown_backticks():
    graph = {"values": [{"name": "a", "data": 3.0, "grad": 2.0, "actual_grad": 1.0},
                        {"name": "b", "op": "+", "args": [0, 0], "code": "b = a + a", "data": 6.0, "grad": 1.0}],
             "compared": ["data", "grad"]}
    source = pictures.dot_source(graph, "grad-overwrite: `+` backward assigns the gradient (`x.grad = ...`)")
    title = next(line for line in source.splitlines() if "label=\"" in line and "labelloc" in line)
    assert "`" not in title and "+ backward assigns the gradient (x.grad = ...)" in title


@needs_dot
def test_the_student_html_draws_every_example_of_a_check(tmp_path):
    folder = make_exercise(tmp_path / "03", "03_reuse", overwrite_in_add())
    run = run_grade("--format", "json", folder, cwd=tmp_path)
    check = next(c for c in run.report["exercises"][0]["checks"] if c["name"] == "lecture-reuse")
    blocks = list(dict.fromkeys(b for d in check["diagnoses"] for b in d["example"].split("\n\n")))
    assert len(blocks) >= 2   # the lecture's graphs, one after another
    page = run_grade("--format", "html", folder, cwd=tmp_path).stdout
    section = page[page.index("03_reuse: lecture-reuse</h2>"):]
    section = section[:section.index("<h2>")] if "<h2>" in section else section
    assert section.count("<pre><code>") == len(blocks)
    assert section.count("<svg") == len(blocks)   # one picture under each example

"""Reading a notebook's code cells: version 4 as stored, older versions through nbformat.

Version 4 (what Jupyter saves) is read as JSON, without importing nbformat (a
tenth of grading a notebook); older versions are converted by nbformat, and both
ways give the same cells. Real notebooks written by nbformat, not hand-made JSON.
"""
from __future__ import annotations

import subprocess
import sys

import nbformat
from nbformat import v3, v4

from harness.grading.notebook import code_cells

SOURCES = ["import math\n%matplotlib inline", "# notes only", "class Value:\n    pass\nValue?"]


def _v4(path):
    nb = v4.new_notebook(cells=[v4.new_markdown_cell("# Lab")] + [v4.new_code_cell(s) for s in SOURCES])
    path.write_text(nbformat.writes(nb, version=4), encoding="utf-8")
    return path


def test_a_version_4_notebook_reads_the_same_with_and_without_nbformat(tmp_path):
    path = _v4(tmp_path / "lab.ipynb")
    cells = code_cells(path)
    assert [n for n, _ in cells] == [2, 3, 4]   # numbered from 1, the markdown cell counted
    assert cells[0][1] == "import math\npass" and cells[2][1] == "class Value:\n    pass\npass"
    converted = nbformat.convert(nbformat.reads(path.read_text(encoding="utf-8"), as_version=4), 4)
    assert [c.source for c in converted.cells if c.cell_type == "code"] == SOURCES


def test_a_version_4_notebook_does_not_import_nbformat(tmp_path):
    path = _v4(tmp_path / "lab.ipynb")
    probe = ("import sys\nfrom harness.grading.notebook import code_cells\n"
             f"cells = code_cells(__import__('pathlib').Path({str(path)!r}))\n"
             "print(len(cells), 'nbformat' in sys.modules)")
    run = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert run.stdout.split() == ["3", "False"], run.stdout + run.stderr


def test_a_version_3_notebook_is_converted_by_nbformat(tmp_path):
    worksheet = v3.new_worksheet(cells=[v3.new_code_cell(input=s) for s in SOURCES])
    path = tmp_path / "old.ipynb"
    path.write_text(v3.writes_json(v3.new_notebook(worksheets=[worksheet])), encoding="utf-8")
    assert [text for _, text in code_cells(path)][0] == "import math\npass"
    assert len(code_cells(path)) == 3

"""``%load_ext harness`` and ``%grade`` in a real Jupyter kernel (ipykernel, run by nbclient).

Needs the ``jupyter`` extra (``pip install -e '.[test,jupyter]'``); skipped without it.
The notebook is the lecture's way of working: a ``Value`` cell with the
assignment bug, ``%grade``, then the fixed class in a later cell and
``%grade`` again: the session's cells are graded in the order they ran, so the
last definition counts.
"""
from __future__ import annotations

import re

import pytest

from support import REPO

nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")
import nbformat  # noqa: E402

REFERENCE = (REPO / "reference" / "engine.py").read_text(encoding="utf-8")
ASSIGNING = REFERENCE.replace("self.grad += out.grad", "self.grad = out.grad", 1) \
                     .replace("other.grad += out.grad", "other.grad = out.grad", 1)


def run_notebook(cells: list, cwd) -> list:
    """Execute ``cells`` in a fresh kernel in ``cwd``; returns each cell's outputs."""
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    client = nbclient.NotebookClient(nb, timeout=300, kernel_name="python3",
                                     resources={"metadata": {"path": str(cwd)}})
    client.execute()
    return [cell.outputs for cell in nb.cells]


def shown(outputs: list, mime: str) -> str:
    return "\n".join(o.get("data", {}).get(mime, "") for o in outputs if o.get("output_type") == "execute_result")


def test_grade_magic_names_the_bug_then_gives_full_marks_once_fixed(tmp_path):
    outputs = run_notebook(["%precision 3\nimport math", ASSIGNING, "%load_ext harness",
                            "%grade 03_reuse", REFERENCE, "%grade 03_reuse"], tmp_path)
    first_text, first_html = shown(outputs[3], "text/plain"), shown(outputs[3], "text/html")
    # Only `+` assigns: the reuse checks keep the share of `*` and tanh (per-family credit).
    score = re.search(r"03_reuse \(this notebook's session\): ([\d.]+)/10", first_text)
    assert "grad-overwrite" in first_text and score and float(score.group(1)) < 10, first_text
    assert f"<h1>micrograde: {score.group(1)}/10 points</h1>" in first_html and "from value import Value" in first_html
    fixed = shown(outputs[5], "text/plain")
    assert "Total: 10/10" in fixed, fixed


def test_grade_magic_needs_no_name_inside_an_exercise_folder_and_says_what_to_do_outside(tmp_path):
    exercise = tmp_path / "03_reuse"
    exercise.mkdir()
    (exercise / "micrograde.yaml").write_text("exercise: 03_reuse\n")
    outputs = run_notebook([REFERENCE, "%load_ext harness", "%grade"], exercise)
    assert "Total: 10/10" in shown(outputs[2], "text/plain")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    outputs = run_notebook([REFERENCE, "%load_ext harness", "%grade", "%grade 99_nope"], elsewhere)
    assert "is not an exercise folder: name the exercise" in shown(outputs[2], "text/plain")
    assert "99_nope: unknown exercise" in shown(outputs[3], "text/plain")

"""Notebook submissions grade like their ``.py`` twins.

Each notebook is built with nbformat from a corpus engine, graded with the
real ``grade`` command beside the same code as ``value.py``, and must get the
same score and the same diagnosis ids per check. Display cells (graphviz,
matplotlib), magics and shell lines are part of the notebooks, as in the
lecture; a corrupt notebook is an ``import-error`` that says why.
"""
from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from support import CORPUS, REFERENCE, checks_by_exercise, make_exercise, run_grade

BUGGY = CORPUS / "buggy"
EXAMPLES = "40"

# What a lecture notebook around the engine looks like: magics, shell lines, plots, drawings.
HEADER = "%matplotlib inline\nimport math\nimport matplotlib.pyplot as plt"
DRAW = ("!pip install graphviz\nfrom graphviz import Digraph\n\n"
        "def draw_dot(root):\n    dot = Digraph(format='svg')\n    dot.node(str(id(root)), label=str(root.data))\n"
        "    return dot")
DEMO = "a = Value(2.0)\nb = a * a + a\nb.backward()\ndraw_dot(b)"
PLOT = "plt.plot([1, 2, 3], [a.grad, b.grad, 0.0])\ndisplay(b)"
TIMED = "%%time\nc = Value(3.0).tanh()\nc.backward()"
TIMEIT = "%%timeit\nValue(1.0) + Value(2.0)"


def notebook(path: Path, cells: list) -> Path:
    """A real nbformat v4 notebook; a markdown cell between code cells shifts numbering as in Jupyter."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# Exercise") if c is None else nbformat.v4.new_code_cell(c)
                for c in cells]
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(path))
    return path


def lecture_notebook(folder: Path, engine: str) -> Path:
    make_exercise(folder, "04_engine", None)
    return notebook(folder / "value.ipynb", [None, HEADER, engine, None, DRAW, DEMO, PLOT, TIMED, TIMEIT])


def twins(tmp_path: Path, engine: Path, build=lecture_notebook) -> tuple:
    """Grade ``engine`` as value.py and as a notebook in one run: (py exercise, notebook exercise)."""
    root = tmp_path / "subs"
    make_exercise(root / "a_py", "04_engine", engine)
    build(root / "b_notebook", engine.read_text(encoding="utf-8"))
    run = run_grade(root, "--format", "json", "--examples", EXAMPLES, cwd=tmp_path)
    assert run.returncode in (0, 1), run.describe()
    py, nb = run.report["exercises"]
    return py, nb, run


def verdicts(exercise: dict) -> dict:
    return {c["name"]: (c["score"], sorted(d["id"] for d in c["diagnoses"])) for c in exercise["checks"]}


def test_correct_notebook_with_display_cells_and_magics_gets_full_marks(tmp_path):
    py, nb, run = twins(tmp_path, REFERENCE)
    assert verdicts(nb) == verdicts(py), run.describe()
    assert nb["score"] == nb["max_score"] == py["score"], run.describe()
    # matplotlib is not a dependency: its cell is skipped, and the cell using plt after it.
    warnings = " | ".join(nb["warnings"])
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        assert "cell 2 (`import math`) skipped" in warnings and "matplotlib" in warnings, warnings
        assert "cell 7 (`plt.plot(" in warnings and "plt" in warnings, warnings
    assert py["warnings"] == []


@pytest.mark.parametrize("bug", ["assign_grad", "topo_not_reversed", "tanh_wrong_derivative"])
def test_buggy_notebook_is_diagnosed_like_its_py_twin(tmp_path, bug):
    py, nb, run = twins(tmp_path, BUGGY / f"{bug}.py")
    assert py["score"] < py["max_score"], run.describe()
    assert verdicts(nb) == verdicts(py), run.describe()
    lines = [d.get("line", "") for c in nb["checks"] for d in c["diagnoses"] if d.get("line")]
    # the engine is the notebook's 3rd cell: lines point there, never at a generated file
    assert lines and all(line.startswith("cell 3, line ") for line in lines), lines


def test_value_redefined_in_a_later_cell_counts_as_its_last_definition(tmp_path):
    buggy = (BUGGY / "assign_grad.py").read_text(encoding="utf-8")

    def fixed_later(folder: Path, engine: str) -> Path:
        make_exercise(folder, "04_engine", None)
        return notebook(folder / "value.ipynb", [buggy, DEMO.replace("draw_dot(b)", "b"), None, engine])

    def broken_later(folder: Path, engine: str) -> Path:
        make_exercise(folder, "04_engine", None)
        return notebook(folder / "value.ipynb", [engine, None, buggy])

    py, nb, run = twins(tmp_path / "fixed", REFERENCE, fixed_later)
    assert nb["score"] == nb["max_score"], run.describe()
    assert verdicts(nb) == verdicts(py)
    (tmp_path / "broken").mkdir()
    buggy_file = tmp_path / "broken" / "assign_grad.py"
    buggy_file.write_text(buggy, encoding="utf-8")
    py, nb, run = twins(tmp_path / "broken", buggy_file, broken_later)
    assert nb["score"] < nb["max_score"], run.describe()
    assert verdicts(nb) == verdicts(py), run.describe()


@pytest.mark.parametrize("content, reason", [
    ('{"cells": [{"cell_type": "code", "source": "x = ', "is not valid JSON"),
    ('{"title": "my homework", "answers": [1, 2]}', "is JSON but not a Jupyter notebook"),
])
def test_corrupt_notebook_is_an_import_error_saying_why(tmp_path, content, reason):
    folder = make_exercise(tmp_path / "sub", "04_engine", None)
    (folder / "value.ipynb").write_text(content, encoding="utf-8")
    run = run_grade(folder, "--format", "json", cwd=tmp_path)
    assert run.returncode == 1, run.describe()   # the student's fault: not exit 3, no traceback
    assert "Traceback" not in run.stderr
    for i, check in enumerate(checks_by_exercise(run.report)["04_engine"].values()):
        (diagnosis,) = check["diagnoses"]
        assert diagnosis["id"] == "import-error"
        # said once, on the first check; every later check is listed as not run
        assert (f"value.ipynb {reason}" in diagnosis["message"]) == (i == 0), diagnosis
        assert ("not run" in diagnosis["message"]) == (i > 0), diagnosis


def test_a_cell_that_raises_is_skipped_with_a_warning_naming_the_cell_and_line(tmp_path):
    # Jupyter's "Run All" carries on after an error shown on purpose; so does the grader.
    folder = make_exercise(tmp_path / "sub", "04_engine", None)
    notebook(folder / "value.ipynb", [REFERENCE.read_text(encoding="utf-8"), None,
                                      "a = Value(1.0)\nb = a + 1\nb.backward(1, 2, 3)"])
    run = run_grade(folder, "--format", "json", "--examples", EXAMPLES, cwd=tmp_path)
    assert run.returncode == 0, run.describe()
    (exercise,) = run.report["exercises"]
    (warning,) = [w for w in exercise["warnings"] if "cell 3" in w]
    assert warning.startswith("cell 3 (`a = Value(1.0)`) skipped: TypeError: "), warning
    assert "at line 3" in warning and "the cells after it still ran" in warning, warning


def test_py_file_wins_over_a_notebook_of_the_same_name_with_a_warning(tmp_path):
    folder = make_exercise(tmp_path / "sub", "04_engine", REFERENCE)
    notebook(folder / "value.ipynb", [(BUGGY / "assign_grad.py").read_text(encoding="utf-8")])
    run = run_grade(folder, "--format", "json", "--examples", EXAMPLES, cwd=tmp_path)
    (exercise,) = run.report["exercises"]
    assert exercise["score"] == exercise["max_score"], run.describe()
    assert any("graded value.py" in w and "value.ipynb" in w for w in exercise["warnings"]), exercise["warnings"]


def test_any_single_notebook_holds_the_exercise(tmp_path):
    folder = make_exercise(tmp_path / "sub", "04_engine", None)
    notebook(folder / "micrograd lecture.ipynb", [REFERENCE.read_text(encoding="utf-8")])
    run = run_grade(folder, "--format", "json", "--examples", EXAMPLES, cwd=tmp_path)
    assert run.returncode == 0, run.describe()

"""Top-level code that runs too long is stopped, and the classes it defined are graded.

Learners train at the top level of a notebook, or leave a demo at the bottom of
``value.py``. The grade needs the classes only: a file or cell still running after
``hang_seconds`` of CPU time is stopped there (harness/worker/budget.py), with a
warning; a loop before the class is a timeout that names its line, after
hang_seconds instead of the check's whole limit. Each test grades through the
real ``grade`` command; most use QUICK_HANGS (0.5 s) so that a stop costs half a
second, the learner-shaped notebook the shipped 3 s.
"""
from __future__ import annotations

import json

import nbformat

from support import CORPUS, QUICK_HANGS, REFERENCE, make_exercise, run_grade

BUGGY = CORPUS / "buggy"

ENDLESS_DEMO = ("\n\n# try it out\nx = Value(0.5)\nwhile True:\n    y = x * x + x\n    y.backward()\n"
                "    x.grad = 0.0\n")


def verdicts(exercise: dict) -> dict:
    return {c["name"]: (c["score"], sorted(d["id"] for d in c["diagnoses"])) for c in exercise["checks"]}


def notebook(path, cells: list) -> None:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(c) for c in cells]
    nbformat.write(nb, str(path))


def test_a_demo_that_never_ends_after_the_class_costs_nothing(tmp_path):
    source = REFERENCE.read_text(encoding="utf-8") + ENDLESS_DEMO
    folder = make_exercise(tmp_path / "ex", "04_engine", source, limits=QUICK_HANGS)
    run = run_grade(folder, "--format", "json", cwd=tmp_path)
    assert run.returncode == 0, run.describe()
    (exercise,) = run.report["exercises"]
    assert exercise["score"] == exercise["max_score"], run.describe()
    (warning,) = exercise["warnings"]
    line = source.split("\n").index("while True:") + 1   # the loop, wherever in its body the stop fell
    assert warning.startswith(f"value.py, line {line} (`while True:`): the top-level code was still "
                              "running after 0.5 s of CPU time and was stopped there"), warning
    assert 'if __name__ == "__main__":' in warning, warning


def test_a_loop_before_the_class_is_a_timeout_at_its_line_without_waiting_the_checks_limit(tmp_path):
    # QUICK_HANGS gives the first check 2 s: the message says it was the 0.5 s of CPU, not those.
    source = "import math\n\nwhile True:\n    pass\n\n" + REFERENCE.read_text(encoding="utf-8")
    folder = make_exercise(tmp_path / "ex", "04_engine", source, limits=QUICK_HANGS)
    run = run_grade(folder, "--format", "json", cwd=tmp_path)
    assert run.returncode == 1, run.describe()
    first, *later = run.report["exercises"][0]["checks"]
    (said,) = first["diagnoses"]
    assert said["id"] == "timeout" and said["line"] == "value.py, line 3", said
    assert said["message"] == (
        "importing the submission did not finish: value.py, line 3 (`while True:`) was still running after 0.5 s "
        "of CPU time and was stopped, before Value was defined: the file's top level should define the "
        "classes and do no more (a demo goes under `if __name__ == \"__main__\":`)"), said
    assert all(c["diagnoses"][0]["message"].startswith("not run") for c in later), later
    assert run.report["exercises"][0]["warnings"] == []


def test_a_loop_that_swallows_the_stop_still_meets_the_wall_clock_limit(tmp_path):
    # `except BaseException` in the loop catches every stop: the grader's own deadline ends it, as before.
    source = ("while True:\n    try:\n        while True:\n            pass\n    except BaseException:\n"
              "        pass\n")
    folder = make_exercise(tmp_path / "ex", "04_engine", source, limits=QUICK_HANGS)
    run = run_grade(folder, "--format", "json", cwd=tmp_path)
    (said,) = run.report["exercises"][0]["checks"][0]["diagnoses"]
    assert said["id"] == "timeout", said
    assert said["message"].startswith("importing the submission did not finish within the check's time "
                                      "limit of 2 s"), said


def test_a_notebook_cell_that_trains_forever_is_stopped_and_the_cells_after_it_run(tmp_path):
    # The buggy engine first, an endless training loop on it, then the fixed engine: the grade is
    # the fixed one's, so the cell after the stopped one ran.
    folder = make_exercise(tmp_path / "ex", "04_engine", None, limits=QUICK_HANGS)
    training = "x = Value(0.5)\nfor step in range(10**9):\n    y = x * x + x\n    y.backward()\n    x.grad = 0.0"
    notebook(folder / "value.ipynb", [(BUGGY / "assign_grad.py").read_text(encoding="utf-8"), training,
                                      REFERENCE.read_text(encoding="utf-8")])
    run = run_grade(folder, "--format", "json", cwd=tmp_path)
    assert run.returncode == 0, run.describe()
    (exercise,) = run.report["exercises"]
    assert exercise["score"] == exercise["max_score"], run.describe()
    (warning,) = exercise["warnings"]
    assert warning.startswith("cell 2 (`x = Value(0.5)`) stopped: still running after 0.5 s of CPU time "
                              "at line 2 (`for step in range(10**9):`); what it defined before that is "
                              "kept, and the cells after it still ran"), warning


def test_the_lab_book_that_trains_micrograds_moons_demo_gets_the_lab_books_grade(tmp_path):
    """The learner-shaped notebook, shipped limits: its minute of training is stopped after 3 s."""
    notebooks = CORPUS / "learners" / "notebooks"
    run = run_grade("--exercise", "04_engine", notebooks / "lab_book_trains_moons_at_top_level.ipynb",
                    notebooks / "lecture_lab_book.ipynb", "--format", "json", cwd=tmp_path)
    assert run.returncode == 1, run.describe()
    moons, lab_book = run.report["exercises"]
    assert verdicts(moons) == verdicts(lab_book), json.dumps(moons, indent=1)[:3000]
    assert 0 < moons["score"] == lab_book["score"] < moons["max_score"]
    stopped = [w for w in moons["warnings"] if "stopped" in w]
    assert stopped == [w for w in moons["warnings"] if w.startswith("cell 39 (`for k in range(100):`) stopped")]
    # the loop is the cell's first line of code (after a comment): named once, not again as the statement
    assert stopped == ["cell 39 (`for k in range(100):`) stopped: still running after 3 s of CPU time at "
                       "line 2; what it defined before that is kept, and the cells after it still ran "
                       "(work at the top level, such as training, is not graded)"], moons["warnings"]

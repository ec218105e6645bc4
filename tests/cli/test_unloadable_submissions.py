"""Submissions that cannot be judged on their numbers fail every check, saying why.

Untouched stubs are ``not-implemented`` everywhere; a submission that cannot
be imported is ``import-error`` everywhere. Both exit 1 (the student's
problem), never 2 or 3.
"""
from __future__ import annotations

import shutil

import pytest

from support import ALL_EXERCISES, REPO, make_exercise, run_grade


def test_untouched_stubs_are_not_implemented_on_every_check(tmp_path, workdir):
    shutil.copytree(REPO / "exercises", tmp_path / "exercises")
    run = run_grade("--format", "json", tmp_path / "exercises", cwd=workdir)
    assert run.returncode == 1, run.describe()
    report = run.report
    assert [ex["name"] for ex in report["exercises"]] == list(ALL_EXERCISES)
    assert report["score"] == 0 and report["max_score"] > 0
    for ex in report["exercises"]:
        for check in ex["checks"]:
            ids = [d["id"] for d in check["diagnoses"]]
            assert not check["passed"] and ids == ["not-implemented"], \
                f"{ex['name']}/{check['name']}: {ids}\n{run.describe()}"


UNLOADABLE = {
    "missing_value_py": None,
    "syntax_error": "class Value:\n    def __init__(self, data)\n        self.data = data\n",
    "no_value_class": "class Scalar:\n    def __init__(self, data):\n        self.data = data\n",
    "raises_at_import": "import math\nraise RuntimeError('configuration file not found')\n",
    "exits_at_import": "import sys\nsys.exit('done')\n",
    "imports_a_missing_module": "import micrograd_helpers\n\nclass Value:\n    pass\n",
}


@pytest.mark.parametrize("case", sorted(UNLOADABLE))
def test_unloadable_submission_is_an_import_error_on_every_check(case, tmp_path, workdir):
    folder = make_exercise(tmp_path / "04", "04_engine", UNLOADABLE[case])
    run = run_grade("--format", "json", folder, cwd=workdir)
    assert run.returncode == 1, run.describe()
    (exercise,) = run.report["exercises"]
    assert exercise["score"] == 0
    for check in exercise["checks"]:
        ids = [d["id"] for d in check["diagnoses"]]
        assert ids == ["import-error"], f"{check['name']}: {ids}\n{run.describe()}"
        assert check["diagnoses"][0]["message"], check


def test_syntax_error_names_the_file_and_line(tmp_path, workdir):
    folder = make_exercise(tmp_path / "04", "04_engine", UNLOADABLE["syntax_error"])
    run = run_grade("--format", "json", folder, cwd=workdir)
    diagnosis = run.report["exercises"][0]["checks"][0]["diagnoses"][0]
    text = diagnosis["message"] + diagnosis.get("line", "")
    assert "value.py" in text and "2" in text, diagnosis


def test_missing_file_names_the_file_it_looked_for(tmp_path, workdir):
    folder = make_exercise(tmp_path / "04", "04_engine", None)
    run = run_grade("--format", "json", folder, cwd=workdir)
    message = run.report["exercises"][0]["checks"][0]["diagnoses"][0]["message"]
    assert "value.py" in message, message

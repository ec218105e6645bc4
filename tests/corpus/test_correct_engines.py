"""Correct but unusual engines get full marks on every exercise.

Each file in ``corpus/correct`` is a complete engine written in a way the
lecture does not (a list of children, Kahn's order, no closures, ...). The
issue's promise: any internal design that computes the right numbers gets
full marks. Graded through the real ``grade`` command, as a student would.
"""
from __future__ import annotations

import pytest

from support import CORPUS, EXERCISES, checks_by_exercise, make_exercises, run_grade, skip_without_numpy

CORRECT = sorted((CORPUS / "correct").glob("*.py"))


def test_the_corpus_has_at_least_ten_engines():
    assert len(CORRECT) >= 10, [p.name for p in CORRECT]


@pytest.mark.parametrize("source", CORRECT, ids=lambda p: p.stem)
def test_correct_engine_gets_full_marks_on_every_exercise(source, tmp_path, workdir):
    skip_without_numpy(source)
    root = make_exercises(tmp_path / "submissions", source)
    run = run_grade("--format", "json", root, cwd=workdir)
    assert run.returncode == 0, run.describe()
    report = run.report
    assert [ex["name"] for ex in report["exercises"]] == list(EXERCISES)
    assert report["score"] == report["max_score"] > 0, run.describe()
    for exercise, checks in checks_by_exercise(report).items():
        for name, check in checks.items():
            assert check["passed"] and check["diagnoses"] == [], f"{exercise}/{name}\n{run.describe()}"


# Correct engines the grader does not give full marks yet: strict xfails, each
# naming the file to fix. When one starts passing, move it to corpus/correct.
NOT_YET: dict = {}


def test_every_not_yet_engine_has_a_reason():
    assert {p.stem for p in (CORPUS / "correct_not_yet").glob("*.py")} == set(NOT_YET)


@pytest.mark.parametrize("name", sorted(NOT_YET))
def test_correct_engine_not_yet_graded_correctly(name, tmp_path, workdir, request):
    request.applymarker(pytest.mark.xfail(strict=True, reason=NOT_YET[name]))
    source = CORPUS / "correct_not_yet" / f"{name}.py"
    root = make_exercises(tmp_path / "submissions", source, exercises=("04_engine",))
    run = run_grade("--format", "json", root, cwd=workdir)
    assert run.returncode == 0, run.describe()

"""Grading is deterministic and leaves no trace where the student works.

The same submission and ``--seed`` give the same report (timings aside), from
any working directory; no Hypothesis folder (``.hypothesis/``) or anything
else is written into the student's folder or the working directory.
"""
from __future__ import annotations

import pytest

from support import CORPUS, make_exercise, run_grade

# Bugs whose wrong numbers do not depend on the order a set of children is
# iterated in, so the student's side is deterministic too: exp's derivative
# (04) and a product that ignores out.grad (03). Both fail generated checks,
# so the examples Hypothesis shrinks to are part of the comparison.
DETERMINISTIC = {"04_engine": "exp_uses_input.py", "03_reuse": "no_chain_rule_mul.py"}
# Hypothesis runs the same way whether a check passes or fails; passing is cheaper.
PASSING = CORPUS / "correct" / "list_children.py"

def without_timing(value):
    """The report with every ``timing`` key removed, at any depth."""
    if isinstance(value, dict):
        return {k: without_timing(v) for k, v in value.items() if k != "timing"}
    if isinstance(value, list):
        return [without_timing(v) for v in value]
    return value


def first_difference(a, b, where="report"):
    """Where two JSON values first differ (for a readable assertion message)."""
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b)):
            if a.get(key) != b.get(key):
                return first_difference(a.get(key), b.get(key), f"{where}.{key}")
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b)):
            if x != y:
                return first_difference(x, y, f"{where}[{i}]")
    return f"{where}: {a!r:.300} != {b!r:.300}"


def files_under(folder):
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def test_same_seed_same_report_from_another_working_directory(tmp_path):
    root = tmp_path / "submissions"
    for exercise, bug in DETERMINISTIC.items():
        make_exercise(root / exercise, exercise, CORPUS / "buggy" / bug)
    first_cwd, second_cwd = tmp_path / "one", tmp_path / "two" / "deeper"
    first_cwd.mkdir()
    second_cwd.mkdir(parents=True)
    first = run_grade("--format", "json", "--seed", "7", root, cwd=first_cwd)
    second = run_grade("--format", "json", "--seed", "7", root, cwd=second_cwd)
    assert first.returncode == second.returncode == 1, first.describe()
    a, b = without_timing(first.report), without_timing(second.report)
    assert a == b, first_difference(a, b)
    # the comparison covered real failures with examples, not two empty reports
    examples = [d["example"] for ex in a["exercises"] for c in ex["checks"] for d in c["diagnoses"]]
    assert len(examples) >= 2 and all(examples)


def test_same_seed_same_scores_even_when_the_submission_is_order_dependent(tmp_path, workdir):
    # An assigning backward's wrong numbers depend on which consumer runs last,
    # i.e. on set order, i.e. on memory addresses: the examples may differ from
    # run to run, but what passes and the score may not.
    folder = make_exercise(tmp_path / "03", "03_reuse", CORPUS / "buggy" / "assign_grad.py")
    runs = [run_grade("--format", "json", "--seed", "3", folder, cwd=workdir) for _ in range(2)]
    outcomes = [[(c["name"], c["passed"], c["score"]) for c in run.report["exercises"][0]["checks"]]
                for run in runs]
    assert outcomes[0] == outcomes[1]


def test_grading_writes_nothing_into_the_students_folder(tmp_path):
    folder = make_exercise(tmp_path / "04_engine", "04_engine", PASSING)
    before = files_under(folder)
    # the student runs `grade .` from inside the folder: the worst case for stray files
    run = run_grade("--format", "json", ".", cwd=folder)
    assert run.returncode == 0, run.describe()
    assert files_under(folder) == before


def test_grading_writes_nothing_into_the_working_directory(tmp_path, workdir):
    folder = make_exercise(tmp_path / "04_engine", "04_engine", PASSING)
    run = run_grade("--format", "json", folder, cwd=workdir)
    assert run.returncode == 0, run.describe()
    assert files_under(workdir) == []


def test_grading_leaves_the_submission_files_unchanged(tmp_path, workdir):
    folder = make_exercise(tmp_path / "04_engine", "04_engine", PASSING)
    before = {p: p.read_bytes() for p in folder.iterdir()}
    run_grade("--format", "json", folder, cwd=workdir)
    assert {p: p.read_bytes() for p in folder.iterdir()} == before
    assert not (folder / "__pycache__").exists()

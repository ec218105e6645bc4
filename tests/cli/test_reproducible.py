"""The same submission and seed give the same report anywhere, and grading leaves no trace.

The JSON report is the same byte for byte, timings aside, whatever varies
around the grading: the working directory, how many times it is graded,
``--jobs``, and which other students share the bulk run, hostile ones
included. Grading writes nothing into the student's folder (no Hypothesis
folder, no ``__pycache__``) or into the working directory. (20 repetitions
were measured once and are reported in the README's "Security model"; the
tests run fewer to stay fast.)
"""
from __future__ import annotations

import difflib
import json
import os
import shutil
import subprocess
import sys

import pytest
from pathlib import Path

from harness.sandbox import layers
from harness.sandbox.process import current_layer
from support import CORPUS, HOSTILE, REPO, make_exercise, run_grade

EXAMPLES = "30"
# An assigning backward's wrong numbers depend on which consumer of a value
# runs last, i.e. on the order a set of children iterates in (memory
# addresses); a product that ignores out.grad does not. Both fail generated
# checks, so the shrunk examples are part of the comparison.
SUBMISSIONS = {"04_engine": CORPUS / "buggy" / "assign_grad.py", "03_reuse": CORPUS / "buggy" / "no_chain_rule_mul.py"}
STUDENTS = {"alice.py": CORPUS / "correct" / "kahn_order.py",
            "bob.py": CORPUS / "buggy" / "assign_grad.py",
            "carol.py": CORPUS / "buggy" / "topo_without_visited.py"}
PASSING = CORPUS / "correct" / "list_children.py"


def without_timing(value):
    """The report with every ``timing`` key removed, at any depth."""
    if isinstance(value, dict):
        return {k: without_timing(v) for k, v in value.items() if k != "timing"}
    if isinstance(value, list):
        return [without_timing(v) for v in value]
    return value


def canonical(text: str) -> str:
    return json.dumps(without_timing(json.loads(text)), indent=1)


@pytest.mark.slow
def test_same_seed_same_json_from_any_working_directory(tmp_path):
    root = tmp_path / "submissions"
    for exercise, source in SUBMISSIONS.items():
        make_exercise(root / exercise, exercise, source)
    reports = []
    for cwd in (tmp_path / "one", tmp_path / "two" / "deeper"):
        cwd.mkdir(parents=True)
        run = run_grade("--format", "json", "--seed", "7", "--examples", EXAMPLES, root, cwd=cwd)
        assert run.returncode == 1, run.describe()
        reports.append(canonical(run.stdout))
    # the comparison covers real failures with examples, not two empty reports
    examples = [d["example"] for ex in json.loads(reports[0])["exercises"] for c in ex["checks"]
                for d in c["diagnoses"]]
    assert len(examples) >= 2 and all(examples)
    assert reports[1] == reports[0], "reports differ between runs:\n" + "\n".join(
        difflib.unified_diff(reports[0].splitlines(), reports[1].splitlines(), lineterm="", n=1))


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="exercises run side by side on Linux only")
def test_exercises_graded_two_at_a_time_give_the_report_of_one_at_a_time(tmp_path):
    """``grade`` grades the exercises of a folder --jobs at a time, each in a forked copy of the
    grader (harness/classroom/lanes.py): the report, its order and every shrunk example, is the
    one a sequential run gives. Four exercises with failures, so two Hypothesis searches overlap."""
    root = tmp_path / "submissions"
    engines = {"01_forward": CORPUS / "buggy" / "tanh_wrong_derivative.py", **SUBMISSIONS,
               "02_backward": CORPUS / "buggy" / "topo_without_visited.py"}
    for exercise, source in engines.items():
        make_exercise(root / exercise, exercise, source)
    reports = {}
    for jobs in ("1", "2"):
        run = run_grade("--format", "json", "--examples", EXAMPLES, "--jobs", jobs, root, cwd=tmp_path)
        assert run.returncode == 1, run.describe()
        reports[jobs] = canonical(run.stdout)
    names = [ex["name"] for ex in json.loads(reports["2"])["exercises"]]
    assert names == ["01_forward", "02_backward", "03_reuse", "04_engine"], names
    assert reports["2"] == reports["1"], "\n".join(
        difflib.unified_diff(reports["1"].splitlines(), reports["2"].splitlines(), lineterm="", n=1))


def _bulk(tmp_path: Path, name: str, students: dict, jobs: int) -> dict:
    subs = tmp_path / f"{name}-submissions"
    subs.mkdir()
    for student, source in students.items():
        shutil.copyfile(source, subs / student)
    out = tmp_path / f"{name}-grades"
    run = run_grade("--bulk", subs, "--exercise", "04_engine", "--jobs", str(jobs), "--examples", EXAMPLES,
                    "--output-dir", out, cwd=tmp_path)
    assert run.returncode == 0, run.describe()
    return {p.stem: json.loads(p.read_text()) for p in out.glob("*.json")}


def _comparable(record: dict) -> str:
    """A student's JSON without timings and without where this run put the submission."""
    record = without_timing(record)
    record["submission"].pop("path", None)
    for exercise in record["exercises"]:
        exercise.pop("path", None)
    return json.dumps(record, indent=1)


@pytest.mark.slow
def test_hostile_neighbours_and_jobs_change_no_other_students_result(tmp_path):
    """--jobs 1 with the class alone, then --jobs 2 with hostile students among them."""
    # student -> (file, the score it earns)
    hostile = {"mallory_forks.py": (HOSTILE / "forks_outliving_worker.py", 0),
               "mallory_writes.py": (HOSTILE / "write_outside_folder.py", 0),
               "mallory_floods.py": (HOSTILE / "raw_output_flood_at_import.py", 0)}
    if layers.guarantees(current_layer())["signal the grader"]:  # else it kills a pool process
        hostile["mallory_kills.py"] = (HOSTILE / "kill_parent.py", 0)
    alone = _bulk(tmp_path, "alone", STUDENTS, jobs=1)
    mixed = _bulk(tmp_path, "mixed", {**STUDENTS, **{k: f for k, (f, _) in hostile.items()}}, jobs=2)
    for student in STUDENTS:
        name = student[:-3]
        before, after = _comparable(alone[name]), _comparable(mixed[name])
        assert after == before, f"{name}'s result changed:\n" + "\n".join(
            difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=1))
    for student, (_, score) in hostile.items():
        record = mixed[student[:-3]]
        assert "error" not in record and record["score"] == score, (student, record.get("score"))


def test_a_students_bulk_result_is_the_report_grade_gives_alone(tmp_path):
    """In a pool process the grader has more files open, and it once gave the worker other
    numbers for its pipes: a longer argv, the student's objects elsewhere in memory, and the
    assigning engine (whose wrong numbers follow set order) other numbers in its examples."""
    graded = _bulk(tmp_path, "class", {"bob.py": STUDENTS["bob.py"]}, jobs=1)["bob"]
    run = run_grade("--exercise", "04_engine", "--format", "json", "--examples", EXAMPLES, STUDENTS["bob.py"],
                    cwd=tmp_path)
    alone = without_timing(run.report["exercises"][0])
    in_bulk = without_timing(graded["exercises"][0])
    examples = [d["example"] for c in alone["checks"] for d in c["diagnoses"]]
    assert any("got" in e for e in examples), examples   # wrong numbers are compared, not only names
    for exercise in (alone, in_bulk):
        exercise.pop("path")
    assert in_bulk == alone, "\n".join(difflib.unified_diff(
        json.dumps(alone, indent=1).splitlines(), json.dumps(in_bulk, indent=1).splitlines(), lineterm="", n=1))


def files_under(folder):
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


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


def test_files_beside_the_grader_change_no_number(tmp_path):
    """An assigning engine's wrong numbers follow the order in which a ``set`` of Values
    iterates, that is where its objects land in the worker's memory. Python keeps a listing
    of every folder it imports from; the worker once imported the grader through the folder
    that holds it (for an editable install, the repository, where a wheel build adds build/),
    so a file appearing there changed the numbers: this test's two runs, in CI, mid-suite."""
    install, folder = _copy_of_the_grader(tmp_path)
    before = _examples(install, folder, tmp_path)
    for n in range(1, 5):   # one more each time: whatever the heap's sizes, some count moved it
        (install / f"build-{n}").mkdir()
        assert _examples(install, folder, tmp_path) == before, \
            f"with {n} more folder(s) beside the grader in {install}"


def test_files_inside_the_grader_that_the_worker_never_imports_change_no_number(tmp_path):
    """The same for the harness's own folders, which the worker imported its modules through:
    one module more in harness/core (grade's rubric cache, say) gave `no_topo_sort.py`
    other wrong numbers in an example. The worker now finds each of its modules by its path."""
    install, folder = _copy_of_the_grader(tmp_path, CORPUS / "buggy" / "no_topo_sort.py")
    before = _examples(install, folder, tmp_path)
    for n in range(1, 4):
        for package in ("core", "worker"):
            (install / "harness" / package / f"unused_{n}.py").write_text("", encoding="utf-8")
        assert _examples(install, folder, tmp_path) == before, \
            f"with {n} more module(s) in harness/core and harness/worker of {install}"


def _copy_of_the_grader(tmp_path: Path, submission: Path = SUBMISSIONS["04_engine"]) -> tuple:
    install = tmp_path / "checkout"
    for name in ("harness", "reference", "graders"):
        shutil.copytree(REPO / name, install / name, ignore=shutil.ignore_patterns("__pycache__"))
    assert _where(install).startswith(str(install))   # the copy is graded with, not the installed grader
    return install, make_exercise(tmp_path / "04", "04_engine", submission)


def _examples(install: Path, folder: Path, cwd: Path) -> dict:
    run = subprocess.run([sys.executable, "-c", "import sys; from harness.cli import main; "
                          "sys.exit(main(sys.argv[1:]))", "--format", "json", "--seed", "7",
                          "--examples", EXAMPLES, str(folder)], cwd=cwd, capture_output=True,
                         text=True, timeout=300, env={**os.environ, "PYTHONPATH": str(install)})
    assert run.returncode == 1, run.stdout[-2000:] + run.stderr[-2000:]
    return {c["name"]: [d["example"] for d in c["diagnoses"]]
            for c in json.loads(run.stdout)["exercises"][0]["checks"]}


def _where(install: Path) -> str:
    """The harness the subprocess imports: the copy, not the installed one."""
    done = subprocess.run([sys.executable, "-c", "import harness; print(harness.__file__)"], cwd=install.parent,
                          capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(install)})
    return done.stdout.strip()

"""The same submission gets the same JSON report, byte for byte, timings aside.

Whatever varies around the grading must not show in it: how many times it is
graded, the working directory, ``--jobs``, and which other students share the
bulk run, hostile ones included. (20 repetitions were measured once and are
reported in the README's "Security model"; the test runs fewer to stay fast.)
"""
from __future__ import annotations

import difflib
import json
import shutil
from pathlib import Path

from harness.sandbox import layers
from harness.sandbox.process import current_layer
from support import CORPUS, make_exercise, run_grade

HOSTILE = Path(__file__).resolve().parent / "hostile"
REPEATS = 2
EXAMPLES = "30"
STUDENTS = {"alice.py": CORPUS / "correct" / "kahn_order.py",
            "bob.py": CORPUS / "buggy" / "assign_grad.py",
            "carol.py": CORPUS / "buggy" / "topo_without_visited.py"}


def without_timing(value):
    """The report with every ``timing`` key removed, at any depth."""
    if isinstance(value, dict):
        return {k: without_timing(v) for k, v in value.items() if k != "timing"}
    if isinstance(value, list):
        return [without_timing(v) for v in value]
    return value


def canonical(text: str) -> str:
    return json.dumps(without_timing(json.loads(text)), indent=1)


def test_same_json_every_time_from_any_working_directory(tmp_path):
    folder = make_exercise(tmp_path / "student" / "04", "04_engine", STUDENTS["bob.py"])
    reports = []
    for i in range(REPEATS):
        cwd = tmp_path / f"cwd-{i}"
        cwd.mkdir()
        run = run_grade(folder, "--format", "json", "--examples", EXAMPLES, cwd=cwd)
        assert run.returncode == 1, run.describe()
        reports.append(canonical(run.stdout))
    assert reports[0].count('"passed": false') >= 1, "the submission must fail something to be telling"
    for other in reports[1:]:
        assert other == reports[0], "reports differ between runs:\n" + "\n".join(
            difflib.unified_diff(reports[0].splitlines(), other.splitlines(), lineterm="", n=1))


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

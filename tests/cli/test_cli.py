"""The ``grade`` command: the reference run, the JSON shape, ``--output``, exit statuses.

Exit statuses: 0 full marks, 1 anything less, 2 bad usage or configuration
(with a message and no traceback), 3 a fault of the grader.
"""
from __future__ import annotations

import math
import json
import shutil

import pytest

from support import ALL_EXERCISES, CORPUS, REPO, make_exercise, run_grade


@pytest.fixture(scope="module")
def reference_run(tmp_path_factory):
    cwd = tmp_path_factory.mktemp("cwd")
    return run_grade("--reference", "--format", "json", REPO / "exercises", cwd=cwd)


@pytest.fixture(scope="module")
def failing_run(tmp_path_factory):
    """The assignment bug on 02 (passes) and 03 (fails): a report with both kinds of checks."""
    root = tmp_path_factory.mktemp("submissions")
    for exercise in ("02_backward", "03_reuse"):
        make_exercise(root / exercise, exercise, CORPUS / "buggy" / "assign_grad.py")
    return run_grade("--format", "json", root, cwd=tmp_path_factory.mktemp("cwd"))


def test_reference_run_exits_0_with_full_marks(reference_run):
    assert reference_run.returncode == 0, reference_run.describe()
    report = reference_run.report
    assert [ex["name"] for ex in report["exercises"]] == list(ALL_EXERCISES)
    assert report["score"] == report["max_score"] > 0
    assert all(c["passed"] for ex in report["exercises"] for c in ex["checks"])


# The shape issue 2 promises (more keys may be added, none renamed).
SHAPE = {"version": int, "score": (int, float), "max_score": (int, float), "exercises": list}
EXERCISE_SHAPE = {"name": str, "path": str, "score": (int, float), "max_score": (int, float),
                  "checks": list}
CHECK_SHAPE = {"name": str, "score": (int, float), "max_score": (int, float), "passed": bool,
               "diagnoses": list}
DIAGNOSIS_SHAPE = {"id": str, "message": str, "example": str}


def assert_shape(record: dict, shape: dict, where: str) -> None:
    for key, kind in shape.items():
        assert key in record, f"{where}: no key {key!r} (keys: {sorted(record)})"
        assert isinstance(record[key], kind) and not (kind != bool and isinstance(record[key], bool)), \
            f"{where}.{key} is {record[key]!r}"


@pytest.mark.parametrize("which", ["reference_run", "failing_run"])
def test_json_report_has_the_documented_shape(which, request):
    run = request.getfixturevalue(which)
    report = run.report
    assert_shape(report, SHAPE, "report")
    assert report["version"] == 1
    total = 0
    for i, ex in enumerate(report["exercises"]):
        assert_shape(ex, EXERCISE_SHAPE, f"exercises[{i}]")
        assert ex["score"] == math.fsum(c["score"] for c in ex["checks"])   # exact, unrounded
        assert ex["max_score"] == sum(c["max_score"] for c in ex["checks"])
        total += ex["score"]
        for j, check in enumerate(ex["checks"]):
            where = f"exercises[{i}].checks[{j}]"
            assert_shape(check, CHECK_SHAPE, where)
            # a failed check keeps the shares of the operation families that work
            assert (check["score"] == check["max_score"] if check["passed"]
                    else 0 <= check["score"] < check["max_score"]), where
            # a failed check carries at least one diagnosis; a passed one none
            assert bool(check["diagnoses"]) != check["passed"], where
            for k, d in enumerate(check["diagnoses"]):
                assert_shape(d, DIAGNOSIS_SHAPE, f"{where}.diagnoses[{k}]")
    assert report["score"] == total


def test_failing_run_exits_1(failing_run):
    assert failing_run.returncode == 1
    scores = {ex["name"]: (ex["score"], ex["max_score"]) for ex in failing_run.report["exercises"]}
    assert scores["02_backward"][0] == scores["02_backward"][1]
    assert scores["03_reuse"][0] < scores["03_reuse"][1]


def test_text_report_lists_checks_and_the_total(tmp_path, workdir):
    folder = make_exercise(tmp_path / "03", "03_reuse", CORPUS / "buggy" / "assign_grad.py")
    run = run_grade(folder, cwd=workdir)
    assert run.returncode == 1
    lines = run.stdout.splitlines()
    assert any(line.split()[:2] == ["PASS", "trees"] for line in lines), run.stdout
    assert any(line.split()[:2] == ["FAIL", "reuse"] for line in lines), run.stdout
    assert any(line.startswith("Total: 2/10") for line in lines), run.stdout
    assert "b = a + a" in run.stdout


def test_no_path_grades_the_exercises_folder_here(tmp_path):
    shutil.copytree(REPO / "exercises", tmp_path / "exercises")
    run = run_grade("--reference", "--format", "json", cwd=tmp_path)
    assert run.returncode == 0, run.describe()
    assert [ex["name"] for ex in run.report["exercises"]] == list(ALL_EXERCISES)


def test_output_file_is_written_whole_and_nothing_else(tmp_path, workdir):
    folder = make_exercise(tmp_path / "sub" / "03", "03_reuse", CORPUS / "buggy" / "assign_grad.py")
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    (out_dir / "report.json").write_text("stale", encoding="utf-8")
    run = run_grade("--format", "json", "--output", out_dir / "report.json", folder, cwd=workdir)
    assert run.returncode == 1, run.describe()
    assert run.stdout == ""
    assert [p.name for p in out_dir.iterdir()] == ["report.json"]   # no temporary file left
    report = json.loads((out_dir / "report.json").read_text(encoding="utf-8"))
    assert report["exercises"][0]["name"] == "03_reuse"


def test_output_into_a_missing_folder_is_a_usage_error(tmp_path, workdir):
    folder = make_exercise(tmp_path / "03", "03_reuse", CORPUS / "buggy" / "assign_grad.py")
    target = tmp_path / "no" / "such" / "report.json"
    run = run_grade("--format", "json", "--output", target, folder, cwd=workdir)
    assert run.returncode == 2, run.describe()
    assert str(target.parent) in run.stderr or str(target) in run.stderr, run.stderr
    assert "Traceback" not in run.stderr
    assert not target.parent.exists()


def _usage_cases(tmp_path):
    """name -> (arguments, a word the message must contain)."""
    (tmp_path / "empty").mkdir()
    (tmp_path / "a_file.py").write_text("x = 1\n")
    make_exercise(tmp_path / "unknown", "05_mlp", "")
    bad = tmp_path / "bad_marker"
    bad.mkdir()
    (bad / "micrograde.yaml").write_text("exercise: [04_engine\n")
    list_marker = tmp_path / "list_marker"
    list_marker.mkdir()
    (list_marker / "micrograde.yaml").write_text("- 04_engine\n")
    good = make_exercise(tmp_path / "good", "04_engine", "")
    return {
        "missing-path": ([tmp_path / "nowhere"], "nowhere"),
        "file-not-folder": ([tmp_path / "a_file.py"], "a_file.py"),
        "no-exercise-in-folder": ([tmp_path / "empty"], "empty"),
        "unknown-exercise-in-marker": ([tmp_path / "unknown"], "05_mlp"),
        "marker-not-yaml": ([bad], "micrograde.yaml"),
        "marker-not-a-mapping": ([list_marker], "exercise:"),
        "unknown-format": (["--format", "xml", good], "xml"),
        "zero-examples": (["--examples", "0", good], "--examples"),
        "seed-not-a-number": (["--seed", "abc", good], "--seed"),
        "unknown-option": (["--colour", good], "--colour"),
    }


@pytest.mark.parametrize("case", ["missing-path", "file-not-folder", "no-exercise-in-folder",
                                  "unknown-exercise-in-marker", "marker-not-yaml",
                                  "marker-not-a-mapping", "unknown-format", "zero-examples",
                                  "seed-not-a-number", "unknown-option"])
def test_bad_usage_exits_2_with_a_message_and_no_traceback(case, tmp_path, workdir):
    args, word = _usage_cases(tmp_path)[case]
    run = run_grade(*args, cwd=workdir)
    assert run.returncode == 2, run.describe()
    assert run.stdout == ""
    assert "grade: error:" in run.stderr and word in run.stderr, run.stderr
    assert "Traceback" not in run.stderr, run.stderr


# -- conventions of a Unix command (issue 13) ---------------------------------------------
def test_version_names_the_installed_version(tmp_path):
    from importlib import metadata
    run = run_grade("--version", cwd=tmp_path)
    assert run.returncode == 0 and run.stdout.strip() == f"grade (micrograde) {metadata.version('micrograde')}"


def test_help_lists_exit_statuses_and_names_no_modules(tmp_path):
    run = run_grade("--help", cwd=tmp_path)
    assert run.returncode == 0
    assert "harness" not in run.stdout
    section = run.stdout[run.stdout.index("Exit status:"):]
    for code in ("0 ", "1 ", "2 ", "3 ", "130 "):
        assert f"\n  {code}" in section, section


@pytest.mark.parametrize("where, names", [("exercises/03_reuse", ["03_reuse"]),
                                          ("exercises", list(ALL_EXERCISES))])
def test_no_path_grades_the_exercise_folder_you_are_in(tmp_path, where, names):
    shutil.copytree(REPO / "exercises", tmp_path / "exercises")
    run = run_grade("--reference", "--format", "json", cwd=tmp_path / where)
    assert run.returncode == 0, run.describe()
    assert [ex["name"] for ex in run.report["exercises"]] == names


def test_no_path_and_no_exercise_anywhere_says_what_to_do(tmp_path):
    run = run_grade(cwd=tmp_path)
    assert run.returncode == 2 and "no exercise here" in run.stderr and "grade PATH" in run.stderr


@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o027, 0o640)])
def test_output_follows_the_umask_and_stays_atomic(tmp_path, umask, mode):
    import subprocess
    from support import grade_command
    folder = make_exercise(tmp_path / "03", "03_reuse", REPO / "reference" / "engine.py")
    out = tmp_path / "out"
    out.mkdir()
    done = subprocess.run(["bash", "-c", f"umask {umask:03o} && exec \"$@\"", "grade", *grade_command(),
                           "--format", "json", "--output", str(out / "r.json"), str(folder)],
                          cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert [p.name for p in out.iterdir()] == ["r.json"]
    assert (out / "r.json").stat().st_mode & 0o777 == mode


def test_ctrl_c_exits_130_without_a_traceback(tmp_path):
    import os
    import signal
    import subprocess
    import time
    from support import SLEEPS_AT_IMPORT, ctrl_c_able, grade_command
    folder = make_exercise(tmp_path / "04", "04_engine", SLEEPS_AT_IMPORT)
    proc = subprocess.Popen(ctrl_c_able(grade_command() + [str(folder)]), cwd=tmp_path, start_new_session=True,
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(2.5)   # in the middle of waiting on the hanging worker
    os.killpg(proc.pid, signal.SIGINT)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130 and "interrupted" in stderr
    assert "Traceback" not in stderr, stderr


def test_ctrl_c_stops_exercises_graded_side_by_side(tmp_path):
    """Two exercises in forked copies of the grader (harness/classroom/lanes.py), each waiting on
    a worker that sleeps at import: Ctrl-C ends both, 130, no traceback from either child."""
    import os
    import signal
    import subprocess
    import time
    from support import SLEEPS_AT_IMPORT, ctrl_c_able, grade_command
    for exercise in ("03_reuse", "04_engine"):
        make_exercise(tmp_path / "subs" / exercise, exercise, SLEEPS_AT_IMPORT)
    proc = subprocess.Popen(ctrl_c_able(grade_command() + ["--jobs", "2", str(tmp_path / "subs")]), cwd=tmp_path,
                            start_new_session=True, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    time.sleep(2.5)
    os.killpg(proc.pid, signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130 and "interrupted" in stderr, stderr
    assert "Traceback" not in stderr and stdout == "", (stdout, stderr)


def test_audit_stops_cleanly_on_ctrl_c(tmp_path):
    """Its progress lines off a terminal: tests/classroom/test_audit.py."""
    import os
    import signal
    import subprocess
    import time
    from support import ctrl_c_able, grade_command
    audit = grade_command() + ["--audit", "--jobs", "2", str(REPO / "exercises" / "04_engine")]
    proc = subprocess.Popen(ctrl_c_able(audit),
                            cwd=tmp_path, start_new_session=True, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(3)
    os.killpg(proc.pid, signal.SIGINT)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130 and "Traceback" not in stderr, stderr

"""Issue 12: courses define their own exercises, through the real ``grade`` command.

Every folder here is what an instructor writes: a ``micrograde.yaml`` that
``extends`` a built-in rubric and changes it, and a student's ``value.py``.
The reference's verdict on a course rubric is cached; each test gets its own
cache (MICROGRADE_CACHE) so that the first grade always checks the reference.
"""
from __future__ import annotations

import json
import os
import subprocess
import textwrap
from pathlib import Path

import pytest

from support import CORPUS, GRADE_TIMEOUT, REPO, checks_by_exercise, grade_command

COURSES = CORPUS / "courses"
ENGINE = (REPO / "reference" / "engine.py").read_text(encoding="utf-8")

# The micrograd repository's course: relu, no exp or tanh, a recursive sort.
REPOSITORY_COURSE = """\
exercise: micrograd_repository
extends: 04_engine
title: The micrograd repository's engine
ops: [add, sub, mul, div, neg, pow, relu]
remove_checks: [deep-chain]
checks:
  - name: lecture-reuse
    graphs: [self-add, lecture-diamond, self-mul, shared-subexpression]
"""
LOG_COURSE = """\
exercise: cross_entropy
extends: 04_engine
ops: [add, sub, mul, div, neg, pow, exp, tanh, relu, log]
"""


@pytest.fixture
def grade(tmp_path):
    """``grade ARGS`` with a cache of the reference's verdicts of this test's own."""
    env = dict(os.environ, MICROGRADE_CACHE=str(tmp_path / "cache"))

    def run(*args):
        proc = subprocess.run(grade_command() + [str(a) for a in args], cwd=tmp_path, env=env,
                              stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=GRADE_TIMEOUT)
        return proc
    return run


def course(folder: Path, marker: str, source: str | Path | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "micrograde.yaml").write_text(textwrap.dedent(marker), encoding="utf-8")
    if source is not None:
        text = source.read_text(encoding="utf-8") if isinstance(source, Path) else source
        (folder / "value.py").write_text(text, encoding="utf-8")
    return folder


def report(proc) -> dict:
    assert proc.stdout.startswith("{"), proc.stderr[-3000:]
    return json.loads(proc.stdout)


def test_the_repository_engine_gets_full_marks_on_a_repository_course(tmp_path, grade):
    folder = course(tmp_path / "repo", REPOSITORY_COURSE, COURSES / "micrograd_engine_no_exp_tanh.py")
    run = grade("--format", "json", folder)
    data = report(run)
    assert run.returncode == 0, run.stdout[-3000:]
    checks = checks_by_exercise(data)["micrograd_repository"]
    assert "deep-chain" not in checks and set(checks) == {"forward", "gradients-trees", "lecture-reuse",
                                                          "reuse", "fan-out"}
    assert data["exercises"][0]["score"] == data["exercises"][0]["max_score"] == 17
    # The same engine on the built-in 04_engine loses exp, tanh and the chain: the course is what changed.
    builtin = course(tmp_path / "builtin", "exercise: 04_engine\n", COURSES / "micrograd_engine_no_exp_tanh.py")
    assert grade("--format", "json", builtin).returncode == 1
    reference = grade("--reference", "--format", "json", folder)
    assert reference.returncode == 0 and report(reference)["exercises"][0]["score"] == 17


def test_a_log_course_gives_a_correct_log_engine_full_marks_and_names_a_wrong_derivative(tmp_path, grade):
    good = course(tmp_path / "good", LOG_COURSE, ENGINE)
    run = grade("--format", "json", good)
    assert run.returncode == 0, run.stdout[-3000:]
    wrong = ENGINE.replace("self.grad += (1 / self.data) * out.grad", "self.grad += (1 / out.data) * out.grad")
    assert wrong != ENGINE
    bad = course(tmp_path / "bad", LOG_COURSE, wrong)
    run = grade("--format", "json", bad)
    assert run.returncode == 1
    ids = {d["id"] for c in report(run)["exercises"][0]["checks"] for d in c["diagnoses"]}
    assert ids == {"wrong-derivative-log"}, ids


def test_log10_is_a_wrong_forward_of_log(tmp_path, grade):
    source = ENGINE.replace("out = Value(math.log(self.data), (self,), \"log\")",
                            "out = Value(math.log10(self.data), (self,), \"log\")")
    assert source != ENGINE
    run = grade("--format", "json", course(tmp_path / "log10", LOG_COURSE, source))
    ids = {d["id"] for c in report(run)["exercises"][0]["checks"] for d in c["diagnoses"]}
    assert "wrong-forward-log" in ids and run.returncode == 1, ids


def test_a_sigmoid_derivative_from_the_input_is_named(tmp_path, grade):
    marker = LOG_COURSE.replace("log]", "sigmoid]")
    source = ENGINE.replace("self.grad += s * (1 - s) * out.grad",
                            "self.grad += self.data * (1 - self.data) * out.grad")
    assert source != ENGINE
    run = grade("--format", "json", course(tmp_path / "sig", marker, source))
    ids = {d["id"] for c in report(run)["exercises"][0]["checks"] for d in c["diagnoses"]}
    assert ids == {"wrong-derivative-sigmoid"}, ids


@pytest.mark.parametrize("marker, key, suggestion", [
    ("exercize: 04_engine\n", "exercize", "'exercise'"),
    ("exercise: 04_engin\n", "exercise", "'04_engine'"),
    ("exercise: c\nextends: 04_engine\nremove_check: [deep-chain]\n", "remove_check", "'remove_checks'"),
    ("exercise: c\nextends: 04_engine\nremove_checks: [deep-chian]\n", "remove_checks", "'deep-chain'"),
    ("exercise: c\nextends: 04_engine\nchecks: [{name: reuze, points: 3}]\n", "checks[0]", "'reuse'"),
    ("exercise: c\nextends: 04_engine\nchecks: [{name: reuse, exampels: 3}]\n", "checks[0].exampels", "'examples'"),
    ("exercise: c\nextends: 04_engine\nops: [add, tanhh]\n", "ops", "'tanh'"),
    ("exercise: c\nextends: 04_engine\nchecks: [{name: lecture-reuse, graphs: [self-ad]}]\n",
     "graphs", "'self-add'"),
    ("exercise: c\nextends: 04_enigne\n", "extends", "'04_engine'"),
    ("exercise: c\nextends: 04_engine\nchecks: [{name: reuse, visibility: hiden}]\n", "visibility", "'hidden'"),
    ("exercise: c\nextends: 04_engine\nweights: {tahn: 2}\n", "weights.tahn", "'tanh'"),
])
def test_a_typo_exits_2_naming_the_key_and_a_suggestion(tmp_path, grade, marker, key, suggestion):
    folder = course(tmp_path / "typo", marker, ENGINE)
    run = grade(folder)
    assert run.returncode == 2, run.stdout + run.stderr
    assert "micrograde.yaml" in run.stderr and key in run.stderr and f"did you mean {suggestion}" in run.stderr, \
        run.stderr
    assert "Traceback" not in run.stderr


def test_a_plain_marker_with_a_check_key_is_refused(tmp_path, grade):
    run = grade(course(tmp_path / "plain", "exercise: 04_engine\nexamples: 5\n", ENGINE))
    assert run.returncode == 2 and "examples" in run.stderr and "checks:" in run.stderr, run.stderr


def test_a_fixed_graph_outside_the_ops_is_a_rubric_error(tmp_path, grade):
    marker = "exercise: c\nextends: 04_engine\nops: [add, sub, mul, div, neg, pow, relu]\n"
    run = grade(course(tmp_path / "scope", marker, ENGINE))
    assert run.returncode == 2
    assert "'lecture-reuse'" in run.stderr and "'shared-tanh'" in run.stderr and "'tanh'" in run.stderr, run.stderr


def test_a_rubric_the_reference_fails_is_a_rubric_error_naming_the_check(tmp_path, grade):
    marker = "exercise: c\nextends: 04_engine\nchecks: [{name: fan-out, seconds: 0.01}]\n"
    folder = course(tmp_path / "broken", marker, ENGINE)
    for args in ((folder,), ("--reference", folder)):
        run = grade(*args)
        assert run.returncode == 2, run.stdout + run.stderr
        assert "checks.fan-out" in run.stderr and "reference solution fails" in run.stderr, run.stderr


def test_a_rubric_without_extends_must_be_complete(tmp_path, grade):
    run = grade(course(tmp_path / "incomplete", "exercise: mine\nops: [add]\n", ENGINE))
    assert run.returncode == 2 and "extends: 04_engine" in run.stderr, run.stderr
    complete = (REPO / "graders" / "03_reuse.yaml").read_text(encoding="utf-8").replace(
        "exercise: 03_reuse", "exercise: my_reuse")
    run = grade("--format", "json", course(tmp_path / "complete", complete, ENGINE))
    assert run.returncode == 0 and report(run)["exercises"][0]["name"] == "my_reuse"


def test_exercise_option_takes_a_rubric_file(tmp_path, grade):
    rubric = tmp_path / "rubrics" / "repository.yaml"
    rubric.parent.mkdir()
    rubric.write_text(REPOSITORY_COURSE, encoding="utf-8")
    submission = tmp_path / "student.py"
    submission.write_text((COURSES / "micrograd_engine_no_exp_tanh.py").read_text(encoding="utf-8"))
    run = grade("--exercise", rubric, "--format", "json", submission)
    assert run.returncode == 0 and report(run)["exercises"][0]["name"] == "micrograd_repository", run.stderr


def test_extends_a_path_relative_to_the_marker(tmp_path, grade):
    (tmp_path / "course.yaml").write_text(REPOSITORY_COURSE, encoding="utf-8")
    marker = "exercise: week3\nextends: ../course.yaml\nchecks: [{name: reuse, points: 10}]\n"
    run = grade("--format", "json", course(tmp_path / "week3", marker, COURSES / "micrograd_engine_no_exp_tanh.py"))
    assert run.returncode == 0 and report(run)["exercises"][0]["max_score"] == 21, run.stderr


HIDDEN = """\
exercise: hidden_demo
extends: 03_reuse
checks:
  - name: reuse
    visibility: hidden
"""


def test_hidden_checks_in_every_format(tmp_path, grade):
    folder = course(tmp_path / "hidden", HIDDEN, CORPUS / "buggy" / "assign_grad.py")
    text = grade(folder).stdout
    assert "1 hidden check (4 points)" in text and "reuse " not in text.replace("lecture-reuse", ""), text
    markdown = grade("--format", "markdown", folder).stdout
    assert "1 hidden" in markdown and "| reuse |" not in markdown, markdown
    github = json.loads(grade("--format", "github", folder).stdout)
    assert all(not t["name"].endswith(": reuse") for t in github["tests"])
    assert github["max_score"] == 6 and any("hidden" in t["name"] for t in github["tests"])
    gradescope = json.loads(grade("--format", "gradescope", folder).stdout)
    by_name = {t["name"]: t for t in gradescope["tests"]}
    assert by_name["hidden_demo: reuse"]["visibility"] == "hidden"
    assert by_name["hidden_demo: trees"]["visibility"] == "visible"
    assert "1 hidden check (4 points)" in gradescope["output"]
    full = json.loads(grade("--format", "json", folder).stdout)   # the instructor's view: everything
    reuse = checks_by_exercise(full)["hidden_demo"]["reuse"]
    assert reuse["visibility"] == "hidden" and not reuse["passed"] and reuse["diagnoses"]


def test_the_scaffold_round_trip(tmp_path, grade):
    init = grade("init", "exercise", tmp_path / "week4", "--extends", "04_engine")
    assert init.returncode == 0, init.stderr
    folder = tmp_path / "week4"
    assert {p.name for p in folder.iterdir()} == {"micrograde.yaml", "value.py", "README.md"}
    assert "#   - name: deep-chain" in (folder / "micrograde.yaml").read_text()
    stub = grade("--format", "json", folder)
    assert stub.returncode == 1
    for check in report(stub)["exercises"][0]["checks"]:
        if not check["passed"]:   # fan-out passes on a stub only if nothing runs: it must not
            assert {d["id"] for d in check["diagnoses"]} == {"not-implemented"}, check
    assert not any(c["passed"] for c in report(stub)["exercises"][0]["checks"])
    reference = grade("--reference", "--format", "json", folder)
    assert reference.returncode == 0, reference.stdout[-2000:] + reference.stderr


def test_the_readme_lecture_course_gives_the_lecture_engine_full_marks(tmp_path, grade):
    """The README's worked example, as written there: the lecture's Value (no relu, no
    reflected - and /, a recursive sort) gets full marks on it."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    marker = readme.split("### A course that teaches the lecture")[1].split("```yaml\n")[1].split("```")[0]
    run = grade("--format", "json", course(tmp_path / "lecture", marker, COURSES / "lecture_no_relu_rsub_rdiv.py"))
    assert run.returncode == 0, run.stdout[-3000:]


def test_the_gradescope_bundle_carries_the_course_rubric(tmp_path, grade):
    folder = course(tmp_path / "repo", REPOSITORY_COURSE)
    run = grade("init", "gradescope", "--exercise", folder, "--install", "micrograde", "--dir", tmp_path / "bundle")
    assert run.returncode == 0, run.stderr
    bundled = tmp_path / "bundle" / "micrograde-rubric.yaml"
    assert "deep-chain" not in bundled.read_text() and "extends" not in bundled.read_text()
    assert '"$ROOT/source/micrograde-rubric.yaml"' in (tmp_path / "bundle" / "run_autograder").read_text()
    # the bundled file is a complete rubric: it grades as the folder does
    student = tmp_path / "student.py"
    student.write_text((COURSES / "micrograd_engine_no_exp_tanh.py").read_text(encoding="utf-8"))
    graded = grade("--exercise", bundled, "--format", "json", student)
    assert graded.returncode == 0 and report(graded)["exercises"][0]["max_score"] == 17, graded.stderr

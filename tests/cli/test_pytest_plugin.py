"""The pytest plugin, through a real ``pytest`` process found by its ``pytest11`` entry point.

Each test builds a small project in a temporary folder and runs ``python -m
pytest`` there (so the plugin is loaded from the installed metadata, not from
this repository's files), then reads the exit status, the output and the
JUnit XML that pytest itself writes.
"""
from __future__ import annotations

import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import yaml

from support import EXERCISES, HOSTILE, REFERENCE, REPO, make_exercise, make_exercises, overwrite_in_add

TIMEOUT = 300


def pytest_run(*args, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:randomly",
                           *map(str, args)], cwd=cwd, capture_output=True, text=True, timeout=TIMEOUT,
                          stdin=subprocess.DEVNULL)


def rubric_checks(exercise: str) -> list:
    data = yaml.safe_load((REPO / "graders" / f"{exercise}.yaml").read_text(encoding="utf-8"))
    return [(c["name"], c["points"]) for c in data["checks"]]


def test_the_plugin_is_registered_as_a_pytest11_entry_point(tmp_path):
    # Read from another folder, so the installed metadata answers (not a build folder here).
    found = subprocess.run([sys.executable, "-c", "from importlib.metadata import entry_points; "
                            "print([e.value for e in entry_points(group='pytest11') if e.name == 'micrograde'])"],
                           cwd=tmp_path, capture_output=True, text=True)
    assert found.stdout.strip() == "['harness.classroom.pytest_plugin']", \
        "the pytest11 entry point is missing: reinstall with `python -m pip install -e .`"


def test_reference_solutions_pass_every_check_with_points_in_the_report(tmp_path):
    make_exercises(tmp_path / "exercises", REFERENCE)
    done = pytest_run("exercises", "--junitxml", tmp_path / "out.xml", cwd=tmp_path)
    assert done.returncode == 0, done.stdout[-3000:]
    cases = ET.parse(tmp_path / "out.xml").getroot().findall(".//testcase")
    expected = {(name, points) for ex in EXERCISES for name, points in rubric_checks(ex)}
    assert len(cases) == sum(len(rubric_checks(ex)) for ex in EXERCISES)
    seen = set()
    for case in cases:
        props = {p.get("name"): p.get("value") for p in case.iter("property")}
        assert props["score"] == props["points"]          # full marks on every item
        seen.add((case.get("name"), float(props["points"])))
    assert seen == {(n, float(p)) for n, p in expected}


def test_a_buggy_engine_fails_with_the_diagnosis_as_the_failure_text(tmp_path):
    make_exercise(tmp_path / "exercises" / "04_engine", "04_engine", overwrite_in_add())
    spy = tmp_path / "conftest.py"   # counts how often an exercise is graded
    spy.write_text(
        "import harness.grading.run as g\n"
        "calls = []\n"
        "_real = g.grade_exercise\n"
        "def counting(*a, **k):\n"
        "    calls.append(1)\n"
        "    return _real(*a, **k)\n"
        "g.grade_exercise = counting\n"
        "def pytest_sessionfinish(session):\n"
        "    open('graded.txt', 'w').write(str(len(calls)))\n")
    done = pytest_run("exercises", "-rf", cwd=tmp_path)
    assert done.returncode == 1, done.stdout[-3000:]
    assert "grad-overwrite" in done.stdout
    assert "Smallest failing example" in done.stdout and "expected 2.0, got 1.0" in done.stdout
    counts = re.search(r"(\d+) failed, (\d+) passed", done.stdout)
    assert counts and int(counts[1]) >= 1 and int(counts[1]) + int(counts[2]) == len(rubric_checks("04_engine"))
    assert (tmp_path / "graded.txt").read_text() == "1"   # once for its six items


def test_a_submission_that_kills_its_process_fails_its_items_not_pytest(tmp_path):
    make_exercise(tmp_path / "ex", "04_engine", HOSTILE / "os_exit_at_import.py")
    done = pytest_run("ex", cwd=tmp_path)
    assert done.returncode == 1
    assert f"{len(rubric_checks('04_engine'))} failed" in done.stdout   # pytest itself lived to say so


def project_with_its_own_suite(root: Path) -> Path:
    """A project whose tests/ holds exercise folders as fixtures, one of them right under tests/."""
    (root / "pyproject.toml").write_text('[tool.pytest.ini_options]\ntestpaths = ["tests"]\n')
    (root / "tests").mkdir()
    (root / "tests" / "test_own.py").write_text("def test_own():\n    assert 1 + 1 == 2\n")
    make_exercise(root / "tests" / "fixture_engine", "04_engine", overwrite_in_add())
    make_exercise(root / "tests" / "fixtures" / "deeper", "04_engine", overwrite_in_add())
    return root


def test_the_projects_own_suite_is_left_alone(tmp_path):
    root = project_with_its_own_suite(tmp_path)
    for args in ((), ("tests",)):
        done = pytest_run(*args, cwd=root)
        assert done.returncode == 0, done.stdout[-3000:]
        assert "1 passed" in done.stdout and "micrograde.yaml" not in done.stdout


def test_an_exercise_folder_named_on_the_command_line_is_collected(tmp_path):
    root = project_with_its_own_suite(tmp_path)
    done = pytest_run("--collect-only", "-q", "tests/fixture_engine", cwd=root)
    items = [line for line in done.stdout.splitlines() if "micrograde.yaml::" in line]
    assert [line.split("::")[1] for line in items] == [name for name, _ in rubric_checks("04_engine")]

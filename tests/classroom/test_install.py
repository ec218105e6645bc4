"""A wheel install grades like an editable one (issue 10): built, installed in a clean venv, graded.

Slow (a wheel build and a venv with the dependencies from the registry): marked
``install`` so that CI selects it with ``-m install``; skipped where the
dependencies cannot be installed.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from support import REPO

ROOT = REPO
LEARNERS = ROOT / "tests" / "corpus" / "learners"
pytestmark = [pytest.mark.install, pytest.mark.slow]


@pytest.fixture(scope="module")
def wheel_venv(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("wheel")
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(base), str(ROOT)],
                           capture_output=True, text=True)
    if built.returncode != 0:
        pytest.skip(f"cannot build a wheel here: {built.stderr[-500:]}")
    (wheel,) = base.glob("*.whl")
    venv = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    installed = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", str(wheel), "numpy"],
                               capture_output=True, text=True)
    if installed.returncode != 0:
        pytest.skip(f"cannot install the wheel's dependencies here: {installed.stderr[-500:]}")
    return venv


def grade(venv: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(venv / "bin" / "grade"), *args], capture_output=True, text=True, cwd=cwd,
                          timeout=300)


def exercise(tmp: Path, name: str, files: dict) -> Path:
    folder = tmp / name
    folder.mkdir()
    for target, source in files.items():
        (folder / target).write_bytes(source.read_bytes())
    (folder / "micrograde.yaml").write_text("exercise: 04_engine\n")
    return folder


def test_the_reference_gets_full_marks_through_the_wheel(wheel_venv, tmp_path):
    run = grade(wheel_venv, "--reference", str(ROOT / "exercises"), cwd=tmp_path)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]


@pytest.mark.parametrize("source", ["engines/numpy_tanh_exp.py", "encodings/value_bom.py",
                                    "encodings/value_latin1_coding_line.py", "encodings/value_crlf.py"])
def test_an_engine_grades_the_same_through_the_wheel(wheel_venv, tmp_path, source):
    folder = exercise(tmp_path, "04_engine", {"value.py": LEARNERS / source})
    wheel = grade(wheel_venv, "--format", "json", str(folder), cwd=tmp_path)
    editable = subprocess.run([str(Path(sys.executable).with_name("grade")), "--format", "json", str(folder)],
                              capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert "No module named" not in wheel.stdout + wheel.stderr, wheel.stdout[-2000:]
    w, e = json.loads(wheel.stdout)["exercises"][0], json.loads(editable.stdout)["exercises"][0]
    assert not any(c["diagnoses"] and c["diagnoses"][0]["id"] == "import-error" for c in w["checks"]), w
    if "numpy" in source:
        pytest.importorskip("numpy", reason="the editable install to compare with has no numpy")
    assert (w["score"], [c["diagnoses"] and c["diagnoses"][0]["id"] for c in w["checks"]], w["warnings"]) == \
        (e["score"], [c["diagnoses"] and c["diagnoses"][0]["id"] for c in e["checks"]], e["warnings"])


def test_a_notebook_grades_the_same_through_the_wheel(wheel_venv, tmp_path):
    folder = exercise(tmp_path, "04_engine", {"value.ipynb": LEARNERS / "notebooks/lecture_lab_book.ipynb"})
    run = grade(wheel_venv, "--format", "json", str(folder), cwd=tmp_path)
    report = json.loads(run.stdout)["exercises"][0]
    assert report["score"] > 0 and not any(c["diagnoses"] and c["diagnoses"][0]["id"] == "import-error"
                                           for c in report["checks"]), run.stdout[-2000:]


def test_only_harness_reference_is_importable_from_the_wheel(wheel_venv, tmp_path):
    python = str(wheel_venv / "bin" / "python")
    assert subprocess.run([python, "-c", "import reference"], cwd=tmp_path, capture_output=True).returncode != 0
    assert subprocess.run([python, "-c", "import harness.reference.engine"], cwd=tmp_path).returncode == 0
    secrets = subprocess.run([python, "-c", "from harness.sandbox import layers; print(layers._secret_paths())"],
                             cwd=tmp_path, capture_output=True, text=True)
    assert "site-packages/harness/reference" in secrets.stdout and "harness/graders" in secrets.stdout, secrets


def test_a_package_installed_beside_the_grader_changes_no_number(wheel_venv, tmp_path):
    """An assigning engine's wrong numbers follow the order in which a ``set`` of Values
    iterates, that is where its objects land in the worker's memory. Python keeps a listing
    of each folder it imports from: the worker once imported the grader from site-packages,
    so installing anything else there moved the student's objects and changed the numbers
    (and a wheel build in the repository did the same to an editable install, mid-suite), and
    site.py's listing of site-packages at start-up did too: the worker starts with -S."""
    folder = exercise(tmp_path, "04_engine", {"value.py": ROOT / "tests" / "corpus" / "buggy" / "assign_grad.py"})

    def report() -> dict:
        run = grade(wheel_venv, "--format", "json", "--seed", "7", "--examples", "30", str(folder), cwd=tmp_path)
        assert run.returncode == 1, run.stdout[-2000:] + run.stderr[-2000:]
        return {c["name"]: [d["example"] for d in c["diagnoses"]]
                for c in json.loads(run.stdout)["exercises"][0]["checks"]}

    before = report()
    purelib = subprocess.run([str(wheel_venv / "bin" / "python"), "-c",
                              "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             capture_output=True, text=True, check=True).stdout.strip()
    added = []
    try:
        for n in range(1, 5):   # one more each time: whatever the heap's sizes, some count moved it
            added.append(Path(purelib) / f"unrelated_package_{n}")
            added[-1].mkdir()
            assert report() == before, f"with {n} more package(s) in {purelib}"
    finally:
        for folder in added:
            folder.rmdir()

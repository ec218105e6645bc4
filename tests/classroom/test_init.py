"""``grade init``: the generated setups, run end to end in folders laid out like the platforms.

Gradescope: the bundle's zip is unpacked into ``ROOT/source`` as Gradescope
does, ``setup.sh`` runs (it builds its own virtual environment and installs
the bundled wheel; ``PIP_NO_INDEX=1`` proves nothing is downloaded: the
dependencies come from this interpreter's site-packages), then
``run_autograder`` grades ``ROOT/submission`` for several submissions, broken
ones included, and must always leave a valid ``ROOT/results/results.json``.

GitHub Classroom: the workflow's own steps run under bash with the variables
Actions sets (``GITHUB_OUTPUT``, ``GITHUB_STEP_SUMMARY``), and the reporter's
reading of the step output is replayed (``test_formats.reporter``).
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest
import yaml

from support import REFERENCE, make_exercise, overwrite_in_add, run_grade
from platform_shapes import reporter, strict_json, validate_github, validate_gradescope

pytestmark = pytest.mark.slow   # see the slow marker in pyproject.toml

SETUP_TIMEOUT = 300


@pytest.fixture(scope="module")
def gradescope(tmp_path_factory) -> Path:
    """An autograder root after Gradescope's build: source unpacked, setup.sh run."""
    work = tmp_path_factory.mktemp("gradescope")
    run = run_grade("init", "gradescope", "--exercise", "04_engine", "--dir", work / "bundle", "--zip", cwd=work)
    assert run.returncode == 0, run.stderr
    root = work / "autograder"
    names = _built_like_gradescope(work / "bundle.zip", root)
    assert {"setup.sh", "run_autograder"} <= set(names) and all("/" not in n for n in names)
    return root


def _built_like_gradescope(bundle: Path, root: Path) -> list:
    """What Gradescope's image build does with the bundle: unzip into ``root/source``, run
    setup.sh, put run_autograder at the root. Returns the bundle's member names."""
    with zipfile.ZipFile(bundle) as z:
        names = z.namelist()
        z.extractall(root / "source")
    for name in ("setup.sh", "run_autograder"):   # zipfile drops the mode; Gradescope keeps it
        (root / "source" / name).chmod(0o755)
    _preinstalled_dependencies(root / "micrograde-venv")
    done = subprocess.run(["bash", str(root / "source" / "setup.sh")], env=_env(root), capture_output=True,
                          text=True, timeout=SETUP_TIMEOUT)
    assert done.returncode == 0, done.stdout + done.stderr
    shutil.copy(root / "source" / "run_autograder", root / "run_autograder")
    return names


def _preinstalled_dependencies(venv: Path, own_pip: bool = False) -> None:
    """Stand in for an image whose pip can download: this interpreter's packages, visible to the venv.

    setup.sh makes its venv with --system-site-packages, which sees the *base*
    interpreter's packages; when the tests run in a virtual environment (as CI
    does), the grader's dependencies are not there. A .pth file in the venv
    (setup.sh keeps an existing venv's files) lists this environment's
    site-packages after the venv's own, so pip finds them installed and
    downloads nothing, and the venv's own copy of the grader still comes first.
    """
    # Gradescope's venv gets no pip here (2.5 s of ensurepip): setup.sh runs venv again, which adds it.
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)]
                   + ([] if own_pip else ["--without-pip"]), check=True)
    site = subprocess.run([str(venv / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    (Path(site) / "micrograde-test-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")


def _env(root: Path, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    env.update(MICROGRADE_AUTOGRADER_ROOT=str(root), MICROGRADE_PYTHON=sys.executable,
               MICROGRADE_SKIP_APT="1", PIP_NO_INDEX="1", **extra)
    return env


def run_autograder(root: Path, files: dict) -> dict:
    """Put ``files`` in ROOT/submission, run run_autograder, return results.json."""
    submission = root / "submission"
    shutil.rmtree(submission, ignore_errors=True)
    submission.mkdir(parents=True)
    for name, text in files.items():
        (submission / name).parent.mkdir(parents=True, exist_ok=True)
        (submission / name).write_text(text, encoding="utf-8")
    results = root / "results" / "results.json"
    results.unlink(missing_ok=True)
    done = subprocess.run([str(root / "run_autograder")], cwd=root, env=_env(root), capture_output=True,
                          text=True, timeout=SETUP_TIMEOUT)
    assert done.returncode == 0, done.stderr
    assert results.is_file(), f"run_autograder left no results.json\n{done.stdout}\n{done.stderr}"
    doc = strict_json(results.read_text(encoding="utf-8"))
    assert validate_gradescope(doc) == []
    return doc


def test_the_bundled_grader_is_installed_in_its_own_environment(gradescope):
    grade = gradescope / "micrograde-venv" / "bin" / "grade"
    assert grade.is_file()
    where = subprocess.run([str(gradescope / "micrograde-venv" / "bin" / "python"), "-c",
                            "import harness; print(harness.__file__)"], cwd=gradescope,
                           capture_output=True, text=True)
    assert str(gradescope / "micrograde-venv") in where.stdout   # not the developer's copy


def test_gradescope_grades_a_correct_submission_with_full_marks(gradescope):
    doc = run_autograder(gradescope, {"value.py": REFERENCE.read_text(encoding="utf-8")})
    assert doc["score"] == 20 and doc["tests"]
    assert all(t["status"] == "passed" for t in doc["tests"])


def test_gradescope_names_the_misconception_of_a_buggy_submission(gradescope):
    doc = run_autograder(gradescope, {"value.py": overwrite_in_add()})
    assert 0 < doc["score"] < 20
    failed = [t for t in doc["tests"] if t["status"] == "failed"]
    assert failed and all("grad-overwrite" in t["output"] for t in failed)


def test_gradescope_finds_the_file_in_a_folder_the_student_uploaded(gradescope):
    doc = run_autograder(gradescope, {"my-engine/value.py": REFERENCE.read_text(encoding="utf-8")})
    assert doc["score"] == 20


@pytest.mark.parametrize("files, says", [
    ({"value.py": "class Value:\n    def __init__(self, data)\n"}, "SyntaxError"),
    ({}, "empty folder: submission holds no files; submit the exercise's file value.py"),
    ({"notes.txt": "I could not do it"}, "it holds: notes.txt"),
])
def test_gradescope_always_writes_results_for_a_broken_submission(gradescope, files, says):
    doc = run_autograder(gradescope, files)
    assert doc["score"] == 0
    assert doc["tests"] and all(t["status"] == "failed" for t in doc["tests"])
    assert says in doc["tests"][0]["output"]


def test_gradescope_writes_results_even_when_the_grader_is_missing(gradescope, tmp_path):
    root = tmp_path / "autograder"   # run_autograder without setup.sh having run
    root.mkdir()
    shutil.copy(gradescope / "run_autograder", root / "run_autograder")
    doc = run_autograder(root, {"value.py": REFERENCE.read_text(encoding="utf-8")})
    assert doc["score"] == 0 and "not installed" in doc["output"]
    assert doc["extra_data"]["micrograde"]["exit_status"] == 127


def test_init_refuses_to_overwrite_and_names_unknown_exercises(tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "setup.sh").write_text("mine\n")
    run = run_grade("init", "gradescope", "--exercise", "04_engine", "--install", "micrograde",
                    "--dir", tmp_path / "b", cwd=tmp_path)
    assert run.returncode == 2 and "--force" in run.stderr
    assert (tmp_path / "b" / "setup.sh").read_text() == "mine\n"
    run = run_grade("init", "gradescope", "--exercise", "05_nope", "--install", "x", "--dir", tmp_path / "c",
                    cwd=tmp_path)
    assert run.returncode == 2 and "04_engine" in run.stderr


# -- GitHub Classroom -------------------------------------------------------------
def workflow(tmp_path: Path, install: str) -> dict:
    tmp_path.mkdir(parents=True, exist_ok=True)
    run = run_grade("init", "github", "--install", install, "--dir", tmp_path, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    return yaml.safe_load((tmp_path / ".github" / "workflows" / "classroom.yml").read_text())


def run_step(step: dict, repo: Path, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", "-e", "-c", step["run"]], cwd=repo, env=env, capture_output=True,
                          text=True, timeout=SETUP_TIMEOUT)


def test_github_workflow_is_what_classroom_expects(tmp_path):
    flow = workflow(tmp_path, "git+https://example.org/micrograde@v1")
    job = flow["jobs"]["run-autograding-tests"]
    assert flow["permissions"] == {"checks": "write", "actions": "read", "contents": "read"}
    assert job["if"] == "github.actor != 'github-classroom[bot]'"
    steps = {s.get("id", s["name"]): s for s in job["steps"]}
    report = next(s for s in job["steps"] if "autograding-grading-reporter" in s.get("uses", ""))
    runners = report["with"]["runners"].split(",")
    for runner in runners:   # the reporter reads <ID>_RESULTS for each runner id
        assert runner in steps
        assert report["env"][f"{runner.upper()}_RESULTS"] == f"${{{{ steps.{runner}.outputs.result }}}}"
    assert "git+https://example.org/micrograde@v1" in steps["Install micrograde"]["run"]


@pytest.mark.parametrize("engine, full", [("buggy", False), ("missing", None)])
def test_github_steps_run_and_the_reporter_adds_up_the_points(gradescope, tmp_path, engine, full):
    venv_bin = gradescope / "micrograde-venv" / "bin"
    wheel = next((gradescope / "source").glob("micrograde-*.whl"))
    flow = workflow(tmp_path / "repo", str(wheel))
    steps = {s.get("id", s["name"]): s for s in flow["jobs"]["run-autograding-tests"]["steps"]}
    repo = tmp_path / "repo"
    if engine != "missing":
        text = REFERENCE.read_text(encoding="utf-8")
        make_exercise(repo / "exercises" / "04_engine", "04_engine",
                      text if engine == "correct" else overwrite_in_add())
    output, summary = tmp_path / "output", tmp_path / "summary"
    env = _env(gradescope, GITHUB_OUTPUT=str(output), GITHUB_STEP_SUMMARY=str(summary),
               PATH=f"{venv_bin}{os.pathsep}{os.environ['PATH']}")
    for name in ("Install micrograde", "micrograde"):
        done = run_step(steps[name], repo, env)
        assert done.returncode == 0, f"step {name}: {done.stdout}\n{done.stderr}"
    outputs = dict(line.split("=", 1) for line in output.read_text().splitlines())
    points, maximum, job_fails = reporter("micrograde", {"MICROGRADE_RESULTS": outputs["result"]})
    import base64
    doc = json.loads(base64.b64decode(outputs["result"]))
    assert validate_github(doc) == []
    if full is None:   # nothing to grade: an error result, the job fails, no points are sent
        assert doc["status"] == "error" and job_fails and maximum == 0
        return
    assert maximum == 20 and (points == 20) == full and job_fails == (not full)
    assert "| 04\\_engine |" in summary.read_text()   # the Markdown summary on the run's page


# -- a plain install: no source tree, an old setuptools, no network -------------------------
def test_a_plain_install_builds_a_bundle_that_grades_offline(gradescope, tmp_path):
    """The wheel in the bundle, installed alone into a fresh venv, builds the next bundle itself."""
    venv = tmp_path / "plain-venv"
    _preinstalled_dependencies(venv, own_pip=True)   # a fresh venv: Python's own pip and setuptools (65 on 3.11)
    wheel = next((gradescope / "source").glob("micrograde-*.whl"))
    py = venv / "bin" / "python"
    done = subprocess.run([str(py), "-m", "pip", "install", "--quiet", "--no-deps", str(wheel)], env=_env(tmp_path),
                          capture_output=True, text=True, timeout=SETUP_TIMEOUT)
    assert done.returncode == 0, done.stderr
    where = subprocess.run([str(py), "-c", "import harness; print(harness.__file__)"], cwd=tmp_path,
                           capture_output=True, text=True).stdout
    assert str(venv) in where and not (Path(where).parents[1] / "pyproject.toml").exists()
    work = tmp_path / "instructor"
    work.mkdir()
    made = subprocess.run([str(venv / "bin" / "grade"), "init", "gradescope", "--exercise", "03_reuse", "--zip"],
                          cwd=work, env=_env(tmp_path), capture_output=True, text=True, timeout=SETUP_TIMEOUT)
    assert made.returncode == 0, made.stderr
    root = tmp_path / "autograder"
    names = _built_like_gradescope(work / "gradescope-autograder.zip", root)
    assert any(n.endswith(".whl") for n in names)
    doc = run_autograder(root, {"value.py": REFERENCE.read_text(encoding="utf-8")})
    assert doc["score"] == 10 and all(t["status"] == "passed" for t in doc["tests"])
    doc = run_autograder(root, {"value.py": overwrite_in_add()})
    assert doc["score"] < 10 and "grad-overwrite" in json.dumps(doc)


def test_the_bundle_installs_bubblewrap_and_numpy_and_follows_the_umask(tmp_path):
    run = run_grade("init", "gradescope", "--exercise", "04_engine", "--dir", tmp_path / "b", "--zip", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    setup = (tmp_path / "b" / "setup.sh").read_text()
    assert "apt-get install -y -qq bubblewrap" in setup and "pip install --quiet numpy" in setup
    modes = {p.name: p.stat().st_mode & 0o777 for p in [*(tmp_path / "b").iterdir(), tmp_path / "b.zip"]}
    assert modes.pop("setup.sh") == modes.pop("run_autograder") == 0o755   # the tests run under umask 022
    assert set(modes.values()) == {0o644}, modes


def test_a_failed_init_leaves_nothing_half_made(tmp_path):
    (tmp_path / "b.zip").mkdir()           # the zip cannot be written: found before anything is made
    run = run_grade("init", "gradescope", "--exercise", "04_engine", "--dir", tmp_path / "b", "--zip", "--force",
                    cwd=tmp_path)
    assert run.returncode == 2 and "b.zip exists and is not a file" in run.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b.zip"]


def test_github_init_refuses_the_readmes_placeholder(tmp_path):
    run = run_grade("init", "github", "--install", "git+https://github.com/YOU/micrograde@v0.1.0",
                    "--dir", tmp_path, cwd=tmp_path)
    assert run.returncode == 2 and "placeholder YOU" in run.stderr and "Traceback" not in run.stderr
    assert not (tmp_path / ".github").exists()


def test_github_workflow_installs_bubblewrap_with_the_apparmor_switch_and_numpy(tmp_path):
    flow = workflow(tmp_path, "micrograde==0.1.0")
    steps = {s["name"]: s.get("run", "") for s in flow["jobs"]["run-autograding-tests"]["steps"]}
    assert "apt-get install -y -qq bubblewrap" in steps["Install bubblewrap"]
    assert "sysctl -w kernel.apparmor_restrict_unprivileged_userns=0" in steps["Install bubblewrap"]
    assert "pip install numpy" in steps["Install micrograde"]
    assert (tmp_path / ".github" / "workflows" / "classroom.yml").stat().st_mode & 0o777 == 0o644

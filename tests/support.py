"""Helpers for the tests: run the real ``grade`` command and build exercise folders.

Tests grade real files through the installed console script, in a subprocess,
from a temporary working directory (so nothing is written into the repository).
"""
from __future__ import annotations

import fcntl
import hashlib
import json
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
TESTS = Path(__file__).resolve().parent
CORPUS = TESTS / "corpus"      # engines and notebooks, named after what they show
HOSTILE = TESTS / "hostile"    # submissions that attack the grader
REFERENCE = REPO / "reference" / "engine.py"   # the trusted engine, a correct submission
EXERCISES = ("01_forward", "02_backward", "03_reuse", "04_engine")   # the engine (value.py only)
ALL_EXERCISES = EXERCISES + ("05_nn",)                                 # and the net on it (nn.py too)
# Wall-clock cap for one ``grade`` run in a test: far above the rubrics' own
# limits, so it only fires when the grader itself hangs.
GRADE_TIMEOUT = 300


def grade_command() -> list:
    """The ``grade`` console script installed next to this interpreter."""
    beside = Path(sys.executable).with_name("grade")
    if beside.is_file():
        return [str(beside)]
    found = shutil.which("grade")
    if found is None:
        pytest.fail("the `grade` command is not installed: run `python -m pip install -e '.[test]'`")
    return [found]


@dataclass
class GradeRun:
    args: tuple
    returncode: int
    stdout: str
    stderr: str

    @property
    def report(self) -> dict:
        """The JSON report on stdout (the run must have used ``--format json``)."""
        try:
            return json.loads(self.stdout)
        except ValueError:
            pytest.fail(f"`grade {' '.join(self.args)}` did not print JSON "
                        f"(exit {self.returncode}).\nstdout:\n{self.stdout[:2000]}\n"
                        f"stderr:\n{self.stderr[:2000]}")

    def describe(self) -> str:
        """Every failed check with its diagnoses: what an assertion message should show."""
        lines = [f"grade {' '.join(self.args)} -> exit {self.returncode}"]
        try:
            report = json.loads(self.stdout)
        except ValueError:
            return "\n".join(lines + [self.stdout[:2000], self.stderr[:2000]])
        for ex in report["exercises"]:
            lines.append(f"{ex['name']} {ex['score']}/{ex['max_score']}")
            for check in ex["checks"]:
                if not check["passed"]:
                    for d in check["diagnoses"]:
                        lines.append(f"  FAIL {check['name']}: [{d['id']}] {d['message']}")
                        lines.extend("      " + line for line in d["example"].splitlines())
        return "\n".join(lines)


def run_grade(*args, cwd: Path) -> GradeRun:
    """``grade ARGS`` in ``cwd``; no stdin, like CI."""
    proc = subprocess.run(grade_command() + [str(a) for a in args], cwd=cwd,
                          stdin=subprocess.DEVNULL, capture_output=True, text=True,
                          timeout=GRADE_TIMEOUT)
    return GradeRun(tuple(str(a) for a in args), proc.returncode, proc.stdout, proc.stderr)


def overwrite_in_add() -> str:
    """The classic bug, in ``+`` only: its ``_backward`` assigns (``=``) where it must add (``+=``)."""
    text = REFERENCE.read_text(encoding="utf-8")
    return text.replace("self.grad += out.grad", "self.grad = out.grad", 1) \
               .replace("other.grad += out.grad", "other.grad = out.grad", 1)


def make_exercise(folder: Path, exercise: str, source: Path | str | None, limits: dict | None = None) -> Path:
    """An exercise folder anywhere: ``value.py`` (a copy of ``source``, or text) and the marker.

    ``source=None`` leaves ``value.py`` out (a missing submission). ``limits``
    makes the marker a course rubric: the built-in one with those limits.
    """
    folder.mkdir(parents=True, exist_ok=True)
    if limits is None:
        (folder / "micrograde.yaml").write_text(f"exercise: {exercise}\n", encoding="utf-8")
    else:
        course_with_limits(folder / "micrograde.yaml", exercise, **limits)
    if isinstance(source, Path):
        shutil.copyfile(source, folder / "value.py")
    elif isinstance(source, str):
        (folder / "value.py").write_text(source, encoding="utf-8")
    return folder


# A hang waits out its limits: the shipped ones (04_engine: 10 s for the first
# check, 3 s for each later one) are for students; the tests that show how a
# hang is handled wait out these instead, through a course rubric. A busy loop
# also holds a core for that long, which the other test process then lacks.
QUICK_HANGS = {"check_seconds": 2, "hang_seconds": 0.5, "exercise_seconds": 8}
# A submission that is slow, not busy: for the tests that need something still
# running (a progress line, a Ctrl-C) rather than a loop that burns a core.
SLEEPS_AT_IMPORT = "import time\n\ntime.sleep(600)   # a slow import: waits out the time limit\n"


def course_with_limits(path: Path, exercise: str, **limits) -> Path:
    """A course rubric at ``path``: built-in ``exercise`` as it ships, but with ``limits``."""
    text = ", ".join(f"{k}: {v}" for k, v in limits.items())
    path.write_text(f"exercise: {exercise}\nextends: {exercise}\nlimits: {{{text}}}\n", encoding="utf-8")
    return path


def ctrl_c_able(command: list) -> list:
    """``command`` with Ctrl-C restored: a suite started in the background (``pytest &``)
    inherits SIGINT ignored, and so would the ``grade`` it starts, which then could not be stopped."""
    return [sys.executable, "-c", "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); "
            "os.execv(sys.argv[1], sys.argv[1:])", *command]


def make_exercises(root: Path, source: Path | str | None, exercises=EXERCISES) -> Path:
    """One folder per exercise under ``root``, all holding the same submission.

    Folders are not named after the exercise, so the marker is what counts.
    """
    for name in exercises:
        make_exercise(root / f"submission-{name[:2]}", name, source)
    return root


def checks_by_exercise(report: dict) -> dict:
    """{exercise name: {check name: check record}}."""
    return {ex["name"]: {c["name"]: c for c in ex["checks"]} for ex in report["exercises"]}


def skip_without_numpy(source: Path) -> None:
    """Skip a corpus file that imports NumPy where NumPy is not installed (it is optional)."""
    if re.search(r"^(import|from) numpy\b", source.read_text(encoding="utf-8"), re.M):
        pytest.importorskip("numpy")


class SharedGrades:
    """Each (submission, exercise, options) graded once per test session, by whichever test asks first.

    The grading tests read the same engines (the buggy corpus on 04 feeds the
    score table, the diagnosis table and the pasted examples): grading each
    once, through the real ``grade`` command, is most of the suite's time
    saved. Reports are split per exercise and kept as files under ``root``,
    which every pytest-xdist process shares; a lock per submission makes a
    second process wait for the first instead of grading it again. Only runs
    that ended with a report (exit 0 or 1) are kept: anything else is returned
    as it came, for the test to report.
    """

    def __init__(self, root: Path):
        self.root = root
        root.mkdir(parents=True, exist_ok=True)

    def __call__(self, source: Path | str, exercises=("04_engine",), *options: str) -> GradeRun:
        text = source.read_bytes() if isinstance(source, Path) else source.encode("utf-8")
        key = hashlib.sha256(text + repr(options).encode()).hexdigest()[:16]
        home = self.root / key
        home.mkdir(exist_ok=True)
        with open(self.root / f"{key}.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            missing = [e for e in exercises if not (home / f"{e}.json").is_file()]
            if missing:
                folders = home / f"run-{len(list(home.glob('run-*')))}"
                for exercise in missing:
                    make_exercise(folders / exercise, exercise, source)
                run = run_grade("--format", "json", *options, folders, cwd=self.root)
                if run.returncode not in (0, 1):
                    return run
                for record in run.report["exercises"]:
                    (home / f"{record['name']}.json").write_text(json.dumps(record), encoding="utf-8")
        records = [json.loads((home / f"{e}.json").read_text(encoding="utf-8")) for e in exercises]
        failed = any(not c["passed"] for r in records for c in r["checks"])
        report = {"exercises": records, "score": sum(r["score"] for r in records),
                  "max_score": sum(r["max_score"] for r in records)}
        args = ("--format", "json", *options, f"<{key}: {', '.join(exercises)}>")
        return GradeRun(args, 1 if failed else 0, json.dumps(report), "")

"""How fast micrograde grades: the figures the README quotes.

A script, not a test (pytest collects ``test_*.py`` only, and speed is never
asserted in tests): ``python tests/benchmark.py [--runs 5]``. Every figure is
the median of several runs of the real ``grade`` command in a subprocess, so
interpreter start-up and imports are included, as a student would see them.

Each benchmark is one small function returning a ``Figure``; add new ones to
``BENCHMARKS`` (bulk grading, notebooks, ...).
"""
from __future__ import annotations

import argparse
import json
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
CORPUS = TESTS / "corpus"


@dataclass
class Figure:
    name: str
    value: float          # the median
    unit: str             # "s" (lower is better), or a rate such as "graphs/s" (higher is better)
    target: float | None
    runs: list
    cpu: float | None = None   # median CPU seconds of grade and its workers: steadier on a busy machine

    @property
    def met(self) -> bool | None:
        if self.target is None:
            return None
        return self.value <= self.target if self.unit == "s" else self.value >= self.target

    def line(self) -> str:
        shown = f"{self.value:.2f} s" if self.unit == "s" else f"{self.value:,.0f} {self.unit}"
        spread = ", ".join(f"{r:.2f}" if self.unit == "s" else f"{r:,.0f}" for r in self.runs)
        target = ""
        if self.target is not None:
            sign = "<=" if self.unit == "s" else ">="
            target = f"  target {sign} {self.target:g}: {'met' if self.met else 'MISSED'}"
        cpu = f", cpu {self.cpu:.2f} s" if self.cpu is not None else ""
        return f"{self.name:<44} {shown:>16}  (runs: {spread}{cpu}){target}"


def grade_command() -> list:
    beside = Path(sys.executable).with_name("grade")
    return [str(beside)] if beside.is_file() else ["grade"]


def run_grade(args: list, cwd: Path) -> tuple:
    """(wall seconds, CPU seconds, exit status, stdout) of one ``grade`` run.

    CPU time counts ``grade`` and every worker it started and reaped.
    """
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.run(grade_command() + [str(a) for a in args], cwd=cwd, capture_output=True,
                          text=True, stdin=subprocess.DEVNULL)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, proc.returncode, proc.stdout


def exercise_folder(root: Path, exercise: str, source: Path) -> Path:
    folder = root / exercise
    folder.mkdir(parents=True)
    shutil.copyfile(source, folder / "value.py")
    (folder / "micrograde.yaml").write_text(f"exercise: {exercise}\n", encoding="utf-8")
    return folder


def wall_time(name: str, args: list, expect_status: int, runs: int, work: Path, target: float) -> Figure:
    times, cpus = [], []
    for _ in range(runs):
        seconds, cpu, status, stdout = run_grade(args, work)
        if status != expect_status:
            raise SystemExit(f"{name}: grade exited {status}, expected {expect_status}:\n{stdout[:2000]}")
        times.append(seconds)
        cpus.append(cpu)
    return Figure(name, statistics.median(times), "s", target, times, statistics.median(cpus))


# -- the benchmarks --------------------------------------------------------
def reference_run(runs: int, work: Path) -> Figure:
    """``grade --reference`` on exercises 01-04: the instructor's check, must be full marks."""
    return wall_time("grade --reference (01-04)", ["--reference", REPO / "exercises"], 0, runs, work, 2.0)


def failing_submission(runs: int, work: Path) -> Figure:
    """04 with the assignment bug: finds the failures and shrinks them to b = a + a."""
    folder = exercise_folder(work / "assign", "04_engine", CORPUS / "buggy" / "assign_grad.py")
    return wall_time("grade 04 with the assignment bug (shrinking)", [folder], 1, runs, work, 3.0)


def throughput(runs: int, work: Path) -> Figure:
    """Graphs judged per second of check time, on a passing submission of 01-04.

    Counted over generated checks only (the fixed, chain and fan-out checks
    judge a handful of graphs each), from the JSON's ``graphs_checked`` and
    ``timing.seconds``: worker round trips, building with the student's class
    and the reference, and judging are included; start-up is not.
    """
    root = work / "passing"
    for exercise in ("01_forward", "02_backward", "03_reuse", "04_engine"):
        exercise_folder(root, exercise, REPO / "reference" / "engine.py")
    rates = []
    for _ in range(runs):
        _, _, status, stdout = run_grade(["--format", "json", root], work)
        if status != 0:
            raise SystemExit(f"throughput: the reference as a submission did not get full marks:\n{stdout[:2000]}")
        checks = [c for ex in json.loads(stdout)["exercises"] for c in ex["checks"]
                  if c["graphs_checked"] > 50]
        rates.append(sum(c["graphs_checked"] for c in checks) / sum(c["timing"]["seconds"] for c in checks))
    return Figure("graphs checked per second (passing, 01-04)", statistics.median(rates), "graphs/s",
                  2000, rates)


def bulk_class(runs: int, work: Path, size: int = 200, jobs: int = 2) -> Figure:
    """``grade --bulk`` on a generated class of 04 submissions, ``--jobs 2``: submissions per minute.

    The class cycles through the corpora: half correct engines, a third buggy
    ones (each with one misconception, so diagnosis runs), the rest hostile
    (crashes, hangs, floods, forks, forbidden imports). Every submission is a
    distinct file (its number in a comment), so nothing is skipped; each run
    starts from an empty output folder. Checks that every submission has its
    row, then rates the whole run, start-up, class report and all.
    """
    correct = sorted((CORPUS / "correct").glob("*.py"))
    buggy = sorted((CORPUS / "buggy").glob("*.py"))
    hostile = sorted((TESTS / "hostile").glob("*.py"))
    n_buggy, n_hostile = size // 3, size - size // 2 - size // 3
    picks = ([correct[i % len(correct)] for i in range(size - n_buggy - n_hostile)]
             + [buggy[i % len(buggy)] for i in range(n_buggy)] + [hostile[i % len(hostile)] for i in range(n_hostile)])
    subs = work / "class"
    subs.mkdir()
    for i, source in enumerate(picks):
        (subs / f"s{i:03d}-{source.stem}.py").write_text(
            source.read_text(encoding="utf-8") + f"\n# submission {i}\n", encoding="utf-8")
    rates = []
    for run in range(min(runs, 1)):   # one run: 200 submissions are samples enough, and it takes minutes
        out = work / f"out{run}"
        seconds, _, status, stdout = run_grade(["--bulk", subs, "--exercise", "04_engine", "--jobs", jobs,
                                                  "--output-dir", out], work)
        rows = (out / "grades.csv").read_text(encoding="utf-8").splitlines()[1:] if status in (0, 3) else []
        if status != 0 or len(rows) != size:
            raise SystemExit(f"bulk: grade exited {status} with {len(rows)} rows for {size} submissions:\n"
                             f"{stdout[:2000]}")
        rates.append(size / seconds * 60)
    # No CPU figure: the pool's processes are the forkserver's children, which getrusage does not see.
    return Figure(f"grade --bulk, {size} mixed submissions, --jobs {jobs}", statistics.median(rates),
                  "submissions/min", 100, rates)


BENCHMARKS = [reference_run, failing_submission, throughput, bulk_class]


def main(argv: list | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per figure; the median is shown (default 5)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="micrograde-bench-"))
    try:
        figures = [bench(args.runs, work) for bench in BENCHMARKS]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if args.json:
        print(json.dumps([{"name": f.name, "median": f.value, "unit": f.unit, "target": f.target,
                           "runs": f.runs, "cpu_seconds": f.cpu} for f in figures], indent=2))
    else:
        print(f"median of {args.runs} runs, {sys.version.split()[0]}")
        for figure in figures:
            print(figure.line())
    return 0


if __name__ == "__main__":
    sys.exit(main())

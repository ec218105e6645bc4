"""How fast micrograde grades: the targets of issue 14, measured, beside the peers.

A script, not a test (pytest collects ``test_*.py`` only, and speed is never
asserted in tests): ``python tests/benchmark.py [--runs 3] [--json FILE]``.
Every figure is the median of several runs of the real ``grade`` command in a
subprocess, so interpreter start-up and imports are included, as a student
would see them.

The peers run in the same benchmark run, on the same machine and engine:
micrograd's own test suite (pytest + PyTorch, ``tests/peers/micrograd_suite.py``)
and Otter-Grader without Docker (``otter run`` on ``tests/peers/otter/``).
They live in a venv under ``~/.cache/micrograde-bench`` (or
$MICROGRADE_BENCH_CACHE), installed from PyPI on the first run and reused;
when they cannot be installed (no network) or run, their rows say why and the
benchmark goes on without them.

Each benchmark is one small function returning a ``Figure``; add new ones to
``BENCHMARKS``.
"""
from __future__ import annotations

import argparse
import functools
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
CORPUS = TESTS / "corpus"
PEERS = TESTS / "peers"
CACHE = Path(os.environ.get("MICROGRADE_BENCH_CACHE", Path.home() / ".cache" / "micrograde-bench"))
CORRECT_04 = CORPUS / "correct" / "kahn_order.py"


class Skip(Exception):
    """A figure that cannot be had on this machine; the message says why."""


@dataclass
class Figure:
    name: str
    value: float | None          # the median; None when the row was skipped
    unit: str                    # "s" (lower is better), a rate (higher is better), or "points"
    target: float | None         # absolute, or a ratio to the peer when ``peer`` is set
    runs: list = field(default_factory=list)
    cpu: float | None = None     # median CPU seconds of grade and its workers: steadier on a busy machine
    peer: str | None = None      # the peer the target is a ratio to
    peer_value: float | None = None   # the peer's median seconds in this run; None: skipped
    note: str = ""               # why a row or its peer was skipped, or what was found
    passed: bool | None = None   # a correctness row's verdict
    goal: str = ""               # the target in words, for a row without a number to reach

    @property
    def ratio(self) -> float | None:
        return self.value / self.peer_value if self.value is not None and self.peer_value else None

    @property
    def met(self) -> bool | None:
        if self.passed is not None or self.value is None or self.target is None:
            return self.passed
        if self.peer:
            return None if self.ratio is None else self.ratio <= self.target
        return self.value <= self.target if self.unit == "s" else self.value >= self.target

    def cells(self) -> list:
        if self.value is None:
            measured = "skipped"
        elif self.unit == "s":
            measured = f"{self.value:.2f} s" + (f" (cpu {self.cpu:.2f})" if self.cpu is not None else "")
        else:
            measured = f"{self.value:,.0f} {self.unit}"
        peer = ratio = "-"
        if self.peer:
            peer = f"{self.peer} {self.peer_value:.2f} s" if self.peer_value else f"{self.peer}: skipped"
            ratio = f"{self.ratio:.2f}x" if self.ratio is not None else "-"
        if self.goal or self.target is None:
            target = self.goal or "-"
        elif self.peer:
            target = f"<= {self.target:g}x"
        else:
            target = f"{'<=' if self.unit == 's' else '>='} {self.target:g} {self.unit}"
        verdict = {True: "met", False: "MISSED", None: "-"}[self.met]
        return [self.name, measured, peer, ratio, target, verdict]


# -- running things ----------------------------------------------------------

def compile_the_grader() -> str:
    """Bytecode for the grader being measured, as pip writes it when it installs a wheel.

    An editable install on a machine that sets PYTHONDONTWRITEBYTECODE (these do)
    compiles every module of the grader in every process, and the sandboxed worker
    can never write its own: about 0.1 s of each run that no installed copy pays.
    The peers were installed by pip, so theirs is compiled already."""
    import compileall
    import harness
    package = Path(harness.__file__).parent
    for folder in (package, REPO / "reference"):   # reference/: the editable install's harness.reference
        if folder.is_dir():
            compileall.compile_dir(str(folder), quiet=1)
    return f"bytecode compiled for {package}"


def grade_command() -> list:
    beside = Path(sys.executable).with_name("grade")
    return [str(beside)] if beside.is_file() else ["grade"]


def run(command: list, cwd: Path, env: dict | None = None) -> tuple:
    """(wall seconds, CPU seconds, exit status, stdout, stderr) of one command.

    CPU time counts the command and every process it started and reaped.
    """
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.run([str(c) for c in command], cwd=cwd, capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, env=None if env is None else {**os.environ, **env})
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, proc.returncode, proc.stdout, proc.stderr


def timed(name: str, command: list, statuses: tuple, runs: int, cwd: Path, env: dict | None = None,
          failure: type = SystemExit) -> tuple:
    """(median wall, runs, median CPU, last stdout) of ``command``; its status must be one of ``statuses``.

    Otherwise ``failure`` is raised: SystemExit for grade (the benchmark stops), Skip for a peer.
    """
    times, cpus = [], []
    for _ in range(runs):
        seconds, cpu, status, out, err = run(command, cwd, env)
        if status not in statuses:
            raise failure(f"{name}: exited {status}, expected {statuses}: {(out + err).strip()[-1500:]}")
        times.append(seconds)
        cpus.append(cpu)
    return statistics.median(times), times, statistics.median(cpus), out


def grade_figure(name: str, args: list, statuses: tuple, runs: int, work: Path, target: float,
                 peer: str | None = None, peer_time=None) -> Figure:
    """A timed ``grade`` run; with ``peer``, its target is a ratio to ``peer_time()``."""
    median, times, cpu, _ = timed(name, grade_command() + args, statuses, runs, work)
    return with_peer(Figure(name, median, "s", target, times, cpu, peer), peer_time)


def with_peer(figure: Figure, peer_time) -> Figure:
    """``figure`` with its peer's median seconds, or with a note saying why the peer was skipped."""
    if figure.peer:
        try:
            figure.peer_value = peer_time()
        except Skip as why:
            figure.note = "; ".join(filter(None, [figure.note, f"{figure.peer} skipped: {why}"]))
    return figure


def exercise_folder(root: Path, exercise: str, source: Path) -> Path:
    folder = root / exercise
    folder.mkdir(parents=True)
    shutil.copyfile(source, folder / "value.py")
    (folder / "micrograde.yaml").write_text(f"exercise: {exercise}\n", encoding="utf-8")
    return folder


# -- the peers: one venv in the cache, set up once ---------------------------
PEER_PACKAGES = {"micrograd": ["torch==2.13.0", "pytest", "micrograd"], "otter": ["otter-grader", "ipykernel"]}


def peer_python(peer: str) -> Path:
    """The cache venv's python with ``peer``'s packages, installing them on first use."""
    venv = CACHE / "venv"
    python = venv / "bin" / "python"
    ready = venv / f".ready-{peer}"
    if ready.is_file():
        return python
    if not python.is_file():
        made = subprocess.run([sys.executable, "-m", "venv", venv], capture_output=True, text=True)
        if made.returncode:
            raise Skip(f"could not make a venv in {venv}: {made.stderr.strip()[-200:]}")
    print(f"setting up {peer} in {venv} (once): pip install {' '.join(PEER_PACKAGES[peer])}", file=sys.stderr)
    pip = subprocess.run([python, "-m", "pip", "install", "-q", "--retries", "1", "--timeout", "20",
                          *PEER_PACKAGES[peer]], capture_output=True, text=True)
    if pip.returncode:
        errors = [line for line in pip.stderr.splitlines() if line.startswith("ERROR")] or ["?"]
        raise Skip(f"pip install {' '.join(PEER_PACKAGES[peer])} failed (no network?): {errors[-1][:160]}")
    ready.write_text(" ".join(PEER_PACKAGES[peer]) + "\n", encoding="utf-8")
    return python


class Peers:
    """The peers' figures, each measured once per benchmark run (and reused by every row)."""

    def __init__(self, runs: int, work: Path, enabled: bool):
        self.runs, self.work, self.enabled = runs, work / "peers", enabled
        self.work.mkdir()

    @functools.cache
    def micrograd(self) -> float:
        """micrograd's two tests (pytest, against PyTorch) on the correct 04 engine, median seconds."""
        if not self.enabled:
            raise Skip("--no-peers")
        python = peer_python("micrograd")
        shutil.copyfile(PEERS / "micrograd_suite.py", self.work / "micrograd_suite.py")
        command = [python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "micrograd_suite.py"]
        median, *_ = timed("micrograd's suite", command, (0,), self.runs, self.work,
                           {"MICROGRADE_PEER_ENGINE": str(CORRECT_04)}, failure=Skip)
        return median

    @functools.cache
    def otter(self) -> float:
        """``otter run`` (no Docker) of one notebook against three OK-format tests, median seconds."""
        if not self.enabled:
            raise Skip("--no-peers")
        otter = peer_python("otter").with_name("otter")
        assignment = self.work / "otter"
        shutil.copytree(PEERS / "otter", assignment)
        made = subprocess.run([otter, "generate"], cwd=assignment, capture_output=True, text=True)
        if made.returncode:
            raise Skip(f"otter generate failed: {(made.stdout + made.stderr).strip()[-200:]}")
        (assignment / "out").mkdir()
        command = [otter, "run", "--no-logo", "-a", "autograder.zip", "-o", "out", "engine.ipynb"]
        median, *_ = timed("otter run", command, (0,), self.runs, assignment, failure=Skip)
        results = json.loads((assignment / "out" / "results.json").read_text(encoding="utf-8"))["tests"]
        scores = {t["name"]: (t["score"], t["max_score"]) for t in results if "score" in t}   # not the summary
        if len(scores) != 3 or any(score != top for score, top in scores.values()):
            raise Skip(f"otter run did not pass its three tests: {scores}")
        return median


# -- the benchmarks --------------------------------------------------------
def correct_04(runs: int, work: Path, peers: Peers) -> Figure:
    """A correct 04 engine (Kahn's order), full marks, against micrograd's suite on the same engine."""
    folder = exercise_folder(work / "correct", "04_engine", CORRECT_04)
    return grade_figure("correct 04 (kahn_order.py)", [folder], (0,), runs, work, 0.33,
                        "micrograd's suite", peers.micrograd)


def assigning_04(runs: int, work: Path, peers: Peers) -> Figure:
    """04 with the assignment bug: finds the failures, shrinks them and diagnoses them."""
    folder = exercise_folder(work / "assign", "04_engine", CORPUS / "buggy" / "assign_grad.py")
    return grade_figure("assigning 04 with diagnosis", [folder], (1,), runs, work, 1.0,
                        "micrograd's suite", peers.micrograd)


def reference_run(runs: int, work: Path, peers: Peers) -> Figure:
    """``grade --reference`` on exercises/: the instructor's check, must be full marks."""
    return grade_figure("grade --reference (exercises/)", ["--reference", REPO / "exercises"], (0,), runs,
                        work, 1.0)


def lecture_notebook(runs: int, work: Path, peers: Peers) -> Figure:
    """The lecture's lab book as 04, against Otter's run of one notebook with three tests.

    Timed whatever it scores (its score is in the note); a crash of the grader stops the benchmark.
    """
    notebook = CORPUS / "learners" / "notebooks" / "lecture_lab_book.ipynb"
    name = "lecture-style notebook as 04"
    command = grade_command() + ["--exercise", "04_engine", "--format", "json", notebook]
    median, times, cpu, stdout = timed(name, command, (0, 1), runs, work)
    report = json.loads(stdout)
    return with_peer(Figure(name, median, "s", 0.25, times, cpu, "Otter",
                            note=f"{notebook.name} scored {report['score']}/{report['max_score']}"), peers.otter)


def bulk_class(runs: int, work: Path, peers: Peers, size: int = 60, jobs: int = 2) -> Figure:
    """``grade --bulk`` on a held-out-shaped class of 04 submissions: submissions per minute.

    A third buggy (each with one misconception, so diagnosis runs), a few
    hanging (in backward, which waits out hang_seconds once, on one operation
    alone ahead of the first gradient request, and at import, stopped after
    hang_seconds of CPU time), the rest
    correct. Every submission is a distinct file (its number in a comment), so
    nothing is skipped; each run starts from an empty output folder. Checks
    that every submission has its row, then rates the whole run, start-up,
    class report and all.
    """
    hanging = [TESTS / "hostile" / "infinite_loop_in_backward.py", TESTS / "hostile" / "infinite_loop_at_import.py"]
    correct, buggy = sorted((CORPUS / "correct").glob("*.py")), sorted((CORPUS / "buggy").glob("*.py"))
    n_hanging, n_buggy = max(2, size // 15), size // 3
    n_correct = size - n_hanging - n_buggy
    picks = ([correct[i % len(correct)] for i in range(n_correct)] + [buggy[i % len(buggy)] for i in range(n_buggy)]
             + [hanging[i % len(hanging)] for i in range(n_hanging)])
    subs = work / "class"
    subs.mkdir()
    for i, source in enumerate(picks):
        (subs / f"s{i:03d}-{source.stem}.py").write_text(
            source.read_text(encoding="utf-8") + f"\n# submission {i}\n", encoding="utf-8")
    rates = []
    for run_number in range(runs):
        out = work / f"out{run_number}"
        seconds, _, status, stdout, _ = run(grade_command() + ["--bulk", subs, "--exercise", "04_engine",
                                                            "--jobs", jobs, "--output-dir", out], work)
        rows = (out / "grades.csv").read_text(encoding="utf-8").splitlines()[1:] if status in (0, 3) else []
        if status != 0 or len(rows) != size:
            raise SystemExit(f"bulk: grade exited {status} with {len(rows)} rows for {size} submissions:\n"
                             f"{stdout[:2000]}")
        rates.append(size / seconds * 60)
    # No CPU figure: the pool's processes are the forkserver's children, which getrusage does not see.
    return Figure(f"bulk {size} ({n_correct} ok/{n_buggy} buggy/{n_hanging} hang), --jobs {jobs}",
                  statistics.median(rates), "subs/min", 150, rates)


def patched_worker_modules(runs: int, work: Path, peers: Peers) -> Figure:
    """The engine that patches json.loads, math.isclose, operator.eq and builtins.abs at import.

    A correctness row: it must keep its forward points and be named
    missing-grad-seed (its backward never seeds the output's gradient).
    """
    name, goal = "patches json/math/operator/builtins", "forward points, missing-grad-seed"
    wanted = ("json.loads", "math.isclose", "operator.eq", "builtins.abs")
    candidates = [TESTS / "hostile" / "patches_worker_modules.py"] + sorted((TESTS / "hostile").glob("*.py"))
    found = [p for p in candidates if p.is_file() and all(f"{w} =" in p.read_text(encoding="utf-8") for w in wanted)]
    if not found:
        return Figure(name, None, "points", None, goal=goal,
                      note=f"{name} skipped: no file in tests/hostile/ patches {', '.join(wanted)} yet")
    _, _, status, stdout, stderr = run(grade_command() + ["--exercise", "04_engine", "--format", "json", found[0]],
                                       work)
    if status not in (0, 1):
        raise SystemExit(f"{name}: grade exited {status}:\n{stdout[-2000:]}{stderr[-2000:]}")
    report = json.loads(stdout)
    checks = {c["name"]: c for ex in report["exercises"] for c in ex["checks"]}
    ids = sorted({d["id"] for c in checks.values() for d in c["diagnoses"]})
    forward = checks.get("forward", {})
    passed = bool(forward) and forward["score"] == forward["max_score"] and "missing-grad-seed" in ids
    return Figure(name, report["score"], "points", None, passed=passed, goal=goal,
                  note=f"{found[0].name}: {report['score']}/{report['max_score']}, forward "
                       f"{forward.get('score')}/{forward.get('max_score')}, ids {', '.join(ids) or 'none'}")


def worker_memory(runs: int, work: Path, peers: Peers) -> Figure:
    """Peak resident memory of a correct 04 run's processes: an upper bound of one worker's.

    ru_maxrss of RUSAGE_CHILDREN, read in a fresh interpreter after it ran one
    ``grade``, is the largest of grade itself and every worker it reaped.
    """
    folder = exercise_folder(work / "memory", "04_engine", CORRECT_04)
    probe = ("import resource, subprocess, sys; subprocess.run(sys.argv[1:], capture_output=True); "
             "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    peaks = [int(run([sys.executable, "-c", probe, *grade_command(), folder], work)[3].split()[-1]) / 1024
             for _ in range(runs)]
    return Figure("peak memory per worker (upper bound)", statistics.median(peaks), "MiB", None, peaks,
                  goal="(reported)",
                  note="peak memory: ru_maxrss of RUSAGE_CHILDREN after one correct 04 run, the largest of "
                       "grade and its workers, so an upper bound per worker")


def throughput(runs: int, work: Path, peers: Peers) -> Figure:
    """Graphs judged per second of check time, on a passing submission of 01-04.

    Counted over generated checks only (the fixed, chain and fan-out checks
    judge a handful of graphs each), from the JSON's ``graphs_checked`` and
    ``timing.seconds``: worker round trips, building with the student's class
    and the reference, and judging are included; start-up is not. With
    ``--jobs 1``: two exercises side by side make the run shorter but each
    check's own seconds longer, which this figure, per second of check time,
    would count against them.
    """
    root = work / "passing"
    for exercise in ("01_forward", "02_backward", "03_reuse", "04_engine"):
        exercise_folder(root, exercise, REPO / "reference" / "engine.py")
    rates = []
    for _ in range(runs):
        _, _, status, stdout, _ = run(grade_command() + ["--format", "json", "--jobs", "1", root], work)
        if status != 0:
            raise SystemExit(f"throughput: the reference as a submission did not get full marks:\n{stdout[:2000]}")
        checks = [c for ex in json.loads(stdout)["exercises"] for c in ex["checks"]
                  if c["graphs_checked"] > 50]
        rates.append(sum(c["graphs_checked"] for c in checks) / sum(c["timing"]["seconds"] for c in checks))
    return Figure("graphs checked per second (passing 01-04)", statistics.median(rates), "graphs/s", 2000, rates)


BENCHMARKS = [correct_04, assigning_04, reference_run, lecture_notebook, bulk_class, patched_worker_modules,
              worker_memory, throughput]


def table(figures: list) -> str:
    rows = [["target", "measured", "peer (same run)", "ratio", "target", ""]] + [f.cells() for f in figures]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows)


def main(argv: list | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per figure; the median is shown (default 3)")
    parser.add_argument("--json", metavar="FILE", type=Path, help="also write the figures to FILE as JSON")
    parser.add_argument("--no-peers", action="store_true", help="do not set up or run micrograd's suite and Otter")
    args = parser.parse_args(argv)
    compiled = compile_the_grader()
    work = Path(tempfile.mkdtemp(prefix="micrograde-bench-"))
    try:
        peers = Peers(args.runs, work, enabled=not args.no_peers)
        figures = [bench(args.runs, work, peers) for bench in BENCHMARKS]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"median of {args.runs} runs, Python {sys.version.split()[0]}, {os.cpu_count()} cores; {compiled}")
    print(table(figures))
    for figure in figures:
        if figure.note:
            print(f"  - {figure.note}")
    if args.json:
        args.json.write_text(json.dumps([{**asdict(f), "ratio": f.ratio, "met": f.met} for f in figures], indent=2)
                             + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

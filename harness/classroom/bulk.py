"""Grade a folder of submissions, N at a time, and write the class's results.

``grade --bulk SUBMISSIONS/ --exercise 04_engine --jobs N --output-dir OUT/``:
every subfolder, ``.py``, ``.ipynb`` or ``.zip`` in SUBMISSIONS is one student
(``harness.classroom.submissions``). Each is graded in a pool process exactly as
``grade`` grades one, so its code runs in its own worker with the usual limits:
a crashing, hanging or hostile submission costs its own row and its own time
budget, nothing else. Each result is written to ``OUT/<student>.json`` as soon
as it is known (atomically), with the submission's content hash and the
grader's identity; a re-run skips every student whose file says the same, so an
interrupted run resumes where it stopped. Then ``OUT/grades.csv`` and
``OUT/report.html`` are written from all the JSON files (``harness.render.class_report``).

``grade merge FILES... [--output-dir DIR]`` writes the same two files from
per-student JSON files made elsewhere: one ``grade --exercise E --format json
--output S.json S`` per student, as the jobs of a CI matrix or a batch array.

Exit status: 0 when every submission was graded (whatever the scores), 2 for
bad usage, 3 when the grader failed on some submission (their rows say so).
"""
from __future__ import annotations

import argparse
import concurrent.futures as cf
import glob
import hashlib
import json
import multiprocessing
import sys
import time
import traceback
from importlib import metadata, resources
from pathlib import Path

from harness.render import class_report
from harness.classroom import saved
from harness.core import collector
from harness.core.errors import ExitCode, UsageError
from harness.core.files import write_atomically
from harness.classroom.weak_sandbox import flag_weak_sandbox
from harness.classroom.progress import Progress, ignore_sigint, stop_pool
from harness.grading.exercise import target_for
from harness.grading.run import Options
from harness.render._shared import points
from harness.render.pictures import safe_name
from harness.core.results import Report
from harness.core.kinds import WORKER_CRASH

EXIT_OK, EXIT_USAGE, EXIT_GRADER = ExitCode.FULL_MARKS, ExitCode.USAGE, ExitCode.GRADER_FAULT
EXIT_INTERRUPTED = ExitCode.INTERRUPTED


def run_bulk(args: argparse.Namespace) -> int:
    """The ``--bulk`` mode of ``grade`` (options declared in ``harness.cli``)."""
    root, out = Path(args.bulk), Path(args.output_dir or "grades")
    _check_usage(args, root, out)
    started = time.monotonic()
    files, todo = _plan(root, out, args.exercise, Options(seed=args.seed, examples=args.examples))
    progress = Progress(len(todo))
    try:
        faults = _grade_all(todo, args.jobs, progress)
    except KeyboardInterrupt:
        progress.finish()
        left = sum(not Path(t["json"]).is_file() or not _already_graded(Path(t["json"]), t["sha256"], t["grader"])
                   for t in todo)
        print(f"grade: interrupted; {len(todo) - left} of {len(todo)} submissions graded and saved in {out}. "
              "Run the same command again to grade only the rest.", file=sys.stderr)
        return EXIT_INTERRUPTED
    for task in todo:   # a safety net: every submission gets its row, whatever happened
        if not Path(task["json"]).is_file():
            faults += 1
            write_json(Path(task["json"]), {"version": 1, "error": "no result was recorded for this submission",
                                            "submission": _meta(task)})
    results = [saved.load(f) for f in files]
    _write_outputs(results, files, out, f"{args.exercise}: {len(results)} submissions")
    if args.graphs:   # the example of each misconception that report.html shows
        from harness.render.pictures import draw_all
        _, best = class_report.misconceptions(results)
        draw_all([(ident, d.graph, f"{ident}: {d.title or d.message}") for ident, d in sorted(best.items())
                  if d.graph], Path(args.graphs), sys.stderr)
    seconds = time.monotonic() - started
    rate = f", {len(todo) / seconds * 60:.0f} per minute" if todo and seconds > 0 else ""
    unread = sum(1 for r in results if r.report is not None and r.meta.get("unreadable"))
    errors = sum(1 for r in results if r.report is None)
    print(f"{len(results)} submissions: {len(results) - unread - errors} graded, {unread} zero with a reason "
          f"(not readable as a submission), {errors} grader errors. Graded {len(todo)} now "
          f"({len(files) - len(todo)} unchanged, skipped) in {seconds:.1f} s{rate}.\n"
          f"Wrote {out / 'grades.csv'}, {out / 'report.html'} and one JSON and one HTML file "
          f"per student in {out}.")
    if faults:
        print(f"grade: grader error on {faults} submissions: their rows say 'grader-error'; please report "
              "it with their JSON files. Run the same command again to retry only those.", file=sys.stderr)
    return EXIT_GRADER if faults else EXIT_OK


def _check_usage(args: argparse.Namespace, root: Path, out: Path) -> None:
    if not args.exercise:
        raise UsageError("--bulk needs --exercise NAME: the exercise every submission is graded as")
    if not root.is_dir():
        raise UsageError(f"--bulk {root}: not a folder; give the folder that holds one entry per student")
    if args.jobs < 1:
        raise UsageError(f"--jobs must be at least 1, not {args.jobs}")
    target_for(root, args.exercise)  # an unknown exercise is a usage error before any work
    if out.resolve() == root.resolve() or root.resolve() in out.resolve().parents:
        raise UsageError(f"--output-dir {out} is inside --bulk {root}; it would be graded as a submission")
    out.mkdir(parents=True, exist_ok=True)


def _plan(root: Path, out: Path, exercise: str, options: Options) -> tuple:
    """(every student's JSON file, the tasks of those not graded yet by this grader with this content)."""
    from harness.classroom.submissions import content_hash, find_submissions, student_name
    entries = find_submissions(root)
    if not entries:
        raise UsageError(f"--bulk {root}: no submissions found; expected one folder, .py, .ipynb, "
                         ".zip or .tar.gz file per student")
    stems = [student_name(e) for e in entries]
    # alice.py and alice.zip side by side: both keep their full names
    names = [s if stems.count(s) == 1 else e.name for e, s in zip(entries, stems)]
    stems = [safe_name(n) for n in names]
    # two names that make the same file name (a b, a_b) each get a mark of their own
    stems = [s if stems.count(s) == 1 else f"{s}-{hashlib.sha256(e.name.encode()).hexdigest()[:8]}"
             for s, e in zip(stems, entries)]
    grader, todo, files = grader_key(exercise, options), [], []
    for entry, student, stem in zip(entries, names, stems):
        json_path = out / f"{stem}.json"
        files.append(json_path)
        digest = content_hash(entry)
        if not _already_graded(json_path, digest, grader):
            todo.append({"student": student, "path": str(entry), "sha256": digest, "grader": grader,
                         "exercise": exercise, "seed": options.seed, "examples": options.examples,
                         "json": str(json_path)})
    return files, todo


def _meta(task: dict) -> dict:
    return {k: task[k] for k in ("student", "path", "sha256", "grader")}


def merge_command(argv: list) -> int:
    """``grade merge FILES... [--output-dir DIR]``: grades.csv and report.html from JSON files."""
    p = argparse.ArgumentParser(prog="grade merge", description="Merge per-student JSON results "
                                "into grades.csv and report.html.")
    p.add_argument("files", nargs="+", metavar="FILE", help="per-student JSON files (a glob is expanded)")
    p.add_argument("--output-dir", default=".", metavar="DIR", help="where to write (default: .)")
    p.add_argument("--title", default="", help="the report's title")
    args = p.parse_args(argv)
    files = []
    for pattern in args.files:
        matched = sorted(glob.glob(pattern)) if not Path(pattern).exists() else [pattern]
        if not matched:
            raise UsageError(f"{pattern}: no such file")
        files += [Path(f) for f in matched]
    files = [f for f in files if f.name not in ("grades.csv", "report.html") and f.suffix != ".html"]
    students = [saved.load(f) for f in files]
    out = Path(args.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    _write_outputs(students, files, out, args.title or f"Class report: {len(students)} submissions")
    print(f"Merged {len(students)} results into {out / 'grades.csv'} and {out / 'report.html'}.")
    return EXIT_GRADER if any(s.report is None for s in students) else EXIT_OK


def grader_key(exercise: str, options: Options) -> str:
    """What must be equal for an old result to stand: the grader's code, the rubric, seed, examples."""
    try:
        version = metadata.version("micrograde")
    except metadata.PackageNotFoundError:
        version = "unknown"
    rubric = target_for(Path("."), exercise).rubric   # a built-in name or a course's rubric file
    digest = hashlib.sha256(rubric.digest.encode() if rubric.digest else Path(rubric.source).read_bytes())
    digest.update(repr((options.seed, options.examples)).encode())
    harness = Path(__file__).resolve().parent.parent
    reference = Path(str(resources.files("harness.reference")))
    sources = [*harness.rglob("*.py"), *reference.glob("*.py")]
    for path in sorted(sources, key=lambda p: (p.name, str(p))):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return f"micrograde {version} {exercise} {digest.hexdigest()[:16]}"


def grade_one(task: dict) -> dict:
    """In a pool process: grade one submission and write its JSON file. Never raises."""
    from harness.classroom.submissions import read_and_grade
    started = time.monotonic()
    meta = _meta(task)
    try:
        target = target_for(Path(task["path"]), task["exercise"])
        report = Report(seed=task["seed"])
        result, why = read_and_grade(Path(task["path"]), target,
                                     Options(seed=task["seed"], examples=task["examples"]))
        report.exercises.append(result)
        report.seconds = time.monotonic() - started
        flag_weak_sandbox(report)
        if why:   # zero with a reason: the row says why (grades.csv's "reason" column)
            meta["unreadable"] = why
        data = {**report.to_dict(), "submission": meta}
    except Exception:
        data = {"version": 1, "error": traceback.format_exc(limit=8), "submission": meta}
    write_json(Path(task["json"]), data)
    return data


def write_json(path: Path, data: dict) -> None:
    """Temporary file, then rename: a killed run never leaves half a file to resume from."""
    write_atomically(path, json.dumps(data, indent=1, allow_nan=False) + "\n", what="--output-dir")


def _already_graded(path: Path, digest: str, grader: str) -> bool:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        meta = data.get("submission", {})
    except (OSError, ValueError, AttributeError):
        return False
    return meta.get("sha256") == digest and meta.get("grader") == grader and "error" not in data


def _grade_all(todo: list, jobs: int, progress) -> int:
    """Grade ``todo`` with ``jobs`` pool processes; returns how many the grader failed on.

    A pool process can die only if a submission reaches out of its worker (kills
    its parent, say). Then the submissions it held are graded again one at a
    time: the one that kills its pool again when alone scores 0 with a
    worker-crash diagnosis; the others are graded as if nothing happened.
    """
    faults, suspects = _pooled(todo, jobs, progress)
    for task in suspects:
        more, again = _pooled([task], 1, progress)
        faults += more
        if again:
            _write_result(task, submissions_unreadable(task, WORKER_CRASH, "The submission ended the grader's "
                          "worker", "the submission killed the grading process itself (it reached outside "
                          "its worker); it gets no points"), progress)
    progress.finish()
    return faults


def _pooled(todo: list, jobs: int, progress) -> tuple:
    """(grader faults, tasks in flight when a pool process died)."""
    faults, queue, suspects = 0, list(reversed(todo)), []
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["harness.classroom.submissions"])
    while queue:
        pool = cf.ProcessPoolExecutor(max_workers=jobs, mp_context=context, initializer=_pool_process)
        running = {}
        try:
            while queue or running:
                while queue and len(running) < jobs:
                    task = queue.pop()
                    running[pool.submit(grade_one, task)] = task
                    progress.start(task["student"])
                done, _ = cf.wait(running, timeout=1.0, return_when=cf.FIRST_COMPLETED)
                progress.tick()
                for future in done:
                    data = future.result()   # raises BrokenProcessPool: the task stays in running
                    task = running.pop(future)
                    faults += "error" in data
                    progress.step(task["student"], _outcome(data))
            pool.shutdown()
        except cf.process.BrokenProcessPool:
            suspects += running.values()
            pool.shutdown()
        except BaseException:   # Ctrl-C: stop now; what is saved stays, the rest is graded next run
            stop_pool(pool)
            raise
    return faults, suspects


def _pool_process() -> None:
    """Once per pool process: Ctrl-C is the main process's, and the grader's collector settings
    (a forkserver's child starts with CPython's; freezing once, not per submission, so that no
    submission's garbage is frozen for the rest of the run)."""
    ignore_sigint()
    collector.for_the_grader()


def _outcome(data: dict) -> str:
    if "error" in data:
        return "grader error"
    return f"{points(data.get('score', 0))}/{points(data.get('max_score', 0))}"


def submissions_unreadable(task: dict, ident: str, title: str, why: str) -> dict:
    from harness.classroom.submissions import unreadable
    target = target_for(Path(task["path"]), task["exercise"])
    report = Report(seed=task["seed"], exercises=[unreadable(target.rubric, task["path"], why, ident, title)])
    return report.to_dict()


def _write_result(task: dict, data: dict, progress) -> None:
    write_json(Path(task["json"]), {**data, "submission": _meta(task)})
    progress.step(task["student"], _outcome(data))


def _write_outputs(students: list, files: list, out: Path, title: str) -> None:
    """grades.csv, report.html, and beside them one HTML page per student, linked from the report."""
    pages = {}
    for student, source in zip(students, files):
        page = out / f"{Path(source).stem}.html"
        pages[student.student] = page.name
        # unchanged since its page was written (a resumed run): keep the page, drawing is not free
        if not page.is_file() or page.stat().st_mtime_ns < Path(source).stat().st_mtime_ns:
            write_atomically(page, class_report.student_html(student), what="--output-dir")
    write_atomically(out / "grades.csv", class_report.grades_csv(students), what="--output-dir")
    write_atomically(out / "report.html", class_report.report_html(students, title, pages), what="--output-dir")

"""The ``grade`` command: declares options and calls one function per stage.

Exit status: 0 full marks, 1 anything less, 2 bad usage or configuration,
3 a fault of the grader itself (never the student's), 130 interrupted (Ctrl-C).
"""
from __future__ import annotations

import argparse
import functools
import importlib
import os
import shutil
import sys
import time
import traceback
from pathlib import Path

from harness.core import collector
from harness.core.errors import ExitCode, MicrogradeError, UsageError
from harness.core.files import write_atomically
from harness.classroom.lanes import in_order
from harness.classroom.progress import redeliver_stops
from harness.classroom.weak_sandbox import flag_weak_sandbox
from harness.grading.exercise import find_targets, reference_folder
from harness.grading.run import Options, grade_exercise
from harness.render import RENDERERS
from harness.core.results import Report

EXIT_FULL, EXIT_PARTIAL, EXIT_USAGE, EXIT_GRADER = (ExitCode.FULL_MARKS, ExitCode.PARTIAL,
                                                  ExitCode.USAGE, ExitCode.GRADER_FAULT)
EXIT_INTERRUPTED = ExitCode.INTERRUPTED

EPILOG = """\
With no PATH: the current folder when it is an exercise folder or holds
exercise folders, else ./exercises.

Also: {subcommands} (each with --help).

Exit status:
  0    full marks (with --bulk: every submission was graded, whatever the scores)
  1    some points lost (with --audit: a bug model was missed)
  2    bad usage or configuration: the message names the file, option or key
  3    a fault of the grader itself, never the student's: please report it
  130  interrupted (Ctrl-C); a --bulk run resumes where it stopped when run again
"""


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # argparse exits 2 too, but say what to do next
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"grade: error: {message}\nTry 'grade --help'.\n")


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="grade", description="Grade micrograd-style autograd exercises.",
                formatter_class=argparse.RawDescriptionHelpFormatter,
                epilog=EPILOG.format(subcommands=", ".join(f"grade {name}" for name in SUBCOMMANDS)))
    p.add_argument("paths", nargs="*", metavar="PATH",
                   help="an exercise folder or a folder of them (default: see below)")
    p.add_argument("--version", action=_Version, help="show the version and exit")
    p.add_argument("--reference", action="store_true",
                   help="grade the reference solution in place of the student's files")
    p.add_argument("--format", default="text", metavar="FORMAT",
                   help=f"output format: {', '.join(RENDERERS)} (default: text)")
    p.add_argument("--output", metavar="FILE", help="write the report to FILE (atomically)")
    p.add_argument("--seed", type=int, default=0, help="seed for generated graphs (default: 0)")
    p.add_argument("--audit", action="store_true",
                   help="grade every bug model of the catalogue against the exercises (the checks' check)")
    p.add_argument("--examples", type=int, metavar="N",
                   help="graphs per generated check, instead of the rubric's")
    classroom = p.add_argument_group("submissions and classes")
    classroom.add_argument("--exercise", metavar="NAME",
                           help="grade each PATH (a folder, .py, .ipynb, .zip or .tar.gz) as exercise NAME")
    classroom.add_argument("--bulk", metavar="FOLDER",
                           help="grade every submission in FOLDER (one entry per student); needs --exercise")
    classroom.add_argument("--jobs", type=int, default=os.cpu_count() or 1, metavar="N",
                           help="how many to grade at a time: exercises, or with --bulk submissions, with "
                                "--audit bug models (default: the CPU count)")
    classroom.add_argument("--output-dir", metavar="DIR",
                           help="with --bulk: where the JSON files, grades.csv and report.html go (default: grades)")
    classroom.add_argument("--graphs", metavar="DIR",
                           help="draw each failing example as an SVG in DIR (needs Graphviz)")
    return p


# Subcommands live in their own modules, loaded only when used: NAME -> "module:function",
# each function taking the remaining arguments and returning an exit status.
SUBCOMMANDS: dict = {
    "init": "harness.classroom.setups:init_command",   # grade init github|gradescope
    "merge": "harness.classroom.bulk:merge_command",       # grade merge OUT/*.json
    "render": "harness.classroom.saved:render_command",    # grade render REPORT.json --format F
}


def main(argv: list | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    redeliver_stops()
    try:
        if argv and argv[0] in SUBCOMMANDS:
            module, _, function = SUBCOMMANDS[argv[0]].partition(":")
            return getattr(importlib.import_module(module), function)(argv[1:])
        args = build_parser().parse_args(argv)
        return run(args)
    except MicrogradeError as exc:
        if exc.exit_code != ExitCode.GRADER_FAULT:
            print(f"grade: error: {exc}", file=sys.stderr)
            return exc.exit_code
        print("grade: grader error: this is a fault of the grader, not of the submission.\n"
              "Please report it to your instructor with the traceback below.\n", file=sys.stderr)
        traceback.print_exc()
        return EXIT_GRADER
    except KeyboardInterrupt:
        print("\ngrade: interrupted", file=sys.stderr)
        return ExitCode.INTERRUPTED
    except Exception:
        print("grade: grader error: this is a fault of the grader, not of the submission.\n"
              "Please report it to your instructor with the traceback below.\n", file=sys.stderr)
        traceback.print_exc()
        return EXIT_GRADER


def run(args: argparse.Namespace) -> int:
    if args.format not in RENDERERS:
        raise UsageError(f"unknown --format {args.format!r}; choose one of {', '.join(RENDERERS)}")
    if args.examples is not None and args.examples < 1:
        raise UsageError(f"--examples must be at least 1, not {args.examples}")
    # Modes other than grading the given folders live in their own modules.
    if args.bulk:
        from harness.classroom.bulk import run_bulk
        return run_bulk(args)
    if args.exercise:
        from harness.classroom.submissions import submission_targets
        targets = submission_targets(args.paths or ["exercises"], args.exercise)
    else:
        targets = find_targets(args.paths) if args.paths else default_targets()
    options = Options(seed=args.seed, examples=args.examples)
    if args.jobs < 1:
        raise UsageError(f"--jobs must be at least 1, not {args.jobs}")
    if args.audit:
        from harness.classroom import audit
        rows, reference_ok = audit.run_audit(targets, options, args.jobs, progress=True)
        text = audit.render(rows, reference_ok)
        if args.output:
            write_atomically(Path(args.output), text)
        else:
            sys.stdout.write(text)
        return EXIT_FULL if audit.passed(rows, reference_ok) else EXIT_PARTIAL
    started = time.monotonic()
    report = Report(seed=args.seed)
    report.exercises = in_order([functools.partial(_grade_one, target, args, options) for target in targets],
                                args.jobs)
    report.seconds = time.monotonic() - started
    flag_weak_sandbox(report)
    if args.graphs:
        from harness.render.pictures import write_pictures
        write_pictures(report, Path(args.graphs), sys.stderr)
    text = RENDERERS[args.format](report)
    if args.output:
        write_atomically(Path(args.output), text)
    else:
        sys.stdout.write(text)
    return EXIT_FULL if report.full_marks else EXIT_PARTIAL


def _grade_one(target, args: argparse.Namespace, options: Options):
    """One exercise's result, as ``args`` asks: the reference, a submission, or the folder."""
    if args.reference:
        folder = reference_folder(target.rubric)
        try:
            return grade_exercise(target, folder, options, f"reference for {target.folder}")
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    if args.exercise:
        from harness.classroom.submissions import grade_submission
        return grade_submission(target.folder, target, options)
    return grade_exercise(target, target.folder, options)


def default_targets() -> list:
    """``grade`` with no PATH: ``.`` when it is (or holds) exercise folders, else ``./exercises``."""
    try:
        return find_targets([str(Path.cwd())])
    except UsageError:
        pass
    if Path("exercises").is_dir():
        return find_targets(["exercises"])
    raise UsageError("no exercise here: this folder is not an exercise folder, holds none, and has no "
                     "exercises/ folder; run grade inside an exercise folder or give its path (grade PATH)")


def version() -> str:
    from importlib import metadata   # late: 10 ms of every run, for --version and reports only
    try:
        return metadata.version("micrograde")
    except metadata.PackageNotFoundError:   # run from a source tree that was never installed
        return "unknown"


class _Version(argparse.Action):
    """``--version``: the version is looked up when asked for, not on every run."""

    def __init__(self, option_strings, dest, **kwargs):
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)

    def __call__(self, parser, namespace, values, option_string=None):
        print(f"{parser.prog} (micrograde) {version()}")   # on stdout, as argparse's own action
        parser.exit()


def entry_point() -> None:
    """The ``grade`` console script: the grader's own process (``main`` may run in pytest's)."""
    collector.for_the_grader()
    sys.exit(main())

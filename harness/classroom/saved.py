"""Reports saved as JSON, read back into the one result model.

``grade --format json`` and ``grade --bulk`` write reports as JSON; this
module reads them back (``report_from_dict`` inverts ``Report.to_dict``), for
``grade merge`` (harness.classroom.bulk) and for ``grade render REPORT.json --format F``,
which renders a saved report in any format without grading again: a CI job
grades once and shows the result in as many places as it likes.
"""
from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

from harness.grading.exercise import UsageError
from harness.core.results import CheckResult, Diagnosis, ExerciseResult, Report


@dataclass
class StudentResult:
    student: str
    report: Report | None           # None when the grader failed on this submission
    path: str = ""
    error: str = ""                 # the grader's fault, when report is None
    meta: dict = field(default_factory=dict)

    @property
    def score(self) -> float:
        return self.report.score if self.report else 0

    @property
    def max_score(self) -> float:
        return self.report.max_score if self.report else 0


def load(path: Path) -> StudentResult:
    """One per-student JSON file; UsageError naming the file when it is not one."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        meta = data.get("submission", {}) if isinstance(data, dict) else {}
        student = str(meta.get("student") or path.stem)
        if isinstance(data, dict) and data.get("error") and not data.get("exercises"):
            return StudentResult(student, None, str(meta.get("path", "")), str(data["error"]), meta)
        return StudentResult(student, report_from_dict(data), str(meta.get("path", "")), meta=meta)
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise UsageError(f"{path}: not a micrograde result (expected the JSON that 'grade --format json' "
                         f"or 'grade --bulk' writes; {type(exc).__name__}: {exc})") from None


def report_from_dict(d: dict) -> Report:
    """The result model back from ``Report.to_dict()`` (extra keys are ignored)."""
    report = Report(seed=d.get("seed", 0), seconds=d.get("timing", {}).get("seconds", 0.0))
    for e in d["exercises"]:
        exercise = ExerciseResult(e["name"], e.get("path", ""), e.get("title", ""),
                                  warnings=list(e.get("warnings", [])), sandbox=e.get("sandbox", ""))
        for c in e["checks"]:
            diagnoses = [Diagnosis(x["id"], x.get("message", ""), x.get("example", ""), x.get("title", ""),
                                   x.get("line", ""), x.get("advice", ""), x.get("graph", {}))
                         for x in c.get("diagnoses", [])]
            exercise.checks.append(CheckResult(c["name"], c["max_score"], bool(c["passed"]), diagnoses,
                                               c.get("description", ""), c.get("graphs_checked", 0),
                                               c.get("timing", {}).get("seconds", 0.0)))
        report.exercises.append(exercise)
    return report


def render_command(argv: list) -> int:
    """``grade render REPORT.json [--format F] [--output FILE]``; exit status as ``grade``'s."""
    from harness.classroom.files import write_atomically
    EXIT_FULL, EXIT_PARTIAL = 0, 1
    from harness.render import RENDERERS
    p = argparse.ArgumentParser(prog="grade render", description="Render a saved JSON report in another format.")
    p.add_argument("report", metavar="REPORT.json", help="what 'grade --format json' wrote")
    p.add_argument("--format", default="text", choices=sorted(RENDERERS), help="output format (default: text)")
    p.add_argument("--output", metavar="FILE", help="write to FILE (atomically)")
    args = p.parse_args(argv)
    saved = load(Path(args.report))
    if saved.report is None:
        raise UsageError(f"{args.report}: holds no report, only the grader's error: {saved.error[:200]}")
    text = RENDERERS[args.format](saved.report)
    if args.output:
        write_atomically(Path(args.output), text)
    else:
        sys.stdout.write(text)
    return EXIT_FULL if saved.report.full_marks else EXIT_PARTIAL

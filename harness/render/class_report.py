"""What a whole class did: ``grades.csv`` and ``report.html`` from per-student results.

Reads (through ``harness.classroom.saved``) the per-student JSON files that ``grade --bulk`` writes (or that
``grade --format json`` writes, one run per student, e.g. in a CI matrix),
rebuilds the one result model from them, and writes:

* ``grades.csv``: a row per student: score, max, status, points per check,
  the diagnosis ids; cells that a spreadsheet would run as a formula are quoted.
* ``report.html``: what graded the class (date, grader version, seed, sandbox
  layer, flagged when it is the weak ``rlimits``), the exercise's checks with
  their descriptions, points and pass rates, the score distribution, the table
  of misconceptions: how many students have each, and one example each (the
  smallest), drawn when Graphviz is installed; then every student, linked to
  a page of their own (``student_html``, written beside it by the caller).
  One file, no scripts, no CDN.
"""
from __future__ import annotations

import csv
import datetime
import io
import statistics
from collections import Counter
from html import escape
from importlib import metadata
from urllib.parse import quote

from harness.diagnosis.catalogue import GENERIC_TITLES   # ids that name what happened, not a misconception
from harness.render import pictures
from harness.render._shared import points, printable
from harness.render import html as student_page
from harness.render.html import page, text_html
from harness.core.results import Diagnosis, Report


def grades_csv(students: list) -> str:
    columns = sorted({(e.name, c.name) for s in students if s.report
                      for e in s.report.exercises for c in e.checks}, key=_column_order(students))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["student", "score", "max_score", "status", *(f"{e}:{c}" for e, c in columns),
                     "diagnoses", "path", "reason"])
    for s in students:
        if s.report is None:
            writer.writerow(_safe([s.student, "", "", "grader-error", *[""] * len(columns), s.error, s.path,
                                   "the grader failed on this submission; run the same command again"]))
            continue
        got = {(e.name, c.name): points(c.score) for e in s.report.exercises for c in e.checks}
        ids = " ".join(sorted({d.id for _, c in _failed(s.report) for d in c.diagnoses}))
        reason = str(s.meta.get("unreadable", ""))
        writer.writerow(_safe([s.student, points(s.score), points(s.max_score),
                               "unreadable" if reason else "graded",
                               *(got.get(col, "") for col in columns), ids, s.path, reason]))
    return printable(out.getvalue())


def report_html(students: list, title: str = "Class report", pages: dict | None = None) -> str:
    """The class's page; ``pages`` maps a student to their own page's file name (a relative link)."""
    graded = [s for s in students if s.report is not None]
    body = [f"<h1>{escape(title)}</h1>", _overview(students, graded), _run(graded),
            "<h2>Checks</h2>", _checks(graded),
            "<h2>Score distribution</h2>", _distribution(graded),
            "<h2>Misconceptions</h2>", _misconceptions(graded, named=True),
            "<h2>Other failures</h2>", "<p>Submissions that did not run, or wrong numbers without a "
            "misconception's name.</p>", _misconceptions(graded, named=False),
            "<h2>Students</h2>", _students(students, pages or {})]
    return page(title, body)


def student_html(student) -> str:
    """A student's own page: their report as ``--format html`` shows it, or the grader's error."""
    if student.report is None:
        return page(f"micrograde: {student.student}", [
            f"<h1>{escape(student.student)}: not graded</h1>",
            "<p>The grader failed on this submission (a fault of the grader, not of the student). "
            "Run the same command again to retry it.</p>", f"<pre>{escape(student.error)}</pre>"])
    text = student_page.render(student.report)
    return text.replace("<h1>micrograde: ", f"<h1>{escape(student.student)}: ", 1)


def _overview(students: list, graded: list) -> str:
    if not graded:
        return f"<p>{len(students)} submissions, none graded.</p>"
    scores = [s.score for s in graded]
    full = sum(s.score == s.max_score for s in graded)
    errors = len(students) - len(graded)
    unreadable = sum(1 for s in graded if s.meta.get("unreadable"))
    text = (f"<p>{len(students)} submissions; mean {statistics.mean(scores):.1f}, "
            f"median {points(statistics.median(scores))} of {points(graded[0].max_score)} points; "
            f"{full} with full marks.")
    if unreadable:
        text += f" {unreadable} could not be read as a submission (zero, with the reason in their row)."
    if errors:
        text += f" <strong>{errors} not graded because of a fault of the grader</strong> (see the table below)."
    return text + "</p>"


def _grader(key: str) -> str:
    """ "micrograde 0.1.0 04_engine 1a2b..." (bulk's grader key) -> "micrograde 0.1.0 (code 1a2b...)". """
    parts = key.split()
    return f"{parts[0]} {parts[1]} (code {parts[3]})" if len(parts) == 4 else key


def _run(graded: list) -> str:
    """When, by what, with which seed and in which sandbox the class was graded."""
    try:
        version = metadata.version("micrograde")
    except metadata.PackageNotFoundError:
        version = "unknown"
    graders = sorted({_grader(str(s.meta["grader"])) for s in graded if s.meta.get("grader")})
    exercises = sorted({f"{e.name}: {e.title}" if e.title and e.title != e.name else e.name
                        for s in graded for e in s.report.exercises})
    seeds = sorted({s.report.seed for s in graded})
    layers = sorted({e.sandbox for s in graded for e in s.report.exercises if e.sandbox})
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    rows = [("Exercise", "; ".join(exercises) or "—"), ("Report written", now), ("Grader", ", ".join(graders) or f"micrograde {version}"),
            ("Seed", ", ".join(map(str, seeds)) or "—"), ("Sandbox layer", ", ".join(layers) or "unknown")]
    out = ["<table>"] + [f"<tr><th>{k}</th><td>{escape(v)}</td></tr>" for k, v in rows] + ["</table>"]
    if "rlimits" in layers:   # the grading run put what that layer cannot prevent in the warnings
        note = next((w for s in graded for e in s.report.exercises for w in e.warnings if "rlimits" in w),
                     "the weakest sandbox layer, rlimits, ran the students' code: install bubblewrap")
        out.append(f'<p class="fail">Warning: {text_html(note)}</p>')
    return "\n".join(out)


def _distribution(graded: list) -> str:
    counts = Counter(s.score for s in graded)
    if not counts:
        return "<p>No scores.</p>"
    most = max(counts.values())
    rows = ["<table>", "<tr><th>Score</th><th>Students</th><th></th></tr>"]
    for score in sorted(counts, reverse=True):
        width = 20 * counts[score] / most
        rows.append(f'<tr><td class="num">{points(score)}</td><td class="num">{counts[score]}</td>'
                    f'<td><span class="bar" style="width:{width:.2f}em"></span></td></tr>')
    return "\n".join(rows + ["</table>"])


def _checks(graded: list) -> str:
    """The exercise's checks as the rubric describes them, with points and how many passed."""
    passed, total, about = Counter(), Counter(), {}
    readable = [s for s in graded if not s.meta.get("unreadable")]   # a zero for a missing file says nothing of a check
    exercises = {e.name for s in graded for e in s.report.exercises}
    for s in readable:
        for e in s.report.exercises:
            for c in e.checks:
                total[(e.name, c.name)] += 1
                passed[(e.name, c.name)] += c.passed
                about.setdefault((e.name, c.name), (c.description, c.max_score))
    if not total:
        return "<p>No submission could be read.</p>"
    rows = ["<table>", "<tr><th>Check</th><th>What it checks</th><th>Points</th><th>Passed</th>"
            "<th>Pass rate</th></tr>"]
    for key in sorted(total, key=_column_order(graded)):
        description, most = about[key]
        rate = passed[key] / total[key]
        name = key[1] if len(exercises) == 1 else ":".join(key)
        rows.append(f"<tr><td>{escape(name)}</td><td>{text_html(description)}</td>"
                    f'<td class="num">{points(most)}</td><td class="num">{passed[key]}/{total[key]}</td>'
                    f'<td class="rate"><span class="bar" style="width:{6 * rate:.2f}em"></span> '
                    f"{100 * rate:.0f}%</td></tr>")
    rows.append("</table>")
    if len(readable) < len(graded):
        rows.append(f"<p>Of the {len(readable)} submissions that could be read; "
                    f"{len(graded) - len(readable)} more score zero with a reason (see Students).</p>")
    return "\n".join(rows)


def misconceptions(students: list) -> tuple:
    """({id: students who have it}, {id: the smallest example of it}) over graded students."""
    who: dict = {}
    best: dict = {}
    for s in students:
        if s.report is None:
            continue
        for _, check in _failed(s.report):
            for d in check.diagnoses:
                who.setdefault(d.id, set()).add(s.student)
                if d.id not in best or _smaller(d, best[d.id]):
                    best[d.id] = d
    return who, best


def _misconceptions(graded: list, named: bool) -> str:
    """The catalogue's misconceptions (``named``), or the failures it has no name for."""
    who, best = misconceptions(graded)
    shown = sorted((i for i in who if (i not in GENERIC_TITLES) == named), key=lambda i: (-len(who[i]), i))
    if not shown:
        return "<p>None.</p>" if named else "<p>None: every failure has a name.</p>"
    rows = ["<table>", f"<tr><th>{'Misconception' if named else 'What happened'}</th><th>Students</th>"
            "<th>One example (the smallest)</th></tr>"]
    for ident in shown:
        d = best[ident]
        names = ", ".join(escape(n) for n in sorted(who[ident]))
        drawing = pictures.inline_svg(d.graph)
        example = (f"<pre><code>{escape(d.example)}</code></pre>" if d.example else f"<p>{text_html(d.message)}</p>")
        rows.append(f'<tr><td class="what"><code>{escape(ident)}</code><br>{text_html(d.title or d.message)}</td>'
                    f'<td class="num">{len(who[ident])} of {len(graded)}'
                    f"<details><summary>who</summary>{names}</details></td><td>{example}"
                    + (f'<div class="picture">{drawing}</div>' if drawing else "") + "</td></tr>")
    return "\n".join(rows + ["</table>"])


def _students(students: list, pages: dict) -> str:
    rows = ["<table>", "<tr><th>Student</th><th>Score</th><th>Diagnoses</th></tr>"]
    for s in sorted(students, key=lambda s: (s.student.casefold(), s.student)):
        name = escape(s.student)
        if s.student in pages:
            name = f'<a href="{escape(quote(pages[s.student]))}">{name}</a>'
        if s.report is None:
            rows.append(f"<tr><td>{name}</td><td>—</td><td>grader error: {escape(s.error[:300])}</td></tr>")
            continue
        ids = sorted({d.id for _, c in _failed(s.report) for d in c.diagnoses})
        why = s.meta.get("unreadable")
        rows.append(f"<tr><td>{name}</td><td class=\"num\">{points(s.score)}/{points(s.max_score)}</td>"
                    f"<td>{escape(str(why)) if why else ' '.join(f'<code>{escape(i)}</code>' for i in ids)}</td></tr>")
    return "\n".join(rows + ["</table>"])


def _failed(report: Report) -> list:
    return [(e, c) for e in report.exercises for c in e.checks if not c.passed]


def _smaller(a: Diagnosis, b: Diagnosis) -> bool:
    """Prefer an example that can be drawn, then the shortest."""
    return (not a.graph, len(a.example.splitlines()), len(a.example)) < \
           (not b.graph, len(b.example.splitlines()), len(b.example))


def _column_order(students: list):
    """Checks in rubric order (as the first report lists them), unknown ones last."""
    order = {}
    for s in students:
        for e in (s.report.exercises if s.report else []):
            for c in e.checks:
                order.setdefault((e.name, c.name), len(order))
    return lambda key: order.get(key, len(order))


def _safe(row: list) -> list:
    """Quote cells a spreadsheet would run as a formula (=, +, -, @ first)."""
    return ["'" + x if isinstance(x, str) and x[:1] in ("=", "+", "-", "@") else x for x in row]

"""``--format html``: one self-contained page (no scripts, no CDN) for a student's report.

A table of checks, then each failure with its diagnosis, the example as code,
and, when Graphviz is installed, the example drawn like the lecture's
``draw_dot`` (inline SVG). Every piece of text is escaped: exception messages
come from the student's code.
"""
from __future__ import annotations

import re
from html import escape

from harness.graphs import example_graph
from harness.render import pictures
from harness.render._shared import examples, headline, points, printable, test_name
from harness.core.results import CheckResult, Report

STYLE = """
body { font: 15px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 60em; color: #222; padding: 0 1em; }
table { border-collapse: collapse; margin: 1em 0; }
th, td { border: 1px solid #ccc; padding: .3em .6em; text-align: left; vertical-align: top; }
td.num { text-align: right; }
.pass { color: #17692b; } .fail { color: #a31515; font-weight: bold; }
pre { background: #f5f5f5; padding: .6em; overflow-x: auto; }
.picture { margin-bottom: 1.2em; }
.picture svg { max-width: 100%; height: auto; }
body > .picture { overflow-x: auto; }
body > .picture svg { max-width: none; }  /* a student's own page: full size, scrolled when wide */
td.what { min-width: 14em; }
code { background: #f5f5f5; padding: 0 .2em; }
pre code { padding: 0; background: none; }
td.rate { white-space: nowrap; }
.about { color: #555; }
.bar { background: #6a8fd6; height: 1em; display: inline-block; }
"""


def page(title: str, body: list) -> str:
    """A complete HTML document around ``body`` (a list of HTML fragments)."""
    return printable("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                     f"<title>{escape(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
                     + "\n".join(body) + "\n</body>\n</html>\n")


def render(report: Report) -> str:
    body = [f"<h1>micrograde: {points(report.score)}/{points(report.max_score)} points</h1>",
            "<table>", "<tr><th>Exercise</th><th>Check</th><th>Result</th><th>Points</th></tr>"]
    for exercise in report.exercises:
        for check in exercise.checks:
            result = '<span class="pass">pass</span>' if check.passed else '<span class="fail">fail</span>'
            body.append(f"<tr><td>{escape(exercise.name)}</td><td>{escape(check.name)}</td><td>{result}</td>"
                        f'<td class="num">{points(check.score)}/{points(check.max_score)}</td></tr>')
    body.append("</table>")
    body.append(f'<p class="about">{escape(about(report))}</p>')
    for exercise in report.exercises:
        body += [f"<p><strong>Warning</strong> ({escape(exercise.name)}): {escape(w)}</p>"
                 for w in exercise.warnings]
        for check in exercise.checks:
            if not check.passed:
                body.append(f"<h2>{escape(test_name(exercise, check))}</h2>")
                body.append(failure_html(check))
    return page("micrograde report", body)


def failure_html(check: CheckResult) -> str:
    """A failed check: each diagnosis, then the examples as code (drawn when possible), then the fix."""
    parts = []
    for d in check.diagnoses:
        parts.append(f"<p><strong>{text_html(headline(d))}</strong></p>")
        if d.title and d.message:
            parts.append(f"<p>{text_html(d.message)}</p>")
    blocks = list(dict.fromkeys(b for example in examples(check) for b in example.split("\n\n")))
    if blocks:
        parts.append(f"<p>{'Failing examples' if len(blocks) > 1 else 'Smallest failing example'}:</p>")
    for block in blocks:   # each example, then its picture (when Graphviz is here)
        parts.append(f"<pre><code>{escape(block)}</code></pre>")
        drawing = pictures.inline_svg(_graph_of(block, check))
        if drawing:
            parts.append(f'<div class="picture">{drawing}</div>')
    for advice in dict.fromkeys(d.advice for d in check.diagnoses if d.advice):
        parts.append(f"<p>To fix: {text_html(advice)}</p>")
    return "\n".join(parts)


def about(report: Report) -> str:
    """What graded this report: a teacher reading a page later wants to know."""
    from importlib import metadata   # late: 15 ms, for this format only
    try:
        version = metadata.version("micrograde")
    except metadata.PackageNotFoundError:
        version = "unknown"
    layers = ", ".join(sorted({e.sandbox for e in report.exercises if e.sandbox})) or "unknown"
    return f"Graded by micrograde {version}, seed {report.seed}, sandbox layer {layers}."


def _graph_of(block: str, check: CheckResult) -> dict:
    """The picture's data for one example block: the diagnosis's own, or read back from the text."""
    for d in check.diagnoses:
        if d.graph and d.example.split("\n\n")[0] == block:
            return d.graph
    return example_graph.graph_from_example(block)


def text_html(text: str) -> str:
    """Escaped text, with `code` spans (as the catalogue writes them) shown as code."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", escape(text))

"""``--format junit``: JUnit XML, for the test reports of CI systems.

``<testsuites>`` > one ``<testsuite>`` per exercise > one ``<testcase>`` per
check, a failed check with ``<failure message=… type=…>`` whose text is the
full diagnosis (GitLab shows the text and ignores ``message``; dorny's and
mikepenz's reporters show ``message``: both carry the headline). Only the
elements and attributes of the common schema (Jenkins xunit's ``junit-10.xsd``,
Ant's ``XMLJUnitResultFormatter``) are used; points go into ``<properties>``
of the suite and ``<system-out>`` of each case, the places readers keep.

Text from the student's code (exception messages) may hold characters XML 1.0
cannot carry; they are replaced, so the file always parses.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from harness.render._shared import failure_text, headline, points
from harness.core.results import Report

_NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def render(report: Report) -> str:
    root = ET.Element("testsuites", name="micrograde", tests=str(_count(report)),
                      failures=str(_count(report, failed=True)), errors="0",
                      time=_seconds(report.seconds))
    for exercise in report.exercises:
        failed = sum(not c.passed for c in exercise.checks)
        suite = ET.SubElement(root, "testsuite", name=_clean(exercise.name),
                              tests=str(len(exercise.checks)), failures=str(failed), errors="0",
                              skipped="0", time=_seconds(sum(c.seconds for c in exercise.checks)))
        properties = ET.SubElement(suite, "properties")
        for name, value in (("score", points(exercise.score)), ("max_score", points(exercise.max_score)),
                            ("path", exercise.path), ("seed", str(report.seed))):
            ET.SubElement(properties, "property", name=name, value=_clean(value))
        for check in exercise.checks:
            case = ET.SubElement(suite, "testcase", classname=_clean(exercise.name),
                                 name=_clean(check.name), time=_seconds(check.seconds))
            where = check.diagnoses[0].line if check.diagnoses else ""
            if where:
                case.set("file", _clean(where.rpartition(", line ")[0] or where))
            if not check.passed:
                first = check.diagnoses[0] if check.diagnoses else None
                failure = ET.SubElement(case, "failure",
                                        message=_clean(headline(first) if first else "failed"),
                                        type=_clean(first.id if first else "failed"))
                failure.text = _clean(failure_text(check))
            out = ET.SubElement(case, "system-out")
            out.text = f"points: {points(check.score)}/{points(check.max_score)}"
        if exercise.warnings:
            ET.SubElement(suite, "system-out").text = _clean("\n".join(exercise.warnings))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _count(report: Report, failed: bool = False) -> int:
    return sum(1 for e in report.exercises for c in e.checks if not failed or not c.passed)


def _seconds(x: float) -> str:
    return f"{x:.3f}"


def _clean(text: str) -> str:
    return _NOT_XML.sub("\ufffd", str(text))

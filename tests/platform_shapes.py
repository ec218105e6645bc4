"""Validators of the platforms' published result shapes, shared by the format and setup tests.

Written from the platforms' own documents and code:

* Gradescope: gradescope/autograder_samples ``docs/specs.md`` (keys, types,
  allowed values of ``status``, ``output_format`` and ``visibility``).
* GitHub Classroom: classroom-resources/autograding-grading-reporter
  (``src/main.js`` decodes ``<ID>_RESULTS`` from base64 JSON;
  ``src/notify-classroom.js`` sends "Points X/Y", X the sum of every test's
  ``score``, Y the sum of the runners' ``max_score``, runners with a falsy
  ``max_score`` skipped; the job fails when a runner's status is fail/error),
  and the command grader's result shape.
* JUnit: Jenkins xunit's ``junit-10.xsd`` (which elements may hold which, and
  which attributes exist) plus Ant's formatter's required attributes
  (testsuite name/tests/failures/errors/time; testcase name/classname/time;
  failure message/type), which the stricter readers demand.
"""
from __future__ import annotations

import base64
import json
import math
import xml.etree.ElementTree as ET


def strict_json(text: str):
    def refuse(name):
        raise ValueError(f"{name} is not JSON")
    return json.loads(text, parse_constant=refuse)


def is_number(x) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


# -- Gradescope ------------------------------------------------------------------
GS_TOP = {"score", "execution_time", "output", "output_format", "test_output_format", "test_name_format",
          "visibility", "stdout_visibility", "extra_data", "tests", "leaderboard"}
GS_TEST = {"score", "max_score", "status", "name", "name_format", "number", "output", "output_format",
           "tags", "visibility", "extra_data"}
GS_FORMATS = {"text", "simple_format", "html", "md", "ansi"}
GS_VISIBILITY = {"hidden", "after_due_date", "after_published", "visible"}


def validate_gradescope(doc) -> list:
    """Problems with a results.json per Gradescope's spec; [] when it is valid."""
    problems = []
    if not isinstance(doc, dict):
        return ["results.json is not an object"]
    problems += [f"unknown top-level key {k!r}" for k in set(doc) - GS_TOP]
    if "score" in doc and not is_number(doc["score"]):
        problems.append("score is not a number")
    if "execution_time" in doc and not is_number(doc["execution_time"]):
        problems.append("execution_time is not a number")
    for key in ("output_format", "test_output_format", "test_name_format"):
        if key in doc and doc[key] not in GS_FORMATS:
            problems.append(f"{key} {doc[key]!r} is not one of {sorted(GS_FORMATS)}")
    for key in ("visibility", "stdout_visibility"):
        if key in doc and doc[key] not in GS_VISIBILITY:
            problems.append(f"{key} {doc[key]!r} is not allowed")
    if "output" in doc and not isinstance(doc["output"], str):
        problems.append("output is not a string")
    tests = doc.get("tests", [])
    if not isinstance(tests, list):
        return problems + ["tests is not a list"]
    if "score" not in doc and not all(isinstance(t, dict) and "score" in t for t in tests):
        problems.append("no top-level score and a test without score")
    for i, t in enumerate(tests):
        if not isinstance(t, dict):
            problems.append(f"tests[{i}] is not an object")
            continue
        problems += [f"tests[{i}]: unknown key {k!r}" for k in set(t) - GS_TEST]
        for key in ("score", "max_score"):
            if key in t and not is_number(t[key]):
                problems.append(f"tests[{i}].{key} is not a number")
        if "status" in t and t["status"] not in ("passed", "failed"):
            problems.append(f"tests[{i}].status {t['status']!r} is not passed/failed")
        for key in ("name", "number", "output"):
            if key in t and not isinstance(t[key], str):
                problems.append(f"tests[{i}].{key} is not a string")
        if "output_format" in t and t["output_format"] not in GS_FORMATS:
            problems.append(f"tests[{i}].output_format is not allowed")
        if "tags" in t and not all(isinstance(x, str) for x in t["tags"]):
            problems.append(f"tests[{i}].tags are not strings")
        if "extra_data" in t and not isinstance(t["extra_data"], dict):
            problems.append(f"tests[{i}].extra_data is not an object")
    return problems


# -- GitHub Classroom -----------------------------------------------------------
def validate_github(doc) -> list:
    problems = []
    if not isinstance(doc, dict):
        return ["the runner result is not an object"]
    if not isinstance(doc.get("version"), int):
        problems.append("version is not an integer")
    if doc.get("status") not in ("pass", "fail", "error"):
        problems.append("status is not pass/fail/error")
    if not is_number(doc.get("max_score")):
        problems.append("max_score is not a number")
    if not isinstance(doc.get("tests"), list):
        return problems + ["tests is not a list"]
    types = {"name": str, "status": str, "score": (int, float), "message": str, "test_code": str,
             "filename": str, "line_no": int, "duration": int}
    for i, t in enumerate(doc["tests"]):
        for key, kind in types.items():
            if not isinstance(t.get(key), kind) or isinstance(t.get(key), bool):
                problems.append(f"tests[{i}].{key} is not a {kind}")
        if t.get("status") not in ("pass", "fail", "error"):
            problems.append(f"tests[{i}].status is not pass/fail/error")
    return problems


def reporter(runners: str, env: dict) -> tuple:
    """What autograding-grading-reporter does with the runners' results: (points, max, job fails)."""
    results = []
    for runner in runners.split(","):
        encoded = env[f"{runner.strip().upper()}_RESULTS"]
        results.append(json.loads(base64.b64decode(encoded).decode("utf-8")))
    total = maximum = 0
    for r in results:
        if not r["max_score"]:
            continue
        maximum += r["max_score"]
        total += sum(t["score"] for t in r["tests"])
    fails = any(r["status"] in ("fail", "error") for r in results)
    return total, maximum, fails


# -- JUnit ------------------------------------------------------------------------
# junit-10.xsd (Jenkins xunit): children and attributes each element may have.
JUNIT_CHILDREN = {"testsuites": {"testsuite"},
                  "testsuite": {"testsuite", "properties", "testcase", "system-out", "system-err"},
                  "properties": {"property"}, "property": set(),
                  "testcase": {"skipped", "error", "failure", "system-out", "system-err"},
                  "failure": set(), "error": set(), "skipped": set(), "system-out": set(), "system-err": set()}
JUNIT_ATTRIBUTES = {
    "testsuites": {"name", "time", "tests", "failures", "disabled", "errors"},
    "testsuite": {"name", "tests", "failures", "errors", "time", "disabled", "skipped", "skips", "timestamp",
                  "hostname", "id", "package", "assertions", "file", "skip", "log", "url"},
    "testcase": {"name", "assertions", "time", "timestamp", "classname", "status", "class", "file", "line",
                 "log", "group", "url"},
    "failure": {"type", "message"}, "error": {"type", "message"}, "skipped": {"type", "message"},
    "properties": set(), "property": {"name", "value"}, "system-out": set(), "system-err": set()}
# Ant's XMLJUnitResultFormatter writes these, and strict readers require them.
JUNIT_REQUIRED = {"testsuite": {"name", "tests", "failures", "errors", "time"},
                  "testcase": {"name", "classname", "time"}, "failure": {"message", "type"},
                  "property": {"name", "value"}}


def validate_junit(text: str) -> list:
    root = ET.fromstring(text.encode("utf-8"))
    problems = [] if root.tag == "testsuites" else [f"root is <{root.tag}>, not <testsuites>"]
    for parent in root.iter():
        if parent.tag not in JUNIT_CHILDREN:
            problems.append(f"<{parent.tag}> is not a JUnit element")
            continue
        problems += [f"<{c.tag}> inside <{parent.tag}>" for c in parent if c.tag not in JUNIT_CHILDREN[parent.tag]]
        problems += [f"<{parent.tag} {a}=…> is not in the schema" for a in set(parent.attrib) - JUNIT_ATTRIBUTES[parent.tag]]
        problems += [f"<{parent.tag}> lacks {a}" for a in JUNIT_REQUIRED.get(parent.tag, set()) - set(parent.attrib)]
        if "time" in parent.attrib:
            float(parent.attrib["time"])
    for suite in root.iter("testsuite"):
        cases = suite.findall("testcase")
        if int(suite.get("tests")) != len(cases):
            problems.append(f"suite {suite.get('name')}: tests={suite.get('tests')} but {len(cases)} testcases")
        if int(suite.get("failures")) != sum(c.find("failure") is not None for c in cases):
            problems.append(f"suite {suite.get('name')}: failures count is wrong")
        tags = [c.tag for c in suite]
        if "properties" in tags and tags.index("properties") != 0:
            problems.append("properties is not the suite's first child (Ant's order)")
    return problems

"""Every output format against its platform's published shape, not only against itself.

The validators below are written from the platforms' own documents and code:

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

Reports come from the real ``grade`` command on real engines.
"""
from __future__ import annotations

import base64
import html.parser
import importlib.util
import json
import math
import re
import shutil
import xml.etree.ElementTree as ET

import pytest

from support import REPO, make_exercise, run_grade
from harness.render import RENDERERS
from harness.core.results import CheckResult, Diagnosis, ExerciseResult, Report

REFERENCE = REPO / "reference" / "engine.py"
NASTY = "bad \x00\x07\x1b[31m <b>&amp;</b> ]]> | `x` *y* \ud800 end"


def overwrite_in_add() -> str:
    """The classic bug, in ``+`` only: its ``_backward`` assigns (``=``) where it must add (``+=``)."""
    text = REFERENCE.read_text(encoding="utf-8")
    return text.replace("self.grad += out.grad", "self.grad = out.grad", 1) \
               .replace("other.grad += out.grad", "other.grad = out.grad", 1)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Every format for a buggy and a correct engine: {(format, which): text}.

    Each engine is graded once (``--format json``); the other formats come from
    ``grade render`` of that report, so they describe the same grading. One
    format is also asked of ``grade`` directly, to cover that path.
    """
    root = tmp_path_factory.mktemp("formats")
    make_exercise(root / "buggy", "04_engine", overwrite_in_add())
    make_exercise(root / "correct", "04_engine", REFERENCE)
    out = {}
    for which in ("buggy", "correct"):
        status = 1 if which == "buggy" else 0
        run = run_grade("--format", "json", "--output", root / f"{which}.json", "--examples", "40",
                        root / which, cwd=root)
        assert run.returncode == status, run.stderr
        out[("json", which)] = (root / f"{which}.json").read_text(encoding="utf-8")
        for fmt in ("gradescope", "github", "junit", "markdown", "html"):
            rendered = run_grade("render", root / f"{which}.json", "--format", fmt, cwd=root)
            assert rendered.returncode == status, rendered.stderr
            out[(fmt, which)] = rendered.stdout
    direct = run_grade("--format", "gradescope", "--examples", "40", root / "buggy", cwd=root)
    assert direct.returncode == 1, direct.stderr
    out[("gradescope-direct", "buggy")] = direct.stdout
    return out


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


@pytest.mark.parametrize("which", ["buggy", "correct"])
def test_gradescope_results_follow_the_spec_and_add_up(runs, which):
    doc = strict_json(runs[("gradescope", which)])
    report = strict_json(runs[("json", which)])
    assert validate_gradescope(doc) == []
    assert doc["output_format"] == "md" and all(t["output_format"] == "md" for t in doc["tests"])
    checks = [c for e in report["exercises"] for c in e["checks"]]
    assert len(doc["tests"]) == len(checks)
    assert doc["score"] == report["score"] == sum(t["score"] for t in doc["tests"])
    assert sum(t["max_score"] for t in doc["tests"]) == report["max_score"]
    assert len({t["name"] for t in doc["tests"]}) == len(doc["tests"])
    for test, check in zip(doc["tests"], checks):
        # Gradescope counts a test as passed when score == max_score unless status says otherwise
        assert (test["status"] == "passed") == check["passed"] == (test["score"] == test["max_score"])
        if not check["passed"]:
            assert check["diagnoses"][0]["id"] in test["output"]
            assert "```python" in test["output"]          # the example, as code
            assert test["extra_data"]["diagnoses"] == [d["id"] for d in check["diagnoses"]]


def test_grade_format_gives_what_grade_render_gives(runs):
    direct, rendered = (strict_json(runs[(k, "buggy")]) for k in ("gradescope-direct", "gradescope"))
    assert validate_gradescope(direct) == []
    for doc in (direct, rendered):
        del doc["execution_time"]
    assert direct == rendered   # same seed, same grading, same renderer


def test_the_gradescope_validator_rejects_what_gradescope_rejects():
    assert validate_gradescope({"score": "10"}) == ["score is not a number"]
    assert validate_gradescope({"tests": [{"status": "pass", "score": 1}]}) == \
        ["tests[0].status 'pass' is not passed/failed"]
    assert validate_gradescope({"tests": [{"name": "x"}]}) == ["no top-level score and a test without score"]
    assert validate_gradescope({"score": 1, "output_format": "markdown"}) != []


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


@pytest.mark.parametrize("which", ["buggy", "correct"])
def test_github_runner_result_follows_the_reporter_and_points_add_up(runs, which):
    text = runs[("github", which)]
    doc = strict_json(text)
    report = strict_json(runs[("json", which)])
    assert validate_github(doc) == []
    env = {"MICROGRADE_RESULTS": base64.b64encode(text.encode()).decode()}
    points, maximum, fails = reporter("micrograde", env)
    assert (points, maximum) == (report["score"], report["max_score"])
    assert fails == (which == "buggy")
    failed = [t for t in doc["tests"] if t["status"] == "fail"]
    assert bool(failed) == (which == "buggy")
    maxima = {f"{e['name']}: {c['name']}": c["max_score"] for e in report["exercises"] for c in e["checks"]}
    for t in failed:   # a failed check may keep the shares of the operations that work, never all
        assert t["message"].startswith("[") and "expected" in t["message"]
        assert 0 <= t["score"] < maxima[t["name"]] and t["test_code"]
    if which == "buggy":  # located in the student's file
        assert any(t["filename"] == "value.py" and t["line_no"] > 0 for t in failed)


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


@pytest.mark.parametrize("which", ["buggy", "correct"])
def test_junit_follows_the_schema_and_carries_the_diagnosis(runs, which):
    text = runs[("junit", which)]
    assert validate_junit(text) == []
    report = strict_json(runs[("json", which)])
    root = ET.fromstring(text.encode("utf-8"))
    cases = root.findall("./testsuite/testcase")
    checks = [c for e in report["exercises"] for c in e["checks"]]
    assert [c.get("name") for c in cases] == [c["name"] for c in checks]
    for case, check in zip(cases, checks):
        failure = case.find("failure")
        assert (failure is None) == check["passed"]
        if failure is not None:
            assert failure.get("type") == check["diagnoses"][0]["id"]
            assert check["diagnoses"][0]["id"] in failure.get("message")   # dorny/mikepenz show this
            assert "expected" in failure.text                               # GitLab shows this


def test_the_junit_validator_catches_schema_errors():
    bad = ('<testsuites><testsuite name="a" tests="2" failures="0" errors="0" time="0">'
           '<testcase name="x" classname="a" time="0"><failure type="t">no message</failure></testcase>'
           '<testcase name="y" time="0" points="3"/><bogus/></testsuite></testsuites>')
    problems = validate_junit(bad)
    assert "<failure> lacks message" in problems
    assert "<testcase> lacks classname" in problems
    assert "<testcase points=…> is not in the schema" in problems
    assert "<bogus> inside <testsuite>" in problems
    assert any("failures count" in p for p in problems)


# -- the same model, text that comes from the student ------------------------------
def nasty_report() -> Report:
    """A report whose text holds what a student's exception message can hold."""
    d = Diagnosis("exception", f"raised ValueError: {NASTY}", example=f"a = Value(1.0)\n# ```\n{NASTY}",
                  title="Your code raised an exception", line="value.py, line 7",
                  graph={"values": [{"name": "a", "data": 1.0, "grad": 1.0, "actual_grad": NASTY}],
                         "compared": ["data", "grad"]})
    check = CheckResult("forward", 2, False, [d], description="forward | values")
    ok = CheckResult("gradients", 3, True)
    return Report([ExerciseResult("04_engine", "x", checks=[check, ok], warnings=[NASTY])], seconds=0.5)


def test_xml_cannot_be_broken_by_a_students_message():
    text = RENDERERS["junit"](nasty_report())
    assert validate_junit(text) == []
    failure = ET.fromstring(text.encode("utf-8")).find(".//failure")
    assert "<b>&amp;</b> ]]>" in failure.text and "\x00" not in failure.text


def test_markdown_table_and_fences_survive_a_students_message():
    text = RENDERERS["markdown"](nasty_report())
    rows = [line for line in text.splitlines() if line.startswith("|")]
    assert len(rows) == 4 and len({row.count(" | ") for row in rows}) == 1   # no cell broke the table
    fences = [line for line in text.splitlines() if re.fullmatch(r"`{3,}\w*", line)]
    assert len(fences) == 2 and fences[0].startswith("````")   # longer than the ``` inside the example
    outside = re.sub(r"(?ms)^````.*?^````$", "", text)
    assert "<b>" not in outside and "\\<b\\>" in outside         # escaped outside code
    assert "\x00" not in text and "\ud800" not in text            # and writable as UTF-8
    text.encode("utf-8")
    assert "2/2" not in text and "0/2" in text and "3/3" in text


def test_github_and_gradescope_json_survive_a_students_message():
    for fmt in ("github", "gradescope"):
        doc = strict_json(RENDERERS[fmt](nasty_report()))
        assert (validate_github if fmt == "github" else validate_gradescope)(doc) == []


class _Tags(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.urls = [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.urls += [v for k, v in attrs if k in ("src", "href") and v]


def test_html_is_self_contained_and_escapes_the_student():
    parser = _Tags()
    parser.feed(RENDERERS["html"](nasty_report()))
    assert "script" not in parser.tags and parser.urls == []
    assert "b" not in parser.tags          # the student's <b> is text, not markup


@pytest.mark.skipif(shutil.which("dot") is None or importlib.util.find_spec("graphviz") is None,
                    reason="needs Graphviz: its dot program and the graphviz package (micrograde[pictures])")
def test_html_report_draws_the_failing_example(runs):
    page = runs[("html", "buggy")]
    assert "<svg" in page and "got 1.0" in page   # a + a: grad expected 2.0, got 1.0
    assert "<svg" not in runs[("html", "correct")]


# -- the weakest sandbox layer is said in every format (issue 13) ----------------------------
def test_every_format_says_when_the_sandbox_is_only_rlimits(tmp_path):
    import os
    import subprocess
    from support import grade_command
    folder = make_exercise(tmp_path / "03", "03_reuse", overwrite_in_add())
    env = {**os.environ, "MICROGRADE_SANDBOX": "rlimits"}
    done = subprocess.run(grade_command() + ["--format", "json", "--output", str(tmp_path / "r.json"), str(folder)],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 1, done.stderr
    saved = json.loads((tmp_path / "r.json").read_text())
    assert saved["exercises"][0]["sandbox"] == "rlimits"
    assert any("rlimits" in w and "apt-get install bubblewrap" in w for w in saved["exercises"][0]["warnings"])
    for fmt in sorted(RENDERERS):
        if fmt == "github":   # a runner result has no place for it: the workflow's Markdown summary says it
            continue
        shown = run_grade("render", tmp_path / "r.json", "--format", fmt, cwd=tmp_path)
        assert shown.returncode == 1, shown.stderr
        text = shown.stdout
        assert "rlimits" in text and "bubblewrap" in text and "reference solution" in text, fmt
    stronger = run_grade("--format", "json", folder, cwd=tmp_path)   # the default layer here: no warning
    if stronger.report["exercises"][0]["sandbox"] != "rlimits":
        assert not any("rlimits" in w for w in stronger.report["exercises"][0]["warnings"])

"""Every output format against its platform's published shape, not only against itself.

The validators are in ``platform_shapes.py``, written from the platforms' own
documents and code (its docstring names them: Gradescope's spec, GitHub
Classroom's grading reporter, JUnit's schema as Jenkins and Ant read it).
Reports come from the real ``grade`` command on real engines.
"""
from __future__ import annotations

import base64
import html.parser
import importlib.util
import json
import re
import shutil
import xml.etree.ElementTree as ET

import pytest

from platform_shapes import (reporter, strict_json, validate_github, validate_gradescope,
                             validate_junit)
from support import REFERENCE, make_exercise, overwrite_in_add, run_grade
from harness.render import RENDERERS
from harness.core.results import CheckResult, Diagnosis, ExerciseResult, Report

NASTY = "bad \x00\x07\x1b[31m <b>&amp;</b> ]]> | `x` *y* \ud800 end"


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

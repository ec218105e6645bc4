"""Credit per operation family (issue 10, items 1, 2 and 7), through the real ``grade`` command.

Engines written the way learners write (tests/corpus/learners/engines/):
correct in every operation they have, missing some. Each expected score is
computed here from the rubric's points and the count of working families, never
copied from the grader's output.
"""
from __future__ import annotations

import json
import math
import xml.etree.ElementTree as ET
from fractions import Fraction

import pytest

from harness.grading import credit, rubric
from support import CORPUS, checks_by_exercise, make_exercise, run_grade

ENGINES = CORPUS / "learners" / "engines"
RUBRIC = rubric.load(rubric.builtin_rubrics()["04_engine"])
POINTS = {c.name: Fraction(c.points) for c in RUBRIC.checks}
FAMILIES = ("add", "mul", "sub", "neg", "div", "pow", "exp", "tanh", "relu")
LECTURE_REUSE = ("self-add", "lecture-diamond", "self-mul", "shared-tanh", "shared-subexpression")
LECTURE_REUSE_FAMILIES = {"self-add": {"add"}, "lecture-diamond": {"add", "mul"}, "self-mul": {"mul"},
                          "shared-tanh": {"tanh", "mul"}, "shared-subexpression": {"add", "mul"}}


def expected_scores(broken: set, deep_chain: bool) -> dict:
    """The fair score of each 04 check for an engine whose ``broken`` families fail."""
    working = Fraction(len(set(FAMILIES) - broken), len(FAMILIES))
    fixed_ok = sum(1 for g in LECTURE_REUSE if not LECTURE_REUSE_FAMILIES[g] & broken)
    return {"forward": POINTS["forward"] * working, "gradients-trees": POINTS["gradients-trees"] * working,
            "reuse": POINTS["reuse"] * working,
            "lecture-reuse": POINTS["lecture-reuse"] * Fraction(fixed_ok, len(LECTURE_REUSE)),
            "deep-chain": POINTS["deep-chain"] if deep_chain else 0, "fan-out": POINTS["fan-out"]}


def grade_04(tmp_path, engine: str, *extra):
    folder = make_exercise(tmp_path / "submission", "04_engine", ENGINES / f"{engine}.py")
    return run_grade("--format", "json", *extra, folder, cwd=tmp_path)


@pytest.fixture
def graded_04(graded):
    """``graded_04(engine)``: a learner engine's 04 report, graded once per test session."""
    return lambda engine: graded(ENGINES / f"{engine}.py")


CASES = {
    # engine: (broken families, deep chain passes, ids named, status of each broken family)
    "lecture_no_relu_rsub_rdiv": ({"relu", "sub", "div"}, False,
                                  {"missing-operation", "reflected-operand", "recursion-depth"},
                                  {"relu": "missing-operation", "sub": "reflected-operand",
                                   "div": "reflected-operand"}),
    "micrograd_engine_no_exp_tanh": ({"exp", "tanh"}, False, {"missing-operation", "recursion-depth"},
                                     {"exp": "missing-operation", "tanh": "missing-operation"}),
    "rsub_missing_sub_via_neg": ({"sub"}, False, {"reflected-operand", "recursion-depth"},
                                 {"sub": "reflected-operand"}),
}


@pytest.mark.parametrize("engine", sorted(CASES))
def test_an_engine_correct_in_what_it_has_earns_each_working_family_share(engine, graded_04):
    broken, deep, ids, statuses = CASES[engine]
    run = graded_04(engine)
    assert run.returncode == 1, run.describe()
    exercise = run.report["exercises"][0]
    checks = checks_by_exercise(run.report)["04_engine"]
    want = expected_scores(broken, deep)
    for name, score in want.items():
        assert math.isclose(checks[name]["score"], float(score), abs_tol=1e-9), (name, run.describe())
    assert math.isclose(exercise["score"], float(sum(want.values())), abs_tol=1e-9)
    assert {d["id"] for c in checks.values() for d in c["diagnoses"]} == ids, run.describe()
    for name in ("forward", "gradients-trees", "reuse"):
        families = checks[name]["families"]
        assert set(families) == set(FAMILIES)
        assert {f: s for f, s in families.items() if s != "passed"} == statuses, (name, families)


def test_seven_of_nine_families_with_a_recursive_sort(graded_04):
    """The issue's example: 12 x 7/9 by family, lecture-reuse without tanh, fan-out 3, deep-chain 0."""
    run = graded_04("micrograd_engine_no_exp_tanh")
    checks = checks_by_exercise(run.report)["04_engine"]
    total = Fraction(12 * 7, 9) + Fraction(2 * 4, 5) + 3
    assert math.isclose(run.report["score"], float(total), abs_tol=1e-9)   # 13.93
    assert checks["lecture-reuse"]["families"] == {"add": "passed", "mul": "passed", "tanh": "missing-operation"}
    assert checks["deep-chain"]["score"] == 0 and checks["fan-out"]["score"] == 3
    assert [d["id"] for d in checks["deep-chain"]["diagnoses"]] == ["recursion-depth"]


def test_an_operation_built_on_a_missing_one_is_lost_in_the_rerun(graded_04):
    """``a - b`` as ``a + (-b)`` without ``neg``: sub fails in the re-run without neg."""
    run = graded_04("neg_missing_sub_via_neg")
    checks = checks_by_exercise(run.report)["04_engine"]
    want = expected_scores({"neg", "sub"}, True)
    for name, score in want.items():
        assert math.isclose(checks[name]["score"], float(score), abs_tol=1e-9), (name, run.describe())
    for name in ("forward", "gradients-trees", "reuse"):
        families = checks[name]["families"]
        assert families["neg"] == "missing-operation"
        assert families["sub"] != "passed"
        assert all(families[f] == "passed" for f in FAMILIES if f not in ("neg", "sub")), families


def test_a_whole_engine_defect_still_fails_the_whole_check(graded):
    run = graded(CORPUS / "buggy" / "forgot_seed.py")
    checks = checks_by_exercise(run.report)["04_engine"]
    for name in ("gradients-trees", "reuse", "lecture-reuse"):
        assert checks[name]["score"] == 0, run.describe()
        assert "missing-grad-seed" in {d["id"] for d in checks[name]["diagnoses"]}


def test_same_seed_same_fractional_grade(tmp_path):
    first = grade_04(tmp_path, "lecture_no_relu_rsub_rdiv", "--seed", "7").report
    second = grade_04(tmp_path, "lecture_no_relu_rsub_rdiv", "--seed", "7").report
    strip = lambda r: [(c["name"], c["score"], c.get("families")) for e in r["exercises"] for c in e["checks"]]
    assert strip(first) == strip(second)


def test_fractional_points_in_text_gradescope_junit_and_github(tmp_path):
    folder = make_exercise(tmp_path / "submission", "04_engine", ENGINES / "lecture_no_relu_rsub_rdiv.py")
    saved = tmp_path / "report.json"
    assert run_grade("--format", "json", "--output", saved, folder, cwd=tmp_path).returncode == 1
    exact = float(expected_scores({"relu", "sub", "div"}, False)["forward"])   # 2 x 6/9

    text = run_grade("render", saved, cwd=tmp_path).stdout
    assert "04_engine (" in text and ": 13/20" in text and "forward          1.33/2" in text, text
    assert "relu missing" in text and "- / fail with a number on the left" in text, text

    gradescope = json.loads(run_grade("render", saved, "--format", "gradescope", cwd=tmp_path).stdout)
    scores = {t["name"]: t["score"] for t in gradescope["tests"]}
    assert math.isclose(scores["04_engine: forward"], exact)
    assert math.isclose(gradescope["score"], sum(scores.values())) and math.isclose(gradescope["score"], 13)

    github = json.loads(run_grade("render", saved, "--format", "github", cwd=tmp_path).stdout)
    assert math.isclose(sum(t["score"] for t in github["tests"]), 13)
    assert math.isclose({t["name"]: t["score"] for t in github["tests"]}["04_engine: reuse"], 4)

    junit = ET.fromstring(run_grade("render", saved, "--format", "junit", cwd=tmp_path).stdout)
    outs = {c.get("name"): c.find("system-out").text for c in junit.iter("testcase")}
    assert outs["forward"] == "points: 1.33/2" and outs["gradients-trees"] == "points: 2.67/4"


def test_weights_split_a_checks_points(tmp_path):
    data = {"exercise": "w", "files": ["value.py"], "reference": {"value.py": "engine.py"},
            "entry": "value:Value", "ops": list(FAMILIES), "weights": {"tanh": 3, "relu": 0},
            "checks": [{"name": "reuse", "kind": "generated", "points": 10},
                       {"name": "own", "kind": "generated", "points": 4, "weights": {"add": 2}}]}
    loaded = rubric.parse(data, "w.yaml")
    reuse, own = loaded.checks
    share = credit.shares(reuse, loaded)
    assert math.isclose(share["tanh"], 10 * 3 / 10) and share["relu"] == 0 and math.isclose(share["add"], 1)
    assert math.isclose(sum(credit.shares(own, loaded).values()), 4)
    # the check's own weight for add joins the rubric's: 2 + six at 1 + tanh 3 + relu 0 = 11
    assert math.isclose(credit.shares(own, loaded)["add"], 4 * 2 / 11)


@pytest.mark.parametrize("weights, key, words", [
    ({"sqrt": 1}, "weights.sqrt", "not an operation family"),
    ({"tanh": -1}, "weights.tanh", "a number 0 or more"),
    ("tanh", "weights", "must be a mapping"),
])
def test_broken_weights_name_the_key(weights, key, words):
    data = {"exercise": "w", "files": ["value.py"], "reference": {"value.py": "engine.py"},
            "entry": "value:Value", "ops": list(FAMILIES), "weights": weights,
            "checks": [{"name": "reuse", "kind": "generated", "points": 10}]}
    with pytest.raises(rubric.RubricError) as caught:
        rubric.parse(data, "w.yaml")
    assert caught.value.key == key and words in str(caught.value)

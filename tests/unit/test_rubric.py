"""Rubrics are validated when read: a mistake names the file and the key.

The shipped rubrics all load; each broken rubric below is written as a YAML
file and must raise ``RubricError`` with ``source`` = that file and ``key`` =
the offending key, both also in the message (the CLI prints it, exit 2).
"""
from __future__ import annotations

import copy

import pytest
import yaml

from harness.grading import rubric
from support import ALL_EXERCISES

VALID = {
    "exercise": "99_test",
    "title": "A rubric written by a test",
    "files": ["value.py"],
    "reference": {"value.py": "engine.py"},
    "entry": "value:Value",
    "ops": ["add", "mul", "tanh"],
    "limits": {"check_seconds": 5},
    "checks": [
        {"name": "trees", "kind": "generated", "shape": "tree", "points": 2, "examples": 10},
        {"name": "lecture", "kind": "fixed", "graphs": ["self-add"], "points": 1},
    ],
}


def write(tmp_path, data, text=None):
    path = tmp_path / "99_test.yaml"
    path.write_text(text if text is not None else yaml.safe_dump(data), encoding="utf-8")
    return path


def broken(change):
    data = copy.deepcopy(VALID)
    change(data)
    return data


def test_shipped_rubrics_load_with_points():
    shipped = rubric.builtin_rubrics()
    assert sorted(shipped) == list(ALL_EXERCISES)
    for name, path in shipped.items():
        loaded = rubric.load(path)
        assert loaded.name == name and loaded.max_score > 0 and loaded.checks


def test_the_valid_rubric_of_these_tests_loads(tmp_path):
    loaded = rubric.load(write(tmp_path, VALID))
    assert [c.name for c in loaded.checks] == ["trees", "lecture"] and loaded.max_score == 3


BROKEN = {
    "unknown-top-key": (lambda d: d.update(exercize="x"), "exercize"),
    "missing-checks": (lambda d: d.pop("checks"), "checks"),
    "empty-checks": (lambda d: d.update(checks=[]), "checks"),
    "unknown-op": (lambda d: d.update(ops=["add", "tanhh"]), "ops"),
    "unknown-op-in-check": (lambda d: d["checks"][0].update(ops=["sqrt"]), "checks[0].ops"),
    "unknown-kind": (lambda d: d["checks"][0].update(kind="generatd"), "checks[0].kind"),
    "unknown-check-key": (lambda d: d["checks"][1].update(example=3), "checks[1].example"),
    "negative-points": (lambda d: d["checks"][0].update(points=-1), "checks[0].points"),
    "points-as-text": (lambda d: d["checks"][0].update(points="two"), "checks[0].points"),
    "zero-examples": (lambda d: d["checks"][0].update(examples=0), "checks[0].examples"),
    "unknown-shape": (lambda d: d["checks"][0].update(shape="graph"), "checks[0].shape"),
    "unknown-named-graph": (lambda d: d["checks"][1].update(graphs=["self-sub"]), "checks[1].graphs"),
    "duplicate-check-name": (lambda d: d["checks"][1].update(name="trees"), "checks"),
    "unknown-limit": (lambda d: d.update(limits={"cpu": 3}), "limits.cpu"),
    "negative-limit": (lambda d: d.update(limits={"check_seconds": -1}), "limits.check_seconds"),
    "file-without-reference": (lambda d: d.update(files=["value.py", "nn.py"]), "reference"),
    "entry-not-text": (lambda d: d.update(entry=["value", "Value"]), "entry"),
    # a fixed check with no graphs would judge nothing and pass: free points
    "fixed-check-without-graphs": (lambda d: d["checks"][1].pop("graphs"), "checks[1].graphs"),
    # the generator names leaves a..z: more would fail while grading (exit 3), not here
    "too-many-leaves": (lambda d: d["checks"][0].update(max_leaves=40), "checks[0].max_leaves"),
    # a string would be iterated into ('t', 'o', 'r', 'c', 'h'): torch no longer forbidden
    "forbidden-imports-as-text": (lambda d: d.update(forbidden_imports="torch"), "forbidden_imports"),
    # True is an int to isinstance(): a chain of depth 1
    "depth-as-boolean": (lambda d: d["checks"][0].update(kind="chain", depth=True), "checks[0].depth"),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_rubric_names_file_and_key(case, tmp_path):
    change, key = BROKEN[case]
    path = write(tmp_path, broken(change))
    with pytest.raises(rubric.RubricError) as caught:
        rubric.load(path)
    error = caught.value
    assert (error.source, error.key) == (str(path), key), str(error)
    assert str(path) in str(error) and key in str(error)


@pytest.mark.parametrize("text, key", [
    ("checks: [\n", "(file)"),                 # not YAML
    ("- just\n- a list\n", "(top level)"),     # not a mapping
])
def test_unreadable_rubric_is_a_rubric_error(text, key, tmp_path):
    path = write(tmp_path, None, text)
    with pytest.raises(rubric.RubricError) as caught:
        rubric.load(path)
    assert caught.value.key == key and str(path) in str(caught.value)


def test_missing_rubric_file_is_a_rubric_error(tmp_path):
    with pytest.raises(rubric.RubricError) as caught:
        rubric.load(tmp_path / "nowhere.yaml")
    assert caught.value.key == "(file)" and "nowhere.yaml" in str(caught.value)

"""Buggy engines lose exactly the checks their bug shows up in.

Each file in ``corpus/buggy`` is a complete engine with one defect, named
after it. The table below says, per exercise, the score and which checks
fail; every other check must pass. Only pass/fail and scores are asserted:
which diagnosis id names the bug is the misconception catalogue's business.

Each row was reasoned out from the bug before it was run, e.g. an assigning
``_backward`` is right on trees (02) and on a chain (every value read once),
wrong wherever a value is read twice (03's and 04's reuse checks, the fan-out).

Each engine is graded once, on the exercises of its row, through the real
``grade`` command; the table, the issue's acceptance test and the checks of
the pasteable examples all read that one report.
"""
from __future__ import annotations

import math
import re
import sys
import types

import pytest

from harness.reference.engine import Value as ReferenceValue
from support import CORPUS, checks_by_exercise

BUGGY = CORPUS / "buggy"
# Failures for these reasons mean the submission never got judged on its numbers.
NOT_JUDGED = {"timeout", "resource-limit", "worker-crash", "import-error", "not-implemented"}

ALL_04 = {"forward", "gradients-trees", "lecture-reuse", "reuse", "deep-chain", "fan-out"}

# file -> {exercise: (score, failing checks)}; exercises not listed are not asserted.
EXPECTED = {
    "assign_grad": {
        "01_forward": (10, set()), "02_backward": (8, set()),
        "03_reuse": (2, {"lecture-reuse", "reuse"}),
        # a chain reads each value once, so assignment is right there; the fan-out is not
        "04_engine": (9, {"lecture-reuse", "reuse", "fan-out"}),
    },
    "assign_grad_add_only": {
        "02_backward": (8, set()),
        "03_reuse": (2, {"lecture-reuse", "reuse"}),
        # the fan-out reads `a` in 1,000 products (which add) and sums distinct terms
        "04_engine": (12, {"lecture-reuse", "reuse"}),
    },
    "assign_grad_in_exp": {
        "03_reuse": (10, set()),  # no exp in 03
        "04_engine": (14, {"reuse"}),
    },
    "no_topo_sort": {
        "02_backward": (8, set()),
        "03_reuse": (2, {"lecture-reuse", "reuse"}),
        "04_engine": (9, {"lecture-reuse", "reuse", "deep-chain"}),
    },
    "topo_not_reversed": {
        "01_forward": (10, set()),
        "02_backward": (2, {"lecture-examples", "trees"}),  # one operation alone is right
        "03_reuse": (0, {"trees", "lecture-reuse", "reuse"}),
        "04_engine": (2, ALL_04 - {"forward"}),
    },
    "topo_without_visited": {
        "02_backward": (8, set()),
        "03_reuse": (2, {"lecture-reuse", "reuse"}),
        "04_engine": (12, {"lecture-reuse", "reuse"}),
    },
    "recursive_topo": {
        "03_reuse": (10, set()),
        "04_engine": (17, {"deep-chain"}),
    },
    # Reflected operators: 01's mixed check and 04's checks put numbers on either side.
    "missing_radd": {"01_forward": (6, {"number-on-the-left", "mixed-expressions"}),
                     "04_engine": (8, {"forward", "gradients-trees", "reuse"})},
    "rsub_as_sub": {"01_forward": (6, {"number-on-the-left", "mixed-expressions"}),
                    "04_engine": (8, {"forward", "gradients-trees", "reuse"})},
    "rdiv_as_div": {"01_forward": (6, {"number-on-the-left", "mixed-expressions"}),
                    "04_engine": (8, {"forward", "gradients-trees", "reuse"})},
    "exp_uses_input": {
        "01_forward": (10, set()), "03_reuse": (10, set()),
        "04_engine": (10, {"gradients-trees", "reuse"}),
    },
    "tanh_wrong_derivative": {
        "01_forward": (10, set()),
        "02_backward": (0, {"lecture-examples", "single-operations", "trees"}),
        "03_reuse": (0, {"trees", "lecture-reuse", "reuse"}),
        "04_engine": (8, {"gradients-trees", "lecture-reuse", "reuse"}),
    },
    "eq_by_data": {  # unhashable: every operation raises
        "01_forward": (0, {"value-operations", "number-on-the-right", "number-on-the-left",
                           "mixed-expressions"}),
        "04_engine": (0, ALL_04),
    },
    "hash_by_data": {  # the lecture's neuron has x1*w1 == x1*w1 + x2*w2 == -6
        "01_forward": (10, set()),
        "02_backward": (2, {"lecture-examples", "trees"}),
        "04_engine": (2, ALL_04 - {"forward"}),
    },
    "forgot_seed": {
        "01_forward": (10, set()),
        "02_backward": (0, {"lecture-examples", "single-operations", "trees"}),
        "04_engine": (2, ALL_04 - {"forward"}),
    },
    "no_chain_rule_mul": {  # right wherever out.grad happens to be 1
        "02_backward": (2, {"lecture-examples", "trees"}),
        "04_engine": (8, {"gradients-trees", "lecture-reuse", "reuse"}),
    },
    "relu_passes_gradient_always": {
        "03_reuse": (10, set()),
        "04_engine": (10, {"gradients-trees", "reuse"}),
    },
    "neg_detached": {
        "01_forward": (10, set()),
        "04_engine": (10, {"gradients-trees", "reuse"}),
    },
    "pow_forgets_exponent": {
        "01_forward": (10, set()),
        "04_engine": (10, {"gradients-trees", "reuse"}),
    },
    "sub_grad_sign": {
        "01_forward": (10, set()),
        "04_engine": (10, {"gradients-trees", "reuse"}),
    },
}


def test_every_buggy_file_has_expectations():
    files = {p.stem for p in BUGGY.glob("*.py")}
    assert files == set(EXPECTED), f"files without a row: {files - set(EXPECTED)}; " \
                                   f"rows without a file: {set(EXPECTED) - files}"


@pytest.fixture(scope="module")
def graded_bug(graded):
    """``graded_bug(bug)``: the run of ``grade --format json`` on the exercises of the bug's row."""
    return lambda bug: graded(BUGGY / f"{bug}.py", tuple(EXPECTED[bug]))


# Bugs confined to one operation family (and the rows built on it, ``a - b`` as
# ``a + (-b)``): a failed check keeps the shares of the other families, so the
# score of an exercise where they fail is partial, not the table's whole-check
# figure. Whole-engine bugs (order, seed, identity, every closure assigning)
# keep the table's score exactly.
CONFINED = {
    "assign_grad_add_only": "add", "assign_grad_in_exp": "exp", "exp_uses_input": "exp",
    "missing_radd": "add", "neg_detached": "neg", "no_chain_rule_mul": "mul",
    "pow_forgets_exponent": "pow", "rdiv_as_div": "div", "relu_passes_gradient_always": "relu",
    "rsub_as_sub": "sub", "sub_grad_sign": "sub", "tanh_wrong_derivative": "tanh",
}


@pytest.mark.parametrize("bug", sorted(EXPECTED))
def test_buggy_engine_loses_exactly_the_checks_it_should(bug, graded_bug):
    run = graded_bug(bug)
    assert run.returncode == 1, run.describe()
    results = checks_by_exercise(run.report)
    scores = {ex["name"]: ex["score"] for ex in run.report["exercises"]}
    for exercise, (score, failing) in EXPECTED[bug].items():
        failed = {name for name, c in results[exercise].items() if not c["passed"]}
        assert failed == failing, f"{bug} on {exercise}\n{run.describe()}"
        if bug not in CONFINED or not failing:
            assert scores[exercise] == score, f"{bug} on {exercise}\n{run.describe()}"
            continue
        # partial credit: more than the whole-check figure, less than full marks
        full = sum(c["max_score"] for c in results[exercise].values())
        assert score < scores[exercise] < full, f"{bug} on {exercise}\n{run.describe()}"
        for name in failed:
            families = results[exercise][name].get("families", {})
            if CONFINED[bug] in families:
                assert families[CONFINED[bug]] != "passed", f"{bug}: {exercise}/{name} {families}"
        for name in failed:
            diagnoses = results[exercise][name]["diagnoses"]
            assert diagnoses, f"{exercise}/{name} failed without a diagnosis"
            for d in diagnoses:
                assert d["id"] not in NOT_JUDGED and d["message"] and d["example"], \
                    f"{exercise}/{name}: {d}"


# -- the acceptance test of issue 2 ------------------------------------------
ASSIGNMENT = re.compile(r"^\s*\w+ *= *(?![ (=]|Value\()")   # `b = a + a`, not `a = Value(2.0)`
OBSERVATION = re.compile(r"^(\w+)\.(data|grad)\s+# expected (\S+), got (.+)$")


def test_assignment_bug_passes_02_and_fails_reuse_with_at_most_three_operations(graded_bug):
    run = graded_bug("assign_grad")
    results = checks_by_exercise(run.report)
    assert all(c["passed"] for c in results["02_backward"].values()), run.describe()
    for exercise in ("03_reuse", "04_engine"):
        for check in ("lecture-reuse", "reuse"):
            record = results[exercise][check]
            assert not record["passed"] and record["score"] == 0, run.describe()   # every closure assigns
            for block in record["diagnoses"][0]["example"].split("\n\n"):
                operations = [line for line in block.splitlines() if ASSIGNMENT.match(line)]
                assert 1 <= len(operations) <= 3, f"{exercise}/{check}: more than 3 operations:\n{block}"


# -- examples are Python the student can paste -------------------------------
# Engines whose failing checks cover every kind of example: generated and fixed
# graphs, the deep chain (a loop), an exception, the fan-out.
EXAMPLE_SOURCES = ["assign_grad", "recursive_topo", "missing_radd", "exp_uses_input"]
# Their wrong numbers depend on the order a set of children is iterated in,
# i.e. on memory addresses: pasted elsewhere, an example may even come out right.
ORDER_DEPENDENT = {"assign_grad", "no_topo_sort", "topo_without_visited"}


@pytest.fixture(scope="module")
def examples(graded_bug):
    """[(where, example block, bug)] for every diagnosis of every failing check."""
    found = []
    for bug in EXAMPLE_SOURCES:
        for ex in graded_bug(bug).report["exercises"]:
            for check in ex["checks"]:
                for d in check["diagnoses"]:
                    found.extend((f"{bug}/{ex['name']}/{check['name']}", block, bug)
                                 for block in d["example"].split("\n\n"))
    blocks = [block for _, block, _ in found]
    for kind in ("for _ in range", "# raises", "while len(terms) > 1", "# expected"):
        assert any(kind in b for b in blocks), f"no example with {kind!r} among:\n" + "\n\n".join(blocks)
    return found


def paste(block: str, value_class) -> dict:
    """Run the example's code (its ``# expected`` lines are left to compare)."""
    namespace = {}
    code = "\n".join(line for line in block.splitlines() if not OBSERVATION.match(line))
    module = types.ModuleType("value")   # what the example's `from value import Value` finds
    module.Value = value_class
    saved = sys.modules.get("value")
    sys.modules["value"] = module
    try:
        exec(compile(code, "<example>", "exec"), namespace)
    finally:
        if saved is None:
            del sys.modules["value"]
        else:
            sys.modules["value"] = saved
    return namespace


def claims(block: str) -> list:
    return [m.groups() for m in map(OBSERVATION.match, block.splitlines()) if m]


def buggy_class(bug: str):
    namespace = {"__name__": bug}
    exec((BUGGY / f"{bug}.py").read_text(encoding="utf-8"), namespace)
    return namespace["Value"]


def test_examples_run_under_the_reference_and_their_expected_values_hold(examples):
    for where, block, _ in examples:
        if "sum_pairwise" in block:
            continue   # see test_fan_out_example_is_pasteable
        namespace = paste(block, ReferenceValue)
        for name, field, expected, _ in claims(block):
            seen = getattr(namespace[name], field)
            assert math.isclose(seen, float(expected), rel_tol=1e-5, abs_tol=1e-12), \
                f"{where}: {name}.{field} is {seen} under the reference, the example says {expected}:\n{block}"


def test_examples_show_the_bug_when_pasted_into_the_buggy_engine(examples):
    for where, block, bug in examples:
        if "sum_pairwise" in block or bug in ORDER_DEPENDENT:
            continue
        try:
            namespace = paste(block, buggy_class(bug))
        except Exception:
            assert "# raises" in block, f"{where}: raised, but the example does not say so:\n{block}"
            continue
        wrong = [c for c in claims(block)
                 if not math.isclose(getattr(namespace[c[0]], c[1]), float(c[2]), rel_tol=1e-5)]
        assert wrong or "# raises" in block, f"{where}: pasted into {bug}, nothing is wrong:\n{block}"


def test_fan_out_example_is_pasteable(examples):
    fan_out = [block for where, block, _ in examples if where.endswith("/fan-out")]
    assert fan_out
    for block in fan_out:
        paste(block, ReferenceValue)

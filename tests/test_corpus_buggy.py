"""Buggy engines lose exactly the checks their bug shows up in.

Each file in ``corpus/buggy`` is a complete engine with one defect, named
after it. The table below says, per exercise, the score and which checks
fail; every other check must pass. Only pass/fail and scores are asserted:
which diagnosis id names the bug is the misconception catalogue's business.

Each row was reasoned out from the bug before it was run, e.g. an assigning
``_backward`` is right on trees (02) and on a chain (every value read once),
wrong wherever a value is read twice (03's and 04's reuse checks, the fan-out).
"""
from __future__ import annotations

import math
import re

import pytest

from reference.engine import Value as ReferenceValue
from support import CORPUS, checks_by_exercise, make_exercise, run_grade

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


@pytest.mark.parametrize("bug", sorted(EXPECTED))
def test_buggy_engine_loses_exactly_the_checks_it_should(bug, tmp_path, workdir):
    expected = EXPECTED[bug]
    for exercise in expected:
        make_exercise(tmp_path / "submissions" / exercise, exercise, BUGGY / f"{bug}.py")
    run = run_grade("--format", "json", tmp_path / "submissions", cwd=workdir)
    assert run.returncode == 1, run.describe()
    results = checks_by_exercise(run.report)
    scores = {ex["name"]: ex["score"] for ex in run.report["exercises"]}
    for exercise, (score, failing) in expected.items():
        failed = {name for name, c in results[exercise].items() if not c["passed"]}
        assert (scores[exercise], failed) == (score, failing), f"{bug} on {exercise}\n{run.describe()}"
        for name in failed:
            diagnoses = results[exercise][name]["diagnoses"]
            assert diagnoses, f"{exercise}/{name} failed without a diagnosis"
            for d in diagnoses:
                assert d["id"] not in NOT_JUDGED and d["message"] and d["example"], \
                    f"{exercise}/{name}: {d}"


# -- the acceptance test of issue 2 ------------------------------------------
ASSIGNMENT = re.compile(r"^\s*\w+ *= *(?![ (=]|Value\()")   # `b = a + a`, not `a = Value(2.0)`
OBSERVATION = re.compile(r"^(\w+)\.(data|grad)\s+# expected (\S+), got (\S+)$")


def test_assignment_bug_passes_02_and_fails_reuse_with_a_tiny_pasteable_example(tmp_path, workdir):
    source = BUGGY / "assign_grad.py"
    for exercise in ("02_backward", "03_reuse", "04_engine"):
        make_exercise(tmp_path / exercise, exercise, source)
    run = run_grade("--format", "json", tmp_path, cwd=workdir)
    results = checks_by_exercise(run.report)
    assert all(c["passed"] for c in results["02_backward"].values()), run.describe()
    buggy_class = _load_class(source)
    for exercise in ("03_reuse", "04_engine"):
        for check in ("lecture-reuse", "reuse"):
            record = results[exercise][check]
            assert not record["passed"] and record["score"] == 0, run.describe()
            example = record["diagnoses"][0]["example"]
            for block in example.split("\n\n"):
                operations = [line for line in block.splitlines() if ASSIGNMENT.match(line)]
                assert 1 <= len(operations) <= 3, f"{exercise}/{check}: more than 3 operations:\n{block}"
                _check_claims(block, buggy_class)


def _load_class(path):
    namespace = {"__name__": path.stem}
    exec(compile(path.read_text(encoding="utf-8"), str(path), "exec"), namespace)
    return namespace["Value"]


def _check_claims(block: str, buggy_class) -> None:
    """Paste the example: the reference gives the expected values, the buggy engine does not.

    The "got" value is not compared: where the bug depends on the order in which
    a set of children is iterated (addresses differ between processes), pasting
    can show another wrong number than the worker saw.
    """
    code = "\n".join(line for line in block.splitlines() if not OBSERVATION.match(line))
    claims = [m.groups() for m in map(OBSERVATION.match, block.splitlines()) if m]
    assert claims, f"the example shows no expected/actual value:\n{block}"
    reference, buggy = {"Value": ReferenceValue}, {"Value": buggy_class}
    exec(code, reference)
    exec(code, buggy)
    for name, field, expected, _ in claims:
        assert math.isclose(getattr(reference[name], field), float(expected), rel_tol=1e-5), \
            f"{name}.{field}: the reference gives {getattr(reference[name], field)}, " \
            f"the example says {expected}:\n{block}"
    assert any(not math.isclose(getattr(buggy[name], field), float(expected), rel_tol=1e-5)
               for name, field, expected, _ in claims), \
        f"pasted into the buggy engine, the example shows no wrong value:\n{block}"

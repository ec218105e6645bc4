"""Rules for what happens before ``backward()``: exceptions and wrong forward values.

A node whose value is wrong while its inputs are right names its operation;
an exception while building a node names a missing operation or a plain
number the engine does not handle. The rules also tell consequences from
causes: ``a - b`` written as ``a + (-b)`` inherits a wrong ``+``, a division
by zero follows a wrong value, and an error raised like an explained one
shares its cause.
"""
from __future__ import annotations

import re

from harness.graphs import judge
from harness.diagnosis.models import Defect, Style
from harness.core.ops import OPS_BY_NAME
from harness.diagnosis.outcomes import Findings, Outcome, _all_close
from harness.diagnosis.probes import Probe
from harness.diagnosis.catalogue import (BACKWARD_NOT_PROPAGATING, MISSING_OPERATION, NUMBER_OPERAND,
                                         RECURSION_DEPTH, REFLECTED_OPERAND, VALUE_IDENTITY, WRONG_FORWARD)


def apply(findings: Findings, probes: list, outcomes: list, style: Style) -> None:
    """After the per-probe rules: drop consequences, attach shared causes."""
    _drop_derived(findings, style)
    _drop_shared_errors(findings, probes, outcomes)
    _same_cause(findings, outcomes)
    _arithmetic_consequences(findings, outcomes)


def rule(probe: Probe, outcome: Outcome, expected: Outcome | None, families: set, style: Style):
    """A Defect when an exception or a wrong value before backward() names one operation.

    ``expected`` (the reference model's outcome) is read only when ``outcome`` has no error."""
    graph = probe.graph
    leaves = len(graph.leaves)
    if graph.size > 1000 and outcome.error and outcome.error[1] == "backward" \
            and outcome.raised[:1] == ("RecursionError",):
        return Defect(RECURSION_DEPTH)  # the short probes pass; only depth breaks it
    if outcome.error and outcome.error[1] == "backward":
        kind, in_student_code, message = outcome.raised or ("", True, "")
        if kind == "TypeError" and "unhashable" in message:
            return Defect(VALUE_IDENTITY, "", "unhashable")  # __eq__ without __hash__, in the sort
        if kind == "AttributeError" and not in_student_code and "'backward'" in message:
            return Defect(BACKWARD_NOT_PROPAGATING, "", "missing")  # no backward method at all
        return None   # an exception is an exception: diagnosed as such, at its line
    if outcome.error and outcome.error[1] == "build":
        node = outcome.error[0]
        kind, in_student_code, message = outcome.raised or ("", True, "")
        if kind == "TypeError" and "unhashable" in message:
            return Defect(VALUE_IDENTITY, "", "unhashable")  # __eq__ without __hash__
        if node < leaves:
            return None
        op = OPS_BY_NAME[graph.nodes[node - leaves].op]
        if kind not in ("TypeError", "AttributeError", "RecursionError"):
            return None  # ZeroDivisionError and the like: the values, not the operand
        if op.operand == "number-right":
            return Defect(NUMBER_OPERAND, op.family)
        if op.operand == "number-left":
            return Defect(REFLECTED_OPERAND, op.family)
        if kind in ("TypeError", "AttributeError") and not in_student_code:
            return Defect(MISSING_OPERATION, op.family)  # Python found no method to call
        return None
    if outcome.error or _all_close(outcome.data, expected.data):
        return None
    for j, node in enumerate(graph.nodes):
        index = leaves + j
        inputs_right = all(_close_at(outcome.data, expected.data, i) for i in node.args)
        if not inputs_right:
            return "consequence"
        if not _close_at(outcome.data, expected.data, index):
            op = OPS_BY_NAME[node.op]
            if op.operand == "number-right":
                return Defect(NUMBER_OPERAND, op.family, "value")
            if op.operand == "number-left":
                return Defect(REFLECTED_OPERAND, op.family, "value")
            return Defect(WRONG_FORWARD, op.family)
    return None


def _close_at(xs, ys, i) -> bool:
    return i < len(xs) and i < len(ys) and isinstance(xs[i], float) and judge.close(ys[i], xs[i])


def _drop_derived(findings: Findings, style: Style) -> None:
    """A wrong forward in ``+`` also shows in ``-`` written as ``a + (-b)``: name it once."""
    wrong = {d.family for d, _ in findings.rules if d.id == WRONG_FORWARD}
    findings.rules = [(d, i) for d, i in findings.rules
                      if not (d.id == WRONG_FORWARD and style.bases(d.family) & wrong)]
    # A number operand is only at fault when the same operation between Values is right.
    findings.rules = [(d, i) for d, i in findings.rules
                      if not (d.id in (NUMBER_OPERAND, REFLECTED_OPERAND) and d.variant == "value"
                              and (d.family in wrong or style.bases(d.family) & wrong))]


def _arithmetic_consequences(findings: Findings, outcomes) -> None:
    """Once a forward value is known wrong, a later division by zero or overflow follows from it."""
    if not any(d.id == WRONG_FORWARD for d, _ in findings.rules):
        return
    for i in sorted(findings.unexplained):
        outcome = outcomes[i]
        if outcome is not None and outcome.error and outcome.raised[:1] in (
                ("ZeroDivisionError",), ("OverflowError",), ("ValueError",)):
            findings.unexplained.discard(i)
            findings.consequences.add(i)


def _same_cause(findings: Findings, outcomes) -> None:
    """An error raised with the same type and message as one a rule explained has its cause.

    ``-a`` written as ``a * -1`` fails exactly like ``a * 2`` when numbers on
    the right are not handled.
    """
    def signature(outcome):  # 'int' and 'float' operands fail alike
        return outcome.raised[0], re.sub(r"'(int|float|bool)'", "'number'", outcome.raised[2])

    causes = {}
    for defect, i in findings.rules:
        if outcomes[i] is not None and outcomes[i].error and outcomes[i].raised:
            causes.setdefault(signature(outcomes[i]), defect)
    for i in sorted(findings.unexplained):
        outcome = outcomes[i]
        if outcome is not None and outcome.error and outcome.raised:
            cause = causes.get(signature(outcome))
            if cause is not None:
                findings.rules.append((cause, i))
                findings.unexplained.discard(i)
                findings.consequences.add(i)


def _drop_shared_errors(findings: Findings, probes, outcomes) -> None:
    """A number operand is at fault only when the same operation between Values works."""
    broken = set()
    for probe, outcome in zip(probes, outcomes):
        if probe.kind == "iso" and outcome and outcome.error and outcome.error[1] == "build" \
                and probe.graph.nodes[0].op == probe.family:   # (a backward that raises breaks none)
            broken.add(probe.family)
    kept = []
    numbers_broken = {d.family for d, _ in findings.rules if d.id == NUMBER_OPERAND and not d.variant}
    for defect, i in findings.rules:
        if defect.id in (NUMBER_OPERAND, REFLECTED_OPERAND) and not defect.variant \
                and defect.family in broken:
            findings.consequences.discard(i)
            findings.unexplained.add(i)
        elif defect.id == REFLECTED_OPERAND and not defect.variant and numbers_broken \
                and _raised_in_submission(outcomes[i]):
            # `2 + a` calls `a + 2`: the number on the right is the cause (see _same_cause);
            # a TypeError from Python itself means there is no __radd__ at all: its own defect
            findings.consequences.discard(i)
            findings.unexplained.add(i)
        else:
            kept.append((defect, i))
    findings.rules = kept


def _raised_in_submission(outcome) -> bool:
    return outcome is not None and len(outcome.raised) > 1 and outcome.raised[1] is True

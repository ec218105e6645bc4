"""Find the set of misconceptions that explains the student's numbers on probes.

Three steps, all on behaviour (never the text of the student's file):

1. *Style*: which operations the student wrote in terms of others. When the
   ``_backward`` attached to ``a - b`` is the one written in ``__add__``, the
   student wrote ``a + (-b)``, and a bug in ``+`` also shows in ``-``.
2. *Rules* (``harness.diagnosis.rules``) for what happens before ``backward()``.
3. *Models* for gradients: starting from the correct engine, add the defect
   (from ``harness.diagnosis.models``) that explains the most probes, until all are
   explained or nothing helps. Several misconceptions in one submission are
   found one after another. A wrong derivative no model predicts is
   recognised from the operation's own probe instead.
"""
from __future__ import annotations

from harness.diagnosis import rules
from harness.diagnosis.models import LECTURE_STYLE, WRONG_DERIVATIVES, Defect, Style, model_class
from harness.core.ops import OPS_BY_NAME
from harness.diagnosis.outcomes import Findings, Verdicts, _all_close, model_outcome
from harness.diagnosis.catalogue import (BACKWARD_NOT_PROPAGATING, GRAD_OVERWRITE, MISSING_CHAIN_RULE,
                                         MISSING_GRAD_SEED, MISSING_OPERATION, REPEATED_BACKWARD,
                                         VALUE_IDENTITY, WRONG_DERIVATIVE, WRONG_TOPOLOGICAL_ORDER)


def analyse(probes: list, outcomes: list, families: set, backward: bool, deep: bool,
            facts: dict | None = None, unsearched: set = frozenset()) -> Findings:
    """Steps 1 to 3 over the probes and the student's outcomes on them.

    Probes in ``unsearched`` (graphs of thousands of nodes) get the rules but
    not the model search, whose cost grows with every candidate model.
    The style read from closure locations is a hint: an engine whose
    operations share one helper closure looks "derived" without being so.
    When the hint leaves something unexplained, every operation written on
    its own is tried too, and the better explanation kept.
    """
    style = infer_style(probes, outcomes)
    findings = _analyse(style, probes, outcomes, families, backward, deep, facts or {}, unsearched)
    if style.derived and (findings.unexplained or findings.wildcards):
        plain = _analyse(Style({}), probes, outcomes, families, backward, deep, facts or {}, unsearched)
        if _cost(plain) < _cost(findings):
            return plain
    return findings


def _cost(findings: "Findings") -> tuple:
    return len(findings.unexplained), len(findings.wildcards), len(findings.all_defects())


def _analyse(style, probes, outcomes, families, backward, deep, facts, unsearched) -> "Findings":
    findings = Findings(style)
    reference = model_class(style.model())
    eligible = []
    for i, (probe, outcome) in enumerate(zip(probes, outcomes)):
        if outcome is None:
            findings.unexplained.add(i)
            continue
        # An exception is read without the reference's numbers: not building them spares the
        # 5,000-value chain of an engine whose recursive sort overflows (0.1 s of its diagnosis).
        expected = None if outcome.error else model_outcome(reference, probe.graph, backward)
        rule = rules.rule(probe, outcome, expected, families, style)
        if rule == "consequence":
            findings.consequences.add(i)
        elif rule is not None:
            findings.rules.append((rule, i))
            findings.consequences.add(i)
        elif outcome.error and outcome.error[1] in ("build", "backward"):
            # No bug model explains numbers that were never produced: the exception is named.
            findings.unexplained.add(i)
        elif not outcome.error and None in outcome.data + outcome.grad:
            findings.unexplained.add(i)   # NaN or not a number: invalid-result, not a misconception
        elif outcome.error and outcome.raised[:1] in (("SystemExit",), ("KeyboardInterrupt",)):
            findings.unexplained.add(i)   # the code gave up: nothing to read in its numbers
        elif not outcome.error and not _all_close(outcome.data, expected.data):
            findings.unexplained.add(i)   # a wrong value no single operation explains
        elif i not in unsearched and probe.kind != "deep":  # the deep chain is read by a rule
            eligible.append(i)
    rules.apply(findings, probes, outcomes, style)
    if any(d.id == MISSING_OPERATION for d, _ in findings.rules):
        # `a - b` written as `a + (-b)` fails inside __sub__ when unary - is missing.
        for i in sorted(findings.unexplained):
            outcome = outcomes[i]
            if outcome and outcome.error and outcome.raised[:1] in (("TypeError",), ("AttributeError",)):
                findings.unexplained.discard(i)
                findings.consequences.add(i)
    if backward:
        _search_models(findings, probes, outcomes, eligible, families, deep, facts)
    return findings


def infer_style(probes: list, outcomes: list) -> Style:
    """Which families the student wrote through another, from closure locations."""
    location = {}
    for probe, outcome in zip(probes, outcomes):
        if probe.kind == "iso" and probe.name.endswith("-0") and outcome and outcome.where:
            row = probe.graph.nodes[0].op
            location[row] = outcome.where[-1]
    derived = {}
    for family, base in LECTURE_STYLE.items():
        mine, theirs = location.get(family), location.get(base)
        if mine is not None and mine == theirs:
            derived[family] = base
    return Style(derived)


def candidates(families: set, style: Style, deep: bool, facts: dict) -> list:
    # A backward() that leaves every input at 0 without a seed is told from one that runs no
    # _backward by the worker's fact: does it propagate once the caller set the output's grad?
    propagates = facts.get("preset_grad_propagates")
    out = [Defect(MISSING_GRAD_SEED)] if propagates is not False else \
        [Defect(BACKWARD_NOT_PROPAGATING, "", "nothing")]
    out.append(Defect(BACKWARD_NOT_PROPAGATING, "", "seeded"))
    out += [Defect(WRONG_TOPOLOGICAL_ORDER, "", v) for v in ("not-reversed", "breadth-first", "pre-order")]
    out += [Defect(REPEATED_BACKWARD, "", v) for v in ("recursive", "no-visited")]
    if facts.get("equal_data_is_same_node") is True:
        # Only then can equal data merge nodes; twins like tanh(a), tanh(a) would
        # otherwise let this mimic an assigning backward.
        out.append(Defect(VALUE_IDENTITY))
    for family in sorted(families):
        if family in style.derived:
            continue
        out += [Defect(GRAD_OVERWRITE, family), Defect(MISSING_CHAIN_RULE, family),
                Defect(WRONG_DERIVATIVE, family, "no-graph")]
        if any(op.family == family and op.arity == 2 for op in OPS_BY_NAME.values()):
            out += [Defect(GRAD_OVERWRITE, family, "first"), Defect(GRAD_OVERWRITE, family, "second")]
        out += [Defect(WRONG_DERIVATIVE, family, v) for v in WRONG_DERIVATIVES.get(family, {})]
    return out


def _evidence(indices: set, probes) -> bool:
    """Enough to name a misconception: a probe built to isolate something, or two probes.

    One random graph that an order the models did not try happens to give is
    no evidence of a misconception.
    """
    return len(indices) >= 2 or any(probes[i].kind not in ("random", "example") for i in indices)


def _search_models(findings: Findings, probes, outcomes, eligible, families, deep, facts) -> None:
    style = findings.style
    findings.verdicts = judge_models = Verdicts(style)

    def verdict(defects: frozenset, i: int):
        return judge_models(defects, probes[i].graph, outcomes[i])

    def misses(defects: frozenset, indices) -> list:
        return [i for i in indices if verdict(defects, i) is False]

    def score(defects: frozenset) -> tuple:
        """Fewer probes explained lose: a probe it gives exactly counts 1, one it gives in some
        order only maybe (the order decides) counts 1/2, so that an order bug cannot win by
        making every result depend on the order."""
        verdicts = [verdict(defects, i) for i in eligible]
        return -(2 * verdicts.count(True) + verdicts.count(None)), verdicts.count(False)

    current = frozenset()
    wrong = misses(current, eligible)
    pool = candidates(families, style, deep, facts)
    findings.eligible, findings.candidates = list(eligible), pool
    while wrong:
        best = None
        baseline = score(current)
        isolating = [i for i in wrong if probes[i].kind not in ("random", "example")]
        sample = (isolating or wrong)[:12]
        for defect in pool:
            if any(d.id == defect.id and d.family == defect.family for d in current):
                continue
            trial = current | {defect}
            if not set(sample) - set(misses(trial, sample)):  # cheap first: some isolating probe
                continue
            fixed = set(wrong) - set(misses(trial, wrong))
            if not _evidence(fixed, probes):
                continue
            now = score(trial)
            if now[1] < len(wrong) and now < baseline and (best is None or now < best[1]):
                best = (defect, now)
        if best is None:
            break
        current = current | {best[0]}
        wrong = misses(current, eligible)
    for defect in sorted(current, reverse=True):   # a later pick may make an earlier one needless
        lost = set(misses(current - {defect}, eligible)) - set(wrong)
        if not _evidence(lost, probes):
            current = current - {defect}
            wrong = misses(current, eligible)
    findings.defects = current
    unexplained = wrong
    # A derivative no model predicts: the operation's own probe, forward right, gradient wrong.
    for i in unexplained:
        probe = probes[i]
        # Only an operation that is wrong on its own probe, against the correct engine.
        if probe.kind == "iso" and probe.family not in style.derived \
                and judge_models(frozenset(), probe.graph, outcomes[i]) is False:
            defect = Defect(WRONG_DERIVATIVE, probe.family, "other")
            if defect not in findings.wildcards:
                findings.wildcards.append(defect)
    wild = {d.family for d in findings.wildcards}
    covered = set().union(wild, *(style.users(f) for f in wild))

    def uncovered(indices):
        return [i for i in indices if not ({OPS_BY_NAME[n.op].family for n in probes[i].graph.nodes} & covered)]

    if findings.wildcards:  # picks made only to explain what the wrong derivative explains go
        rest = uncovered(eligible)
        for defect in sorted(current, reverse=True):
            if len(misses(current - {defect}, rest)) <= len(misses(current, rest)):
                current = current - {defect}
        findings.defects = current
        unexplained = misses(current, rest)
    findings.unexplained.update(uncovered(unexplained))

"""Find the set of misconceptions that explains the student's numbers on probes.

Three steps, all on behaviour (never the text of the student's file):

1. *Style*: which operations the student wrote in terms of others. When the
   ``_backward`` attached to ``a - b`` is the one written in ``__add__``, the
   student wrote ``a + (-b)``, and a bug in ``+`` also shows in ``-``.
2. *Rules* for what happens before ``backward()``: an exception while building
   a node, or a node whose value is wrong while its inputs are right, names the
   operation at fault (wrong forward, a number operand, a missing operation).
3. *Models* for gradients: starting from the correct engine, add the defect
   (from ``harness.models``) that makes the most probes match the student's
   numbers exactly, until all match or nothing helps. Several misconceptions
   in one submission are found one after another. A wrong derivative no model
   predicts is recognised from the operation's own probe instead.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from harness import judge
from harness.graph import Graph, build
from harness.models import LECTURE_STYLE, WRONG_DERIVATIVES, Defect, Style, model_class
from harness.ops import OPS_BY_NAME
from harness.probes import Probe


# How many valid topological orders a model is tried in before a probe counts
# against it: an assigning backward, or one without a visited set, depends on
# the order a student's set happened to iterate in.
ORDERS = 8
# Only these make the numbers depend on the order: with every other defect the
# engine still accumulates once per node, and one order is all orders.
ORDER_DEPENDENT = ("grad-overwrite", "repeated-backward", "wrong-topological-order")


@dataclass(frozen=True)
class Outcome:
    """What building a graph (and backward) gave: numbers, or where it raised."""

    error: tuple | None = None   # (node index, stage): stage is build, backward or read
    data: tuple = ()
    grad: tuple = ()
    where: tuple = ()            # student only: where each node's _backward was written
    raised: tuple = ()           # student only: (exception type, inside the student's code, message)

    def matches(self, other: "Outcome") -> bool:
        if self.error or other.error:
            return self.error == other.error
        return _all_close(self.data, other.data) and _all_close(self.grad, other.grad)


def _all_close(xs, ys) -> bool:
    return len(xs) == len(ys) and all(
        isinstance(x, float) and isinstance(y, float) and judge.close(x, y) for x, y in zip(xs, ys))


def student_outcome(answer, graph: Graph) -> Outcome | None:
    """The worker's answer as an Outcome; None when it is not usable."""
    if not isinstance(answer, dict):
        return None
    if "error" in answer:
        error = answer["error"] if isinstance(answer["error"], dict) else {}
        node = error.get("node")
        where = str(error.get("where", ""))
        stage = "backward" if "backward" in where else "read" if "reading" in where else "build"
        raised = (str(error.get("type", "")), isinstance(error.get("file"), str),
                  str(error.get("message", ""))[:200])
        return Outcome(error=(node if isinstance(node, int) else -1, stage), raised=raised)
    columns = []
    for fld in ("data", "grad"):
        column = answer.get(fld, [])
        if not isinstance(column, list):
            return None
        columns.append(tuple(float(x) if isinstance(x, (int, float)) and not isinstance(x, bool) else None
                             for x in column))
    where = answer.get("where") if isinstance(answer.get("where"), list) else []
    return Outcome(data=columns[0], grad=columns[1],
                   where=tuple(tuple(w) if isinstance(w, list) else None for w in where))


def model_outcome(value_class, graph: Graph, backward: bool) -> Outcome:
    at = [0]
    try:
        values = build(graph, value_class, at)
    except Exception:
        return Outcome(error=(at[0], "build"))
    if backward and graph.nodes:
        try:
            values[-1].backward()
        except Exception:
            return Outcome(error=(graph.output, "backward"))
    return Outcome(data=tuple(float(v.data) for v in values),
                   grad=tuple(float(v.grad) for v in values) if backward else ())


@dataclass
class Findings:
    style: Style
    rules: list = field(default_factory=list)        # (Defect, probe index) from rules 2
    defects: frozenset = frozenset()                 # from models, step 3
    wildcards: list = field(default_factory=list)    # wrong derivatives no model predicts
    unexplained: set = field(default_factory=set)    # probe indices nothing explains
    consequences: set = field(default_factory=set)   # probe indices explained by a rule
    verdicts: object = None                          # the Verdicts the search used
    eligible: list = field(default_factory=list)     # probe indices the search used
    candidates: list = field(default_factory=list)   # the defects it could choose from

    def all_defects(self) -> list:
        seen = dict.fromkeys([d for d, _ in self.rules] + sorted(self.defects) + self.wildcards)
        return list(seen)


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
        expected = model_outcome(reference, probe.graph, backward)
        rule = _rule(probe, outcome, expected, families, style)
        if rule == "consequence":
            findings.consequences.add(i)
        elif rule is not None:
            findings.rules.append((rule, i))
            findings.consequences.add(i)
        elif outcome.error and outcome.error[1] == "build":
            findings.unexplained.add(i)
        elif not outcome.error and None in outcome.data + outcome.grad:
            findings.unexplained.add(i)   # NaN or not a number: invalid-result, not a misconception
        elif outcome.error and outcome.raised[:1] in (("SystemExit",), ("KeyboardInterrupt",)):
            findings.unexplained.add(i)   # the code gave up: nothing to read in its numbers
        elif not outcome.error and not _all_close(outcome.data, expected.data):
            findings.unexplained.add(i)   # a wrong value no single operation explains
        elif i not in unsearched and probe.kind != "deep":  # the deep chain is read by a rule
            eligible.append(i)
    _drop_derived(findings, style)
    _drop_shared_errors(findings, probes, outcomes)
    _same_cause(findings, outcomes)
    _arithmetic_consequences(findings, outcomes)
    if any(d.id == "missing-operation" for d, _ in findings.rules):
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


def _rule(probe: Probe, outcome: Outcome, expected: Outcome, families: set, style: Style):
    """A Defect when an exception or a wrong value before backward() names one operation."""
    graph = probe.graph
    leaves = len(graph.leaves)
    if graph.size > 1000 and outcome.error and outcome.error[1] == "backward" \
            and outcome.raised[:1] == ("RecursionError",):
        return Defect("recursion-depth")  # the short probes pass; only depth breaks it
    if outcome.error and outcome.error[1] == "build":
        node = outcome.error[0]
        kind, in_student_code, message = outcome.raised or ("", True, "")
        if kind == "TypeError" and "unhashable" in message:
            return Defect("value-identity", "", "unhashable")  # __eq__ without __hash__
        if node < leaves:
            return None
        op = OPS_BY_NAME[graph.nodes[node - leaves].op]
        if kind not in ("TypeError", "AttributeError", "RecursionError"):
            return None  # ZeroDivisionError and the like: the values, not the operand
        if op.operand == "number-right":
            return Defect("number-operand", op.family)
        if op.operand == "number-left":
            return Defect("reflected-operand", op.family)
        if kind in ("TypeError", "AttributeError") and not in_student_code:
            return Defect("missing-operation", op.family)  # Python found no method to call
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
                return Defect("number-operand", op.family, "value")
            if op.operand == "number-left":
                return Defect("reflected-operand", op.family, "value")
            return Defect("wrong-forward", op.family)
    return None


def _close_at(xs, ys, i) -> bool:
    return i < len(xs) and i < len(ys) and isinstance(xs[i], float) and judge.close(ys[i], xs[i])


def _drop_derived(findings: Findings, style: Style) -> None:
    """A wrong forward in ``+`` also shows in ``-`` written as ``a + (-b)``: name it once."""
    wrong = {d.family for d, _ in findings.rules if d.id == "wrong-forward"}
    findings.rules = [(d, i) for d, i in findings.rules
                      if not (d.id == "wrong-forward" and style.bases(d.family) & wrong)]
    # A number operand is only at fault when the same operation between Values is right.
    findings.rules = [(d, i) for d, i in findings.rules
                      if not (d.id in ("number-operand", "reflected-operand") and d.variant == "value"
                              and (d.family in wrong or style.bases(d.family) & wrong))]


def _arithmetic_consequences(findings: Findings, outcomes) -> None:
    """Once a forward value is known wrong, a later division by zero or overflow follows from it."""
    if not any(d.id == "wrong-forward" for d, _ in findings.rules):
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
        if probe.kind == "iso" and outcome and outcome.error and probe.graph.nodes[0].op == probe.family:
            broken.add(probe.family)
    kept = []
    numbers_broken = {d.family for d, _ in findings.rules if d.id == "number-operand" and not d.variant}
    for defect, i in findings.rules:
        if defect.id in ("number-operand", "reflected-operand") and not defect.variant \
                and defect.family in broken:
            findings.consequences.discard(i)
            findings.unexplained.add(i)
        elif defect.id == "reflected-operand" and not defect.variant and numbers_broken:
            # `2 + a` calls `a + 2`: the number on the right is the cause (see _same_cause)
            findings.consequences.discard(i)
            findings.unexplained.add(i)
        else:
            kept.append((defect, i))
    findings.rules = kept


def candidates(families: set, style: Style, deep: bool, facts: dict) -> list:
    out = [Defect("missing-grad-seed")]
    out += [Defect("wrong-topological-order", "", v) for v in ("not-reversed", "breadth-first", "pre-order")]
    out += [Defect("repeated-backward", "", v) for v in ("recursive", "no-visited")]
    if facts.get("equal_data_is_same_node") is True:
        # Only then can equal data merge nodes; twins like tanh(a), tanh(a) would
        # otherwise let this mimic an assigning backward.
        out.append(Defect("value-identity"))
    for family in sorted(families):
        if family in style.derived:
            continue
        out += [Defect("grad-overwrite", family), Defect("missing-chain-rule", family),
                Defect("wrong-derivative", family, "no-graph")]
        if any(op.family == family and op.arity == 2 for op in OPS_BY_NAME.values()):
            out += [Defect("grad-overwrite", family, "first"), Defect("grad-overwrite", family, "second")]
        out += [Defect("wrong-derivative", family, v) for v in WRONG_DERIVATIVES.get(family, {})]
    return out


def _evidence(indices: set, probes) -> bool:
    """Enough to name a misconception: a probe built to isolate something, or two probes.

    One random graph that an order the models did not try happens to give is
    no evidence of a misconception.
    """
    return len(indices) >= 2 or any(probes[i].kind not in ("random", "example") for i in indices)


class Verdicts:
    """Whether a set of defects gives the student's numbers on a graph, in some order."""

    def __init__(self, style: Style):
        self.style = style
        self.classes: dict = {}

    def model(self, defects: frozenset, flip: int = 0) -> type:
        """The model's Value class in order ``flip`` (cached: classes are built once)."""
        key = (defects, flip)
        if key not in self.classes:
            self.classes[key] = model_class(self.style.model(defects), flip)
        return self.classes[key]

    def __call__(self, defects: frozenset, graph: Graph, outcome: Outcome):
        """True: it gives them; False: it cannot, in any order; None: it depends on the order."""
        predicted = []
        orders = ORDERS if any(d.id in ORDER_DEPENDENT for d in defects) else 1
        for flip in range(orders):
            predicted.append(model_outcome(self.model(defects, flip), graph, True))
            if outcome.matches(predicted[-1]):
                return True
        return False if all(p.matches(predicted[0]) for p in predicted) else None


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
            defect = Defect("wrong-derivative", probe.family, "other")
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

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

from dataclasses import dataclass, field

from harness import judge
from harness.graph import Graph, build
from harness.models import LECTURE_STYLE, WRONG_DERIVATIVES, Defect, Style, model_class
from harness.ops import OPS_BY_NAME
from harness.probes import Probe


@dataclass(frozen=True)
class Outcome:
    """What building a graph (and backward) gave: numbers, or where it raised."""

    error: tuple | None = None   # (node index, stage): stage is build, backward or read
    data: tuple = ()
    grad: tuple = ()
    where: tuple = ()            # student only: where each node's _backward was written
    raised: tuple = ()           # student only: (exception type, raised inside the student's code)

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
        raised = (str(error.get("type", "")), isinstance(error.get("file"), str))
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

    def all_defects(self) -> list:
        seen = dict.fromkeys([d for d, _ in self.rules] + sorted(self.defects) + self.wildcards)
        return list(seen)


def analyse(probes: list, outcomes: list, families: set, backward: bool, deep: bool,
            facts: dict | None = None) -> Findings:
    """Steps 1 to 3 over the probes and the student's outcomes on them."""
    style = infer_style(probes, outcomes)
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
        elif not outcome.error and not _all_close(outcome.data, expected.data):
            findings.unexplained.add(i)   # a wrong value no single operation explains
        else:
            eligible.append(i)
    _drop_derived(findings, style)
    if any(d.id == "missing-operation" for d, _ in findings.rules):
        # `a - b` written as `a + (-b)` fails inside __sub__ when unary - is missing.
        for i in sorted(findings.unexplained):
            outcome = outcomes[i]
            if outcome and outcome.error and outcome.raised[:1] in (("TypeError",), ("AttributeError",)):
                findings.unexplained.discard(i)
                findings.consequences.add(i)
    if backward:
        _search_models(findings, probes, outcomes, eligible, families, deep, facts or {})
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
    if outcome.error and outcome.error[1] == "build":
        node = outcome.error[0]
        if node < leaves:
            return None
        op = OPS_BY_NAME[graph.nodes[node - leaves].op]
        if op.operand == "number-right":
            return Defect("number-operand", op.family)
        if op.operand == "number-left":
            return Defect("reflected-operand", op.family)
        kind, in_student_code = outcome.raised or ("", True)
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
                              and d.family in wrong)]


def candidates(families: set, style: Style, deep: bool, facts: dict) -> list:
    out = [Defect("missing-grad-seed")]
    out += [Defect("wrong-topological-order", "", v) for v in ("not-reversed", "breadth-first", "pre-order")]
    out += [Defect("repeated-backward", "", v) for v in ("recursive", "no-visited")]
    if facts.get("equal_data_is_same_node") is True:
        # Only then can equal data merge nodes; twins like tanh(a), tanh(a) would
        # otherwise let this mimic an assigning backward.
        out.append(Defect("value-identity"))
    if deep:
        out.append(Defect("recursion-depth"))
    for family in sorted(families):
        if family in style.derived:
            continue
        out += [Defect("grad-overwrite", family), Defect("missing-chain-rule", family),
                Defect("wrong-derivative", family, "no-graph")]
        out += [Defect("wrong-derivative", family, v) for v in WRONG_DERIVATIVES.get(family, {})]
    return out


def _search_models(findings: Findings, probes, outcomes, eligible, families, deep, facts) -> None:
    style = findings.style
    classes: dict = {}

    def verdict(defects: frozenset, i: int):
        """True: the model gives the student's numbers; False: it cannot; None: it depends on order."""
        predicted = []
        for flip in (False, True):
            cls = classes.get((defects, flip))
            if cls is None:
                cls = classes[(defects, flip)] = model_class(style.model(defects), flip)
            predicted.append(model_outcome(cls, probes[i].graph, True))
            if outcomes[i].matches(predicted[-1]):
                return True
        return False if predicted[0].matches(predicted[1]) else None

    def misses(defects: frozenset, indices) -> list:
        return [i for i in indices if verdict(defects, i) is False]

    current = frozenset()
    wrong = misses(current, eligible)
    pool = candidates(families, style, deep, facts)
    while wrong:
        best = None
        for defect in pool:
            if any(d.id == defect.id and d.family == defect.family for d in current):
                continue
            trial = current | {defect}
            if len(misses(trial, wrong)) == len(wrong):   # cheap first: it must fix something
                continue
            now = misses(trial, eligible)
            if len(now) < len(wrong) and (best is None or len(now) < len(best[1])):
                best = (defect, now)
        if best is None:
            break
        current, wrong = current | {best[0]}, best[1]
    for defect in sorted(current, reverse=True):   # a later pick may make an earlier one needless
        if len(misses(current - {defect}, eligible)) <= len(wrong):
            current = current - {defect}
    findings.defects = current
    unexplained = wrong
    # A derivative no model predicts: the operation's own probe, forward right, gradient wrong.
    for i in unexplained:
        probe = probes[i]
        if probe.kind == "iso" and probe.family not in style.derived:
            defect = Defect("wrong-derivative", probe.family, "other")
            if defect not in findings.wildcards:
                findings.wildcards.append(defect)
    wild = {d.family for d in findings.wildcards}
    covered = set().union(wild, *(style.users(f) for f in wild))
    for i in unexplained:
        if not ({OPS_BY_NAME[n.op].family for n in probes[i].graph.nodes} & covered):
            findings.unexplained.add(i)

"""What an engine gave on a graph, and whether a bug model can give the same.

An ``Outcome`` is the numbers (or the place an exception was raised) of one
graph: the student's from the worker's answer, a model's from building the
graph in the grader. ``Verdicts`` judges a set of defects against the
student's outcome in every valid topological order that matters.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

from harness.graphs import judge
from harness.core.graph import Graph, build
from harness.core.ops import OPS_BY_NAME
from harness.diagnosis.models import Style, model_class
from harness.diagnosis.catalogue import GRAD_OVERWRITE, REPEATED_BACKWARD, WRONG_TOPOLOGICAL_ORDER


# How many valid topological orders a model is tried in before a probe counts
# against it: an assigning backward, or one without a visited set, depends on
# the order a student's set happened to iterate in.
ORDERS = 8
# Only these make the numbers depend on the order: with every other defect the
# engine still accumulates once per node, and one order is all orders.
ORDER_DEPENDENT = (GRAD_OVERWRITE, REPEATED_BACKWARD, WRONG_TOPOLOGICAL_ORDER)


@dataclass(frozen=True)
class Outcome:
    """What building a graph (and backward) gave: numbers, or where it raised."""

    error: tuple | None = None   # (node index, stage): stage is build, backward or read
    data: tuple = ()
    grad: tuple = ()
    where: tuple = ()            # student only: where each node's _backward was written
    raised: tuple = ()           # student only: (exception type, inside the student's code, message)
    place: tuple = ()            # student only: (file, line) of the frame in the submission that raised

    def matches(self, other: "Outcome") -> bool:
        if self.error or other.error:
            return self.error == other.error
        return _all_close(self.data, other.data) and _all_close(self.grad, other.grad)


def _all_close(xs, ys) -> bool:
    if xs == ys and None not in xs and all(map(math.isfinite, xs)):
        return True   # the same numbers (checked in C): most of a model's outcomes
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
        file, line = error.get("file"), error.get("line")
        place = (file, line) if isinstance(file, str) and isinstance(line, int) else ()
        return Outcome(error=(node if isinstance(node, int) else -1, stage), raised=raised, place=place)
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
    return next(model_outcomes(value_class, graph, 1 if backward else 0))


def model_outcomes(value_class, graph: Graph, orders: int):
    """The model's outcome in each of its first ``orders`` orders (0: forward only).

    The graph is built once: the order only decides how ``backward()`` walks
    it, so each further order resets the gradients and walks again. Building
    is most of a model's cost, and an order-dependent defect is tried in eight.
    """
    at = [0]
    try:
        values = build(graph, value_class, at)
    except Exception:
        error = Outcome(error=(at[0], "build"))
        for _ in range(max(1, orders)):
            yield error
        return
    if not orders or not graph.nodes:
        outcome = Outcome(data=tuple(float(v.data) for v in values),
                          grad=tuple(float(v.grad) for v in values) if orders else ())
        for _ in range(max(1, orders)):
            yield outcome
        return
    nodes = _reachable(values)
    data = None
    for order in range(orders):
        if order:
            for v in nodes:
                v.grad = 0.0
        try:
            values[-1].backward(order)
        except Exception:
            yield Outcome(error=(graph.output, "backward"))
            continue
        if data is None:
            data = tuple(float(v.data) for v in values)
        yield Outcome(data=data, grad=tuple(float(v.grad) for v in values))


def _reachable(values: list) -> list:
    """Every value a backward pass from the output can touch: the graph's, and the ones the
    model made inside an operation (``a - b`` as ``a + (-b)`` makes ``-b`` and a ``-1``)."""
    seen = {id(v): v for v in values}
    stack, walked = [values[-1]], {id(values[-1])}
    while stack:
        for child in stack.pop()._prev:
            if id(child) not in walked:
                walked.add(id(child))
                seen[id(child)] = child
                stack.append(child)
    return list(seen.values())


# (model, graph, the student's outcome) -> verdict, for one grading process.
_VERDICTS: dict = {}
_VERDICTS_KEPT = 200_000
_UNKNOWN = object()


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


class Verdicts:
    """Whether a set of defects gives the student's numbers on a graph, in some order."""

    def __init__(self, style: Style):
        self.style = style
        self.classes: dict = {}
        self._families: dict = {}   # graph -> the families its nodes call, under this style

    def model(self, defects: frozenset) -> type:
        """The model's Value class (cached: classes are built once)."""
        if defects not in self.classes:
            self.classes[defects] = model_class(self.style.model(defects))
        return self.classes[defects]

    def __call__(self, defects: frozenset, graph: Graph, outcome: Outcome):
        """True: it gives them; False: it cannot, in any order; None: it depends on the order.

        Remembered for the whole grading process: the search asks the same
        question many times (each candidate's score, the first diagnosis and
        every credit re-run's over the same probes). The answer does not depend
        on what was built before: a node's inputs are walked reversed or not by
        its creation index mod 3, and the eight orders are every choice over
        those three classes, whatever index the class's counter had reached.
        """
        defects = self._acting_on(defects, graph)
        key = (self.style.model(defects), graph, outcome)
        known = _VERDICTS.get(key, _UNKNOWN)
        if known is _UNKNOWN:
            if len(_VERDICTS) >= _VERDICTS_KEPT:
                _VERDICTS.clear()
            known = _VERDICTS[key] = self._judge(defects, graph, outcome)
        return known

    def _acting_on(self, defects: frozenset, graph: Graph) -> frozenset:
        """The defects that can change anything on ``graph``: the engine's own, and those of
        the families its nodes call (``a - b`` written ``a + (-b)`` calls add, neg and mul).

        A model with a defect in a family the graph never calls builds the same
        numbers as one without it, so both are one question (the search asks
        both, on graphs of thousands of nodes too)."""
        used = self._families.get(graph)
        if used is None:
            direct = {OPS_BY_NAME[n.op].family for n in graph.nodes}
            used = self._families[graph] = frozenset(direct.union(*(self.style.bases(f) for f in direct)))
        return frozenset(d for d in defects if not d.family or d.family in used)

    def _judge(self, defects: frozenset, graph: Graph, outcome: Outcome):
        predicted = []
        orders = ORDERS if any(d.id in ORDER_DEPENDENT for d in defects) else 1
        for model in model_outcomes(self.model(defects), graph, orders):
            predicted.append(model)
            if outcome.matches(model):
                return True
        return False if all(p.matches(predicted[0]) for p in predicted) else None

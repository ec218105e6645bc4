"""Credit per operation family: a missing or wrong operation costs its share, not the check.

A check in scope of families F splits its points across them (equally, or by
the rubric's ``weights``). After the diagnosis, a failed generated check runs
again on graphs drawn without the families the diagnosis pins
(``harness.diagnosis.pinning``) and earns the shares of the families left, if
that re-run passes; a re-run that fails is diagnosed in turn (an operation built
on a broken one, ``a - b`` as ``a + (-b)`` without ``neg``, fails there), until
the result is stable. A fixed check earns its points in proportion to its
graphs that pass and use only working families. A defect of the whole engine
(seed, order, identity, a shared assigning helper) still fails the whole check.

To keep this to one diagnosis in the common case, each row of the operation
table is also tried alone (``a - b``, ``2 - a``, ``a / a``: the screens) in the
same request as the checks' examples: a family broken in isolation is set
aside before the first re-run, instead of being found one re-run at a time.
"""
from __future__ import annotations

import time
import zlib
from dataclasses import replace

from harness.core.graph import Graph, Node
from harness.core.ops import FAMILIES, OPS_BY_NAME, built_from, family_of_method
from harness.diagnosis import diagnose
from harness.diagnosis.pinning import family_of, shared_helper_lines, shows_forward
from harness.graphs import example_graph, judge
from harness.grading import checks
from harness.sandbox.process import WorkerFailure
from harness.core.kinds import EXCEPTION, TIMEOUT

PASSED = "passed"
CREDITED_KINDS = ("generated", "fixed", "chain", "fan-out")
# Why a family earns nothing when every binary operation is broken (see _generated).
UNTESTABLE = "not-checkable-without-a-working-binary-operation"
_SCREEN = "screen "           # prefix of the screens' names in the diagnosis request
_SCREEN_LEAVES = (1.5, 0.75)  # inside every row's domain (divisors, powers, exp, relu's kink)


def weights_of(check, rubric) -> dict:
    """Each family's weight in ``check``: the check's ``weights``, the rubric's, else 1."""
    weights = dict(rubric.weights)
    weights.update(check.weights)
    return {f: float(weights.get(f, 1.0)) for f in scope_of(check)}


def shares(check, rubric) -> dict:
    """Points of ``check`` by family in its scope: equal, or by the rubric's weights."""
    w = weights_of(check, rubric)
    total = sum(w.values())
    return {f: (check.points * w[f] / total if total else 0.0) for f in w}


def scope_of(check) -> tuple:
    """The families a check draws (generated) or its graphs use (fixed, chain, fan-out)."""
    if check.kind == "generated":
        used = {op.family for op in check.ops}
    elif check.kind in CREDITED_KINDS:
        used = {f for g, _ in checks.cases_of(check) for f in graph_families(g)}
    else:
        return ()
    return tuple(f for f in FAMILIES if f in used)


def graph_families(graph: Graph) -> set:
    return {OPS_BY_NAME[n.op].family for n in graph.nodes}


def screens(rubric, asker_for, split: bool = False) -> tuple:
    """Every row of the exercise alone (and ``a op a`` for two-Value rows), as failed checks.

    Returns (the failing ones, named ``screen <row>``, for the diagnosis; whether
    backward() hung on a row alone). ``asker_for(deadline)`` gives a worker. With
    ``split`` (after a hang) the rows on two leaves or one are asked first, on their
    own: when even those hang, so would every graph. A hang in the ``a op a`` rows
    only loses those rows.
    """
    graphs, trees = _screen_graphs(rubric)
    backward = any(c.backward for c in rubric.checks)
    parts = [trees, [i for i in range(len(graphs)) if i not in trees]] if split else [range(len(graphs))]
    answers: dict = {}
    for number, part in enumerate(parts):
        part = list(part)
        while part:
            try:
                answers.update(zip(part, asker_for().ask([graphs[i] for i in part], backward)))
                break
            except WorkerFailure as exc:
                hung = [i for i in part if graphs[i] == exc.graph] if exc.kind == TIMEOUT else []
                if hung and hung_family(exc):   # one operation's _backward hangs: set that row aside
                    answers[hung[0]] = exc
                    part.remove(hung[0])
                    continue
                if number == 0:
                    return [], exc.kind == TIMEOUT
                part = []   # the a op a rows hung: the rows alone still say what they say
    out = []
    for i, g in enumerate(graphs):
        if isinstance(answers.get(i), WorkerFailure):
            failure = judge.Failure(TIMEOUT, "no answer" + answers[i].located(), g, backward,
                                    family=hung_family(answers[i]))
        else:
            failure = judge.judge(g, answers[i], backward) if i in answers else None
        if failure is not None:
            out.append(diagnose.FailedCheck(f"{_SCREEN}{g.nodes[0].op}:{len(out)}", failure,
                                            judge.example(failure)))
    return out, False


def lone_operation(rubric) -> Graph:
    """The first screen: the table's first row alone, on two values read once (``a + b``).

    It goes ahead of the exercise's first request of gradients (``Asker.lead``): a
    backward() that hangs on it hangs on any graph, which one wait then shows."""
    graphs, trees = _screen_graphs(rubric)
    return graphs[trees[0]]


def lone_code(graph: Graph) -> str:
    """``a + b``: how a message writes a screen's graph (its one node, as ``to_code`` writes it)."""
    return graph.to_code(backward=False)[-1].partition(" = ")[2]


def _screen_graphs(rubric) -> tuple:
    """(each row alone, then ``a op a`` for two-Value rows; the indexes of the first kind)."""
    graphs, trees = [], []
    for op in rubric.ops:
        k = op.constants[0] if op.constants else None
        trees.append(len(graphs))   # each row's first graph reads no value twice
        if op.arity == 2:
            graphs.append(Graph(_SCREEN_LEAVES, (Node(op.name, (0, 1)),)))
            graphs.append(Graph(_SCREEN_LEAVES[:1], (Node(op.name, (0, 0)),)))
        else:
            graphs.append(Graph(_SCREEN_LEAVES[:1], (Node(op.name, (0,), k),)))
    return graphs, trees


def hung_family(exc: WorkerFailure) -> str:
    """The family whose ``_backward`` was running when a request timed out, or ""."""
    where = exc.where or {}
    method = where.get("method")
    if exc.kind != TIMEOUT or not isinstance(where.get("operation"), str) or not isinstance(method, str):
        return ""
    return family_of_method(method.rpartition(".")[2])


class Award:
    """Per-family credit for the failed checks of one exercise (after their diagnosis)."""

    def __init__(self, rubric, session, seed: int, examples, budget_end: float, found: dict,
                 screened: list, seconds: float | None = None):
        self.rubric, self.session, self.seed, self.examples = rubric, session, seed, examples
        self.budget_end = budget_end
        self.seconds = seconds   # each re-run's and its diagnosis's limit (hang_seconds after a hang)
        every = [d for ds in found.values() for d in ds]
        self.shared = shared_helper_lines(every)
        # family -> (diagnosis, shows in forward values, seen only on `a op a`), from the screens
        self.broken_alone: dict = {}
        for s in screened:
            diagnoses = found.get(s.name, [])
            pins = [(family_of(d, self.shared), d) for d in diagnoses]
            if not pins or any(f is None for f, _ in pins):
                continue   # a whole-engine defect shows in every screen: nothing to set aside
            row_family = OPS_BY_NAME[s.failure.graph.nodes[0].op].family
            for _, d in pins:
                d.graph = d.graph or example_graph.describe(s.failure)
            first = pins[0][1]
            node = s.failure.graph.nodes[0]
            reused = len(set(node.args)) < len(node.args)   # the rows alone on two leaves come first
            for family, d in [(row_family, first)] + pins:
                self.broken_alone.setdefault(family, (d, shows_forward(d.id), reused))

    def run(self, pairs: list) -> None:
        """Set ``earned`` and ``families`` on each failed (check, result, outcome)."""
        broken_anywhere: dict = {}
        ordered = sorted(pairs, key=lambda p: p[0].kind != "generated")  # generated first
        for check, result, outcome in ordered:
            if check.kind not in CREDITED_KINDS:
                continue
            if check.kind == "generated":
                broken = self._generated(check, result)
            else:
                broken = self._fixed(check, result, outcome, broken_anywhere)
            for f, why in broken.items():
                if why != PASSED:
                    broken_anywhere.setdefault(f, why)

    def _initial(self, check, result) -> tuple:
        """(families set aside with why, or None and the whole-engine id)."""
        broken: dict = {}
        for d in result.diagnoses:
            family = family_of(d, self.shared)
            if family is None:
                return None, d.id
            broken.setdefault(family, d.id)
        known = {(d.id, d.family) for d in result.diagnoses}
        for family, (d, forward, reused) in self.broken_alone.items():
            if reused and check.shape == "tree":
                continue   # what shows only when a value is read twice cannot cost a check of trees
            if (check.backward or forward) and family in scope_of(check) and family not in broken:
                broken[family] = d.id
                if (d.id, d.family) not in known:   # name every misconception that cost a share
                    known.add((d.id, d.family))
                    result.diagnoses.append(d)
        return broken, ""

    def _generated(self, check, result) -> dict:
        scope = scope_of(check)
        broken, whole = self._initial(check, result)
        if broken is None:
            return self._whole(result, scope, whole)
        for attempt in range(1, len(scope) + 1):
            rows = tuple(op for op in check.ops if op.family not in broken)
            if not rows:
                break
            if check.shape == "dag" and not any(op.arity == 2 for op in rows):
                # Without a working binary operation no value can be read twice: the
                # re-run could not show whether the rest is right under reuse, so it
                # earns nothing (an engine whose every _backward assigns would pass).
                broken.update({op.family: UNTESTABLE for op in rows})
                break
            remaining = self.budget_end - time.monotonic()
            if remaining <= 0.5:
                return self._whole(result, scope, TIMEOUT)
            try:
                limit = self.seconds or check.seconds or self.rubric.limits.check_seconds
                asker = self.session.asker(time.monotonic() + min(limit, remaining))
                derived = zlib.crc32(f"{self.seed}:{check.name}:without:{attempt}".encode())
                outcome = checks.run_check(replace(check, ops=rows), self.rubric, asker, derived, self.examples)
            except WorkerFailure as exc:
                self.session.close()
                return self._whole(result, scope, exc.kind)
            if outcome.failure is None:
                break
            new = self._diagnose_rerun(check, result, outcome.failure)
            if new is None:
                return self._whole(result, scope, result.diagnoses[-1].id if result.diagnoses else EXCEPTION)
            added = {f: why for f, why in new.items() if f not in broken}
            if not added:   # pinned on families already set aside: the failing rows are built on them
                why = next(iter(new.values()), outcome.failure.kind)
                drawn = graph_families(outcome.failure.graph) - set(broken)
                # Blame the rows that can be built on a family set aside (``a - b`` as
                # ``a + (-b)``), not every row that happens to share the failing graph.
                built_on = {f for f in drawn if set(built_from(f)) & set(broken)}
                added = {f: why for f in (built_on or drawn)}
            if not added:
                return self._whole(result, scope, outcome.failure.kind)
            broken.update(added)
        return self._settle(check, result, scope, broken)

    def _diagnose_rerun(self, check, result, failure) -> dict | None:
        """Diagnose a re-run's failure; add its diagnoses to the check; the families it pins."""
        failed = diagnose.FailedCheck(check.name, failure, judge.example(failure))
        left = self.budget_end - time.monotonic()
        found = diagnose.diagnose(self.rubric, [failed], self.session.asker,
                                  min(left, self.seconds or left)).get(check.name, [])
        pins: dict = {}
        known = {(d.id, d.family) for d in result.diagnoses}
        for d in found:
            if (d.id, d.family) not in known:
                d.graph = d.graph or example_graph.describe(failure)
                result.diagnoses.append(d)
            family = family_of(d, self.shared)
            if family is None:
                return None
            pins.setdefault(family, d.id)
        return pins

    def _fixed(self, check, result, outcome, broken_anywhere: dict) -> dict:
        scope = scope_of(check)
        broken, whole = self._initial(check, result)
        if broken is None:
            return self._whole(result, scope, whole)
        for f, why in broken_anywhere.items():
            broken.setdefault(f, why)
        cases = checks.cases_of(check)
        passed = (outcome.passed if outcome else ()) or (False,) * len(cases)
        good = sum(1 for (g, _), ok in zip(cases, passed) if ok and not graph_families(g) & set(broken))
        result.earned = check.points * good / len(cases) if cases else 0.0
        result.families = {f: broken.get(f, PASSED) for f in scope}
        return result.families

    def _settle(self, check, result, scope, broken: dict) -> dict:
        w = weights_of(check, self.rubric)
        total = sum(w.values())
        # One division (points x working weight / all weight), so 6 x 6/9 is exactly 4.0.
        result.earned = (check.points * sum(w[f] for f in scope if f not in broken) / total
                         if total else 0.0)
        result.families = {f: broken.get(f, PASSED) for f in scope}
        return result.families

    @staticmethod
    def _whole(result, scope, why: str) -> dict:
        """The whole check is lost; no family is pinned by it (a recursive sort fails the 5,000
        chain, not ``+`` in the fan-out), so nothing is passed on to the fixed checks."""
        result.earned = 0.0
        result.families = {f: why for f in scope}
        return {}


__all__ = ["Award", "PASSED", "hung_family", "lone_code", "lone_operation", "screens", "scope_of", "shares", "weights_of"]

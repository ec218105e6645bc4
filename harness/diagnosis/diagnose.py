"""Turn failed checks into diagnoses a student can act on.

After the checks of an exercise ran, the probes (``harness.diagnosis.probes``) and every
failed check's smallest example go to the worker in one request. The student's
numbers are matched against bug models (``harness.diagnosis.matching``); each failed
check then gets the misconceptions that matter for its own example: those
whose removal from the matched model changes what that example gives. A
failure nothing in the catalogue explains keeps its generic id, and so does
one that left no numbers to analyse (a timeout, a crash, an import error).
"""
from __future__ import annotations

import time
from dataclasses import dataclass

from harness.diagnosis import catalogue
from harness.diagnosis.catalogue import GENERIC_TITLES
from harness.graphs import judge
from harness.diagnosis import matching
from harness.diagnosis.outcomes import (ORDER_DEPENDENT, ORDERS, Findings, model_outcome, model_outcomes,
                                        student_outcome)
from harness.diagnosis import rules
from harness.diagnosis.models import Defect, Style, model_class
from harness.core import ops
from harness.core.ops import OPS_BY_NAME
from harness.diagnosis.probes import Probe, probe_set
from harness.diagnosis.pinning import shows_forward
from harness.core.results import Diagnosis
from harness.sandbox.process import WorkerFailure
from harness.diagnosis.catalogue import (FORBIDDEN_IMPORT, GRAD_OVERWRITE, IMPORT_ERROR,
                                         MISSING_CHAIN_RULE, MISSING_OPERATION, NOT_IMPLEMENTED,
                                         NUMBER_OPERAND, RECURSION_DEPTH, REFLECTED_OPERAND,
                                         REPEATED_BACKWARD, RESOURCE_LIMIT, TIMEOUT, WORKER_CRASH,
                                         WRONG_DERIVATIVE, WRONG_FORWARD)

# Failures that leave no numbers to analyse keep their generic id.
_NOT_ANALYSED = {NOT_IMPLEMENTED, IMPORT_ERROR, TIMEOUT, RESOURCE_LIMIT, WORKER_CRASH,
                 FORBIDDEN_IMPORT}
# Family -> the method that computes it (``__add__``), and the reflected one (``__radd__``).
_METHOD = {family: ops.family_field(family, "method") for family in ops.FAMILIES}
_REFLECTED = {op.family: op.method for op in ops.OPS if op.operand == "number-left"}
_LARGE = 1500         # graphs larger than this (the 5,000 chain) attribute, not search
PROBE_SECONDS = 10.0


@dataclass
class FailedCheck:
    name: str
    failure: judge.Failure
    example: str          # what the student is shown (several graphs for a fixed check)
    others: tuple = ()    # the further failures shown in ``example``


def generic(failure: judge.Failure, example: str | None = None) -> Diagnosis:
    error = failure.error or {}
    text = judge.example(failure) if example is None else example
    if not text and failure.graph is None and failure.code:  # a check without graphs (05_nn)
        text = "\n".join(failure.code)
    entry = catalogue.ENTRIES.get(failure.kind)   # a check that named the misconception itself
    line = judge.located(error)
    message = failure.message
    while line and message.endswith(f" ({line})"):   # the line is the diagnosis's own field: once
        message = message[:-len(line) - 3]            # (a SyntaxError's text names it too)
    message += _raised_in(error, failure.graph) + _caret(error)
    return Diagnosis(id=failure.kind, title=entry.title if entry else GENERIC_TITLES.get(failure.kind, failure.kind),
                     message=message, example=text, line=line, advice=entry.advice if entry else "",
                     family=failure.family or _backward_family(error))


def _caret(error: dict) -> str:
    """A SyntaxError's source line with a caret under the place Python stopped, as Python shows it."""
    source, offset = error.get("source"), error.get("offset")
    if error.get("type") not in ("SyntaxError", "IndentationError", "TabError") \
            or not isinstance(source, str) or not source.strip() or not isinstance(offset, int):
        return ""
    text = source.expandtabs(4)
    indent = len(text) - len(text.lstrip())
    column = max(0, min(offset - 1 - indent, len(text.strip())))
    return f"\n    {text.strip()}\n    {' ' * column}^"


def unloaded(failed: list) -> dict:
    """Diagnoses when the submission could not be loaded: the reason once, on the first check
    it stopped; every later check with the same reason is listed as not run."""
    result, said = {}, {}
    for f in failed:
        first = said.setdefault((f.failure.kind, f.failure.message), f.name)
        if first == f.name:
            result[f.name] = [generic(f.failure, f.example)]
        else:
            result[f.name] = [Diagnosis(id=f.failure.kind, title="Not run",
                                        message=f"not run: {GENERIC_TITLES.get(f.failure.kind, f.failure.kind).lower()} "
                                                f"(see the check {first!r})")]
    return result


def _backward_method(error: dict) -> str:
    """The method whose ``_backward`` raised (``__pow__`` for ``Value.__pow__.<locals>._backward``), or ""."""
    function = error.get("function")
    if not isinstance(function, str) or not function.endswith("<locals>._backward"):
        return ""
    return function.split(".<locals>.")[0].rpartition(".")[2]


def _backward_family(error: dict) -> str:
    """The family whose ``_backward`` raised, or ""."""
    method = _backward_method(error)
    return ops.family_of_method(method) if method else ""


def _raised_in(error: dict, graph) -> str:
    """", in the `_backward` written in `__pow__` (`**`)": which operation's closure raised."""
    method = _backward_method(error)
    if not method:
        return ""
    family = ops.family_of_method(method)
    symbol = f" ({ops.symbol(family)})" if family else ""
    return f", in the `_backward` written in `{method}`{symbol}"


def diagnose(rubric, failed: list, asker_for, time_left: float = PROBE_SECONDS) -> dict:
    """Diagnoses for each failed check, by name. ``asker_for(deadline)`` gives a worker;
    the probes get at most ``time_left`` seconds (what is left of the exercise's budget)."""
    result = {f.name: [generic(f.failure, f.example)] for f in failed}
    analysable = [f for f in failed if f.failure.kind not in _NOT_ANALYSED and f.failure.graph is not None]
    if not analysable:
        return result
    backward = any(c.backward for c in rubric.checks)
    deep = any(c.kind == "chain" for c in rubric.checks)
    probes = probe_set(rubric.ops, backward, deep)
    shown = {f.name: [x for x in (f.failure,) + f.others if x.graph is not None] for f in analysable}
    examples = {}   # check name -> indices of its example probes
    for f in analysable:
        for x in shown[f.name]:
            examples.setdefault(f.name, []).append(len(probes))
            probes.append(Probe(f"example-{f.name}", x.graph, kind="example"))
    try:
        asker = asker_for(time.monotonic() + min(PROBE_SECONDS, max(1.0, time_left)))
        answers = asker.ask([p.graph for p in probes], backward, locate=True)
    except WorkerFailure:   # the probes hung or crashed: the checks' own exceptions still say something
        return _from_exceptions_alone(result, analysable, rubric, backward)
    outcomes = [student_outcome(a, p.graph) for a, p in zip(answers, probes)]
    families = {op.family for op in rubric.ops}
    large = {i for i, p in enumerate(probes) if p.graph.size > _LARGE}
    findings = matching.analyse(probes, outcomes, families, backward, deep, asker.facts, large)
    places = _Places(probes, outcomes, asker.methods, findings)
    named: set = set()
    for f in analysable:
        indices = examples[f.name]
        relevant = _one_per_id([d for i in indices
                                for d in _relevant(findings, probes[i].graph, i, outcomes[i], backward)])
        if not relevant and backward and findings.verdicts is not None:
            # Order-dependent bugs (a set iterated by address) may not repeat on a second
            # run: test the defects against the numbers the check itself saw.
            relevant = _relevant_to_seen(findings, f.failure, probes, outcomes)
        diagnoses = [_diagnosis(d, f.example, places) for d in relevant]
        named.update(_named(d) for d in relevant)
        explained = relevant and all(i not in findings.unexplained or i in large for i in indices)
        if not explained:
            diagnoses.append(generic(f.failure, f.example))
        result[f.name] = diagnoses
    _name_the_rest(result, named, findings, probes, outcomes, answers, rubric, analysable, places, backward)
    return result


def _named(defect: Defect) -> tuple:
    return defect.key(), defect.family if defect.id in catalogue.PER_OPERATION else ""


def _name_the_rest(result: dict, named: set, findings: Findings, probes, outcomes, answers, rubric,
                   analysable: list, places: "_Places", backward: bool) -> None:
    """Every misconception found is named once, even when no failed check's own example shows it.

    One defect can hide another on the checks' examples (a ``*`` that passes 0 on hides
    an assigning ``tanh`` on any graph through ``*``); the probes that avoid the first
    settle the second. Such a defect is added to the first failed check that covers its
    operation, with the probe that shows it as its example.
    """
    checks = {c.name: c for c in rubric.checks}
    for defect in findings.all_defects():
        if _named(defect) in named:
            continue
        index = _evidence_probe(defect, findings, probes, outcomes)
        if index is None or not isinstance(answers[index], dict):
            continue
        graph = probes[index].graph
        rows = {n.op for n in graph.nodes}
        # A gradient's misconception goes to a check of gradients; one that shows in forward
        # values (a missing operation, a number operand) to the first check that builds the
        # graph. A rule's finding is not always the latter: a recursive sort is read from the
        # deep probe's RecursionError, and a forward check must not carry (and lose to) it.
        needs_backward = backward and not shows_forward(defect.id)
        # Seen only on a graph deeper than the recursion limit: only a check of such graphs shows it.
        needs_depth = probes[index].kind == "deep"
        hosts = sorted(analysable, key=lambda f: getattr(checks.get(f.name), "shape", "") == "tree")
        host = next((checks[f.name] for f in hosts
                     if checks.get(f.name) is not None and (checks[f.name].backward or not needs_backward)
                     and (checks[f.name].kind == "chain" or not needs_depth)
                     and rows <= {op.name for op in (checks[f.name].ops or rubric.ops)}), None)
        failure = judge.judge(graph, answers[index], host.backward) if host is not None else None
        if failure is None:
            continue
        result[host.name].append(_diagnosis(defect, judge.example(failure), places))
        named.add(_named(defect))


def _evidence_probe(defect: Defect, findings: Findings, probes, outcomes) -> int | None:
    """The probe that shows ``defect``: the one its rule read, or one the models need it for."""
    for d, i in findings.rules:
        if d == defect:
            return i
    if defect in findings.wildcards:
        return next((i for i, p in enumerate(probes) if p.kind == "iso" and p.family == defect.family), None)
    if defect not in findings.defects or findings.verdicts is None:
        return None
    without = findings.defects - {defect}
    ranked = sorted(findings.eligible, key=lambda i: (probes[i].kind in ("random", "example"), probes[i].graph.size))
    return next((i for i in ranked if findings.verdicts(findings.defects, probes[i].graph, outcomes[i]) is True
                 and findings.verdicts(without, probes[i].graph, outcomes[i]) is False), None)


def _from_exceptions_alone(result: dict, analysable: list, rubric, backward: bool) -> dict:
    """Without probes (they hung): a check whose example raised where a rule reads the cause
    (``2 / a`` without ``__rtruediv__``, RecursionError on the deep chain) is named by it."""
    style = Style({})
    reference = model_class(style.model())
    families = {op.family for op in rubric.ops}
    for f in analysable:
        if not f.failure.error or f.others:
            continue
        outcome = student_outcome({"error": f.failure.error}, f.failure.graph)
        expected = model_outcome(reference, f.failure.graph, backward)
        defect = rules.rule(Probe(f"example-{f.name}", f.failure.graph, kind="example"), outcome,
                            expected, families, style)
        if isinstance(defect, Defect):
            place = {defect.id: outcome.place} if outcome.place else {}
            result[f.name] = [_diagnosis(defect, f.example, _Places([], [], {}, Findings(style), place))]
    return result


def _relevant(findings: Findings, graph, index: int, outcome, backward: bool) -> list:
    """The misconceptions found that make a difference on ``graph`` (probe ``index``)."""
    rows = {n.op for n in graph.nodes}
    families = {OPS_BY_NAME[r].family for r in rows}
    operands = {(OPS_BY_NAME[r].family, OPS_BY_NAME[r].operand) for r in rows}
    out = []
    for defect, where in findings.rules:
        if where == index:  # found on this very graph
            hit = True
        elif defect.id == NUMBER_OPERAND:
            hit = (defect.family, "number-right") in operands
        elif defect.id == REFLECTED_OPERAND:
            hit = (defect.family, "number-left") in operands
        else:
            hit = bool(defect.family) and (defect.family in families
                                           or bool(_derived_from(findings, defect.family) & families))
        if hit and defect not in out:
            out.append(defect)
    if findings.defects and backward and outcome is not None and not outcome.error:
        # (an exception produced no numbers: no model's defect can be what made them wrong)
        # A misconception matters here when, without it, no order gives the student's numbers.
        for defect in sorted(findings.defects):
            if findings.verdicts(findings.defects - {defect}, graph, outcome) is False:
                out.append(defect)
    for defect in findings.wildcards:
        if defect.family in families or _derived_from(findings, defect.family) & families:
            out.append(defect)
    return _one_per_id(out)


def _relevant_to_seen(findings: Findings, failure: judge.Failure, probes, outcomes) -> list:
    """The defects without which no order gives the wrong values the check reported.

    When the defects found give no such order (the probes all came out right
    this time), one more defect that gives them and contradicts no probe.
    """
    seen = [m for m in failure.mismatches if isinstance(m.actual, float)]
    if not seen or failure.graph is None:
        return []

    def gives(defects) -> bool:
        for predicted in model_outcomes(findings.verdicts.model(defects), failure.graph, ORDERS):
            if predicted.error:
                continue
            column = {"data": predicted.data, "grad": predicted.grad}
            if all(judge.close(column[m.field][m.index], m.actual) for m in seen):
                return True
        return False

    if gives(findings.defects):
        return [d for d in sorted(findings.defects) if not gives(findings.defects - {d})]
    # Numbers from an order none of the models tried: name the order-dependent
    # misconception already established on the probes rather than invent another.
    known = [d for d in sorted(findings.defects) if d.id in ORDER_DEPENDENT]
    if known:
        return known
    # Probes the student got right this time are no evidence against an order-dependent
    # defect (the run's order may just have been a lucky one): only the wrong ones count.
    wrong = [i for i in findings.eligible
             if findings.verdicts(findings.defects, probes[i].graph, outcomes[i]) is False]
    for extra in findings.candidates:
        trial = findings.defects | {extra}
        if gives(trial) and not any(findings.verdicts(trial, probes[i].graph, outcomes[i]) is False
                                    for i in wrong):
            return [extra]
    return []


def _derived_from(findings, family: str) -> set:
    return findings.style.users(family)


def _one_per_id(defects: list) -> list:
    """One diagnosis per catalogue id and operation (variants are how, not what)."""
    seen, out = set(), []
    for d in defects:
        key = (d.key(), d.family if d.id in catalogue.PER_OPERATION else "")
        if key not in seen:
            seen.add(key)
            out.append(d)
    return out


def _diagnosis(defect: Defect, example: str, places: "_Places") -> Diagnosis:
    family = defect.family if defect.id in catalogue.PER_OPERATION else ""
    entry = catalogue.describe(defect.id, family or defect.family)
    return Diagnosis(id=defect.key(), title=entry.title, message=entry.explanation,
                     example=example, line=places.line_of(defect), advice=entry.advice,
                     family=defect.family)


class _Places:
    """Where in the student's code a misconception lives, when the code shows it."""

    def __init__(self, probes, outcomes, methods, findings: Findings, raised: dict | None = None):
        self.methods = methods if isinstance(methods, dict) else {}
        self.closures, self.assigning, self.raised = {}, {}, dict(raised or {})
        for probe, outcome in zip(probes, outcomes):
            if probe.kind in ("iso", "twice") and outcome and outcome.where:
                row = probe.graph.nodes[0].op
                place = outcome.where[len(probe.graph.leaves)]
                if row == probe.family and place and len(place) >= 3 and place[2] is True:
                    self.closures.setdefault(probe.family, place[:2])
                    if len(place) >= 4 and isinstance(place[3], int) and not isinstance(place[3], bool):
                        # the first `x.grad = ...` in that closure (the worker reads its bytecode)
                        self.assigning.setdefault(probe.family, (place[0], place[3]))
        for defect, i in findings.rules:   # a rule read off an exception: where it was raised
            if outcomes[i] is not None and outcomes[i].place:
                self.raised.setdefault(defect.id, outcomes[i].place)

    def line_of(self, defect: Defect) -> str:
        if defect.id == GRAD_OVERWRITE:
            place = self.assigning.get(defect.family) or self.closures.get(defect.family) \
                or self.methods.get(_METHOD.get(defect.family))
        elif defect.id == RECURSION_DEPTH and defect.id in self.raised:
            place = self.raised[defect.id]   # the recursive call (the line that repeats)
        elif defect.id == REPEATED_BACKWARD and defect.variant == "recursive" \
                and RECURSION_DEPTH in self.raised:
            place = self.raised[RECURSION_DEPTH]   # child.backward(): once per path, and per level
        elif defect.id in (MISSING_CHAIN_RULE, WRONG_DERIVATIVE):
            place = self.closures.get(defect.family) or self.methods.get(_METHOD.get(defect.family))
        elif defect.id in (WRONG_FORWARD, MISSING_OPERATION, NUMBER_OPERAND):
            place = self.methods.get(_METHOD.get(defect.family))
        elif defect.id == REFLECTED_OPERAND:
            place = self.methods.get(_REFLECTED.get(defect.family))
        else:
            place = self.methods.get("backward")
        if not isinstance(place, (list, tuple)) or len(place) != 2:
            return ""
        return judge.located({"file": place[0], "line": place[1]})

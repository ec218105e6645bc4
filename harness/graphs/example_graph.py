"""The failing example as data: what a picture of it needs, and nothing else.

``describe(failure)`` turns a ``judge.Failure`` into a plain dict that goes
into ``Diagnosis.graph`` (and so into the JSON report), so that renderers and
``harness.render.pictures`` draw the example without importing the judge::

    {"values": [{"name": "a", "data": 3.0, "grad": 2.0, "actual_grad": 1.0},
                {"name": "b", "op": "+", "args": [0, 0], "code": "b = a + a", "data": 6.0, "grad": 1.0}],
     "compared": ["data", "grad"]}

``data``/``grad`` are the reference's numbers; ``actual_data``/``actual_grad``
appear only where the student's differ (a number, or a string such as "NaN");
``compared`` says which fields were checked, so a value without ``actual_grad``
is known to be right only when "grad" is in it. ``raised_at`` is the index of
the value whose line raised, when the student's code raised.

Large graphs (the 5,000-deep chain, the 1,000-wide fan-out) are printed in a
compact form and are not drawn: ``describe`` returns ``{}`` for them.
"""
from __future__ import annotations

import re

from harness.core.graph import Graph, Node
from harness.core.ops import OPS_BY_NAME
from harness.graphs import judge
from harness.core.kinds import EXCEPTION, GRADIENT_MISMATCH, INVALID_RESULT, VALUE_MISMATCH

MAX_VALUES = 40   # more than this is not a picture anyone reads


def describe(failure: judge.Failure) -> dict:
    """The failing graph with expected and actual values, or {} when there is none to draw."""
    graph = failure.graph
    if graph is None or failure.code is not None or graph.size > MAX_VALUES:
        return {}
    try:
        want = judge.expected(graph, failure.backward)
    except Exception:  # the reference cannot build it either: nothing sensible to draw
        return {}
    wrong = {(m.index, m.field): m.actual for m in failure.mismatches}
    compared = _compared(failure)
    names, code = graph.names(), graph.to_code(backward=False)
    values = []
    for i in range(graph.size):
        entry: dict = {"name": names[i]}
        if i >= len(graph.leaves):
            node = graph.nodes[i - len(graph.leaves)]
            entry.update(op=op_label(node.op, node.k), args=list(node.args), code=code[i])
        for fld in want:
            entry[fld] = want[fld][i]
            if (i, fld) in wrong:
                entry[f"actual_{fld}"] = wrong[(i, fld)]
        values.append(entry)
    result = {"values": values, "compared": compared}
    error = failure.error or {}
    if isinstance(error.get("node"), int) and 0 <= error["node"] < graph.size:
        result["raised_at"] = error["node"]
        result["exception"] = str(error.get("type", "Exception"))
    return result


def op_label(op: str, k: float | None = None) -> str:
    """How the lecture's ``draw_dot`` labels an operation: "+", "*", "tanh", "** 2"."""
    template = OPS_BY_NAME[op].template
    number = f"{k:g}" if k is not None else ""
    text = template.replace("{a}", "").replace("{b}", "").replace("{k}", number)
    return text.replace("()", "").strip(" .") or op


def _compared(failure: judge.Failure) -> list:
    """Which fields the student's numbers were checked for in this failure."""
    if failure.kind == VALUE_MISMATCH:
        return ["data"]   # the judge stops at wrong data: gradients were not compared
    if failure.kind in (GRADIENT_MISMATCH, INVALID_RESULT):
        return ["data", "grad"] if failure.backward else ["data"]
    return []


# -- an example's text back into a picture ---------------------------------------------
# A diagnosis carries the data of one example (``graph``); a fixed check prints
# several (the lecture's graphs, one after another). The others are read back
# from their text, which ``Graph.to_code`` wrote from the same operation table:
# never executed, only matched line by line against the table's templates, so a
# saved report (``grade render``) cannot make the grader run anything.
_NUMBER = r"[-+]?(?:\d+\.?\d*(?:e[-+]?\d+)?|inf|nan)"
_LEAF = re.compile(rf"^(\w+) = Value\(({_NUMBER})\)$")
_CLAIM = re.compile(rf"^(\w+)\.(data|grad)  # expected ({_NUMBER}), got (.+)$")


def _template_pattern(template: str) -> re.Pattern:
    pattern = re.escape(template)
    for field, part in (("a", r"(?P<a>\w+)"), ("b", r"(?P<b>\w+)"), ("k", rf"(?P<k>{_NUMBER})")):
        pattern = pattern.replace(re.escape("{" + field + "}"), part)
    return re.compile(rf"^(\w+) = {pattern}$")


_PATTERNS = [(op.name, _template_pattern(op.template)) for op in OPS_BY_NAME.values()]


def graph_from_example(text: str) -> dict:
    """What ``describe`` gives, for an example's text; {} when it is not one small graph's code."""
    index: dict = {}
    leaves, nodes, claims, backward, raised = [], [], [], False, None
    for raw in text.splitlines():
        line, _, comment = raw.partition("  # ")
        if claim := _CLAIM.match(raw):
            claims.append(claim.groups())
            continue
        if not line or line.startswith(("from ", "import ")):
            continue
        if line.endswith(".backward()"):
            backward = True
            continue
        if (leaf := _LEAF.match(line)) and not nodes:
            index[leaf.group(1)] = len(leaves)
            leaves.append(float(leaf.group(2)))
        elif (node := _node(line, index)) is not None:
            index[node[0]] = len(leaves) + len(nodes)
            nodes.append(node[1])
        else:
            return {}   # a loop, a compact form, anything else: not drawn
        if comment.startswith("raises"):
            raised = len(leaves) + len(nodes) - 1
    if not nodes or len(leaves) + len(nodes) > MAX_VALUES or any(c[0] not in index for c in claims):
        return {}
    graph = Graph(tuple(leaves), tuple(nodes))
    fields = {c[1] for c in claims}
    kind = EXCEPTION if raised is not None else VALUE_MISMATCH if "data" in fields else GRADIENT_MISMATCH
    failure = judge.Failure(kind, "", graph, backward,
                            mismatches=[judge.Mismatch(index[n], f, float(e), _number(g)) for n, f, e, g in claims])
    result = describe(failure)
    if result and raised is not None:
        result["raised_at"] = raised
    return result


def _node(line: str, index: dict):
    for name, pattern in _PATTERNS:
        m = pattern.match(line)
        if m and all(m.groupdict().get(x) is None or m.group(x) in index for x in ("a", "b")):
            args = tuple(index[m.group(x)] for x in ("a", "b") if m.groupdict().get(x) is not None)
            k = float(m.group("k")) if m.groupdict().get("k") is not None else None
            return m.group(1), Node(name, args, k)
    return None


def _number(text: str):
    try:
        return float(text)
    except ValueError:
        return text   # "NaN", "not a number": shown as it is

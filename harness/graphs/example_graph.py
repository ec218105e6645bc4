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

from harness.graphs import judge
from harness.core.ops import OPS_BY_NAME

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
    if failure.kind == "value-mismatch":
        return ["data"]   # the judge stops at wrong data: gradients were not compared
    if failure.kind in ("gradient-mismatch", "invalid-result"):
        return ["data", "grad"] if failure.backward else ["data"]
    return []

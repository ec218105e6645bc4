"""Probe graphs: small, fixed graphs chosen to tell misconceptions apart.

For every operation row in scope:
* ``iso``: the row alone on fresh leaves, at two points (forward, derivative);
* ``twice``: the same input read twice (``a + a``; ``b = a.tanh(); c = a.tanh();
  d = b + c``), where assigning and accumulating differ;
* ``chain``: the row's result multiplied by -2, where a missing chain rule shows.
Then graphs where the engine's ``backward()`` shows: the lecture's examples, a
shared sub-expression (order against repetition), distinct values with equal
data (identity), a few fixed DAGs over all rows, and a chain deeper than
Python's recursion limit when the exercise asks for one.
"""
from __future__ import annotations

import random
from dataclasses import dataclass

from harness.graphs.decode import decode
from harness.core.graph import Graph, Node
from harness.core.named_graphs import NAMED_GRAPHS, chain
from harness.core.ops import OPS_BY_NAME, Op

POINTS = ((2.0, -3.0), (-1.5, 0.5))
DEEP_CHAIN = 1200   # deeper than the default recursion limit of 1,000
_RANDOM_PROBES = 8


@dataclass(frozen=True)
class Probe:
    name: str
    graph: Graph
    family: str = ""   # the family the probe isolates, if any
    kind: str = ""     # iso, twice, chain, engine, random, deep, example


def probe_set(rows: tuple, backward: bool, deep: bool) -> list:
    probes = []
    families = {op.family for op in rows}
    for op in rows:
        for i, point in enumerate(POINTS):
            probes.append(Probe(f"iso-{op.name}-{i}", _single(op, point), op.family, "iso"))
        if backward:
            probes.append(Probe(f"twice-{op.name}", _twice(op), op.family, "twice"))
            if "mul" in families:
                probes.append(Probe(f"chain-{op.name}", _chained(op), op.family, "chain"))
    if backward:
        for name in ("self-add", "self-mul", "lecture-diamond", "shared-subexpression",
                     "lecture-expression", "shared-tanh", "equal-data"):
            graph = NAMED_GRAPHS[name] if name != "equal-data" else _equal_data()
            if {OPS_BY_NAME[n.op].family for n in graph.nodes} <= families:
                probes.append(Probe(name, graph, kind="engine"))
    rnd = random.Random(20261126)
    for i in range(_RANDOM_PROBES):
        data = bytes(rnd.randrange(256) for _ in range(4 + 4 * 8))
        probes.append(Probe(f"random-{i}", decode(data, rows, "dag", 3, 8), kind="random"))
    if backward and deep and {"add", "mul"} <= families:
        probes.append(Probe("deep-chain", chain(DEEP_CHAIN)[0], kind="deep"))
    return probes


def _k(op: Op) -> float | None:
    # Not the first constant (2.0): with a = 2.0, 2 / a equals a / 2 and a swapped
    # reflected operator (1 - a computed as a - 1) would look right.
    return op.constants[1] if op.constants else None


def _single(op: Op, point) -> Graph:
    x, y = point
    if op.arity == 1 and not op.valid(x, _k(op)):   # log: positive inputs only
        x = next(p for p in (abs(x), 1.5, 0.5) if op.valid(p, _k(op)))
    if op.arity == 2:
        return Graph((x, y), (Node(op.name, (0, 1)),))
    return Graph((x,), (Node(op.name, (0,), _k(op)),))


def _twice(op: Op) -> Graph:
    x = POINTS[0][0]
    if op.arity == 2:
        return Graph((x,), (Node(op.name, (0, 0)),))
    return Graph((x,), (Node(op.name, (0,), _k(op)), Node(op.name, (0,), _k(op)), Node("add", (1, 2))))


def _chained(op: Op) -> Graph:
    single = _single(op, POINTS[0])
    w = len(single.leaves)
    leaves = single.leaves + (-2.0,)
    shift = lambda i: i if i < w else i + 1  # noqa: E731 - the node moves past the new leaf
    node = single.nodes[0]
    return Graph(leaves, (Node(node.op, tuple(shift(i) for i in node.args), node.k),
                          Node("mul", (w + 1, w))))


def _equal_data() -> Graph:
    """c = a + b; d = b + a; e = c * d: c and d are distinct but hold the same number."""
    return Graph((2.0, 3.0), (Node("add", (0, 1)), Node("add", (1, 0)), Node("mul", (2, 3))))

"""Hypothesis strategies for the graphs of ``harness.graphs.decode``.

Used where Hypothesis earns its cost: shrinking a failing graph (and the tests
of the generator). The breadth of a passing check is drawn by
``decode.random_graphs`` from a seeded ``random.Random``, which is much cheaper
and keeps Hypothesis out of the passing path.
"""
from __future__ import annotations

from typing import Sequence

from hypothesis import strategies as st

from harness.core.graph import Graph
from harness.core.ops import Op
from harness.graphs.decode import NODE_BYTES, SHAPES, decode


def graphs(ops: Sequence[Op], *, shape: str = "dag", max_leaves: int = 3,
           max_nodes: int = 10, for_shrinking: bool = False) -> st.SearchStrategy[Graph]:
    """Graphs over ``ops``; ``shape="tree"`` reads every value at most once.

    Shrinks toward fewer nodes, then fewer leaves, then rounder leaf values,
    with ``b = a + a`` (one leaf read twice) as the simplest DAG.

    The default draws the node count, then all node bytes at once: fast to
    generate, but a node can only be deleted from the end. ``for_shrinking``
    draws a list of 4-byte nodes instead (slower, one draw per node), so that
    Hypothesis can delete any node: use it to shrink a failure once one is seen.
    """
    if shape not in SHAPES:
        raise ValueError(f"shape={shape!r} must be one of {SHAPES}")
    if not 1 <= max_leaves <= 26:
        raise ValueError(f"max_leaves={max_leaves} must be between 1 and 26")
    if max_nodes < 1:
        raise ValueError(f"max_nodes={max_nodes} must be at least 1")
    ops = tuple(ops)
    header = 1 + max_leaves

    @st.composite
    def shrinkable(draw):
        head = draw(st.binary(min_size=header, max_size=header))
        nodes = draw(st.lists(st.binary(min_size=NODE_BYTES, max_size=NODE_BYTES),
                              min_size=1, max_size=max_nodes))
        return decode(head + b"".join(nodes), ops, shape, max_leaves, max_nodes)

    if for_shrinking:
        return shrinkable()

    @st.composite
    def graph(draw):
        # The node count is drawn on its own so that sizes spread evenly up to
        # max_nodes (a bare binary draw stays short); it shrinks toward 1.
        n = draw(st.integers(1, max_nodes))
        data = draw(st.binary(min_size=header + NODE_BYTES * n, max_size=header + NODE_BYTES * n))
        return decode(data, ops, shape, max_leaves, max_nodes)
    return graph()


def batches(graph_strategy: st.SearchStrategy[Graph], size: int) -> st.SearchStrategy[list]:
    """Between 1 and ``size`` graphs per example: one message to the worker each.

    The count is drawn first and shrinks toward 1, so a failing batch shrinks
    to the single failing graph.
    """
    return st.integers(1, size).flatmap(
        lambda n: st.lists(graph_strategy, min_size=n, max_size=n))

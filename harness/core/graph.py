"""One description of an expression graph, built twice.

A ``Graph`` is plain data: leaf values, then nodes that each apply one row of
the operation table to earlier values (leaves first, then nodes, by index).
The output is the last node. ``build`` turns it into engine objects with any
``Value`` class: the reference in the grader, the student's in the worker.
``to_code`` prints it as the Python a student can paste.

Imported by the worker process: standard library only.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple, Sequence

from harness.core.ops import OPS_BY_NAME


class Node(NamedTuple):
    """``op`` applied to the values at ``args`` (and the plain number ``k``).

    A named tuple, not a dataclass: a graph is hashed and compared each time the
    reference's numbers for it are looked up, and a tuple's hash and ``==`` run in C."""

    op: str
    args: tuple[int, ...]
    k: float | None = None


@dataclass(frozen=True)
class Graph:
    """Leaves with their values, nodes reading earlier values, output last."""

    leaves: tuple[float, ...]
    nodes: tuple[Node, ...]

    @property
    def size(self) -> int:
        return len(self.leaves) + len(self.nodes)

    @property
    def output(self) -> int:
        return self.size - 1

    def uses(self) -> list[int]:
        """How many times each value is read by a node (the output counts 0)."""
        counts = [0] * self.size
        for node in self.nodes:
            for i in node.args:
                counts[i] += 1
        return counts

    def has_reuse(self) -> bool:
        """True when some value is read more than once: where `=` and `+=` differ."""
        return any(n > 1 for n in self.uses())

    def sort_key(self) -> tuple:
        """Smaller is simpler: fewer nodes, then fewer leaves, then rounder numbers."""
        return (len(self.nodes), len(self.leaves), sum(_roughness(x) for x in self.leaves))

    # -- the wire format -------------------------------------------------
    def to_json(self) -> list:
        return [list(self.leaves), [[n.op, list(n.args), n.k] for n in self.nodes]]

    @classmethod
    def from_json(cls, data: Sequence) -> "Graph":
        leaves, nodes = data
        return cls(tuple(float(x) for x in leaves),
                   tuple(Node(op, tuple(args), k) for op, args, k in nodes))

    # -- as code ---------------------------------------------------------
    def names(self) -> list[str]:
        return [value_name(i) for i in range(self.size)]

    def to_code(self, backward: bool = True) -> list[str]:
        """The graph as Python lines, one assignment per value, like the lecture."""
        names = self.names()
        lines = [f"{names[i]} = Value({_number(x)})" for i, x in enumerate(self.leaves)]
        for j, node in enumerate(self.nodes):
            op = OPS_BY_NAME[node.op]
            fields = {"a": names[node.args[0]],
                      "b": names[node.args[1]] if len(node.args) > 1 else "",
                      "k": _number(node.k) if node.k is not None else ""}
            lines.append(f"{names[len(self.leaves) + j]} = {op.template.format(**fields)}")
        if backward and self.nodes:
            lines.append(f"{names[self.output]}.backward()")
        return lines


def value_name(i: int) -> str:
    """a, b, ..., z, then v26, v27, ... (the lecture names values by letters)."""
    return chr(ord("a") + i) if i < 26 else f"v{i}"


def build(graph: Graph, value_class: Any, at: list | None = None) -> list:
    """Build ``graph`` with ``value_class``; return every value, leaves first.

    ``at``, when given, holds the index of the value being built, so a caller
    that catches an exception knows which line of ``to_code`` raised it.
    """
    at = at if at is not None else [0]
    values = []
    for i, x in enumerate(graph.leaves):
        at[0] = i
        values.append(value_class(x))
    for j, node in enumerate(graph.nodes):
        at[0] = len(graph.leaves) + j
        apply = OPS_BY_NAME[node.op].apply
        args = [values[i] for i in node.args]
        values.append(apply(*args, node.k) if node.k is not None else apply(*args))
    return values


def _number(x: float) -> str:
    return repr(float(x)) if float(x) != int(x) or abs(x) >= 1e15 else f"{float(x):.1f}"


def _roughness(x: float) -> int:
    """0 for integers, 1 for halves, more for numbers with more digits."""
    for digits in range(6):
        if abs(x * 2 ** digits - round(x * 2 ** digits)) < 1e-12:
            return digits
    return 10

"""Fixed graphs with names: the lecture's examples and the classic traps.

A rubric's ``fixed`` check lists some of these by name. They are cheap, they
explain themselves, and when one fails it is already the smallest example.
"""
from __future__ import annotations

from functools import lru_cache

from harness.core.graph import Graph, Node


def _g(leaves, *nodes) -> Graph:
    return Graph(tuple(float(x) for x in leaves),
                 tuple(Node(op, tuple(args), rest[0] if rest else None) for op, args, *rest in nodes))


NAMED_GRAPHS: dict[str, Graph] = {
    # b = a + a: a used twice by one operation; a.grad must be 2.
    "self-add": _g([3.0], ("add", [0, 0])),
    # b = a * a: a.grad must be 2a.
    "self-mul": _g([3.0], ("mul", [0, 0])),
    # The lecture's reuse example: d = a * b; e = a + b; f = d * e.
    "lecture-diamond": _g([-2.0, 3.0], ("mul", [0, 1]), ("add", [0, 1]), ("mul", [2, 3])),
    # The lecture's first expression: e = a * b; d = e + c; L = d * f (a tree).
    "lecture-expression": _g([2.0, -3.0, 10.0, -2.0], ("mul", [0, 1]), ("add", [4, 2]), ("mul", [5, 3])),
    # The lecture's neuron: o = tanh(x1*w1 + x2*w2 + b) (a tree).
    "lecture-neuron": _g([2.0, 0.0, -3.0, 1.0, 6.8813735870195432],
                         ("mul", [0, 2]), ("mul", [1, 3]), ("add", [5, 6]), ("add", [7, 4]), ("tanh", [8])),
    # One tanh read twice: c = b * b with b = tanh(a).
    "shared-tanh": _g([0.5], ("tanh", [0]), ("mul", [1, 1])),
    # A shared sub-expression under a second consumer: c = a * b; d = c + a; e = d * c.
    "shared-subexpression": _g([2.0, -3.0], ("mul", [0, 1]), ("add", [2, 0]), ("mul", [3, 2])),
}


@lru_cache(maxsize=8)   # built once per run, not at each check, screen and credit re-run that names it
def chain(depth: int) -> tuple:
    """y = a, then ``depth`` operations each reading the one before: y + 0.5, y * 1.0, ..."""
    nodes = [Node("add_num" if i % 2 == 0 else "mul_num", (i,), 0.5 if i % 2 == 0 else 1.0)
             for i in range(depth)]
    code = ("a = Value(0.5)", "y = a", f"for _ in range({depth // 2}):",
            "    y = y + 0.5", "    y = y * 1.0", "y.backward()")
    return Graph((0.5,), tuple(nodes)), code


@lru_cache(maxsize=8)
def fan_out(width: int) -> tuple:
    """One value read by ``width`` products, summed pairwise (shallow, so no recursion limit)."""
    factors = (1.0, 2.0, -0.5, 0.5)
    nodes = [Node("mul_num", (0,), factors[i % len(factors)]) for i in range(width)]
    layer = list(range(1, width + 1))
    while len(layer) > 1:
        pairs = []
        for i in range(0, len(layer) - 1, 2):
            nodes.append(Node("add", (layer[i], layer[i + 1])))
            pairs.append(len(nodes))
        if len(layer) % 2:
            pairs.append(layer[-1])
        layer = pairs
    code = ("a = Value(1.5)", f"terms = [a * k for k in {list(factors)} * {width // len(factors)}]",
            "while len(terms) > 1:  # add neighbours, then their sums, ...",
            "    terms = [terms[i] + terms[i + 1] for i in range(0, len(terms) - 1, 2)] + terms[len(terms) // 2 * 2:]",
            "y = terms[0]", "y.backward()")
    return Graph((1.5,), tuple(nodes)), code

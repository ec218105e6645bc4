"""The reference engine is what every grade is measured against: check it independently.

Every row of the operation table is checked three ways: the reference's
forward against the row's float forward, its gradient against a central
difference of its own forward, and (when PyTorch is importable) against
``torch.autograd`` in float64, on single operations and on generated graphs
with reuse. A 100,000-node chain must not hit the recursion limit.
"""
from __future__ import annotations

import random

import pytest

from harness.core import ops
from harness.graphs.decode import LEAF_VALUES, decode
from harness.core.graph import build
from harness.reference.engine import Value

STEP = 1e-6
REL_TOL = 1e-5


def cases(row, n=12):
    """Valid (x, y) inputs for ``row``: y is the second Value's data or the plain number k."""
    rng = random.Random(row.name)
    pool = list(LEAF_VALUES) + [rng.uniform(-4, 4) for _ in range(20)]
    seconds = row.constants or (pool if row.arity == 2 else (None,))
    found = [(x, y) for x in pool for y in seconds if row.valid(x, y)]
    rng.shuffle(found)
    assert len(found) >= n, f"{row.name}: only {len(found)} valid inputs"
    return found[:n]


def apply(row, x, y):
    """Build the row with reference Values; return (inputs, output)."""
    inputs = [Value(x)] + ([Value(y)] if row.arity == 2 else [])
    args = inputs + ([y] if row.takes_number else [])
    out = row.apply(*args)
    return inputs, out


def forward(row, x, y):
    return apply(row, x, y)[1].data


def close(a, b, tol=REL_TOL):
    return abs(a - b) <= tol * max(1.0, abs(a), abs(b))


@pytest.mark.parametrize("row", ops.OPS, ids=lambda r: r.name)
def test_reference_forward_matches_the_table(row):
    for x, y in cases(row):
        assert close(forward(row, x, y), row.forward(x, y), 1e-12), (row.name, x, y)


@pytest.mark.parametrize("row", ops.OPS, ids=lambda r: r.name)
def test_reference_gradient_matches_central_differences(row):
    for x, y in cases(row):
        inputs, out = apply(row, x, y)
        out.backward()
        numeric = [(forward(row, x + STEP, y) - forward(row, x - STEP, y)) / (2 * STEP)]
        if row.arity == 2:
            numeric.append((forward(row, x, y + STEP) - forward(row, x, y - STEP)) / (2 * STEP))
        for v, want in zip(inputs, numeric):
            assert close(v.grad, want), f"{row.name}({x}, {y}): grad {v.grad}, central difference {want}"
        # and the table's local derivative says the same (the bug models read it)
        for v, local in zip(inputs, row.derivative(x, y, out.data)):
            assert close(v.grad, local, 1e-12), (row.name, x, y)


def test_same_value_twice_adds_both_uses():
    a = Value(3.0)
    b = a + a
    b.backward()
    c = Value(3.0)
    d = c * c
    d.backward()
    assert (a.grad, c.grad) == (2.0, 6.0)


def test_hundred_thousand_node_chain_has_no_recursion_limit():
    a = Value(0.5)
    y = a
    for _ in range(50_000):
        y = y + 0.5
        y = y * 1.0
    y.backward()   # a recursive topological sort raises RecursionError here
    assert a.grad == 1.0 and y.data == 0.5 + 25_000


# -- PyTorch, when it is installed (never a dependency) --------------------
def _torch():
    return pytest.importorskip("torch")


def torch_leaf(torch, x):
    return torch.tensor(x, dtype=torch.float64, requires_grad=True)


@pytest.mark.parametrize("row", ops.OPS, ids=lambda r: r.name)
def test_reference_matches_pytorch_on_every_operation(row):
    torch = _torch()
    for x, y in cases(row):
        inputs, out = apply(row, x, y)
        out.backward()
        t_inputs = [torch_leaf(torch, x)] + ([torch_leaf(torch, y)] if row.arity == 2 else [])
        t_out = row.apply(*(t_inputs + ([y] if row.takes_number else [])))
        t_out.backward()
        assert close(out.data, t_out.item(), 1e-12), (row.name, x, y)
        for v, t in zip(inputs, t_inputs):
            assert close(v.grad, t.grad.item(), 1e-9), (row.name, x, y, v.grad, t.grad.item())


def test_reference_matches_pytorch_on_generated_graphs_with_reuse():
    torch = _torch()
    rng = random.Random(2)
    compared = reused = 0
    while compared < 300:
        size = 4 + 4 * rng.randint(1, 14)
        graph = decode(bytes(rng.randrange(256) for _ in range(size)), ops.OPS, "dag", 3, 14)
        if not graph.nodes:
            continue
        ours = build(graph, Value)
        ours[-1].backward()
        theirs = build(graph, lambda x: torch_leaf(torch, x))
        for t in theirs[len(graph.leaves):]:
            t.retain_grad()
        theirs[-1].backward()
        for i, (v, t) in enumerate(zip(ours, theirs)):
            assert close(v.data, t.item(), 1e-12), ("\n".join(graph.to_code()), i)
            assert close(v.grad, t.grad.item(), 1e-9), ("\n".join(graph.to_code()), i, v.grad, t.grad.item())
        compared += 1
        reused += graph.has_reuse()
    assert reused > compared / 3   # the comparison covered reuse, where = and += differ

"""The graph generator: heavy reuse in DAGs, none in trees, always in the valid domain.

Graphs are drawn from the strategies the shipped rubrics use, through
Hypothesis itself (generation phase only, derandomized, no database), and
measured: what share reuses a value, whether trees ever do, and whether every
value stays where the operations are defined and well-conditioned.
"""
from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, Phase, given, settings

from harness.core import ops
from harness.graphs.generate import graphs
from harness.core.graph import build
from harness.grading.rubric import builtin_rubrics, load
from harness.reference.engine import Value

SAMPLE = 600


def sample(strategy, n=SAMPLE) -> list:
    """``n`` graphs as Hypothesis generates them (deterministically)."""
    seen = []

    @settings(max_examples=n, database=None, derandomize=True, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck), deadline=None)
    @given(strategy)
    def collect(graph):
        seen.append(graph)
    collect()
    return seen


def generated_checks(shape=None):
    """(id, strategy) for every generated check of the shipped rubrics."""
    found = []
    for name, path in sorted(builtin_rubrics().items()):
        for check in load(path).checks:
            if check.kind == "generated" and shape in (None, check.shape):
                strategy = graphs(check.ops, shape=check.shape, max_leaves=check.max_leaves,
                                  max_nodes=check.max_nodes)
                found.append(pytest.param(strategy, id=f"{name}/{check.name}"))
    return found


def reuse_check(exercise):
    check = next(c for c in load(builtin_rubrics()[exercise]).checks if c.name == "reuse")
    return graphs(check.ops, shape=check.shape, max_leaves=check.max_leaves, max_nodes=check.max_nodes)


@pytest.mark.parametrize("exercise", ["03_reuse", "04_engine"])
def test_most_graphs_of_the_reuse_checks_reuse_a_value(exercise):
    drawn = sample(reuse_check(exercise))
    share = sum(g.has_reuse() for g in drawn) / len(drawn)
    # measured: 88 % (03) and 61 % (04, whose unary rows and numbers dilute reuse)
    assert share >= 0.60, f"only {share:.0%} of {len(drawn)} graphs reuse a value"


@pytest.mark.parametrize("exercise", ["03_reuse", "04_engine"])
def test_reuse_comes_in_every_form(exercise):
    drawn = sample(reuse_check(exercise))
    leaves = [len(g.leaves) for g in drawn]
    same_value_twice = sum(any(len(n.args) == 2 and n.args[0] == n.args[1] for n in g.nodes)
                           for g in drawn) / len(drawn)
    shared_intermediate = sum(any(u > 1 for u in g.uses()[k:]) for g, k in zip(drawn, leaves)) / len(drawn)
    widest = max(max(g.uses()) for g in drawn)
    assert same_value_twice >= 0.2, f"b = a + a style in {same_value_twice:.0%}"
    assert shared_intermediate >= 0.3, f"shared sub-expressions in {shared_intermediate:.0%}"
    assert widest >= 4, f"no value is read more than {widest} times"


def test_every_row_of_the_table_gets_drawn():
    drawn = sample(graphs(ops.OPS, shape="dag", max_leaves=3, max_nodes=10))
    used = {n.op for g in drawn for n in g.nodes}
    assert used == set(ops.OPS_BY_NAME), f"never drawn: {set(ops.OPS_BY_NAME) - used}"


@pytest.mark.parametrize("strategy", generated_checks(shape="tree"))
def test_tree_graphs_never_reuse_a_value(strategy):
    drawn = sample(strategy)
    reused = [g for g in drawn if g.has_reuse()]
    assert not reused, "\n".join(reused[0].to_code())
    assert sum(len(g.nodes) for g in drawn) > len(drawn) / 2   # not trivially empty


@pytest.mark.parametrize("strategy", generated_checks())
def test_every_generated_value_is_in_the_valid_domain(strategy):
    for graph in sample(strategy, n=300):
        values = build(graph, Value)
        data = [v.data for v in values]
        for j, node in enumerate(graph.nodes):
            row = ops.OPS_BY_NAME[node.op]
            x = data[node.args[0]]
            y = data[node.args[1]] if row.arity == 2 else node.k
            assert row.valid(x, y), f"{node.op}({x}, {y}) outside its domain:\n" + "\n".join(graph.to_code())
        assert all(math.isfinite(x) and abs(x) <= ops.VALUE_CAP for x in data), graph.to_code()
        if graph.nodes:
            values[-1].backward()
            assert all(math.isfinite(v.grad) for v in values), graph.to_code()


def test_pasted_code_builds_the_same_values():
    for graph in sample(graphs(ops.OPS, max_nodes=12), n=200):
        built = build(graph, Value)
        namespace = {"Value": Value}
        exec("\n".join(graph.to_code(backward=False)), namespace)
        pasted = [namespace[name].data for name in graph.names()]
        assert pasted == [v.data for v in built], "\n".join(graph.to_code())

"""The search finds failures and shrinks them to what a student can read.

Driven in-process with the grader's own code: ``harness.grading.search.search`` with
an evaluate function that judges numbers computed here from the operation
table (the assignment bug, written as a float model), so no student code runs.
"""
from __future__ import annotations

import time

import pytest

from harness.graphs import judge
from harness.core import ops
from harness.graphs.decode import random_graphs, simplest_graphs
from harness.graphs.generate import graphs
from harness.core.graph import Graph
from harness.grading.rubric import builtin_rubrics, load
from harness.grading import search as search_module
from harness.grading.search import search

BATCH = 50


def assigning_answer(graph: Graph) -> dict:
    """What an engine that assigns (``=``) instead of adding (``+=``) answers.

    Nodes run in reverse creation order, a valid reverse topological order.
    """
    data = list(graph.leaves)
    for node in graph.nodes:
        row = ops.OPS_BY_NAME[node.op]
        data.append(row.forward(data[node.args[0]], _second(row, node, data)))
    grad = [0.0] * graph.size
    grad[-1] = 1.0
    for i in reversed(range(len(graph.leaves), graph.size)):
        node = graph.nodes[i - len(graph.leaves)]
        row = ops.OPS_BY_NAME[node.op]
        local = row.derivative(data[node.args[0]], _second(row, node, data), data[i])
        for arg, d in zip(node.args, local):
            grad[arg] = d * grad[i]          # the bug: = instead of +=
    return {"data": data, "grad": grad}


def _second(row, node, data):
    return data[node.args[1]] if row.arity == 2 else node.k


def run_search(check, failing_answer, seed, simplest=None):
    """Search ``check``'s graphs as the grader does, judging ``failing_answer``'s numbers."""
    def single(failed):
        return graphs(check.ops, shape=check.shape, for_shrinking=True,
                      max_leaves=max(1, min(check.max_leaves, len(failed.leaves))),
                      max_nodes=max(1, len(failed.nodes)))

    def evaluate(batch, meanwhile=None):
        if meanwhile is not None:   # what the worker's wait is used for
            meanwhile()
        for graph in batch:
            failure = judge.judge(graph, failing_answer(graph), check.backward)
            if failure is not None:
                return failure
        return None

    def draw(rng, n):
        return random_graphs(rng, n, check.ops, shape=check.shape, max_leaves=check.max_leaves,
                             max_nodes=check.max_nodes)

    return search(draw, single, evaluate, seed=seed, graphs=check.examples,
                  deadline=time.monotonic() + 60, batch_size=BATCH, simplest=simplest)


def check_of(exercise, name):
    return next(c for c in load(builtin_rubrics()[exercise]).checks if c.name == name)


@pytest.mark.parametrize("exercise", ["03_reuse", "04_engine"])
@pytest.mark.parametrize("seed", range(4))
def test_assignment_bug_shrinks_to_b_equals_a_plus_a(exercise, seed):
    result = run_search(check_of(exercise, "reuse"), assigning_answer, seed)
    assert result.failure is not None
    assert result.failure.graph.to_code() == ["a = Value(2.0)", "b = a + a", "b.backward()"]


@pytest.mark.parametrize("row", ["radd", "rsub", "rdiv", "tanh", "relu"])
def test_a_failure_in_one_operation_shrinks_to_that_operation_alone(row):
    check = check_of("04_engine", "reuse")
    if row not in {op.name for op in check.ops}:
        pytest.skip(f"{row} is not in 04's reuse check")

    def answer(graph):
        if any(node.op == row for node in graph.nodes):
            return {"error": {"type": "TypeError", "message": f"{row} is broken", "where": "here"}}
        return judge.expected(graph, True)

    result = run_search(check, answer, seed=1)
    assert result.failure is not None
    assert [node.op for node in result.failure.graph.nodes] == [row], result.failure.graph.to_code()


def test_a_passing_engine_is_checked_on_as_many_graphs_as_asked():
    check = check_of("04_engine", "reuse")
    result = run_search(check, lambda graph: judge.expected(graph, True), seed=0)
    assert result.failure is None
    assert result.graphs_checked == check.examples


def test_a_passing_run_does_not_import_hypothesis(tmp_path):
    """Hypothesis earns its cost shrinking a failure; a passing submission never loads it."""
    import subprocess
    import sys
    from support import REPO, make_exercise
    folder = make_exercise(tmp_path / "ex", "04_engine", REPO / "reference" / "engine.py")
    probe = ("import sys\nfrom harness.cli import main\n"
             f"status = main([{str(folder)!r}])\n"
             "print('hypothesis' in sys.modules, status)")
    run = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120,
                         cwd=tmp_path)
    assert run.stdout.strip().splitlines()[-1] == "False 0", run.stdout[-2000:] + run.stderr[-2000:]


def test_the_next_batch_drawn_while_the_worker_runs_is_the_batch_drawn_after():
    """The search draws batch k+1 while the worker builds batch k: the same graphs either way."""
    check = check_of("04_engine", "reuse")
    seen = {True: [], False: []}

    def draw(rng, n):
        return random_graphs(rng, n, check.ops, shape=check.shape, max_leaves=check.max_leaves,
                             max_nodes=check.max_nodes)

    for ahead in (True, False):
        def evaluate(batch, meanwhile=None, ahead=ahead):
            if ahead and meanwhile is not None:
                meanwhile()
            seen[ahead].append(list(batch))
            return None
        result = search(draw, None, evaluate, seed=5, graphs=230, deadline=time.monotonic() + 60,
                        batch_size=BATCH)
        assert result.graphs_checked == 230
    assert seen[True] == seen[False]
    assert [len(b) for b in seen[True]] == [50, 50, 50, 50, 30]


def test_the_graphs_tried_do_not_depend_on_constants_in_the_source_of_local_modules(monkeypatch):
    """Hypothesis draws, one time in twenty, a constant found in the source of modules that
    are not in site-packages: for an editable install, the grader's own code, read through a
    cache that parallel runs write without a lock. The graphs tried while shrinking (and so
    the worker's history, on which an order-dependent engine's numbers depend) must be the
    same for an editable install and a wheel, and from one run to the next."""
    from hypothesis.internal.conjecture import providers
    check = check_of("04_engine", "reuse")

    def traced():
        tried = []

        def answer(graph):
            tried.append(repr(graph))
            # fails on graphs of six nodes or more: Hypothesis draws a while before one fails
            return assigning_answer(graph) if len(graph.nodes) >= 6 else judge.expected(graph, True)
        run_search(check, answer, seed=0)
        return tried

    plain = traced()
    many = providers.Constants(integers=set(range(-20, 300)),
                               bytes={bytes([i]) * n for i in range(0, 256, 5) for n in (1, 4, 7, 11)})
    monkeypatch.setattr(providers, "_get_local_constants", lambda: many)
    providers.CONSTANTS_CACHE.cache.clear()
    try:
        assert traced() == plain
    finally:
        providers.CONSTANTS_CACHE.cache.clear()


@pytest.mark.parametrize("name", ["forward", "gradients-trees", "reuse"])
def test_the_simplest_graphs_are_one_operation_on_numbers_that_hide_nothing(name):
    """What is tried before Hypothesis: each row alone, of the check's own kind, simplest first,
    never on numbers where a wrong operation gives the right value (2.0 + 2.0 == 2.0 * 2.0,
    2.0 / 2.0 either way round, a - b with a == b)."""
    check = check_of("04_engine", name)
    for row in check.ops:
        found = simplest_graphs([row], check.ops, shape=check.shape, max_leaves=check.max_leaves,
                                max_nodes=check.max_nodes)
        assert found, row.name
        assert [g.sort_key() for g in found] == sorted(g.sort_key() for g in found)
        for g in found:
            (node,) = g.nodes
            assert node.op == row.name, g.to_code()
            numbers = [abs(x) for x in g.leaves] + ([abs(node.k)] if node.k else [])
            assert len(set(numbers)) == len(numbers) and g.leaves != (2.0,), g.to_code()
            if check.shape == "tree":
                assert len(set(node.args)) == len(node.args), g.to_code()


def test_a_failure_on_one_operation_alone_is_shown_without_hypothesis(monkeypatch):
    """The assigning engine fails `b = a + a`: the simplest graphs find it in one request, so
    Hypothesis never runs; the example is the lecture's own."""
    def no_shrinking(*args, **kwargs):
        raise AssertionError("Hypothesis shrinking ran")
    monkeypatch.setattr(search_module, "_shrink", no_shrinking)
    check = check_of("04_engine", "reuse")

    def simplest(failed):
        return simplest_graphs([ops.OPS_BY_NAME[n.op] for n in failed.nodes], check.ops,
                               shape=check.shape, max_leaves=check.max_leaves, max_nodes=check.max_nodes)
    result = run_search(check, assigning_answer, seed=0, simplest=simplest)
    assert result.failure.graph.to_code() == ["a = Value(3.0)", "b = a + a", "b.backward()"]

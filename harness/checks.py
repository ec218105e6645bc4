"""Run one check of a rubric against a running worker.

Each kind of check turns into graphs: ``generated`` draws them with
Hypothesis (``harness.search``), ``fixed`` takes named graphs, ``chain`` and
``fan-out`` build one large graph each. All of them are judged the same way:
the worker builds the graphs with the student's class and answers numbers,
``harness.judge`` compares them with the reference.
"""
from __future__ import annotations

import time
import zlib
from dataclasses import dataclass

from harness import judge
from harness.generate import batches, graphs
from harness.graph import Graph, Node
from harness.named_graphs import NAMED_GRAPHS
from harness.rubric import Check, Rubric
from harness.sandbox import WorkerFailure, WorkerProcess

BATCH = 50


@dataclass
class CheckOutcome:
    failure: judge.Failure | None
    graphs_checked: int


class Asker:
    """Sends graphs to the worker and returns its per-graph answers, validated."""

    def __init__(self, worker: WorkerProcess, entry: str, deadline: float):
        self.worker, self.entry, self.deadline = worker, entry, deadline
        self.forbidden: list[str] = []

    def ask(self, graph_list: list, backward: bool, locate: bool = False) -> list:
        timeout = self.deadline - time.monotonic()
        if timeout <= 0:
            raise WorkerFailure("timeout", "the check's time limit ran out")
        answer = self.worker.call({"op": "graphs", "entry": self.entry, "backward": backward,
                                   "locate": locate, "graphs": [g.to_json() for g in graph_list]},
                                  timeout)
        if not isinstance(answer, dict):
            raise WorkerFailure("worker-crash", "the worker's answer is not a record")
        if isinstance(answer.get("forbidden"), list):
            self.forbidden.extend(str(x) for x in answer["forbidden"])
        if "error" in answer:
            return [{"error": answer["error"]}] * len(graph_list)
        results = answer.get("results")
        if not isinstance(results, list) or len(results) != len(graph_list):
            raise WorkerFailure("worker-crash", "the worker answered a different number of graphs")
        return results


def run_check(check: Check, rubric: Rubric, asker: Asker, seed: int,
              examples: int | None = None) -> CheckOutcome:
    """Judge ``check``; raises ``WorkerFailure`` when the worker does not answer."""
    if check.kind == "generated":
        return _run_generated(check, rubric, asker, seed, examples)
    cases = cases_of(check)
    answers = asker.ask([g for g, _ in cases], check.backward)
    failures = [f for (g, code), a in zip(cases, answers)
                if (f := judge.judge(g, a, check.backward, code)) is not None]
    best = min(failures, key=judge.Failure.sort_key) if failures else None
    return CheckOutcome(best, len(cases))


def cases_of(check: Check) -> list:
    """The (graph, compact code or None) pairs of a non-generated check."""
    if check.kind == "fixed":
        return [(NAMED_GRAPHS[name], None) for name in check.graphs]
    if check.kind == "chain":
        return [chain(check.depth)]
    if check.kind == "fan-out":
        return [fan_out(check.width)]
    raise ValueError(f"unknown check kind {check.kind!r}")


def chain(depth: int) -> tuple:
    """y = a, then ``depth`` operations each reading the one before: y + 0.5, y * 1.0, ..."""
    nodes = [Node("add_num" if i % 2 == 0 else "mul_num", (i,), 0.5 if i % 2 == 0 else 1.0)
             for i in range(depth)]
    code = ("a = Value(0.5)", "y = a", f"for _ in range({depth // 2}):",
            "    y = y + 0.5", "    y = y * 1.0", "y.backward()")
    return Graph((0.5,), tuple(nodes)), code


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
            "y = sum_pairwise(terms)  # adds neighbours, then their sums, ...", "y.backward()")
    return Graph((1.5,), tuple(nodes)), code


def _run_generated(check: Check, rubric: Rubric, asker: Asker, seed: int,
                   examples: int | None) -> CheckOutcome:
    from harness.search import search  # late: Hypothesis only where it is needed
    strategy = batches(graphs(check.ops, shape=check.shape, max_leaves=check.max_leaves,
                              max_nodes=check.max_nodes), BATCH)

    def evaluate(batch):
        answers = asker.ask(batch, check.backward)
        for g, a in zip(batch, answers):
            failure = judge.judge(g, a, check.backward)
            if failure is not None:
                return failure
        return None

    check_seed = zlib.crc32(f"{seed}:{rubric.name}:{check.name}".encode())
    result = search(strategy, evaluate, seed=check_seed, graphs=examples or check.examples,
                    deadline=asker.deadline)
    return CheckOutcome(result.failure, result.graphs_checked)

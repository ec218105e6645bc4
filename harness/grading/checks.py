"""Run one check of a rubric against a running worker.

Each kind of check turns into graphs: ``generated`` draws them with
Hypothesis (``harness.grading.search``), ``fixed`` takes named graphs, ``chain`` and
``fan-out`` build one large graph each. All of them are judged the same way:
the worker builds the graphs with the student's class and answers numbers,
``harness.graphs.judge`` compares them with the reference.
"""
from __future__ import annotations

import time
import zlib
from typing import Callable

from harness.graphs import judge
from harness.graphs.judge import CheckOutcome
from harness.graphs.decode import random_graphs, simplest_graphs
from harness.core.named_graphs import NAMED_GRAPHS, chain, fan_out
from harness.grading.rubric import Check, Rubric
from harness.sandbox.process import WorkerFailure, WorkerProcess
from harness.core.kinds import TIMEOUT, WORKER_CRASH

BATCH = 50
# A request whose graphs all have at most this many values gets ``limits.hang_seconds`` at most,
# not what is left of the check: 50 such graphs take a slow engine milliseconds (the slowest
# correct engine of the corpus: 0.2 s for a whole 200-graph check), so one that takes seconds hangs.
SMALL = 100


class Asker:
    """Sends graphs to the worker and returns its per-graph answers, validated."""

    def __init__(self, worker: WorkerProcess, entry: str, deadline: float, small_seconds: float | None = None):
        self.worker, self.entry, self.deadline = worker, entry, deadline
        self.small_seconds = small_seconds   # the limit of a request of small graphs
        self.capped = 0   # how many graphs the last request had, when it had that limit
        self.forbidden: list[str] = []
        self.methods: dict = {}   # where the student's methods are, when asked to locate
        self.facts: dict = {}     # behaviour of the class itself, when asked to locate
        # Graphs sent ahead of the next request of small graphs with gradients, and not judged
        # with it: when the worker hangs on one of them, it hung there (harness.grading.run).
        # Emptied once sent: the grader gives one list to each check's asker until then.
        self.lead: list = []

    def ask(self, graph_list: list, backward: bool, locate: bool = False,
            meanwhile: Callable[[], object] | None = None) -> list:
        """The worker's answer for each graph; ``meanwhile`` runs while the worker works."""
        timeout = self.deadline - time.monotonic()
        if timeout <= 0:
            raise WorkerFailure(TIMEOUT, "the check's time limit ran out")
        small = self.small_seconds is not None and all(g.size <= SMALL for g in graph_list)
        lead = list(self.lead) if small and backward else []
        self.lead[:len(lead)] = []
        sent = [*lead, *graph_list]
        self.capped = len(sent) if small and self.small_seconds < timeout else 0
        if self.capped:
            timeout = self.small_seconds

        def reference_numbers():   # while the worker builds the same graphs (judge caches them)
            try:
                for g in graph_list:
                    judge.expected(g, backward)
            except Exception:   # noqa: BLE001 - raised again where the graph is judged
                pass
            if meanwhile is not None:
                meanwhile()
        answer = self.worker.call({"op": "graphs", "entry": self.entry, "backward": backward,
                                   "locate": locate, "graphs": [g.to_json() for g in sent]},
                                  timeout, reference_numbers)
        if not isinstance(answer, dict):
            raise WorkerFailure(WORKER_CRASH, "the worker's answer is not a record")
        if isinstance(answer.get("forbidden"), list):
            self.forbidden.extend(str(x) for x in answer["forbidden"])
        if isinstance(answer.get("methods"), dict):
            self.methods = answer["methods"]
        if isinstance(answer.get("facts"), dict):
            self.facts = answer["facts"]
        if "error" in answer:
            return [{"error": answer["error"]}] * len(graph_list)
        results = answer.get("results")
        if not isinstance(results, list) or len(results) != len(sent):
            raise WorkerFailure(WORKER_CRASH, "the worker answered a different number of graphs")
        return results[len(lead):]


def run_check(check: Check, rubric: Rubric, asker: Asker, seed: int,
              examples: int | None = None) -> CheckOutcome:
    """Judge ``check``; raises ``WorkerFailure`` when the worker does not answer."""
    if check.kind == "generated":
        return _run_generated(check, rubric, asker, seed, examples)
    if check.kind == "nn":
        from harness.grading.nn_checks import run_nn_check  # late: exercise 05_nn only
        return run_nn_check(check, rubric, asker, seed)
    cases = cases_of(check)
    answers = asker.ask([g for g, _ in cases], check.backward)
    judged = [judge.judge(g, a, check.backward, code) for (g, code), a in zip(cases, answers)]
    failures = [f for f in judged if f is not None]
    if check.kind != "fixed":  # a fixed check keeps the rubric's order: the instructor's choice
        failures.sort(key=judge.Failure.sort_key)
    return CheckOutcome(failures[0] if failures else None, len(cases), tuple(failures[1:]),
                        tuple(f is None for f in judged))


def cases_of(check: Check) -> list:
    """The (graph, compact code or None) pairs of a non-generated check."""
    if check.kind == "fixed":
        return [(NAMED_GRAPHS[name], None) for name in check.graphs]
    if check.kind == "chain":
        return [chain(check.depth)]
    if check.kind == "fan-out":
        return [fan_out(check.width)]
    raise ValueError(f"unknown check kind {check.kind!r}")


def _run_generated(check: Check, rubric: Rubric, asker: Asker, seed: int,
                   examples: int | None) -> CheckOutcome:
    from harness.grading.search import search  # late: keeps the import of a passing run small

    def draw(rng, n):  # the breadth: no Hypothesis on the passing path
        return random_graphs(rng, n, check.ops, shape=check.shape, max_leaves=check.max_leaves,
                             max_nodes=check.max_nodes)

    def single(failed):  # for shrinking: graphs no larger than the failing one
        from harness.graphs.generate import graphs  # late: Hypothesis only once a graph failed
        return graphs(check.ops, shape=check.shape, for_shrinking=True,
                      max_leaves=max(1, min(check.max_leaves, len(failed.leaves))),
                      max_nodes=max(1, len(failed.nodes)))

    def simplest(failed):   # every operation alone, in the table's order, before any Hypothesis:
        # the failing graph's own may not be the simplest failure (b = a + a, not b = a - a)
        return simplest_graphs(check.ops, check.ops, shape=check.shape, max_leaves=check.max_leaves,
                               max_nodes=check.max_nodes)

    def evaluate(batch, meanwhile=None):
        answers = asker.ask(batch, check.backward, meanwhile=meanwhile)
        for g, a in zip(batch, answers):
            failure = judge.judge(g, a, check.backward)
            if failure is not None:
                return failure
        return None

    check_seed = zlib.crc32(f"{seed}:{rubric.name}:{check.name}".encode())
    result = search(draw, single, evaluate, seed=check_seed, graphs=examples or check.examples,
                    deadline=asker.deadline, batch_size=BATCH, simplest=simplest)
    return CheckOutcome(result.failure, result.graphs_checked)

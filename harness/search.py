"""Hypothesis drives the search for a failing graph and shrinks it.

``search`` runs a Hypothesis test whose examples are batches of graphs. A
batch is judged by ``evaluate`` (one message to the worker per batch, which is
what keeps the passing path fast); a failing batch makes Hypothesis shrink it,
down to the single smallest graph that still fails. The smallest failure seen
is kept here, so that a search cut short by its deadline, or by Hypothesis
deciding the failure is flaky, still reports the best example it had.

No example database is used (nothing is written to the student's folder) and
the run is seeded, so the same seed gives the same graphs and the same
example anywhere.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

from hypothesis import HealthCheck, Phase, Verbosity, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st
from hypothesis.errors import HypothesisException

from harness.judge import Failure


class _Stop(BaseException):
    """Ends the Hypothesis run at once (a BaseException, so it is not a failure)."""


class _Failed(Exception):
    """Marks an example as failing, so that Hypothesis shrinks it."""


@dataclass
class SearchResult:
    failure: Failure | None   # the smallest failure seen
    graphs_checked: int
    stopped_by: str = ""      # "deadline", or "" when the search ran its course


def search(strategy: st.SearchStrategy, evaluate: Callable[[list], Failure | None], *,
           seed: int, graphs: int, deadline: float) -> SearchResult:
    """Judge batches from ``strategy`` until ``graphs`` graphs passed or one failed.

    ``evaluate`` may raise (a ``WorkerFailure``, say): the search stops and the
    exception propagates to the caller.
    """
    state = SearchResult(None, 0)
    raised: list[BaseException] = []

    @hypothesis_seed(seed)
    @settings(database=None, max_examples=max(graphs, 1) * 4, deadline=None,
              phases=(Phase.generate, Phase.shrink), report_multiple_bugs=False,
              suppress_health_check=list(HealthCheck), verbosity=Verbosity.quiet,
              derandomize=False, print_blob=False)
    @given(strategy)
    def test(batch):
        if time.monotonic() > deadline:
            state.stopped_by = "deadline"
            raise _Stop
        if state.failure is None and state.graphs_checked >= graphs:
            raise _Stop
        try:
            failure = evaluate(batch)
        except Exception as exc:  # the worker failed: no point in shrinking
            raised.append(exc)
            raise _Stop from None
        if state.failure is None:
            state.graphs_checked += len(batch)
        if failure is not None:
            if state.failure is None or failure.sort_key() < state.failure.sort_key():
                state.failure = failure
            raise _Failed

    try:
        test()
    except (_Stop, _Failed, HypothesisException):
        pass
    if raised:
        raise raised[0]
    return state

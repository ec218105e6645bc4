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

import os
import tempfile
import time
from dataclasses import dataclass
from typing import Callable

from hypothesis import HealthCheck, Phase, Verbosity, configuration, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st
from hypothesis.errors import HypothesisException

from harness.graphs.judge import Failure

# Hypothesis keeps a cache of constants from local source in ./.hypothesis even
# without an example database: never in the student's (or anyone's) folder.
configuration.set_hypothesis_home_dir(os.path.join(tempfile.gettempdir(), "micrograde-hypothesis"))


class _Stop(BaseException):
    """Ends the Hypothesis run at once (a BaseException, so it is not a failure)."""


class _Failed(Exception):
    """Marks an example as failing, so that Hypothesis shrinks it."""


@dataclass
class SearchResult:
    failure: Failure | None   # the smallest failure seen
    graphs_checked: int


def search(batch_strategy: st.SearchStrategy, single_strategy, evaluate: Callable[[list], Failure | None], *,
           seed: int, graphs: int, deadline: float) -> SearchResult:
    """Judge batches until ``graphs`` graphs passed or one failed; then shrink it.

    Breadth comes from batches (one message to the worker each); shrinking
    works on single graphs, which are cheap to re-judge. ``single_strategy(g)``
    gives the strategy for graphs no larger than the failing ``g``: a failure is
    common once one has been seen, so Hypothesis finds one quickly and shrinks
    it. When it does not, the batch's failing graph is reported as found.
    ``evaluate`` may raise (a ``WorkerFailure``, say): the exception propagates.
    """
    found = _run(batch_strategy, evaluate, seed, graphs, deadline, shrink=False)
    if found.failure is None:
        return found
    shrunk = _run(single_strategy(found.failure.graph), lambda g: evaluate([g]), seed,
                  _SHRINK_EXAMPLES, deadline, shrink=True)
    if shrunk.failure is not None and shrunk.failure.sort_key() < found.failure.sort_key():
        found.failure = shrunk.failure
    return found


_SHRINK_EXAMPLES = 300


def _run(strategy, evaluate, seed: int, graphs: int, deadline: float, shrink: bool) -> SearchResult:
    state = SearchResult(None, 0)
    raised: list[BaseException] = []
    phases = (Phase.generate, Phase.shrink) if shrink else (Phase.generate,)

    @hypothesis_seed(seed)
    @settings(database=None, max_examples=max(graphs, 1) * 4, deadline=None, phases=phases,
              report_multiple_bugs=False, suppress_health_check=list(HealthCheck),
              verbosity=Verbosity.quiet, derandomize=False, print_blob=False)
    @given(strategy)
    def test(example):
        if time.monotonic() > deadline:
            raise _Stop
        if state.failure is None and state.graphs_checked >= graphs:
            raise _Stop
        try:
            failure = evaluate(example)
        except Exception as exc:  # the worker failed: no point in shrinking
            raised.append(exc)
            raise _Stop from None
        if state.failure is None:
            state.graphs_checked += len(example) if isinstance(example, list) else 1
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

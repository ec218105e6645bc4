"""Search for a failing graph, then let Hypothesis shrink it.

Breadth is cheap: batches of graphs drawn from a seeded ``random.Random``
(``decode.random_graphs``), one message to the worker per batch, judged by
``evaluate``. That is all a passing submission costs: Hypothesis is not even
imported. Once a batch fails, Hypothesis searches graphs no larger than the
failing one and shrinks to the smallest that still fails. The smallest failure
seen is kept here, so that a shrink cut short by its deadline, or by
Hypothesis deciding the failure is flaky, still reports the best example it had.

No example database is used (nothing is written to the student's folder) and
both phases are seeded, so the same seed gives the same graphs and the same
example anywhere.
"""
from __future__ import annotations

import contextlib
import os
import random
import tempfile
import time
from dataclasses import dataclass
from typing import Callable, Iterator

from harness.core.graph import Graph
from harness.graphs.judge import Failure

_SHRINK_EXAMPLES = 300


@dataclass
class SearchResult:
    failure: Failure | None   # the smallest failure seen
    graphs_checked: int


def search(draw_batch: Callable[[random.Random, int], list], single_strategy,
           evaluate: Callable[..., Failure | None], *, seed: int, graphs: int,
           deadline: float, batch_size: int = 50,
           simplest: Callable[[Graph], list] | None = None) -> SearchResult:
    """Judge batches until ``graphs`` graphs passed or one failed; then shrink it.

    ``draw_batch(rng, n)`` gives ``n`` graphs; ``single_strategy(g)`` the
    Hypothesis strategy for graphs no larger than the failing ``g``: a failure
    is common once one has been seen, so Hypothesis finds one quickly and
    shrinks it. When it does not, the batch's failing graph is reported as found.
    ``evaluate(batch, meanwhile)`` runs ``meanwhile`` while the worker works
    (the next batch is drawn then: the same graphs, in the same order, as
    drawing it afterwards). It may raise (a ``WorkerFailure``, say): the
    exception propagates.

    ``simplest(g)`` gives the graphs shrinking ends at for the failing ``g``, in
    order (``decode.simplest_graphs``): they are asked first, in one request,
    and when one fails it is the example, with no Hypothesis at all (nothing
    smaller can fail). Most misconceptions show on one operation alone.
    """
    rng = random.Random(seed)
    found = SearchResult(None, 0)
    ahead: list = []   # the next batch, drawn while the worker runs this one

    def draw_ahead() -> None:
        left = graphs - found.graphs_checked
        if left > 0:
            ahead.append(draw_batch(rng, min(batch_size, left)))

    while found.graphs_checked < graphs and time.monotonic() <= deadline:
        batch = ahead.pop() if ahead else draw_batch(rng, min(batch_size, graphs - found.graphs_checked))
        found.graphs_checked += len(batch)
        found.failure = evaluate(batch, draw_ahead)
        if found.failure is not None:
            break
    if found.failure is None:
        return found
    if simplest is not None:
        key = found.failure.sort_key()
        smaller = [g for g in simplest(found.failure.graph) if g.sort_key() < key]
        smallest = evaluate(smaller) if smaller else None
        if smallest is not None:
            found.failure = smallest
            return found
    shrunk = _shrink(single_strategy(found.failure.graph), lambda g: evaluate([g]), seed, deadline)
    if shrunk is not None and shrunk.sort_key() < found.failure.sort_key():
        found.failure = shrunk
    return found


def _shrink(strategy, evaluate, seed: int, deadline: float) -> Failure | None:
    """The smallest failure Hypothesis finds among ``strategy``'s graphs, or None."""
    from hypothesis import HealthCheck, Phase, Verbosity, configuration, given, settings
    from hypothesis import seed as hypothesis_seed
    from hypothesis.errors import HypothesisException

    # Hypothesis keeps a cache of constants from local source in ./.hypothesis even
    # without an example database: never in the student's (or anyone's) folder.
    configuration.set_hypothesis_home_dir(os.path.join(tempfile.gettempdir(), "micrograde-hypothesis"))
    best: list[Failure] = []
    raised: list[BaseException] = []
    tried = [0]

    class Stop(BaseException):
        """Ends the Hypothesis run at once (a BaseException, so it is not a failure)."""

    class Failed(Exception):
        """Marks an example as failing, so that Hypothesis shrinks it."""

    @hypothesis_seed(seed)
    @settings(database=None, max_examples=_SHRINK_EXAMPLES * 4, deadline=None,
              phases=(Phase.generate, Phase.shrink), report_multiple_bugs=False,
              suppress_health_check=list(HealthCheck), verbosity=Verbosity.quiet,
              derandomize=False, print_blob=False)
    @given(strategy)
    def test(example):
        if time.monotonic() > deadline or (not best and tried[0] >= _SHRINK_EXAMPLES):
            raise Stop
        tried[0] += 1
        try:
            failure = evaluate(example)
        except Exception as exc:  # the worker failed: no point in shrinking
            raised.append(exc)
            raise Stop from None
        if failure is not None:
            if not best or failure.sort_key() < best[0].sort_key():
                best[:] = [failure]
            raise Failed

    try:
        with _no_local_constants():
            test()
    except (Stop, Failed, HypothesisException):
        pass
    if raised:
        raise raised[0]
    return best[0] if best else None


@contextlib.contextmanager
def _no_local_constants() -> Iterator[None]:
    """Hypothesis without the constants it finds in the source of "local" modules.

    One draw in twenty, Hypothesis picks a number or a byte string found in the
    source of the modules loaded that are not in site-packages: with an editable
    install, the grader's own code, read through a cache under the Hypothesis
    folder that parallel grade runs write without a lock. The graphs tried would
    then differ between an editable and a wheel install, and from run to run
    (and so would the numbers of an engine whose result depends on the order of
    a set of Values, which depends on the worker's history). Restored on the way
    out: inside the pytest plugin, the student's own Hypothesis tests keep them.
    No public setting does this; tests/unit/test_search.py fails if a Hypothesis
    release moves the names used here.
    """
    try:
        from hypothesis.internal.conjecture import providers
        found, empty = providers._get_local_constants, providers.Constants()
        forget = providers.CONSTANTS_CACHE.cache.clear   # (global, local) pairs made with the old ones
    except (ImportError, AttributeError):
        yield
        return
    providers._get_local_constants = lambda: empty
    forget()
    try:
        yield
    finally:
        providers._get_local_constants = found
        forget()

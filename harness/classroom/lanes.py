"""Several exercises graded at once, one process each, their results in the given order.

``grade exercises/`` grades five exercises; each spends most of its time
waiting for its worker, so two at a time on two cores take about half as long
(``grade --reference``: 1.43 s to 0.94 s on the 2-core machine). Each exercise
runs in a forked copy of the grader, exactly as it would alone: its own
workers, its own Hypothesis, nothing shared but what was loaded before the
fork. The grade of an exercise never depends on which others ran beside it,
so the report is the one a sequential run gives, in the same order.

Forked, not spawned: the calls are closures over rubrics (which hold the
operation table's functions) and need not be pickled; a child starts in
milliseconds with the grader already imported. Fork is used on Linux only
(macOS's system libraries are not fork-safe); elsewhere, with one job, or
with one exercise, the calls run one after the other in this process.
"""
from __future__ import annotations

import sys
from typing import Callable

from harness.classroom.progress import ignore_sigint, stop_pool

_calls: list = []   # what the forked children run, by index (set before the pool forks)


def in_order(calls: list, jobs: int) -> list:
    """``[call() for call in calls]``, up to ``jobs`` at a time in forked processes."""
    if jobs <= 1 or len(calls) <= 1 or not sys.platform.startswith("linux"):
        return [call() for call in calls]
    import multiprocessing   # late: a run of one exercise starts no pool
    from concurrent.futures import ProcessPoolExecutor
    _calls[:] = calls
    pool = ProcessPoolExecutor(max_workers=min(jobs, len(calls)), initializer=ignore_sigint,
                               mp_context=multiprocessing.get_context("fork"))
    try:
        futures = [pool.submit(_run, i) for i in range(len(calls))]
        results = [f.result() for f in futures]
        pool.shutdown()
        return results
    except BaseException:   # Ctrl-C, or a grader fault in a child (raised again here, with its traceback)
        stop_pool(pool)
        raise
    finally:
        _calls.clear()


def _run(index: int):
    call: Callable = _calls[index]
    return call()


__all__ = ["in_order"]

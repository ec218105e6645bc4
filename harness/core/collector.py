"""The grader's garbage collector, set for what the grader does: build graphs and drop them.

Every graph the grader builds (the reference's numbers, the bug models' runs)
is a heap of small objects tied in cycles by their ``_backward`` closures, freed
only by the cycle collector. With CPython's default threshold (a young-
generation collection every 700 new objects) that collector ran about 500 times
in one grade of the lecture's notebook and took 0.16 s of its 0.72 s; a
passing ``grade --reference`` spent 0.19 s in it. Everything imported before
grading (Hypothesis, YAML, the rubrics) is frozen out of the collections, and
the young generation is collected every 50,000 new objects: 6 collections,
0.04 s. Much of that work overlapped the worker's, so a passing run's wall
time barely moves; a grade whose diagnosis keeps the grader busy
(``no_chain_rule_mul.py`` on 04) took 0.90 times as long (median of six
alternating pairs), for about 5 MiB more at the peak.

For the grader's own processes only (``grade``, its pool processes): never
in the student's worker, whose collections are part of what makes its
numbers repeatable, and never in a process the grader is a guest in (pytest,
a Jupyter kernel).
"""
from __future__ import annotations

import gc

YOUNG_THRESHOLD = 50_000


def for_the_grader() -> None:
    """Freeze what is alive now and collect the young generation less often."""
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, middle, old)


__all__ = ["for_the_grader"]

"""A model graph built once and walked in every order gives what building it afresh per order gives.

The diagnosis tries an order-dependent defect (an assigning ``_backward``, a
sort without a visited set, a recursion per path) in eight orders. It builds
the graph once and, for each further order, resets every gradient and walks
it again: the model's own nodes inside an operation too (``a / b`` written
``a * b**-1`` makes a ``b**-1`` the graph does not list), which a pre-order
walk would otherwise read stale.
"""
from __future__ import annotations

import random

import pytest

from harness.core.graph import build
from harness.core.ops import OPS
from harness.diagnosis import catalogue
from harness.diagnosis.models import LECTURE_STYLE, Defect, Style, model_class
from harness.diagnosis.outcomes import ORDERS, model_outcomes
from harness.graphs.decode import random_graphs

ORDER_DEPENDENT = [Defect(catalogue.GRAD_OVERWRITE, "add"), Defect(catalogue.GRAD_OVERWRITE, "mul", "first"),
                   Defect(catalogue.REPEATED_BACKWARD, "", "recursive"),
                   Defect(catalogue.REPEATED_BACKWARD, "", "no-visited"),
                   Defect(catalogue.WRONG_TOPOLOGICAL_ORDER, "", "pre-order")]


def _afresh(model, graph, order):
    values = build(graph, model_class(model, order))
    values[-1].backward()
    return tuple(v.grad for v in values)


@pytest.mark.parametrize("style", [Style({}), Style(dict(LECTURE_STYLE))], ids=["direct", "lecture"])
@pytest.mark.parametrize("defect", ORDER_DEPENDENT, ids=lambda d: f"{d.id}-{d.family}-{d.variant}")
def test_every_order_of_one_build_is_the_fresh_build_in_that_order(defect, style):
    model = style.model(frozenset({defect}))
    graphs = random_graphs(random.Random(7), 60, [op for op in OPS if op.family in
                                                   ("add", "mul", "sub", "div", "tanh", "exp")], max_nodes=8)
    differing = 0
    for graph in graphs:
        walked = [o.grad for o in model_outcomes(model_class(model), graph, ORDERS)]
        fresh = [_afresh(model, graph, order) for order in range(ORDERS)]
        assert walked == fresh, f"{graph}: orders walked on one build {walked} != built afresh {fresh}"
        differing += len(set(fresh)) > 1
    assert differing, "no graph's numbers depended on the order: the test shows nothing"

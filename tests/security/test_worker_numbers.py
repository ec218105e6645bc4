"""What the student's ``.data`` and ``.grad`` may be: real numbers only.

The worker turns ints and floats (subclasses included, e.g. NumPy's float64)
into plain floats with the base class's own conversion, and anything else into
a short reason; the grader's judge turns a reason into ``invalid-result``.
No object of the student's is ever compared, so a lying ``__eq__`` or
``__float__`` changes nothing.
"""
from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction

import pytest

from harness.graphs import judge
from harness.core.graph import Graph, Node
from harness.worker.loop import to_number


class LyingFloat(float):
    """Claims to equal everything and converts to 0.0: its real value must be used."""

    def __eq__(self, other):
        return True

    __hash__ = float.__hash__

    def __float__(self):
        return 0.0


class LyingInt(int):
    def __float__(self):
        return 0.0


@pytest.mark.parametrize("given, plain", [
    (2.5, 2.5), (-3, -3.0), (0, 0.0), (True, 1.0),
    (LyingFloat(2.0), 2.0), (LyingInt(7), 7.0),
])
def test_real_numbers_become_their_own_plain_float(given, plain):
    result = to_number(given)
    assert type(result) is float and result == plain


def test_numpy_float64_is_a_real_number():
    np = pytest.importorskip("numpy")
    result = to_number(np.float64(1.25))
    assert type(result) is float and result == 1.25


@pytest.mark.parametrize("given", [None, "2.0", Decimal("2.0"), Fraction(1, 2), [2.0], 2j,
                                   math.nan, math.inf, -math.inf, 10 ** 400])
def test_anything_else_is_a_reason_not_a_number(given):
    result = to_number(given)
    assert isinstance(result, str) and result, repr(given)


def test_numpy_arrays_of_one_number_are_numbers_and_others_say_convert():
    np = pytest.importorskip("numpy")
    for given, plain in [(np.array(2.0), 2.0), (np.float32(0.1), float(np.float32(0.1))),
                         (np.int64(3), 3.0), (np.bool_(True), 1.0), (np.array(7, dtype=np.int32), 7.0)]:
        result = to_number(given)
        assert type(result) is float and result == plain, (given, result)
    for bad in [np.array([2.0]), np.array(1 + 2j), np.array(2.0, dtype=object)]:
        reason = to_number(bad)
        assert isinstance(reason, str) and "convert with float()" in reason, (bad, reason)


def test_a_class_claiming_to_be_numpy_is_not_trusted():
    class Fake:
        __module__ = "numpy"
        dtype, shape = type("D", (), {"kind": "f"})(), ()

        def __float__(self):
            return 0.0
    reason = to_number(Fake())
    assert isinstance(reason, str) and "convert with float()" in reason, reason


@pytest.mark.parametrize("bad", [None, "2.0", math.nan, math.inf])
def test_a_reason_in_the_answer_is_an_invalid_result(bad):
    graph = Graph((3.0,), (Node("add", (0, 0)),))        # b = a + a
    answer = {"data": [3.0, to_number(bad)], "grad": [2.0, 1.0]}
    failure = judge.judge(graph, answer, backward=True)
    assert failure is not None and failure.kind == "invalid-result", failure


def test_a_lying_float_is_judged_by_its_value():
    graph = Graph((3.0,), (Node("add", (0, 0)),))
    wrong = {"data": [3.0, 6.0], "grad": [to_number(LyingFloat(1.0)), 1.0]}   # a.grad should be 2
    right = {"data": [3.0, 6.0], "grad": [to_number(LyingFloat(2.0)), 1.0]}
    assert judge.judge(graph, wrong, backward=True).kind != "invalid-result"
    assert judge.judge(graph, right, backward=True) is None

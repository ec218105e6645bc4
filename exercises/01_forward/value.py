"""Exercise 01: forward values.

Write a class ``Value`` that wraps one number and computes the results of
arithmetic with it. Only forward values are graded here; gradients come in 02.

The grader calls exactly this: ``Value(x)``, ``.data``, the operators below
with a ``Value`` or a plain number on either side, and the three methods.
"""
import math


class Value:
    """A scalar: ``Value(2.0).data == 2.0``."""

    def __init__(self, data):
        self.data = data

    def __add__(self, other):
        """``a + b`` and ``a + 2``: a new Value holding the sum."""
        # TODO: accept a plain number too (wrap it in a Value).
        raise NotImplementedError("Value.__add__")

    def __radd__(self, other):
        """``2 + a``: Python calls this when the left side is a plain number."""
        raise NotImplementedError("Value.__radd__")

    def __mul__(self, other):
        """``a * b`` and ``a * 2``."""
        raise NotImplementedError("Value.__mul__")

    def __rmul__(self, other):
        """``2 * a``."""
        raise NotImplementedError("Value.__rmul__")

    def __neg__(self):
        """``-a``."""
        raise NotImplementedError("Value.__neg__")

    def __sub__(self, other):
        """``a - b`` and ``a - 2``."""
        raise NotImplementedError("Value.__sub__")

    def __rsub__(self, other):
        """``1 - a``: careful, this is not ``a - 1``."""
        raise NotImplementedError("Value.__rsub__")

    def __pow__(self, k):
        """``a ** k`` for a plain number ``k`` (2, 3, -1, 0.5, ...)."""
        raise NotImplementedError("Value.__pow__")

    def __truediv__(self, other):
        """``a / b`` and ``a / 2``."""
        raise NotImplementedError("Value.__truediv__")

    def __rtruediv__(self, other):
        """``2 / a``."""
        raise NotImplementedError("Value.__rtruediv__")

    def exp(self):
        """``e ** a``, as a new Value."""
        raise NotImplementedError("Value.exp")

    def tanh(self):
        """The hyperbolic tangent, as a new Value."""
        raise NotImplementedError("Value.tanh")

    def relu(self):
        """``a`` when ``a > 0``, else 0, as a new Value."""
        raise NotImplementedError("Value.relu")

    def __repr__(self):
        return f"Value(data={self.data})"

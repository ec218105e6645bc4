"""Exercise 04: the complete engine.

Every operation of exercise 01, with gradients, a plain number on either side,
and a ``backward()`` that works on any graph: values used many times, a chain
5,000 operations deep (deeper than Python's recursion limit), one value
feeding 1,000 operations.

The grader calls: ``Value(x)``, ``.data``, ``.grad``, ``+ - * /``, unary ``-``,
``** number``, ``.exp()``, ``.tanh()``, ``.relu()`` and ``.backward()``.
Any internal design that computes the right numbers gets full marks.
"""
import math
class Value:
    def __init__(self, data, _children=(), _op=""):
        self.data = data
        self.grad = 0.0
        self._backward = lambda: None
        self._prev = set(_children)
        self._op = _op

    def __add__(self, other):
        raise NotImplementedError("Value.__add__")

    def __mul__(self, other):
        raise NotImplementedError("Value.__mul__")

    def __pow__(self, k):
        """``a ** k`` for a plain number k: d(a**k)/da = k * a**(k-1)."""
        raise NotImplementedError("Value.__pow__")

    def exp(self):
        """d exp(a)/da = exp(a)."""
        raise NotImplementedError("Value.exp")

    def tanh(self):
        raise NotImplementedError("Value.tanh")

    def relu(self):
        """d relu(a)/da = 1 if a > 0 else 0."""
        raise NotImplementedError("Value.relu")

    def backward(self):
        """Reverse topological order, without recursion (5,000 levels deep)."""
        raise NotImplementedError("Value.backward")

    # TODO: -a, a - b, a / b, and the reflected forms 2 + a, 1 - a, 2 * a, 2 / a.
    def __neg__(self):
        raise NotImplementedError("Value.__neg__")

    def __radd__(self, other):
        raise NotImplementedError("Value.__radd__")

    def __sub__(self, other):
        raise NotImplementedError("Value.__sub__")

    def __rsub__(self, other):
        raise NotImplementedError("Value.__rsub__")

    def __rmul__(self, other):
        raise NotImplementedError("Value.__rmul__")

    def __truediv__(self, other):
        raise NotImplementedError("Value.__truediv__")

    def __rtruediv__(self, other):
        raise NotImplementedError("Value.__rtruediv__")

    def __repr__(self):
        return f"Value(data={self.data}, grad={self.grad})"

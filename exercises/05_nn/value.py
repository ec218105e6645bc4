"""Exercise 05: your engine from exercise 04.

Copy your ``value.py`` from ``04_engine`` here (or hand in one notebook that
defines ``Value`` and the net): ``nn.py`` imports ``Value`` from this file.
The checks of 05_nn use ``+ - * **``, ``tanh()`` and ``backward()``.
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

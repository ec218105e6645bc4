"""Exercise 03: values used more than once.

Give ``Value`` a gradient and a way to compute it. Every operation remembers
the Values it was made from and attaches a ``_backward`` function that passes
the output's gradient on to them (the chain rule). ``backward()`` sets the
output's gradient to 1 and calls every ``_backward`` in reverse topological
order: a node only after every node that uses it.

Graded on expressions where values are used more than once: `b = a + a`,
`b = a * a`, and the lecture's `d = a * b; e = a + b; f = d * e`. A Value
used twice receives gradient from each use: add them up.
The grader calls: ``Value(x)``, ``.data``, ``.grad``, ``+``, ``*``,
``.tanh()`` and ``.backward()``.
"""
import math


class Value:
    def __init__(self, data, _children=(), _op=""):
        self.data = data
        self.grad = 0.0                   # d(output)/d(self), filled by backward()
        self._backward = lambda: None     # passes out.grad on to the inputs
        self._prev = set(_children)       # the Values this one was made from
        self._op = _op

    def __add__(self, other):
        """``a + b`` (and ``a + 2``): d(a+b)/da = 1, d(a+b)/db = 1."""
        # TODO: build out, define out._backward, return out.
        raise NotImplementedError("Value.__add__")

    def __mul__(self, other):
        """``a * b`` (and ``a * 2``): d(ab)/da = b, d(ab)/db = a."""
        raise NotImplementedError("Value.__mul__")

    def tanh(self):
        """tanh(a): d tanh(a)/da = 1 - tanh(a)**2."""
        raise NotImplementedError("Value.tanh")

    def backward(self):
        """Set self.grad = 1, then call _backward on every node in reverse topological order."""
        raise NotImplementedError("Value.backward")

    def __repr__(self):
        return f"Value(data={self.data}, grad={self.grad})"

"""Correct: ``-``, ``/`` and their reflected forms written directly.

No ``a + (-b)`` or ``a * b ** -1``: each has its own forward and local
derivatives (d(a/b)/db = -a/b**2, d(k-a)/da = -1), so a sign slip would show.
"""
import math


def _lift(x):
    return x if isinstance(x, Value) else Value(x)


class Value:
    def __init__(self, data, _children=(), _op=""):
        self.data = data
        self.grad = 0.0
        self._backward = lambda: None
        self._prev = set(_children)
        self._op = _op

    def _binary(self, other, data, da, db, op):
        """A node reading self and other with local derivatives da and db."""
        out = Value(data, (self, other), op)

        def _backward():
            self.grad += da * out.grad
            other.grad += db * out.grad
        out._backward = _backward
        return out

    def _unary(self, data, d, op):
        out = Value(data, (self,), op)

        def _backward():
            self.grad += d * out.grad
        out._backward = _backward
        return out

    def __add__(self, other):
        other = _lift(other)
        return self._binary(other, self.data + other.data, 1.0, 1.0, "+")

    def __radd__(self, other):
        return _lift(other) + self

    def __sub__(self, other):
        other = _lift(other)
        return self._binary(other, self.data - other.data, 1.0, -1.0, "-")

    def __rsub__(self, other):
        return _lift(other) - self

    def __mul__(self, other):
        other = _lift(other)
        return self._binary(other, self.data * other.data, other.data, self.data, "*")

    def __rmul__(self, other):
        return _lift(other) * self

    def __truediv__(self, other):
        other = _lift(other)
        a, b = self.data, other.data
        return self._binary(other, a / b, 1.0 / b, -a / (b * b), "/")

    def __rtruediv__(self, other):
        return _lift(other) / self

    def __neg__(self):
        return self._unary(-self.data, -1.0, "neg")

    def __pow__(self, k):
        return self._unary(self.data ** k, k * self.data ** (k - 1), "**")

    def exp(self):
        e = math.exp(self.data)
        return self._unary(e, e, "exp")

    def tanh(self):
        t = math.tanh(self.data)
        return self._unary(t, 1.0 - t * t, "tanh")

    def relu(self):
        return self._unary(max(self.data, 0.0), 1.0 if self.data > 0 else 0.0, "relu")

    def backward(self):
        topo, visited, stack = [], set(), [(self, False)]
        while stack:
            node, expanded = stack.pop()
            if expanded:
                topo.append(node)
            elif node not in visited:
                visited.add(node)
                stack.append((node, True))
                stack.extend((c, False) for c in node._prev if c not in visited)
        self.grad = 1.0
        for node in reversed(topo):
            node._backward()

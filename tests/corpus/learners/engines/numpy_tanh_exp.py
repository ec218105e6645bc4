"""Learner: ``exp`` and ``tanh`` through NumPy (``np.exp``, ``np.tanh``), so
their outputs' ``.data`` are ``numpy.float64``.

Shows: ``label=""``, ``_prev`` a list, every family and reflected operator.
Correct grade: every family right (numpy.float64 is a float). The lecture's recursive ``build_topo`` raises RecursionError on the 5,000-deep chain (recursion-depth).
"""
import numpy as np


class Value:
    def __init__(self, data, _children=(), _op="", label=""):
        self.data = data
        self.grad = 0.0  # d(output)/d(self), filled in by backward()
        self._backward = lambda: None
        self._prev = list(_children)  # keep the order, handy when drawing
        self._op = _op
        self.label = label

    def __repr__(self):
        if self.label:
            return f"Value({self.label}: data={self.data:.4f}, grad={self.grad:.4f})"
        return f"Value(data={self.data:.4f}, grad={self.grad:.4f})"

    # ---------- binary ops ----------
    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data + other.data, (self, other), "+")

        def _backward():
            # + just routes the gradient to both sides
            self.grad += out.grad
            other.grad += out.grad

        out._backward = _backward
        return out

    def __radd__(self, other):
        return self + other

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data * other.data, (self, other), "*")

        def _backward():
            # d(a*b)/da = b, d(a*b)/db = a
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad

        out._backward = _backward
        return out

    def __rmul__(self, other):
        return self * other

    def __pow__(self, k):
        assert isinstance(k, (int, float)), "power must be a number"
        out = Value(self.data ** k, (self,), f"**{k}")

        def _backward():
            self.grad += k * self.data ** (k - 1) * out.grad

        out._backward = _backward
        return out

    def __neg__(self):
        return self * -1

    def __sub__(self, other):
        return self + (-other)

    def __rsub__(self, other):
        return other + (-self)

    def __truediv__(self, other):
        return self * other ** -1

    def __rtruediv__(self, other):
        return other * self ** -1

    # ---------- unary ops ----------
    def exp(self):
        out = Value(np.exp(self.data), (self,), "exp")

        def _backward():
            # derivative of e^x is e^x, which we already computed
            self.grad += out.data * out.grad

        out._backward = _backward
        return out

    def tanh(self):
        t = np.tanh(self.data)
        out = Value(t, (self,), "tanh")

        def _backward():
            self.grad += (1 - t ** 2) * out.grad

        out._backward = _backward
        return out

    def relu(self):
        out = Value(max(0.0, self.data), (self,), "relu")

        def _backward():
            self.grad += (1.0 if self.data > 0 else 0.0) * out.grad

        out._backward = _backward
        return out

    # ---------- backprop ----------
    def backward(self):
        topo = []
        visited = set()

        def build_topo(v):
            if v not in visited:
                visited.add(v)
                for child in v._prev:
                    build_topo(child)
                topo.append(v)

        build_topo(self)

        self.grad = 1.0
        for node in reversed(topo):
            node._backward()

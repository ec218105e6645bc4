"""Learner bugs (two at once): ``*`` reads the operands' ``.grad`` where the
comment above it says ``.data``, and ``tanh``/``exp`` assign (``=``).

Shows: ``label=""``, ``_prev`` a list, ``math.tanh``. ``*`` passes 0 on (or
garbage when an operand already holds a gradient); unary ``-``, ``-`` and
``/`` are built on ``*`` and inherit it.
Correct grade: wrong-derivative-mul (or missing-chain-rule) and
grad-overwrite (tanh, exp); div reflected-operand (no ``__rtruediv__``).
The lecture's recursive ``build_topo`` raises RecursionError on the 5,000-deep chain (recursion-depth).
"""
import math


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
            self.grad += other.grad * out.grad
            other.grad += self.grad * out.grad

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

    # TODO __rtruediv__ (2 / a)

    # ---------- unary ops ----------
    def exp(self):
        out = Value(math.exp(self.data), (self,), "exp")

        def _backward():
            # derivative of e^x is e^x, which we already computed
            self.grad = out.data * out.grad

        out._backward = _backward
        return out

    def tanh(self):
        t = math.tanh(self.data)
        out = Value(t, (self,), "tanh")

        def _backward():
            self.grad = (1 - t ** 2) * out.grad

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

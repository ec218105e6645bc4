"""Correct: operations generated from a table, in the style of minitorch.

One entry per unary function (forward, derivative from input and output);
the methods are attached in a loop. Nothing is written out per operation.
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

    def _apply(self, name, inputs, data, locals_):
        out = Value(data, inputs, name)

        def _backward():
            for v, d in zip(inputs, locals_):
                v.grad += d * out.grad
        out._backward = _backward
        return out

    def __add__(self, other):
        other = _lift(other)
        return self._apply("+", (self, other), self.data + other.data, (1.0, 1.0))

    def __mul__(self, other):
        other = _lift(other)
        return self._apply("*", (self, other), self.data * other.data, (other.data, self.data))

    def __pow__(self, k):
        return self._apply("**", (self,), self.data ** k, (k * self.data ** (k - 1),))

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


# name: (forward, derivative given input x and output y)
UNARY = {
    "exp": (math.exp, lambda x, y: y),
    "tanh": (math.tanh, lambda x, y: 1.0 - y * y),
    "relu": (lambda x: x if x > 0 else 0.0, lambda x, y: 1.0 if x > 0 else 0.0),
    "__neg__": (lambda x: -x, lambda x, y: -1.0),
}


def _unary(name, forward, derivative):
    def method(self):
        y = forward(self.data)
        return self._apply(name, (self,), y, (derivative(self.data, y),))
    method.__name__ = name
    return method


for _name, (_f, _d) in UNARY.items():
    setattr(Value, _name, _unary(_name, _f, _d))

# The derived forms, as one-liners on the primitives.
Value.__radd__ = lambda self, other: self + other
Value.__rmul__ = lambda self, other: self * other
Value.__sub__ = lambda self, other: self + (-_lift(other))
Value.__rsub__ = lambda self, other: _lift(other) + (-self)
Value.__truediv__ = lambda self, other: self * _lift(other) ** -1
Value.__rtruediv__ = lambda self, other: _lift(other) * self ** -1

"""Correct: children stored as a dict ``{id(child): [child, local derivative]}``.

A dict keyed by the child would lose one use of ``a`` in ``b = a + a``; this
one adds the local derivatives of repeated inputs (1 + 1 = 2), which is the
same thing as visiting both uses.
"""
import math


class Value:
    def __init__(self, data, _children=()):
        self.data = data
        self.grad = 0.0
        self._children = {}
        for child, local in _children:
            entry = self._children.setdefault(id(child), [child, 0.0])
            entry[1] += local

    @staticmethod
    def _v(x):
        return x if isinstance(x, Value) else Value(x)

    def __add__(self, other):
        other = Value._v(other)
        return Value(self.data + other.data, [(self, 1.0), (other, 1.0)])

    def __mul__(self, other):
        other = Value._v(other)
        return Value(self.data * other.data, [(self, other.data), (other, self.data)])

    def __pow__(self, k):
        return Value(self.data ** k, [(self, k * self.data ** (k - 1))])

    def exp(self):
        e = math.exp(self.data)
        return Value(e, [(self, e)])

    def tanh(self):
        t = math.tanh(self.data)
        return Value(t, [(self, 1 - t * t)])

    def relu(self):
        return Value(self.data if self.data > 0 else 0.0, [(self, float(self.data > 0))])

    def backward(self):
        topo, visited, stack = [], set(), [(self, False)]
        while stack:
            node, expanded = stack.pop()
            if expanded:
                topo.append(node)
            elif id(node) not in visited:
                visited.add(id(node))
                stack.append((node, True))
                stack.extend((c, False) for c, _ in node._children.values())
        self.grad = 1.0
        for node in reversed(topo):
            for child, local in node._children.values():
                child.grad += local * node.grad

    def __neg__(self):
        return self * -1

    def __radd__(self, other):
        return self + other

    def __sub__(self, other):
        return self + (-other)

    def __rsub__(self, other):
        return other + (-self)

    def __rmul__(self, other):
        return self * other

    def __truediv__(self, other):
        return self * other ** -1

    def __rtruediv__(self, other):
        return other * self ** -1

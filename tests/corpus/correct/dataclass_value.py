"""Correct: ``Value`` as a ``@dataclass(eq=False)``.

``eq=False`` keeps hashing by identity (a dataclass with ``eq=True`` would set
``__hash__`` to None); the children and the backward step are fields with
defaults, hidden from ``repr``.
"""
import math
from dataclasses import dataclass, field
from typing import Callable


@dataclass(eq=False)
class Value:
    data: float
    children: tuple = field(default=(), repr=False)
    grad: float = 0.0
    backward_step: Callable = field(default=lambda: None, repr=False)

    @classmethod
    def of(cls, x):
        return x if isinstance(x, Value) else cls(x)

    def _node(self, data, children, step):
        out = Value(data, children)
        out.backward_step = lambda: step(out)
        return out

    def __add__(self, other):
        other = Value.of(other)

        def step(out):
            self.grad += out.grad
            other.grad += out.grad
        return self._node(self.data + other.data, (self, other), step)

    def __mul__(self, other):
        other = Value.of(other)

        def step(out):
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad
        return self._node(self.data * other.data, (self, other), step)

    def __pow__(self, k):
        def step(out):
            self.grad += k * self.data ** (k - 1) * out.grad
        return self._node(self.data ** k, (self,), step)

    def exp(self):
        def step(out):
            self.grad += out.data * out.grad
        return self._node(math.exp(self.data), (self,), step)

    def tanh(self):
        def step(out):
            self.grad += (1 - out.data ** 2) * out.grad
        return self._node(math.tanh(self.data), (self,), step)

    def relu(self):
        def step(out):
            self.grad += (self.data > 0) * out.grad
        return self._node(max(self.data, 0.0), (self,), step)

    def backward(self):
        topo, visited, stack = [], set(), [(self, False)]
        while stack:
            node, expanded = stack.pop()
            if expanded:
                topo.append(node)
            elif node not in visited:
                visited.add(node)
                stack.append((node, True))
                stack.extend((c, False) for c in node.children if c not in visited)
        self.grad = 1.0
        for node in reversed(topo):
            node.backward_step()

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

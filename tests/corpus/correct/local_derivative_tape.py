"""Correct: local derivatives stored on the nodes, no ``_backward`` closures.

Every node records ``(input, d out / d input)`` pairs when it is made;
``backward`` walks the nodes in reverse topological order and applies the chain
rule itself. ``b = a + a`` records ``(a, 1.0)`` twice, and both add up.
"""
import math


class Value:
    def __init__(self, data, parents=()):
        self.data = data
        self.grad = 0.0
        self.parents = tuple(parents)   # ((input Value, local derivative), ...)

    @staticmethod
    def lift(x):
        return x if isinstance(x, Value) else Value(x)

    def __add__(self, other):
        other = Value.lift(other)
        return Value(self.data + other.data, ((self, 1.0), (other, 1.0)))

    def __mul__(self, other):
        other = Value.lift(other)
        return Value(self.data * other.data, ((self, other.data), (other, self.data)))

    def __pow__(self, k):
        return Value(self.data ** k, ((self, k * self.data ** (k - 1)),))

    def exp(self):
        e = math.exp(self.data)
        return Value(e, ((self, e),))

    def tanh(self):
        t = math.tanh(self.data)
        return Value(t, ((self, 1.0 - t * t),))

    def relu(self):
        return Value(max(self.data, 0.0), ((self, 1.0 if self.data > 0 else 0.0),))

    def __neg__(self):
        return Value(-self.data, ((self, -1.0),))

    def __sub__(self, other):
        other = Value.lift(other)
        return Value(self.data - other.data, ((self, 1.0), (other, -1.0)))

    def __rsub__(self, other):
        return Value.lift(other) - self

    def __truediv__(self, other):
        other = Value.lift(other)
        return Value(self.data / other.data,
                     ((self, 1.0 / other.data), (other, -self.data / other.data ** 2)))

    def __rtruediv__(self, other):
        return Value.lift(other) / self

    __radd__ = __add__
    __rmul__ = __mul__

    def backward(self):
        order, done, stack = [], set(), [self]
        while stack:
            node = stack[-1]
            pending = [p for p, _ in node.parents if id(p) not in done]
            if pending:
                stack.extend(pending)
                continue
            stack.pop()
            if id(node) not in done:
                done.add(id(node))
                order.append(node)
        self.grad = 1.0
        for node in reversed(order):
            for parent, local in node.parents:
                parent.grad += local * node.grad

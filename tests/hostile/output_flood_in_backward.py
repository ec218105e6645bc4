"""Prints without end in backward(): what passes the output limit is dropped; the loop times out."""
import math


class Value:
    def __init__(self, data, _children=()):
        self.data, self.grad, self._prev = data, 0.0, _children

    def _lift(self, other):
        return other if isinstance(other, Value) else Value(other)

    def __add__(self, other):
        other = self._lift(other)
        return Value(self.data + other.data, (self, other))

    def __mul__(self, other):
        other = self._lift(other)
        return Value(self.data * other.data, (self, other))

    def __pow__(self, k):
        return Value(self.data ** k, (self,))

    def exp(self):
        return Value(math.exp(self.data), (self,))

    def tanh(self):
        return Value(math.tanh(self.data), (self,))

    def relu(self):
        return Value(max(self.data, 0.0), (self,))

    def __neg__(self):
        return self * -1

    def __sub__(self, other):
        return self + (-self._lift(other))

    def __truediv__(self, other):
        return self * self._lift(other) ** -1

    __radd__ = __add__
    __rmul__ = __mul__

    def __rsub__(self, other):
        return self._lift(other) - self

    def __rtruediv__(self, other):
        return self._lift(other) / self

    def backward(self):
        while True:
            print('gradient ' * 100)

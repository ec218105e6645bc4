"""Correct: prints every value it makes and every backward step, in full.

A student debugging this way prints about a hundred bytes per operation and
per backward step: well over 1 MiB across exercise 04's thousands of graphs.
The numbers are all right.
(In ``correct_not_yet``: the worker's 1 MiB output limit kills it today.)
"""
import math


class Value:
    def __init__(self, data, _children=(), _op=""):
        self.data = data
        self.grad = 0.0
        self._backward = lambda: None
        self._prev = set(_children)
        self._op = _op

    def __repr__(self):
        return f"Value(data={self.data}, grad={self.grad})"

    def _made(self, out):
        print(f"made {out!r} from {[repr(c) for c in out._prev]}")
        return out

    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data + other.data, (self, other), "+")

        def _backward():
            print(f"+ backward: out={out!r} into {self!r}")
            self.grad += out.grad
            other.grad += out.grad
        out._backward = _backward
        return self._made(out)

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data * other.data, (self, other), "*")

        def _backward():
            print(f"* backward: out={out!r} into {self!r}")
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad
        out._backward = _backward
        return self._made(out)

    def __pow__(self, k):
        out = Value(self.data ** k, (self,), "**")

        def _backward():
            print(f"** backward: out={out!r} into {self!r}")
            self.grad += k * self.data ** (k - 1) * out.grad
        out._backward = _backward
        return self._made(out)

    def exp(self):
        out = Value(math.exp(self.data), (self,), "exp")

        def _backward():
            print(f"exp backward: out={out!r} into {self!r}")
            self.grad += out.data * out.grad
        out._backward = _backward
        return self._made(out)

    def tanh(self):
        out = Value(math.tanh(self.data), (self,), "tanh")

        def _backward():
            print(f"tanh backward: out={out!r} into {self!r}")
            self.grad += (1 - out.data ** 2) * out.grad
        out._backward = _backward
        return self._made(out)

    def relu(self):
        out = Value(self.data if self.data > 0 else 0.0, (self,), "relu")

        def _backward():
            print(f"relu backward: out={out!r} into {self!r}")
            self.grad += (out.data > 0) * out.grad
        out._backward = _backward
        return self._made(out)

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
        print(f"backward over {len(topo)} nodes from {self!r}")
        self.grad = 1.0
        for node in reversed(topo):
            node._backward()
        print("done")

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

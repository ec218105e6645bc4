"""Learner work in progress: the lecture's first Value, at the stage where
``o._backward()`` is called by hand, node by node. No ``backward()`` yet.

Shows: ``+``, ``*`` and ``tanh`` with correct ``_backward`` closures, but no
number wrapping (``a + 2`` raises AttributeError: 'int' object has no
attribute 'data'), no ``__radd__``/``__rmul__`` (``2 + a`` raises TypeError),
and no ``-``, ``/``, ``**``, ``exp``, ``relu``.
Correct grade: the forward check credits + * tanh on Values; every gradient
check fails because ``backward`` does not exist (backward-not-propagating);
number-operand and reflected-operand for + and *; sub div neg pow exp relu
missing (missing-operation).
"""
import math


class Value:

  def __init__(self, data, _children=(), _op='', label=''):
    self.data = data
    self.grad = 0.0
    self._backward = lambda: None
    self._prev = set(_children)
    self._op = _op
    self.label = label

  def __repr__(self):
    return f"Value(data={self.data})"

  def __add__(self, other):
    out = Value(self.data + other.data, (self, other), '+')

    def _backward():
      self.grad += 1.0 * out.grad
      other.grad += 1.0 * out.grad
    out._backward = _backward
    return out

  def __mul__(self, other):
    out = Value(self.data * other.data, (self, other), '*')

    def _backward():
      self.grad += other.data * out.grad
      other.grad += self.data * out.grad
    out._backward = _backward
    return out

  def tanh(self):
    x = self.data
    t = (math.exp(2*x) - 1)/(math.exp(2*x) + 1)
    out = Value(t, (self, ), 'tanh')

    def _backward():
      self.grad += (1 - t**2) * out.grad
    out._backward = _backward
    return out

  # so far I call o._backward(), n._backward() ... by hand in the notebook
  # next: a backward() that does the whole graph (topological sort?)

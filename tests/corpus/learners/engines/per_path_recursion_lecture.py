"""Learner bug: no topological sort: ``backward()`` seeds the output, then each
node runs its ``_backward`` and recurses into every child, once per path.

A node reached by two paths runs its ``_backward`` twice, the first time
before all of its gradient has arrived, so the inputs below it receive too
much: ``c = a * b; d = c * c.tanh()`` is wrong; trees are right, and with
``_prev`` a set ``a + a`` is right. One recursion level per graph level, so
the deep chain raises RecursionError. The lecture's Value otherwise (no relu,
no ``__rsub__``, no ``__rtruediv__``).
Correct grade: repeated-backward (at the recursive call) and recursion-depth;
sub and div reflected-operand; relu missing.
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
    other = other if isinstance(other, Value) else Value(other)
    out = Value(self.data + other.data, (self, other), '+')
    
    def _backward():
      self.grad += 1.0 * out.grad
      other.grad += 1.0 * out.grad
    out._backward = _backward
    
    return out

  def __mul__(self, other):
    other = other if isinstance(other, Value) else Value(other)
    out = Value(self.data * other.data, (self, other), '*')
    
    def _backward():
      self.grad += other.data * out.grad
      other.grad += self.data * out.grad
    out._backward = _backward
      
    return out
  
  def __pow__(self, other):
    assert isinstance(other, (int, float)), "only supporting int/float powers for now"
    out = Value(self.data**other, (self,), f'**{other}')

    def _backward():
        self.grad += other * (self.data ** (other - 1)) * out.grad
    out._backward = _backward

    return out
  
  def __rmul__(self, other): # other * self
    return self * other

  def __truediv__(self, other): # self / other
    return self * other**-1

  def __neg__(self): # -self
    return self * -1

  def __sub__(self, other): # self - other
    return self + (-other)

  def __radd__(self, other): # other + self
    return self + other

  def tanh(self):
    x = self.data
    t = (math.exp(2*x) - 1)/(math.exp(2*x) + 1)
    out = Value(t, (self, ), 'tanh')
    
    def _backward():
      self.grad += (1 - t**2) * out.grad
    out._backward = _backward
    
    return out
  
  def exp(self):
    x = self.data
    out = Value(math.exp(x), (self, ), 'exp')
    
    def _backward():
      self.grad += out.data * out.grad # NOTE: in the video I incorrectly used = instead of +=. Fixed here.
    out._backward = _backward
    
    return out
  
  

  def backward(self):
    self.grad = 1.0
    self._backprop()

  def _backprop(self):
    # chain rule: my own _backward first, then each child does the same
    self._backward()
    for child in self._prev:
      child._backprop()

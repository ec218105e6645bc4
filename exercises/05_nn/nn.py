"""Exercise 05: a neural net on your engine, and the loop that trains it.

The grader sets every weight through ``.w`` and ``.b`` (their ``.data``), so
the random initial values below do not matter; keep the attributes' names.

* ``Neuron(nin)``: ``.w`` a list of ``nin`` Values, ``.b`` a Value; called on a
  list of numbers (or Values) it returns ``tanh(w·x + b)``.
* ``Layer(nin, nout)``: ``.neurons``; called, returns the list of its neurons'
  outputs, or the single output when ``nout == 1``.
* ``MLP(nin, nouts)``: ``.layers`` (``MLP(3, [4, 4, 1])`` has three); called,
  returns the last layer's output.
* ``parameters()`` on all three: every weight and bias, each once, neuron by
  neuron (weights then bias), layer by layer. ``zero_grad()`` sets every
  parameter's ``.grad`` to 0.
* ``train(model, xs, ys, steps, learning_rate)``: per step, forward every
  input, loss ``sum((yout - ygt)**2)``, reset the gradients, ``backward()``,
  ``p.data -= learning_rate * p.grad``; returns the losses as floats, one per
  step, each measured before that step's update.
"""
import random

from value import Value


class Module:
    def zero_grad(self):
        # TODO: every parameter's gradient back to 0
        raise NotImplementedError("Module.zero_grad")

    def parameters(self):
        return []


class Neuron(Module):
    def __init__(self, nin):
        self.w = [Value(random.uniform(-1, 1)) for _ in range(nin)]
        self.b = Value(random.uniform(-1, 1))

    def __call__(self, x):
        # TODO: tanh(w·x + b)
        raise NotImplementedError("Neuron.__call__")

    def parameters(self):
        raise NotImplementedError("Neuron.parameters")


class Layer(Module):
    def __init__(self, nin, nout):
        self.neurons = [Neuron(nin) for _ in range(nout)]

    def __call__(self, x):
        raise NotImplementedError("Layer.__call__")

    def parameters(self):
        raise NotImplementedError("Layer.parameters")


class MLP(Module):
    def __init__(self, nin, nouts):
        sizes = [nin] + list(nouts)
        self.layers = [Layer(sizes[i], sizes[i + 1]) for i in range(len(nouts))]

    def __call__(self, x):
        raise NotImplementedError("MLP.__call__")

    def parameters(self):
        raise NotImplementedError("MLP.parameters")


def train(model, xs, ys, steps, learning_rate):
    """The losses of ``steps`` steps of gradient descent, each before its update."""
    raise NotImplementedError("train")

"""The trusted neural net of exercise 05_nn: Neuron, Layer, MLP and train.

Written the way the lecture writes it, on top of the engine. In a submission
folder (``grade --reference`` copies this file there as ``nn.py``) it uses the
``Value`` of the ``value.py`` beside it, as a student's ``nn.py`` would; inside
the grader (``harness.reference.nn``) it uses the reference engine. It depends on
nothing of the grader.
"""
import random

if __package__ == "harness.reference":   # the grader's own copy: the trusted engine
    from harness.reference.engine import Value
else:                                    # nn.py beside the engine being graded
    from value import Value


class Module:
    def zero_grad(self):
        for p in self.parameters():
            p.grad = 0.0

    def parameters(self):
        return []


class Neuron(Module):
    def __init__(self, nin):
        self.w = [Value(random.uniform(-1, 1)) for _ in range(nin)]
        self.b = Value(random.uniform(-1, 1))

    def __call__(self, x):
        act = sum((wi * xi for wi, xi in zip(self.w, x)), self.b)
        return act.tanh()

    def parameters(self):
        return self.w + [self.b]


class Layer(Module):
    def __init__(self, nin, nout):
        self.neurons = [Neuron(nin) for _ in range(nout)]

    def __call__(self, x):
        outs = [n(x) for n in self.neurons]
        return outs[0] if len(outs) == 1 else outs

    def parameters(self):
        return [p for n in self.neurons for p in n.parameters()]


class MLP(Module):
    def __init__(self, nin, nouts):
        sizes = [nin] + list(nouts)
        self.layers = [Layer(sizes[i], sizes[i + 1]) for i in range(len(nouts))]

    def __call__(self, x):
        for layer in self.layers:
            x = layer(x)
        return x

    def parameters(self):
        return [p for layer in self.layers for p in layer.parameters()]


def train(model, xs, ys, steps, learning_rate):
    """Gradient descent on sum((yout - ygt)**2); the loss of each step, before its update."""
    losses = []
    for _ in range(steps):
        ypred = [model(x) for x in xs]
        loss = sum((yout - ygt) ** 2 for ygt, yout in zip(ys, ypred))
        model.zero_grad()
        loss.backward()
        for p in model.parameters():
            p.data -= learning_rate * p.grad
        losses.append(loss.data)
    return losses

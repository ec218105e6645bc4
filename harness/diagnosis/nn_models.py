"""Bug models of the neural-net layer (exercise 05_nn): the reference net with one
misconception switched on.

``build(Value, defect)`` returns the names of an ``nn`` module (Neuron, Layer,
MLP, train) on top of any engine. The diagnosis runs the scenarios of
``harness.core.nn_scenarios`` on each model with the reference engine, in the
grader, and keeps the models whose numbers are the student's; the audit writes
each model out as a submission's ``nn.py`` and grades it through the worker.

Standard library only (it is copied into audit submissions as ``nn_bug_model.py``).
"""
from __future__ import annotations

import random
from types import SimpleNamespace

# defect ("catalogue-id:variant") -> what the student wrote
DEFECTS = {
    "zero-grad-missing:train": "train() never resets the gradients before backward()",
    "zero-grad-missing:biases": "zero_grad() resets the weights' gradients but not the biases'",
    "parameters-incomplete:no-bias": "Neuron.parameters() returns the weights only",
    "parameters-incomplete:last-layer-twice": "MLP.parameters() lists the last layer twice",
    "wrong-update:uphill": "the update adds learning_rate * grad (p.data += ...)",
    "wrong-update:no-learning-rate": "the update subtracts the gradient without the learning rate",
    "wrong-forward-neuron:no-bias": "the neuron leaves out its bias",
    "wrong-forward-neuron:no-tanh": "the neuron returns w.x + b without tanh",
    "wrong-forward-neuron:sum": "the neuron sums wi + xi instead of wi * xi",
}


def catalogue_id(defect: str) -> str:
    return defect.partition(":")[0]


def build(Value, defect: str = "") -> dict:  # noqa: N803 - a class, named as in the lecture
    """The names of an nn module with ``defect`` (none: the reference's behaviour)."""
    if defect and defect not in DEFECTS:
        raise ValueError(f"unknown nn defect {defect!r}; known: {', '.join(DEFECTS)}")

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
            if defect == "wrong-forward-neuron:sum":
                terms = (wi + xi for wi, xi in zip(self.w, x))
            else:
                terms = (wi * xi for wi, xi in zip(self.w, x))
            start = 0.0 if defect == "wrong-forward-neuron:no-bias" else self.b
            act = sum(terms, start)
            return act if defect == "wrong-forward-neuron:no-tanh" else act.tanh()

        def parameters(self):
            return list(self.w) if defect == "parameters-incomplete:no-bias" else self.w + [self.b]

        def zero_grad(self):
            for p in (self.w if defect == "zero-grad-missing:biases" else self.parameters()):
                p.grad = 0.0

    class Layer(Module):
        def __init__(self, nin, nout):
            self.neurons = [Neuron(nin) for _ in range(nout)]

        def __call__(self, x):
            outs = [n(x) for n in self.neurons]
            return outs[0] if len(outs) == 1 else outs

        def parameters(self):
            return [p for n in self.neurons for p in n.parameters()]

        def zero_grad(self):
            for n in self.neurons:
                n.zero_grad()

    class MLP(Module):
        def __init__(self, nin, nouts):
            sizes = [nin] + list(nouts)
            self.layers = [Layer(sizes[i], sizes[i + 1]) for i in range(len(nouts))]

        def __call__(self, x):
            for layer in self.layers:
                x = layer(x)
            return x

        def parameters(self):
            params = [p for layer in self.layers for p in layer.parameters()]
            if defect == "parameters-incomplete:last-layer-twice":
                params += self.layers[-1].parameters()
            return params

        def zero_grad(self):
            for layer in self.layers:
                layer.zero_grad()

    def train(model, xs, ys, steps, learning_rate):
        losses = []
        for _ in range(steps):
            ypred = [model(x) for x in xs]
            loss = sum((yout - ygt) ** 2 for ygt, yout in zip(ys, ypred))
            if defect != "zero-grad-missing:train":
                model.zero_grad()
            loss.backward()
            for p in model.parameters():
                if defect == "wrong-update:uphill":
                    p.data += learning_rate * p.grad
                elif defect == "wrong-update:no-learning-rate":
                    p.data -= p.grad
                else:
                    p.data -= learning_rate * p.grad
            losses.append(loss.data)
        return losses

    return {"Module": Module, "Neuron": Neuron, "Layer": Layer, "MLP": MLP, "train": train}


def module(Value, defect: str = "") -> SimpleNamespace:  # noqa: N803
    """The model's names as attributes, like a module's."""
    return SimpleNamespace(**build(Value, defect))

"""The scenarios of exercise 05_nn: one function each, run on any ``nn`` module.

The same function runs three ways: in the worker on the student's ``nn``
module (numbers for the grader), in the grader on ``reference/nn.py`` (the
expected numbers) and on the nn bug models of ``harness.diagnosis.nn_models`` (which
misconception gives the student's numbers). A scenario gets plain numbers
(sizes, weights, inputs) and returns plain numbers, so all three compare.

Weights are set through ``.w`` and ``.b`` (each parameter's ``.data``, and
``.grad`` reset to 0): the stub's random initial weights do not matter.
Rows of weights are ``[w0, ..., wk, b]``, one per neuron, layer by layer.

Standard library only: the worker imports this before any student code.
"""
from __future__ import annotations
from harness.core.errors import MicrogradeError


class ShapeError(MicrogradeError):
    """The student's objects do not have the shape the exercise asks for."""


def _set_neuron(neuron, row: list, where: str) -> None:
    w, b = list(getattr(neuron, "w")), getattr(neuron, "b")
    if len(w) != len(row) - 1:
        raise ShapeError(f"{where}.w holds {len(w)} weights, expected {len(row) - 1}")
    for p, x in zip(w + [b], row):
        p.data = x
        p.grad = 0.0


def _canonical(model, rows: list) -> list:
    """Every parameter of an MLP, in the exercise's order (weights then bias), via .w and .b."""
    out = []
    layers = list(model.layers)
    if len(layers) != len(rows):
        raise ShapeError(f"model.layers holds {len(layers)} layers, expected {len(rows)}")
    for i, (layer, layer_rows) in enumerate(zip(layers, rows)):
        neurons = list(layer.neurons)
        if len(neurons) != len(layer_rows):
            raise ShapeError(f"model.layers[{i}].neurons holds {len(neurons)} neurons, expected {len(layer_rows)}")
        for n in neurons:
            out.extend(list(n.w) + [n.b])
    return out


def _mlp(nn, nin: int, rows: list):
    model = nn.MLP(nin, [len(r) for r in rows])
    _canonical(model, rows)   # checks the shape first
    for i, layer_rows in enumerate(rows):
        for j, row in enumerate(layer_rows):
            _set_neuron(model.layers[i].neurons[j], row, f"model.layers[{i}].neurons[{j}]")
    return model


def _data(v) -> float:
    return v.data


def neuron(nn, nin: int, row: list, inputs: list) -> dict:
    n = nn.Neuron(nin)
    _set_neuron(n, row, f"Neuron({nin})")
    return {"out": [_data(n(list(x))) for x in inputs]}


def layer(nn, nin: int, rows: list, inputs: list) -> dict:
    lay = nn.Layer(nin, len(rows))
    neurons = list(lay.neurons)
    if len(neurons) != len(rows):
        raise ShapeError(f"Layer({nin}, {len(rows)}).neurons holds {len(neurons)} neurons")
    for j, (n, row) in enumerate(zip(neurons, rows)):
        _set_neuron(n, row, f"Layer({nin}, {len(rows)}).neurons[{j}]")
    out = []
    for x in inputs:
        y = lay(list(x))
        if len(rows) == 1:
            if isinstance(y, (list, tuple)):
                raise ShapeError(f"Layer({nin}, 1)(x) returned a {type(y).__name__}; "
                                 "with one neuron it returns that neuron's output itself")
            out.append([_data(y)])
        else:
            out.append([_data(v) for v in y])
    return {"out": out}


def mlp(nn, nin: int, rows: list, inputs: list) -> dict:
    model = _mlp(nn, nin, rows)
    return {"out": [_data(model(list(x))) for x in inputs]}


def parameters(nn, nin: int, rows: list) -> dict:
    """Where each parameter (in the exercise's order) is in parameters(): -1 when absent."""
    model = _mlp(nn, nin, rows)
    expected = {
        "neuron": (model.layers[0].neurons[0], list(model.layers[0].neurons[0].w) + [model.layers[0].neurons[0].b]),
        "layer": (model.layers[0], [p for n in model.layers[0].neurons for p in list(n.w) + [n.b]]),
        "mlp": (model, _canonical(model, rows)),
    }
    out = {}
    for name, (obj, params) in expected.items():
        got = list(obj.parameters())
        index = []
        for p in params:
            where = [k for k, q in enumerate(got) if q is p]
            index.append(where[0] if where else -1)
        out[name] = {"count": len(got), "index": index,
                     "repeated": len(got) - len({id(q) for q in got})}
    return out


def zero_grad(nn, nin: int, rows: list) -> dict:
    model = _mlp(nn, nin, rows)
    params = _canonical(model, rows)
    for p in params:
        p.grad = 1.0
    model.zero_grad()
    return {"grad": [p.grad for p in params]}


def loss_of(model, xs: list, ys: list):
    """The exercise's loss, written as the lecture writes it."""
    ypred = [model(list(x)) for x in xs]
    return sum((yout - ygt) ** 2 for ygt, yout in zip(ys, ypred))


def gradients(nn, nin: int, rows: list, xs: list, ys: list) -> dict:
    model = _mlp(nn, nin, rows)
    loss = loss_of(model, xs, ys)
    loss.backward()
    return {"loss": [loss.data], "grad": [p.grad for p in _canonical(model, rows)]}


def train(nn, nin: int, rows: list, xs: list, ys: list, steps: int, learning_rate: float) -> dict:
    model = _mlp(nn, nin, rows)
    losses = nn.train(model, [list(x) for x in xs], list(ys), steps, learning_rate)
    if not isinstance(losses, (list, tuple)):
        raise ShapeError(f"train() returned a {type(losses).__name__}, expected a list of losses")
    return {"losses": list(losses), "data": [p.data for p in _canonical(model, rows)]}


SCENARIOS = {"neuron": neuron, "layer": layer, "mlp": mlp, "parameters": parameters,
             "zero_grad": zero_grad, "gradients": gradients, "train": train}


def run(nn, scenario: str, args: dict) -> dict:
    """The scenario's numbers (raises what the nn code raises)."""
    return SCENARIOS[scenario](nn, **args)

"""The example of a failed ``nn`` check, as Python to paste below ``nn.py``.

It rebuilds the scenario's network with the grader's weights (set through
``.w`` and ``.b``), runs what the check ran, and ends with the first number
that differs: ``losses[2]  # expected 3.17, got 3.41``.
"""
from __future__ import annotations

from harness.graphs import judge

_SET = ("for layer, layer_rows in zip(model.layers, rows):\n"
        "    for neuron, row in zip(layer.neurons, layer_rows):\n"
        "        for p, x in zip(neuron.w + [neuron.b], row):\n"
        "            p.data, p.grad = x, 0.0")


def param_name(rows: list, k: int, model: str = "model") -> str:
    """``model.layers[1].neurons[2].w[0]`` for the k-th parameter in the exercise's order."""
    for i, layer_rows in enumerate(rows):
        for j, row in enumerate(layer_rows):
            if k < len(row):
                tail = f"w[{k}]" if k < len(row) - 1 else "b"
                return f"{model}.layers[{i}].neurons[{j}].{tail}"
            k -= len(row)
    return f"{model}.parameters()[{k}]"


def example_code(scenario: str, args: dict, diff) -> str:
    lines = []
    if scenario == "neuron":
        lines += ["from nn import Neuron", f"n = Neuron({args['nin']})",
                  f"for p, x in zip(n.w + [n.b], {args['row']}):", "    p.data = x"]
    elif scenario == "layer":
        lines += ["from nn import Layer", f"layer = Layer({args['nin']}, {len(args['rows'])})",
                  f"rows = {args['rows']}",
                  "for neuron, row in zip(layer.neurons, rows):",
                  "    for p, x in zip(neuron.w + [neuron.b], row):", "        p.data = x"]
    else:
        sizes = [len(r) for r in args["rows"]]
        lines += ["from nn import MLP" + (", train" if scenario == "train" else ""),
                  f"rows = {args['rows']}  # [w..., b] of each neuron, layer by layer",
                  f"model = MLP({args['nin']}, {sizes})", _SET]
        if "xs" in args:
            lines += [f"xs = {args['xs']}", f"ys = {args['ys']}"]
    if scenario == "zero_grad":
        lines += ["for p in model.parameters():", "    p.grad = 1.0", "model.zero_grad()"]
    elif scenario == "gradients":
        lines += ["ypred = [model(x) for x in xs]",
                  "loss = sum((yout - ygt) ** 2 for ygt, yout in zip(ys, ypred))", "loss.backward()"]
    elif scenario == "train":
        lines.append(f"losses = train(model, xs, ys, {args['steps']}, {args['learning_rate']})")
    if diff is not None:
        lines.append(_last_line(scenario, args, diff))
    else:   # the student's code raised: end with the calls the check made, so the paste raises too
        lines += _calls(scenario, args)
    return "\n".join(lines)


def _calls(scenario: str, args: dict) -> list:
    """What the check calls after building, for an example that must end where the code raises."""
    inputs = args.get("inputs", [])
    if scenario in ("neuron", "layer", "mlp"):
        obj = {"neuron": "n", "layer": "layer", "mlp": "model"}[scenario]
        return [f"for x in {inputs}:", f"    {obj}(x)"]
    if scenario == "parameters":
        return ["model.layers[0].neurons[0].parameters()", "model.layers[0].parameters()", "model.parameters()"]
    return []   # zero_grad, gradients and train already end with their call


def _last_line(scenario: str, args: dict, diff) -> str:
    path, expected, actual = diff
    note = f"  # expected {judge.fmt(expected)}, got {judge.fmt(actual)}"
    inputs = args.get("inputs", [])
    head = path[0] if path else ""
    index = path[1] if len(path) > 1 and isinstance(path[1], int) else None
    if scenario == "neuron" and index is not None:
        return f"n({inputs[index]}).data" + note
    if scenario == "layer" and index is not None:
        one = len(args["rows"]) == 1
        return (f"layer({inputs[index]}).data" if one else
                f"layer({inputs[index]})[{path[2] if len(path) > 2 else 0}].data") + note
    if scenario == "mlp" and index is not None:
        return f"model({inputs[index]}).data" + note
    if scenario == "parameters":
        obj = {"neuron": "model.layers[0].neurons[0]", "layer": "model.layers[0]", "mlp": "model"}[head]
        field = path[1] if len(path) > 1 else ""
        if field == "count":
            return f"len({obj}.parameters())" + note
        if field == "repeated":
            return f"len({obj}.parameters()) - len({{id(p) for p in {obj}.parameters()}})  # repeated: " \
                   f"expected {judge.fmt(expected)}, got {judge.fmt(actual)}"
        if field == "index" and len(path) > 2 and isinstance(path[2], int):
            name = param_name(args["rows"], path[2])
            return (f"[i for i, p in enumerate({obj}.parameters()) if p is {name}]"
                    f"  # expected [{int(expected)}], got {_positions(actual)}")
    if head in ("grad", "data") and index is not None:
        return f"{param_name(args['rows'], index)}.{head}" + note
    if head == "loss":
        return "loss.data" + note
    if head == "losses" and index is not None:
        return f"losses[{index}]" + note
    return "# " + ".".join(str(p) for p in path) + note.strip()


def _positions(actual) -> str:
    if isinstance(actual, float) and actual < 0:
        return "[] (not in the list)"
    return f"[{int(actual)}]" if isinstance(actual, float) else str(actual)

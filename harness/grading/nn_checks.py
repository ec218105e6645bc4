"""Checks of kind ``nn`` (exercise 05_nn): one scenario of ``harness.core.nn_scenarios``.

The worker runs the scenario on the student's ``nn`` module; the grader runs
it on ``reference/nn.py`` for the expected numbers and compares them. When
they differ, the nn bug models (``harness.diagnosis.nn_models``) say which misconception
gives the student's numbers: a model that gives them on this scenario, and on
every other scenario when several would, names the failure with its catalogue
id (``zero-grad-missing``, ...). The example is Python to paste.
"""
from __future__ import annotations

import math
import random
import time
import zlib

from harness.diagnosis import catalogue
from harness.graphs import judge
from harness.graphs.judge import CheckOutcome
from harness.diagnosis import nn_models
from harness.core import nn_scenarios
from harness.sandbox.process import WorkerFailure
from harness.core.kinds import GRADIENT_MISMATCH, INVALID_RESULT, TIMEOUT, VALUE_MISMATCH, WORKER_CRASH

# The lecture's dataset and network.
XS = [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]]
YS = [1.0, -1.0, -1.0, 1.0]
NIN, SIZES, STEPS, LEARNING_RATE = 3, (4, 4, 1), 20, 0.05


def scenario_args(scenario: str, seed: int, where: str) -> dict:
    """The numbers of one scenario: weights with two decimals, so the example prints them exactly."""
    rng = random.Random(zlib.crc32(f"{seed}:{where}".encode()))

    def row(nin):
        return [round(rng.uniform(-1, 1), 2) for _ in range(nin + 1)]

    sizes = [NIN] + list(SIZES)
    rows = [[row(sizes[i]) for _ in range(sizes[i + 1])] for i in range(len(SIZES))]
    if scenario == "neuron":
        return {"nin": NIN, "row": row(NIN), "inputs": XS[:2]}
    if scenario == "layer":
        return {"nin": NIN, "rows": [row(NIN) for _ in range(4)], "inputs": XS[:2]}
    if scenario in ("mlp",):
        return {"nin": NIN, "rows": rows, "inputs": XS}
    if scenario in ("parameters", "zero_grad"):
        return {"nin": NIN, "rows": rows}
    if scenario == "gradients":
        return {"nin": NIN, "rows": rows, "xs": XS[:2], "ys": YS[:2]}
    if scenario == "train":
        return {"nin": NIN, "rows": rows, "xs": XS, "ys": YS, "steps": STEPS, "learning_rate": LEARNING_RATE}
    raise ValueError(f"unknown nn scenario {scenario!r}; known: {', '.join(nn_scenarios.SCENARIOS)}")


def expected(scenario: str, args: dict, defect: str = "") -> dict | None:
    """The numbers of the reference (or of the bug model ``defect``), None when it raises."""
    if defect:
        from harness.reference.engine import Value
        nn = nn_models.module(Value, defect)
    else:
        from harness.reference import nn
    try:
        return _as_worker_says(nn_scenarios.run(nn, scenario, args))
    except Exception:  # noqa: BLE001 - a model that cannot run this scenario gives no numbers
        return None


def _as_worker_says(x):
    """Numbers as the worker answers them: a non-finite float is a string saying which."""
    if isinstance(x, dict):
        return {k: _as_worker_says(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_as_worker_says(v) for v in x]
    x = float(x)
    if math.isnan(x):
        return "NaN"
    return x if math.isfinite(x) else "infinity" if x > 0 else "-infinity"


def ask(asker, scenario: str, args: dict) -> dict:
    timeout = asker.deadline - time.monotonic()
    if timeout <= 0:
        raise WorkerFailure(TIMEOUT, "the check's time limit ran out")
    answer = asker.worker.call({"op": "nn", "module": "nn", "scenario": scenario, "args": args}, timeout)
    if not isinstance(answer, dict):
        raise WorkerFailure(WORKER_CRASH, "the worker's answer is not a record")
    if isinstance(answer.get("forbidden"), list):
        asker.forbidden.extend(str(x) for x in answer["forbidden"])
    return answer


def differences(want, got, path=()) -> list:
    """(path, expected, actual) for every number that differs; actual may be a reason string."""
    if isinstance(want, dict):
        if not isinstance(got, dict):
            return [(path, "a record", "something else")]
        return [d for k in want for d in differences(want[k], got.get(k), path + (k,))]
    if isinstance(want, list):
        if not isinstance(got, list) or len(got) != len(want):
            n = len(got) if isinstance(got, list) else "no"
            return [(path + ("len",), len(want), f"{n} values")]
        return [d for i, (w, g) in enumerate(zip(want, got)) for d in differences(w, g, path + (i,))]
    if isinstance(want, str):   # a model that overflowed: the student's must too, the same way
        return [] if got == want else [(path, want, got if isinstance(got, (str, float)) else "not a number")]
    if isinstance(got, bool) or not isinstance(got, (int, float)):
        return [(path, want, str(got)[:80] if isinstance(got, str) else "not a number")]
    return [] if judge.close(float(want), float(got)) else [(path, want, float(got))]


def run_nn_check(check, rubric, asker, seed: int):
    from harness.graphs.nn_examples import example_code
    args = scenario_args(check.scenario, seed, f"{rubric.name}:{check.name}")
    answer = ask(asker, check.scenario, args)
    code = tuple(example_code(check.scenario, args, None).splitlines())
    if "error" in answer:
        failure = judge.exception_failure(answer["error"], None, True, code)
        return CheckOutcome(failure, 1)
    got, want = answer.get("result"), expected(check.scenario, args)
    diffs = differences(want, got)
    if not diffs:
        return CheckOutcome(None, 1)
    first = diffs[0]
    code = tuple(example_code(check.scenario, args, first).splitlines())
    invalid = isinstance(first[2], str)
    kind = INVALID_RESULT if invalid else GRADIENT_MISMATCH if "grad" in first[0] else VALUE_MISMATCH
    failure = judge.Failure(kind, _evidence(check.scenario, diffs, want), None, True, code=code)
    if not invalid:
        _name(failure, check.scenario, args, got, asker)
    return CheckOutcome(failure, 1)


def _evidence(scenario: str, diffs: list, want: dict) -> str:
    path, e, a = diffs[0]
    if scenario == "train" and path[0] == "losses" and isinstance(path[1], int):
        step, steps = path[1], len(want["losses"])
        agree = f"agree with the reference for the first {step} steps and " if step else ""
        return (f"the losses of train() {agree}part from it at step {step + 1} of {steps} "
                f"(counting from 1): expected {judge.fmt(e)}, got {judge.fmt(a)}")
    where = str(path[0]) + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path[1:])
    more = f" ({len(diffs) - 1} more numbers differ)" if len(diffs) > 1 else ""
    return f"{_WHAT[scenario]}: {where} expected {judge.fmt(e)}, got {judge.fmt(a)}{more}"


_WHAT = {"neuron": "the neuron's outputs", "layer": "the layer's outputs", "mlp": "the MLP's outputs",
         "parameters": "parameters()", "zero_grad": "gradients after zero_grad()",
         "gradients": "the loss and its gradients", "train": "train()"}


def _name(failure, scenario: str, args: dict, got, asker) -> None:
    """Give ``failure`` the catalogue id of the one nn misconception that explains it."""
    found = [d for d in nn_models.DEFECTS
             if (m := expected(scenario, args, d)) is not None and not differences(m, got)]
    if len({nn_models.catalogue_id(d) for d in found}) > 1:
        found = _explaining_everything(found, scenario, asker)
    ids = {nn_models.catalogue_id(d) for d in found}
    if len(ids) != 1:
        return
    entry = catalogue.ENTRIES[ids.pop()]
    failure.kind = entry.id
    failure.message = (f"{failure.message[0].upper()}{failure.message[1:]}. Your numbers are those of a net "
                       f"where {nn_models.DEFECTS[found[0]]}. {entry.explanation}")


def _explaining_everything(found: list, scenario: str, asker) -> list:
    """The candidates that also give the student's numbers on every other scenario."""
    for other in nn_scenarios.SCENARIOS:
        if other == scenario or len(found) <= 1:
            continue
        args = scenario_args(other, 0, f"diagnosis:{other}")
        try:
            answer = ask(asker, other, args)
        except WorkerFailure:
            return found
        got = answer.get("result")
        if got is None:
            continue
        found = [d for d in found if (m := expected(other, args, d)) is not None and not differences(m, got)]
    return found

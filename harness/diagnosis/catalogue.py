"""The catalogue of misconceptions: stable ids, titles, explanations, advice.

A diagnosis carries exactly one of these ids, each a constant here. Two of them
end in the operation's family (``wrong-derivative-tanh``): ``SUFFIXED``, read
by ``with_family`` and ``family_suffix``. How each is recognised lives
in ``harness.diagnosis.diagnose`` (probes and bug models); this module only says what
each one is, why it gives wrong numbers, and what to change.
"""
from __future__ import annotations

from dataclasses import dataclass

from harness.core import ops as _ops
from harness.core.kinds import (EXCEPTION, FORBIDDEN_IMPORT, GRADIENT_MISMATCH, IMPORT_ERROR,
                                INVALID_RESULT, NOT_IMPLEMENTED, RESOURCE_LIMIT, TIMEOUT,
                                VALUE_MISMATCH, WORKER_CRASH)

# The families of the built-in exercises, and those only a course's rubric adds (log,
# sigmoid): their symbols and derivatives come from the operation table (harness.core.ops),
# so a row added there needs no edit here.
FAMILIES = _ops.BUILTIN_FAMILIES
COURSE_FAMILIES = tuple(f for f in _ops.FAMILIES if f not in FAMILIES)

# The engine's misconceptions (exercises 01 to 04) ...
GRAD_OVERWRITE = "grad-overwrite"
MISSING_GRAD_SEED = "missing-grad-seed"
BACKWARD_NOT_PROPAGATING = "backward-not-propagating"
WRONG_TOPOLOGICAL_ORDER = "wrong-topological-order"
REPEATED_BACKWARD = "repeated-backward"
MISSING_CHAIN_RULE = "missing-chain-rule"
WRONG_DERIVATIVE = "wrong-derivative"
WRONG_FORWARD = "wrong-forward"
NUMBER_OPERAND = "number-operand"
REFLECTED_OPERAND = "reflected-operand"
MISSING_OPERATION = "missing-operation"
VALUE_IDENTITY = "value-identity"
RECURSION_DEPTH = "recursion-depth"
# ... and the neural-net layer's (exercise 05_nn).
ZERO_GRAD_MISSING = "zero-grad-missing"
PARAMETERS_INCOMPLETE = "parameters-incomplete"
WRONG_UPDATE = "wrong-update"
WRONG_FORWARD_NEURON = "wrong-forward-neuron"

# The ids that end in their operation's family (``wrong-derivative-tanh``): the one rule,
# read by ``with_family`` and ``family_suffix`` below and by everything that names an id.
SUFFIXED = (WRONG_DERIVATIVE, WRONG_FORWARD)


def with_family(defect_id: str, family: str) -> str:
    """The id a diagnosis carries: ``wrong-derivative`` in ``tanh`` is ``wrong-derivative-tanh``;
    the other ids stay as they are."""
    return f"{defect_id}-{family}" if defect_id in SUFFIXED else defect_id


def family_suffix(diagnosis_id: str) -> str | None:
    """The family a suffixed id ends in (``wrong-derivative-tanh``: ``tanh``); None for the others.

    Read by prefix, so the neural net's ``wrong-forward-neuron`` reads as ``neuron``, as it
    always has (no operation family has that name)."""
    for defect_id in SUFFIXED:
        if diagnosis_id.startswith(defect_id + "-"):
            return diagnosis_id[len(defect_id) + 1:] or None
    return None


@dataclass(frozen=True)
class Entry:
    id: str
    title: str
    explanation: str     # what it is and why it gives wrong numbers
    advice: str          # what to change


_ENTRIES = [
    Entry(GRAD_OVERWRITE, "{op} backward assigns the gradient instead of adding to it",
          "Your {op} `_backward` sets an input's gradient (`x.grad = ...`). A value used "
          "twice (`b = a + a`, or `a` feeding two operations) must receive the gradient of "
          "every use, but each assignment throws away the one before.",
          "Accumulate: `self.grad += ...` and `other.grad += ...` in {op}'s `_backward`."),
    Entry(MISSING_GRAD_SEED, "backward() does not start from a gradient of 1",
          "`backward()` must set the output's own gradient to 1 (d out / d out) before "
          "calling the `_backward` functions; without it every gradient stays 0.",
          "Set `self.grad = 1.0` at the start of `backward()`, before the loop."),
    Entry(BACKWARD_NOT_PROPAGATING, "backward() never runs the `_backward` of the nodes below the output",
          "`backward()` must call the `_backward` of every node, from the output down, so that each "
          "gradient reaches the inputs. Yours runs none of them (the loop is missing or never "
          "reached, its body is indented inside the sorting helper, it only resets the "
          "gradients, or there is no `backward` method at all), so every input's gradient stays 0.",
          "In `backward()`: build the topological order, set `self.grad = 1.0`, then "
          "`for node in reversed(topo): node._backward()`, at the level of `backward`'s own body."),
    Entry(WRONG_TOPOLOGICAL_ORDER, "_backward runs before all of a node's users have added their share",
          "Each node's `_backward` passes its gradient on, so it must run only after every "
          "node that uses it has run. Your order (no sort, a sort that is not reversed, or a "
          "breadth-first walk from the output) lets some run too early.",
          "Build a topological order (inputs before outputs) with a visited set, then call "
          "`_backward` over it in *reverse*."),
    Entry(REPEATED_BACKWARD, "some _backward runs more than once in one backward()",
          "A node reached by two paths gets its `_backward` called twice (recursion without "
          "a topological sort, or a sort without a visited set), so its inputs receive its "
          "gradient twice.",
          "Sort the graph once, remembering visited nodes, and call each `_backward` exactly once."),
    Entry(MISSING_CHAIN_RULE, "{op} backward does not multiply by the output's gradient",
          "The chain rule: an input's gradient gets (local derivative) * `out.grad`. Your {op} "
          "`_backward` adds the local derivative alone, which is right only when `out.grad` is 1.",
          "Multiply by `out.grad` in {op}'s `_backward`."),
    Entry(WRONG_DERIVATIVE, "the derivative of {op} is wrong",
          "{op}'s `_backward` passes a wrong local derivative to its inputs (or the result "
          "does not remember its inputs, so no gradient reaches them). It should be {derivative}.",
          "Fix the local derivative in {op}'s `_backward`, and pass the inputs as the result's children."),
    Entry(WRONG_FORWARD, "the value computed by {op} is wrong",
          "{op} returns a Value whose `.data` is not what the operation gives for these inputs.",
          "Check the formula in {op}, with the example's numbers."),
    Entry(NUMBER_OPERAND, "a plain number on the right fails or is mishandled",
          "`a + 2`, `a * 3`: the number must be wrapped in a Value (or used as a number) "
          "before its `.data` is read.",
          "Start each binary operation with `other = other if isinstance(other, Value) else Value(other)`."),
    Entry(REFLECTED_OPERAND, "a plain number on the left fails or is mishandled",
          "`2 + a`, `3 * a`, `1 - a`, `2 / a` (and so `sum(values)`, which starts from 0) "
          "call `__radd__`, `__rmul__`, `__rsub__`, `__rtruediv__`. They must exist, and the "
          "order matters: `1 - a` is not `a - 1`.",
          "Define `__radd__`/`__rmul__` as `self + other`/`self * other`, `__rsub__` as "
          "`other + (-self)`, `__rtruediv__` as `other * self**-1`."),
    Entry(MISSING_OPERATION, "an operation the exercise needs does not exist",
          "{op} is not defined on your Value, so Python cannot apply it.",
          "Add {op} to your Value class."),
    Entry(VALUE_IDENTITY, "distinct Values with equal data are treated as one node",
          "Your `__eq__`/`__hash__` compare `.data`, so two different Values that happen to hold "
          "the same number count as one in the visited set (and in `set(_children)`): part of "
          "the graph is skipped.",
          "Remove `__eq__`/`__hash__` from Value (identity is what the graph needs), or keep "
          "them off the topological sort."),
    Entry(RECURSION_DEPTH, "backward() fails on a deep graph because the sort recurses",
          "Your topological sort calls itself once per level, so a chain deeper than Python's "
          "recursion limit (about 1,000) raises RecursionError.",
          "Sort with an explicit stack (a list) instead of recursion."),
]
# The neural-net layer (exercise 05_nn), recognised by harness.grading.nn_checks with harness.diagnosis.nn_models.
_NN_ENTRIES = [
    Entry(ZERO_GRAD_MISSING, "Gradients are carried over from one training step to the next",
          "`backward()` adds into `.grad`, so each step must start from 0: without resetting the "
          "gradients before `loss.backward()` (or with a `zero_grad()` that misses some parameters), "
          "every step adds its gradient to all the earlier ones and the updates grow.",
          "Call `model.zero_grad()` (every parameter's `.grad = 0.0`) before `loss.backward()` in each step."),
    Entry(PARAMETERS_INCOMPLETE, "parameters() misses a parameter or lists one twice",
          "`parameters()` must list every weight and every bias exactly once: neuron by neuron "
          "(weights then bias), layer by layer. A parameter left out is never updated (nor reset); "
          "one listed twice is updated twice per step.",
          "Return `self.w + [self.b]` in Neuron, and concatenate the neurons' and layers' lists once each."),
    Entry(WRONG_UPDATE, "The update step does not go down the gradient by learning_rate",
          "Gradient descent moves each parameter against its gradient, scaled: "
          "`p.data -= learning_rate * p.grad`. Adding goes uphill (the loss grows); leaving out "
          "the learning rate takes steps far too large.",
          "Write the update as `p.data -= learning_rate * p.grad` for every parameter."),
    Entry(WRONG_FORWARD_NEURON, "The neuron does not compute tanh(w·x + b)",
          "A neuron's output is `tanh(sum(wi * xi) + b)`: every weight times its input, plus the "
          "bias, through tanh. Yours leaves out the bias or the tanh, or sums something else.",
          "Write `act = sum((wi * xi for wi, xi in zip(self.w, x)), self.b)` and return `act.tanh()`."),
]
ENTRIES = {e.id: e for e in _ENTRIES + _NN_ENTRIES}
# Ids that concern one operation: a diagnosis with one of them names its family.
PER_OPERATION = (GRAD_OVERWRITE, MISSING_CHAIN_RULE, WRONG_DERIVATIVE, WRONG_FORWARD, MISSING_OPERATION)


def all_ids() -> list:
    """Every engine id a diagnosis can carry from the catalogue (per-operation ids expanded);
    the neural-net layer's ids (exercise 05_nn) are not among them."""
    ids = []
    for e in _ENTRIES:
        if e.id in SUFFIXED:
            ids.extend(with_family(e.id, f) for f in FAMILIES)
        else:
            ids.append(e.id)
    return ids


def describe(defect_id: str, family: str = "") -> Entry:
    """The entry for ``defect_id`` with the operation filled in."""
    entry = ENTRIES[defect_id]
    known = family in _ops.FAMILIES
    fields = {"op": _ops.symbol(family) if known else family or "an operation",
              "derivative": (_ops.family_field(family, "says") if known else "")
              or "the operation's derivative"}
    title = entry.title.format(**fields)
    return Entry(entry.id, title[0].upper() + title[1:], entry.explanation.format(**fields),
                 entry.advice.format(**fields))


# Ids that name what happened rather than a misconception: a failed check that
# no misconception explains carries one of these.
# (Defined in harness.core.kinds, which the layers below the diagnosis also read.)
GENERIC_TITLES = {
    NOT_IMPLEMENTED: "Not implemented yet",
    IMPORT_ERROR: "The submission cannot be imported",
    EXCEPTION: "Your code raised an exception",
    TIMEOUT: "Time limit exceeded",
    RESOURCE_LIMIT: "Resource limit exceeded",
    WORKER_CRASH: "The submission ended the grader's worker",
    INVALID_RESULT: "A result is not a number",
    VALUE_MISMATCH: "A forward value is wrong",
    GRADIENT_MISMATCH: "A gradient is wrong",
    FORBIDDEN_IMPORT: "A forbidden package was imported",
}

"""Bug models: the reference engine with chosen misconceptions switched on.

A model is an engine like the student's, built from the operation table, with
a set of ``Defect``s (each a catalogue id, the operation family it lives in,
and the way it shows) and a composition style: which operations are written
in terms of others, as the lecture writes ``a - b`` as ``a + (-b)``. The
diagnosis builds probe graphs with candidate models in the grader's process
and keeps the set of defects whose numbers match the student's; the audit
runs a model through the worker exactly like a student's file.

Standard library and the operation table only.
"""
from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field

from harness.core.ops import OPS_BY_NAME

# The lecture's compositions: family -> the family whose _backward its result carries
# (a - b is a + (-b), -a is a * -1, a / b is a * b**-1) ...
LECTURE_STYLE = {"sub": "add", "neg": "mul", "div": "mul"}
# ... and every family it is built from.
BUILT_FROM = {"sub": ("add", "neg"), "neg": ("mul",), "div": ("mul", "pow")}


@dataclass(frozen=True, order=True)
class Defect:
    """One misconception: a catalogue id, its operation family, and a variant."""

    id: str
    family: str = ""
    variant: str = ""

    def key(self) -> str:
        """The id a diagnosis carries: per-operation ids end in the family."""
        if self.id in ("wrong-derivative", "wrong-forward"):
            return f"{self.id}-{self.family}"
        return self.id

    def __str__(self) -> str:
        return f"{self.id}:{self.family}:{self.variant}"

    @property
    def name(self) -> str:
        """For people: ``grad-overwrite-add``, ``wrong-topological-order-breadth-first``."""
        return "-".join(p for p in (self.id, self.family, self.variant) if p)

    @classmethod
    def parse(cls, text: str) -> "Defect":
        return cls(*text.split(":", 2))


@dataclass(frozen=True)
class Model:
    defects: frozenset = frozenset()
    derived: tuple = tuple(sorted(LECTURE_STYLE.items()))  # (family, base) pairs


# Wrong local derivatives students write, by family: f(x, y_or_k, out) -> locals.
WRONG_DERIVATIVES = {
    "add": {"first-input-only": lambda x, y, o: (1.0, 0.0)},
    "mul": {"own-data": lambda x, y, o: (x, y)},
    "sub": {"sign": lambda x, y, o: (1.0, 1.0)},
    "neg": {"sign": lambda x, y, o: (1.0,)},
    "div": {"sign": lambda x, y, o: (1.0 / y, x / (y * y))},
    "pow": {"power-not-lowered": lambda x, k, o: (k * x ** k,),
            "missing-k": lambda x, k, o: (x ** (k - 1),)},
    "exp": {"uses-input": lambda x, k, o: (x,)},
    "tanh": {"uses-input": lambda x, k, o: (1.0 - x * x,),
             "not-squared": lambda x, k, o: (1.0 - o,)},
    "relu": {"always-one": lambda x, k, o: (1.0,)},
}
# Wrong forward values, for the audit's models (the diagnosis finds any wrong forward).
WRONG_FORWARDS = {
    "add": lambda x, y: x * y, "mul": lambda x, y: x + y, "sub": lambda x, y: y - x,
    "neg": lambda x, k=None: x, "div": lambda x, y: y / x, "pow": lambda x, k: x * k,
    "exp": lambda x, k=None: math.exp(-x), "tanh": lambda x, k=None: math.tanh(x / 2),
    "relu": lambda x, k=None: min(0.0, x),
}
_SELF_WORK_LIMIT = 200_000  # a no-visited topological sort can blow up: stop early


def model_class(model: Model, flip: int = 0) -> type:
    """A Value class that behaves like ``model``.

    ``flip`` (0 to 7) chooses the order in which each node's inputs are
    visited, from the node's creation index (so every run is the same). All give
    valid topological orders; they differ only where the result depends on the
    order taken (an assigning ``_backward``: the last assignment wins; a sort
    without a visited set).
    """
    defects = model.defects
    derived = dict(model.derived)

    def has(id_, family="", variant=None):
        return any(d.id == id_ and d.family == family and (variant is None or d.variant == variant)
                   for d in defects)

    identity_by_data = has("value-identity")
    created = itertools.count()

    class Value:
        __slots__ = ("data", "grad", "_prev", "_backward", "_op", "_n", "__weakref__")

        def __init__(self, data, _children=(), _op=""):
            self._n = next(created)  # creation order: deterministic, unlike id()
            self.data = data
            self.grad = 0.0
            # Children are a set in the lecture (``b * b`` has one child): deduplicate.
            self._prev = tuple(dict.fromkeys(_children))
            self._backward = lambda: None
            self._op = _op

        if identity_by_data:
            def __eq__(self, other):
                return isinstance(other, Value) and self.data == other.data

            def __hash__(self):
                return hash(self.data)

        def backward(self):
            _backward_pass(self, defects, flip)

        def __repr__(self):
            return f"Value(data={self.data}, grad={self.grad})"

    def apply(row: str, inputs: list, k=None):
        op = OPS_BY_NAME[row]
        family = op.family
        if has("missing-operation", family):
            raise AttributeError(f"'Value' object has no attribute for {family}")
        xs = [v.data for v in inputs]
        y = xs[1] if op.arity == 2 else k
        forward = WRONG_FORWARDS[family] if has("wrong-forward", family) else op.forward
        out = Value(forward(xs[0], y), () if has("wrong-derivative", family, "no-graph") else inputs, row)
        wrong = next((d for d in defects if d.id == "wrong-derivative" and d.family == family
                      and d.variant in WRONG_DERIVATIVES.get(family, {})), None)
        no_chain = has("missing-chain-rule", family)
        # Which inputs assign: all, or only the first or second (one line of two fixed).
        overwrite = next((d.variant or "all" for d in defects
                          if d.id == "grad-overwrite" and d.family == family), "")
        assigns = {"all": (0, 1), "first": (0,), "second": (1,)}.get(overwrite, ())

        def _backward():
            x0 = xs[0]
            if wrong is not None:
                local = WRONG_DERIVATIVES[family][wrong.variant](x0, y, out.data)
            else:
                local = op.derivative(x0, y, out.data)
            for index, (v, d) in enumerate(zip(inputs, local)):
                contribution = d if no_chain else d * out.grad
                if index in assigns:
                    v.grad = contribution
                else:
                    v.grad += contribution
        if out._prev:
            _backward.__code__ = _family_code(_backward.__code__, family)
            out._backward = _backward
        return out

    def lift(x):
        return x if isinstance(x, Value) else Value(x)

    def binary(family):
        base = derived.get(family)

        def method(self, other):
            if not isinstance(other, Value):
                if has("number-operand", variant="raises"):
                    raise AttributeError(f"'{type(other).__name__}' object has no attribute 'data'")
                if base is None:  # a number on the right is lifted to a Value, as in micrograd
                    return apply(family, [self, lift(other)])
            if base is not None:
                return _derived(family, self, other)
            return apply(family, [self, other])
        return method

    def _derived(family, a, b):
        if family == "sub":
            return a + (-b)
        if family == "div":
            return a * b ** -1
        raise ValueError(family)

    def neg(self):
        if derived.get("neg"):
            return self * -1
        return apply("neg", [self])

    def reflected(row):
        def method(self, other):
            if has("reflected-operand", variant="raises"):
                raise TypeError(f"unsupported operand type(s): '{type(other).__name__}' and 'Value'")
            if has("reflected-operand", variant="swapped"):
                return {"radd": lambda: self + other, "rmul": lambda: self * other,
                        "rsub": lambda: self - other, "rdiv": lambda: self / other}[row]()
            if row == "rsub":  # the lecture's other + (-self), or lift(other) - self
                return other + (-self) if derived.get("sub") else lift(other) - self
            if row == "rdiv":  # the lecture's other * self**-1, or lift(other) / self
                return other * self ** -1 if derived.get("div") else lift(other) / self
            return {"radd": lambda: self + other, "rmul": lambda: self * other}[row]()
        return method

    Value.__add__ = binary("add")
    Value.__mul__ = binary("mul")
    Value.__sub__ = binary("sub")
    Value.__truediv__ = binary("div")
    Value.__neg__ = neg
    for row, method in (("radd", "__radd__"), ("rmul", "__rmul__"), ("rsub", "__rsub__"),
                        ("rdiv", "__rtruediv__")):
        setattr(Value, method, reflected(row))
    Value.__pow__ = lambda self, k: apply("pow", [self], k)
    Value.exp = lambda self: apply("exp", [self])
    Value.tanh = lambda self: apply("tanh", [self])
    Value.relu = lambda self: apply("relu", [self])
    for op in OPS_BY_NAME.values():   # the methods of rows a course adds (log, sigmoid)
        if op.operand == "unary" and op.method and not hasattr(Value, op.method):
            setattr(Value, op.method, (lambda row: lambda self: apply(row, [self]))(op.name))
    for d in defects:
        if d.id == "missing-operation" and d.family in ("exp", "tanh", "relu"):
            delattr(Value, d.family)
        elif d.id == "missing-operation" and d.family in ADDED_FAMILIES and hasattr(Value, d.family):
            delattr(Value, d.family)
    if has("backward-not-propagating", variant="missing"):  # a work-in-progress commit
        del Value.backward
    return Value


_CODES: dict = {}


def _family_code(code, family: str):
    """The closure's code, with a first line of its own per family.

    A student's engine writes each operation's ``_backward`` in its own method,
    and the diagnosis tells how ``a - b`` was written from where its closure
    was written. The models share one ``apply``; this keeps that signal true.
    """
    key = (code, family)
    if key not in _CODES:
        _CODES[key] = code.replace(co_firstlineno=code.co_firstlineno + 1000 * (1 + FAMILY_ORDER.index(family)))
    return _CODES[key]


FAMILY_ORDER = ("add", "mul", "sub", "neg", "div", "pow", "exp", "tanh", "relu")

# The operations a course adds (harness.core.ops: log, sigmoid), and their misconceptions.
ADDED_FAMILIES = ("log", "sigmoid")
FAMILY_ORDER = FAMILY_ORDER + ADDED_FAMILIES
WRONG_DERIVATIVES.update({
    # d/dx log(x) = 1/x: written 1/out.data (the output's data) instead of 1/self.data
    "log": {"one-over-output": lambda x, k, o: (1.0 / o,)},
    # d/dx sigmoid(x) = s(1 - s): written s alone, or x(1 - x) from the input's data
    "sigmoid": {"output-only": lambda x, k, o: (o,),
                "uses-input": lambda x, k, o: (x * (1.0 - x),)},
})
WRONG_FORWARDS.update({"log": lambda x, k=None: math.log10(x),          # math.log10 for the natural log
                       "sigmoid": lambda x, k=None: 1.0 / (1.0 + math.exp(x))})   # the sign of x lost


def _backward_pass(root, defects, flip: int = 0) -> None:
    """``backward()`` with the engine-level defects of ``defects``."""
    ids = {d.id: d for d in defects}
    stalled = ids.get("backward-not-propagating")
    if stalled is not None and stalled.variant == "nothing":
        return   # the body indented inside the helper: backward() only defines it
    if "missing-grad-seed" not in ids:
        root.grad = 1.0
    if stalled is not None:
        return   # "seeded": the gradients reset, the output seeded, no _backward called
    order = ids.get("wrong-topological-order")
    repeated = ids.get("repeated-backward")
    # Order k reverses a node's inputs when bit (creation index mod 3) of k is set:
    # 0 is as given, 7 reverses everywhere, and any three nodes in different
    # classes get every combination.
    children = lambda v: v._prev[::-1] if (flip >> (v._n % 3)) & 1 else v._prev  # noqa: E731
    if repeated is not None and repeated.variant == "recursive":
        _recursive_backward(root, children, [0])
        return
    if order is not None and order.variant == "breadth-first":
        nodes = _breadth_first(root, children)
    elif order is not None and order.variant == "pre-order":
        nodes = _pre_order(root, children)
    else:
        if "recursion-depth" in ids:
            topo = _recursive_topo(root, children)
        else:
            topo = _post_order(root, children, visited=repeated is None)
        nodes = topo if (order is not None and order.variant == "not-reversed") else topo[::-1]
    for node in nodes:
        node._backward()


def _post_order(root, children, visited: bool) -> list:
    topo, seen, stack = [], set(), [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            topo.append(node)
            continue
        if visited:
            if node in seen:
                continue
            seen.add(node)
        stack.append((node, True))
        stack.extend((c, False) for c in reversed(children(node)))
        if len(stack) > _SELF_WORK_LIMIT or len(topo) > _SELF_WORK_LIMIT:
            raise RuntimeError("the model's backward pass grew too large")
    return topo


def _recursive_topo(root, children) -> list:
    topo, seen = [], set()

    def build(v):
        if v not in seen:
            seen.add(v)
            for c in children(v):
                build(c)
            topo.append(v)
    build(root)
    return topo


def _recursive_backward(node, children, work) -> None:
    """Recursion without a topological sort: each node runs once per path to it."""
    work[0] += 1
    if work[0] > _SELF_WORK_LIMIT:
        raise RuntimeError("the model's backward pass grew too large")
    node._backward()
    for child in children(node):
        _recursive_backward(child, children, work)


def _breadth_first(root, children) -> list:
    order, seen, queue = [], {id(root)}, [root]
    while queue:
        node = queue.pop(0)
        order.append(node)
        for c in children(node):
            if id(c) not in seen:
                seen.add(id(c))
                queue.append(c)
    return order


def _pre_order(root, children) -> list:
    order, seen, stack = [], set(), [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        order.append(node)
        stack.extend(reversed(children(node)))
    return order


@dataclass
class Style:
    """How a student composed operations, inferred from where closures were written."""

    derived: dict = field(default_factory=dict)

    def bases(self, family: str) -> set:
        """Every family a derived family is built from, directly or not ({} if primitive).

        ``a - b`` written ``a + (-b)`` with ``-b`` written ``b * -1``: {add, neg, mul}.
        """
        if family not in self.derived:
            return set()
        out = set()
        for base in BUILT_FROM[family]:
            out |= {base} | self.bases(base)
        return out

    def users(self, family: str) -> set:
        """The derived families built (directly or not) from ``family``."""
        return {f for f in self.derived if family in self.bases(f)}

    def model(self, defects=frozenset()) -> Model:
        return Model(frozenset(defects), tuple(sorted(self.derived.items())))

"""Bug models: the reference engine with chosen misconceptions switched on.

A model is an engine like the student's, in the shape of ``reference/engine.py``
(a ``Value`` with ``__add__``, ``__mul__``, ..., ``backward``, each operation
attaching its ``_backward`` closure), its numbers from the operation table, with
a set of ``Defect``s (each a catalogue id, the operation family it lives in,
and the way it shows) and a composition style: which operations are written
in terms of others, as the lecture writes ``a - b`` as ``a + (-b)`` (the
table's ``lecture`` forms). Each defect overrides one thing: a part of one
operation's method (its forward, its local derivative, whether it multiplies
by ``out.grad``, whether it assigns), one method (``backward``, the reflected
methods, ``__eq__``/``__hash__``), or deletes one. The diagnosis builds probe
graphs with candidate models in the grader's process and keeps the set of
defects whose numbers match the student's; the audit runs a model through the
worker exactly like a student's file.

The operation table and the catalogue's ids only (both load in the worker).
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from harness.core import ops
from harness.core.ops import FAMILIES, OPS, OPS_BY_NAME
from harness.diagnosis.catalogue import (BACKWARD_NOT_PROPAGATING, GRAD_OVERWRITE, MISSING_CHAIN_RULE,
                                         MISSING_GRAD_SEED, MISSING_OPERATION, NUMBER_OPERAND,
                                         RECURSION_DEPTH, REFLECTED_OPERAND, REPEATED_BACKWARD,
                                         VALUE_IDENTITY, WRONG_DERIVATIVE, WRONG_FORWARD,
                                         WRONG_TOPOLOGICAL_ORDER, with_family)

# The table's views the diagnosis and the audit read: family -> the family whose _backward
# the lecture's form carries (a - b is a + (-b): add) ...
LECTURE_STYLE = ops.lecture_style()
# ... and the wrong local derivatives students write, by family: variant -> f(x, y_or_k, out).
WRONG_DERIVATIVES = {family: ops.wrong_derivatives(family) for family in FAMILIES}


@dataclass(frozen=True, order=True)
class Defect:
    """One misconception: a catalogue id, its operation family, and a variant."""

    id: str
    family: str = ""
    variant: str = ""

    def key(self) -> str:
        """The id a diagnosis carries: ``wrong-derivative`` and ``wrong-forward`` end in the family."""
        return with_family(self.id, self.family)

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


_SELF_WORK_LIMIT = 200_000  # a no-visited topological sort can blow up: stop early
_ASSIGNS = {"all": (0, 1), "first": (0,), "second": (1,)}   # grad-overwrite's variants


@dataclass
class _Operation:
    """How a model computes one family: the table's row, but for the parts a defect overrides."""

    forward: object = None        # wrong-forward: the table's wrong_forward
    derivative: object = None     # wrong-derivative: one of the table's wrong_derivatives
    graph: bool = True            # wrong-derivative "no-graph": the result remembers no inputs
    chain: bool = True            # missing-chain-rule: the local derivative alone
    assigns: tuple | None = None  # grad-overwrite: the inputs whose gradient is assigned
    missing: bool = False         # missing-operation

    def override(self, defect: Defect) -> None:
        """Switch on ``defect`` (of this family); of two variants of one id the first stays."""
        if defect.id == WRONG_FORWARD:
            self.forward = ops.wrong_forward(defect.family)
        elif defect.id == WRONG_DERIVATIVE and defect.variant == "no-graph":
            self.graph = False
        elif defect.id == WRONG_DERIVATIVE and self.derivative is None:
            self.derivative = WRONG_DERIVATIVES[defect.family].get(defect.variant)
        elif defect.id == MISSING_CHAIN_RULE:
            self.chain = False
        elif defect.id == GRAD_OVERWRITE and self.assigns is None:
            self.assigns = _ASSIGNS.get(defect.variant or "all", ())
        elif defect.id == MISSING_OPERATION:
            self.missing = True


def _engine_level(defects, defect_id: str, variant=None) -> bool:
    return any(d.id == defect_id and not d.family and (variant is None or d.variant == variant)
               for d in defects)


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
    parts = {family: _Operation() for family in FAMILIES}
    for d in defects:   # in the set's order: the first of two variants of one id wins
        if d.family in parts:
            parts[d.family].override(d)
    numbers_raise = _engine_level(defects, NUMBER_OPERAND, "raises")
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

        def __add__(self, other):
            return binary("add", self, other)

        def __mul__(self, other):
            return binary("mul", self, other)

        def __sub__(self, other):
            return binary("sub", self, other)

        def __truediv__(self, other):
            return binary("div", self, other)

        def __neg__(self):
            return lecture("neg", self) if "neg" in derived else apply("neg", [self])

        def __pow__(self, k):
            return apply("pow", [self], k)

        def __radd__(self, other):
            return self + other

        def __rmul__(self, other):
            return self * other

        def __rsub__(self, other):   # the lecture's other + (-self), or other - self
            return lecture("rsub", self, other) if "sub" in derived else lift(other) - self

        def __rtruediv__(self, other):   # the lecture's other * self**-1, or other / self
            return lecture("rdiv", self, other) if "div" in derived else lift(other) / self

        def backward(self, order=None):   # ``order``: the diagnosis re-runs one graph in another
            _backward_pass(self, defects, flip if order is None else order)

        def __repr__(self):
            return f"Value(data={self.data}, grad={self.grad})"

    for op in OPS:   # exp, tanh, relu, and the methods of rows a course adds (log, sigmoid)
        if op.operand == "unary" and op.method and not hasattr(Value, op.method):
            setattr(Value, op.method, (lambda row: lambda self: apply(row, [self]))(op.name))

    def apply(row: str, inputs: list, k=None):
        """Operation ``row`` as the reference computes it, with its family's overrides."""
        op = OPS_BY_NAME[row]
        family = op.family
        part = parts[family]
        if part.missing:
            raise AttributeError(f"'Value' object has no attribute for {family}")
        xs = [v.data for v in inputs]
        y = xs[1] if op.arity == 2 else k
        out = Value((part.forward or op.forward)(xs[0], y), inputs if part.graph else (), row)
        derivative = part.derivative or op.derivative
        chain, assigns = part.chain, part.assigns or ()

        def _backward():
            local = derivative(xs[0], y, out.data)
            for index, (v, d) in enumerate(zip(inputs, local)):
                contribution = d * out.grad if chain else d
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

    def binary(family, a, b):
        if not isinstance(b, Value):
            if numbers_raise:   # number-operand: other.data read before a number is lifted
                raise AttributeError(f"'{type(b).__name__}' object has no attribute 'data'")
            if family not in derived:  # a number on the right is lifted to a Value, as in micrograd
                b = lift(b)
        return lecture(family, a, b) if family in derived else apply(family, [a, b])

    def lecture(row, *operands):
        form = ops.lecture_form(row)
        if form is None:
            raise ValueError(row)
        return form(*operands)

    _override_methods(Value, defects)
    return Value


def _override_methods(Value, defects) -> None:  # noqa: N803 - a class, named as in the lecture
    """The defects that replace, add or delete a method of the model's ``Value``."""
    if _engine_level(defects, REFLECTED_OPERAND, "raises"):
        def raises(self, other):
            raise TypeError(f"unsupported operand type(s): '{type(other).__name__}' and 'Value'")
        for op in OPS:
            if op.operand == "number-left":
                setattr(Value, op.method, raises)
    elif _engine_level(defects, REFLECTED_OPERAND, "swapped"):   # 1 - a computed as a - 1
        for op in OPS:
            if op.operand == "number-left":
                setattr(Value, op.method, OPS_BY_NAME[ops.VALUES_ONLY[f"{op.family}_values"]].apply)
    if _engine_level(defects, VALUE_IDENTITY):
        def __eq__(self, other):  # noqa: N807
            return isinstance(other, Value) and self.data == other.data

        def __hash__(self):  # noqa: N807
            return hash(self.data)
        Value.__eq__, Value.__hash__ = __eq__, __hash__
    for d in defects:   # a missing named method (exp, tanh, relu, log); a missing dunder raises in it
        method = ops.family_field(d.family, "method") if d.family else ""
        if d.id == MISSING_OPERATION and method and not method.startswith("__") \
                and method in vars(Value):
            delattr(Value, method)
    if _engine_level(defects, BACKWARD_NOT_PROPAGATING, "missing"):  # a work-in-progress commit
        del Value.backward


_CODES: dict = {}


def _family_code(code, family: str):
    """The closure's code, with a first line of its own per family.

    A student's engine writes each operation's ``_backward`` in its own method,
    and the diagnosis tells how ``a - b`` was written from where its closure
    was written. The models share one ``apply``; this keeps that signal true.
    """
    key = (code, family)
    if key not in _CODES:
        _CODES[key] = code.replace(co_firstlineno=code.co_firstlineno + 1000 * (1 + FAMILIES.index(family)))
    return _CODES[key]


def _backward_pass(root, defects, flip: int = 0) -> None:
    """``backward()`` with the engine-level defects of ``defects``."""
    ids = {d.id: d for d in defects}
    stalled = ids.get(BACKWARD_NOT_PROPAGATING)
    if stalled is not None and stalled.variant == "nothing":
        return   # the body indented inside the helper: backward() only defines it
    if MISSING_GRAD_SEED not in ids:
        root.grad = 1.0
    if stalled is not None:
        return   # "seeded": the gradients reset, the output seeded, no _backward called
    order = ids.get(WRONG_TOPOLOGICAL_ORDER)
    repeated = ids.get(REPEATED_BACKWARD)
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
        if RECURSION_DEPTH in ids:
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
        for base in ops.built_from(family):
            out |= {base} | self.bases(base)
        return out

    def users(self, family: str) -> set:
        """The derived families built (directly or not) from ``family``."""
        return {f for f in self.derived if family in self.bases(f)}

    def model(self, defects=frozenset()) -> Model:
        return Model(frozenset(defects), tuple(sorted(self.derived.items())))

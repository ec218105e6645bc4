"""The one table of operations.

Every operation the grader can put in a graph is one row here. The generator
draws rows, ``Graph.to_code`` prints them, the worker applies them to the
student's objects, the reference expectations come from building the same rows
with the reference ``Value``, and the bug models and the diagnosis read the
row's float forward and local derivative. Adding an operation is one row.

This module is imported by the worker process, so it uses the standard library
only and does no work at import beyond building the table.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

# Inputs are kept where every operation is defined and well-conditioned. The
# lecture's tanh is (exp(2x) - 1) / (exp(2x) + 1), which overflows near x = 355,
# and ReLU's derivative is ambiguous at 0: see notes/micrograd-pitfalls.md.
VALUE_CAP = 50.0          # |data| of every generated node stays below this
EXP_MAX = 3.5             # exp(3.5) ~ 33 < VALUE_CAP
TANH_MAX = 6.0            # beyond this tanh is flat and hides wrong derivatives
RELU_MIN_ABS = 0.1        # stay off the kink
DIVISOR_MIN_ABS = 0.5     # no division near 0
POWER_BASE_MIN = 0.25     # fractional powers need a positive base
LOG_MIN = 0.2             # log only of positive inputs, away from 0 (1/x stays below 5)
SIGMOID_MAX = 4.0         # beyond this sigmoid is flat (s(1-s) < 0.02) and hides wrong derivatives


@dataclass(frozen=True)
class Op:
    """One row: how an operation is written, applied, computed and derived.

    ``name`` is unique per row (``radd`` is ``2 + a``); ``family`` is the name
    the catalogue uses (``add`` for ``a + b``, ``a + 2`` and ``2 + a``).
    ``operand`` says where a plain number goes: ``values`` (two Values),
    ``number-right`` (``a + k``), ``number-left`` (``k + a``) or ``unary``.
    ``apply`` builds the result from engine objects; ``forward`` and
    ``derivative`` work on floats: ``derivative(x, y_or_k, out)`` returns the
    local derivative with respect to each Value input, in order.

    What the catalogue, the models and the worker need to name an operation is
    here too, per row: ``method`` (the Python method that computes it:
    ``__add__``, ``log``), ``symbol`` (how a message names the family:
    "`log()`") and ``says`` (its local derivative in words). They default to
    what the row's family already has elsewhere, so rows added later need only
    fill them in.

    Composition, on the family's first row (its Value row): ``lecture`` is how
    the lecture writes the row in other operations (``a - b`` as ``a + (-b)``),
    as a function of the row's operands; ``carries`` is the family whose
    ``_backward`` the lecture's result carries (``add`` for ``a - b``), and
    ``built_from`` every family the lecture's form uses. A reflected row
    (``1 - a``, ``2 / a``) has its own ``lecture`` when the lecture writes it
    apart. The bug models read these (``harness.diagnosis.models``), and so do
    the diagnosis and the per-family credit.

    What the bug models get wrong in the row's family, on its first row:
    ``wrong_forward`` (a float forward students write instead) and
    ``wrong_derivatives`` (``(variant, derivative)`` pairs, as ``derivative``).
    """

    name: str
    family: str
    template: str
    operand: str
    apply: Callable
    forward: Callable[[float, float | None], float]
    derivative: Callable[[float, float | None, float], tuple]
    valid: Callable[[float, float | None], bool]
    constants: tuple = ()
    method: str = ""
    symbol: str = ""
    says: str = ""
    lecture: Callable | None = None
    carries: str = ""
    built_from: tuple = ()
    wrong_forward: Callable | None = None
    wrong_derivatives: tuple = ()

    @property
    def arity(self) -> int:
        """How many Value inputs the operation reads."""
        return 2 if self.operand == "values" else 1

    @property
    def takes_number(self) -> bool:
        return self.operand in ("number-right", "number-left", "power")


def _always(x, y=None):
    return True


def _divisor_ok(y):
    return abs(y) >= DIVISOR_MIN_ABS


def _pow_ok(x, k):
    if k != int(k) and x < POWER_BASE_MIN:
        return False
    if k < 0 and abs(x) < DIVISOR_MIN_ABS:
        return False
    return True


_NUMBERS = (2.0, 3.0, -1.0, 0.5, -2.0, 1.5)

OPS: tuple[Op, ...] = (
    Op("add", "add", "{a} + {b}", "values", lambda a, b: a + b,
       lambda x, y: x + y, lambda x, y, o: (1.0, 1.0), _always,
       method="__add__", symbol="`+`",
       says="1 for both inputs",
       wrong_forward=lambda x, y: x * y,
       wrong_derivatives=(("first-input-only", lambda x, y, o: (1.0, 0.0)),)),
    Op("add_num", "add", "{a} + {k}", "number-right", lambda a, k: a + k,
       lambda x, k: x + k, lambda x, k, o: (1.0,), _always, _NUMBERS,
       method="__add__"),
    Op("radd", "add", "{k} + {a}", "number-left", lambda a, k: k + a,
       lambda x, k: k + x, lambda x, k, o: (1.0,), _always, _NUMBERS,
       method="__radd__"),
    Op("mul", "mul", "{a} * {b}", "values", lambda a, b: a * b,
       lambda x, y: x * y, lambda x, y, o: (y, x), _always,
       method="__mul__", symbol="`*`",
       says="the *other* input's data",
       wrong_forward=lambda x, y: x + y,
       wrong_derivatives=(("own-data", lambda x, y, o: (x, y)),)),
    Op("mul_num", "mul", "{a} * {k}", "number-right", lambda a, k: a * k,
       lambda x, k: x * k, lambda x, k, o: (k,), _always, _NUMBERS,
       method="__mul__"),
    Op("rmul", "mul", "{k} * {a}", "number-left", lambda a, k: k * a,
       lambda x, k: k * x, lambda x, k, o: (k,), _always, _NUMBERS,
       method="__rmul__"),
    Op("sub", "sub", "{a} - {b}", "values", lambda a, b: a - b,
       lambda x, y: x - y, lambda x, y, o: (1.0, -1.0), _always,
       method="__sub__", symbol="`-`",
       says="1 for the left input and -1 for the right one",
       lecture=lambda a, b: a + (-b), carries="add", built_from=("add", "neg"),
       wrong_forward=lambda x, y: y - x,
       wrong_derivatives=(("sign", lambda x, y, o: (1.0, 1.0)),)),
    Op("sub_num", "sub", "{a} - {k}", "number-right", lambda a, k: a - k,
       lambda x, k: x - k, lambda x, k, o: (1.0,), _always, _NUMBERS,
       method="__sub__"),
    Op("rsub", "sub", "{k} - {a}", "number-left", lambda a, k: k - a,
       lambda x, k: k - x, lambda x, k, o: (-1.0,), _always, _NUMBERS,
       method="__rsub__", lecture=lambda a, k: k + (-a)),
    Op("neg", "neg", "-{a}", "unary", lambda a, k=None: -a,
       lambda x, k=None: -x, lambda x, k, o: (-1.0,), _always,
       method="__neg__", symbol="unary `-`",
       says="-1",
       lecture=lambda a, k=None: a * -1, carries="mul", built_from=("mul",),
       wrong_forward=lambda x, k=None: x,
       wrong_derivatives=(("sign", lambda x, k, o: (1.0,)),)),
    Op("div", "div", "{a} / {b}", "values", lambda a, b: a / b,
       lambda x, y: x / y, lambda x, y, o: (1.0 / y, -x / (y * y)),
       lambda x, y: _divisor_ok(y),
       method="__truediv__", symbol="`/`",
       says="1/b for a and -a/b**2 for b",
       lecture=lambda a, b: a * b ** -1, carries="mul", built_from=("mul", "pow"),
       wrong_forward=lambda x, y: y / x,
       wrong_derivatives=(("sign", lambda x, y, o: (1.0 / y, x / (y * y))),)),
    Op("div_num", "div", "{a} / {k}", "number-right", lambda a, k: a / k,
       lambda x, k: x / k, lambda x, k, o: (1.0 / k,), _always, (2.0, 4.0, -0.5, 3.0),
       method="__truediv__"),
    Op("rdiv", "div", "{k} / {a}", "number-left", lambda a, k: k / a,
       lambda x, k: k / x, lambda x, k, o: (-k / (x * x),),
       lambda x, k: _divisor_ok(x), _NUMBERS,
       method="__rtruediv__", lecture=lambda a, k: k * a ** -1),
    Op("pow", "pow", "{a} ** {k}", "power", lambda a, k: a ** k,
       lambda x, k: x ** k, lambda x, k, o: (k * x ** (k - 1),), _pow_ok,
       (2.0, 3.0, -1.0, 0.5, -2.0, 1.5),
       method="__pow__", symbol="`**`",
       says="k * a**(k-1)",
       wrong_forward=lambda x, k: x * k,
       wrong_derivatives=(("power-not-lowered", lambda x, k, o: (k * x ** k,)),
                          ("missing-k", lambda x, k, o: (x ** (k - 1),)))),
    Op("exp", "exp", "{a}.exp()", "unary", lambda a, k=None: a.exp(),
       lambda x, k=None: math.exp(x), lambda x, k, o: (o,),
       lambda x, k=None: x <= EXP_MAX,
       method="exp", symbol="`exp()`",
       says="exp(a), the output's data",
       wrong_forward=lambda x, k=None: math.exp(-x),
       wrong_derivatives=(("uses-input", lambda x, k, o: (x,)),)),
    Op("tanh", "tanh", "{a}.tanh()", "unary", lambda a, k=None: a.tanh(),
       lambda x, k=None: math.tanh(x), lambda x, k, o: (1.0 - o * o,),
       lambda x, k=None: abs(x) <= TANH_MAX,
       method="tanh", symbol="`tanh()`",
       says="1 - tanh(a)**2, from the output's data",
       wrong_forward=lambda x, k=None: math.tanh(x / 2),
       wrong_derivatives=(("uses-input", lambda x, k, o: (1.0 - x * x,)),
                          ("not-squared", lambda x, k, o: (1.0 - o,)))),
    Op("relu", "relu", "{a}.relu()", "unary", lambda a, k=None: a.relu(),
       lambda x, k=None: x if x > 0 else 0.0,
       lambda x, k, o: (1.0 if x > 0 else 0.0,),
       lambda x, k=None: abs(x) >= RELU_MIN_ABS, method="relu", symbol="`relu()`",
       says="1 where the input is positive, else 0",
       wrong_forward=lambda x, k=None: min(0.0, x),
       wrong_derivatives=(("always-one", lambda x, k, o: (1.0,)),)),
    # Not in the built-in exercises' ops: a course adds them (EurekaLabsAI/micrograd has log).
    Op("log", "log", "{a}.log()", "unary", lambda a, k=None: a.log(),
       lambda x, k=None: math.log(x), lambda x, k, o: (1.0 / x,),
       lambda x, k=None: x >= LOG_MIN, method="log", symbol="`log()`",
       says="1/a, from the input's data (not from the output's)",
       wrong_forward=lambda x, k=None: math.log10(x),          # math.log10 for the natural log
       # 1/out.data (the output's data) instead of 1/self.data
       wrong_derivatives=(("one-over-output", lambda x, k, o: (1.0 / o,)),)),
    Op("sigmoid", "sigmoid", "{a}.sigmoid()", "unary", lambda a, k=None: a.sigmoid(),
       lambda x, k=None: 1.0 / (1.0 + math.exp(-x)), lambda x, k, o: (o * (1.0 - o),),
       lambda x, k=None: abs(x) <= SIGMOID_MAX, method="sigmoid", symbol="`sigmoid()`",
       says="s * (1 - s), where s = sigmoid(a) is the output's data",
       wrong_forward=lambda x, k=None: 1.0 / (1.0 + math.exp(x)),   # the sign of x lost
       # s alone, or x(1 - x) from the input's data
       wrong_derivatives=(("output-only", lambda x, k, o: (o,)),
                          ("uses-input", lambda x, k, o: (x * (1.0 - x),)))),
)

OPS_BY_NAME: dict[str, Op] = {op.name: op for op in OPS}
FAMILIES: tuple[str, ...] = tuple(dict.fromkeys(op.family for op in OPS))
# Families the built-in exercises use; the others (log, sigmoid) only a course's rubric adds.
BUILTIN_FAMILIES: tuple[str, ...] = ("add", "mul", "sub", "neg", "div", "pow", "exp", "tanh", "relu")


def family_field(family: str, name: str, default=""):
    """The first non-empty ``name`` field (method, symbol, says, ...) of the family's rows."""
    return next((getattr(op, name) for op in OPS if op.family == family and getattr(op, name)), default)


def symbol(family: str) -> str:
    """How a message names the family: "`+`", "unary `-`", "`log()`"."""
    return family_field(family, "symbol") or f"`{family}`"


def family_of_method(method: str) -> str:
    """The family of the row written in ``method`` (``__pow__``, ``__rsub__``, ``exp``), or ""."""
    return next((op.family for op in OPS if op.method == method), "")


def lecture_style() -> dict:
    """Family -> the family whose ``_backward`` its lecture form carries, for every family the
    lecture composes (``{"sub": "add", "neg": "mul", "div": "mul"}``), in the table's order."""
    return {f: family_field(f, "carries") for f in FAMILIES if family_field(f, "carries")}


def built_from(family: str) -> tuple:
    """Every family the lecture's form of ``family`` uses (``a - b`` is ``a + (-b)``: add, neg)."""
    return family_field(family, "built_from", ())


def lecture_form(row: str):
    """How the lecture writes row ``row`` through other operations, as a function of its
    operands (``a - b``: ``lambda a, b: a + (-b)``), or None: the row's own method."""
    return OPS_BY_NAME[row].lecture


def wrong_derivatives(family: str) -> dict:
    """Variant -> a wrong local derivative students write for ``family`` (in the table's order)."""
    return dict(family_field(family, "wrong_derivatives", ()))


def wrong_forward(family: str):
    """A wrong float forward students write for ``family`` (None if the table has none)."""
    return family_field(family, "wrong_forward", None)


# Names for the row of a family that reads two Values and no plain number.
VALUES_ONLY = {f"{op.family}_values": op.name for op in OPS if op.operand == "values"}


def rows_of(names) -> tuple[Op, ...]:
    """The rows named by ``names``: families, rows, or ``<family>_values``.

    A family (``add``) stands for all of its rows: ``a + b``, ``a + 2`` and
    ``2 + a``. A row name (``radd``) is that row alone; ``add_values`` is
    ``a + b`` alone. Unknown names raise ``KeyError`` naming the first unknown
    one, so a rubric can report it.
    """
    rows: dict[str, Op] = {}
    for name in names:
        if name in FAMILIES:
            rows.update((op.name, op) for op in OPS if op.family == name)
        elif name in VALUES_ONLY:
            rows[VALUES_ONLY[name]] = OPS_BY_NAME[VALUES_ONLY[name]]
        elif name in OPS_BY_NAME:
            rows[name] = OPS_BY_NAME[name]
        else:
            raise KeyError(name)
    return tuple(op for op in OPS if op.name in rows)

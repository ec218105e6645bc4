"""The student's ``.data`` and ``.grad`` as plain finite floats, or why they are not.

Accepted wherever ``float()`` gives the number without running student code:
ints and floats (subclasses included, through the base class's own
conversion), and NumPy's own scalars (``float32``, ``int64``, ``bool_``) and
0-d arrays of a real dtype. NumPy is never imported here: a NumPy object is
recognised by its type being NumPy's own compiled type (not a Python class a
submission could write, whatever its ``__module__`` says).

Everything this module calls is bound at import, before the submission runs,
so patching ``math.isnan`` or ``builtins.float`` changes nothing here.
"""
from __future__ import annotations

import math

_isnan, _isinf = math.isnan, math.isinf
_float, _int, _str, _type, _isinstance = float, int, str, type, isinstance
_float_of_float, _float_of_int = float.__float__, int.__float__
_HEAP_TYPE = 1 << 9          # Py_TPFLAGS_HEAPTYPE: a class made by a ``class`` statement
_REAL_KINDS = ("b", "i", "u", "f")   # NumPy dtype kinds float() reads without student code


def to_number(x):
    """A finite float from ``x``, else a short reason it is not a number."""
    if _isinstance(x, _float):
        v = _float_of_float(x)
    elif _isinstance(x, _int):
        try:
            v = _float_of_int(x)
        except OverflowError:
            return "an integer too large for a float"
    else:
        v = _numpy_number(x)
        if _isinstance(v, _str):
            return v
    if _isnan(v):
        return "NaN"
    if _isinf(v):
        return "infinity" if v > 0 else "-infinity"
    return v


def _numpy_number(x):
    """The float of a NumPy scalar or 0-d array, else why not (naming the type seen)."""
    cls = _type(x)
    if x is None:
        return "None"
    name = cls.__name__
    if cls.__module__ == "numpy" and not cls.__flags__ & _HEAP_TYPE:
        try:
            kind = x.dtype.kind
            shape = x.shape
        except Exception:  # noqa: BLE001 - not an array-like NumPy object
            kind, shape = "", None
        if kind in _REAL_KINDS and shape == ():
            try:
                return _float_of_float(_float(x))
            except Exception:  # noqa: BLE001
                pass
        if shape:
            return f"a numpy.{name} of shape {shape}, not a number; convert with float()"
        return f"a numpy.{name} object, not a real number; convert with float()"
    return f"a {name} object, not a number; convert with float()"

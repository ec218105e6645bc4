"""Facts the diagnosis asks of the student's class, read in the worker (plain values only).

* ``preset_grad_propagates``: does ``backward()`` reach the inputs once the caller
  has set the output's gradient? It tells a backward() without a seed (it does)
  from one that runs no ``_backward`` at all (it does not): on every graph both
  leave every gradient at 0.
* ``assigning_line``: the line of the first ``x.grad = ...`` in a ``_backward``,
  read from its bytecode, so that ``grad-overwrite`` points at the statement,
  not at ``def _backward():``.
"""
from __future__ import annotations


def preset_grad_propagates(value_class, to_number) -> bool | None:
    """Whether ``backward()`` reaches the inputs once the caller has set the output's gradient
    (as the lecture's by-hand cells do): no seed in backward() tells apart from no propagation."""
    try:
        a, b = value_class(2.0), value_class(-3.0)
        c = a * b
        d = c + a
        d.grad = 1.0
        d.backward()
        return any(isinstance(n, float) and n != 0.0 for n in (to_number(v.grad) for v in (a, b, c)))
    except BaseException:
        return None


_ASSIGNING: dict = {}


def assigning_line(code) -> int | None:
    """The line of the first ``x.grad = ...`` in a ``_backward`` (``x.grad += ...`` stores
    right after a SWAP/ROT_TWO; a plain assignment does not), or None."""
    if code not in _ASSIGNING:
        _ASSIGNING[code] = None
        try:
            import dis  # only when locating, for the diagnosis
            previous, line = None, None
            for ins in dis.get_instructions(code):
                if hasattr(ins, "line_number"):   # 3.13: starts_line became a bool
                    line = ins.line_number or line
                else:
                    line = ins.starts_line or line
                if ins.opname == "STORE_ATTR" and ins.argval == "grad" \
                        and (previous is None or previous.opname not in ("SWAP", "ROT_TWO")):
                    _ASSIGNING[code] = line if isinstance(line, int) else None
                    break
                previous = ins
        except BaseException:
            pass
    return _ASSIGNING[code]

"""Keep the worker honest when the submission patches what the worker uses.

A submission runs in the worker's own interpreter, so it can reassign
``json.loads``, ``math.isclose``, ``struct.pack``, ``os.write`` or
``builtins.isinstance``. The worker's code must not care:

* ``pin_builtins`` copies every builtin into the globals of the harness modules
  the worker runs, before the submission is imported; a global is found before
  a builtin, so ``builtins.abs = ...`` later changes nothing for them;
* the protocol (``harness.core.protocol``) and the number check
  (``harness.worker.numbers``) bind the functions they call at import;
* ``Watch`` remembers what the watched modules held before the submission ran,
  and ``changed()`` names what the submission replaced, for a warning to the
  instructor (the grade itself is decided on the numbers).
"""
from __future__ import annotations

import builtins
import json
import math
import operator
import os
import struct
import sys

# Modules whose attributes a submission might patch to talk the worker out of grading.
WATCHED = {"json": json, "math": math, "struct": struct, "operator": operator, "builtins": builtins,
           "os": os, "sys": sys}
_SYS_ATTRIBUTES = ("exit", "setrecursionlimit", "getrecursionlimit")  # sys changes on its own otherwise
_BUILTINS = tuple((name, value) for name, value in vars(builtins).items()
                  if not name.startswith("_") and name not in ("copyright", "credits", "license",
                                                               "exit", "quit", "help"))


def pin_builtins(modules) -> None:
    """Bind each builtin as a global of each module in ``modules`` (their own names kept)."""
    for module in modules:
        namespace = module.__dict__
        for name, value in _BUILTINS:
            if name not in namespace:
                namespace[name] = value


class Watch:
    """What the watched modules held before the submission ran."""

    def __init__(self) -> None:
        self._id, self._items = id, dict.items
        self.before = {(mod, attr): value for mod, module in WATCHED.items()
                       for attr, value in self._attributes(mod, module)}

    @staticmethod
    def _attributes(mod: str, module) -> list:
        if mod == "sys":
            return [(a, getattr(module, a)) for a in _SYS_ATTRIBUTES if hasattr(module, a)]
        return [(a, v) for a, v in vars(module).items() if not a.startswith("_") and callable(v)]

    def changed(self) -> list:
        """``json.loads``, ``builtins.abs``, ...: what the submission replaced or removed."""
        found = []
        for (mod, attr), value in self.before.items():
            now = WATCHED[mod].__dict__.get(attr, _MISSING)
            if now is not value:
                found.append(f"{mod}.{attr}")
        return sorted(found)


_MISSING = object()


def warning(names: list) -> str:
    """The instructor's warning for patched names (the grade is unaffected by them)."""
    shown = ", ".join(names[:8]) + (f" and {len(names) - 8} more" if len(names) > 8 else "")
    return (f"the submission replaced {shown} in the grader's worker; the worker had bound its own "
            "copies first, so the grade rests on the engine's numbers alone; worth a look by the instructor")

"""Which diagnoses pin a failure on one operation family, and which fail the whole engine.

The one place that says it (per-family credit in ``harness.grading.credit``
reads nothing else). A misconception confined to one operation costs that
operation's share of a check; one of the whole engine costs the whole check:

* pinned on a family: ``missing-operation``, ``wrong-forward-X``,
  ``wrong-derivative-X``, ``missing-chain-rule`` in one operation's
  ``_backward``, ``reflected-operand`` and ``number-operand`` (the family's
  number rows), and ``grad-overwrite`` inside one operation's ``_backward``;
* the whole engine: everything else (a missing seed, a wrong order,
  repeated backward, value identity, a recursive sort, exceptions nothing
  explains, timeouts anywhere else), and ``grad-overwrite`` found at the same line for two
  families, which is one shared helper that assigns.
"""
from __future__ import annotations

from harness.core.results import Diagnosis
from harness.core.kinds import EXCEPTION, TIMEOUT
from harness.diagnosis.catalogue import (GRAD_OVERWRITE, MISSING_CHAIN_RULE, MISSING_OPERATION,
                                         NUMBER_OPERAND, REFLECTED_OPERAND, WRONG_FORWARD, family_suffix)

# Ids that carry their family in ``Diagnosis.family`` (those that end in it, such as
# ``wrong-derivative-tanh``, are read by the catalogue's ``family_suffix``).
_PER_FAMILY = (MISSING_OPERATION, REFLECTED_OPERAND, NUMBER_OPERAND, GRAD_OVERWRITE, MISSING_CHAIN_RULE,
               TIMEOUT, EXCEPTION)
# Ids that show in forward values too: they break a family in a check without backward.
_FORWARD = (MISSING_OPERATION, REFLECTED_OPERAND, NUMBER_OPERAND, WRONG_FORWARD)


def family_of(diagnosis: Diagnosis, shared_lines: frozenset = frozenset()) -> str | None:
    """The family ``diagnosis`` pins, or None when it is a defect of the whole engine.

    ``shared_lines`` are the lines where ``grad-overwrite`` was found for more
    than one family (``shared_helper_lines``): an assignment there is not one
    operation's.
    """
    if diagnosis.id in _PER_FAMILY:
        if diagnosis.id == GRAD_OVERWRITE and diagnosis.line and diagnosis.line in shared_lines:
            return None
        return diagnosis.family or None
    return family_suffix(diagnosis.id)


def shows_forward(diagnosis_id: str) -> bool:
    """Whether the misconception changes forward values (so matters without backward)."""
    return diagnosis_id.startswith(_FORWARD)


def shared_helper_lines(diagnoses) -> frozenset:
    """Lines where ``grad-overwrite`` was located for two or more families."""
    families: dict = {}
    for d in diagnoses:
        if d.id == GRAD_OVERWRITE and d.line:
            families.setdefault(d.line, set()).add(d.family)
    return frozenset(line for line, fams in families.items() if len(fams) > 1)


__all__ = ["family_of", "shows_forward", "shared_helper_lines"]

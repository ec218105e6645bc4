"""Judge one graph: the reference's numbers against the worker's answer.

Expected numbers come from building the graph with the reference ``Value`` in
the grader's own process. The worker's answer is untrusted JSON: it is checked
for shape and type here, and a value that is not a finite number is an
invalid result, never something to compare. Only plain floats are compared.

A ``Failure`` keeps what the report needs: a generic id (the catalogue may
refine it), the graph, the values that differ, and the exception record.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache

from harness.core.graph import Graph, build
from harness.core.kinds import (EXCEPTION, GRADIENT_MISMATCH, IMPORT_ERROR, INVALID_RESULT,
                                NOT_IMPLEMENTED, RESOURCE_LIMIT, TIMEOUT, VALUE_MISMATCH)

REL_TOL = 1e-6
_PLAIN = {float, int}   # what JSON gives for a number (bool is not one of them)
_SHOWN_MISMATCHES = 4


@dataclass(frozen=True)
class Mismatch:
    index: int       # which value (leaves first, then nodes)
    field: str       # "data" or "grad"
    expected: float
    actual: object   # a float, or a string saying why it is not a number


@dataclass
class Failure:
    kind: str                     # a diagnosis id: value-mismatch, exception, ...
    message: str
    graph: Graph | None = None
    backward: bool = True
    mismatches: list = field(default_factory=list)
    error: dict | None = None     # the worker's record of an exception
    code: tuple | None = None     # how to print the graph, when not one line per value
    family: str = ""              # a timeout in one operation's _backward: that operation's family

    def sort_key(self) -> tuple:
        return self.graph.sort_key() if self.graph is not None else (1 << 30,)


@lru_cache(maxsize=4096)
def expected(graph: Graph, backward: bool) -> dict:
    """Every value's data (and grad) from the reference engine."""
    from harness.reference.engine import Value  # late: keeps the worker free of it
    values = build(graph, Value)
    if backward and graph.nodes:
        values[-1].backward()
    result = {"data": [float(v.data) for v in values]}
    if backward:
        result["grad"] = [float(v.grad) for v in values]
    return result


def close(expected_value: float, actual: float) -> bool:
    return abs(expected_value - actual) <= REL_TOL * max(1.0, abs(expected_value), abs(actual))


def judge(graph: Graph, answer, backward: bool, code: tuple | None = None) -> Failure | None:
    """None when the answer matches the reference, else the first kind of failure."""
    if not isinstance(answer, dict):
        return Failure(INVALID_RESULT, "the worker's answer for a graph is not a record", graph, backward)
    if "error" in answer:
        return exception_failure(answer["error"], graph, backward, code)
    want = expected(graph, backward)
    mismatches, invalid = [], []
    for fld in want:
        column = answer.get(fld)
        if not isinstance(column, list) or len(column) != graph.size:
            return Failure(INVALID_RESULT, f"the worker's answer has no complete list of .{fld} values",
                           graph, backward, code=code)
        if column == want[fld] and not set(map(type, column)) - _PLAIN and all(map(math.isfinite, column)):
            continue   # the reference's very numbers, as plain finite numbers: most answers, checked in C
        for i, (e, a) in enumerate(zip(want[fld], column)):
            if isinstance(a, str):
                invalid.append(Mismatch(i, fld, e, a[:80]))
            elif not isinstance(a, (int, float)) or isinstance(a, bool) or not math.isfinite(a):
                invalid.append(Mismatch(i, fld, e, "not a number"))
            elif not close(e, a):
                mismatches.append(Mismatch(i, fld, e, float(a)))
    if invalid:
        first = invalid[0]
        name = graph.names()[first.index]
        return Failure(INVALID_RESULT, f"{name}.{first.field} is {first.actual}, not a finite number",
                       graph, backward, invalid + mismatches, code=code)
    if not mismatches:
        return None
    data = [m for m in mismatches if m.field == "data"]
    if data:
        return Failure(VALUE_MISMATCH, "a forward value differs from the reference",
                       graph, backward, data, code=code)
    return Failure(GRADIENT_MISMATCH, "a gradient differs from the reference",
                   graph, backward, mismatches, code=code)


def exception_failure(error, graph: Graph | None, backward: bool, code: tuple | None = None) -> Failure:
    """A Failure from the worker's exception record (validated: it is untrusted)."""
    if not isinstance(error, dict):
        error = {}
    # Untrusted text: lone surrogates and the like would break every output format.
    error = {k: (_clean(v) if isinstance(v, str) else v) for k, v in error.items()
             if isinstance(v, (str, int)) and not isinstance(v, bool)}
    kind_name = str(error.get("type", "Exception"))[:60]
    message = str(error.get("message", ""))[:300]
    where = f" ({located(error)})" if located(error) else ""
    text = f"{kind_name}: {message}{where}" if message else f"{kind_name}{where}"
    if kind_name == "MissingEntry":  # the module has no class of that name
        return Failure(IMPORT_ERROR, f"the submission defines no class to grade: {message}; "
                       "define it at the top level of the file", graph, backward, error=error, code=code)
    if kind_name == "StillRunning":   # top-level code stopped by its CPU budget (harness.worker.budget)
        return Failure(TIMEOUT, f"importing the submission did not finish: {message}", graph, backward,
                       error=error, code=code)
    if kind_name == "NotImplementedError":
        return Failure(NOT_IMPLEMENTED, f"still a stub: {text}", graph, backward, error=error, code=code)
    if kind_name == "MemoryError":
        return Failure(RESOURCE_LIMIT, f"ran out of memory: {text}", graph, backward, error=error, code=code)
    return Failure(EXCEPTION, f"raised {text}", graph, backward, error=error, code=code)


def _clean(text: str) -> str:
    """Text from the worker as valid UTF-8, without control characters."""
    text = text.encode("utf-8", "replace").decode("utf-8")
    return "".join(c if c.isprintable() or c in "\n\t" else "?" for c in text)


def located(error: dict) -> str:
    """ "value.py, line 12" or "cell 7, line 3" from an exception record."""
    file, line = error.get("file"), error.get("line")
    if not isinstance(file, str) or not isinstance(line, int):
        return ""
    if file.startswith("<cell ") and file.endswith(">"):
        return f"{file[1:-1]}, line {line}"
    return f"{file}, line {line}"


def fmt(x) -> str:
    """A number as a student reads it: 2.0, -0.5, 0.0996679 (6 significant digits)."""
    if isinstance(x, str):
        return x
    text = f"{x:.6g}"
    return text if any(c in text for c in ".en") else text + ".0"


IMPORT = "from value import Value"


def example(failure: Failure) -> str:
    """The failing graph as Python to paste, with expected and actual values."""
    graph = failure.graph
    if graph is None:
        return ""
    lines = list(failure.code) if failure.code else graph.to_code(failure.backward)
    names = graph.names()
    if failure.code:  # a compact form (a loop) names only the first leaf and the output
        names = list(names)
        names[-1] = "y"
    error = failure.error
    if error is not None and "node" in error:
        node = error["node"]
        target = _line_of(lines, names, node, graph, error.get("where", ""))
        note = f"  # raises {error.get('type', 'an exception')}"
        if located(error):
            note += f" ({located(error)})"
        if target is not None:
            lines = lines[:target + 1]
            lines[target] += note
        else:
            lines.append(note.strip())
    for m in _shown(failure.mismatches, graph):
        if failure.code and m.index not in (0, graph.output):
            continue
        lines.append(f"{names[m.index]}.{m.field}  # expected {fmt(m.expected)}, got {fmt(m.actual)}")
    return "\n".join([IMPORT, *lines])   # each example pastes into a fresh Python beside value.py


def _shown(mismatches: list, graph: Graph) -> list:
    """The most telling mismatches first: leaves' gradients, then the earliest values."""
    leaves = len(graph.leaves)
    ordered = sorted(mismatches, key=lambda m: (m.field != "data" and m.index >= leaves, m.index))
    return ordered[:_SHOWN_MISMATCHES]


def _line_of(lines: list, names: list, node: int, graph: Graph, where: str):
    """Which printed line an exception at ``node`` belongs to."""
    if "backward" in where:
        for i, line in enumerate(lines):
            if line.endswith(".backward()"):
                return i
        return None
    if "reading" in where:
        return None
    prefix = f"{names[node]} = "
    for i, line in enumerate(lines):
        if line.startswith(prefix) or line.strip().startswith(prefix):
            return i
    return None


@dataclass
class CheckOutcome:
    """What one check found: its smallest failure (or none) and how many graphs it judged."""

    failure: Failure | None   # the smallest failure
    graphs_checked: int
    others: tuple = ()              # further failing graphs of a fixed check, in the rubric's order
    passed: tuple = ()              # fixed, chain, fan-out: whether each graph passed, in order

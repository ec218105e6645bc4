"""What went wrong with a worker, in terms the report can use.

A ``WorkerFailure`` is a timeout, a resource limit or a crash; for a timeout the
worker's watchdog may have said where the student's code was, and the grader
keeps only short, typed fields of that (untrusted) report.
"""
from __future__ import annotations

from dataclasses import dataclass

from harness.core.errors import MicrogradeError
from harness.core.graph import Graph
from harness.core.kinds import TIMEOUT


@dataclass
class WorkerFailure(MicrogradeError):
    """The worker did not answer: ``kind`` is timeout, resource-limit or worker-crash.

    For a timeout, ``where`` is the worker's own report of where the student's
    code was (``file``, ``line``, ``function``, ``operation``, ``method``,
    ``stack``: validated, untrusted text), and ``graph`` the graph it was computing.
    """

    kind: str
    detail: str
    where: dict | None = None
    graph: Graph | None = None
    backward: bool = True

    def __str__(self) -> str:
        return f"{self.kind}: {self.detail}"

    def located(self) -> str:
        """ "; it was at value.py, line 40, in the `_backward` of `**` (Value.__pow__)", or ""."""
        w = self.where or {}
        if not isinstance(w.get("file"), str) or not isinstance(w.get("line"), int):
            return ""
        file = w["file"]
        at = f"{file[1:-1]}, line {w['line']}" if file.startswith("<cell ") else f"{file}, line {w['line']}"
        if isinstance(w.get("operation"), str):
            at += f", in the `_backward` of `{w['operation']}`"
            if isinstance(w.get("method"), str):
                at += f" ({w['method']})"
        elif isinstance(w.get("method"), str):
            at += f", in {w['method']}"
        elif isinstance(w.get("function"), str) and w["function"] != "<module>":
            at += f", in {w['function']}"
        phase = {"backward": " during backward()", "building": " while building the graph"}.get(w.get("phase"))
        return f"; the submission was still running at {at}" + (phase or "")


_WHERE_FIELDS = ("file", "line", "function", "operation", "method", "phase", "graph", "node", "cell")


def hang_failure(record, request: dict) -> WorkerFailure:
    """The WorkerFailure of a ``{"hang": ...}`` frame (untrusted: only short fields are kept)."""
    where = {k: v for k, v in (record.items() if isinstance(record, dict) else ())
             if k in _WHERE_FIELDS and (isinstance(v, int) and not isinstance(v, bool)
                                        or isinstance(v, str) and len(v) < 200)}
    stack = record.get("stack") if isinstance(record, dict) else None
    if isinstance(stack, list):
        where["stack"] = [s[:200] for s in stack[:5] if isinstance(s, str)]
    graph = None
    graphs, index = request.get("graphs"), where.get("graph")
    if isinstance(graphs, list) and isinstance(index, int) and 0 <= index < len(graphs):
        graph = Graph.from_json(graphs[index])
    return WorkerFailure(TIMEOUT, "no answer before the deadline", where, graph,
                         bool(request.get("backward", True)))


__all__ = ["WorkerFailure", "hang_failure"]

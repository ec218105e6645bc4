"""The worker: the only process that runs the student's code.

It is started by ``harness.sandbox.process`` in a fresh folder holding a copy of the
submission, reads requests from one pipe and answers on another, until told to
exit. It returns plain numbers only: every value's ``.data`` and ``.grad`` as
finite floats, or a short description of why a value is not one, or a record
of the exception the student's code raised. It never sees an expected value.

Everything here is assumed compromised once the student's code has run: the
grader parses the answers strictly and decides on its own. This module uses the
standard library and the harness's graph, ops and protocol modules only, and
hides those before the submission is imported.
"""
from __future__ import annotations

import gc
import math
import os
import sys
import traceback
import types

from harness.core import graph as _graph
from harness.core import nn_scenarios as _nn
from harness.core import protocol as _protocol
from harness.worker.facts import assigning_line as _assigning_line
from harness.worker.facts import preset_grad_propagates as _preset_grad_propagates

_MESSAGE_CHARS = 300
_METHODS = ("backward", "__add__", "__radd__", "__sub__", "__rsub__", "__mul__", "__rmul__",
            "__truediv__", "__rtruediv__", "__neg__", "__pow__", "exp", "tanh", "relu")


def to_number(x):
    """A finite float from an int or float (subclasses included), else why not.

    ``float.__float__`` is the base method, so a float subclass that overrides
    ``__float__`` or ``__eq__`` still yields its own plain value.
    """
    if isinstance(x, float):
        v = float.__float__(x)
    elif isinstance(x, int):
        try:
            v = int.__float__(x)
        except OverflowError:
            return "an integer too large for a float"
    else:
        return "None" if x is None else f"a {type(x).__name__} object, not a number"
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "infinity" if v > 0 else "-infinity"
    return v


def _plain(x):
    """A scenario's answer with every number made a plain float (or a reason it is not one)."""
    if isinstance(x, dict):
        return {str(k): _plain(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_plain(v) for v in x]
    return to_number(x)


def _equal_data_is_same_node(value_class) -> bool:
    """Whether two distinct Values holding 2.0 count as one in a set (__eq__/__hash__ by data)."""
    try:
        a, b = value_class(2.0), value_class(2.0)
        return bool(len({a, b}) == 1)
    except BaseException:
        return False


# Packages a notebook uses only to show things: a cell failing to import one is skipped.
_DISPLAY_PACKAGES = frozenset({"graphviz", "matplotlib", "IPython", "ipywidgets", "seaborn",
                               "plotly", "pydot", "PIL", "tqdm"})


def _display_failure(exc: BaseException, missing: dict):
    """Why a notebook cell may be skipped (a display package missing), or None."""
    if isinstance(exc, ImportError):
        package = (getattr(exc, "name", None) or "").partition(".")[0]
        if package in _DISPLAY_PACKAGES:
            return f"it needs {package}, which is not installed where the grader runs"
        return None
    return missing.get(getattr(exc, "name", None))


def _top_level_names(text: str) -> set:
    """The names a cell binds at its top level (imports, defs, classes, assignments)."""
    import ast
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return set()
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((a.asname or a.name).partition(".")[0] for a in node.names if a.name != "*")
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign, ast.For, ast.With)):
            for target in ast.walk(node):
                if isinstance(target, ast.Name) and isinstance(target.ctx, ast.Store):
                    names.add(target.id)
    return names


class Worker:
    """The state of one worker: the loaded submission and its import guard."""

    def __init__(self, folder: str):
        self.folder = folder
        self.modules: dict[str, types.ModuleType] = {}
        self.forbidden: frozenset[str] = frozenset()
        self.seen_forbidden: list[str] = []
        self.cell_files: dict[str, str] = {}
        self.load_warnings: list[str] = []  # notebook cells skipped for want of a display package
        self.secrets: tuple = ()            # folders of the grader's answers (reference, rubrics)

    # -- requests ----------------------------------------------------------
    def handle(self, request: dict) -> dict:
        kind = request.get("op")
        if kind == "load":
            return self.load(request)
        if kind == "graphs":
            return self.run_graphs(request)
        if kind == "nn":
            return self.run_nn(request)
        return {"error": {"type": "ProtocolError", "message": f"unknown request {kind!r}"}}

    def load(self, request: dict) -> dict:
        self.forbidden = frozenset(request.get("forbidden", ()))
        for source in request["sources"]:
            name = source["module"]
            try:
                if "same_as" in source:  # one notebook holding several files
                    module = sys.modules[name] = self.modules[source["same_as"]]
                elif "cells" in source:
                    module = self._exec_cells(name, source["cells"])
                else:
                    module = self._import_file(name, source["file"])
            except BaseException as exc:  # SystemExit and KeyboardInterrupt too
                return self._answer({"error": self.describe(exc, f"importing {source.get('file', name)}")})
            self.modules[name] = module
        entry = request.get("entry")
        if entry:  # a submission without the class to grade cannot be graded at all
            found = self.resolve(entry)
            if isinstance(found, dict):
                return self._answer({"error": found})
        return self._answer({"ok": True, "warnings": self.load_warnings[:20]})

    def run_graphs(self, request: dict) -> dict:
        value_class = self.resolve(request["entry"])
        if isinstance(value_class, dict):
            return self._answer({"error": value_class})
        backward = request.get("backward", True)
        results = [self.run_graph(_graph.Graph.from_json(g), value_class, backward,
                                  request.get("locate", False))
                   for g in request["graphs"]]
        gc.collect()
        answer = {"results": results}
        if request.get("locate", False):
            answer["methods"] = self.methods(value_class)
            answer["facts"] = {"equal_data_is_same_node": _equal_data_is_same_node(value_class),
                               "preset_grad_propagates": _preset_grad_propagates(value_class, to_number)}
        return self._answer(answer)

    def run_nn(self, request: dict) -> dict:
        """One scenario of exercise 05_nn (harness.core.nn_scenarios) on the student's nn module."""
        name, scenario = request.get("module", "nn"), request.get("scenario")
        module = self.modules.get(name)
        if module is None or scenario not in _nn.SCENARIOS:
            return self._answer({"error": {"type": "MissingEntry", "message": f"no module {name} or "
                                           f"scenario {scenario!r}", "where": str(scenario)}})
        try:
            result = _plain(_nn.run(module, scenario, request.get("args", {})))
        except BaseException as exc:
            return self._answer({"error": self.describe(exc, f"the {scenario} scenario")})
        return self._answer({"result": result})

    def run_graph(self, g, value_class, backward: bool, locate: bool) -> dict:
        at = [0]
        names = g.names()
        try:
            values = _graph.build(g, value_class, at)
        except BaseException as exc:
            return {"error": self.describe(exc, f"building {names[at[0]]}", node=at[0])}
        if backward and g.nodes:
            try:
                values[-1].backward()
            except BaseException as exc:
                return {"error": self.describe(exc, f"{names[-1]}.backward()", node=g.output)}
        result = {}
        fields = ("data", "grad") if backward else ("data",)
        for field in fields:
            column = []
            for i, v in enumerate(values):
                try:
                    column.append(to_number(getattr(v, field)))
                except BaseException as exc:
                    return {"error": self.describe(exc, f"reading {names[i]}.{field}", node=i)}
            result[field] = column
        if locate:
            result["where"] = [self.locate(v) for v in values]
        return result

    def methods(self, value_class) -> dict:
        """Where each method the grader calls was written: for pointing at a line."""
        found = {}
        for name in _METHODS:
            code = getattr(getattr(value_class, name, None), "__code__", None)
            if code is not None and self._is_student_file(code.co_filename):
                found[name] = [self._display_name(code.co_filename), code.co_firstlineno]
        return found

    # -- helpers -------------------------------------------------------------
    def resolve(self, entry: str):
        module_name, _, attr = entry.partition(":")
        module = self.modules.get(module_name)
        if module is None or not hasattr(module, attr):
            return {"type": "MissingEntry", "message": f"{module_name} defines no {attr}",
                    "where": f"{module_name}.{attr}"}
        return getattr(module, attr)

    def _import_file(self, name: str, filename: str) -> types.ModuleType:
        path = os.path.join(self.folder, filename)
        with open(path, encoding="utf-8") as f:
            source = f.read()
        code = compile(source, path, "exec")
        return self._exec_module(name, path, [code])

    def _exec_cells(self, name: str, cells: list) -> types.ModuleType:
        """Run a notebook's cells in order; a cell that fails only for want of a display
        package (graphviz, matplotlib) is skipped with a warning, and so is a later cell
        that fails on a name such a skipped cell would have defined."""
        module = self._exec_module(name, os.path.join(self.folder, name + ".ipynb"), [])
        missing = {"display": "display() exists only in Jupyter",
                   "get_ipython": "get_ipython() exists only in Jupyter"}
        for index, text in cells:
            filename = f"<cell {index}>"
            self.cell_files[filename] = text
            code = compile(text, filename, "exec")
            try:
                exec(code, module.__dict__)
            except (ImportError, NameError) as exc:
                why = _display_failure(exc, missing)
                if why is None:
                    raise
                skipped = _top_level_names(text)
                for bound in skipped:
                    missing.setdefault(bound, f"it uses {bound}, defined in cell {index}, which was skipped")
                lost = f" (not defined: {', '.join(sorted(skipped))})" if skipped else ""
                self.load_warnings.append(f"cell {index} skipped: {why}{lost}; "
                                          "the rest of the notebook was graded")
        return module

    def _exec_module(self, name: str, path: str, codes: list) -> types.ModuleType:
        module = types.ModuleType(name)
        module.__file__ = path
        sys.modules[name] = module
        for code in codes:
            exec(code, module.__dict__)
        return module

    def describe(self, exc: BaseException, where: str, node: int | None = None) -> dict:
        """A plain record of an exception, located in the student's code."""
        try:
            message = str(exc)
        except BaseException:
            message = "(the exception's message could not be read)"
        record = {"type": type(exc).__name__, "message": message[:_MESSAGE_CHARS], "where": where}
        if node is not None:
            record["node"] = node
        if isinstance(exc, SyntaxError) and exc.filename:
            record["file"], record["line"] = os.path.basename(exc.filename), exc.lineno
            if isinstance(exc.text, str) and isinstance(exc.offset, int):  # for a caret
                record["source"], record["offset"] = exc.text.rstrip("\n")[:200], exc.offset
        calls = {}
        for frame, line in traceback.walk_tb(exc.__traceback__):
            filename = frame.f_code.co_filename
            if self._is_student_file(filename):
                record["file"], record["line"] = self._display_name(filename), line
                # e.g. Value.__pow__.<locals>._backward: which operation's closure raised
                record["function"] = getattr(frame.f_code, "co_qualname", frame.f_code.co_name)[:100]
                calls[(record["file"], line)] = calls.get((record["file"], line), 0) + 1
        if isinstance(exc, RecursionError) and calls:  # the recursive call, not the last line run
            record["file"], record["line"] = max(calls, key=calls.get)
        return record

    def locate(self, obj):
        """Where the ``_backward`` attached to ``obj`` was written: [file, line, in the submission]."""
        code = getattr(getattr(obj, "_backward", None), "__code__", None)
        if code is None:
            return None
        if self._is_student_file(code.co_filename):
            return [self._display_name(code.co_filename), code.co_firstlineno, True, _assigning_line(code)]
        return [os.path.basename(code.co_filename), code.co_firstlineno, False]

    def _is_student_file(self, filename: str) -> bool:
        return filename in self.cell_files or filename.startswith(self.folder + os.sep)

    def _display_name(self, filename: str) -> str:
        return filename if filename in self.cell_files else os.path.relpath(filename, self.folder)

    def _answer(self, response: dict) -> dict:
        if self.seen_forbidden:
            response["forbidden"] = sorted(set(self.seen_forbidden))
        return response

    # -- the import guard ----------------------------------------------------
    # The guard keeps its own references to builtins, so that a submission that
    # patches ``builtins.isinstance`` or ``os.path`` cannot blind it.
    def find_spec(self, name, path=None, target=None):
        """A meta path finder that refuses forbidden top-level packages."""
        if name.partition(".")[0] in self.forbidden:
            self.seen_forbidden.append(name)
            raise ImportError(f"importing {name} is not allowed in this exercise")
        return None

    def audit(self, event, args, _str=str, _decode=os.fsdecode, _real=os.path.realpath,
              _join=os.path.join):
        # Audit hooks cannot be removed, so an import that slips past the finder
        # (the finder taken out of sys.meta_path) is still recorded, and so is
        # reading the grader's answers as files (where no layer hides them).
        if event == "import" and args and type(args[0]) is _str:
            if args[0].partition(".")[0] in self.forbidden:
                self.seen_forbidden.append(args[0])
        elif event == "open" and self.secrets and args and type(args[0]) is not int:
            try:
                path = _real(_join(self.folder, _decode(args[0])))
            except Exception:  # noqa: BLE001 - not a path: nothing to protect there
                return
            for secret in self.secrets:
                if path == secret or path.startswith(secret + "/"):
                    self.seen_forbidden.append(secret.rsplit("/", 1)[-1])
                    raise PermissionError(f"{args[0]}: the grader's own files are not readable")


def main() -> None:
    request_fd, response_fd = int(sys.argv[1]), int(sys.argv[2])
    folder = os.getcwd()
    worker = Worker(folder)
    spec = _protocol.parse(sys.argv[3].encode()) if len(sys.argv) > 3 else {}
    worker.secrets = tuple(os.path.realpath(p) for p in spec.get("secrets", ()))
    # The submission finds no harness on sys.path (only modules already loaded use it).
    harness_parent = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    sys.path[:] = [p for p in sys.path if p != harness_parent]
    # The harness's own modules leave sys.modules, so that importing them from
    # the submission goes through the guard like any other forbidden import.
    for name in [m for m in sys.modules if m == "harness" or m.startswith("harness.")]:
        del sys.modules[name]
    sys.meta_path.insert(0, worker)
    sys.addaudithook(worker.audit)
    sys.path[:0] = [folder]
    sys.argv = [os.path.join(folder, "value.py")]
    read_frame, write_frame = _protocol.read_frame, _protocol.write_frame
    while True:
        try:
            request = read_frame(request_fd)
        except _protocol.ChannelClosed:
            return
        if request.get("op") == "exit":
            return
        write_frame(response_fd, worker.handle(request))


if __name__ == "__main__":
    main()

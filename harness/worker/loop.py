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
import os
import sys
import types

from harness.core import graph as _graph
from harness.core import nn_scenarios as _nn
from harness.core import protocol as _protocol
from harness.worker import budget as _budget
from harness.worker import cells as _cells
from harness.worker import honest as _honest
from harness.worker import package as _package
from harness.worker.numbers import to_number
from harness.worker.watchdog import Watchdog
from harness.worker.facts import assigning_line as _assigning_line
from harness.worker.facts import preset_grad_propagates as _preset_grad_propagates

_relpath, _basename, _join = os.path.relpath, os.path.basename, os.path.join


def _walk_tb(tb):
    """(frame, line) from a traceback, as traceback.walk_tb gives them: without importing
    traceback, and linecache and tokenize with it, into every worker (4 ms of its start)."""
    while tb is not None:
        yield tb.tb_frame, tb.tb_lineno
        tb = tb.tb_next


_collect, _freeze, _module_type = gc.collect, gc.freeze, types.ModuleType

_MESSAGE_CHARS = 300
_METHODS = ("backward", "__add__", "__radd__", "__sub__", "__rsub__", "__mul__", "__rmul__",
            "__truediv__", "__rtruediv__", "__neg__", "__pow__", "exp", "tanh", "relu")
_METHODS += tuple(dict.fromkeys(op.method for op in _graph.OPS_BY_NAME.values()   # log, sigmoid: from the table
                                if op.method and op.method not in _METHODS))


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


class NotDecodable(Exception):
    """A source file whose bytes are not in its encoding: the message says where and what to do."""


def _undecodable(exc: SyntaxError, filename: str, source: bytes):
    """A NotDecodable for a SyntaxError that is a decoding error, else None."""
    import re
    import tokenize
    from io import BytesIO
    found = re.search(r"can't decode byte (0x[0-9a-fA-F]{2})", str(exc.msg))
    if not found:
        return None
    try:
        encoding = tokenize.detect_encoding(BytesIO(source).readline)[0]
    except SyntaxError:
        encoding = "utf-8"
    named = "UTF-8" if encoding in ("utf-8", "utf-8-sig") else f"{encoding} (its coding line)"
    return NotDecodable(f"{filename}, line {exc.lineno}: byte {found.group(1)[:2]}{found.group(1)[2:].upper()} "
                        f"is not {named}: save the file as UTF-8")


class Worker:
    """The state of one worker: the loaded submission and its import guard."""

    def __init__(self, folder: str):
        self.folder = folder
        self.modules: dict[str, types.ModuleType] = {}
        self.forbidden: frozenset[str] = frozenset()
        self.seen_forbidden: list[str] = []
        self.cell_files: dict[str, str] = {}
        self.load_warnings: list[str] = []  # notebook cells skipped, patches of the worker's modules
        self.secrets: tuple = ()            # folders of the grader's answers (reference, rubrics)
        self.context: dict = {}             # what is running now, for the watchdog's report
        self.watch = _honest.Watch()        # the watched modules before any student code
        self.budget = _budget.TopLevelBudget()   # CPU seconds for one file's or cell's top-level code
        self.stopped: _budget.Stop | None = None   # where a file's top-level code was stopped

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
        seconds = request.get("top_level_seconds")
        self.budget.seconds = float(seconds) if type(seconds) in (int, float) and seconds > 0 else 0.0
        for source in request["sources"]:
            name = source["module"]
            try:
                if "same_as" in source:  # one notebook holding several files
                    module = sys.modules[name] = self.modules[source["same_as"]]
                elif "cells" in source:
                    module = self._exec_cells(name, source)
                else:
                    self.context["file"] = source["file"]
                    module = self._import_file(name, source["file"])
            except NotDecodable as exc:   # one message, with the line and what to do
                return self._answer({"error": {"type": "SyntaxError", "message": str(exc), "where": name}})
            except _cells.MissingNames as exc:
                return self._answer({"error": {"type": "MissingEntry", "message": str(exc)[:_MESSAGE_CHARS * 3],
                                               "where": name}})
            except BaseException as exc:  # SystemExit and KeyboardInterrupt too
                return self._answer({"error": self.describe(exc, f"importing {source.get('file', name)}")})
            self.modules[name] = module
        patched = self.watch.changed()
        if patched:
            self.load_warnings.append(_honest.warning(patched))
        entry = request.get("entry")
        if entry:  # a submission without the class to grade cannot be graded at all
            found = self.resolve(entry)
            if isinstance(found, dict):
                stopped = self.stopped and self.stopped.error(entry.partition(":")[2])
                return self._answer({"error": stopped or found})
        if self.stopped:
            self.load_warnings.append(self.stopped.warning())
        # Every graph request ends with a collection (its graphs are cycles through
        # their closures). What is alive now (the interpreter, the submission's
        # modules) stays alive: frozen, a collection no longer walks it, which
        # made each request cost about 5 ms, most of a shrink's or a probe's time.
        _collect()
        _freeze()
        return self._answer({"ok": True, "warnings": self.load_warnings[:20]})

    def run_graphs(self, request: dict) -> dict:
        value_class = self.resolve(request["entry"])
        if isinstance(value_class, dict):
            return self._answer({"error": value_class})
        backward = request.get("backward", True)
        results = []
        for index, g in enumerate(request["graphs"]):
            self.context["graph"] = index
            results.append(self.run_graph(_graph.Graph.from_json(g), value_class, backward,
                                          request.get("locate", False)))
        _collect()
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
        name = _graph.value_name   # a, b, ...: only a graph that raised needs them
        self.context["phase"], self.context["at"] = "building", at
        try:
            values = _graph.build(g, value_class, at)
        except BaseException as exc:
            return {"error": self.describe(exc, f"building {name(at[0])}", node=at[0])}
        if backward and g.nodes:
            self.context["phase"] = "backward"
            try:
                values[-1].backward()
            except BaseException as exc:
                return {"error": self.describe(exc, f"{name(g.output)}.backward()", node=g.output)}
        result = {}
        fields = ("data", "grad") if backward else ("data",)
        for field in fields:
            column = []
            for i, v in enumerate(values):
                try:
                    column.append(to_number(getattr(v, field)))
                except BaseException as exc:
                    return {"error": self.describe(exc, f"reading {name(i)}.{field}", node=i)}
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
        """Compile from bytes, as ``import`` does: a BOM, a PEP 263 coding line, CRLF."""
        path = _join(self.folder, filename)
        with open(path, "rb") as f:
            source = f.read()
        try:
            code = compile(source, path, "exec")
        except SyntaxError as exc:
            raise _undecodable(exc, filename, source) or exc
        module = self._new_module(name, path)
        try:
            self.budget.run(code, module.__dict__)
        except _budget.StillRunning as exc:   # a demo or training at the top level: keep what it defined
            self.stopped = _budget.Stop(filename, *_budget.stopped_at(exc, path, source), self.budget.seconds)
        return module

    def _exec_cells(self, name: str, source: dict) -> types.ModuleType:
        """Run a notebook's cells as "Run All" would (``harness.worker.cells``)."""
        file = source.get("file")
        path = _join(self.folder, file) if type(file) is str else None  # a .py exported from Jupyter
        module = self._new_module(name, path or _join(self.folder, name + ".ipynb"))
        names = [n for n in source.get("names", ()) if type(n) is str]
        try:
            self.load_warnings.extend(_cells.run_cells(
                self, module, source["cells"], names, lambda index: path or f"<cell {index}>"))
        finally:
            self.cell_files.pop(path, None)   # an exported file's lines are its own: value.py, line 40
        return module

    def take_forbidden(self, since: int) -> list:
        """Forbidden packages a notebook cell tried to import since ``since``: a warning, not a
        failure (the import was refused, the cell skipped). Reads of the grader's files stay failures."""
        tried = self.seen_forbidden[since:]
        blocked = sorted({n.partition(".")[0] for n in tried if n.partition(".")[0] in self.forbidden})
        self.seen_forbidden[since:] = [n for n in tried if n.partition(".")[0] not in self.forbidden]
        return blocked

    def _new_module(self, name: str, path: str) -> types.ModuleType:
        module = _module_type(name)
        module.__file__ = path
        sys.modules[name] = module
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
            record["file"], record["line"] = _basename(exc.filename), exc.lineno
            if isinstance(exc.text, str) and isinstance(exc.offset, int):  # for a caret
                record["source"], record["offset"] = exc.text.rstrip("\n")[:200], exc.offset
        calls = {}
        for frame, line in _walk_tb(exc.__traceback__):
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
        return [_basename(code.co_filename), code.co_firstlineno, False]

    def _is_student_file(self, filename: str) -> bool:
        return filename in self.cell_files or filename.startswith(self.folder + os.sep)

    def _display_name(self, filename: str) -> str:
        return filename if filename in self.cell_files else _relpath(filename, self.folder)

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
    site_packages = [p for p in spec.get("site_packages", ()) if type(p) is str]
    sys.path.extend(site_packages)
    _package.hide_harness(site_packages)
    sys.meta_path.insert(0, worker)
    sys.meta_path.append(_package.HarnessFinder())
    sys.addaudithook(worker.audit)
    sys.path[:0] = [folder]
    sys.argv = [os.path.join(folder, "value.py")]
    read_frame, write_frame, closed = _protocol.read_frame, _protocol.write_frame, _protocol.ChannelClosed
    watchdog = Watchdog(lambda message: write_frame(response_fd, message),
                        worker._is_student_file, worker._display_name)
    watchdog.context = worker.context
    while True:
        try:
            request = read_frame(request_fd)
        except closed:
            return
        if type(request) is not dict or request.get("op") == "exit":
            return
        worker.context.clear()
        watchdog.arm(request.get("watchdog"))
        if not watchdog.answer(worker.handle(request)):
            return   # the watchdog reported this request as hung: the grader kills the worker


if __name__ == "__main__":
    main()

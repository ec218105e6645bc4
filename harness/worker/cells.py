"""A notebook's code cells, run as Jupyter's "Run All" would, without stopping at errors.

The grader (``harness.grading.notebook``) sends ``[cell number, source]``
pairs, IPython syntax already blanked. Each cell runs in the module's
namespace, in order. A cell that raises, or does not compile, or imports a
package the exercise forbids (the guard refuses it: it stays unimportable),
is skipped with a one-line warning naming it by number and first line; the
cells after it still run. A cell still running after the load's CPU budget
(``harness.worker.budget``: a training loop, a loop that never ends) is
stopped there with a warning; what it defined before that stays. The notebook
fails to load only when a graded name (``Value``; for 05 also ``Neuron``,
``Layer``, ``MLP``, ``train``) is not defined at the end, and then the message
names the failed cells that would have defined it.
"""
from __future__ import annotations

import ast

from harness.worker.budget import StillRunning, stopped_at

_SHOWN = 60


class MissingNames(Exception):
    """Graded names not defined once every cell has run; the message says which cells failed."""


def first_line(text: str) -> str:
    """The cell's first line that is not blank or a comment, shortened: how a learner finds it."""
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped and not stripped.startswith("#") and stripped != "pass":
            return stripped if len(stripped) <= _SHOWN else stripped[:_SHOWN - 3] + "..."
    return "(empty)"


def top_level_names(text: str) -> set:
    """The names a cell binds at its top level (imports, defs, classes, assignments)."""
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


def run_cells(worker, module, cells: list, names: list, filename_of) -> list:
    """Run ``cells`` in ``module``; return the warnings; raise MissingNames if a graded name is absent.

    ``worker`` is the ``Worker`` (its import guard records forbidden imports);
    ``filename_of(index)`` is the code's file name for a cell.
    """
    warnings, failed = [], []   # failed: (index, first line, why, names the cell would bind)
    for index, text in cells:
        filename = filename_of(index)
        worker.cell_files[filename] = text
        tried = len(worker.seen_forbidden)
        worker.context["cell"] = index
        line = first_line(text)
        stopped = False   # still running after its CPU budget: what it defined stays
        try:
            worker.budget.run(compile(text, filename, "exec"), module.__dict__)
            why = None
        except StillRunning as exc:   # training at the top level
            stopped, (at, shown) = True, stopped_at(exc, filename, text)
            quoted = f" (`{shown}`)" if shown and shown != line else ""   # the cell's first line: not twice
            why = f"{exc}" + (f" at line {at}{quoted}" if at else "")
        except BaseException as exc:  # noqa: BLE001 - SystemExit too: Jupyter carries on
            why = _why(exc, filename)
        blocked = worker.take_forbidden(tried)
        if blocked:
            why = (f"it imports {', '.join(blocked)}, which this exercise does not allow "
                   f"(it stayed unimportable)") + (f"; {why}" if why and "not allowed" not in why else "")
        if why is None:
            continue
        failed.append((index, line, why, top_level_names(text)))
        if stopped:
            warnings.append(f"cell {index} (`{line}`) stopped: {why}; what it defined before that is kept, "
                            "and the cells after it still ran (work at the top level, such as training, "
                            "is not graded)")
        else:
            warnings.append(f"cell {index} (`{line}`) skipped: {why}; the cells after it still ran")
    worker.context.pop("cell", None)
    missing = [n for n in names if n not in module.__dict__]
    if missing:
        raise MissingNames(_missing_message(missing, failed))
    return warnings


def _why(exc: BaseException, filename: str) -> str:
    try:
        message = str(exc)
    except BaseException:  # noqa: BLE001
        message = ""
    line = exc.lineno if isinstance(exc, SyntaxError) else None
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == filename:
            line = tb.tb_lineno
        tb = tb.tb_next
    at = f" at line {line}" if line else ""
    text = f"{type(exc).__name__}: {message}" if message else type(exc).__name__
    return (text[:200] + at).replace("\n", " ")


def _missing_message(missing: list, failed: list) -> str:
    shown = ", ".join(missing)
    would = [f"cell {i} (`{line}`): {why}" for i, line, why, bound in failed if bound & set(missing)]
    if would:
        return f"{shown} not defined after running every cell: " + "; ".join(would)[:600]
    if failed:
        listed = ", ".join(f"cell {i}" for i, *_ in failed[:8])
        return f"{shown} not defined in any cell (cells that failed: {listed})"
    return f"{shown} not defined in any cell"

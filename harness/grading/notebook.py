"""Notebook submissions: a ``.ipynb`` read by the grader, its code cells run by the worker.

The trusted grader parses the notebook with nbformat; the worker only ever
receives ``[cell number, source]`` pairs and runs them in order, like
"restart and run all". Cells are numbered from 1 in the order the notebook
shows them, markdown cells included, so "cell 7, line 3" is the seventh cell
from the top.

IPython syntax is not Python, so it is skipped here, keeping line numbers:

* a line magic or shell line (``%matplotlib inline``, ``!pip install graphviz``,
  ``files = !ls``) and a help line (``Value?``) becomes ``pass`` at the same
  indentation;
* a cell magic runs its body when the body is Python run once (``%%time``,
  ``%%capture``): only the magic line becomes blank; any other cell magic
  (``%%timeit``, ``%%bash``, ``%%html`` ...) skips the whole cell.

A notebook that is not JSON, or JSON that is not a notebook, is a
``NotebookError`` whose message says why, for the student.
"""
from __future__ import annotations

import json
import re
import warnings
from pathlib import Path
from harness.core.errors import MicrogradeError

# Cell magics whose body is Python, run once, in the notebook's namespace.
RUN_BODY = ("time", "capture", "prun")
_LINE_MAGIC = re.compile(r"^(\s*)(%|!|\w+\s*=\s*[!%])")
_HELP = re.compile(r"^(\s*)[\w.]+\?\??\s*$")


class NotebookError(MicrogradeError):
    """The file cannot be read as a notebook: the message says why."""


def code_cells(path: Path) -> list:
    """``[[cell number, source], ...]`` of the notebook's code cells, IPython syntax blanked."""
    try:
        text = path.read_text(encoding="utf-8-sig")   # a BOM is no reason to refuse a notebook
    except UnicodeDecodeError as exc:
        raise NotebookError(f"{path.name} is not a text file ({exc.reason} at byte {exc.start})") from None
    except OSError as exc:
        raise NotebookError(f"{path.name} cannot be read ({exc.strerror})") from None
    nb = _version_4(text)
    if nb is None:
        nb = _converted(text, path)
    cells = nb.get("cells") if isinstance(nb, dict) else None
    if not isinstance(cells, list):
        raise NotebookError(f"{path.name} is JSON but not a Jupyter notebook (it has no list of cells)")
    out = []
    for number, cell in enumerate(cells, start=1):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        if isinstance(source, list):
            source = "".join(s for s in source if isinstance(s, str))
        if not isinstance(source, str):
            raise NotebookError(f"{path.name}: cell {number} has no text as its source")
        out.append([number, python_only(source)])
    return out


def _version_4(text: str) -> dict | None:
    """A version 4 notebook as it is stored, read as JSON; None for anything else.

    What Jupyter saves today needs no conversion, and importing nbformat costs
    about 0.09 s (a tenth of grading a notebook): it is imported only for an
    older version, or for the message about a file that is not a notebook."""
    try:
        nb = json.loads(text)
    except ValueError:
        return None
    return nb if isinstance(nb, dict) and nb.get("nbformat") == 4 and isinstance(nb.get("cells"), list) else None


def _converted(text: str, path: Path):
    """Any other notebook, converted to version 4 by nbformat (or why it is not one)."""
    try:
        import nbformat  # late: only old notebooks and broken files pay for it
        import nbformat.reader
    except ImportError:  # pragma: no cover - a dependency of the package
        raise NotebookError("nbformat is not installed: pip install nbformat") from None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            # Parsed and converted to version 4, not validated against the schema: that
            # costs 0.1 s a notebook, and the cells' shape is checked below.
            return nbformat.convert(nbformat.reader.reads(text), 4)
    except nbformat.reader.NotJSONError:
        raise NotebookError(f"{path.name} is not valid JSON, so not a notebook; "
                            "save it again from Jupyter (File > Save) or submit a .py file") from None
    except Exception as exc:  # noqa: BLE001 - nbformat raises many kinds for JSON that is not a notebook
        raise NotebookError(f"{path.name} is JSON but not a Jupyter notebook "
                            f"({_short(exc)}); save it again from Jupyter or submit a .py file") from None


def python_only(source: str) -> str:
    """The cell with IPython syntax replaced, line for line (same line numbers)."""
    lines = source.split("\n")
    first = lines[0].strip() if lines else ""
    if first.startswith("%%"):
        magic = first[2:].split()[0] if first[2:].split() else ""
        if magic not in RUN_BODY:
            return "\n" * (len(lines) - 1)
        lines[0] = ""
    out = []
    continued = False   # a magic line ending in a backslash goes on
    for line in lines:
        skip = continued or _LINE_MAGIC.match(line) or _HELP.match(line)
        if skip:
            indent = re.match(r"\s*", line).group(0) if not continued else ""
            out.append(indent + "pass" if not continued else "")
            continued = line.rstrip().endswith("\\")
        else:
            out.append(line)
    return "\n".join(out)


_IN_MARKER = re.compile(r"^# In\[[ \d]*\]:\s*$")
_GET_IPYTHON = re.compile(r"^(\s*)get_ipython\(\)\.\w+\(.*\)\s*$")


def exported_cells(data: bytes):
    """A ``.py`` exported from Jupyter (``# In[3]:`` markers, ``get_ipython()`` lines) as cells,
    else None. Each cell keeps the file's line numbers (it starts with blank lines), and each
    ``get_ipython()`` line becomes ``pass``, as ``python_only`` does for the notebook's magics,
    so the export is graded like the notebook it came from."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    lines = text.replace("\r\n", "\n").split("\n")
    starts = [i for i, line in enumerate(lines) if _IN_MARKER.match(line)]
    if not starts:
        return None
    bounds = [0] + starts + [len(lines)] if starts[0] > 0 else starts + [len(lines)]
    cells = []
    for number, (begin, end) in enumerate(zip(bounds, bounds[1:]), start=1):
        body = [(_GET_IPYTHON.sub(r"\1pass", line)) for line in lines[begin:end]]
        if any(line.strip() and not line.strip().startswith("#") for line in body):
            cells.append([number, "\n" * begin + "\n".join(body)])
    return [[n, text] for n, (_, text) in enumerate(cells, start=1)]


def _short(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:160]


__all__ = ["NotebookError", "code_cells", "exported_cells", "python_only"]

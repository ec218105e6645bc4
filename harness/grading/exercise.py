"""Find the exercises to grade, and the files a worker loads for each.

An exercise folder holds the student's files and a marker, ``micrograde.yaml``
(``exercise: 04_engine``), so a copy of the folder anywhere grades the same.
A folder with no marker whose name is an exercise's (``04_engine``) counts too.
A path may also be a folder of exercise folders.
"""
from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from harness.core.errors import UsageError
from harness.grading import course
from harness.grading import rubric as rubrics

MARKER = "micrograde.yaml"
# Names a notebook must define once every cell has run, per module, besides the rubric's entry.
GRADED_NAMES = {"nn": ("Neuron", "Layer", "MLP", "train")}


@dataclass(frozen=True)
class Target:
    folder: Path
    rubric: rubrics.Rubric


def find_targets(paths: list) -> list:
    """Every exercise under ``paths``, in order; UsageError when a path has none."""
    known = rubrics.builtin_rubrics()
    targets = []
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            raise UsageError(f"{raw}: no such file or folder")
        if not path.is_dir():
            raise UsageError(f"{raw}: not a folder; give an exercise folder or a folder of them")
        found = [_target(path, known)] if _is_exercise(path, known) else \
            [_target(sub, known) for sub in sorted(path.iterdir())
             if sub.is_dir() and _is_exercise(sub, known)]
        if not found:
            raise UsageError(f"{raw}: no exercise found; an exercise folder holds {MARKER} "
                             f"(exercise: NAME) or is named after one of: {', '.join(sorted(known))}")
        targets.extend(found)
    return targets


def _is_exercise(folder: Path, known: dict) -> bool:
    return (folder / MARKER).is_file() or folder.name in known


def _target(folder: Path, known: dict) -> Target:
    """The folder's marker decides (harness.grading.course); without one, the folder's name."""
    marker = folder / MARKER
    if marker.is_file():
        return Target(folder, course.load_marker(marker))
    return Target(folder, rubrics.load(known[folder.name]))


def target_for(folder: Path, exercise: str) -> Target:
    """The target for a folder graded as ``exercise`` (bulk grading, Gradescope):
    a built-in exercise's name or a path to a rubric file (``--exercise course/04.yaml``)."""
    return Target(folder, course.by_name_or_path(exercise))


def load_plan(folder: Path, rubric: rubrics.Rubric) -> tuple:
    """(sources, reason it cannot be loaded, warnings) for the submission in ``folder``.

    Each of the rubric's files (``value.py``) may come as itself, as a notebook
    of the same name (``value.ipynb``), or from the folder's only notebook,
    whatever its name, which then holds every file it is needed for (the
    lecture's one notebook with ``Value``, ``Neuron`` and ``MLP``). When both
    ``value.py`` and ``value.ipynb`` are there, the ``.py`` file is graded and a
    warning says so: it is what an editor saves, and what ``import value`` finds.
    """
    from harness.grading.notebook import NotebookError, code_cells, exported_cells  # late: nbformat
    found, warnings, loaded = [], [], {}   # loaded: notebook -> the source it became
    notebooks = sorted(p for p in folder.glob("*.ipynb") if p.is_file())
    for filename in rubric.files:
        module, py = Path(filename).stem, folder / filename
        notebook = py.with_suffix(".ipynb")
        if py.is_file():
            if notebook.is_file():
                warnings.append(f"both {filename} and {notebook.name} are in {folder.name}: "
                                f"graded {filename}; remove one of them to be sure which is graded")
            cells = exported_cells(py.read_bytes())
            if cells is None:
                found.append({"module": module, "file": filename})
            else:   # exported from Jupyter: run as its notebook would be, with the file's lines
                found.append({"module": module, "cells": cells, "file": filename,
                              "names": _graded_names(module, rubric)})
            continue
        if not notebook.is_file() and len(notebooks) == 1:
            notebook = notebooks[0]
        if not notebook.is_file():
            return None, f"{filename} not found in {folder} (nor a notebook {notebook.name})", warnings
        if notebook in loaded:   # one notebook holding several files runs once
            source = loaded[notebook]
            source["names"] = source["names"] + _graded_names(module, rubric)
            found.append({"module": module, "same_as": source["module"]})
            continue
        try:
            source = {"module": module, "cells": code_cells(notebook), "names": _graded_names(module, rubric)}
        except NotebookError as exc:
            return None, str(exc), warnings
        found.append(source)
        loaded[notebook] = source
    return found, "", warnings


def _graded_names(module: str, rubric: rubrics.Rubric) -> list:
    """What the module must define for the rubric: its entry's class, and GRADED_NAMES."""
    entry_module, _, entry = rubric.entry.partition(":")
    names = [entry] if entry_module == module and entry else []
    return names + [n for n in GRADED_NAMES.get(module, ()) if n not in names]


def reference_folder(rubric: rubrics.Rubric) -> Path:
    """A temporary folder holding the reference solution under the student's file names."""
    folder = Path(tempfile.mkdtemp(prefix="micrograde-reference-"))
    package = resources.files("harness.reference")
    for student_file, reference_file in rubric.reference.items():
        with resources.as_file(package / reference_file) as path:
            shutil.copyfile(path, folder / student_file)
    return folder

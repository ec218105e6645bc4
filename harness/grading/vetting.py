"""A course's rubric is graded on the reference before it grades a student.

A rubric written by a course can be wrong in ways validation cannot see: a
time limit the reference cannot meet, a chain deeper than the reference's
worker allows, a fixed graph outside the domain of an operation. A rubric the
reference fails would fail every student, so it is a ``RubricError`` (exit 2)
that names the check, raised before any student is graded.

It runs wherever a rubric that is not built in is used to grade (the ``grade``
command, bulk grading, the pytest plugin, Gradescope's ``run_autograder``), so
no path skips it. The verdict is cached by the hash of the resolved rubric, of
the reference's files and of the grader's version, in
``$MICROGRADE_CACHE`` (default ``$XDG_CACHE_HOME/micrograde`` or
``~/.cache/micrograde``): the first grade with a new rubric pays one grading
of the reference (1-2 s), later ones nothing. An unwritable cache only costs
that time again.
"""
from __future__ import annotations

import hashlib
import shutil
from importlib import resources
from typing import Callable

from harness.core.cache import cache_folder
from harness.grading.exercise import Target, reference_folder
from harness.grading.rubric import Rubric, RubricError


def verdict_key(rubric: Rubric) -> str:
    """What must be equal for a verdict to stand: the rubric, the reference, the grader."""
    from importlib import metadata   # late: 15 ms of every run, for a course's rubric only
    digest = hashlib.sha256(rubric.digest.encode())
    try:
        digest.update(metadata.version("micrograde").encode())
    except metadata.PackageNotFoundError:
        pass
    package = resources.files("harness.reference")
    for reference_file in sorted(set(rubric.reference.values())):
        digest.update((package / reference_file).read_bytes())
    return digest.hexdigest()[:32]


def vet(rubric: Rubric, grade: Callable) -> None:
    """Grade the reference on ``rubric`` (once per content hash); RubricError if it loses points.

    ``grade(target, folder)`` grades a folder without vetting again (it is
    ``harness.grading.run.grade_exercise``, passed in: this module sits below it).
    """
    if rubric.builtin:
        return
    mark = cache_folder() / "rubrics" / f"{verdict_key(rubric)}.ok"
    if mark.is_file():
        return
    folder = reference_folder(rubric)
    try:
        result = grade(Target(folder, rubric), folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    failed = [c for c in result.checks if not c.passed]
    if failed:
        first = failed[0]
        why = "; ".join(f"[{d.id}] {d.message}" for d in first.diagnoses[:2]) or "no diagnosis"
        raise RubricError(rubric.source, f"checks.{first.name}",
                          f"the reference solution fails this check ({why}), so every student "
                          f"would; change the check (its graphs, ops, limits) or remove it"
                          + (f". Also failed: {', '.join(c.name for c in failed[1:])}" if failed[1:] else ""))
    try:
        mark.parent.mkdir(parents=True, exist_ok=True)
        mark.write_text(f"{rubric.source}\n", encoding="utf-8")
    except OSError:
        pass   # no cache: the next grade checks the reference again


__all__ = ["vet", "cache_folder", "verdict_key"]

"""``%grade`` in Jupyter or Colab: grade what the student ran, without leaving the notebook.

``%load_ext harness`` registers the magic; ``%grade 04_engine`` (the name may
be left out when the notebook's folder is an exercise folder) grades the
cells of this session *in the order they were run*, as the kernel's history
holds them, under the notebook rules (``harness.grading.notebook``): magics
and shell lines are skipped, a class defined twice counts as its last
definition. Those cells become a temporary notebook that is graded exactly as
``grade`` grades one, so the student's code runs in the usual sandboxed
worker (a subprocess, with its limits and whatever isolation layer this
machine offers: Colab runs as root, without bubblewrap, Landlock maybe), never
in the kernel's own process.

The result shows as the HTML report (``_repr_html_``, the failing examples
drawn when Graphviz is installed), or as the text report where HTML is not
shown.
"""
from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

from harness.classroom.weak_sandbox import flag_weak_sandbox
from harness.core.results import Report
from harness.core.errors import UsageError
from harness.grading.exercise import Target, find_targets, target_for
from harness.grading.run import Options, grade_exercise

USAGE = "%grade [EXERCISE]   e.g. %grade 04_engine (optional inside an exercise folder)"


class GradeResult:
    """A report that Jupyter shows as HTML, and anything else as text."""

    def __init__(self, report: Report):
        self.report = report

    def _repr_html_(self) -> str:
        from harness.render import html
        return html.render(self.report)

    def __repr__(self) -> str:
        from harness.render import text
        return text.render(self.report)

    @property
    def full_marks(self) -> bool:
        return self.report.full_marks


class _Message:
    """A usage error shown as a plain line, not a traceback (it is the student's next step)."""

    def __init__(self, text: str):
        self.text = text

    def __repr__(self) -> str:
        return self.text


def load_ipython_extension(ipython) -> None:
    """``%load_ext harness``: register ``%grade``."""
    ipython.register_magic_function(lambda line: grade_magic(ipython, line), magic_kind="line",
                                    magic_name="grade")


def session_cells(ipython) -> list:
    """The raw source of every cell run in this session, in execution order (the current one last)."""
    return [source for _, _, source in ipython.history_manager.get_range(session=0, raw=True, output=False)]


def grade_magic(ipython, line: str, seed: int = 0):
    """``%grade [EXERCISE]``: the report of this session's cells, graded as EXERCISE."""
    name = line.strip()
    if len(name.split()) > 1 or name.startswith("-"):
        return _Message(f"usage: {USAGE}")
    try:
        return GradeResult(grade_cells(session_cells(ipython), name or None, Path.cwd(), seed))
    except UsageError as exc:
        return _Message(f"%grade: {exc}\nusage: {USAGE}")


def grade_cells(cells: list, exercise: str | None, here: Path, seed: int = 0) -> Report:
    """Grade ``cells`` (Python sources, magics allowed) as ``exercise``, or as the folder ``here`` is."""
    import nbformat   # the grader's dependency already: notebooks are read with it
    if exercise is None:
        try:
            targets = find_targets([str(here)])
        except UsageError:
            raise UsageError(f"{here} is not an exercise folder: name the exercise, e.g. %grade 04_engine") from None
        if len(targets) != 1:
            raise UsageError(f"{here} holds {len(targets)} exercises: name one, e.g. %grade {targets[0].rubric.name}")
        rubric = targets[0].rubric
    else:
        rubric = target_for(here, exercise).rubric
    folder = Path(tempfile.mkdtemp(prefix="micrograde-session-"))
    try:
        notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
        # the folder's only notebook: it stands for every file of the exercise (value.py, nn.py)
        nbformat.write(notebook, str(folder / "session.ipynb"))
        started = time.monotonic()
        report = Report(seed=seed)
        report.exercises.append(grade_exercise(Target(folder, rubric), folder, Options(seed=seed),
                                               "this notebook's session"))
        report.seconds = time.monotonic() - started
        return flag_weak_sandbox(report)
    finally:
        shutil.rmtree(folder, ignore_errors=True)

"""A pytest plugin (entry point ``pytest11``): ``pytest exercises/`` runs the checks.

Every check of every exercise becomes a test item, so students see the checks
in their editor's test panel. An exercise is graded once, exactly as ``grade``
grades it (its own worker process, the same limits), and each item reports its
check from that one result: points in ``user_properties`` (``points``,
``score``; JUnit XML keeps them), the diagnosis and the example as the failure
text.

What is collected: an exercise folder (one holding ``micrograde.yaml``) when
you name it or the folder holding it on the command line (``pytest
exercises/``, ``pytest exercises/04_engine``), or run ``pytest`` with no
arguments inside either (and no config ``testpaths``). Nothing else: a run
from ``testpaths``, folders deeper down, and inside the ``testpaths`` folders
(a project's own suite and its fixtures) anything but an exercise folder named
itself, are left alone. ``-p no:micrograde`` turns the plugin off.

Options: ``--micrograde-seed N``; ``--micrograde-reference`` grades the
reference solution in place of the student's files (to try a setup).
"""
from __future__ import annotations

from pathlib import Path

import pytest
from harness.core.errors import MicrogradeError

MARKER = "micrograde.yaml"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("micrograde", "micrograde: the exercises' checks as tests")
    group.addoption("--micrograde-seed", type=int, default=0, metavar="N",
                    help="seed for generated graphs (default: 0, as grade)")
    group.addoption("--micrograde-reference", action="store_true",
                    help="grade the reference solution in place of the student's files")


def pytest_collect_file(file_path: Path, parent: pytest.Collector):
    if file_path.name == MARKER and _asked_for(file_path, parent.config):
        return ExerciseFile.from_parent(parent, path=file_path)
    return None


def _asked_for(marker: Path, config: pytest.Config) -> bool:
    """True when the exercise folder, or the folder holding it, was named by the user.

    Inside the project's ``testpaths`` (its own suite, where fixture folders
    live) only an exercise folder named itself counts.
    """
    source = config.args_source
    if source == pytest.Config.ArgsSource.ARGS:
        roots = {(config.invocation_params.dir / a.split("::")[0]).resolve() for a in config.args}
    elif source == pytest.Config.ArgsSource.INVOCATION_DIR:
        roots = {Path(config.invocation_params.dir).resolve()}
    else:  # testpaths: the project's own test suite
        return False
    marker = marker.resolve()
    folder = marker.parent
    if {marker, folder} & roots:
        return True
    suites = [(config.rootpath / p).resolve() for p in config.getini("testpaths")]
    if any(s == folder or s in folder.parents for s in suites):
        return False
    return folder.parent in roots


class ExerciseFile(pytest.File):
    """One exercise folder's marker: yields one item per check of its rubric."""

    def collect(self):
        from harness.core.errors import UsageError
        from harness.grading.exercise import find_targets
        from harness.grading.rubric import RubricError
        try:
            self.target = find_targets([str(self.path.parent)])[0]
        except (UsageError, RubricError) as exc:
            raise self.CollectError(f"micrograde: {exc}") from None
        self._result = None
        self._error: BaseException | None = None
        for check in self.target.rubric.checks:
            yield CheckItem.from_parent(self, name=check.name, check_name=check.name, points=check.points)

    def result(self):
        """The exercise's ``ExerciseResult``, graded on first use."""
        if self._error is not None:
            raise self._error
        if self._result is None:
            try:
                self._result = self._grade()
            except BaseException as exc:
                self._error = exc
                raise
        return self._result

    def _grade(self):
        import shutil

        from harness.grading.exercise import reference_folder
        from harness.grading.run import Options, grade_exercise
        options = Options(seed=self.config.getoption("micrograde_seed"))
        if not self.config.getoption("micrograde_reference"):
            return grade_exercise(self.target, self.target.folder, options)
        folder = reference_folder(self.target.rubric)
        try:
            return grade_exercise(self.target, folder, options, f"reference for {self.target.folder}")
        finally:
            shutil.rmtree(folder, ignore_errors=True)


class CheckFailed(MicrogradeError):
    """A check did not pass; carries its ``CheckResult`` for the failure text."""

    def __init__(self, check):
        super().__init__(check.name)
        self.check = check


class CheckItem(pytest.Item):
    def __init__(self, *, check_name: str, points: float, **kwargs):
        super().__init__(**kwargs)
        self.check_name = check_name
        self.user_properties.append(("points", points))

    def runtest(self) -> None:
        result = self.parent.result()
        check = next((c for c in result.checks if c.name == self.check_name), None)
        if check is None:  # the rubric and the result disagree: the grader's fault
            raise RuntimeError(f"micrograde: no result for check {self.check_name!r}")
        self.user_properties.append(("score", check.score))
        if not check.passed:
            raise CheckFailed(check)

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, CheckFailed):
            from harness.render._shared import failure_text, points, printable
            check = excinfo.value.check
            return printable(f"{self.parent.target.rubric.name}: {check.name} failed "
                             f"({points(check.score)}/{points(check.max_score)} points)\n\n" + failure_text(check))
        return super().repr_failure(excinfo, style)

    def reportinfo(self):
        return self.path, None, f"{self.parent.target.rubric.name}: {self.check_name}"

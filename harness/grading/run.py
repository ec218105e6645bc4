"""Grade one exercise: start a worker, load the submission, run every check.

The exercise has a wall-clock budget (``limits.exercise_seconds``): a
submission that hangs uses it up once, and the checks left are reported as not
run, instead of each waiting out its own limit. Once a check has timed out, each
later request gets ``limits.hang_seconds`` at most, and everything left (the
later checks, the screens of each operation alone, the probes, the re-runs for
per-family credit) shares checks x hang_seconds: a submission that hangs is
reported within check_seconds + checks x hang_seconds, 28 s for 04_engine, 26 s
for 05_nn, at most 30 s for every shipped exercise (tests/security/test_limits.py).

A hang costs its limit once where it can:

* in backward() itself (not in one operation's ``_backward``): the exercise's
  first request of gradients starts with one operation alone (``a + b``, not
  judged with the check), so a backward() that hangs on every graph is seen to
  after one wait, and every later gradient check is reported as not run. A hang
  on a larger graph runs the screens at once, and when even one operation alone
  hangs there, the same follows;
* in one operation's ``_backward`` (the worker's watchdog says which): that
  operation is pinned like a missing one, later generated checks are not run
  with it, and the other operations earn their shares (``harness.grading.credit``).

A worker that dies or hangs is replaced for the next check; a submission that
cannot be loaded fails every check with the same reason, without starting more
workers.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from harness.core import ops
from harness.grading import checks, credit, vetting
from harness.diagnosis import diagnose
from harness.graphs import example_graph
from harness.graphs import judge
from harness.core.errors import UsageError
from harness.grading.exercise import Target, load_plan
from harness.grading.rubric import RubricError
from harness.sandbox.layers import SandboxUnavailable
from harness.core.results import CheckResult, ExerciseResult
from harness.sandbox.process import WorkerFailure, WorkerProcess, current_layer, start_worker
from harness.core.kinds import EXCEPTION, FORBIDDEN_IMPORT, IMPORT_ERROR, TIMEOUT


@dataclass(frozen=True)
class Options:
    seed: int = 0
    examples: int | None = None      # overrides every generated check's graph count


def grade_exercise(target: Target, folder: Path, options: Options, display_path: str = "",
                   vet: bool = True) -> ExerciseResult:
    """Grade the submission in ``folder`` against ``target.rubric``.

    A course's rubric is first graded on the reference (``vet``, cached): one
    the reference fails is a RubricError, never a student's zero."""
    rubric = target.rubric
    if vet:
        vetting.vet(rubric, lambda t, f: grade_exercise(t, f, Options(), "the reference", vet=False))
    budget_end = time.monotonic() + rubric.limits.exercise_seconds
    loaded, why_not, plan_warnings = load_plan(folder, rubric)
    session = _Session(folder, rubric, loaded) if loaded else None
    try:   # the exercise's first worker, started now, also chooses the layer on a process's first run
        layer = session.start() if session is not None else current_layer()
    except SandboxUnavailable as exc:
        raise UsageError(str(exc)) from None
    except UsageError as exc:   # limits a worker cannot start under: the rubric's file says them
        raise RubricError(rubric.source, "limits", str(exc)) from None
    result = ExerciseResult(rubric.name, display_path or str(target.folder), rubric.title,
                            sandbox=layer)
    result.warnings.extend(plan_warnings)
    load_failure = None if loaded else judge.Failure(IMPORT_ERROR, why_not)
    failed: list = []
    outcomes: dict = {}   # check name -> what it saw, for per-family credit
    hung = False   # after a timeout, later checks get hang_seconds: a hang is reported soon
    screened = None        # the one-operation screens, once run (at once after a hang in backward())
    hangs_alone = ""       # why later gradient checks are not run: backward() hangs on one operation
    hanging: dict = {}     # family whose own _backward hung -> the check where it did
    # One operation alone, ahead of the first request of gradients: a backward() that hangs
    # on it is known to hang on every graph after one wait, not after a second one to check.
    lone = credit.lone_operation(rubric) if any(c.backward for c in rubric.checks) else None
    lead = [lone] if lone is not None else []   # sent by the first request it fits (Asker.lead)
    try:
        for check in rubric.checks:
            started = time.monotonic()
            outcome, failure = None, load_failure
            remaining = budget_end - started
            if failure is None and remaining <= 0:
                failure = judge.Failure(TIMEOUT, f"not run: the exercise's time budget of "
                                        f"{rubric.limits.exercise_seconds:g} s was used up by earlier checks")
            if failure is None and hangs_alone and check.backward:
                failure = judge.Failure(TIMEOUT, hangs_alone)
            if failure is None and check.backward and check.kind == "generated":
                failure = _hangs_in(check, hanging)
            if failure is None:
                seconds, limit = _time_limit(check, rubric.limits, remaining, hung)
                asker = None
                try:
                    asker = session.asker(time.monotonic() + seconds)
                    if not hung:
                        asker.lead = lead
                    outcome = outcomes[check.name] = checks.run_check(check, rubric, asker, options.seed,
                                                                      options.examples)
                    failure = outcome.failure
                    if asker.forbidden:
                        failure = _forbidden(asker.forbidden)
                except _LoadFailed as exc:
                    failure = load_failure = exc.failure
                    if exc.waited and failure.kind == TIMEOUT:
                        failure.message = f"importing the submission did not finish within {limit}" \
                            + exc.located
                except WorkerFailure as exc:
                    failure = judge.Failure(exc.kind, exc.detail)
                    if exc.kind == TIMEOUT:  # the limit, not the time left: the same text every run
                        if asker is not None and asker.capped:
                            limit = (f"{rubric.limits.hang_seconds:g} s for {asker.capped} small graphs "
                                     f"(a working engine answers them in milliseconds)")
                        failure.message = f"no answer within {limit}" + exc.located()
                        failure.graph, failure.backward = exc.graph, exc.backward  # what was computed
                        failure.family = credit.hung_family(exc)
                        if failure.family:
                            hanging.setdefault(failure.family, check.name)
                        if not hung:   # what follows (checks, screens, probes, re-runs) shares this
                            budget_end = min(budget_end, time.monotonic()
                                             + len(rubric.checks) * rubric.limits.hang_seconds)
                        hung = True
                    session.close()
                    if exc.kind == TIMEOUT and exc.backward and screened is None and _in_backward(exc):
                        # A hang in backward() itself, not in one operation's _backward: the rows
                        # alone say at once whether every later gradient check would hang too.
                        if lone is not None and exc.graph == lone:
                            screened, hangs_alone = [], (
                                f"not run: backward() hung in {check.name!r} on one operation alone "
                                f"(`{credit.lone_code(lone)}`): every gradient check would hang the same way")
                        else:
                            screened, alone = _screens(rubric, session, budget_end,
                                                       rubric.limits.hang_seconds, split=True)
                            if alone:
                                hangs_alone = (f"not run: backward() hung in {check.name!r}, and again "
                                               f"on one operation alone (`{credit.lone_code(lone)}`): "
                                               f"every gradient check would hang the same way")
            if failure is not None:
                others = outcome.others if outcome and failure is outcome.failure else ()
                shown = (failure,) + tuple(others)[:2]
                failed.append(diagnose.FailedCheck(check.name, failure, _example(shown), shown[1:]))
            result.checks.append(CheckResult(
                name=check.name, max_score=check.points, passed=failure is None,
                description=check.description, visibility=check.visibility,
                graphs_checked=outcome.graphs_checked if outcome else 0,
                seconds=time.monotonic() - started,
                families={f: credit.PASSED for f in credit.scope_of(check)} if failure is None else {}))
        if failed:
            analysable = session is not None and load_failure is None
            # Once a check has timed out, the screens and the probes get hang_seconds too: a
            # submission whose backward() hangs would hang in them as well (10 s more, each).
            after = rubric.limits.hang_seconds if hung else rubric.limits.check_seconds
            if screened is None:
                screened = _screens(rubric, session, budget_end, after)[0] \
                    if analysable and _credited(rubric, failed) else []
            left = budget_end - time.monotonic()
            probe_seconds = min(left, after) if hung else left
            found = diagnose.diagnose(rubric, failed + screened, session.asker, probe_seconds) \
                if analysable else diagnose.unloaded(failed)
            failures = {f.name: f.failure for f in failed}
            for check in result.checks:
                check.diagnoses = found.get(check.name, [])
                for d in check.diagnoses:  # the example as data, for pictures
                    d.graph = d.graph or example_graph.describe(failures[check.name])
            if analysable:   # the shares of the families that work (harness.grading.credit)
                pairs = [(c, r, outcomes.get(c.name)) for c, r in zip(rubric.checks, result.checks)
                         if not r.passed]
                credit.Award(rubric, session, options.seed, options.examples, budget_end, found,
                             screened, rubric.limits.hang_seconds if hung else None).run(pairs)
    finally:
        if session is not None:
            result.warnings.extend(session.warnings)
            session.close()
    return result


def _credited(rubric, failed: list) -> bool:
    """Whether a check that can earn per-family credit failed (the screens are for those)."""
    kinds = {c.name: c.kind for c in rubric.checks}
    return any(kinds.get(f.name) in credit.CREDITED_KINDS for f in failed)


def _hangs_in(check, hanging: dict) -> judge.Failure | None:
    """A generated check drawing an operation whose ``_backward`` already hung is not run with it:
    it would hang again; per-family credit grades it on the other operations."""
    family = next((op.family for op in check.ops if op.family in hanging), None)
    if family is None:
        return None
    return judge.Failure(TIMEOUT, f"not run with {ops.symbol(family)}: its `_backward` hung in "
                         f"{hanging[family]!r}; the other operations are graded without it",
                         family=family)


def _in_backward(exc: WorkerFailure) -> bool:
    """Whether a timeout was in backward() and not in one operation's own ``_backward``."""
    where = exc.where or {}
    return where.get("phase") == "backward" and not isinstance(where.get("operation"), str)


def _screens(rubric, session, budget_end: float, seconds: float, split: bool = False) -> tuple:
    """Each operation alone: (the failing screens, whether backward() hung on them)."""
    remaining = budget_end - time.monotonic()
    if remaining <= 1.0:
        return [], False

    def asker():
        return session.asker(time.monotonic() + min(seconds, budget_end - time.monotonic()))
    try:
        return credit.screens(rubric, asker, split)
    except _LoadFailed:
        session.close()
        return [], False


def _time_limit(check, limits, remaining: float, hung: bool) -> tuple:
    """This check's wall-clock seconds, and how to name that limit in a message."""
    seconds = check.seconds or limits.check_seconds
    text = f"the check's time limit of {seconds:g} s"
    if hung and limits.hang_seconds < seconds:
        seconds = limits.hang_seconds
        text = f"{seconds:g} s (the limit once an earlier check has timed out)"
    if remaining < seconds:
        return remaining, f"the time left of the exercise's {limits.exercise_seconds:g} s"
    return seconds, text


class _LoadFailed(Exception):
    def __init__(self, failure: judge.Failure, located: str = "", waited: bool = False):
        self.failure, self.located = failure, located   # located: where an import hung
        self.waited = waited   # the grader's deadline passed (not a stop the worker reported)


def _example(shown: tuple) -> str:
    """The failing graph, and for a fixed check up to two more that fail."""
    return "\n\n".join(judge.example(f) for f in shown if f.graph is not None)


def _forbidden(names: list) -> judge.Failure:
    shown = ", ".join(sorted(set(names)))
    return judge.Failure(FORBIDDEN_IMPORT, f"the submission imports {shown}, which this exercise does "
                         "not allow: write the engine yourself, with the standard library")


class _Session:
    """The worker of one exercise, started (and loaded) on first use."""

    def __init__(self, folder: Path, rubric, loaded: list):
        self.folder, self.rubric, self.loaded = folder, rubric, loaded
        self.worker: WorkerProcess | None = None
        self.fresh = False         # the worker has not loaded the submission yet
        self.warnings: list = []   # from loading: notebook cells skipped (a display package missing)

    def start(self) -> str:
        """Start the first worker (it loads on first use); the layer it runs in."""
        self.worker, self.fresh = start_worker(self.folder, self.rubric.limits), True
        return self.worker.layer

    def asker(self, deadline: float) -> checks.Asker:
        if self.worker is not None and self.worker.stopped:
            # Killed after a timeout where nobody closed the session (the probes catch their
            # own failures): asking that worker again would read its SIGKILL as the student's.
            self.close()
        if self.worker is None:
            self.worker, self.fresh = WorkerProcess(self.folder, self.rubric.limits), True
        if self.fresh:
            self.fresh = False
            self._load(deadline)
        return checks.Asker(self.worker, self.rubric.entry, deadline, self.rubric.limits.hang_seconds)

    def _load(self, deadline: float) -> None:
        # Top-level code still running after hang_seconds of CPU is stopped in the worker, and
        # what it defined is graded (harness.worker.budget): training at the top level costs
        # nothing, and a loop that never ends costs hang_seconds, not the check's limit.
        request = {"op": "load", "sources": self.loaded, "entry": self.rubric.entry,
                   "forbidden": list(self.rubric.forbidden_imports),
                   "top_level_seconds": self.rubric.limits.hang_seconds}
        try:
            answer = self.worker.call(request, max(0.1, deadline - time.monotonic()))
        except WorkerFailure as exc:
            self.close()
            detail = f"while importing the submission: {exc.detail}"
            raise _LoadFailed(judge.Failure(exc.kind, detail), exc.located(), waited=True) from None
        forbidden = answer.get("forbidden") if isinstance(answer, dict) else None
        said = answer.get("warnings") if isinstance(answer, dict) else None
        if isinstance(said, list) and not self.warnings:   # untrusted: short strings only
            self.warnings = [str(w)[:300] for w in said[:20] if isinstance(w, str)]
        if isinstance(forbidden, list) and forbidden:
            raise _LoadFailed(_forbidden([str(x) for x in forbidden]))
        if not isinstance(answer, dict) or answer.get("ok") is not True:
            error = answer.get("error") if isinstance(answer, dict) else None
            failure = judge.exception_failure(error, None, True)
            if failure.kind == EXCEPTION:
                failure.kind = IMPORT_ERROR
                failure.message = "importing the submission " + failure.message
            raise _LoadFailed(failure)

    def close(self) -> None:
        if self.worker is not None:
            self.worker.close()
            self.worker = None


__all__ = ["Options", "grade_exercise"]

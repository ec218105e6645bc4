"""``grade --audit``: the instructor's check of the checks.

Every bug model (one misconception each, from ``harness.diagnosis.models``) is written
out as a submission and graded exactly like a student's, through the worker,
against every exercise where its misconception is in scope. The audit passes
when every catalogue id is detected by some exercise and diagnosed with its
own id there, and the reference loses nothing.
"""
from __future__ import annotations

import dataclasses
import shutil
import tempfile
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path

from harness.diagnosis import catalogue
from harness.diagnosis import models
from harness.classroom import nn_audit
from harness.classroom.progress import Progress, ignore_sigint, stop_pool
from harness.diagnosis import nn_models
from harness.grading import course
from harness.grading.exercise import Target, reference_folder
from harness.grading.run import Options, grade_exercise
from harness.core.ops import lecture_style, wrong_derivatives
from harness.diagnosis.models import Defect, Model
from harness.diagnosis.catalogue import (BACKWARD_NOT_PROPAGATING, GRAD_OVERWRITE, MISSING_CHAIN_RULE,
                                         MISSING_GRAD_SEED, MISSING_OPERATION, NUMBER_OPERAND,
                                         RECURSION_DEPTH, REFLECTED_OPERAND, REPEATED_BACKWARD,
                                         VALUE_IDENTITY, WRONG_DERIVATIVE, WRONG_FORWARD,
                                         WRONG_TOPOLOGICAL_ORDER)

_ENGINE_LEVEL = (MISSING_GRAD_SEED, BACKWARD_NOT_PROPAGATING, WRONG_TOPOLOGICAL_ORDER, REPEATED_BACKWARD,
                 VALUE_IDENTITY, RECURSION_DEPTH)


@dataclass(frozen=True)
class AuditModel:
    name: str
    defect: Defect
    model: Model


# What a model also is, truly: a backward that recurses per level also fails a deep chain.
ALSO = {"repeated-backward-recursive": {RECURSION_DEPTH}}


def audit_models() -> list:
    """One model per misconception and operation, written the lecture's way."""
    out = []

    def add(defect: Defect):
        # A defect in -, unary - or / needs that operation written on its own.
        style = {f: b for f, b in lecture_style().items() if f != defect.family}
        name = defect.name
        out.append(AuditModel(name, defect, Model(frozenset({defect}), tuple(sorted(style.items())))))

    for family in catalogue.FAMILIES:
        add(Defect(WRONG_FORWARD, family))
        add(Defect(WRONG_DERIVATIVE, family, next(iter(wrong_derivatives(family)), "no-graph")))
    for family in catalogue.COURSE_FAMILIES:   # log, sigmoid: every variant, in scope of a course's rubric only
        add(Defect(WRONG_FORWARD, family))
        for variant in wrong_derivatives(family):
            add(Defect(WRONG_DERIVATIVE, family, variant))
    for family in ("add", "mul", "tanh", "exp", "pow", "relu") + catalogue.COURSE_FAMILIES:
        add(Defect(GRAD_OVERWRITE, family))
        add(Defect(MISSING_CHAIN_RULE, family))
    add(Defect(MISSING_GRAD_SEED))
    add(Defect(BACKWARD_NOT_PROPAGATING, "", "nothing"))   # told from no seed by the worker's fact
    add(Defect(BACKWARD_NOT_PROPAGATING, "", "missing"))   # no backward method: a rule
    for variant in ("not-reversed", "breadth-first", "pre-order"):
        add(Defect(WRONG_TOPOLOGICAL_ORDER, "", variant))
    for variant in ("recursive", "no-visited"):
        add(Defect(REPEATED_BACKWARD, "", variant))
    add(Defect(VALUE_IDENTITY))
    add(Defect(RECURSION_DEPTH))
    add(Defect(NUMBER_OPERAND, "", "raises"))
    add(Defect(REFLECTED_OPERAND, "", "raises"))
    add(Defect(REFLECTED_OPERAND, "", "swapped"))
    add(Defect(MISSING_OPERATION, "relu"))
    return out


def in_scope(defect: Defect, rubric) -> bool:
    families = {op.family for op in rubric.ops}
    rows = {op.name for op in rubric.ops}
    backward = any(c.backward for c in rubric.checks)
    if defect.id == RECURSION_DEPTH:
        return any(c.kind == "chain" for c in rubric.checks)
    if defect.id in _ENGINE_LEVEL or defect.id in (GRAD_OVERWRITE, MISSING_CHAIN_RULE, WRONG_DERIVATIVE):
        if not backward:
            return False
    if defect.id == NUMBER_OPERAND:
        return any(r.endswith("_num") for r in rows)
    if defect.id == REFLECTED_OPERAND:
        return bool(rows & {"radd", "rsub", "rmul", "rdiv"})
    return not defect.family or defect.family in families


def model_source(model: Model) -> str:
    """``value.py`` for a model; the engine itself goes beside it as ``bug_model.py``.

    The engine is copied into the submission folder so that its frames and
    closures are the submission's, as a student's would be.
    """
    defects = ", ".join(f"Defect.parse({str(d)!r})" for d in sorted(model.defects))
    return ("# A bug model written out as a submission by grade --audit.\n"
            "from bug_model import Defect, Model, model_class\n\n"
            f"Value = model_class(Model(frozenset({{{defects}}}), {model.derived!r}))\n")


@dataclass
class Row:
    model: str
    expected: str                 # the id the model must be diagnosed with
    results: dict                 # exercise -> (failed check names, diagnosed ids)
    also: frozenset = frozenset() # ids it may carry besides, because it truly has them

    @property
    def detected(self) -> bool:
        return any(failed and self.expected in ids for failed, ids in self.results.values())

    @property
    def exact(self) -> bool:
        """Diagnosed with its own id and nothing else, wherever it failed."""
        return self.detected and all(not failed or self.expected in ids <= {self.expected} | self.also
                                     for failed, ids in self.results.values())


def _grade_one(job) -> tuple:
    """Grade one model (or, with no source, the reference) on one exercise, in a child process."""
    rubric_path, source, options, key = job
    rubric = course.by_name_or_path(rubric_path)   # a built-in rubric, or a course's (its marker)
    if source is not None:  # the models import harness.diagnosis.models: allowed here, and only here
        rubric = dataclasses.replace(rubric, forbidden_imports=tuple(
            m for m in rubric.forbidden_imports if m != "harness"))
    if source is None:
        folder = reference_folder(rubric)
    else:
        folder = Path(tempfile.mkdtemp(prefix="micrograde-audit-"))
        (folder / rubric.files[0]).write_text(source, encoding="utf-8")
        shutil.copyfile(models.__file__, folder / "bug_model.py")
    try:
        result = grade_exercise(Target(folder, rubric), folder, options, str(folder))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return key, rubric.name, result.failed_checks, result.diagnosis_ids


def run_audit(targets: list, options: Options, jobs: int = 2, progress: bool = False) -> tuple:
    """Grade every model (and the reference) on every exercise in scope: (rows, reference_ok)."""
    models = audit_models()
    work = []
    for target in targets:
        work.append((target.rubric.source, None, options, "reference"))
        if not nn_audit.is_nn(target.rubric):   # 05_nn has its own models (harness.classroom.nn_audit)
            work.extend((target.rubric.source, model_source(m.model), options, m.name)
                        for m in models if in_scope(m.defect, target.rubric))
    rows = {m.name: Row(m.name, m.defect.key(), {}, frozenset(ALSO.get(m.name, ()))) for m in models}
    nn_work = nn_audit.nn_work(targets, options)
    rows.update({key: Row(key, nn_models.catalogue_id(defect), {}) for _, defect, _, key in nn_work})
    reference_ok = True
    jobs_all = [(_grade_one, job) for job in work] + [(nn_audit.grade_nn_one, job) for job in nn_work]
    for key, exercise, failed, ids in _run_pool(jobs_all, jobs, progress):
        if key == "reference":
            reference_ok = reference_ok and not failed
        else:
            rows[key].results[exercise] = (failed, ids)
    return [r for r in rows.values() if r.results], reference_ok


def _run_pool(calls: list, jobs: int, show: bool) -> list:
    """Every ``(function, job)`` in a pool, in order; progress on stderr; Ctrl-C stops the pool."""
    progress = Progress(len(calls), "audit gradings") if show else None
    pool = ProcessPoolExecutor(max_workers=max(1, jobs), initializer=ignore_sigint)
    try:
        futures = {pool.submit(fn, job): f"{job[-1]} on {Path(job[0]).stem}" for fn, job in calls}
        pending = set(futures)
        while pending:
            if progress:
                for f in pending:
                    if f.running() and futures[f] not in progress.waiting:
                        progress.start(futures[f])
            done, pending = wait(pending, timeout=1.0, return_when=FIRST_COMPLETED)
            for f in done:
                f.result()
                if progress:
                    progress.step(futures[f], "done")
            if progress:
                progress.tick()
        if progress:
            progress.finish()
        pool.shutdown()
        return [f.result() for f in futures]
    except BaseException:
        stop_pool(pool)
        raise


def render(rows: list, reference_ok: bool) -> str:
    lines = [f"{'model':<40} {'expected id':<24} result", "-" * 100]
    for row in rows:
        verdict = "exact" if row.exact else "detected" if row.detected else "MISSED"
        per = "; ".join(f"{ex}: {','.join(sorted(ids)) or '-'}" for ex, (failed, ids) in sorted(row.results.items())
                        if failed)
        lines.append(f"{row.model:<40} {row.expected:<24} {verdict:<8} {per or 'no check failed'}")
    covered = {r.expected for r in rows if r.detected}
    missing = sorted({r.expected for r in rows} - covered)
    lines.append("")
    lines.append(f"reference: {'full marks' if reference_ok else 'LOST POINTS'}")
    lines.append(f"models: {len(rows)}, detected with their own id: {sum(r.detected for r in rows)}, "
                 f"exactly: {sum(r.exact for r in rows)}")
    if missing:
        lines.append(f"ids never diagnosed: {', '.join(missing)}")
    return "\n".join(lines) + "\n"


def passed(rows: list, reference_ok: bool) -> bool:
    return reference_ok and all(r.detected for r in rows)

"""``grade --audit`` for the neural-net layer (exercise 05_nn).

Each nn bug model (``harness.diagnosis.nn_models``) is written out as a submission: the
reference engine as ``value.py``, ``harness/diagnosis/nn_models.py`` beside it as
``nn_bug_model.py``, and an ``nn.py`` that builds the model on that engine.
It is graded exactly like a student's, through the worker, and must be
diagnosed with its own catalogue id wherever a check fails.
"""
from __future__ import annotations

import shutil
import tempfile
from importlib import resources
from pathlib import Path

from harness.diagnosis import nn_models
from harness.grading import course
from harness.grading.exercise import Target
from harness.grading.run import grade_exercise


def is_nn(rubric) -> bool:
    return any(c.kind == "nn" for c in rubric.checks)


def nn_source(defect: str) -> str:
    return ("# An nn bug model written out as a submission by grade --audit.\n"
            "from value import Value\n"
            "from nn_bug_model import build\n\n"
            f"globals().update(build(Value, {defect!r}))\n")


def nn_work(targets: list, options) -> list:
    """(rubric source, defect, options, row key) for every nn model on every nn exercise."""
    return [(t.rubric.source, defect, options, f"nn-{defect.replace(':', '-')}")
            for t in targets if is_nn(t.rubric) for defect in nn_models.DEFECTS]


def grade_nn_one(job) -> tuple:
    """Grade one nn model on one exercise, in a child process: (key, exercise, failed, ids)."""
    rubric_path, defect, options, key = job
    rubric = course.by_name_or_path(rubric_path)   # a built-in rubric, or a course's (its marker)
    folder = Path(tempfile.mkdtemp(prefix="micrograde-audit-nn-"))
    try:
        with resources.as_file(resources.files("harness.reference") / "engine.py") as engine:
            shutil.copyfile(engine, folder / "value.py")
        shutil.copyfile(nn_models.__file__, folder / "nn_bug_model.py")
        (folder / "nn.py").write_text(nn_source(defect), encoding="utf-8")
        result = grade_exercise(Target(folder, rubric), folder, options, str(folder))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return key, rubric.name, result.failed_checks, result.diagnosis_ids

"""The one result model: what a grading run found, before any rendering.

``Report`` > ``ExerciseResult`` > ``CheckResult`` > ``Diagnosis``. Every
renderer (text, JSON, and the platform formats) reads these and nothing else.
``to_dict`` gives the versioned JSON shape documented in the README; timings
live under keys that say so, so that two runs can be compared without them.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

JSON_VERSION = 1


@dataclass
class Diagnosis:
    """Why a check failed: a catalogue id, a message, and a pasteable example."""

    id: str
    message: str
    example: str = ""
    title: str = ""
    line: str = ""        # "value.py, line 23" when the student's code is located
    advice: str = ""      # what to change
    # The example as data for pictures (harness.graphs.example_graph): every value with its
    # expected and actual data and grad. Empty when there is no small graph to draw.
    graph: dict = field(default_factory=dict)
    # The operation family the misconception lives in ("tanh"), when it is one operation's;
    # per-family credit reads it (harness.diagnosis.pinning). Not part of the JSON.
    family: str = ""

    def to_dict(self) -> dict:
        d = {"id": self.id, "message": self.message, "example": self.example}
        for key in ("title", "line", "advice", "graph"):
            if getattr(self, key):
                d[key] = getattr(self, key)
        return d


@dataclass
class CheckResult:
    name: str
    max_score: float
    passed: bool
    diagnoses: list = field(default_factory=list)
    description: str = ""
    graphs_checked: int = 0
    seconds: float = 0.0
    # Points a failed check still earns: the shares of the families that work
    # (harness.grading.credit). Exact, never rounded: renderers round for display.
    earned: float = 0.0
    # family -> "passed", or the id that cost it its share ("missing-operation").
    families: dict = field(default_factory=dict)
    visibility: str = "visible"    # the rubric's; a student's own report hides a check that is not visible

    @property
    def score(self) -> float:
        return self.max_score if self.passed else self.earned

    @property
    def hidden(self) -> bool:
        return self.visibility != "visible"

    def to_dict(self) -> dict:
        d = {"name": self.name, "score": _number(self.score), "max_score": _number(self.max_score),
             "passed": self.passed, "description": self.description,
             "graphs_checked": self.graphs_checked,
             "diagnoses": [d.to_dict() for d in self.diagnoses],
             "timing": {"seconds": round(self.seconds, 3)}, "visibility": self.visibility}
        if self.families:
            d["families"] = dict(self.families)
        return d


@dataclass
class ExerciseResult:
    name: str
    path: str
    title: str = ""
    checks: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    sandbox: str = ""

    @property
    def score(self) -> float:
        return math.fsum(c.score for c in self.checks)   # exact: fractional shares add up

    @property
    def max_score(self) -> float:
        return sum(c.max_score for c in self.checks)

    @property
    def failed_checks(self) -> list:
        """The names of the checks that failed, in the rubric's order."""
        return [c.name for c in self.checks if not c.passed]

    @property
    def diagnosis_ids(self) -> set:
        """Every diagnosis id of every check."""
        return {d.id for c in self.checks for d in c.diagnoses}

    def to_dict(self) -> dict:
        return {"name": self.name, "path": self.path, "title": self.title,
                "score": _number(self.score), "max_score": _number(self.max_score),
                "warnings": list(self.warnings), "sandbox": self.sandbox,
                "checks": [c.to_dict() for c in self.checks]}


@dataclass
class Report:
    exercises: list = field(default_factory=list)
    seed: int = 0
    seconds: float = 0.0

    @property
    def score(self) -> float:
        return math.fsum(e.score for e in self.exercises)

    @property
    def max_score(self) -> float:
        return sum(e.max_score for e in self.exercises)

    @property
    def full_marks(self) -> bool:
        return all(c.passed for e in self.exercises for c in e.checks)

    def to_dict(self) -> dict:
        return {"version": JSON_VERSION, "score": _number(self.score),
                "max_score": _number(self.max_score), "seed": self.seed,
                "exercises": [e.to_dict() for e in self.exercises],
                "timing": {"seconds": round(self.seconds, 3)}}


def _number(x: float):
    """Whole numbers as ints (50, not 50.0), others as they are (37.5)."""
    return int(x) if float(x).is_integer() else x

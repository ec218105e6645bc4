"""The rubric of an exercise: a YAML file in ``graders/``, validated here.

A rubric says which files the student edits, what the reference solution is,
which operations are in scope, which checks run with how many points and
examples, and the limits. Everything is validated when it is read: an unknown
key, a wrong type or an unknown operation is a ``RubricError`` that names the
file and the key, so a typo never turns into a silently skipped check.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from harness.core import ops as ops_table
from harness.core.cache import remembered
from harness.core.limits import Limits
from harness.core.errors import MicrogradeError, UsageError

CHECK_KINDS = ("generated", "fixed", "chain", "fan-out", "nn")
# Gradescope's test visibilities; anything but ``visible`` is hidden from the
# student in the text, Markdown and GitHub outputs (harness.render).
VISIBILITIES = ("visible", "hidden", "after_due_date", "after_published")
# The rows the chain and fan-out checks build their graphs from (harness.core.named_graphs).
_BUILT_FROM = {"chain": ("add_num", "mul_num"), "fan-out": ("mul_num", "add")}
# Packages a submission may not import: other autograd engines, the reference
# and this grader. A rubric may replace the list with ``forbidden_imports``.
DEFAULT_FORBIDDEN = ("torch", "jax", "jaxlib", "tensorflow", "autograd", "mygrad",
                     "micrograd", "tinygrad", "minitorch", "harness", "reference", "graders")


class RubricError(UsageError):
    """A rubric that cannot be used: says which file, which key and why."""

    def __init__(self, source: str, key: str, message: str):
        super().__init__(f"{source}: {key}: {message}")
        self.source, self.key, self.message = source, key, message

    def __reduce__(self):   # raised in a forked grader (harness.classroom.lanes), raised again here
        return (RubricError, (self.source, self.key, self.message))


@dataclass(frozen=True)
class Check:
    """One graded check. Fields beyond ``kind`` apply to some kinds only."""

    name: str
    kind: str
    points: float
    description: str = ""
    backward: bool = True
    ops: tuple = ()                # rows; empty means the exercise's
    examples: int = 200            # generated: graphs to check
    shape: str = "dag"             # generated: dag or tree
    max_nodes: int = 10
    max_leaves: int = 3
    graphs: tuple = ()             # fixed: names from harness.core.named_graphs
    depth: int = 5000              # chain
    width: int = 1000              # fan-out
    seconds: float | None = None   # this check's wall-clock limit
    scenario: str = ""             # nn: a scenario of harness.core.nn_scenarios (05_nn)
    weights: tuple = ()            # (family, weight) pairs: how the points split by family

    visibility: str = "visible"    # one of VISIBILITIES: Gradescope's, per test

    @property
    def hidden(self) -> bool:
        """True when a student's own report shows only that the check exists, and its points."""
        return self.visibility != "visible"


@dataclass(frozen=True)
class Rubric:
    name: str
    title: str
    source: str
    files: tuple                   # what the student edits, e.g. ("value.py",)
    reference: dict                # student file -> file in the reference package
    entry: str                     # module:attribute of the class under test
    ops: tuple                     # rows of the operation table in scope
    checks: tuple
    limits: Limits
    forbidden_imports: tuple = DEFAULT_FORBIDDEN
    weights: tuple = ()            # (family, weight) pairs for every check; a check's own win
    builtin: bool = True           # shipped in graders/; a course's rubric is checked on the reference
    digest: str = ""               # sha256 of the resolved rubric (harness.grading.course)

    @property
    def max_score(self) -> float:
        return sum(c.points for c in self.checks)


TOP_KEYS = {"exercise", "title", "files", "reference", "entry", "ops", "checks",
             "limits", "forbidden_imports", "weights"}
CHECK_KEYS = {f.name for f in dataclasses.fields(Check)}


class NotYaml(MicrogradeError):
    """A rubric file that does not parse; the message is PyYAML's, with the line and a caret
    (caught where rubric files are read, and raised again as a RubricError)."""


def read_yaml(text: str) -> Any:
    """YAML data; a text met before is read from the cache (``harness.core.cache``), so that
    PyYAML is not even imported (14 ms of every run's start)."""
    return remembered("yaml", text, _parse_yaml)


def _parse_yaml(text: str) -> Any:
    """With libyaml's parser where PyYAML has it (1 ms instead of 8). Its error messages
    lack the line with a caret under the fault, so a file that does not parse is read
    again by the pure-Python parser, whose error is the one raised."""
    import yaml   # late: see read_yaml
    fast = getattr(yaml, "CSafeLoader", None)
    if fast is not None:
        try:
            return yaml.load(text, Loader=fast)
        except yaml.YAMLError:
            pass
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise NotYaml(str(exc)) from None


def load(path: Path | str) -> Rubric:
    """Read and validate one rubric file."""
    path = Path(path)
    source = str(path)
    try:
        data = read_yaml(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise RubricError(source, "(file)", f"cannot be read: {exc.strerror}") from None
    except NotYaml as exc:
        raise RubricError(source, "(file)", f"is not valid YAML: {exc}") from None
    return parse(data, source)


def parse(data: Any, source: str, extra_keys: tuple = ()) -> Rubric:
    """Validate a complete rubric (``extra_keys``: keys a caller has already handled)."""
    if not isinstance(data, dict):
        raise RubricError(source, "(top level)", "must be a mapping of keys to values")
    no_unknown(data, TOP_KEYS | set(extra_keys), source, "")
    name = _get(data, "exercise", str, source)
    exercise_ops = _ops(_get(data, "ops", list, source), source, "ops")
    limits = _limits(data.get("limits", {}), source)
    checks = tuple(_check(c, i, exercise_ops, source) for i, c in
                   enumerate(_get(data, "checks", list, source)))
    if not checks:
        raise RubricError(source, "checks", "must list at least one check")
    names = [c.name for c in checks]
    for n in names:
        if names.count(n) > 1:
            raise RubricError(source, "checks", f"the name {n!r} is used twice")
    files = tuple(_get(data, "files", list, source))
    reference = _get(data, "reference", dict, source)
    for f in files:
        if f not in reference:
            raise RubricError(source, "reference", f"names no reference file for {f!r}")
    forbidden = data.get("forbidden_imports", list(DEFAULT_FORBIDDEN))
    if not isinstance(forbidden, list) or not all(isinstance(m, str) for m in forbidden):
        raise RubricError(source, "forbidden_imports", "must be a list of package names, e.g. [torch, jax]")
    forbidden = tuple(forbidden)
    weights = _weights(data["weights"], source, "weights", exercise_ops) if "weights" in data else ()
    return Rubric(weights=weights, name=name, title=data.get("title", name), source=source, files=files,
                  reference=dict(reference), entry=_get(data, "entry", str, source),
                  ops=exercise_ops, checks=checks, limits=limits, forbidden_imports=forbidden)


def _check(data: Any, index: int, exercise_ops: tuple, source: str) -> Check:
    where = f"checks[{index}]"
    if not isinstance(data, dict):
        raise RubricError(source, where, "must be a mapping")
    no_unknown(data, CHECK_KEYS, source, where + ".", f" (check {data.get('name', index)!r})")
    kind = _get(data, "kind", str, source, where + ".")
    if kind not in CHECK_KINDS:
        raise RubricError(source, f"{where}.kind", f"is {kind!r}{did_you_mean(kind, CHECK_KINDS)}; "
                          f"expected one of {', '.join(CHECK_KINDS)}")
    if data.get("visibility", "visible") not in VISIBILITIES:
        shown = str(data.get("visibility"))
        raise RubricError(source, f"{where}.visibility", f"is {shown!r}{did_you_mean(shown, VISIBILITIES)}; "
                          f"expected one of {', '.join(VISIBILITIES)}")
    values = dict(data)
    values["name"] = _get(data, "name", str, source, where + ".")
    values["points"] = _get(data, "points", (int, float), source, where + ".")
    if values["points"] < 0:
        raise RubricError(source, f"{where}.points", "must not be negative")
    values["ops"] = _ops(data["ops"], source, f"{where}.ops") if "ops" in data else exercise_ops
    if "weights" in data:
        values["weights"] = _weights(data["weights"], source, f"{where}.weights", values["ops"])
    if "graphs" in data:
        from harness.core.named_graphs import NAMED_GRAPHS  # late: only rubrics with fixed checks
        if not isinstance(data["graphs"], list):
            raise RubricError(source, f"{where}.graphs", "must be a list of graph names, e.g. [self-add]")
        for g in data["graphs"]:
            if g not in NAMED_GRAPHS:
                raise RubricError(source, f"{where}.graphs", f"{g!r} is not a known graph"
                                  f"{did_you_mean(str(g), NAMED_GRAPHS)}; known: {', '.join(sorted(NAMED_GRAPHS))}")
            _in_scope(values["ops"], (n.op for n in NAMED_GRAPHS[g].nodes), source,
                      f"{where}.graphs", f"check {data.get('name')!r}: the graph {g!r}")
        values["graphs"] = tuple(data["graphs"])
    if kind in _BUILT_FROM:
        _in_scope(values["ops"], _BUILT_FROM[kind], source, f"{where}.kind", f"check {data.get('name')!r}: a {kind} check")
    for key, most in (("examples", 100_000), ("max_nodes", 1000), ("max_leaves", 26),
                      ("depth", 100_000), ("width", 100_000)):
        value = data.get(key)
        if key in data and (not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= most):
            raise RubricError(source, f"{where}.{key}", f"must be a whole number from 1 to {most}, not {value!r}")
    if kind == "fixed" and not data.get("graphs"):
        raise RubricError(source, f"{where}.graphs", "a fixed check needs a non-empty list of graphs "
                          "(without one it would judge nothing and give free points)")
    if not isinstance(data.get("backward", True), bool):
        raise RubricError(source, f"{where}.backward", "must be true or false")
    seconds = data.get("seconds")
    if seconds is not None and (not isinstance(seconds, (int, float)) or seconds <= 0):
        raise RubricError(source, f"{where}.seconds", f"must be a positive number, not {seconds!r}")
    if kind == "nn":
        from harness.core.nn_scenarios import SCENARIOS  # late: only rubrics with nn checks
        if data.get("scenario") not in SCENARIOS:
            raise RubricError(source, f"{where}.scenario", f"is {data.get('scenario')!r}; "
                              f"expected one of {', '.join(SCENARIOS)}")
    if data.get("shape", "dag") not in ("dag", "tree"):
        raise RubricError(source, f"{where}.shape", "must be dag or tree")
    return Check(**values)


def _in_scope(ops: tuple, used, source: str, key: str, what: str) -> None:
    """A fixed graph may use only operations in scope: else it tests what the course does not teach."""
    rows = {op.name for op in ops}
    for row in used:
        if row not in rows:
            family = ops_table.OPS_BY_NAME[row].family
            raise RubricError(source, key, f"{what} uses the operation {row!r} ({family}), which is not "
                              "in this check's ops; add it to ops or choose graphs without it")


def _limits(data: Any, source: str) -> Limits:
    if not isinstance(data, dict):
        raise RubricError(source, "limits", "must be a mapping")
    known = {f.name for f in dataclasses.fields(Limits)}
    no_unknown(data, known, source, "limits.")
    for key, value in data.items():
        if not isinstance(value, (int, float)) or isinstance(value, bool) or value <= 0:
            raise RubricError(source, f"limits.{key}", f"must be a positive number, not {value!r}")
    return Limits(**data)


def _ops(names: Any, source: str, key: str) -> tuple:
    if not isinstance(names, list) or not names:
        raise RubricError(source, key, "must be a non-empty list of operations")
    known = ops_table.FAMILIES + tuple(ops_table.VALUES_ONLY) + tuple(ops_table.OPS_BY_NAME)
    try:
        return ops_table.rows_of(names)
    except (KeyError, TypeError) as exc:
        name = str(exc.args[0]) if isinstance(exc, KeyError) else str(names)
        raise RubricError(source, key, f"unknown operation {name!r}{did_you_mean(name, known)}; "
                          f"known: {', '.join(known)}") from None


def _weights(data: Any, source: str, key: str, scope: tuple) -> tuple:
    """``{family: number}``: a family's share of a check's points; a family not listed weighs 1."""
    families = tuple(dict.fromkeys(op.family for op in scope))
    if not isinstance(data, dict) or not data:
        raise RubricError(source, key, "must be a mapping of operation families to numbers, "
                          "e.g. {tanh: 2, relu: 0.5}")
    for family, weight in data.items():
        if family not in families:
            raise RubricError(source, f"{key}.{family}", f"is not an operation family in scope"
                              f"{did_you_mean(str(family), families)}; expected one of {', '.join(families)}")
        if not isinstance(weight, (int, float)) or isinstance(weight, bool) or weight < 0:
            raise RubricError(source, f"{key}.{family}", f"must be a number 0 or more, not {weight!r}")
    if all(data.get(f, 1) == 0 for f in families):
        raise RubricError(source, key, "gives every family a weight of 0: the check's points "
                          "could not be earned")
    return tuple((f, float(data[f])) for f in families if f in data)


def _get(data: dict, key: str, types, source: str, prefix: str = ""):
    if key not in data:
        raise RubricError(source, prefix + key, "is missing")
    value = data[key]
    if not isinstance(value, types) or isinstance(value, bool):
        expected = types.__name__ if isinstance(types, type) else " or ".join(t.__name__ for t in types)
        raise RubricError(source, prefix + key, f"must be {expected}, not {type(value).__name__}")
    return value


def did_you_mean(word: str, choices) -> str:
    """ " (did you mean 'tanh'?)" for a near miss among ``choices``, else ""."""
    import difflib   # late: only a rubric with a misspelt word needs it
    close = difflib.get_close_matches(word, [str(c) for c in choices], n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def no_unknown(data: dict, known: set, source: str, prefix: str, where: str = "") -> None:
    """Every key of ``data`` is in ``known``; else a RubricError naming it, with a did-you-mean."""
    for key in data:
        if key not in known:
            raise RubricError(source, prefix + str(key), f"is not a known key{where}"
                              f"{did_you_mean(str(key), known)}; known: {', '.join(sorted(known))}")


def builtin_rubrics() -> dict[str, Path]:
    """The rubrics shipped in the ``graders`` package, by exercise name."""
    folder = resources.files("harness.graders")
    return {Path(p.name).stem: Path(str(p)) for p in folder.iterdir() if p.name.endswith(".yaml")}


__all__ = ["Check", "Rubric", "RubricError", "VISIBILITIES", "load", "parse", "builtin_rubrics",
           "did_you_mean", "no_unknown"]

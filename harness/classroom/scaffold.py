"""``grade init exercise DIR --extends 04_engine``: a course's exercise folder to edit.

It writes three files an instructor then edits:

* ``micrograde.yaml``: ``extends:`` the parent, with the parent's keys and every
  one of its checks listed as comments, ready to be uncommented and changed;
* ``value.py``: the stub a student starts from, one method per operation of the
  rubric's ``ops`` (from the operation table), each raising NotImplementedError;
* ``README.md``: the task, with the operations and the checks and their points.

The folder grades at once: the stub gets "not implemented" everywhere, and
``grade --reference DIR`` full marks, which is how to check an edited rubric.
"""
from __future__ import annotations

import argparse
from pathlib import Path

from harness.core import ops as ops_table
from harness.core.errors import ExitCode, UsageError
from harness.grading import course
from harness.grading.rubric import Rubric

MARKER = "micrograde.yaml"
# What a stub says of each family's methods: signature and a one-line contract.
_SIGNATURES = {"__neg__": "(self)", "__pow__": "(self, k)"}


def init_exercise_command(argv: list) -> int:
    p = argparse.ArgumentParser(prog="grade init exercise",
                                description="Write a course's exercise folder that extends a rubric.")
    p.add_argument("dir", metavar="DIR", help="the folder to write (created if needed)")
    p.add_argument("--extends", default="04_engine", metavar="RUBRIC",
                   help="a built-in exercise (default: 04_engine) or a path to a rubric file")
    p.add_argument("--force", action="store_true", help="overwrite existing files")
    args = p.parse_args(argv)
    written = init_exercise(Path(args.dir), args.extends, args.force)
    print(f"Wrote {', '.join(str(w) for w in written)}.\n"
          f"Edit {written[0]} (see README.md, 'Course rubrics'), then check it with "
          f"`grade --reference {args.dir}`: the reference must get full marks.")
    return ExitCode.FULL_MARKS


def init_exercise(folder: Path, extends: str, force: bool = False) -> list:
    """Write the three files; returns their paths, the marker first."""
    parent = course.by_name_or_path(extends)
    if Path(extends).exists() and not Path(extends).is_absolute():
        extends = str(Path(extends).resolve())   # the marker lives elsewhere: keep the path valid
    files = {MARKER: marker_text(folder.name, extends, parent),
             "README.md": readme_text(parent)}
    for name in parent.files:
        files[name] = stub_text(parent) if name == parent.entry.partition(":")[0] + ".py" else \
            f'"""{name}: written by the student (see README.md)."""\n'
    existing = [name for name in files if (folder / name).exists()]
    if existing and not force:
        raise UsageError(f"{folder}: {', '.join(existing)} exist; pass --force to overwrite them")
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
        written.append(folder / name)
    return written


def marker_text(name: str, extends: str, parent: Rubric) -> str:
    families = list(dict.fromkeys(op.family for op in parent.ops))
    lines = [f"# {name}: a course's exercise. Every key below the first two is optional and",
             f"# replaces {parent.name}'s; see the README's 'Course rubrics'.",
             f"exercise: {name}",
             f"extends: {extends}",
             f"# title: {parent.title}",
             f"# ops: [{', '.join(families)}]   # also: "
             f"{', '.join(f for f in ops_table.FAMILIES if f not in families) or '-'}",
             f"# limits: {{check_seconds: {parent.limits.check_seconds:g}, "
             f"exercise_seconds: {parent.limits.exercise_seconds:g}}}",
             "# weights: {add: 1, mul: 1}   # per-family credit weights",
             "# remove_checks: [NAME, ...]",
             f"# {parent.name}'s checks: uncomment 'checks:', a check's name and the fields to change.",
             "# A new name adds a check (it needs a kind: generated, fixed, chain, fan-out).",
             "# visibility: visible, hidden, after_due_date or after_published (Gradescope's).",
             "# checks:"]
    for check in parent.checks:
        lines.append(f"#   - name: {check.name}              # {check.kind}: {check.description}")
        lines.append(f"#     points: {check.points:g}")
        if check.kind == "generated":
            lines.append(f"#     examples: {check.examples}")
            lines.append(f"#     max_nodes: {check.max_nodes}")
        elif check.kind == "fixed":
            lines.append(f"#     graphs: [{', '.join(check.graphs)}]")
        elif check.kind == "chain":
            lines.append(f"#     depth: {check.depth}")
        elif check.kind == "fan-out":
            lines.append(f"#     width: {check.width}")
        lines.append("#     visibility: visible")
    return "\n".join(lines) + "\n"


def stub_text(rubric: Rubric) -> str:
    """The student's starting ``Value``: one method per row of the rubric's ops, in table order."""
    methods = list(dict.fromkeys(op.method for op in rubric.ops if op.method))
    calls = ", ".join(f"``{m}``" for m in methods)
    out = [f'"""{rubric.title}.', "",
           f"The grader calls ``Value(x)``, ``.data``, ``.grad``, {calls} and ``.backward()``.",
           "Any internal design that computes the right numbers gets full marks.", '"""',
           "import math", "", "",
           "class Value:",
           '    def __init__(self, data, _children=(), _op=""):',
           "        self.data = data", "        self.grad = 0.0",
           "        self._backward = lambda: None", "        self._prev = set(_children)",
           "        self._op = _op", ""]
    for method in methods:
        op = next(o for o in rubric.ops if o.method == method)
        signature = _SIGNATURES.get(method, "(self)" if op.operand == "unary" else "(self, other)")
        derivative = ops_table.family_field(op.family, "says")
        out.append(f"    def {method}{signature}:")
        out.append(f'        """``{op.template.format(a="a", b="b", k="k")}``; '
                   f'local derivative: {derivative}."""')
        out.append(f'        raise NotImplementedError("Value.{method}")')
        out.append("")
    out += ["    def backward(self):",
            '        """Seed self.grad = 1, then call every _backward in reverse topological order."""',
            '        raise NotImplementedError("Value.backward")', "",
            "    def __repr__(self):",
            '        return f"Value(data={self.data}, grad={self.grad})"']
    return "\n".join(out) + "\n"


def readme_text(rubric: Rubric) -> str:
    families = list(dict.fromkeys(op.family for op in rubric.ops))
    lines = [f"# {rubric.title}", "",
             "Write the class `Value` in `value.py`: a scalar with `.data` and `.grad`, the operations",
             "below, and `backward()`, which sets every value's `.grad` to d(output)/d(value).", "",
             "## Operations", ""]
    for family in families:
        rows = [op for op in rubric.ops if op.family == family]
        written = ", ".join(f"`{op.template.format(a='a', b='b', k='2')}`" for op in rows)
        lines.append(f"- {written}: derivative {ops_table.family_field(family, 'says')}")
    lines += ["", "## Checks", "", "| Check | Points | What it tests |", "| --- | ---: | --- |"]
    for check in rubric.checks:
        what = "hidden until your instructor shows it" if check.hidden else check.description
        lines.append(f"| {check.name} | {check.points:g} | {what} |")
    lines += ["", "Run `grade` in this folder to see your points and the smallest example that fails.", ""]
    return "\n".join(lines)


__all__ = ["init_exercise", "init_exercise_command", "stub_text", "marker_text", "readme_text"]

"""A course's own rubric: ``extends`` a built-in (or another file), then changes it.

An exercise folder's ``micrograde.yaml`` is either a plain marker
(``exercise: 04_engine``: the built-in rubric as it ships) or a rubric of its
own. A rubric of its own either is complete (every key a built-in rubric has)
or says ``extends: NAME`` (a built-in rubric) or ``extends: PATH`` (another
YAML rubric, relative to this file), and then:

* any top-level rubric key replaces the parent's (``title``, ``ops``, ``limits``,
  ``forbidden_imports``, ``files``, ``reference``, ``entry``, ``weights``);
* ``checks:`` entries named like a parent's check merge their fields into it,
  other names add a check (which then needs a ``kind``);
* ``remove_checks: [NAME, ...]`` drops parent checks.

The merge is done on the YAML data, before validation, so that the merged
rubric goes through the very same ``harness.grading.rubric.parse`` as the
built-in ones: same rules, same messages. Errors name this file.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path

from harness.grading import rubric as rubrics
from harness.grading.rubric import Rubric, RubricError, did_you_mean

# Keys a course rubric may hold beyond a built-in rubric's.
COURSE_KEYS = ("extends", "remove_checks")


def load(path: Path | str) -> Rubric:
    """Any rubric file: a built-in one, a complete one, or one that extends another."""
    path = Path(path)
    builtin = {p.resolve(): name for name, p in rubrics.builtin_rubrics().items()}
    if path.resolve() in builtin:
        return rubrics.load(path)
    data = resolved(path, ())
    return _parse(data, str(path))


def load_marker(marker: Path) -> Rubric:
    """The rubric an exercise folder's marker stands for."""
    data = _read(marker)
    known = rubrics.builtin_rubrics()
    name = data.get("exercise")
    if not isinstance(name, str):
        rubrics.no_unknown(data, set(rubrics.TOP_KEYS) | set(COURSE_KEYS), str(marker), "")
        raise RubricError(str(marker), "exercise", "is missing; expected a line 'exercise: NAME', "
                          "e.g. 'exercise: 04_engine'")
    if set(data) == {"exercise"}:   # a plain marker: the built-in rubric as it ships
        if name not in known:
            raise RubricError(str(marker), "exercise", f"unknown exercise {name!r}{did_you_mean(name, known)}; "
                              f"known: {', '.join(sorted(known))}. A course's own exercise says "
                              "'extends: 04_engine' (or a path to a rubric) or is a complete rubric")
        return rubrics.load(known[name])
    return _parse(resolved(marker, (), data), str(marker))


def by_name_or_path(spec: str) -> Rubric:
    """``--exercise``: a built-in exercise's name, or a path to a rubric file."""
    known = rubrics.builtin_rubrics()
    if spec in known:
        return rubrics.load(known[spec])
    path = Path(spec)
    if path.is_dir() and (path / "micrograde.yaml").is_file():
        return load_marker(path / "micrograde.yaml")
    if path.suffix in (".yaml", ".yml") or path.is_file():
        if not path.is_file():
            raise RubricError(spec, "(file)", "no such rubric file")
        return load_marker(path) if path.name == "micrograde.yaml" else load(path)
    raise RubricError("--exercise", spec, f"unknown exercise{did_you_mean(spec, known)}; known: "
                      f"{', '.join(sorted(known))}, or give the path of a rubric file (PATH.yaml)")


def resolved(path: Path, seen: tuple, data: dict | None = None) -> dict:
    """The rubric data of ``path`` with every ``extends`` applied (not yet validated)."""
    data = _read(path) if data is None else data
    source = str(path)
    for key in data:
        if key in rubrics.CHECK_KEYS and key not in rubrics.TOP_KEYS:
            raise RubricError(source, str(key), "is a key of one check, not of the rubric; write it under "
                              f"'checks:', e.g. 'extends: 04_engine' then 'checks: [{{name: reuse, {key}: ...}}]'")
    rubrics.no_unknown(data, set(rubrics.TOP_KEYS) | set(COURSE_KEYS), source, "")
    if "extends" not in data:
        if "remove_checks" in data:
            raise RubricError(source, "remove_checks", "needs 'extends:' (the rubric whose checks it removes)")
        return dict(data)
    parent_spec = data["extends"]
    if not isinstance(parent_spec, str) or not parent_spec:
        raise RubricError(source, "extends", "must be a built-in exercise's name (04_engine) or a path "
                          "to a rubric file, relative to this one")
    known = rubrics.builtin_rubrics()
    if parent_spec in known:
        parent_path = known[parent_spec]
    else:
        parent_path = (path.parent / parent_spec).resolve()
        if not parent_path.is_file():
            raise RubricError(source, "extends", f"{parent_spec!r} is neither a built-in exercise"
                              f"{did_you_mean(parent_spec, known)} (known: {', '.join(sorted(known))}) "
                              f"nor a rubric file (looked for {parent_path})")
        if parent_path in seen or parent_path == path.resolve():
            raise RubricError(source, "extends", f"{parent_spec!r} extends this file again: a loop")
    parent = resolved(parent_path, seen + (path.resolve(),))
    return merge(parent, data, source, parent_spec)


def merge(parent: dict, child: dict, source: str, parent_name: str) -> dict:
    """``child``'s changes applied to ``parent``'s data (both plain YAML data)."""
    out = {k: v for k, v in parent.items()}
    out.update({k: v for k, v in child.items() if k not in ("extends", "checks", "remove_checks")})
    checks = parent.get("checks")
    checks = [dict(c) for c in checks] if isinstance(checks, list) else []
    names = [c.get("name") for c in checks]
    remove = child.get("remove_checks", [])
    if not isinstance(remove, list) or not all(isinstance(n, str) for n in remove):
        raise RubricError(source, "remove_checks", "must be a list of check names, e.g. [deep-chain]")
    for name in remove:
        if name not in names:
            raise RubricError(source, "remove_checks", f"{parent_name} has no check {name!r}"
                              f"{did_you_mean(name, names)}; its checks: {', '.join(map(str, names))}")
    checks = [c for c in checks if c.get("name") not in remove]
    changes = child.get("checks", [])
    if not isinstance(changes, list):
        raise RubricError(source, "checks", "must be a list of checks (- name: ...)")
    for index, entry in enumerate(changes):
        where = f"checks[{index}]"
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            raise RubricError(source, where, "must be a mapping with a name, e.g. '- name: reuse'")
        rubrics.no_unknown(entry, rubrics.CHECK_KEYS, source, where + ".", f" (check {entry['name']!r})")
        current = [c.get("name") for c in checks]
        if entry["name"] in current:
            checks[current.index(entry["name"])].update(entry)
        elif entry["name"] in remove:
            raise RubricError(source, where, f"{entry['name']!r} is also in remove_checks: keep one of the two")
        elif "kind" not in entry:
            raise RubricError(source, where, f"{parent_name} has no check {entry['name']!r}"
                              f"{did_you_mean(entry['name'], current)}, and a new check needs a kind "
                              f"({', '.join(rubrics.CHECK_KINDS)}); its checks: {', '.join(map(str, current))}")
        else:
            checks.append(dict(entry))
    out["checks"] = checks
    return out


def complete_yaml(spec: str) -> str:
    """A course's rubric (a marker, a folder or a file) as one complete YAML file, every
    ``extends`` applied: what travels where the parent files do not (a Gradescope bundle)."""
    path = Path(spec)
    marker = path / "micrograde.yaml" if path.is_dir() else path
    rubric = by_name_or_path(spec)   # validates it first
    data = {k: v for k, v in resolved(marker, ()).items() if k not in COURSE_KEYS}
    data.setdefault("exercise", rubric.name)
    import yaml   # late: only this command writes YAML
    return f"# {rubric.name}: resolved from {spec} by micrograde\n" + yaml.safe_dump(data, sort_keys=False)


def digest(data: dict) -> str:
    """A stable hash of a resolved rubric: what the reference's verdict is cached by."""
    text = json.dumps(data, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _parse(data: dict, source: str) -> Rubric:
    known = rubrics.builtin_rubrics()
    if "exercise" not in data and isinstance(data.get("extends"), str):
        data["exercise"] = Path(data["extends"]).stem
    for key in ("title", "files", "reference", "entry", "ops", "checks", "exercise"):
        if key not in data:
            raise RubricError(source, key, "is missing: a rubric without 'extends:' must be complete; "
                              f"add 'extends: 04_engine' (one of {', '.join(sorted(known))}) to start "
                              "from a built-in rubric")
    parsed = rubrics.parse({k: v for k, v in data.items() if k not in COURSE_KEYS}, source)
    return dataclasses.replace(parsed, builtin=False, digest=digest(data))


def _read(path: Path) -> dict:
    try:
        data = rubrics.read_yaml(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise RubricError(str(path), "(file)", f"cannot be read: {exc.strerror}") from None
    except rubrics.NotYaml as exc:
        raise RubricError(str(path), "(file)", f"is not valid YAML: {exc}") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise RubricError(str(path), "(top level)", "must be a mapping of keys to values, e.g. a line "
                          "'exercise: 04_engine'")
    return data


__all__ = ["COURSE_KEYS", "load", "load_marker", "by_name_or_path", "resolved", "merge", "digest",
           "complete_yaml"]

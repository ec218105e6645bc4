"""The package's shape: one folder per concept, imports one way, a small public API.

``lint-imports`` (import-linter) checks the contracts in pyproject.toml; a copy
of the package with one upward import shows that the contracts can fail.
"""
from __future__ import annotations

import ast
import importlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import harness
from support import REPO

HARNESS = REPO / "harness"
PACKAGES = ("core", "worker", "sandbox", "graphs", "diagnosis", "grading", "render", "classroom")


def lint_imports(cwd: Path, pythonpath: Path | None = None) -> subprocess.CompletedProcess:
    exe = Path(sys.executable).with_name("lint-imports")
    command = [str(exe)] if exe.exists() else [sys.executable, "-m", "importlinter.cli"]
    env = None if pythonpath is None else dict(os.environ, PYTHONPATH=str(pythonpath))
    return subprocess.run(command + ["--no-cache"], cwd=cwd, capture_output=True, text=True,
                          timeout=300, env=env)


def test_the_import_contracts_are_kept():
    pytest.importorskip("importlinter")
    run = lint_imports(REPO)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert "0 broken" in run.stdout


def test_an_upward_import_breaks_the_contract(tmp_path):
    """The core importing the grading layer (upward) is caught, named, and fails the lint."""
    pytest.importorskip("importlinter")
    copy = tmp_path / "src"
    shutil.copytree(HARNESS, copy / "harness", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copyfile(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    ops = copy / "harness" / "core" / "ops.py"
    ops.write_text(ops.read_text() + "\nfrom harness.grading import rubric  # upward, on purpose\n")
    run = lint_imports(tmp_path, pythonpath=copy)
    assert run.returncode != 0, run.stdout[-3000:]
    assert "BROKEN" in run.stdout and "harness.core.ops -> harness.grading.rubric" in run.stdout


def test_one_folder_per_concept_and_few_modules_at_the_top():
    top = sorted(p.name for p in HARNESS.glob("*.py"))
    assert len(top) <= 10, top
    for name in PACKAGES:
        init = HARNESS / name / "__init__.py"
        assert init.is_file(), f"harness/{name}/ is not a package"
        doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8")))
        assert doc and "Imports" in doc, f"harness/{name}/__init__.py must say what it owns and imports"


def test_no_module_is_over_400_lines():
    sizes = {str(p.relative_to(REPO)): len(p.read_text(encoding="utf-8").splitlines())
             for p in HARNESS.rglob("*.py")}
    assert {p: n for p, n in sizes.items() if n > 400} == {}


def test_the_public_api_is_what_all_says():
    assert sorted(harness.__all__) == sorted(harness._PUBLIC)
    for name in harness.__all__:
        obj = getattr(harness, name)
        module = importlib.import_module(harness._PUBLIC[name])
        assert obj is getattr(module, name)
    with pytest.raises(AttributeError):
        harness.grading_internals  # noqa: B018 - not public


def test_every_grader_exception_has_one_base():
    from harness.core.errors import MicrogradeError
    found = []
    for path in HARNESS.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef) and any(
                    isinstance(b, ast.Name) and b.id in ("Exception", "BaseException") for b in node.bases):
                found.append(f"{path.relative_to(REPO)}:{node.name}")
    # Control-flow signals inside one module (the search, loading, the worker's
    # own steps) are caught where they are raised: no one sees them as errors.
    allowed = {"harness/core/errors.py:MicrogradeError", "harness/grading/search.py:Stop",
               "harness/grading/search.py:Failed", "harness/grading/run.py:_LoadFailed",
               "harness/worker/cells.py:MissingNames", "harness/worker/loop.py:NotDecodable",
               "harness/worker/budget.py:StillRunning"}   # raised into top-level code, caught by the worker
    assert set(found) <= allowed, sorted(set(found) - allowed)
    assert issubclass(importlib.import_module("harness.grading.rubric").RubricError, MicrogradeError)


def test_reference_and_graders_install_under_the_harness_only():
    """``import reference`` finds nothing: the generic names are not claimed by the install."""
    for generic in ("reference", "graders"):
        run = subprocess.run([sys.executable, "-c", f"import {generic}"], cwd="/",
                             capture_output=True, text=True, timeout=60)
        assert run.returncode != 0 and "ModuleNotFoundError" in run.stderr, generic
    run = subprocess.run([sys.executable, "-c", "import harness.reference.engine, harness.graders"],
                         cwd="/", capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr


def test_the_reference_imports_nothing_of_the_grader():
    for path in (REPO / "reference").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("harness"):
                assert node.module == "harness.reference.engine", f"{path.name} imports {node.module}"

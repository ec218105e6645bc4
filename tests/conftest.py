"""Fixtures shared by the tests; the helpers themselves live in ``support.py``."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from support import SharedGrades


def pytest_xdist_auto_num_workers(config) -> int:
    """``-n auto`` (pyproject.toml): one test process more than there are cores.

    Many tests wait rather than compute (a limit waited out, a Ctrl-C timed, a
    grader reading its worker's pipe), so with one process a core the cores sit
    idle part of the time. Measured on 2 cores: 175 s with 2 processes, 160 s
    with 3, 167 s with 4."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return cores + 1


@pytest.fixture
def workdir(tmp_path) -> Path:
    """A fresh working directory for ``grade``, separate from the exercise folders."""
    path = tmp_path / "cwd"
    path.mkdir()
    return path


@pytest.fixture(scope="session")
def graded(tmp_path_factory) -> SharedGrades:
    """``graded(source, exercises, *options)``: the ``grade --format json`` run, graded once per session.

    Shared by the test processes: their common folder is the parent of each one's own."""
    base = tmp_path_factory.getbasetemp()
    return SharedGrades((base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "shared-grades")

"""Fixtures shared by the tests; the helpers themselves live in ``support.py``."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from support import SharedGrades


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

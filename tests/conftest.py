"""Fixtures shared by the tests; the helpers themselves live in ``support.py``."""
from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def workdir(tmp_path) -> Path:
    """A fresh working directory for ``grade``, separate from the exercise folders."""
    path = tmp_path / "cwd"
    path.mkdir()
    return path


"""``grade --audit``: every bug model is diagnosed with its own id; the reference loses nothing.

The full audit (every exercise, every model) takes minutes on two cores; the
suite runs it on 03_reuse, whose scope holds every engine-level misconception
and three operations, and on 05_nn's network models. The benchmark and the
closing notes carry the full run's table.
"""
from __future__ import annotations

import re

import pytest

from support import REPO, run_grade

pytestmark = pytest.mark.slow   # see the slow marker in pyproject.toml


@pytest.fixture(scope="module")
def audit(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("cwd")
    return run_grade("--audit", "--examples", "60", REPO / "exercises" / "03_reuse",
                     REPO / "exercises" / "05_nn", cwd=workdir)


def test_audit_passes(audit):
    assert audit.returncode == 0, audit.stdout[-3000:] + audit.stderr[-2000:]
    assert "reference: full marks" in audit.stdout


def test_audit_shows_progress_lines_off_a_terminal(audit):
    """stderr is a pipe here, as in CI: plain lines, the last one N/N, never a rewritten line."""
    lines = [line for line in audit.stderr.splitlines() if line.startswith("grade: [")]
    assert lines and re.match(r"grade: \[(\d+)/\1\] ", lines[-1]) and "(audit gradings)" in lines[-1], audit.stderr
    assert "\r" not in audit.stderr


def test_every_model_is_diagnosed_with_exactly_its_own_id(audit):
    rows = [line for line in audit.stdout.splitlines()
            if re.match(r"^[a-z][\w-]+\s+[a-z][\w-]+\s+(exact|detected|MISSED)\s", line)]
    assert len(rows) >= 20, audit.stdout
    not_exact = [r for r in rows if " exact " not in r]
    assert not not_exact, "\n".join(not_exact)


def test_audit_covers_the_engine_level_misconceptions(audit):
    for misconception in ("grad-overwrite", "missing-grad-seed", "backward-not-propagating",
                          "wrong-topological-order",
                          "repeated-backward", "missing-chain-rule", "value-identity",
                          "wrong-derivative-tanh", "wrong-forward-mul", "zero-grad-missing"):
        assert re.search(rf"\s{re.escape(misconception)}\s+exact", audit.stdout), \
            f"{misconception} is not diagnosed exactly:\n{audit.stdout}"

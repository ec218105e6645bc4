"""Rubrics read from the cache (harness.core.cache): PyYAML is imported only for a text not met before.

Through the real ``grade`` command, each test with a cache folder of its own
(MICROGRADE_CACHE). Which modules a run imported is read from Python's own
``-X importtime`` report (PYTHONPROFILEIMPORTTIME), on stderr.
"""
from __future__ import annotations

import json
import os
import subprocess
import textwrap
from pathlib import Path

from support import CORPUS, GRADE_TIMEOUT, grade_command

ENGINE = CORPUS / "correct" / "kahn_order.py"
# Two checks of the built-in 04_engine, so a course's change of points shows in the score.
COURSE = """\
exercise: two_checks
extends: 04_engine
remove_checks: [lecture-reuse, reuse, deep-chain, fan-out]
checks:
  - name: forward
    points: {points}
"""


def grade(tmp_path: Path, *args) -> tuple:
    """(the JSON report, the names of the modules the run imported)."""
    env = dict(os.environ, MICROGRADE_CACHE=str(tmp_path / "cache"), PYTHONPROFILEIMPORTTIME="1")
    proc = subprocess.run(grade_command() + ["--format", "json", *map(str, args)], cwd=tmp_path, env=env,
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=GRADE_TIMEOUT)
    assert proc.stdout.startswith("{"), proc.stderr[-3000:]
    imported = {line.rpartition("|")[2].strip() for line in proc.stderr.splitlines()
                if line.startswith("import time:")}
    return json.loads(proc.stdout), imported


def exercise(folder: Path, marker: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "micrograde.yaml").write_text(marker, encoding="utf-8")
    (folder / "value.py").write_text(ENGINE.read_text(encoding="utf-8"), encoding="utf-8")
    return folder


def test_a_rubric_met_before_is_read_without_importing_yaml(tmp_path):
    folder = exercise(tmp_path / "04", "exercise: 04_engine\n")
    first, imported_first = grade(tmp_path, folder)
    again, imported_again = grade(tmp_path, folder)
    assert "yaml" in imported_first, "the first run parses graders/04_engine.yaml"
    assert "yaml" not in imported_again, sorted(m for m in imported_again if "yaml" in m)
    assert first["score"] == again["score"] == 20
    assert [c["name"] for c in first["exercises"][0]["checks"]] == \
        [c["name"] for c in again["exercises"][0]["checks"]]


def test_an_edited_course_rubric_is_read_again(tmp_path):
    """The cache is keyed by the text: the instructor's change counts at the next run."""
    folder = exercise(tmp_path / "course", textwrap.dedent(COURSE.format(points=2)))
    before, _ = grade(tmp_path, folder)
    (folder / "micrograde.yaml").write_text(COURSE.format(points=7), encoding="utf-8")
    after, imported = grade(tmp_path, folder)
    assert "yaml" in imported   # a text not met before
    assert before["max_score"] == 2 + 4 and after["max_score"] == 7 + 4, (before["max_score"], after["max_score"])


def test_a_damaged_cache_costs_the_parse_again_not_the_grade(tmp_path):
    folder = exercise(tmp_path / "04", "exercise: 04_engine\n")
    first, _ = grade(tmp_path, folder)
    kept = list((tmp_path / "cache" / "yaml").glob("*.json"))
    assert kept, "the first run keeps what it parsed"
    for path in kept:
        path.write_text('{"exercise": "04_engi', encoding="utf-8")   # cut short: not JSON
    again, imported = grade(tmp_path, folder)
    assert "yaml" in imported and again["score"] == first["score"] == 20


def test_an_unwritable_cache_still_grades(tmp_path):
    (tmp_path / "cache").write_text("a file where the cache folder would be", encoding="utf-8")
    folder = exercise(tmp_path / "04", "exercise: 04_engine\n")
    report, imported = grade(tmp_path, folder)
    assert report["score"] == 20 and "yaml" in imported

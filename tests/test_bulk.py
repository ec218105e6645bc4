"""``grade --bulk`` and ``grade merge`` through the real command, on a small mixed class.

One class of nine submissions, in every shape (a ``.py``, a folder, a zip of a
folder, a notebook, a zip that tries to escape, a zip bomb) and of every kind
(correct, buggy, crashing, hanging), graded once with ``--jobs 2``; the tests
read its outputs. Then re-runs (nothing to do; one changed file), ``grade
merge``, the progress line on a terminal, and the zip rules in-process.
"""
from __future__ import annotations

import csv
import html.parser
import io
import json
import os
import pty
import shutil
import stat
import subprocess
import zipfile
from pathlib import Path

import pytest

from support import REPO, grade_command, run_grade
from harness.classroom.submissions import MAX_BYTES, MAX_MEMBERS, Unreadable, extract_zip

REFERENCE = REPO / "reference" / "engine.py"
HOSTILE = REPO / "tests" / "hostile"


def overwrite_in_add() -> str:
    """The classic bug, in ``+`` only: its ``_backward`` assigns (``=``) where it must add (``+=``)."""
    text = REFERENCE.read_text(encoding="utf-8")
    return text.replace("self.grad += out.grad", "self.grad = out.grad", 1) \
               .replace("other.grad += out.grad", "other.grad = out.grad", 1)


def make_class(root: Path) -> Path:
    subs = root / "submissions"
    subs.mkdir(parents=True)
    shutil.copy(REFERENCE, subs / "alice.py")                              # correct, a file
    (subs / "bob").mkdir()
    (subs / "bob" / "value.py").write_text(overwrite_in_add())                 # buggy, a folder
    with zipfile.ZipFile(subs / "carol.zip", "w") as z:                  # buggy, zip of a folder
        z.writestr("carol-hw/value.py", overwrite_in_add())
        z.writestr("carol-hw/__MACOSX/._value.py", "junk")
    with zipfile.ZipFile(subs / "dan.zip", "w") as z:                    # correct, but tries to escape
        z.writestr("value.py", REFERENCE.read_text())
        z.writestr("../escaped.py", "print('outside')\n")
        z.writestr("/tmp/absolute-escape.py", "print('outside')\n")
        link = zipfile.ZipInfo("link.py")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        z.writestr(link, "/etc/passwd")
    with zipfile.ZipFile(subs / "erin.zip", "w", zipfile.ZIP_DEFLATED) as z:   # a bomb: 8 KiB in, 21 MiB out
        z.writestr("value.py", b"#" * (MAX_BYTES + 2**20))
    shutil.copy(HOSTILE / "os_exit_at_import.py", subs / "frank.py")       # crashes its worker
    shutil.copy(HOSTILE / "infinite_loop_at_import.py", subs / "gina.py")  # hangs
    (subs / "hank.py").write_text("def broken(:\n")                       # does not parse
    (subs / "ivy.ipynb").write_text(json.dumps({"cells": [{"cell_type": "code", "source": REFERENCE.read_text(),
                                                           "metadata": {}, "outputs": []}],
                                                "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    (subs / "notes.txt").write_text("not a submission")
    return subs


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("bulk")
    subs = make_class(root)
    run = run_grade("--bulk", subs, "--exercise", "04_engine", "--jobs", "2", "--output-dir", root / "out",
                    cwd=root)
    return root, subs, run


def rows(out: Path) -> dict:
    return {r["student"]: r for r in csv.DictReader(io.StringIO((out / "grades.csv").read_text()))}


def test_every_submission_gets_its_own_row_and_file(graded):
    root, subs, run = graded
    assert run.returncode == 0, run.stderr
    students = {"alice", "bob", "carol", "dan", "erin", "frank", "gina", "hank", "ivy"}
    assert set(rows(root / "out")) == students
    assert {p.stem for p in (root / "out").glob("*.json")} == students
    assert "\r" not in run.stderr   # no progress line when stderr is not a terminal


def test_scores_are_each_submissions_own(graded):
    root, _, _ = graded
    r = rows(root / "out")
    assert r["alice"]["score"] == r["dan"]["score"] == r["ivy"]["score"] == "20"   # ivy: a notebook
    for student in ("bob", "carol"):
        assert 0 < float(r[student]["score"]) < 20 and "grad-overwrite" in r[student]["diagnoses"]
    for student, why in (("erin", "import-error"), ("frank", "worker-crash"), ("gina", "timeout"),
                         ("hank", "import-error")):
        assert r[student]["score"] == "0" and why in r[student]["diagnoses"], (student, r[student])
    assert all(row["status"] == "graded" for row in r.values())


def test_a_zip_cannot_write_outside_its_folder(graded):
    root, _, _ = graded
    assert not (root / "escaped.py").exists() and not Path("/tmp/absolute-escape.py").exists()
    warnings = json.loads((root / "out" / "dan.json").read_text())["exercises"][0]["warnings"]
    assert any("../escaped.py" in w for w in warnings) and any("link.py" in w for w in warnings)
    erin = json.loads((root / "out" / "erin.json").read_text())["exercises"][0]["checks"][0]
    assert "MiB" in erin["diagnoses"][0]["message"]


def test_the_class_report_counts_misconceptions_offline(graded):
    root, _, _ = graded
    page = (root / "out" / "report.html").read_text()
    assert offline(page)
    table = page[page.index("<h2>Misconceptions</h2>"):page.index("<h2>Students</h2>")]
    row = table[table.index("<code>grad-overwrite</code>"):].split("</tr>")[0]
    assert "2 of 9" in row and "bob, carol" in row and "a = Value(" in row   # who, how many, one example
    assert "Score distribution" in page


class _Fetches(html.parser.HTMLParser):
    """Everything a browser would load: src/href attributes, scripts, stylesheets."""

    def __init__(self):
        super().__init__()
        self.fetches = []

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "link", "iframe", "img", "object", "embed"):
            self.fetches.append(tag)
        self.fetches += [v for k, v in attrs if k in ("src", "href", "xlink:href") and v and not v.startswith("#")]


def offline(page: str) -> bool:
    parser = _Fetches()
    parser.feed(page)
    return parser.fetches == [] and "url(" not in page and "@import" not in page


def test_a_rerun_skips_what_is_unchanged_and_regrades_what_changed(graded, tmp_path):
    root, subs, _ = graded
    out = tmp_path / "out"
    shutil.copytree(root / "out", out)
    before = {p.name: p.stat().st_mtime_ns for p in out.glob("*.json")}
    again = run_grade("--bulk", subs, "--exercise", "04_engine", "--jobs", "2", "--output-dir", out, cwd=tmp_path)
    assert again.returncode == 0 and "Graded 0 submissions (9 unchanged" in again.stdout
    assert before == {p.name: p.stat().st_mtime_ns for p in out.glob("*.json")}
    changed = tmp_path / "subs"
    shutil.copytree(subs, changed)
    shutil.copy(REFERENCE, changed / "bob" / "value.py")     # bob fixed his bug
    (out / "hank.json").write_text('{"version": 1, "exer')   # a file cut short by an interrupted run
    again = run_grade("--bulk", changed, "--exercise", "04_engine", "--jobs", "2", "--output-dir", out,
                      cwd=tmp_path)
    assert again.returncode == 0 and "Graded 2 submissions (7 unchanged" in again.stdout
    assert rows(out)["bob"]["score"] == "20" and rows(out)["hank"]["score"] == "0"


def test_merge_rebuilds_the_same_grades_from_the_json_files(graded, tmp_path):
    root, _, _ = graded
    merged = run_grade("merge", *sorted((root / "out").glob("*.json")), "--output-dir", tmp_path, cwd=tmp_path)
    assert merged.returncode == 0, merged.stderr
    assert rows(tmp_path) == rows(root / "out")


def test_merge_reads_plain_grade_json_and_names_a_bad_file(tmp_path):
    single = run_grade("--exercise", "04_engine", "--format", "json", "--output", tmp_path / "zoe.json",
                       REFERENCE, cwd=tmp_path)
    assert single.returncode == 0, single.stderr
    (tmp_path / "bad.json").write_text("[1, 2]")
    merged = run_grade("merge", tmp_path / "zoe.json", "--output-dir", tmp_path / "m", cwd=tmp_path)
    assert merged.returncode == 0 and rows(tmp_path / "m")["zoe"]["score"] == "20"
    bad = run_grade("merge", tmp_path / "zoe.json", tmp_path / "bad.json", cwd=tmp_path)
    assert bad.returncode == 2 and "bad.json" in bad.stderr and "not a micrograde result" in bad.stderr


def test_a_progress_line_on_a_terminal(tmp_path):
    subs = tmp_path / "subs"
    subs.mkdir()
    for name in ("a", "b"):
        (subs / f"{name}.py").write_text("raise SystemExit(3)\n")   # cheap: nothing to grade
    leader, follower = pty.openpty()
    try:
        done = subprocess.run(grade_command() + ["--bulk", str(subs), "--exercise", "04_engine", "--jobs", "1",
                                                 "--output-dir", str(tmp_path / "out")],
                              stderr=follower, stdout=subprocess.PIPE, cwd=tmp_path, timeout=300, text=True)
        os.close(follower)
        shown = b""
        while True:
            try:
                chunk = os.read(leader, 4096)
            except OSError:
                break
            if not chunk:
                break
            shown += chunk
    finally:
        os.close(leader)
    assert done.returncode == 0
    assert b"\r[1/2]" in shown and b"\r[2/2]" in shown


def test_usage_errors_say_what_to_do(tmp_path):
    (tmp_path / "subs").mkdir()
    run = run_grade("--bulk", tmp_path / "subs", "--output-dir", tmp_path / "o", cwd=tmp_path)
    assert run.returncode == 2 and "--exercise" in run.stderr
    run = run_grade("--bulk", tmp_path / "subs", "--exercise", "04_engine", "--output-dir", tmp_path / "o",
                    cwd=tmp_path)
    assert run.returncode == 2 and "no submissions found" in run.stderr
    run = run_grade("--bulk", tmp_path, "--exercise", "04_engine", "--output-dir", tmp_path / "o", cwd=tmp_path)
    assert run.returncode == 2 and "inside --bulk" in run.stderr


# -- the zip rules, in-process -------------------------------------------------------
def test_extract_zip_refuses_too_many_members(tmp_path):
    with zipfile.ZipFile(tmp_path / "many.zip", "w") as z:
        for i in range(MAX_MEMBERS + 1):
            z.writestr(f"f{i}.txt", "")
    with pytest.raises(Unreadable, match="at most"):
        extract_zip(tmp_path / "many.zip", tmp_path / "x")


def test_extract_zip_counts_bytes_it_reads_not_what_the_header_claims(tmp_path):
    with zipfile.ZipFile(tmp_path / "bomb.zip", "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("a.py", b"0" * (MAX_BYTES // 2 + 1))
        z.writestr("b.py", b"0" * (MAX_BYTES // 2 + 1))   # each alone fits; together they do not
    with pytest.raises(Unreadable, match="more than"):
        extract_zip(tmp_path / "bomb.zip", tmp_path / "x")


def test_extract_zip_keeps_safe_members_and_names_the_rest(tmp_path):
    with zipfile.ZipFile(tmp_path / "s.zip", "w") as z:
        z.writestr("hw/value.py", "x = 1\n")
        z.writestr("hw/../../up.py", "x = 2\n")
        z.writestr("C:/windows.py", "x = 3\n")
    warnings = extract_zip(tmp_path / "s.zip", tmp_path / "x")
    assert (tmp_path / "x" / "hw" / "value.py").read_text() == "x = 1\n"
    assert not (tmp_path / "up.py").exists()
    assert len(warnings) == 2 and all("outside" in w for w in warnings)


def test_names_in_any_script_and_look_alike_names_keep_their_own_rows(tmp_path):
    subs = tmp_path / "subs"
    subs.mkdir()
    for name in ("a b", "a_b", "李雷"):
        (subs / f"{name}.py").write_text("raise SystemExit(3)\n")   # cheap: nothing to grade
    run = run_grade("--bulk", subs, "--exercise", "04_engine", "--jobs", "2", "--output-dir", tmp_path / "out",
                    cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert set(rows(tmp_path / "out")) == {"a b", "a_b", "李雷"}
    assert len(list((tmp_path / "out").glob("*.json"))) == 3 and (tmp_path / "out" / "李雷.json").is_file()

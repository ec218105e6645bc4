"""``grade --bulk`` and ``grade merge`` through the real command, on a small mixed class.

One class of nine submissions, in every shape (a ``.py``, a folder, a zip of a
folder, a notebook, a zip that tries to escape, a zip bomb) and of every kind
(correct, buggy, crashing, hanging), graded once with ``--jobs 2``; the tests
read its outputs. Then re-runs (nothing to do; one changed file), ``grade
merge``, the progress line on a terminal, and the zip rules in-process.
"""
from __future__ import annotations

import csv
import html
import html.parser
import io
import json
import os
import pty
import re
import shutil
import signal
import stat
import tarfile
import subprocess
import time
import urllib.parse
import zipfile
from pathlib import Path

import pytest
import yaml

from support import (HOSTILE, QUICK_HANGS, REFERENCE, REPO, SLEEPS_AT_IMPORT, course_with_limits, ctrl_c_able,
                     grade_command, overwrite_in_add, run_grade)
from harness.classroom import progress
from harness.classroom.submissions import MAX_BYTES, MAX_MEMBERS, Unreadable, extract_zip

pytestmark = pytest.mark.slow   # see the slow marker in pyproject.toml


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


def quick_hangs(folder: Path) -> Path:
    """04_engine with shorter time limits: gina's hang is waited out in seconds, not 10 s.
    The same file each time, so a rerun's rubric is the first run's."""
    return course_with_limits(folder / "04-quick-hangs.yaml", "04_engine", **QUICK_HANGS)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("bulk")
    subs = make_class(root)
    run = run_grade("--bulk", subs, "--exercise", quick_hangs(root), "--jobs", "2", "--output-dir", root / "out",
                    cwd=root)
    return root, subs, run


def rows(out: Path) -> dict:
    return {r["student"]: r for r in csv.DictReader(io.StringIO((out / "grades.csv").read_text()))}


def test_every_submission_gets_its_own_row_and_file(graded):
    root, subs, run = graded
    assert run.returncode == 0, run.stderr
    students = {"alice", "bob", "carol", "dan", "erin", "frank", "gina", "hank", "ivy", "notes"}
    assert set(rows(root / "out")) == students
    assert {p.stem for p in (root / "out").glob("*.json")} == students
    assert {p.stem for p in (root / "out").glob("*.html")} == students | {"report"}
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
    assert r["notes"]["status"] == "unreadable" and r["notes"]["reason"].startswith("unsupported file type .txt")
    assert r["erin"]["status"] == "unreadable" and "MiB" in r["erin"]["reason"]
    assert all(row["status"] == "graded" for s, row in r.items() if s not in ("notes", "erin"))


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
    assert "2 of 10" in row and "bob, carol" in row and "a = Value(" in row   # who, how many, one example
    assert "Score distribution" in page


def test_the_class_report_says_what_graded_it_and_links_every_students_page(graded):
    from importlib import metadata
    root, _, _ = graded
    out = root / "out"
    page = (out / "report.html").read_text()
    about = page[:page.index("<h2>Checks</h2>")]
    assert re.search(r"<th>Report written</th><td>\d{4}-\d\d-\d\d \d\d:\d\d UTC</td>", about)
    assert f"micrograde {metadata.version('micrograde')}" in about and "<th>Seed</th><td>0</td>" in about
    layer = json.loads((out / "alice.json").read_text())["exercises"][0]["sandbox"]
    assert layer and f"<th>Sandbox layer</th><td>{layer}</td>" in about
    checks = page[page.index("<h2>Checks</h2>"):page.index("<h2>Score distribution</h2>")]
    rubric = yaml.safe_load((REPO / "graders" / "04_engine.yaml").read_text())
    for check in rubric["checks"]:   # every check, its description and its points, and a pass rate
        row = checks[checks.index(f"<tr><td>{check['name']}</td>"):].split("</tr>")[0]
        assert html.escape(check["description"]).split("`")[0] in row
        assert f'<td class="num">{check["points"]}</td>' in row and "%</td>" in row
    links = re.findall(r'<a href="([^"]+)">([^<]+)</a>', page)
    assert {name for _, name in links} == set(rows(out))
    for href, name in links:
        student = (out / urllib.parse.unquote(href)).read_text()
        assert offline(student) and f"<h1>{name}: " in student
    bob = (out / "bob.html").read_text()
    assert "grad-overwrite" in bob and "from value import Value" in bob and "seed 0" in bob


class _Fetches(html.parser.HTMLParser):
    """Everything a browser would load: src/href attributes, scripts, stylesheets."""

    def __init__(self):
        super().__init__()
        self.fetches = []

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "link", "iframe", "img", "object", "embed"):
            self.fetches.append(tag)
        self.fetches += [v for k, v in attrs if k in ("src", "href", "xlink:href") and v and not v.startswith("#")
                         and not (tag == "a" and k == "href" and _local_page(v))]   # a link, not a fetch


def _local_page(href: str) -> bool:
    """A link to a page beside this one (a student's page): followed only when clicked, and offline."""
    return "/" not in href and ":" not in href and href.endswith(".html")


def offline(page: str) -> bool:
    parser = _Fetches()
    parser.feed(page)
    return parser.fetches == [] and "url(" not in page and "@import" not in page


def test_a_rerun_skips_what_is_unchanged_and_regrades_what_changed(graded, tmp_path):
    root, subs, _ = graded
    out = tmp_path / "out"
    shutil.copytree(root / "out", out)
    before = {p.name: p.stat().st_mtime_ns for p in out.glob("*.json")}
    again = run_grade("--bulk", subs, "--exercise", quick_hangs(root), "--jobs", "2", "--output-dir", out,
                      cwd=tmp_path)
    assert again.returncode == 0 and "Graded 0 now (10 unchanged" in again.stdout
    assert before == {p.name: p.stat().st_mtime_ns for p in out.glob("*.json")}
    changed = tmp_path / "subs"
    shutil.copytree(subs, changed)
    shutil.copy(REFERENCE, changed / "bob" / "value.py")     # bob fixed his bug
    (out / "hank.json").write_text('{"version": 1, "exer')   # a file cut short by an interrupted run
    again = run_grade("--bulk", changed, "--exercise", quick_hangs(root), "--jobs", "2",
                      "--output-dir", out, cwd=tmp_path)
    assert again.returncode == 0 and "Graded 2 now (8 unchanged" in again.stdout
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


# -- an LMS-shaped download: every entry a row ------------------------------------------
CORRECT = REPO / "tests" / "corpus" / "correct"
BUGGY = REPO / "tests" / "corpus" / "buggy"


def notebook(source: str) -> str:
    cells = [{"cell_type": "code", "source": "%matplotlib inline\nimport math", "metadata": {}, "outputs": [],
              "execution_count": None},
             {"cell_type": "code", "source": source, "metadata": {}, "outputs": [], "execution_count": None}]
    return json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5})


def make_lms_folder(root: Path) -> Path:
    """Issue 13's download and the names browsers and LMSs give copies: ten correct engines in
    ten shapes, two entries that cannot be read."""
    subs = root / "lms"
    subs.mkdir(parents=True)
    (subs / "alice").mkdir()
    shutil.copy(CORRECT / "kahn_order.py", subs / "alice" / "value.py")
    shutil.copy(CORRECT / "slots.py", subs / "bob.py")
    (subs / "carol.ipynb").write_text(notebook(REFERENCE.read_text()))
    with zipfile.ZipFile(subs / "dave.zip", "w", zipfile.ZIP_DEFLATED) as z:
        z.write(CORRECT / "list_children.py", "dave-hw4/value.py")
        z.writestr("dave-hw4/README.txt", "my homework")
    erin_src = root / "erin-src"
    (erin_src / "hw").mkdir(parents=True)
    shutil.copy(CORRECT / "creation_order.py", erin_src / "hw" / "value.py")
    (erin_src / "hw" / "passwd.py").symlink_to("/etc/passwd")
    with tarfile.open(subs / "erin.tar.gz", "w:gz") as t:
        t.add(erin_src / "hw", arcname="hw")
        outside = tarfile.TarInfo("../outside.py")
        data = b"print('escaped')\n"
        outside.size = len(data)
        t.addfile(outside, io.BytesIO(data))
    shutil.copy(CORRECT / "op_table.py", subs / "frank.py.txt")
    shutil.copy(CORRECT / "properties.py", subs / "Grace.PY")
    (subs / "heidi").mkdir()
    (subs / "ivan.zip").write_bytes(b"PK\x03\x04 this is not really a zip, the upload was cut short")
    (subs / "judy" / "hw4").mkdir(parents=True)
    shutil.copy(CORRECT / "dataclass_value.py", subs / "judy" / "hw4" / "value.py")
    (subs / "kate").mkdir()   # a browser's second download of the file
    shutil.copy(CORRECT / "lecture_tanh_exp.py", subs / "kate" / "Value (1).py")
    (subs / "liam").mkdir()   # Canvas keeps both files of a resubmission: value-2.py is the later one
    shutil.copy(BUGGY / "assign_grad.py", subs / "liam" / "value-1.py")
    shutil.copy(CORRECT / "children_dict.py", subs / "liam" / "value-2.py")
    return subs


def test_an_lms_download_gives_every_entry_a_row_and_every_correct_engine_full_marks(tmp_path):
    subs = make_lms_folder(tmp_path)
    out = tmp_path / "out"
    run = run_grade("--bulk", subs, "--exercise", "04_engine", "--jobs", "2", "--output-dir", out, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    r = rows(out)
    correct = {"alice", "bob", "carol", "dave", "erin", "frank", "Grace", "judy", "kate", "liam"}
    assert set(r) == correct | {"heidi", "ivan"}
    assert {p.stem for p in out.glob("*.json")} == set(r) == {p.stem for p in out.glob("*.html")} - {"report"}
    for student in correct:
        assert r[student]["score"] == "20" and r[student]["status"] == "graded", (student, r[student])
    assert r["heidi"]["score"] == "0" and r["heidi"]["status"] == "unreadable"
    assert r["heidi"]["reason"].startswith("empty folder")
    assert r["ivan"]["score"] == "0" and r["ivan"]["reason"].startswith("corrupt zip:")
    assert "12 submissions: 10 graded, 2 zero with a reason" in run.stdout and "0 grader errors" in run.stdout
    # what was renamed or skipped is said, in the student's own report
    warnings = {s: json.loads((out / f"{s}.json").read_text())["exercises"][0]["warnings"] for s in correct}
    assert any("frank.py.txt graded as value.py" in w for w in warnings["frank"])
    assert any("Grace.PY graded as value.py" in w for w in warnings["Grace"])
    assert any("Value (1).py in kate graded as value.py" in w for w in warnings["kate"]), warnings["kate"]
    assert any("value-2.py in liam graded as value.py (the latest of value-1.py, value-2.py)" in w
               for w in warnings["liam"]), warnings["liam"]
    assert any("passwd.py (a link" in w for w in warnings["erin"])
    assert any("../outside.py (outside" in w for w in warnings["erin"])
    assert not (tmp_path / "outside.py").exists() and not (subs / "outside.py").exists()
    assert warnings["alice"] == warnings["judy"] == []
    umask = os.umask(0o022)
    os.umask(umask)
    modes = {p.name: p.stat().st_mode & 0o777 for p in out.iterdir()}
    assert set(modes.values()) == {0o666 & ~umask}, modes   # like any Unix tool: readable by a TA under 022


def test_entries_that_are_not_submissions_still_get_a_row_that_says_why(tmp_path):
    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / "kim.rar").write_bytes(b"Rar!\x1a\x07\x00")
    (subs / "leo.docx").write_bytes(b"PK")
    (subs / "mia").mkdir()
    (subs / "mia" / "notes.md").write_text("I ran out of time")
    (subs / "ned.tar").write_bytes(b"\0" * 1024)          # a tar with no members
    (subs / ".DS_Store").write_bytes(b"litter")            # hidden: not a student
    run = run_grade("--bulk", subs, "--exercise", "04_engine", "--jobs", "2", "--output-dir", tmp_path / "o",
                    cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    r = rows(tmp_path / "o")
    assert set(r) == {"kim", "leo", "mia", "ned"}
    assert r["kim"]["reason"].startswith("unsupported archive .rar")
    assert r["leo"]["reason"].startswith("unsupported file type .docx")
    assert "value.py" in r["mia"]["reason"] and "notes.md" in r["mia"]["reason"]
    assert r["ned"]["reason"].startswith("empty archive")
    assert all(row["status"] == "unreadable" and row["score"] == "0" for row in r.values())


def test_a_students_folder_holding_only_the_upload_is_graded_as_that_upload(tmp_path):
    """Moodle and Canvas give each student a folder with the file they uploaded: a zip, a
    notebook, a .py of any name. Each is graded as if it stood alone (a zero with "value.py
    not found ... it holds: submission.zip" before); a broken zip says it is broken."""
    subs = tmp_path / "subs"
    for student in ("zed", "yan", "wu", "xia", "vic"):
        (subs / student).mkdir(parents=True)
    with zipfile.ZipFile(subs / "zed" / "submission.zip", "w") as z:
        z.write(REFERENCE, "hw4/value.py")
    shutil.copyfile(REFERENCE, subs / "yan" / "lab4_homework.py")
    notebook = REPO / "tests" / "corpus" / "learners" / "notebooks" / "lecture_lab_book.ipynb"
    shutil.copyfile(notebook, subs / "wu" / "Lab 4.ipynb")
    (subs / "xia" / "submission.zip").write_bytes(b"PK\x03\x04 not a zip after all")
    shutil.copyfile(REFERENCE, subs / "vic" / "a.py")     # two uploads: which one is meant is not
    shutil.copyfile(REFERENCE, subs / "vic" / "b.py")     # for the grader to guess
    out = tmp_path / "out"
    run = run_grade("--bulk", subs, "--exercise", "04_engine", "--jobs", "2", "--output-dir", out, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    r = rows(out)
    assert r["zed"]["score"] == r["yan"]["score"] == "20", (r["zed"], r["yan"])
    assert r["wu"]["status"] == "graded" and r["wu"]["score"] == "13", r["wu"]
    assert r["xia"]["reason"].startswith("corrupt zip: submission.zip cannot be opened"), r["xia"]
    assert r["vic"]["status"] == "unreadable" and "a.py, b.py" in r["vic"]["reason"], r["vic"]
    warnings = json.loads((out / "yan.json").read_text())["exercises"][0]["warnings"]
    assert any("yan/lab4_homework.py graded as value.py" in w for w in warnings), warnings


def test_extract_tar_applies_the_zip_rules(tmp_path):
    from harness.classroom.archives import extract_tar
    with tarfile.open(tmp_path / "bomb.tgz", "w:gz") as t:
        for name in ("a.py", "b.py"):
            info = tarfile.TarInfo(name)
            info.size = MAX_BYTES // 2 + 1
            t.addfile(info, io.BytesIO(b"0" * info.size))
    with pytest.raises(Unreadable, match="more than"):
        extract_tar(tmp_path / "bomb.tgz", tmp_path / "x")
    with tarfile.open(tmp_path / "many.tar", "w") as t:
        for i in range(MAX_MEMBERS + 1):
            t.addfile(tarfile.TarInfo(f"f{i}.txt"), io.BytesIO(b""))
    with pytest.raises(Unreadable, match="at most"):
        extract_tar(tmp_path / "many.tar", tmp_path / "y")
    with tarfile.open(tmp_path / "odd.tar", "w") as t:
        for info in (tarfile.TarInfo("/abs.py"), tarfile.TarInfo("dev")):
            if info.name == "dev":
                info.type = tarfile.CHRTYPE
            t.addfile(info, io.BytesIO(b""))
        hard = tarfile.TarInfo("hard.py")
        hard.type, hard.linkname = tarfile.LNKTYPE, "/etc/passwd"
        t.addfile(hard)
    warnings = extract_tar(tmp_path / "odd.tar", tmp_path / "z")
    assert len(warnings) == 3 and not any((tmp_path / "z").rglob("*"))


def test_without_a_terminal_a_line_names_the_submission_being_waited_on(tmp_path):
    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / "gina.py").write_text(SLEEPS_AT_IMPORT)   # waits out its time limit
    # gina's import hangs for check_seconds: past the first heartbeat line, with room to spare.
    rubric = course_with_limits(tmp_path / "04.yaml", "04_engine", check_seconds=progress.HEARTBEAT + 3)
    run = run_grade("--bulk", subs, "--exercise", rubric, "--jobs", "1", "--output-dir", tmp_path / "o",
                    cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert "waiting on gina (" in run.stderr and "\r" not in run.stderr
    assert "grade: [1/1]" in run.stderr   # and the last one, whatever N


def test_ctrl_c_stops_cleanly_and_the_next_run_resumes(tmp_path):
    subs = tmp_path / "subs"
    subs.mkdir()
    shutil.copy(REFERENCE, subs / "alice.py")
    (subs / "gina.py").write_text(SLEEPS_AT_IMPORT)
    out = tmp_path / "o"
    rubric = course_with_limits(tmp_path / "04.yaml", "04_engine", check_seconds=4)   # gina hangs 4 s, not 10
    # a terminal's Ctrl-C: SIGINT to the whole process group, the pool and the workers included
    proc = subprocess.Popen(ctrl_c_able(grade_command() + ["--bulk", str(subs), "--exercise", str(rubric),
                                                           "--jobs", "1", "--output-dir", str(out)]),
                            cwd=tmp_path, start_new_session=True,
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not (out / "alice.json").is_file() and time.monotonic() < deadline:   # alice first, then gina hangs
        time.sleep(0.2)
    time.sleep(1.0)
    os.killpg(proc.pid, signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
    assert "Traceback" not in stderr and "Run the same command again" in stderr
    assert "1 of 2 submissions graded" in stderr
    assert not (out / "gina.json").exists() and not list(out.glob(".*.tmp"))
    again = run_grade("--bulk", subs, "--exercise", rubric, "--jobs", "1", "--output-dir", out, cwd=tmp_path)
    assert again.returncode == 0 and "Graded 1 now (1 unchanged" in again.stdout
    assert set(rows(out)) == {"alice", "gina"}

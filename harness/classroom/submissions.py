"""One student's submission, in whatever shape it came, turned into a folder the grader can load.

* A folder is graded as it is; when the exercise's files are not at its top
  but in exactly one folder inside (``judy/hw4/value.py``, a zip of a
  folder), that one is used.
* A ``.py`` file becomes the exercise's file (``value.py``) in a temporary
  folder; a notebook becomes ``value.ipynb`` beside it (loading notebooks is
  ``harness.grading.exercise``'s business). A ``.py`` in another case or with
  a suffix added by a browser or an LMS (``value.PY``, ``frank.py.txt``) is
  taken as the student's file, with a warning.
* A ``.zip``, ``.tar`` or ``.tar.gz``/``.tgz`` is unpacked with care
  (``harness.classroom.archives``), then graded as a folder.
* Anything else is still a submission: it is ``Unreadable``, and the student's
  row is a zero that says why (``empty folder``, ``unsupported archive .rar``,
  ``corrupt zip: ...``), so no student is lost without a word.

``content_hash`` identifies a submission's content, so that bulk grading can
skip what it graded before.
"""
from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from harness.classroom.archives import (MAX_BYTES, MAX_MEMBERS, SKIP as _SKIP, Unreadable, archive_kind,
                                        extract, extract_zip)
from harness.core.errors import UsageError
from harness.core.results import CheckResult, Diagnosis, ExerciseResult
from harness.grading.exercise import Target, target_for
from harness.grading.rubric import Rubric
from harness.grading.run import Options, grade_exercise
from harness.core.kinds import IMPORT_ERROR

__all__ = ["MAX_BYTES", "MAX_MEMBERS", "Unreadable", "extract_zip", "find_submissions", "student_name",
           "content_hash", "submission_targets", "grade_submission", "read_and_grade", "unreadable"]
# Archive formats students upload that are not read here: a reason, not a silent skip.
OTHER_ARCHIVES = (".rar", ".7z", ".gz", ".bz2", ".xz", ".zst", ".tar.zst", ".cab", ".arj", ".lz")
UNREADABLE_TITLE = "The submission cannot be read"


@dataclass
class Prepared:
    folder: Path                          # what to grade
    warnings: list = field(default_factory=list)


def find_submissions(root: Path) -> list:
    """Every entry of ``root``, by name, except hidden files and tool litter: each is one student."""
    return [e for e in sorted(root.iterdir()) if not e.name.startswith(".") and e.name not in _SKIP]


def file_kind(path: Path) -> str:
    """``py``, ``ipynb``, ``zip``, ``tar`` or ``""`` (not a kind read here), from the name in any case."""
    name = path.name.lower()
    if name.endswith((".py", ".py.txt")):
        return "py"
    if name.endswith((".ipynb", ".ipynb.json", ".ipynb.txt")):
        return "ipynb"
    return archive_kind(path)


def student_name(path: Path) -> str:
    """ "alice" for alice/, alice.py, alice.ipynb, alice.zip, alice.tar.gz and alice.py.txt."""
    if path.is_dir():
        return path.name
    lower = path.name.lower()
    for suffix in (".py.txt", ".ipynb.json", ".ipynb.txt", ".tar.gz", ".tar.bz2", ".tar.xz", ".tar.zst"):
        if lower.endswith(suffix) and len(lower) > len(suffix):
            return path.name[:-len(suffix)]
    return path.stem or path.name


def content_hash(path: Path) -> str:
    """SHA-256 of a file's bytes, or of a folder's file names and bytes (links not followed)."""
    digest = hashlib.sha256()
    if path.is_symlink():
        digest.update(b"link\0" + os.readlink(path).encode(errors="replace"))
        return digest.hexdigest()
    if path.is_file():
        _hash_file(digest, path)
        return digest.hexdigest()
    for folder, dirs, files in os.walk(path, followlinks=False):
        dirs[:] = sorted(d for d in dirs if d not in _SKIP)
        for name in sorted(files):
            file = Path(folder) / name
            if name in _SKIP or file.is_symlink() or not file.is_file():
                continue
            digest.update(file.relative_to(path).as_posix().encode() + b"\0")
            _hash_file(digest, file)
    return digest.hexdigest()


def submission_targets(paths: list, exercise: str) -> list:
    """``grade --exercise NAME PATH...``: each PATH is one submission of that exercise."""
    targets = []
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            raise UsageError(f"{raw}: no such file or folder")
        if not path.is_dir() and not file_kind(path):
            raise UsageError(f"{raw}: not a submission; give a folder, or a .py, .ipynb, .zip, .tar or "
                             ".tar.gz file")
        targets.append(target_for(path, exercise))
    return targets


def grade_submission(path: Path, target: Target, options: Options) -> ExerciseResult:
    """Grade one submission (any of the shapes above) as ``target``'s exercise."""
    return read_and_grade(path, target, options)[0]


def read_and_grade(path: Path, target: Target, options: Options) -> tuple:
    """(the result, why the submission could not be read or ``""``): bulk rows show the reason."""
    try:
        with prepared(path, target.rubric) as prep:
            result = grade_exercise(Target(prep.folder, target.rubric), prep.folder, options, str(path))
            result.warnings[:0] = prep.warnings
            return result, ""
    except Unreadable as exc:
        return unreadable(target.rubric, str(path), str(exc)), str(exc)


def unreadable(rubric: Rubric, path: str, why: str, ident: str = IMPORT_ERROR,
               title: str = UNREADABLE_TITLE) -> ExerciseResult:
    """Every check failed for one reason found before (or instead of) grading."""
    result = ExerciseResult(rubric.name, path, rubric.title)
    for check in rubric.checks:
        result.checks.append(CheckResult(check.name, check.points, False, description=check.description,
                                         visibility=check.visibility,
                                         diagnoses=[Diagnosis(ident, why, title=title)]))
    return result


@contextmanager
def prepared(path: Path, rubric: Rubric) -> Iterator[Prepared]:
    """The folder to grade for ``path``; temporary folders are removed afterwards."""
    if path.is_symlink():
        raise Unreadable(f"{path.name} is a symbolic link, not a submission; put the file or folder itself there")
    temp = Path(tempfile.mkdtemp(prefix="micrograde-submission-"))
    try:
        if path.is_dir():
            yield _as_folder(path, rubric, path.name, temp / "renamed", [])
            return
        if not file_kind(path):
            raise Unreadable(_unsupported(path))
        # A file of the submissions folder is named after its student (alice.py): only
        # another suffix or case (frank.py.txt, Grace.PY) is worth a warning.
        yield _the_upload(path, rubric, path.name, temp, [], named_by_the_lms=True)
    finally:
        shutil.rmtree(temp, ignore_errors=True)


def _unsupported(path: Path) -> str:
    lower = path.name.lower()
    suffix = next((s for s in sorted(OTHER_ARCHIVES, key=len, reverse=True) if lower.endswith(s)), "")
    if suffix:
        return f"unsupported archive {suffix}: {path.name}; submit a .zip or .tar.gz, or the .py file itself"
    what = f"file type {path.suffix}" if path.suffix else "file without a suffix"
    return f"unsupported {what}: {path.name}; submit a .py or .ipynb file, a folder, a .zip or a .tar.gz"


def _as_folder(folder: Path, rubric: Rubric, shown: str, spare: Path, warnings: list,
               inner: bool = False) -> Prepared:
    """The folder that holds the exercise's files, look-alike names (``Value.PY``) renamed in a copy.

    A folder whose one file is the upload itself (an LMS's folder per student holding
    ``submission.zip``, or ``lab4.ipynb``) is graded as that file, as if it stood alone."""
    if not any(p.is_file() for p in _files(folder)):
        what = "empty archive" if archive_kind(Path(shown)) else "empty folder"
        raise Unreadable(f"{what}: {shown} holds no files; submit the exercise's file {rubric.files[0]}"
                         if not warnings else
                         f"{shown} holds no file that could be extracted ({'; '.join(warnings)})")
    found = locate(folder, rubric)
    if _holds(found, rubric):
        return Prepared(found, warnings)
    alike = _look_alike_folder(folder, rubric)
    if alike is not None:
        shutil.copytree(alike, spare, symlinks=True, ignore=shutil.ignore_patterns(*_SKIP))
        for wanted in rubric.files:
            numbered = sorted((n, p.name) for p in spare.iterdir()
                              if p.is_file() and (n := _copy_number(p.name, wanted)) is not None)
            if not numbered or (spare / wanted).exists():
                continue
            # Several copies: the highest number is the last one downloaded or resubmitted.
            latest = numbered[-1][1]
            shown_name = (alike / latest).relative_to(folder).as_posix()
            others = "" if len(numbered) == 1 else f" (the latest of {', '.join(name for _, name in numbered)})"
            (spare / latest).rename(spare / wanted)
            warnings = warnings + [f"{shown_name} in {shown} graded as {wanted}{others}: "
                                   f"name your file {wanted}" + (" and submit it once" if others else "")]
        return Prepared(spare, warnings)
    uploads = [p for p in _files(folder) if p.is_file() and file_kind(p)]
    if len(uploads) == 1 and not inner:
        return _the_upload(uploads[0], rubric, f"{shown}/{uploads[0].relative_to(folder).as_posix()}",
                           spare.parent / "upload", warnings, inner=True)
    files = sorted(p.relative_to(folder).as_posix() for p in _files(folder) if p.is_file())
    listing = ", ".join(files[:10]) + (f" and {len(files) - 10} more" if len(files) > 10 else "")
    raise Unreadable(f"{' or '.join(rubric.files)} not found in {shown} (it holds: {listing}); "
                     f"submit the exercise's file {rubric.files[0]}")


def _the_upload(path: Path, rubric: Rubric, shown: str, work: Path, warnings: list,
                inner: bool = False, named_by_the_lms: bool = False) -> Prepared:
    """One uploaded file (an archive, a ``.py``, a notebook) as the folder to grade, in ``work``.

    ``inner``: the upload was found in a student's folder, so an archive inside
    the archive is not unpacked again."""
    work.mkdir(exist_ok=True)
    kind = file_kind(path)
    if kind in ("zip", "tar"):
        unpacked = work / "unpacked"
        unpacked.mkdir()
        extracted = extract(path, unpacked)
        return _as_folder(unpacked, rubric, shown, work / "renamed", warnings + extracted, inner=inner)
    main = Path(rubric.files[0])
    shutil.copyfile(path, work / (main.stem + "." + kind))
    if named_by_the_lms and path.suffix == "." + kind:
        return Prepared(work, warnings)
    return Prepared(work, warnings + [f"{shown} graded as {main.stem}.{kind}: name your file "
                                      f"{main.stem}.{kind} (lower case, no extra suffix)"])


def locate(folder: Path, rubric: Rubric) -> Path:
    """``folder``, or the one folder inside it (at most three deep) that holds the exercise's files."""
    if _holds(folder, rubric):
        return folder
    inside = [d for d in _folders(folder) if _holds(d, rubric)]
    return inside[0] if len(inside) == 1 else folder


def _look_alike_folder(folder: Path, rubric: Rubric) -> Path | None:
    """The one folder (this or one inside) holding a file named like the exercise's main file."""
    main = rubric.files[0]
    candidates = [d for d in [folder, *_folders(folder)]
                  if any(_alike(p.name, main) and p.is_file() for p in d.iterdir())]
    return candidates[0] if len(candidates) == 1 else None


def _alike(name: str, wanted: str) -> bool:
    """``Value.PY``, ``value.py.txt``, ``Value (1).py``, ``value-2.py`` for ``value.py``."""
    return _copy_number(name, wanted) is not None


def _copy_number(name: str, wanted: str) -> int | None:
    """Which copy of ``wanted`` the name is (0 for the first), or None when it is another file.

    Browsers and Moodle save a second download as ``Value (1).py``, Canvas renames a
    resubmission ``value-1.py``, phones add ``.txt``: each is the same file to a learner."""
    lower = name.lower()
    if lower.endswith(".txt") and not wanted.lower().endswith(".txt"):
        lower = lower[:-4]
    want = Path(wanted.lower())
    copy = re.fullmatch(re.escape(want.stem) + r"(?: ?\((\d+)\)|-(\d+))?" + re.escape(want.suffix), lower)
    if copy is None:
        return None
    return int(copy.group(1) or copy.group(2) or 0)


def _folders(folder: Path) -> list:
    return [d for d in sorted(folder.rglob("*")) if d.is_dir() and not d.is_symlink()
            and not set(d.relative_to(folder).parts) & _SKIP and len(d.relative_to(folder).parts) <= 3]


def _files(folder: Path) -> Iterator[Path]:
    return (p for p in folder.rglob("*") if not set(p.relative_to(folder).parts) & _SKIP)


def _holds(folder: Path, rubric: Rubric) -> bool:
    if len(list(folder.glob("*.ipynb"))) == 1:   # the folder's only notebook, whatever its name
        return True
    for filename in rubric.files:
        main = folder / filename
        if main.is_file() or main.with_suffix(".ipynb").is_file():
            return True
    return False


def _hash_file(digest, path: Path) -> None:
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)

"""One student's submission, in whatever shape it came: a folder, a ``.py``
file, a notebook or a zip, turned into a folder the grader can load.

* A folder is graded as it is; when the exercise's files are not at its top
  but in exactly one folder inside (a zip of a folder, say), that one is used.
* A ``.py`` file becomes the exercise's file (``value.py``) in a temporary
  folder; a notebook becomes ``value.ipynb`` beside it (loading notebooks is
  ``harness.grading.exercise``'s business).
* A zip is extracted with care: members with absolute paths or ``..``, links
  and devices are skipped (and named in a warning); more than ``MAX_MEMBERS``
  members or ``MAX_BYTES`` uncompressed (counted while reading, not trusted
  from the header) make the submission unreadable.

``content_hash`` identifies a submission's content, so that bulk grading can
skip what it graded before.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import stat
import tempfile
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Iterator

from harness.core.errors import MicrogradeError, UsageError
from harness.grading.exercise import Target, target_for
from harness.grading.run import Options, grade_exercise
from harness.core.results import CheckResult, Diagnosis, ExerciseResult
from harness.grading.rubric import Rubric

KINDS = (".py", ".ipynb", ".zip")
MAX_MEMBERS = 2000
MAX_BYTES = 20 * 1024 * 1024      # the sandbox copies at most this much, too
_SKIP = {"__pycache__", ".git", ".hypothesis", ".ipynb_checkpoints", ".venv", "__MACOSX", ".DS_Store"}


class Unreadable(MicrogradeError):
    """The submission cannot be turned into a folder: the message says why, for the student."""


@dataclass
class Prepared:
    folder: Path                          # what to grade
    warnings: list = field(default_factory=list)


def find_submissions(root: Path) -> list:
    """Every submission in ``root``, by name: subfolders and .py/.ipynb/.zip files."""
    found = []
    for entry in sorted(root.iterdir()):
        if entry.name.startswith(".") or entry.name in _SKIP or entry.is_symlink():
            continue
        if entry.is_dir() or (entry.is_file() and entry.suffix.lower() in KINDS):
            found.append(entry)
    return found


def student_name(path: Path) -> str:
    """ "alice" for alice/, alice.py, alice.ipynb and alice.zip."""
    return path.name if path.is_dir() else path.stem


def content_hash(path: Path) -> str:
    """SHA-256 of a file's bytes, or of a folder's file names and bytes (links not followed)."""
    digest = hashlib.sha256()
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
        if not path.is_dir() and path.suffix.lower() not in KINDS:
            raise UsageError(f"{raw}: not a submission; give a folder, or a .py, .ipynb or .zip file")
        targets.append(target_for(path, exercise))
    return targets


def grade_submission(path: Path, target: Target, options: Options) -> ExerciseResult:
    """Grade one submission (any of the shapes above) as ``target``'s exercise."""
    try:
        with prepared(path, target.rubric) as prep:
            result = grade_exercise(Target(prep.folder, target.rubric), prep.folder, options, str(path))
            result.warnings[:0] = prep.warnings
            return result
    except Unreadable as exc:
        return unreadable(target.rubric, str(path), str(exc))


def unreadable(rubric: Rubric, path: str, why: str, ident: str = "import-error",
               title: str = "The submission cannot be read") -> ExerciseResult:
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
    if path.is_dir():
        yield Prepared(_checked(locate(path, rubric), rubric, path.name))
        return
    temp = Path(tempfile.mkdtemp(prefix="micrograde-submission-"))
    try:
        suffix = path.suffix.lower()
        if suffix == ".zip":
            warnings = extract_zip(path, temp)
            yield Prepared(_checked(locate(temp, rubric), rubric, path.name), warnings)
        elif suffix in (".py", ".ipynb"):
            main = Path(rubric.files[0])
            shutil.copyfile(path, temp / (main.stem + suffix))
            yield Prepared(temp)
        else:
            raise Unreadable(f"{path.name}: not a folder, .py, .ipynb or .zip file")
    finally:
        shutil.rmtree(temp, ignore_errors=True)


def locate(folder: Path, rubric: Rubric) -> Path:
    """``folder``, or the one folder inside it that holds the exercise's files."""
    if _holds(folder, rubric):
        return folder
    inside = [d for d in folder.rglob("*") if d.is_dir() and not d.is_symlink()
              and not set(d.relative_to(folder).parts) & _SKIP and _holds(d, rubric)]
    inside = [d for d in inside if len(d.relative_to(folder).parts) <= 3]
    return inside[0] if len(inside) == 1 else folder


def extract_zip(path: Path, target: Path) -> list:
    """Extract ``path`` into ``target`` safely; returns warnings about skipped members."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise Unreadable(f"{path.name} is not a readable zip file ({exc})") from None
    skipped, budget = [], MAX_BYTES
    with archive:
        members = archive.infolist()
        if len(members) > MAX_MEMBERS:
            raise Unreadable(f"{path.name} holds {len(members)} files; at most {MAX_MEMBERS} are accepted")
        for info in members:
            name = PurePosixPath(info.filename.replace("\\", "/"))
            mode = info.external_attr >> 16
            if info.is_dir() or set(name.parts) & _SKIP:
                continue
            if name.is_absolute() or ".." in name.parts or ":" in info.filename or not name.parts:
                skipped.append(f"{info.filename} (outside the archive's folder)")
                continue
            if stat.S_IFMT(mode) not in (0, stat.S_IFREG):   # 0: a zip from a tool that sets no type
                skipped.append(f"{info.filename} (a link or special file)")
                continue
            out = target.joinpath(*name.parts)
            out.parent.mkdir(parents=True, exist_ok=True)
            try:
                with archive.open(info) as src, open(out, "xb") as dst:
                    while chunk := src.read(65536):
                        budget -= len(chunk)
                        if budget < 0:
                            raise Unreadable(f"{path.name} unpacks to more than {MAX_BYTES // 2**20} MiB; "
                                             "submit only the exercise's files")
                        dst.write(chunk)
            except FileExistsError:
                skipped.append(f"{info.filename} (a second file of the same name)")
            except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError, ValueError) as exc:
                raise Unreadable(f"{path.name}: {info.filename} cannot be extracted ({exc})") from None
    return [f"skipped in {path.name}: {s}" for s in skipped]


def _checked(folder: Path, rubric: Rubric, shown: str) -> Path:
    """``folder`` when it holds the exercise's files, else Unreadable saying what it holds."""
    if _holds(folder, rubric):
        return folder
    files = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*")
                   if p.is_file() and not set(p.relative_to(folder).parts) & _SKIP)
    listing = ", ".join(files[:10]) + (f" and {len(files) - 10} more" if len(files) > 10 else "")
    raise Unreadable(f"{' or '.join(rubric.files)} not found in {shown} (it holds: {listing or 'no files'}); "
                     f"submit the exercise's file {rubric.files[0]}")


def _holds(folder: Path, rubric: Rubric) -> bool:
    for filename in rubric.files:
        main = folder / filename
        if main.is_file() or main.with_suffix(".ipynb").is_file():
            return True
    return False


def _hash_file(digest, path: Path) -> None:
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)

"""Unpacking a student's archive (``.zip``, ``.tar``, ``.tar.gz``/``.tgz``) with care.

The same rules for every kind, because an archive comes from anyone:

* members with an absolute path, ``..`` or a drive (``C:``) would land outside
  the folder: skipped, and named in a warning;
* links, devices and FIFOs are never created: skipped, and named;
* more than ``MAX_MEMBERS`` members, or more than ``MAX_BYTES`` unpacked, make
  the submission unreadable. Both are counted while reading (a header's sizes
  are not trusted), so a bomb costs at most ``MAX_BYTES`` of disk.

A damaged archive is ``Unreadable`` with a reason that starts ``corrupt zip:``
or ``corrupt tar:``, which the student's row shows.
"""
from __future__ import annotations

import stat
import tarfile
import zipfile
from pathlib import Path, PurePosixPath
from typing import BinaryIO, Iterator

from harness.core.errors import MicrogradeError

MAX_MEMBERS = 2000
MAX_BYTES = 20 * 1024 * 1024      # the sandbox copies at most this much, too
# Files and folders never graded: editor, VCS and OS litter.
SKIP = {"__pycache__", ".git", ".hypothesis", ".ipynb_checkpoints", ".venv", "__MACOSX", ".DS_Store"}
TAR_SUFFIXES = (".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tar.xz", ".txz")


class Unreadable(MicrogradeError):
    """The submission cannot be turned into a folder: the message says why, for the student."""


def archive_kind(path: Path) -> str:
    """``"zip"``, ``"tar"`` or ``""`` from the file's name (any case)."""
    name = path.name.lower()
    if name.endswith(".zip"):
        return "zip"
    return "tar" if name.endswith(TAR_SUFFIXES) else ""


def extract(path: Path, target: Path) -> list:
    """Unpack ``path`` into ``target`` by its kind; returns warnings about skipped members."""
    return extract_zip(path, target) if archive_kind(path) == "zip" else extract_tar(path, target)


def extract_zip(path: Path, target: Path) -> list:
    """Extract a zip into ``target`` safely; returns warnings about skipped members."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise Unreadable(f"corrupt zip: {path.name} cannot be opened as a zip file ({exc})") from None
    with archive:
        members = archive.infolist()
        _count(path, len(members))

        def entries() -> Iterator[tuple]:
            for info in members:
                mode = info.external_attr >> 16
                kind = "dir" if info.is_dir() else \
                    "file" if stat.S_IFMT(mode) in (0, stat.S_IFREG) else "other"  # 0: a tool that sets no type
                yield info.filename, kind, lambda info=info: archive.open(info)

        return _unpack(path, target, entries(), "zip",
                       (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, RuntimeError,
                        NotImplementedError, ValueError, OSError))


def extract_tar(path: Path, target: Path) -> list:
    """Extract a tar (plain or compressed) into ``target`` safely; returns warnings."""
    try:
        archive = tarfile.open(path, mode="r:*")
    except (tarfile.TarError, OSError, EOFError, ValueError) as exc:
        raise Unreadable(f"corrupt tar: {path.name} cannot be opened as a tar file ({exc})") from None
    with archive:
        def entries() -> Iterator[tuple]:
            seen = 0
            while True:          # next(), not getmembers(): counted while reading
                try:
                    member = archive.next()
                except (tarfile.TarError, OSError, EOFError, ValueError) as exc:
                    raise Unreadable(f"corrupt tar: {path.name} cannot be read ({exc})") from None
                if member is None:
                    return
                seen += 1
                _count(path, seen)
                kind = "dir" if member.isdir() else "file" if member.isreg() else "other"
                yield member.name, kind, lambda member=member: archive.extractfile(member)

        return _unpack(path, target, entries(), "tar", (tarfile.TarError, OSError, EOFError, ValueError))


def _unpack(path: Path, target: Path, entries: Iterator[tuple], kind: str, errors: tuple) -> list:
    """Write each ``(name, kind, open)`` entry under ``target`` by the rules above."""
    skipped, budget = [], MAX_BYTES
    for raw, what, opener in entries:
        name = PurePosixPath(raw.replace("\\", "/"))
        if what == "dir" or set(name.parts) & SKIP:
            continue
        if name.is_absolute() or ".." in name.parts or ":" in raw or not name.parts:
            skipped.append(f"{raw} (outside the archive's folder)")
            continue
        if what != "file":
            skipped.append(f"{raw} (a link or special file)")
            continue
        out = target.joinpath(*name.parts)
        try:
            out.parent.mkdir(parents=True, exist_ok=True)
            src: BinaryIO = opener()
            with src, open(out, "xb") as dst:
                budget = _copy(path, src, dst, budget)
        except FileExistsError:
            skipped.append(f"{raw} (a second copy of the same name)")
        except Unreadable:
            raise
        except errors as exc:
            raise Unreadable(f"corrupt {kind}: {raw} in {path.name} cannot be extracted ({exc})") from None
    return [f"skipped in {path.name}: {s}" for s in skipped]


def _copy(path: Path, src: BinaryIO, dst: BinaryIO, budget: int) -> int:
    while chunk := src.read(65536):
        budget -= len(chunk)
        if budget < 0:
            raise Unreadable(f"{path.name} unpacks to more than {MAX_BYTES // 2**20} MiB; "
                             "submit only the exercise's files")
        dst.write(chunk)
    return budget


def _count(path: Path, members: int) -> None:
    if members > MAX_MEMBERS:
        raise Unreadable(f"{path.name} holds more than {MAX_MEMBERS} files; at most {MAX_MEMBERS} are accepted")


"""A wheel of the grader that is running, made from its installed files: no source tree, no network.

``grade init gradescope`` puts the grader it runs on into the bundle, so that
Gradescope grades with exactly what the instructor tried. Building that wheel
with pip would need the source tree (a plain ``pip install`` has none) and a
recent setuptools (Python 3.11's venv ships 65; the project needs 68), and it
may try to download the build backend. A wheel is only a zip with a
``.dist-info`` folder, so it is written here directly from the files Python
imports: the ``harness`` package, and ``harness.reference`` and
``harness.graders``, wherever they live (inside ``harness/`` after a plain
install, in the repository's ``reference/`` and ``graders/`` after an editable
one). ``METADATA`` and ``entry_points.txt`` come from the installed
distribution, so the wheel's dependencies and the ``grade`` command are the
installed ones.
"""
from __future__ import annotations

import base64
import hashlib
import io
import zipfile
from importlib import metadata, resources
from pathlib import Path

import harness
from harness.core.errors import UsageError

DIST = "micrograde"
# Package data besides the modules (pyproject's package-data), by package folder.
_DATA = {"harness/graders": ("*.yaml",), "harness/classroom": ("setup_templates/*",)}


def installed_files() -> dict:
    """{path inside the wheel: bytes} for every module and data file of the running grader."""
    files: dict = {}
    root = Path(harness.__file__).resolve().parent
    _add_tree(files, root, "harness")
    for sub in ("reference", "graders"):   # where an editable install maps them elsewhere
        _add_tree(files, Path(str(resources.files(f"harness.{sub}"))).resolve(), f"harness/{sub}")
    return dict(sorted(files.items()))


def _add_tree(files: dict, folder: Path, prefix: str) -> None:
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if not path.is_file() or "__pycache__" in rel.parts or path.suffix in (".pyc", ".pyo"):
            continue
        package = "/".join([prefix, *rel.parts[:-1]])
        if path.suffix == ".py" or any(rel.match(p) for d, ps in _DATA.items() for p in ps
                                       if package.startswith(d)):
            files[f"{prefix}/{rel.as_posix()}"] = path.read_bytes()


def build_wheel(folder: Path) -> Path:
    """Write ``micrograde-VERSION-py3-none-any.whl`` into ``folder``; return its path."""
    try:
        dist = metadata.distribution(DIST)
    except metadata.PackageNotFoundError:
        raise UsageError("micrograde is not installed (no package metadata), so its wheel cannot be made; "
                         "install it (pip install .) or pass --install SPEC") from None
    meta = dist.read_text("METADATA") or dist.read_text("PKG-INFO")
    if not meta:
        raise UsageError(f"micrograde's metadata has no METADATA file ({dist}); reinstall it or pass --install SPEC")
    version = dist.version
    info = f"{DIST}-{version}.dist-info"
    members = installed_files()
    if "harness/graders/04_engine.yaml" not in members or "harness/reference/engine.py" not in members:
        raise UsageError("the installed grader lacks its rubrics or reference engine; reinstall it "
                         "(pip install --force-reinstall micrograde) or pass --install SPEC")
    members[f"{info}/METADATA"] = meta.encode("utf-8")
    members[f"{info}/WHEEL"] = (b"Wheel-Version: 1.0\nGenerator: micrograde (grade init)\n"
                                b"Root-Is-Purelib: true\nTag: py3-none-any\n")
    members[f"{info}/entry_points.txt"] = (dist.read_text("entry_points.txt") or "").encode("utf-8")
    members[f"{info}/top_level.txt"] = b"harness\n"
    record = io.StringIO()
    for name, data in members.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.write(f"{name},sha256={digest},{len(data)}\n")
    record.write(f"{info}/RECORD,,\n")
    members[f"{info}/RECORD"] = record.getvalue().encode("utf-8")
    target = folder / f"{DIST}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():   # fixed dates: the same grader gives the same wheel
            entry = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            entry.external_attr = 0o100644 << 16
            entry.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(entry, data)
    return target

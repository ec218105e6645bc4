"""``grade init github|gradescope``: write a ready-made setup for a platform.

* ``grade init github --install SPEC``: ``.github/workflows/classroom.yml`` for a
  student repository. It installs the grader with pip (SPEC: a PyPI name, a
  ``git+https://…`` URL or a wheel's URL), grades, hands the GitHub Classroom
  reporter a runner result (``--format github``, base64 in the step output
  ``result``), and adds the Markdown summary to the run's page.
* ``grade init gradescope --exercise NAME``: an autograder bundle: ``setup.sh``,
  ``run_autograder`` and, unless ``--install`` says otherwise, a wheel of this
  very grader, made from its installed files (``harness.classroom.wheel``: no
  source tree, no setuptools, no network), so that Gradescope installs exactly
  what you tested. ``--zip`` also writes the zip to upload (files at its root,
  as required). Everything is made in a temporary folder first and moved into
  place only when complete: a failure leaves nothing half-made.
  ``run_autograder`` always writes ``results/results.json``: when grading
  cannot finish it writes a zero score that says why and who to tell.

Both scripts read their roots from environment variables with the platform's
defaults (``MICROGRADE_AUTOGRADER_ROOT``, default ``/autograder``), so the
tests run them in a temporary folder laid out like the platform.
"""
from __future__ import annotations

import argparse
import re
import shlex
import tempfile
import zipfile
from importlib import resources
from pathlib import Path

from harness.core.errors import ExitCode, UsageError
from harness.core.files import current_umask, write_atomically
from harness.classroom import scaffold
from harness.classroom.wheel import build_wheel
from harness.grading import course
from harness.grading.rubric import builtin_rubrics

EXIT_OK = ExitCode.FULL_MARKS
BUNDLED_RUBRIC = "micrograde-rubric.yaml"   # a course's rubric, in the Gradescope bundle
BUNDLE = ("setup.sh", "run_autograder")   # and the wheel, when the bundle carries one


def init_command(argv: list) -> int:
    if argv and argv[0] == "exercise":   # a course's exercise folder (harness.classroom.scaffold)
        return scaffold.init_exercise_command(argv[1:])
    p = argparse.ArgumentParser(prog="grade init", description="Write a ready-made setup for a platform, "
                                "or (grade init exercise DIR --extends 04_engine) a course's exercise folder.")
    sub = p.add_subparsers(dest="platform", required=True, metavar="{github,gradescope,exercise}")
    gh = sub.add_parser("github", help="a GitHub Classroom workflow for a student repository")
    gh.add_argument("--install", required=True, metavar="SPEC",
                    help="what pip installs the grader from, e.g. 'git+https://github.com/you/micrograde@v0.1.0'")
    gh.add_argument("--path", default="exercises", help="what to grade in the repository (default: exercises)")
    gh.add_argument("--dir", default=".", help="the repository's root (default: .)")
    gh.add_argument("--force", action="store_true", help="overwrite an existing workflow")
    gs = sub.add_parser("gradescope", help="a Gradescope autograder bundle")
    gs.add_argument("--exercise", required=True, metavar="NAME", help="the exercise submissions are graded as")
    gs.add_argument("--install", metavar="SPEC", help="what pip installs the grader from "
                    "(default: a wheel of this grader, built now and put in the bundle)")
    gs.add_argument("--dir", default="gradescope-autograder", help="where to write the bundle")
    gs.add_argument("--zip", action="store_true", help="also write DIR.zip, ready to upload")
    gs.add_argument("--force", action="store_true", help="overwrite existing files")
    args = p.parse_args(argv)
    if args.platform == "github":
        written = init_github(Path(args.dir), args.install, args.path, args.force)
        print(f"Wrote {written}. Commit it to the assignment's template repository; each push then "
              "reports points to GitHub Classroom.")
    else:
        written = init_gradescope(Path(args.dir), args.exercise, args.install, args.force, args.zip)
        print(f"Wrote the autograder to {written}. "
              + ("Upload the zip on the assignment's 'Configure Autograder' page."
                 if args.zip else f"Upload a zip of the files inside it (not the folder): grade init "
                 f"gradescope --exercise {args.exercise} --zip does that."))
    return EXIT_OK


def init_github(root: Path, install: str, path: str, force: bool = False) -> Path:
    if re.search(r"\bYOU\b", install):
        raise UsageError(f"--install {install!r} still holds the README's placeholder YOU; put the GitHub "
                         "account that holds your copy of micrograde there (e.g. "
                         "'git+https://github.com/your-name/micrograde@v0.1.0'), or a PyPI name or a wheel's URL")
    target = root / ".github" / "workflows" / "classroom.yml"
    text = _template("classroom.yml").replace("@INSTALL@", shlex.quote(install)) \
                                     .replace("@PATH@", shlex.quote(path))
    if target.exists() and not force:
        raise UsageError(f"{target} exists; pass --force to overwrite it")
    target.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(target, text, what="--dir")
    return target


def init_gradescope(folder: Path, exercise: str, install: str | None, force: bool = False,
                    make_zip: bool = False) -> Path:
    """Write the bundle into ``folder`` (and ``folder.zip``); returns what to upload."""
    course.by_name_or_path(exercise)   # a built-in name, or a course's rubric: validated now
    zipped = folder.with_name(folder.name + ".zip")
    clashes = [p for p in [*(folder / n for n in BUNDLE), *(folder.glob("micrograde-*.whl") if install is None
               else []), *([zipped] if make_zip else [])] if p.exists()]
    if clashes and not force:
        raise UsageError(f"{clashes[0]} exists; pass --force to overwrite it")
    for path, kind in ((folder, "a folder"), (zipped, "a file")):
        if path.exists() and path.is_dir() != (kind == "a folder") and (path == folder or make_zip):
            raise UsageError(f"{path} exists and is not {kind}; choose another --dir or remove it")
    folder.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f".{folder.name}.", dir=folder.parent) as temp:
        staged = Path(temp) / "bundle"
        staged.mkdir()
        if install is None:
            wheel = build_wheel(staged)
            spec = f'"$SOURCE/{wheel.name}"'
        else:
            spec = shlex.quote(install)
        write_atomically(staged / "setup.sh", _template("setup.sh").replace("@INSTALL@", spec), executable=True)
        if exercise not in builtin_rubrics():   # a course's rubric travels in the bundle, resolved and complete
            write_atomically(staged / BUNDLED_RUBRIC, course.complete_yaml(exercise))
            exercise = f"$ROOT/source/{BUNDLED_RUBRIC}"
        quoted = f'"{exercise}"' if exercise.startswith("$ROOT/") else shlex.quote(exercise)
        write_atomically(staged / "run_autograder", _template("run_autograder")
                         .replace("@EXERCISE@", quoted), executable=True)
        if make_zip:
            zip_bundle(staged, Path(temp) / "bundle.zip")
        # Complete: now move into place (the zip last, so it never describes files not there).
        folder.mkdir(exist_ok=True)
        if install is None:
            for old in folder.glob("micrograde-*.whl"):
                old.unlink()
        for path in sorted(staged.iterdir()):
            path.replace(folder / path.name)
        if make_zip:
            (Path(temp) / "bundle.zip").replace(zipped)
    return zipped if make_zip else folder


def zip_bundle(folder: Path, target: Path) -> Path:
    """A zip with the bundle's files at its root, executables kept executable, modes from the umask."""
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as z:
        for path in sorted(folder.iterdir()):
            if path.is_file():
                info = zipfile.ZipInfo(path.name)
                info.external_attr = (0o100755 if path.stat().st_mode & 0o111 else 0o100644) << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                z.writestr(info, path.read_bytes())
    target.chmod(0o666 & ~current_umask())
    return target


def _template(name: str) -> str:
    return resources.files("harness.classroom").joinpath("setup_templates", name).read_text(encoding="utf-8")

"""``grade init github|gradescope``: write a ready-made setup for a platform.

* ``grade init github --install SPEC``: ``.github/workflows/classroom.yml`` for a
  student repository. It installs the grader with pip (SPEC: a PyPI name, a
  ``git+https://…`` URL or a wheel's URL), grades, hands the GitHub Classroom
  reporter a runner result (``--format github``, base64 in the step output
  ``result``), and adds the Markdown summary to the run's page.
* ``grade init gradescope --exercise NAME``: an autograder bundle: ``setup.sh``,
  ``run_autograder`` and, unless ``--install`` says otherwise, a wheel of this
  very grader, built here, so that Gradescope installs exactly what you tested.
  ``--zip`` also writes the zip to upload (files at its root, as required).
  ``run_autograder`` always writes ``results/results.json``: when grading
  cannot finish it writes a zero score that says why and who to tell.

Both scripts read their roots from environment variables with the platform's
defaults (``MICROGRADE_AUTOGRADER_ROOT``, default ``/autograder``), so the
tests run them in a temporary folder laid out like the platform.
"""
from __future__ import annotations

import argparse
import shlex
import shutil
import subprocess
import sys
import tempfile
import zipfile
from importlib import resources
from pathlib import Path

from harness.core.errors import ExitCode, UsageError
from harness.classroom import scaffold
from harness.grading import course
from harness.grading.rubric import builtin_rubrics

EXIT_OK = ExitCode.FULL_MARKS
BUNDLED_RUBRIC = "micrograde-rubric.yaml"   # a course's rubric, in the Gradescope bundle


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
        written = init_gradescope(Path(args.dir), args.exercise, args.install, args.force)
        if args.zip:
            written = zip_bundle(Path(args.dir))
        print(f"Wrote the autograder to {written}. "
              + ("Upload the zip on the assignment's 'Configure Autograder' page."
                 if args.zip else f"Upload a zip of the files inside it (not the folder): grade init "
                 f"gradescope --exercise {args.exercise} --zip does that."))
    return EXIT_OK


def init_github(root: Path, install: str, path: str, force: bool = False) -> Path:
    target = root / ".github" / "workflows" / "classroom.yml"
    text = _template("classroom.yml").replace("@INSTALL@", shlex.quote(install)) \
                                     .replace("@PATH@", shlex.quote(path))
    _write(target, text, force)
    return target


def init_gradescope(folder: Path, exercise: str, install: str | None, force: bool = False) -> Path:
    course.by_name_or_path(exercise)   # a built-in name, or a course's rubric: validated now
    folder.mkdir(parents=True, exist_ok=True)
    if exercise not in builtin_rubrics():   # a course's rubric travels in the bundle, resolved and complete
        (folder / BUNDLED_RUBRIC).write_text(course.complete_yaml(exercise), encoding="utf-8")
        exercise = f"$ROOT/source/{BUNDLED_RUBRIC}"
    if install is None:
        wheel = build_wheel(folder)
        install = f'"$SOURCE/{wheel.name}"'
    else:
        install = shlex.quote(install)
    _write(folder / "setup.sh", _template("setup.sh").replace("@INSTALL@", install), force, executable=True)
    quoted = f'"{exercise}"' if exercise.startswith("$ROOT/") else shlex.quote(exercise)
    _write(folder / "run_autograder", _template("run_autograder").replace("@EXERCISE@", quoted),
           force, executable=True)
    return folder


def build_wheel(folder: Path) -> Path:
    """A wheel of the running grader, built from a copy of its source (the source stays clean)."""
    root = Path(__file__).resolve().parent.parent.parent
    if not (root / "pyproject.toml").is_file():
        raise UsageError("cannot find micrograde's source (pyproject.toml) to build a wheel from; "
                         "pass --install SPEC to say what pip installs the grader from")
    for old in folder.glob("micrograde-*.whl"):
        old.unlink()
    with tempfile.TemporaryDirectory(prefix="micrograde-wheel-") as temp:
        source = Path(temp) / "micrograde"
        shutil.copytree(root, source, ignore=shutil.ignore_patterns(
            ".git", "__pycache__", "build", "dist", "*.egg-info", ".venv", ".hypothesis", "tests", "exercises"))
        if not (source / "README.md").exists():
            (source / "README.md").write_text("micrograde\n", encoding="utf-8")
        done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                               "--quiet", "--wheel-dir", str(folder.resolve()), str(source)],
                              capture_output=True, text=True)
    wheels = sorted(folder.glob("micrograde-*.whl"))
    if done.returncode != 0 or not wheels:
        raise UsageError("building a wheel of the grader failed (pip wheel needs setuptools>=68 here); "
                         "pass --install SPEC instead.\n" + done.stderr[-2000:])
    return wheels[-1]


def zip_bundle(folder: Path) -> Path:
    """DIR.zip with the bundle's files at its root, executables kept executable."""
    target = folder.with_name(folder.name + ".zip")
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as z:
        for path in sorted(folder.iterdir()):
            if path.is_file():
                info = zipfile.ZipInfo(path.name)
                info.external_attr = (0o100755 if path.stat().st_mode & 0o111 else 0o100644) << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                z.writestr(info, path.read_bytes())
    return target


def _template(name: str) -> str:
    return resources.files("harness.classroom").joinpath("setup_templates", name).read_text(encoding="utf-8")


def _write(path: Path, text: str, force: bool, executable: bool = False) -> None:
    if path.exists() and not force:
        raise UsageError(f"{path} exists; pass --force to overwrite it")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    if executable:
        path.chmod(0o755)

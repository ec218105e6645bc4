#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder's image
# (written by `grade init gradescope`). It installs micrograde into a virtual
# environment of its own. The roots can be moved for a local trial run:
#   MICROGRADE_AUTOGRADER_ROOT  where Gradescope's /autograder is
#   MICROGRADE_PYTHON           the Python to build the environment from
#   MICROGRADE_SKIP_APT=1       do not apt-get anything (python3-venv, bubblewrap)
# bubblewrap is the strongest isolation layer for the students' code; without it
# the worker falls back to Landlock or to rlimits only (see `grade --help`, README).
set -euo pipefail
ROOT="${MICROGRADE_AUTOGRADER_ROOT:-/autograder}"
SOURCE="$ROOT/source"
PYTHON="${MICROGRADE_PYTHON:-python3}"
VENV="$ROOT/micrograde-venv"

if [ -z "${MICROGRADE_SKIP_APT:-}" ] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3 python3-pip python3-venv
    # Optional: an image without the package (or without apt) still grades, on a weaker layer.
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap \
        || echo "micrograde: bubblewrap could not be installed; the worker will use a weaker sandbox layer" >&2
fi
# --system-site-packages: what the image already has is used, not downloaded again.
"$PYTHON" -m venv --system-site-packages "$VENV"
# The grader itself, into the environment even if the image has a copy; then its dependencies.
"$VENV/bin/python" -m pip install --quiet --no-deps --force-reinstall @INSTALL@
"$VENV/bin/python" -m pip install --quiet @INSTALL@
# Students' notebooks often import numpy (a plot, a comparison cell): give them one.
"$VENV/bin/python" -m pip install --quiet numpy \
    || echo "micrograde: numpy could not be installed; a submission that imports it will fail to import" >&2
"$VENV/bin/grade" --help >/dev/null
echo "micrograde installed in $VENV"

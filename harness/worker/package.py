"""The harness package as the worker holds it: out of the submission's reach, yet findable.

The worker imported the harness by its path (``harness.sandbox.process``) and
runs without site.py; before any student code runs, its modules leave
``sys.modules`` (so importing them goes through the guard), and a finder makes
``import harness`` resolve to the same folder for the one kind of submission
allowed it, the audit's bug models.
"""
from __future__ import annotations

import os
import sys

from harness.worker import honest as _honest


class HarnessFinder:
    """``import harness`` from the folder the worker's own copy came from.

    Without site.py an editable install's finder is not there, so the package
    would be found only in a wheel install. The guard refuses it to every
    submission except the audit's bug models, which are built on it; only the
    package folder is searched, so ``harness.reference`` of a checkout (the
    repository's ``reference/``) is not found through it.
    """

    _folder = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

    def find_spec(self, fullname, path=None, target=None):
        if fullname != "harness":
            return None
        import importlib.util
        return importlib.util.spec_from_file_location(
            "harness", os.path.join(self._folder, "__init__.py"), submodule_search_locations=[self._folder])


def hide_harness(site_packages: list) -> None:
    """Take the harness out of the submission's reach before it runs.

    The bootstrap imported the harness by its path; its parent folder must not be
    on ``sys.path``. In a source checkout (an editable install) that folder is
    the repository, holding ``reference/`` and ``graders/``. In a wheel install
    it is site-packages, which numpy and the rest also need: it stays, and the
    harness is kept out by the import guard (``harness`` is forbidden) and by
    the layers, which hide ``harness.reference`` and ``harness.graders``.
    Every builtin is pinned into the harness modules first, and the modules
    leave ``sys.modules``, so that importing them goes through the guard.
    """
    harness_parent = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    site_dirs = {os.path.realpath(p) for p in site_packages}
    if os.path.realpath(harness_parent) not in site_dirs:
        sys.path[:] = [p for p in sys.path if p != harness_parent]
    harness_modules = [m for m in sys.modules if m == "harness" or m.startswith("harness.")]
    _honest.pin_builtins([sys.modules[m] for m in harness_modules])
    for name in harness_modules:
        del sys.modules[name]


__all__ = ["HarnessFinder", "hide_harness"]

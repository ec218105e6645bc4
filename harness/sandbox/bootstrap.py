"""The program a worker starts with (``python -S -s -B -c BOOTSTRAP``): the harness, by its path.

The worker imports the harness package by its own path, not by putting the folder
that holds it on sys.path: Python lists every folder on sys.path when it first
imports from there, and that listing stays in the worker's heap. The folder is the
repository (whose build/ comes and goes) or site-packages (which holds whatever
else is installed), and what it held moved the student's objects in memory, and
so the order in which a set of Values iterates: an assigning engine got other
wrong numbers after an unrelated file appeared beside the grader.

Its own modules are found the same way, each by its path (a stat, not a listing), while it
imports them: the harness's folders were listed too, so one file more in harness/core (a
module the worker never imports) gave an order-dependent engine other wrong numbers. The
finder leaves sys.meta_path before the submission is loaded (main() imports nothing more).

It starts with -S: site.py lists site-packages (for .pth files) at start-up, and that
listing, of whatever else is installed there, did the same. The worker puts the grader's
site-packages on sys.path itself (layers.plan); exit(), quit() and help() are defined here.
"""
from __future__ import annotations

from harness.sandbox import layers

BOOTSTRAP = """\
import importlib.util, os, sys, site
site.setquit(); site.sethelper()
class ByPath:
    @staticmethod
    def find_spec(name, path=None, target=None):
        if not name.startswith("harness."):
            return None
        base = os.path.join({package!r}, *name.split(".")[1:])
        if os.path.isfile(os.path.join(base, "__init__.py")):
            return importlib.util.spec_from_file_location(
                name, os.path.join(base, "__init__.py"), submodule_search_locations=[base])
        if os.path.isfile(base + ".py"):
            return importlib.util.spec_from_file_location(name, base + ".py")
        return None
sys.meta_path.insert(0, ByPath)
spec = importlib.util.spec_from_file_location("harness", {init!r}, submodule_search_locations=[{package!r}])
sys.modules["harness"] = package = importlib.util.module_from_spec(spec)
spec.loader.exec_module(package)
from harness.worker.confine import enter
enter()
from harness.worker.loop import main
sys.meta_path.remove(ByPath); del ByPath
main()
""".format(init=str(layers.HARNESS / "__init__.py"), package=str(layers.HARNESS))

__all__ = ["BOOTSTRAP"]

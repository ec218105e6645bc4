"""Looks around for answers: the rubric (through libc, unseen by audit hooks), the grader's
working directory, and other workers' folders (other students, in a bulk run).

It reports what it could read by raising; a stub when it found nothing.
"""
import ctypes
import gc
import glob
import os

_libc = ctypes.CDLL(None, use_errno=True)
_found = []
# The harness package (a wheel installs the answers inside it) and the folder
# above it (a source checkout keeps them beside it).
_roots = {root for f in gc.get_objects()
          if type(f).__name__ == "function"
          and f.__code__.co_filename.endswith(os.path.join("harness", "worker", "loop.py"))
          for root in (os.path.dirname(os.path.dirname(f.__code__.co_filename)),
                       os.path.dirname(os.path.dirname(os.path.dirname(f.__code__.co_filename))))}
for root in _roots:
    fd = _libc.open(os.path.join(root, "graders", "04_engine.yaml").encode(), os.O_RDONLY)
    if fd >= 0:
        _found.append("the rubric")
        _libc.close(fd)
try:
    _found += [f"the grader's folder ({len(os.listdir(f'/proc/{os.getppid()}/cwd'))} entries)"]
except OSError:
    pass
for path in glob.glob("/tmp/micrograde-*/submission/*.py"):
    if not path.startswith(os.getcwd()):
        try:
            with open(path) as f:
                f.read()
            _found.append(path)
        except OSError:
            pass
if _found:
    raise RuntimeError(f"read outside its folder: {', '.join(_found)}")


class Value:
    def __init__(self, data):
        raise NotImplementedError("Value")

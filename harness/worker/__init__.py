"""The child side of the sandbox: the process that imports the student's code.

``confine`` applies the layer's restrictions to the process itself (``landlock``
through ctypes, rlimits, dropping privileges) before anything of the student's
runs; ``loop`` then reads requests, builds graphs with the student's ``Value`` and
answers plain numbers.

Imports: ``harness.core`` and the standard library only.
"""

"""What one worker may use: the limits a rubric sets and the sandbox enforces.

Plain data in the core, so that a rubric can name limits without importing
the process layer that applies them.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    """Per-worker limits; every field has a safe default and a rubric may lower it."""

    check_seconds: float = 10.0      # wall clock for one check's requests
    exercise_seconds: float = 30.0   # wall clock for a whole exercise
    cpu_seconds: int = 60            # CPU time of one worker process
    memory_mb: int = 2048            # address space of one worker process
    output_kb: int = 1024            # kept of the student's stdout or stderr (prints past it are dropped)
    open_files: int = 64
    processes: int = 32              # processes and threads, where the count is the worker's own
    # A request of small graphs (harness.grading.checks.SMALL), and every request once a check of
    # the exercise timed out, gets this at most: a working engine answers those in milliseconds.
    hang_seconds: float = 3.0

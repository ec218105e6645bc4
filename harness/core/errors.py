"""The exit statuses of ``grade`` and the one base of every exception the grader raises.

Exceptions become exit statuses in one place (``harness.cli``): an error whose
class carries ``exit_code`` ends the run with it. Anything else that escapes is
a fault of the grader (``ExitCode.GRADER_FAULT``), never the student's.
"""
from __future__ import annotations

import enum


class ExitCode(enum.IntEnum):
    """What ``grade`` (and its subcommands) exit with; the README lists the same."""

    FULL_MARKS = 0      # every check passed (or the command did what it was asked)
    PARTIAL = 1         # the submission lost points
    USAGE = 2           # bad usage or configuration: a message names the file and the key
    GRADER_FAULT = 3    # a fault of the grader itself, never the student's
    INTERRUPTED = 130   # Ctrl-C: 128 + SIGINT, as shells report it


class MicrogradeError(Exception):
    """Base of the grader's exceptions; ``exit_code`` is what the command exits with."""

    exit_code: ExitCode = ExitCode.GRADER_FAULT


class UsageError(MicrogradeError):
    """Bad usage or configuration: the message says what is wrong and what to do."""

    exit_code = ExitCode.USAGE

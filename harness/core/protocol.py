"""Length-prefixed JSON frames between the grader and a worker.

A frame is a 4-byte big-endian length, then that many bytes of UTF-8 JSON.
Frames travel on a dedicated pipe, never on stdout, so the student's prints
cannot mix with them. The grader reads with a deadline and parses strictly:
NaN and infinities are refused, and so is a frame over ``MAX_FRAME`` bytes.

Imported by the worker process: standard library only.
"""
from __future__ import annotations

import json
import os
import select
import struct
import time
from harness.core.errors import MicrogradeError

MAX_FRAME = 64 * 1024 * 1024
_HEADER = struct.Struct(">I")


class ProtocolError(MicrogradeError):
    """The other side sent something that is not a well-formed frame."""


class FrameTimeout(MicrogradeError):
    """No complete frame before the deadline."""


class ChannelClosed(MicrogradeError):
    """The other side closed its end (it exited or died)."""


def encode(message) -> bytes:
    body = json.dumps(message, separators=(",", ":"), allow_nan=False).encode()
    return _HEADER.pack(len(body)) + body


def write_frame(fd: int, message) -> None:
    data = memoryview(encode(message))
    while data:
        written = os.write(fd, data)
        data = data[written:]


def _refuse_constant(name):
    raise ProtocolError(f"non-finite number {name} in a frame")


def parse(body: bytes):
    """Strict JSON: refuses NaN, Infinity and -Infinity."""
    try:
        return json.loads(body, parse_constant=_refuse_constant)
    except (ValueError, RecursionError) as exc:
        raise ProtocolError(f"malformed frame: {exc}") from None


def read_frame(fd: int, deadline: float | None = None):
    """One frame from ``fd``; ``deadline`` is a ``time.monotonic()`` value."""
    (length,) = _HEADER.unpack(_read_exactly(fd, _HEADER.size, deadline))
    if length > MAX_FRAME:
        raise ProtocolError(f"frame of {length} bytes exceeds the {MAX_FRAME} byte limit")
    return parse(_read_exactly(fd, length, deadline))


def _read_exactly(fd: int, n: int, deadline: float | None) -> bytes:
    chunks, got = [], 0
    while got < n:
        if deadline is not None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise FrameTimeout()
            ready, _, _ = select.select([fd], [], [], remaining)
            if not ready:
                raise FrameTimeout()
        chunk = os.read(fd, min(n - got, 1 << 20))
        if not chunk:
            raise ChannelClosed()
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)

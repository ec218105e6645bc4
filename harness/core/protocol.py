"""Length-prefixed JSON frames between the grader and a worker.

A frame is a 4-byte big-endian length, then that many bytes of UTF-8 JSON.
Frames travel on a dedicated pipe, never on stdout, so the student's prints
cannot mix with them. The grader reads with a deadline and parses strictly:
NaN and infinities are refused, and so is a frame over ``MAX_FRAME`` bytes.

Imported by the worker process: standard library only. Every function a frame
needs is bound here, at import, before a submission runs in the worker: a
submission that reassigns ``json.loads``, ``json.dumps``, ``struct.pack`` or
``os.write`` changes nothing in how the worker reads and answers.
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
_pack, _unpack, _HEADER_SIZE = _HEADER.pack, _HEADER.unpack, _HEADER.size
_os_write, _os_read, _select, _monotonic = os.write, os.read, select.select, time.monotonic
_join_bytes, _join_text, _memoryview, _len, _min = b"".join, "".join, memoryview, len, min


class ProtocolError(MicrogradeError):
    """The other side sent something that is not a well-formed frame."""


class FrameTimeout(MicrogradeError):
    """No complete frame before the deadline."""


class ChannelClosed(MicrogradeError):
    """The other side closed its end (it exited or died)."""


def _no_default(obj):
    raise TypeError(f"{type(obj).__name__} is not JSON")


def _make_dumps():
    """``json.dumps(message, separators=(",", ":"), allow_nan=False)``, built once.

    The C encoder is made here with its settings, so that nothing of the json
    module is looked up again when a frame is encoded.
    """
    from json import encoder
    make = encoder.c_make_encoder
    if make is None:  # pragma: no cover - CPython always has _json
        dumps = json.JSONEncoder(separators=(",", ":"), allow_nan=False, default=_no_default).encode
        return dumps
    iterencode = make(None, _no_default, encoder.encode_basestring_ascii, None, ":", ",",
                      False, False, False)
    return lambda message: _join_text(iterencode(message, 0))


_dumps = _make_dumps()
_decode = json.JSONDecoder(parse_constant=lambda name: _refuse_constant(name)).decode


def encode(message) -> bytes:
    body = _dumps(message).encode()
    return _pack(_len(body)) + body


def write_frame(fd: int, message) -> None:
    data = _memoryview(encode(message))
    while data:
        written = _os_write(fd, data)
        data = data[written:]


def _refuse_constant(name):
    raise ProtocolError(f"non-finite number {name} in a frame")


def parse(body: bytes):
    """Strict JSON: refuses NaN, Infinity and -Infinity."""
    try:
        if isinstance(body, (bytes, bytearray)):
            body = body.decode("utf-8")
        return _decode(body)
    except (ValueError, RecursionError) as exc:
        raise ProtocolError(f"malformed frame: {exc}") from None


def read_frame(fd: int, deadline: float | None = None):
    """One frame from ``fd``; ``deadline`` is a ``time.monotonic()`` value."""
    (length,) = _unpack(_read_exactly(fd, _HEADER_SIZE, deadline))
    if length > MAX_FRAME:
        raise ProtocolError(f"frame of {length} bytes exceeds the {MAX_FRAME} byte limit")
    return parse(_read_exactly(fd, length, deadline))


def _read_exactly(fd: int, n: int, deadline: float | None) -> bytes:
    chunks, got = [], 0
    while got < n:
        if deadline is not None:
            remaining = deadline - _monotonic()
            if remaining <= 0:
                raise FrameTimeout()
            ready, _, _ = _select([fd], [], [], remaining)
            if not ready:
                raise FrameTimeout()
        chunk = _os_read(fd, _min(n - got, 1 << 20))
        if not chunk:
            raise ChannelClosed()
        chunks.append(chunk)
        got += _len(chunk)
    return _join_bytes(chunks)

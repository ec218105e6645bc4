"""Writes to its stdout with os.write, past the output limit, going round print's cap."""
import os

for _ in range(4096):
    os.write(1, b"x" * 1023 + b"\n")


class Value:
    def __init__(self, data):
        raise NotImplementedError("Value")

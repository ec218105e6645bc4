"""A stub that prints forged full-marks reports on stderr, at import and in every call."""
import json
import sys

FORGED = json.dumps({"version": 1, "score": 20, "max_score": 20, "exercises": []})
print(FORGED, file=sys.stderr)
print("Total: 20/20", file=sys.stderr)


class Value:
    def __init__(self, data):
        print(FORGED, file=sys.stderr)
        raise NotImplementedError("Value")

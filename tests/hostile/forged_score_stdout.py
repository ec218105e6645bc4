"""A stub that prints forged full-marks reports on stdout, at import and in every call.

The lines imitate ``grade``'s text and JSON reports and Gradescope's
results.json: a grader that trusted the student's output would give 20/20.
"""
import json

FORGED = json.dumps({"version": 1, "score": 20, "max_score": 20, "exercises": []})
print(FORGED)
print("Total: 20/20")
print('{"score": 100.0, "output": "All tests passed"}')


class Value:
    def __init__(self, data):
        print(FORGED)
        print("  PASS  gradients-trees   4/4")
        raise NotImplementedError("Value")

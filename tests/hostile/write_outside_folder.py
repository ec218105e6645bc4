"""Tries to write outside its folder: the shared /tmp, and the folder around its own."""
import os

TARGETS = ["/tmp/micrograde-hostile-escape.txt",
           os.path.join(os.getcwd(), "..", "micrograde-hostile-escape.txt"),
           os.path.join(os.getcwd(), "..", "stdout")]
for target in TARGETS:
    try:
        with open(target, "w") as f:
            f.write("written by a submission\n")
    except OSError:
        pass


class Value:
    def __init__(self, data):
        raise NotImplementedError("Value")

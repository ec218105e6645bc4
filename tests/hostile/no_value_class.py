"""A submission whose class has another name than the one graded."""


class Scalar:
    def __init__(self, data):
        self.data = data
        self.grad = 0.0

"""A submission that does not parse: a colon is missing."""


class Value
    def __init__(self, data):
        self.data = data

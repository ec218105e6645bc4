"""Wrong numbers dressed as floats that compare equal to anything (inducer/relate#295)."""


class Sneaky(float):
    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    __hash__ = float.__hash__

    def __float__(self):
        return 42.0


class Value:
    def __init__(self, data, _children=()):
        self._data, self.grad, self._prev = data, Sneaky(0.0), _children

    @property
    def data(self):
        return Sneaky(-1.0)

    def _op(self, *others):
        return Value(0.0, (self,) + others)

    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = _op
    __truediv__ = __rtruediv__ = __pow__ = _op

    def __neg__(self):
        return self._op()

    exp = tanh = relu = __neg__

    def backward(self):
        pass

# gradients of a tree
OK_FORMAT = True

test = {'name': 'q2', 'points': 1, 'suites': [{'cases': [{'code': '>>> a, b = Value(2.0), Value(-3.0)\n>>> c = (a * b + b.exp()).tanh()\n>>> c.backward()\n>>> import math\n>>> t = math.tanh(-6.0 + math.exp(-3.0))\n>>> abs(a.grad - (1 - t * t) * -3.0) < 1e-9 and abs(b.grad - (1 - t * t) * (2.0 + math.exp(-3.0))) < 1e-9\nTrue', 'hidden': False, 'locked': False}], 'scored': True, 'setup': '', 'teardown': '', 'type': 'doctest'}]}

# forward values
OK_FORMAT = True

test = {'name': 'q1', 'points': 1, 'suites': [{'cases': [{'code': '>>> x = Value(-4.0)\n>>> y = (2 * x + 2 + x).relu() + x ** 2 / 4\n>>> abs(y.data - 4.0) < 1e-9\nTrue', 'hidden': False, 'locked': False}], 'scored': True, 'setup': '', 'teardown': '', 'type': 'doctest'}]}

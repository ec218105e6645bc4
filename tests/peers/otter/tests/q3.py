# a node used twice
OK_FORMAT = True

test = {'name': 'q3', 'points': 1, 'suites': [{'cases': [{'code': '>>> a = Value(3.0)\n>>> b = a + a\n>>> b.backward()\n>>> a.grad\n2.0', 'hidden': False, 'locked': False}], 'scored': True, 'setup': '', 'teardown': '', 'type': 'doctest'}]}

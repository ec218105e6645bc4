"""The trusted solutions: ``engine.py`` (exercises 01 to 04).

These files are copied into a worker's folder for ``grade --reference`` and
imported in the grader to compute expected values. They depend on nothing of
the grader.
"""

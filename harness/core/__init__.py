"""The core that both processes load: the operation table (``ops``), the graph
description and its builder (``graph``), the worker protocol (``protocol``), the
lecture's fixed graphs (``named_graphs``), the nets of exercise 05 (``nn_scenarios``),
the result model (``results``), limits (``limits``), atomic files (``files``), and
the exit statuses with the one base exception (``errors``).

Imports: the standard library only (an import-linter contract keeps it so),
because the worker imports this package before the student's code runs.
"""

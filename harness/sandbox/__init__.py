"""The parent side of the sandbox: starting, confining, talking to and killing workers.

``process`` is the one client of the worker protocol (``WorkerProcess``, every
check kind uses it); ``layers`` picks bubblewrap, Landlock or rlimits alone;
``reaper`` removes whatever a worker leaves running; ``workdir`` makes and sweeps
the workers' folders.

Imports: ``harness.worker`` (its Landlock probe) and ``harness.core``.
"""

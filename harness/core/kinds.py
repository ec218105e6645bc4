"""The ids of failures that name what happened rather than a misconception.

A failed check that no misconception explains carries one of these (the
catalogue, ``harness.diagnosis.catalogue``, gives their titles). They are
defined here, in the core, because the layers below the diagnosis (the
sandbox, the judging of graphs, the grading) raise them.
"""
NOT_IMPLEMENTED = "not-implemented"
IMPORT_ERROR = "import-error"
EXCEPTION = "exception"
TIMEOUT = "timeout"
RESOURCE_LIMIT = "resource-limit"
WORKER_CRASH = "worker-crash"
INVALID_RESULT = "invalid-result"
VALUE_MISMATCH = "value-mismatch"
GRADIENT_MISMATCH = "gradient-mismatch"
FORBIDDEN_IMPORT = "forbidden-import"

"""The rubrics: one YAML file per exercise, read by ``harness.grading.rubric``."""

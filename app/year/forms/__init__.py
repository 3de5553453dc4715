"""The year's forms, one module per part (evaluation, grading, plans, report)."""

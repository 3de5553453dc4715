"""The year's routes, one module per part: the year's page and the catalogue (here), the members' evaluation, the
units' grading and weak list, the consolidation plans, the yearly report."""
from . import catalogue, home, members, plans, report, units  # noqa: F401

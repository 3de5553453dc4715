"""The review's routes, one module per sub-resource: the campaign, the teams, the walk list, the commune's found
people and reconciliation, the result and the printables."""
from . import campaigns, commune, printables, teams, walk  # noqa: F401

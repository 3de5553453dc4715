"""The targets' routes, one module per part: registration and approval, progress, the Party pipeline, the
indicator catalogue and the records behind each actual."""
from . import catalogue, party, progress, registration  # noqa: F401

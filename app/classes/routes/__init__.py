"""The classes pages, one module per sub-resource. Thin routes: parse, load-then-authorise, call a service,
commit once, answer 303 / 422 / fragment."""
from . import admissions, attendance, classes, enrolment, printables, results, sessions  # noqa: F401
from .classes import unit_panel_context  # noqa: F401 — the unit page's panel (registered in app/classes/__init__)

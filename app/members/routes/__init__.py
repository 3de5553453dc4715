"""The registry's pages, one module per sub-resource. Thin routes: parse, load-then-authorise, call a service,
commit once, answer 303 / 422 / fragment."""
from . import events, imports, people, transfers  # noqa: F401

from flask import Blueprint

from .labels import typed_fields

bp = Blueprint("audit", __name__, url_prefix="/audit")

from . import routes  # noqa: E402,F401 — the routes need `bp`


@bp.record_once
def _wire(state):
    # The conflict page and refused forms show what was typed, in the log's words.
    state.app.jinja_env.globals.update(typed_fields=typed_fields)

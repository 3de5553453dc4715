from flask import Blueprint

from ..audit.labels import register_labels
from ..extensions import login_manager

bp = Blueprint("auth", __name__, url_prefix="/auth")

from . import routes  # noqa: E402,F401 — the routes need `bp`
from .models import ROLES  # noqa: E402
from .queries import header_grant, load_user  # noqa: E402
from .recovery import init_recovery  # noqa: E402

register_labels(values={"role": ROLES})
login_manager.user_loader(load_user)
login_manager.login_view = "auth.login"
login_manager.login_message = None
login_manager.session_protection = "basic"


@bp.record_once
def _wire(state):
    init_recovery(state.app)  # kept forms: what a signed-out or CSRF-refused person typed survives the sign-in
    state.app.jinja_env.globals.update(header_grant=header_grant)

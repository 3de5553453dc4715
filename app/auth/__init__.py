from flask import Blueprint

from .. import seams
from ..extensions import login_manager
from ..units.queries import unit_names

bp = Blueprint("auth", __name__, url_prefix="/auth")

from . import queries, routes  # noqa: E402,F401  (routes use bp: the named cycle)
from .models import ROLES  # noqa: E402
from .recovery import init_recovery  # noqa: E402

# ---- what this domain gives the base modules (app/seams.py) ------------------------------------------------------
seams.register(seams.GRANTS, queries.active_grants)
seams.register(seams.AUDIT_LOG, seams.AuditLog(visible=queries.audit_visible, by_account=queries.audit_by_account,
                                               unit_names=unit_names))
seams.register(seams.LABELS, seams.Labels("auth", values={"role": ROLES}))

login_manager.user_loader(queries.load_user)
login_manager.login_view = "auth.login"
login_manager.login_message = None
login_manager.session_protection = "basic"


@bp.record_once
def _wire(state):
    init_recovery(state.app)  # kept forms: what a signed-out or CSRF-refused person typed survives the sign-in
    state.app.jinja_env.globals.update(header_grant=queries.header_grant)

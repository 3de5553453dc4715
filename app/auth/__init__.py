from flask import Blueprint

from .. import seams
from ..units.queries import unit_names

bp = Blueprint("auth", __name__, url_prefix="/auth")

from . import routes  # noqa: E402,F401  (the routes use bp: a named cycle)
from . import queries  # noqa: E402
from .models import ROLES  # noqa: E402
from .recovery import init_recovery  # noqa: E402

# ---- what this domain gives the base modules and the app (app/seams.py) --------------------------------------------
seams.register(seams.GRANTS, queries.active_grants)
seams.register(seams.AUDIT_LOG, seams.AuditLog(visible=queries.audit_visible, by_account=queries.audit_by_account,
                                               unit_names=unit_names))
seams.register(seams.LABELS, seams.Labels("auth", values={"role": ROLES}))
seams.register(seams.APP_SETUP, init_recovery)

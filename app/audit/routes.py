from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from flask import current_app, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from .. import seams
from ..access import authorize, in_scope, scope_paths
from ..forms import parse_date
from ..web import arg_int, paginate, render
from . import bp, labels
from .forms import AuditFilterForm
from .models import AuditEntry


@bp.get("/")
def index():
    """The audit of the admin's subtree, filtered by date, user and object."""
    authorize(bool(scope_paths(current_user, "admin")))
    accounts = seams.one(seams.AUDIT_LOG)  # what the log needs to know of accounts and units (the auth domain's)
    stmt = (
        select(AuditEntry)
        .where(or_(in_scope(AuditEntry.unit_path, current_user, "admin"), accounts.visible(current_user)))
        .options(joinedload(AuditEntry.user), joinedload(AuditEntry.unit))
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    )
    errors = {}
    args = request.args
    if not args.get("logins"):  # sign-ins are most of the log: shown only when asked for
        stmt = stmt.where(AuditEntry.action.not_in(("auth.login", "auth.logout")))  # failed sign-ins stay shown
    for key in ("from", "to"):
        if args.get(key):
            try:
                day = parse_date(args[key])
            except ValueError:
                errors[key] = _("Ngày không hợp lệ — nhập theo dạng ngày/tháng/năm.")
                continue
            # Days are Vietnam's days; times are stored in UTC.
            start = _utc_start_of(day if key == "from" else day + timedelta(days=1))
            stmt = stmt.where(AuditEntry.at >= start) if key == "from" else stmt.where(AuditEntry.at < start)
    if args.get("user"):
        stmt = stmt.where(accounts.by_account(args["user"]))
    if args.get("object"):
        stmt = stmt.where(AuditEntry.object_type == args["object"].strip())
        if arg_int("id", source=args) is not None:
            stmt = stmt.where(AuditEntry.object_id == arg_int("id", source=args))
    page = paginate(stmt)
    units = accounts.unit_names(labels.unit_ids_in(page.items))
    return render("audit/index.html", block="results", page=page, errors=errors, status=422 if errors else 200, units=units,
                  action_label=labels.action_label, OBJECTS=labels.OBJECTS, FIELDS=labels.FIELDS,
                  field_label=labels.field_label, format_value=labels.format_value, filter_by=AuditFilterForm(request.args))


def _utc_start_of(day):
    tz = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    return datetime.combine(day, time.min, tzinfo=tz).astimezone(timezone.utc).replace(tzinfo=None)

"""Registering a unit's targets for a year and sending them for approval; the level above approving or returning them;
the cascade (the children's sum beside the unit's own, and splitting the unit's target among its children).

The registration form is one plain form for every indicator of the unit (works without JavaScript at 360 px): "Lưu"
keeps drafts, "Gửi duyệt" submits. With htmx, a value typed is checked at once (`_validate`): the plausibility flags
of what was typed replace the row's warnings, nothing is written."""
from datetime import date

from flask import abort, current_app, flash, request
from flask_babel import gettext as _
from flask_login import current_user

from ...access import has_role
from ...errors import conflict_returns_to
from ...extensions import db
from ...units.queries import get_ancestors, get_unit
from ...web import paginate, render, see_other, year_arg
from .. import bp, forms, permissions, queries, services
from ..forms import DecisionForm


def _year():
    return year_arg(date.today().year)


def _records_endpoint():
    """The records behind an actual (wt-actuals' page): linked once it exists."""
    return "targets.records" if "targets.records" in current_app.view_functions else None


@bp.get("/")
def index():
    year = _year()
    return render("targets/index.html", year=year, units=queries.own_units(current_user),
                  pending=queries.pending_units(current_user, year))


def _unit_page(unit, year, typed=None, errors=None, status=None):
    rows, children = queries.unit_rows(unit, year, typed=typed)
    return render("targets/unit.html", status=status, unit=unit, year=year, rows=rows, children=children,
                  typed=typed or {}, errors=errors or {}, ancestors=get_ancestors(unit),
                  can_register=permissions.can_register(current_user, unit),
                  can_split=bool(children) and permissions.can_split(current_user, unit),
                  can_approve_below=bool(children) and has_role(current_user, unit, permissions.REGISTRARS),
                  approver_here=unit.parent is not None and has_role(current_user, unit.parent, permissions.REGISTRARS),
                  records=_records_endpoint(), fmt=queries.fmt, plain=queries.plain)


@bp.route("/units/<int:unit_id>", methods=["GET", "POST"])
def unit(unit_id):
    unit = queries.get_unit_for(current_user, unit_id)
    year = _year()
    if request.method == "GET":
        return _unit_page(unit, year)
    if not permissions.can_register(current_user, unit):
        abort(403)
    checking = bool(request.form.get("_validate"))
    submitting = request.form.get("action") == "submit" and not checking
    rows, typed, errors = forms.read_rows(request.form, queries.indicators_for(unit), submitting)
    if checking or errors:
        return _unit_page(unit, year, typed=typed, errors=errors, status=422 if errors else 200)
    touched = services.register(unit=unit, year=year, rows=rows, submit=submitting)
    db.session.commit()
    if submitting:
        sent = sum(t.status == "submitted" for t in touched)
        flash(_("Đã gửi duyệt %(n)s chỉ tiêu năm %(y)s.", n=sent, y=year) if sent
              else _("Không có chỉ tiêu nào để gửi duyệt."), "success" if sent else "warning")
    else:
        flash(_("Đã lưu nháp. Bấm “Gửi duyệt” khi đã sẵn sàng.") if touched else _("Chưa nhập chỉ tiêu nào."),
              "success" if touched else "warning")
    return see_other("targets.unit", unit_id=unit.id, year=year)


# ---- approving -----------------------------------------------------------------------------------------------------
@bp.get("/units/<int:unit_id>/approvals")
def approvals(unit_id):
    """The approver's screen: the submitted targets of the units below (children, grandchildren …), flags shown."""
    unit = queries.get_unit_for(current_user, unit_id)
    if not has_role(current_user, unit, permissions.REGISTRARS):
        abort(403)
    year = _year()
    page = paginate(queries.waiting_stmt(unit, year), per_page=30)
    return render("targets/approve.html", unit=unit, year=year, page=page, in_force=queries.in_force_of(page.items),
                  forms={t.id: DecisionForm(formdata=None, obj=t, back=unit.id) for t in page.items},
                  describe=queries.describe_all, fmt=queries.fmt, ancestors=get_ancestors(unit))


def _target_page(target, form=None, status=None):
    versions, events = queries.history(target)
    can_decide = target.status == "submitted" and permissions.can_approve(current_user, target)
    if form is None and can_decide:
        form = DecisionForm(formdata=None, obj=target)
    return render("targets/unit_target.html", status=status, target=target, versions=versions, events=events,
                  form=form, can_decide=can_decide, describe=queries.describe_all, fmt=queries.fmt,
                  ancestors=get_ancestors(target.unit), in_force=queries.in_force(versions))


@bp.get("/<int:target_id>")
def target(target_id):
    return _target_page(queries.get_target_for(current_user, target_id))


@bp.post("/<int:target_id>/decide")
@conflict_returns_to("targets.target")
def decide(target_id):
    """Duyệt or Trả lại (the button pressed). A reason is required to return, and to approve a flagged target."""
    target = queries.get_target_for(current_user, target_id, "approve")
    form = DecisionForm(flagged=bool(target.flags))
    if not form.validate_on_submit():
        return _target_page(target, form=form)
    # decided already (this tap's twin, or another approver at once): the service answers as the first decision did,
    # or raises the conflict page — one decision either way
    if form.decision.data == "approve":
        services.approve(target=target, expected_version=form.version.data, reason=form.reason.data)
        message = _("Đã duyệt chỉ tiêu “%(i)s” của %(u)s.", i=target.indicator.name, u=target.unit.name)
    else:
        services.return_target(target=target, expected_version=form.version.data, reason=form.reason.data)
        message = _("Đã trả lại chỉ tiêu “%(i)s” cho %(u)s.", i=target.indicator.name, u=target.unit.name)
    db.session.commit()
    flash(message, "success")
    back = get_unit(int(form.back.data)) if (form.back.data or "").isdigit() else None
    if back is not None and has_role(current_user, back, permissions.REGISTRARS):
        return see_other("targets.approvals", unit_id=back.id, year=target.year)
    return see_other("targets.target", target_id=target.id)


# ---- the cascade: split the unit's own target among its children ---------------------------------------------------
@bp.route("/units/<int:unit_id>/split/<int:indicator_id>", methods=["GET", "POST"])
def split(unit_id, indicator_id):
    unit = queries.get_unit_for(current_user, unit_id, "split")
    indicator = queries.get_indicator(indicator_id)
    if not indicator.applies_to(unit) or indicator.kind != "count":
        abort(404)
    year = _year()
    children, rows = queries.split_rows(unit, year, indicator)
    children = [c for c in children if indicator.applies_to(c)]
    rows = [r for r in rows if r["unit"] in children]
    if not children:
        abort(404)
    typed, errors = {}, {}
    if request.method == "POST":
        values, versions, typed, errors = forms.read_split(request.form, [r["unit"] for r in rows if not r["locked"]],
                                                           indicator.kind)
        if not errors:
            done, skipped = services.split(unit=unit, year=year, indicator=indicator, children=children,
                                           values=values, versions=versions)
            db.session.commit()
            flash(services.split_message(done, skipped), "success" if not skipped else "warning")
            return see_other("targets.unit", unit_id=unit.id, year=year)
    own = queries.versions_of(unit, year, [indicator.id]).get(indicator.id, [])
    return render("targets/unit_split.html", status=422 if errors else None, unit=unit, year=year, indicator=indicator,
                  rows=rows, own=own[-1] if own else None, typed=typed, errors=errors, fmt=queries.fmt, plain=queries.plain,
                  ancestors=get_ancestors(unit))

"""Corrective actions: the list, one action's page and its steps (done, verified, reopened)."""
from datetime import date

from flask import flash, request
from flask_babel import gettext as _
from flask_login import current_user

from ...access import authorize
from ...errors import conflict_returns_to
from ...extensions import db
from ...units.queries import unit_from_args
from ...web import paginate, render, see_other
from .. import bp, queries, services
from .. import permissions as perm
from ..forms import DoneForm, ReopenForm, VerifyForm
from ..models import ACTION_ORIGINS


@bp.get("/actions")
def actions():
    unit = unit_from_args(current_user, strict=True)
    status = request.args.get("status") or "pending"
    mine = request.args.get("mine") == "1"
    origin = request.args.get("origin") if request.args.get("origin") in ACTION_ORIGINS else None
    page = paginate(queries.actions_stmt(current_user, unit=unit, status=status, mine=mine, origin=origin))
    return render("inspections/actions.html", block="results", page=page, unit=unit, state=status, mine=mine,
                  origin=origin, origins=ACTION_ORIGINS, today=date.today())


def _action_page(action, status=200, **forms):
    ctx = dict(action=action, inspection=action.inspection, today=date.today(),
               can_complete=perm.can_complete_action(current_user, action),
               can_verify=perm.can_verify_action(current_user, action),
               can_reopen=perm.can_reopen_action(current_user, action))
    if ctx["can_complete"]:
        ctx["done_form"] = forms.get("done_form") or DoneForm(obj=action, formdata=None, data={"note": ""})
    if ctx["can_verify"]:
        ctx["verify_form"] = forms.get("verify_form") or VerifyForm(obj=action, formdata=None, data={"note": ""})
    if ctx["can_reopen"]:
        ctx["reopen_form"] = forms.get("reopen_form") or ReopenForm(obj=action, formdata=None, data={"note": ""})
    return render("inspections/action_detail.html", status=status, **ctx)


@bp.get("/actions/<int:action_id>")
def action_detail(action_id):
    return _action_page(queries.get_action_for(current_user, action_id, "view"))


def _action_step(action_id, step, form_cls, form_key, service, message):
    action = queries.get_action_for(current_user, action_id, "view")
    if services.step_resent(action, step, request.form.get("note"), current_user):
        flash(message(action) if callable(message) else message, "success")  # the same form sent twice
        return see_other("inspections.action_detail", action_id=action.id)
    authorize(queries.ACTION_ACTIONS[step](current_user, action))
    form = form_cls()
    if not form.validate():
        return _action_page(action, 422, **{form_key: form})
    service(action=action, note=form.note.data, expected_version=form.version.data, by=current_user)
    db.session.commit()
    flash(message(action) if callable(message) else message, "success")
    return see_other("inspections.action_detail", action_id=action.id)


@bp.post("/actions/<int:action_id>/done")
@conflict_returns_to("inspections.action_detail")
def action_done(action_id):
    return _action_step(action_id, "complete", DoneForm, "done_form", services.complete_action, _done_message)


def _done_message(action):
    if action.inspection_id is None:  # a consolidation measure: the plan's unit checks it, not an inspection team
        return _("Đã báo hoàn thành; chờ %(u)s xác nhận.", u=action.verifier_unit.name)
    return _("Đã báo hoàn thành khắc phục; chờ đoàn kiểm tra xác nhận.")


@bp.post("/actions/<int:action_id>/verify")
@conflict_returns_to("inspections.action_detail")
def action_verify(action_id):
    return _action_step(action_id, "verify", VerifyForm, "verify_form", services.verify_action,
                        _("Đã xác nhận hoàn thành khắc phục."))


@bp.post("/actions/<int:action_id>/reopen")
@conflict_returns_to("inspections.action_detail")
def action_reopen(action_id):
    return _action_step(action_id, "reopen", ReopenForm, "reopen_form", services.reopen_action,
                        _("Đã yêu cầu khắc phục lại."))

"""One inspection's page and the decisions taken on it: the conclusion, findings, closing, the acknowledgement."""
from datetime import date

from flask import flash, request
from flask_babel import gettext as _
from flask_login import current_user

from ...access import authorize
from ...errors import conflict_returns_to
from ...extensions import db
from ...web import render, see_other
from .. import bp, queries, services
from .. import permissions as perm
from ..forms import AckForm, ActionForm, CloseForm, ConclusionForm
from ..scoring import scores
from .common import classes_link


def _detail(inspection, status=200, **forms):
    sections = queries.version_sections(inspection.template_version_id)
    answers = queries.answers_for(inspection)
    per, overall = scores(sections, answers)
    done = {s.id: sum(1 for it in s.items if it.id in answers and answers[it.id].answered) for s in sections}
    total = sum(len(s.items) for s in sections)
    answered = sum(done.values())
    can_record = perm.can_record(current_user, inspection)
    can_close = perm.can_close(current_user, inspection)
    ctx = dict(inspection=inspection, plan=inspection.plan, sections=sections, answers=answers, section_scores=per,
               overall=overall, total=total, answered=answered, done=done, actions=queries.actions_of(inspection),
               previous=queries.previous_open_actions(inspection), can_record=can_record, can_close=can_close,
               can_ack=perm.can_acknowledge(current_user, inspection), class_link=classes_link(inspection.plan.class_id),
               close_errors=forms.get("close_errors") or [])
    if can_record:
        ctx["conclusion_form"] = forms.get("conclusion_form") or ConclusionForm(
            obj=inspection, formdata=None, inspection=inspection)
        ctx["action_form"] = forms.get("action_form") or ActionForm(
            formdata=None, units=queries.child_units(inspection.unit), visit_date=inspection.visit_date,
            data={"owner_unit": inspection.unit_id})
    if can_close:
        ctx["close_form"] = CloseForm(obj=inspection, formdata=None)
    if ctx["can_ack"]:
        ack = forms.get("ack_form")
        if ack is None:  # obj's empty ack_on would win over a data= default: fill today in after
            ack = AckForm(obj=inspection, formdata=None)
            ack.ack_on.data = ack.ack_on.data or date.today()
        ctx["ack_form"] = ack
    return render("inspections/detail.html", status=status, **ctx)


@bp.get("/<int:inspection_id>")
def detail(inspection_id):
    inspection = queries.get_inspection_for(current_user, inspection_id, "view")
    return _detail(inspection)


@bp.post("/<int:inspection_id>/conclusion")
@conflict_returns_to("inspections.detail")
def conclusion(inspection_id):
    inspection = queries.get_inspection_for(current_user, inspection_id, "record")
    form = ConclusionForm(inspection=inspection)
    if not form.validate():
        return _detail(inspection, 422, conclusion_form=form)
    services.save_conclusion(inspection=inspection, expected_version=form.version.data,
                             inspected_on=form.inspected_on.data, strengths=form.strengths.data,
                             shortcomings=form.shortcomings.data, conclusion=form.conclusion.data, by=current_user)
    db.session.commit()
    flash(_("Đã lưu kết luận."), "success")
    return see_other("inspections.detail", inspection_id=inspection.id, _anchor="conclusion")


@bp.post("/<int:inspection_id>/actions")
def add_action(inspection_id):
    inspection = queries.get_inspection_for(current_user, inspection_id, "record")
    form = ActionForm(units=queries.child_units(inspection.unit), visit_date=inspection.visit_date)
    if not form.validate():
        return _detail(inspection, 422, action_form=form)
    services.add_action(inspection=inspection, finding=form.finding.data, remedy=form.remedy.data,
                        owner_unit=form.unit_map[form.owner_unit.data], due_on=form.due_on.data,
                        form_token=form.token.data, by=current_user)
    db.session.commit()
    flash(_("Đã ghi thiếu sót và yêu cầu khắc phục."), "success")
    return see_other("inspections.detail", inspection_id=inspection.id, _anchor="actions")


@bp.post("/<int:inspection_id>/close")
@conflict_returns_to("inspections.detail")
def close(inspection_id):
    inspection = queries.get_inspection_for(current_user, inspection_id, "view")
    if inspection.is_closed and perm.is_team_member(current_user, inspection.plan):
        flash(_("Cuộc kiểm tra đã kết thúc."), "info")  # the same button pressed twice
        return see_other("inspections.detail", inspection_id=inspection.id)
    authorize(perm.can_close(current_user, inspection))
    form = CloseForm()
    sections = queries.version_sections(inspection.template_version_id)
    answers = queries.answers_for(inspection)
    problems = services.closing_problems(inspection, sections, answers)
    if problems:
        return _detail(inspection, 422, close_errors=problems)
    services.close_inspection(inspection=inspection, expected_version=form.version.data, sections=sections,
                              answers=answers, by=current_user)
    db.session.commit()
    flash(_("Đã kết thúc cuộc kiểm tra. Có thể in biên bản."), "success")
    return see_other("inspections.detail", inspection_id=inspection.id)


@bp.post("/<int:inspection_id>/acknowledge")
@conflict_returns_to("inspections.detail")
def acknowledge(inspection_id):
    inspection = queries.get_inspection_for(current_user, inspection_id, "view")
    if services.acknowledged_as(inspection, request.form.get("ack_name")):
        return see_other("inspections.detail", inspection_id=inspection.id)  # already recorded: a resend
    authorize(perm.can_acknowledge(current_user, inspection))
    form = AckForm()
    if not form.validate():
        return _detail(inspection, 422, ack_form=form)
    services.acknowledge(inspection=inspection, expected_version=form.version.data, name=form.ack_name.data,
                         post=form.ack_post.data, on=form.ack_on.data, by=current_user)
    db.session.commit()
    flash(_("Đã ghi xác nhận của đơn vị được kiểm tra."), "success")
    return see_other("inspections.detail", inspection_id=inspection.id)

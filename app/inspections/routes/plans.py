"""Plans (decisions to inspect): the list, a new plan, its edit and its page."""
from flask import abort, flash, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from ...access import authorize, scope_paths
from ...errors import conflict_returns_to
from ...extensions import db
from ...units.queries import unit_from_args
from ...web import paginate, render, see_other
from .. import bp, queries, services
from .. import permissions as perm
from ..forms import PlanEditForm, PlanForm
from .common import classes_link


@bp.get("/plans")
def plans():
    unit = unit_from_args(current_user, strict=True)
    page = paginate(queries.plans_stmt(current_user, unit))
    counts = queries.plan_counts([p.id for p in page.items])
    return render("inspections/plans.html", page=page, counts=counts, unit=unit,
                  can_plan=bool(scope_paths(current_user, "inspector")))


@bp.route("/plans/new", methods=["GET", "POST"])
def new_plan():
    if not scope_paths(current_user, "inspector"):
        abort(403)
    form = PlanForm()
    form.set_options(**queries.plan_options(current_user))
    if request.method == "GET":
        form.preset(current_user)
    if form.validate_on_submit() and form.check_rules(current_user):
        team, lead = form.chosen_team()
        try:
            plan = services.create_plan(
                inspecting_unit=form.inspecting, kind=form.kind.data, title=form.title.data,
                decision_number=form.decision_number.data, decision_date=form.decision_date.data,
                template=form.chosen_template, units=form.chosen_units, team=team, lead=lead,
                planned_start=form.planned_start.data, planned_end=form.planned_end.data,
                class_id=form.class_id.data or None, by=current_user)
            db.session.commit()
        except IntegrityError:  # the same decision number, saved by a twin request a moment ago
            db.session.rollback()
            form.decision_taken()
            form.set_options(**queries.plan_options(current_user))
            return render("inspections/plan_form.html", form=form)
        flash(_("Đã lập kế hoạch kiểm tra %(n)s.", n=plan.decision_number), "success")
        return see_other("inspections.plan_detail", plan_id=plan.id)
    return render("inspections/plan_form.html", form=form)


@bp.route("/plans/<int:plan_id>/edit", methods=["GET", "POST"])
@conflict_returns_to("inspections.edit_plan")
def edit_plan(plan_id):
    plan = queries.get_plan_for(current_user, plan_id)
    authorize(perm.can_edit_plan(current_user, plan))
    form = PlanEditForm(plan=plan, people={u.id: u for u in queries.eligible_inspectors(current_user)})
    if form.validate_on_submit() and form.check_rules():
        team, lead = form.chosen_team()
        services.update_plan(plan=plan, expected_version=form.version.data, kind=form.kind.data, title=form.title.data,
                             decision_number=form.decision_number.data, decision_date=form.decision_date.data,
                             planned_start=form.planned_start.data, planned_end=form.planned_end.data, team=team,
                             lead=lead, by=current_user)
        db.session.commit()
        flash(_("Đã lưu kế hoạch."), "success")
        return see_other("inspections.plan_detail", plan_id=plan.id)
    return render("inspections/plan_edit.html", form=form, plan=plan)


@bp.get("/plans/<int:plan_id>")
def plan_detail(plan_id):
    plan = queries.get_plan_for(current_user, plan_id)
    visible = [i for i in plan.inspections if perm.can_view_inspection(current_user, i)]
    progress = queries.progress_for([i.id for i in visible])
    return render("inspections/plan_detail.html", plan=plan, inspections=visible, progress=progress,
                  class_link=classes_link(plan.class_id), can_edit=perm.can_edit_plan(current_user, plan))

"""Plans to consolidate weak units (kế hoạch củng cố cơ sở yếu kém), made by the level above.

- year.plans: a unit's plan for the year (or the form to make it), the plans below it with their overdue measures,
  and the subtree's overdue measures (what the province sees flagged).
- year.plan_detail: per weak unit the causes, the measures with the status of their follow-up action, the result
  from the next year's grading; the forms to edit the plan, add a weak unit, adopt it; its PDF (year.plan_pdf).
- year.plan_entry: one weak unit on the plan — its causes, its measures, the form to add one, withdraw it.
Measures are followed up on the inspections pages (/inspections/actions/<id>): done by the owning unit, verified or
reopened by the plan's unit."""
import uuid
from datetime import date, timezone

from flask import flash
from flask_babel import gettext as _
from flask_babel import to_user_timezone
from flask_login import current_user

from ...access import authorize
from ...dates import utcnow
from ...errors import conflict_returns_to
from ...extensions import db
from ...forms import VersionedForm
from ...pdf import pdf_response, render_pdf
from ...units.queries import get_ancestors
from ...web import paginate, render, see_other
from .. import bp, queries
from .. import permissions as perm
from ..forms.plans import CausesForm, EntryForm, MeasureForm, PlanForm
from ..queries import grading as gq
from ..queries import plans as q
from ..services import plans as services


def _today():
    """Today in Vietnam (the server may run on UTC): the date a printout is dated."""
    return to_user_timezone(utcnow().replace(tzinfo=timezone.utc)).date()


# ---- a unit's plans ---------------------------------------------------------------------------------------------------
def _plans_page(unit, year, form=None, block="results"):
    can_plan = perm.can_plan(current_user, unit)
    own = q.own_plan(unit, year)
    if can_plan and own is None and form is None:
        form = PlanForm(formdata=None, data={"title": _("Kế hoạch củng cố cơ sở Đoàn yếu kém năm %(y)s", y=year)})
    overdue, overdue_total = q.overdue_measures(unit)
    return render("year/plans.html", block=block, unit=unit, year=year, own=own, form=form if can_plan else None,
                  page=paginate(q.plans_below_stmt(unit, year), rows=True), overdue=overdue,
                  overdue_total=overdue_total, ancestors=get_ancestors(unit), can_plan=can_plan, today=date.today())


@bp.get("/units/<int:unit_id>/plans")
def plans(unit_id):
    unit = queries.get_unit_for(current_user, unit_id)
    return _plans_page(unit, queries.year_from_args())


@bp.post("/units/<int:unit_id>/plans/create")
@conflict_returns_to("year.plans")
def plan_create(unit_id):
    unit = queries.get_unit_for(current_user, unit_id, perm.can_plan)
    year = queries.year_from_args()
    form = PlanForm()
    if not form.validate_on_submit():
        return _plans_page(unit, year, form=form, block="form")
    plan, created = services.create_plan(unit=unit, year=year, title=form.title.data, doc_number=form.doc_number.data)
    db.session.commit()
    flash(_("Đã lập kế hoạch. Thêm các đơn vị yếu kém và biện pháp củng cố.") if created
          else _("Đơn vị đã có kế hoạch năm %(y)s.", y=year), "success" if created else "warning")
    return see_other("year.plan_detail", cplan_id=plan.id)


# ---- one plan ---------------------------------------------------------------------------------------------------------
def _plan_page(plan, status=None, block=None, **forms):
    can_plan = perm.can_plan(current_user, plan.unit)
    entries = [e for e in plan.entries if e.withdrawn_at is None]
    withdrawn = [e for e in plan.entries if e.withdrawn_at is not None]
    # a weak unit's officer reads the plan that covers it, not the planning unit's own pages
    ctx = dict(plan=plan, unit=plan.unit, year=plan.year, entries=entries, withdrawn=withdrawn, can_plan=can_plan,
               can_view_unit=perm.can_view(current_user, plan.unit),
               results=q.results(plan), grades=q.grades_by_unit([e.unit_id for e in plan.entries], plan.year),
               names=gq.unit_grades(), state=q.measure_state, ancestors=get_ancestors(plan.unit))
    if can_plan:
        candidates = q.candidates(plan)
        ctx["plan_form"] = forms.get("plan_form") or PlanForm(obj=plan, formdata=None)
        ctx["entry_form"] = forms.get("entry_form") or EntryForm(formdata=None, candidates=candidates)
        ctx["candidates"] = candidates
    return render("year/plan.html", status=status, block=block, **ctx)


@bp.get("/plans/<int:cplan_id>")
def plan_detail(cplan_id):
    return _plan_page(q.get_plan_for(current_user, cplan_id))


@bp.post("/plans/<int:cplan_id>/edit")
@conflict_returns_to("year.plan_detail")
def plan_edit(cplan_id):
    plan = q.get_plan_for(current_user, cplan_id, write=True)
    form = PlanForm()
    if not form.validate_on_submit():
        return _plan_page(plan, 422, "planform", plan_form=form)
    services.update_plan(plan=plan, expected_version=form.version.data, title=form.title.data,
                         doc_number=form.doc_number.data)
    db.session.commit()
    flash(_("Đã lưu kế hoạch."), "success")
    return see_other("year.plan_detail", cplan_id=plan.id)


@bp.post("/plans/<int:cplan_id>/adopt")
@conflict_returns_to("year.plan_detail")
def plan_adopt(cplan_id):
    plan = q.get_plan_for(current_user, cplan_id, write=True)
    form = VersionedForm()
    services.adopt_plan(plan=plan, expected_version=form.version.data)
    db.session.commit()
    flash(_("Đã ban hành kế hoạch."), "success")
    return see_other("year.plan_detail", cplan_id=plan.id)


@bp.post("/plans/<int:cplan_id>/entries")
@conflict_returns_to("year.plan_detail")
def plan_add_entry(cplan_id):
    plan = q.get_plan_for(current_user, cplan_id, write=True)
    candidates = q.candidates(plan)
    form = EntryForm(candidates=candidates)
    if not form.validate_on_submit():
        return _plan_page(plan, 422, "entry", entry_form=form)
    unit = form.chosen
    computed = next(g for u, g in candidates if u.id == unit.id).flags or []
    causes = form.causes.data or computed  # none ticked: the causes the records raised
    entry, _created = services.add_entry(plan=plan, unit=unit, causes=causes, cause_note=form.cause_note.data)
    db.session.commit()
    flash(_("Đã đưa %(u)s vào kế hoạch. Thêm biện pháp củng cố.", u=unit.name), "success")
    return see_other("year.plan_entry", entry_id=entry.id)


@bp.get("/plans/<int:cplan_id>/plan.pdf")
def plan_pdf(cplan_id):
    plan = q.get_plan_for(current_user, cplan_id)
    entries = [e for e in plan.entries if e.withdrawn_at is None]
    data = render_pdf("year/pdf/plan.html", plan=plan, unit=plan.unit, entries=entries,
                      issuer=queries.issuer_lines(plan.unit), on=_today(), recipients=_recipients(plan, entries))
    return pdf_response(data, f"ke-hoach-cung-co-{plan.year}-{plan.unit_id}.pdf")


def _recipients(plan, entries):
    out = []
    if plan.unit.parent is not None:
        out.append(_("Ban Thường vụ %(u)s (để b/c)", u=plan.unit.parent.name))
    out += [_("%(u)s (để t/h)", u=e.unit.name) for e in entries]
    out.append(_("Lưu VP"))
    return out


# ---- one weak unit on the plan ------------------------------------------------------------------------------------
def _entry_page(entry, status=None, block=None, **forms):
    plan = entry.plan
    can_plan = perm.can_plan(current_user, plan.unit) and entry.withdrawn_at is None
    grade = q.grades_by_unit([entry.unit_id], plan.year).get(entry.unit_id)
    ctx = dict(entry=entry, plan=plan, unit=entry.unit, year=plan.year, grade=grade, can_plan=can_plan,
               result=q.results(plan).get(entry.unit_id), state=q.measure_state, today=date.today(),
               ancestors=get_ancestors(plan.unit))
    if can_plan:
        ctx["causes_form"] = forms.get("causes_form") or CausesForm(obj=entry, formdata=None)
        owners = q.owner_choices(entry)
        ctx["measure_form"] = forms.get("measure_form") or MeasureForm(
            formdata=None, owners=owners, data={"owner": entry.unit_id, "form_token": uuid.uuid4().hex})
    return render("year/plan_entry.html", status=status, block=block, **ctx)


@bp.get("/plan-entries/<int:entry_id>")
def plan_entry(entry_id):
    return _entry_page(q.get_entry_for(current_user, entry_id))


def _entry_to_write(entry_id):
    entry = q.get_entry_for(current_user, entry_id, write=True)
    authorize(entry.withdrawn_at is None)
    return entry


@bp.post("/plan-entries/<int:entry_id>/causes")
@conflict_returns_to("year.plan_entry")
def plan_entry_causes(entry_id):
    entry = _entry_to_write(entry_id)
    form = CausesForm()
    if not form.validate_on_submit():
        return _entry_page(entry, 422, "causes", causes_form=form)
    services.update_causes(entry=entry, expected_version=form.version.data, causes=form.causes.data,
                           cause_note=form.cause_note.data)
    db.session.commit()
    flash(_("Đã lưu nguyên nhân."), "success")
    return see_other("year.plan_entry", entry_id=entry.id)


@bp.post("/plan-entries/<int:entry_id>/withdraw")
@conflict_returns_to("year.plan_entry")
def plan_entry_withdraw(entry_id):
    entry = q.get_entry_for(current_user, entry_id, write=True)
    form = VersionedForm()
    services.withdraw_entry(entry=entry, expected_version=form.version.data)
    db.session.commit()
    flash(_("Đã đưa %(u)s ra khỏi kế hoạch (vẫn lưu lại).", u=entry.unit.name), "success")
    return see_other("year.plan_detail", cplan_id=entry.plan_id)


@bp.post("/plan-entries/<int:entry_id>/measures")
@conflict_returns_to("year.plan_entry")
def plan_entry_measure(entry_id):
    entry = _entry_to_write(entry_id)
    form = MeasureForm(owners=q.owner_choices(entry))
    done = q.find_measure(form.form_token.data)
    if done is not None:  # the same form sent again: answer as the first time
        flash(_("Đã thêm biện pháp; theo dõi thực hiện ở mục Khắc phục."), "success")
        return see_other("year.plan_entry", entry_id=done.entry_id)
    if not form.validate_on_submit():
        return _entry_page(entry, 422, "measure", measure_form=form)
    services.add_measure(entry=entry, owner_unit=form.chosen, remedy=form.remedy.data,
                         responsible=form.responsible.data, due_on=form.due_on.data, form_token=form.form_token.data)
    db.session.commit()
    flash(_("Đã thêm biện pháp; theo dõi thực hiện ở mục Khắc phục."), "success")
    return see_other("year.plan_entry", entry_id=entry.id)

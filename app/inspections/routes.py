from datetime import date

from flask import abort, flash, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from ..access import authorize, has_role, scope_paths
from ..errors import ConflictError
from ..extensions import db
from ..pdf import pdf_response, render_pdf
from ..units.models import Unit, utcnow
from ..errors import conflict_page as _conflict
from ..web import arg_int, paginate, render, see_other, year_arg
from . import bp, permissions as perm, queries, services
from .forms import (AckForm, ActionForm, CloseForm, ConclusionForm, DoneForm, ItemForm, NewTemplateForm, PlanForm,
                    ReopenForm, SectionForm, TemplateMetaForm, VerifyForm)
from .models import CHOICES, FAILING, INSPECTION_STATUSES
from .numbers import parse_number
from .photos import PhotoError, file_path, store_photo
from .scoring import scores


def _int_arg(name):
    return arg_int(name)


def _unit_arg(name="unit"):
    uid = _int_arg(name)
    if not uid:
        return None
    unit = db.session.get(Unit, uid)
    if unit is None:
        abort(404)
    authorize(has_role(current_user, unit))
    return unit


def _classes_link(class_id):
    """The supervised class's attendance log (a page of the classes domain)."""
    if not class_id:
        return None
    from flask import current_app

    if "classes.attendance_log" in current_app.view_functions:
        return url_for("classes.attendance_log", class_id=class_id)
    return f"/classes/{class_id}/attendance-log"


# ---- lists ----------------------------------------------------------------------------------------------
@bp.get("/")
def index():
    unit = _unit_arg()
    status = request.args.get("status") or None
    year = year_arg()
    level = request.args.get("level") if request.args.get("level") in ("commune", "district", "branch") else None
    mine = request.args.get("mine") == "1"
    page = paginate(queries.inspections_stmt(current_user, unit=unit, status=status, year=year, level=level, mine=mine))
    progress = queries.progress_for([i.id for i in page.items])
    roots = scope_paths(current_user)
    return render("inspections/index.html", block="results", page=page, progress=progress, unit=unit, state=status,
                  year=year, level=level, mine=mine, statuses=INSPECTION_STATUSES,
                  can_plan=bool(scope_paths(current_user, "inspector")), has_scope=bool(roots))


@bp.get("/overview")
def overview():
    unit = _unit_arg()
    if unit is None:
        paths = scope_paths(current_user)
        if not paths:
            abort(403)
        unit = db.session.scalar(db.select(Unit).where(Unit.path == paths[0]))
    year = year_arg(date.today().year)
    data = queries.overview(unit, year)
    return render("inspections/overview.html", unit=unit, year=year, data=data,
                  ancestors=_ancestors(unit))


@bp.get("/communes")
def communes():
    """Communes of a subtree inspected (or not yet) this year: what the overview's "3/6" counts."""
    unit = _unit_arg()
    if unit is None:
        abort(404)
    year = year_arg(date.today().year)
    flag = {"1": True, "0": False}.get(request.args.get("inspected"))
    stmt = queries.communes_stmt(unit, year, flag)
    total = db.session.scalar(db.select(db.func.count()).select_from(stmt.order_by(None).subquery()))
    rows = db.session.execute(stmt.limit(500)).all()
    return render("inspections/communes.html", unit=unit, year=year, rows=rows, total=total, flag=flag,
                  ancestors=_ancestors(unit))


def _ancestors(unit):
    from ..units.queries import get_ancestors

    return get_ancestors(unit)


# ---- checklist templates --------------------------------------------------------------------------------
def _managing_units():
    return [u for u in queries.inspector_units(current_user) if perm.can_manage_templates_at(current_user, u)]


@bp.get("/templates")
def templates():
    rows = queries.list_templates(current_user)
    managing = _managing_units()
    with_builtin = {t.owner_unit_id for t, _v, _u, _n in rows if t.builtin_key}
    return render("inspections/templates.html", rows=rows, managing=managing,
                  install_at=[u for u in managing if u.id not in with_builtin])


@bp.post("/templates/install")
def install_templates():
    unit = db.session.get(Unit, request.form.get("unit_id", type=int) or 0)
    if unit is None:
        abort(404)
    authorize(perm.can_manage_templates_at(current_user, unit))
    made = services.install_builtin_templates(owner_unit=unit, by=current_user)
    db.session.commit()
    flash(_("Đã cài %(n)s mẫu phiếu có sẵn cho %(unit)s.", n=len(made), unit=unit.name), "success")
    return see_other("inspections.templates")


@bp.route("/templates/new", methods=["GET", "POST"])
def new_template():
    units = _managing_units()
    if not units:
        abort(403)
    form = NewTemplateForm(units=units)
    if form.validate_on_submit():
        t = services.create_template(owner_unit=form.units[form.owner_unit.data], title=form.title.data,
                                     purpose=form.purpose.data, by=current_user)
        db.session.commit()
        flash(_("Đã tạo mẫu phiếu. Hãy thêm các phần và nội dung kiểm tra."), "success")
        return see_other("inspections.template_detail", template_id=t.id)
    return render("inspections/template_new.html", status=422 if form.is_submitted() else 200, form=form)


def _template_page(template, status=200, **forms):
    version = template.current
    can_manage = perm.can_manage_template(current_user, template)
    sections = queries.version_sections(version.id)
    ctx = dict(tpl=template, version=version, sections=sections, can_manage=can_manage,
               versions=queries.template_versions(template), use_count=queries.version_use_count(version.id))
    if can_manage:
        ctx["meta_form"] = forms.get("meta_form") or TemplateMetaForm(obj=version, version=template.version)
        ctx["section_form"] = forms.get("section_form") or SectionForm(version=template.version, formdata=None)
        item_form = forms.get("item_form") or ItemForm(version=template.version, formdata=None)
        ctx["item_form"] = item_form
        ctx["item_section"] = forms.get("item_section")
    return render("inspections/template_detail.html", status=status, **ctx)


def _stale(template):
    v = request.form.get("version", type=int)
    return v is not None and v != template.version


def _resent(template, *, text=None, section_title=None, gone_text=None, title=None):
    """Is the change a stale form asks for already there? (the same form sent twice over a flaky network)"""
    from sqlalchemy import select

    from ..text import nfc
    from .models import TemplateItem as Item, TemplateSection as Section

    cur = template.current_version_id
    if title is not None:
        return template.current.title == nfc(title)
    if section_title is not None:
        return db.session.scalar(select(Section.id).where(Section.version_id == cur,
                                                          Section.title == nfc(section_title)).limit(1)) is not None
    found = db.session.scalar(select(Item.id).where(Item.version_id == cur, Item.retired.is_(False),
                                                    Item.text == nfc(text if text is not None else gone_text)).limit(1))
    return (found is not None) if text is not None else (found is None)


def _stale_answer(template, message, **what):
    if _resent(template, **what):
        flash(message, "success")
        return see_other("inspections.template_detail", template_id=template.id)
    return _conflict(url_for("inspections.template_detail", template_id=template.id))


def _any_version_item(template, item_id):
    from .models import TemplateItem as Item, TemplateVersion as Version

    item = db.session.get(Item, item_id)
    if item is None or db.session.get(Version, item.version_id).template_id != template.id:
        abort(404)
    return item


@bp.get("/templates/<int:template_id>")
def template_detail(template_id):
    template = queries.get_template_for(current_user, template_id, "view")
    return _template_page(template)


@bp.post("/templates/<int:template_id>/meta")
def template_meta(template_id):
    template = queries.get_template_for(current_user, template_id, "manage")
    form = TemplateMetaForm()
    if _stale(template):
        return _stale_answer(template, _("Đã lưu mẫu phiếu."), title=form.title.data or "")
    if not form.validate():
        return _template_page(template, 422, meta_form=form)
    try:
        services.update_template(template=template, expected_version=form.version.data, title=form.title.data,
                                 purpose=form.purpose.data, by=current_user)
    except ConflictError:
        return _conflict(url_for("inspections.template_detail", template_id=template_id))
    db.session.commit()
    flash(_("Đã lưu mẫu phiếu."), "success")
    return see_other("inspections.template_detail", template_id=template_id)


@bp.post("/templates/<int:template_id>/sections")
def add_section(template_id):
    template = queries.get_template_for(current_user, template_id, "manage")
    form = SectionForm()
    if _stale(template):
        return _stale_answer(template, _("Đã thêm phần mới."), section_title=form.title.data or "")
    if not form.validate():
        return _template_page(template, 422, section_form=form)
    try:
        services.add_section(template=template, expected_version=form.version.data, title=form.title.data, by=current_user)
    except ConflictError:
        return _conflict(url_for("inspections.template_detail", template_id=template_id))
    db.session.commit()
    flash(_("Đã thêm phần mới."), "success")
    return see_other("inspections.template_detail", template_id=template_id)


@bp.route("/templates/<int:template_id>/sections/<int:section_id>", methods=["GET", "POST"])
def edit_section(template_id, section_id):
    template = queries.get_template_for(current_user, template_id, "manage")
    if request.method == "POST" and _stale(template):
        return _stale_answer(template, _("Đã lưu tên phần."), section_title=request.form.get("title") or "")
    section = queries.get_section_for(current_user, template, section_id)
    form = SectionForm(title=section.title, version=template.version)
    if form.validate_on_submit():
        try:
            services.rename_section(template=template, expected_version=form.version.data, section=section,
                                    title=form.title.data, by=current_user)
        except ConflictError:
            return _conflict(url_for("inspections.template_detail", template_id=template_id))
        db.session.commit()
        flash(_("Đã lưu tên phần."), "success")
        return see_other("inspections.template_detail", template_id=template_id)
    return render("inspections/section_form.html", status=422 if form.is_submitted() else 200, form=form,
                  tpl=template, section=section)


@bp.post("/templates/<int:template_id>/items")
def add_item(template_id):
    template = queries.get_template_for(current_user, template_id, "manage")
    form = ItemForm()
    if _stale(template):
        return _stale_answer(template, _("Đã thêm nội dung kiểm tra."), text=form.text.data or "")
    section = queries.get_section_for(current_user, template, request.form.get("section_id", type=int) or 0)
    if not form.validate():
        return _template_page(template, 422, item_form=form, item_section=section.id)
    try:
        services.add_item(template=template, expected_version=form.version.data, section=section, text=form.text.data,
                          answer_type=form.answer_type.data, weight=form.weight.data,
                          note_required=form.note_required.data, guidance=form.guidance.data, by=current_user)
    except ConflictError:
        return _conflict(url_for("inspections.template_detail", template_id=template_id))
    db.session.commit()
    flash(_("Đã thêm nội dung kiểm tra."), "success")
    return see_other("inspections.template_detail", template_id=template_id)


@bp.route("/templates/<int:template_id>/items/<int:item_id>", methods=["GET", "POST"])
def edit_item(template_id, item_id):
    template = queries.get_template_for(current_user, template_id, "manage")
    if request.method == "POST" and _stale(template):
        _any_version_item(template, item_id)
        return _stale_answer(template, _("Đã lưu nội dung kiểm tra."), text=request.form.get("text") or "")
    item = queries.get_item_in(template, item_id)
    form = ItemForm(obj=item, version=template.version)
    if form.validate_on_submit():
        try:
            services.update_item(template=template, expected_version=form.version.data, item=item, text=form.text.data,
                                 guidance=form.guidance.data, answer_type=form.answer_type.data,
                                 weight=form.weight.data, note_required=form.note_required.data, by=current_user)
        except ConflictError:
            return _conflict(url_for("inspections.template_detail", template_id=template_id))
        db.session.commit()
        flash(_("Đã lưu nội dung kiểm tra."), "success")
        return see_other("inspections.template_detail", template_id=template_id)
    return render("inspections/item_form.html", status=422 if form.is_submitted() else 200, form=form,
                  tpl=template, item=item, locked=template.current.locked_at is not None)


@bp.post("/templates/<int:template_id>/items/<int:item_id>/retire")
def retire_item(template_id, item_id):
    template = queries.get_template_for(current_user, template_id, "manage")
    if _stale(template):
        old = _any_version_item(template, item_id)
        return _stale_answer(template, _("Đã bỏ nội dung kiểm tra khỏi mẫu phiếu."), gone_text=old.text)
    item = queries.get_item_in(template, item_id)
    try:
        services.retire_item(template=template, expected_version=request.form.get("version", type=int), item=item,
                             by=current_user)
    except ConflictError:
        return _conflict(url_for("inspections.template_detail", template_id=template_id))
    db.session.commit()
    flash(_("Đã bỏ nội dung kiểm tra khỏi mẫu phiếu."), "success")
    return see_other("inspections.template_detail", template_id=template_id)


@bp.get("/versions/<int:version_id>")
def version_detail(version_id):
    version = queries.get_version_for(current_user, version_id)
    return render("inspections/version.html", version=version, tpl=version.template,
                  sections=queries.version_sections(version.id), use_count=queries.version_use_count(version.id))


def _checklist_ctx(version):
    return dict(version=version, tpl=version.template, owner=version.template.owner_unit,
                sections=queries.version_sections(version.id), choices=CHOICES, printed_at=utcnow())


@bp.get("/versions/<int:version_id>/checklist")
def checklist_preview(version_id):
    version = queries.get_version_for(current_user, version_id)
    return render("inspections/print_preview.html", doc="checklist", title=_("Phiếu kiểm tra"),
                  pdf_url=url_for("inspections.checklist_pdf", version_id=version.id),
                  back_url=url_for("inspections.version_detail", version_id=version.id), back_label=version.title,
                  **_checklist_ctx(version))


@bp.get("/versions/<int:version_id>/checklist.pdf")
def checklist_pdf(version_id):
    version = queries.get_version_for(current_user, version_id)
    data = render_pdf("inspections/pdf/checklist.html", **_checklist_ctx(version))
    return pdf_response(data, f"phieu-kiem-tra-{version.template_id}-v{version.number}.pdf")


# ---- plans ---------------------------------------------------------------------------------------------
@bp.get("/plans")
def plans():
    unit = _unit_arg()
    page = paginate(queries.plans_stmt(current_user, unit))
    counts = queries.plan_counts([p.id for p in page.items])
    return render("inspections/plans.html", page=page, counts=counts, unit=unit,
                  can_plan=bool(scope_paths(current_user, "inspector")))


def _plan_form_choices(form):
    from ..forms import choices

    units = queries.inspector_units(current_user)
    targets = queries.inspectable_units(current_user)
    people = queries.eligible_inspectors(current_user)
    form.inspecting_unit.choices = choices((u.id, u.name) for u in units)
    form.units.choices = choices((u.id, ("— " * max(0, u.depth - 1)) + u.name) for u in targets)
    form.team.choices = choices((u.id, u.full_name) for u in people)
    form.lead.choices = choices([("", _("— chọn trưởng đoàn —"))] + [(u.id, u.full_name) for u in people])
    # Checklists of every unit the user plans from (and above); checked against the chosen unit on submit.
    tpl_choices = [(t.id, f"{v.title} (v{v.number}, {owner.name})")
                   for t, v, owner, _n in queries.list_templates(current_user, "inspector")]
    form.template.choices = choices(tpl_choices)
    form.class_id.choices = choices([("", _("— không giám sát lớp nào —"))] + [
        (c.id, f"{c.title} · {unit_name} · {c.starts_on.strftime('%d/%m/%Y')}")
        for c, unit_name in queries.supervisable_classes(current_user)])
    return {u.id: u for u in units}, {u.id: u for u in targets}, {u.id: u for u in people}


@bp.route("/plans/new", methods=["GET", "POST"])
def new_plan():
    if not scope_paths(current_user, "inspector"):
        abort(403)
    form = PlanForm()
    units, targets, people = _plan_form_choices(form)
    if request.method == "GET":
        if units:
            form.inspecting_unit.data = next(iter(units))
        if current_user.id in people:
            form.lead.data = current_user.id
    if form.validate_on_submit() and _validate_plan(form, units, targets, people):
        from ..inspections.models import ChecklistTemplate

        inspecting = units[form.inspecting_unit.data]
        team = [people[i] for i in form.team.data]
        try:
            plan = services.create_plan(
                inspecting_unit=inspecting, kind=form.kind.data, title=form.title.data,
                decision_number=form.decision_number.data, decision_date=form.decision_date.data,
                template=db.session.get(ChecklistTemplate, form.template.data),
                units=[targets[i] for i in form.units.data], team=team, lead=people[form.lead.data],
                planned_start=form.planned_start.data, planned_end=form.planned_end.data,
                class_id=form.class_id.data or None, by=current_user)
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
            form.decision_number.errors = [_("Số quyết định này đã có kế hoạch kiểm tra của đơn vị.")]
            _plan_form_choices(form)
            return render("inspections/plan_form.html", status=422, form=form)
        flash(_("Đã lập kế hoạch kiểm tra %(n)s.", n=plan.decision_number), "success")
        return see_other("inspections.plan_detail", plan_id=plan.id)
    return render("inspections/plan_form.html", status=422 if form.is_submitted() else 200, form=form)


def _validate_plan(form, units, targets, people):
    from sqlalchemy import select

    from .models import ChecklistTemplate, Plan

    ok = True
    inspecting = units.get(form.inspecting_unit.data)
    if inspecting is None or not perm.can_plan_at(current_user, inspecting):
        form.inspecting_unit.errors = [_("Vui lòng chọn đơn vị nơi bạn là cán bộ kiểm tra.")]
        return False
    chosen = [targets.get(i) for i in form.units.data]
    if not chosen:
        form.units.errors = [_("Vui lòng chọn ít nhất một đơn vị được kiểm tra.")]
        ok = False
    elif None in chosen:
        form.units.errors = [_("Đơn vị được chọn không hợp lệ.")]
        ok = False
    else:
        outside = [u.name for u in chosen if not (u.path.startswith(inspecting.path) and u.id != inspecting.id)]
        if outside:
            form.units.errors = [_("Đơn vị được kiểm tra phải trực thuộc %(unit)s: %(names)s không thuộc phạm vi này.",
                                   unit=inspecting.name, names=", ".join(outside))]
            ok = False
    if form.class_id.data:
        klass = queries.get_class(form.class_id.data)
        if klass is None or not klass.unit_path.startswith(inspecting.path):
            form.class_id.errors = [_("Lớp được giám sát phải do đơn vị kiểm tra hoặc đơn vị trực thuộc tổ chức.")]
            ok = False
    template = db.session.get(ChecklistTemplate, form.template.data or 0)
    if template is None or not inspecting.path.startswith(template.owner_unit.path):
        form.template.errors = [_("Vui lòng chọn mẫu phiếu của đơn vị kiểm tra hoặc cấp trên.")]
        ok = False
    ok = _validate_team(form, inspecting, people) and ok
    if form.decision_number.data and db.session.scalar(select(Plan.id).where(
            Plan.inspecting_unit_id == inspecting.id, Plan.decision_number == form.decision_number.data.strip())):
        form.decision_number.errors = [_("Số quyết định này đã có kế hoạch kiểm tra của đơn vị.")]
        ok = False
    return ok


def _validate_team(form, inspecting, people):
    ok = True
    team_ids = set(form.team.data) | ({form.lead.data} if form.lead.data else set())
    if not form.lead.data or form.lead.data not in people:
        form.lead.errors = [_("Vui lòng chọn trưởng đoàn kiểm tra.")]
        ok = False
    if any(i not in people for i in team_ids):
        form.team.errors = [_("Thành viên được chọn không hợp lệ.")]
        ok = False
    else:
        allowed = queries.inspectors_on(inspecting, team_ids)
        missing = [people[i].full_name for i in team_ids if i not in allowed]
        if missing:
            form.team.errors = [_("Thành viên đoàn kiểm tra phải có vai trò kiểm tra tại %(unit)s: %(names)s.",
                                  unit=inspecting.name, names=", ".join(missing))]
            ok = False
    return ok


@bp.route("/plans/<int:plan_id>/edit", methods=["GET", "POST"])
def edit_plan(plan_id):
    from sqlalchemy import select

    from ..forms import choices
    from .forms import PlanEditForm
    from .models import Plan

    plan = queries.get_plan_for(current_user, plan_id)
    authorize(perm.can_edit_plan(current_user, plan))
    form = PlanEditForm(obj=plan)
    people = {u.id: u for u in queries.eligible_inspectors(current_user)}
    for m in plan.members:
        people.setdefault(m.user_id, m.user)
    form.team.choices = choices((u.id, u.full_name) for u in people.values())
    form.lead.choices = choices([("", _("— chọn trưởng đoàn —"))] + [(u.id, u.full_name) for u in people.values()])
    if not form.is_submitted():
        form.team.data = [m.user_id for m in plan.members]
        form.lead.data = plan.lead.id if plan.lead else None
    if form.validate_on_submit() and _validate_team(form, plan.inspecting_unit, people):
        if db.session.scalar(select(Plan.id).where(Plan.inspecting_unit_id == plan.inspecting_unit_id, Plan.id != plan.id,
                                                   Plan.decision_number == form.decision_number.data.strip())):
            form.decision_number.errors = [_("Số quyết định này đã có kế hoạch kiểm tra của đơn vị.")]
        else:
            try:
                services.update_plan(plan=plan, expected_version=form.version.data, kind=form.kind.data,
                                     title=form.title.data, decision_number=form.decision_number.data,
                                     decision_date=form.decision_date.data, planned_start=form.planned_start.data,
                                     planned_end=form.planned_end.data, team=[people[i] for i in form.team.data],
                                     lead=people[form.lead.data], by=current_user)
            except ConflictError:
                return _conflict(url_for("inspections.edit_plan", plan_id=plan_id))
            db.session.commit()
            flash(_("Đã lưu kế hoạch."), "success")
            return see_other("inspections.plan_detail", plan_id=plan.id)
    return render("inspections/plan_edit.html", status=422 if form.is_submitted() else 200, form=form, plan=plan)


@bp.get("/plans/<int:plan_id>")
def plan_detail(plan_id):
    plan = queries.get_plan_for(current_user, plan_id)
    visible = [i for i in plan.inspections if perm.can_view_inspection(current_user, i)]
    progress = queries.progress_for([i.id for i in visible])
    return render("inspections/plan_detail.html", plan=plan, inspections=visible, progress=progress,
                  class_link=_classes_link(plan.class_id), can_edit=perm.can_edit_plan(current_user, plan))


# ---- one inspection -------------------------------------------------------------------------------------
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
               can_ack=perm.can_acknowledge(current_user, inspection), class_link=_classes_link(inspection.plan.class_id),
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


def _parse(item, form):
    """→ (values for save_answer, typed, error)."""
    raw = (form.get(f"a-{item.id}") or "").strip()
    note = (form.get(f"n-{item.id}") or "").strip()
    typed = {"raw": raw, "note": note}
    values, error = {"note": note}, None
    if item.answer_type == "choice":
        if raw and raw not in CHOICES:
            return values, typed, _("Câu trả lời không hợp lệ.")
        values["choice"] = raw or None
        if raw in FAILING and item.note_required and not note:
            error = _("Mục này chưa đạt: vui lòng ghi chú lý do.")
    elif item.is_number:
        values["number"], number_error = parse_number(raw, whole=item.answer_type == "number")
        if number_error:
            return values, typed, number_error
    else:
        if len(raw) > 5000 or len(note) > 5000:
            return values, typed, _("Quá dài (tối đa 5000 ký tự).")
        values["text"] = raw
    if len(note) > 5000:
        error = _("Ghi chú quá dài (tối đa 5000 ký tự).")
    return values, typed, error


def _section_no(sections):
    n = arg_int("s", 1)
    return min(max(n, 1), max(len(sections), 1))


def _record_page(inspection, sections, section_no, typed=None, errors=None, status=200, saved=0):
    answers = queries.answers_for(inspection)
    section = sections[section_no - 1] if sections else None
    photos = queries.photos_for(inspection, [it.id for it in section.items] if section else [])
    done = {s.id: sum(1 for it in s.items if it.id in answers and answers[it.id].answered) for s in sections}
    total = sum(len(s.items) for s in sections)
    return render("inspections/record.html", status=status, inspection=inspection, sections=sections,
                  section=section, section_no=section_no, answers=answers, photos=photos, typed=typed or {},
                  errors=errors or {}, done=done, total=total, answered=sum(done.values()), saved=saved,
                  known=queries.record_values(inspection, section.items) if section else {})


@bp.route("/<int:inspection_id>/record", methods=["GET", "POST"])
def record(inspection_id):
    """Recording on site: one section per page; the whole section saves as a plain form (no JavaScript)."""
    inspection = queries.get_inspection_for(current_user, inspection_id, "record")
    sections = queries.version_sections(inspection.template_version_id)
    section_no = _section_no(sections)
    if request.method == "GET":
        return _record_page(inspection, sections, section_no)
    section = sections[section_no - 1]
    services.lock_answers(inspection)  # a colleague's save of this inspection waits, then compares with ours
    answers = queries.answers_for(inspection)
    typed, errors, saved, todo, clashes = {}, {}, 0, [], []
    for item in section.items:
        if f"a-{item.id}" not in request.form and f"n-{item.id}" not in request.form:
            continue
        values, t, error = _parse(item, request.form)
        if error:
            typed[item.id], errors[item.id] = t, error
            continue
        # Only what the person changed since the page was drawn is written (hidden "o-<item>" = what it showed).
        change = services.answer_change(item, values, request.form.get(f"o-{item.id}"), answers.get(item.id))
        if change == "conflict":
            clashes.append((item, answers.get(item.id), values))
        todo.append((item, values, change))
    if clashes:
        return _answer_conflict(clashes, url_for("inspections.record", inspection_id=inspection.id, s=section_no))
    for item, values, change in todo:
        photo = request.files.get(f"p-{item.id}")
        if change == "write":
            saved += services.save_answer(inspection=inspection, item=item, existing=answers.get(item.id),
                                          by=current_user, **values)
        if photo and photo.filename:
            try:
                store_photo(inspection=inspection, item=item, stream=photo.stream, by=current_user)
            except PhotoError as exc:
                typed[item.id], errors[item.id] = _typed_of(item), str(exc)
    db.session.commit()
    if errors:
        return _record_page(inspection, sections, section_no, typed=typed, errors=errors, status=422, saved=saved)
    flash(_("Đã lưu phần %(n)s.", n=section_no), "success")
    if section_no < len(sections):
        return see_other("inspections.record", inspection_id=inspection.id, s=section_no + 1)
    return see_other("inspections.detail", inspection_id=inspection.id, _anchor="conclusion")


bp.add_app_template_global(services.answer_signature, "answer_sig")


def _typed_of(item):
    return {"raw": request.form.get(f"a-{item.id}", ""), "note": request.form.get(f"n-{item.id}", "")}


def _answer_words(item, answer):
    """An answer as people read it: "Không — thiếu sổ", "12", "—"."""
    v = services.answer_values(item, **{k: (answer.get(k) if isinstance(answer, dict) else getattr(answer, k, None))
                                        for k in ("choice", "number", "text", "note")}) if answer is not None else {}
    main = {"choice": str(CHOICES.get(v.get("choice"), "")) if v.get("choice") else "",
            "number": ("%g" % v["number"]) if v.get("number") is not None else "",
            "text": v.get("text") or ""}[item.answer_type if item.answer_type in ("choice", "number") else "text"]
    return " — ".join(x for x in (main, v.get("note") or "") if x) or "—"


def _answer_conflict(clashes, back):
    """Someone else answered these items differently since the page was drawn: nothing is saved; both answers shown."""
    both = [(item.text, _answer_words(item, theirs), _answer_words(item, mine)) for item, theirs, mine in clashes]
    return _conflict(back, both=both)


def _row(inspection, item, status=200, typed=None, error=None, saved=False):
    answers = queries.answers_for(inspection)
    progress = queries.progress_for([inspection.id])[inspection.id]
    section = item.section  # the item's number, as on the full page: "section.index"
    code = f"{section.version.sections.index(section) + 1}.{section.items.index(item) + 1}"
    return render("inspections/_row.html", status=status, inspection=inspection, item=item, code=code,
                  answer=answers.get(item.id), photos=queries.photos_for(inspection, [item.id]).get(item.id, []),
                  typed=typed, error=error, saved=saved, progress=progress, can_record=True,
                  known=queries.record_values(inspection, [item]).get(item.id))


@bp.post("/<int:inspection_id>/items/<int:item_id>")
def save_item(inspection_id, item_id):
    """One tap, one answer (htmx): returns the answer row. Without JavaScript: back to the section."""
    from .models import Answer

    inspection = queries.get_inspection_for(current_user, inspection_id, "record")
    item = queries.get_item_of(inspection, item_id)
    values, typed, error = _parse(item, request.form)
    htmx = request.headers.get("HX-Request") == "true"
    if error:
        if htmx:
            return _row(inspection, item, 422, typed=typed, error=error)
        flash(error, "error")
    else:
        services.lock_answers(inspection)
        existing = db.session.scalar(db.select(Answer).where(Answer.inspection_id == inspection.id, Answer.item_id == item.id)
                                     .execution_options(populate_existing=True))
        change = services.answer_change(item, values, request.form.get(f"o-{item.id}"), existing)
        if change == "conflict":
            if not htmx:
                return _answer_conflict([(item, existing, values)], url_for("inspections.record", inspection_id=inspection.id))
            db.session.rollback()
            return _row(inspection, item, 409, typed=typed, error=_(
                "Người khác vừa trả lời mục này: “%(theirs)s”. Câu trả lời của bạn (“%(mine)s”) chưa được lưu — "
                "chọn lại nếu vẫn muốn thay.", theirs=_answer_words(item, existing), mine=_answer_words(item, values)))
        if change == "write":
            services.save_answer(inspection=inspection, item=item, existing=existing, by=current_user, **values)
        db.session.commit()
        if htmx:
            return _row(inspection, item, saved=True)
    return _back_to_item(inspection, item)


def _back_to_item(inspection, item):
    from sqlalchemy import select

    from .models import TemplateSection

    pos = db.session.scalar(select(TemplateSection.position).where(TemplateSection.id == item.section_id))
    n = db.session.scalar(select(db.func.count(TemplateSection.id)).where(
        TemplateSection.version_id == inspection.template_version_id, TemplateSection.position <= pos))
    return see_other("inspections.record", inspection_id=inspection.id, s=n, _anchor=f"q-{item.id}")


@bp.post("/<int:inspection_id>/items/<int:item_id>/photos")
def upload_photo(inspection_id, item_id):
    inspection = queries.get_inspection_for(current_user, inspection_id, "record")
    item = queries.get_item_of(inspection, item_id)
    upload = request.files.get(f"p-{item.id}") or request.files.get("photo")
    htmx = request.headers.get("HX-Request") == "true"
    try:
        if upload is None or not upload.filename:
            raise PhotoError(_("Chưa chọn ảnh."))
        store_photo(inspection=inspection, item=item, stream=upload.stream, by=current_user)
        db.session.commit()
    except PhotoError as exc:
        db.session.commit()  # a rejected upload is kept as a row that counts toward the cap (nothing else was written)
        if htmx:
            return _row(inspection, item, 422, error=str(exc))
        flash(str(exc), "error")
        return _back_to_item(inspection, item)
    if htmx:
        return _row(inspection, item, saved=True)
    flash(_("Đã lưu ảnh."), "success")
    return _back_to_item(inspection, item)


@bp.get("/photos/<int:photo_id>")
def photo(photo_id):
    p = queries.get_photo_for(current_user, photo_id)
    path = file_path(p)
    if not path.is_file():
        abort(404)
    resp = send_file(path, mimetype="image/jpeg", max_age=0, conditional=True)
    resp.headers["Cache-Control"] = "private, max-age=86400"
    resp.headers["Content-Disposition"] = "inline"
    return resp


@bp.post("/<int:inspection_id>/conclusion")
def conclusion(inspection_id):
    inspection = queries.get_inspection_for(current_user, inspection_id, "record")
    form = ConclusionForm(inspection=inspection)
    if not form.validate():
        return _detail(inspection, 422, conclusion_form=form)
    try:
        services.save_conclusion(inspection=inspection, expected_version=form.version.data,
                                 inspected_on=form.inspected_on.data, strengths=form.strengths.data,
                                 shortcomings=form.shortcomings.data, conclusion=form.conclusion.data, by=current_user)
    except ConflictError:
        from ..text import nfc

        db.session.rollback()
        same = (inspection.inspected_on == form.inspected_on.data and
                all((getattr(inspection, f) or None) == (nfc(getattr(form, f).data) or None)
                    for f in ("strengths", "shortcomings", "conclusion")))
        if not same:  # a resent form whose text is already saved is not a conflict
            return _conflict(url_for("inspections.detail", inspection_id=inspection_id))
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
def close(inspection_id):
    inspection = queries.get_inspection_for(current_user, inspection_id, "view")
    if inspection.is_closed and perm.is_team_member(current_user, inspection.plan):
        flash(_("Cuộc kiểm tra đã kết thúc."), "info")  # the same button pressed twice
        return see_other("inspections.detail", inspection_id=inspection.id)
    authorize(perm.can_close(current_user, inspection))
    form = CloseForm()
    sections = queries.version_sections(inspection.template_version_id)
    answers = queries.answers_for(inspection)
    errors = []
    missing = [it for s in sections for it in s.items if not (it.id in answers and answers[it.id].answered)]
    if missing:
        errors.append(_("Còn %(n)s nội dung chưa trả lời — hãy ghi đủ phiếu trước khi kết thúc.", n=len(missing)))
    no_note = [it for s in sections for it in s.items if it.note_required and it.id in answers
               and answers[it.id].choice in FAILING and not answers[it.id].note]
    if no_note:
        errors.append(_("Còn %(n)s nội dung chưa đạt thiếu ghi chú.", n=len(no_note)))
    if not (inspection.conclusion or "").strip():
        errors.append(_("Vui lòng ghi kết luận trước khi kết thúc."))
    if errors:
        return _detail(inspection, 422, close_errors=errors)
    try:
        services.close_inspection(inspection=inspection, expected_version=form.version.data, sections=sections,
                                  answers=answers, by=current_user)
    except ConflictError:
        return _conflict(url_for("inspections.detail", inspection_id=inspection_id))
    db.session.commit()
    flash(_("Đã kết thúc cuộc kiểm tra. Có thể in biên bản."), "success")
    return see_other("inspections.detail", inspection_id=inspection.id)


@bp.post("/<int:inspection_id>/acknowledge")
def acknowledge(inspection_id):
    inspection = queries.get_inspection_for(current_user, inspection_id, "view")
    if inspection.ack_name and inspection.ack_name == (request.form.get("ack_name") or "").strip():
        return see_other("inspections.detail", inspection_id=inspection.id)  # already recorded: a resend
    authorize(perm.can_acknowledge(current_user, inspection))
    form = AckForm()
    if not form.validate():
        return _detail(inspection, 422, ack_form=form)
    try:
        services.acknowledge(inspection=inspection, expected_version=form.version.data, name=form.ack_name.data,
                             post=form.ack_post.data, on=form.ack_on.data, by=current_user)
    except ConflictError:
        return _conflict(url_for("inspections.detail", inspection_id=inspection_id))
    db.session.commit()
    flash(_("Đã ghi xác nhận của đơn vị được kiểm tra."), "success")
    return see_other("inspections.detail", inspection_id=inspection.id)


# ---- printables -----------------------------------------------------------------------------------------
def _print_ctx(inspection):
    sections = queries.version_sections(inspection.template_version_id)
    answers = queries.answers_for(inspection)
    per, overall = scores(sections, answers)
    return dict(inspection=inspection, plan=inspection.plan, version=inspection.template_version, sections=sections,
                answers=answers, section_scores=per, overall=inspection.score if inspection.is_closed else overall,
                actions=queries.actions_of(inspection), parent=inspection.plan.inspecting_unit.parent, choices=CHOICES,
                printed_at=utcnow())


def _inspection_preview(inspection, doc, title):
    """A print preview is a normal page of the site (menu, way back, phone layout) with the printout inside."""
    return render("inspections/print_preview.html", doc=doc, title=title,
                  pdf_url=url_for(f"inspections.{doc}_pdf", inspection_id=inspection.id),
                  back_url=url_for("inspections.detail", inspection_id=inspection.id), back_label=inspection.unit.name,
                  **_print_ctx(inspection))


@bp.get("/<int:inspection_id>/minutes")
def minutes_preview(inspection_id):
    inspection = queries.get_inspection_for(current_user, inspection_id, "view")
    return _inspection_preview(inspection, "minutes", _("Biên bản kiểm tra"))


@bp.get("/<int:inspection_id>/minutes.pdf")
def minutes_pdf(inspection_id):
    inspection = queries.get_inspection_for(current_user, inspection_id, "view")
    data = render_pdf("inspections/pdf/minutes.html", **_print_ctx(inspection))
    return pdf_response(data, f"bien-ban-kiem-tra-{inspection.id}.pdf")


@bp.get("/<int:inspection_id>/notice")
def notice_preview(inspection_id):
    inspection = queries.get_inspection_for(current_user, inspection_id, "view")
    return _inspection_preview(inspection, "notice", _("Thông báo kết luận kiểm tra"))


@bp.get("/<int:inspection_id>/notice.pdf")
def notice_pdf(inspection_id):
    inspection = queries.get_inspection_for(current_user, inspection_id, "view")
    data = render_pdf("inspections/pdf/notice.html", **_print_ctx(inspection))
    return pdf_response(data, f"thong-bao-ket-luan-{inspection.id}.pdf")


# ---- corrective actions ---------------------------------------------------------------------------------
@bp.get("/actions")
def actions():
    unit = _unit_arg()
    status = request.args.get("status") or "pending"
    mine = request.args.get("mine") == "1"
    page = paginate(queries.actions_stmt(current_user, unit=unit, status=status, mine=mine))
    return render("inspections/actions.html", block="results", page=page, unit=unit, state=status, mine=mine,
                  today=date.today())


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


STEP_RESULT = {"complete": ("open", "done", "done"), "verify": ("done", "verified", "verified"),
               "reopen": (None, "open", "reopened")}


def _action_step(action_id, permission, form_cls, form_key, service, message):
    action = queries.get_action_for(current_user, action_id, "view")
    _, status, kind = STEP_RESULT[permission]
    last = action.events[-1] if action.events else None
    if (action.status == status and last is not None and last.kind == kind and last.by_id == current_user.id
            and (last.note or "") == (request.form.get("note") or "").strip()):
        flash(message, "success")  # the same form sent twice
        return see_other("inspections.action_detail", action_id=action.id)
    authorize(queries.ACTION_ACTIONS[permission](current_user, action))
    form = form_cls()
    if not form.validate():
        return _action_page(action, 422, **{form_key: form})
    try:
        service(action=action, note=form.note.data, expected_version=form.version.data, by=current_user)
    except ConflictError:
        return _conflict(url_for("inspections.action_detail", action_id=action_id))
    db.session.commit()
    flash(message, "success")
    return see_other("inspections.action_detail", action_id=action.id)


@bp.post("/actions/<int:action_id>/done")
def action_done(action_id):
    return _action_step(action_id, "complete", DoneForm, "done_form", services.complete_action,
                        _("Đã báo hoàn thành khắc phục; chờ đoàn kiểm tra xác nhận."))


@bp.post("/actions/<int:action_id>/verify")
def action_verify(action_id):
    return _action_step(action_id, "verify", VerifyForm, "verify_form", services.verify_action,
                        _("Đã xác nhận hoàn thành khắc phục."))


@bp.post("/actions/<int:action_id>/reopen")
def action_reopen(action_id):
    return _action_step(action_id, "reopen", ReopenForm, "reopen_form", services.reopen_action,
                        _("Đã yêu cầu khắc phục lại."))


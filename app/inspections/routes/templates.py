"""Checklist templates: the list, the shipped ones, a new one, its sections and items, an older version.

A form opened before the checklist's last change is a conflict — unless the change it asks for is already there
(the same form sent twice over a flaky network), which answers as the first sending did."""
from flask import abort, flash, request
from flask_babel import gettext as _
from flask_login import current_user

from ...errors import conflict_returns_to
from ...extensions import db
from ...web import render, see_other
from .. import bp, queries, services
from .. import permissions as perm
from ..forms import ItemForm, NewTemplateForm, SectionForm, TemplateMetaForm


def _managing_units():
    return [u for u in queries.inspector_units(current_user) if perm.can_manage_templates_at(current_user, u)]


def _saved(template, message):
    flash(message, "success")
    return see_other("inspections.template_detail", template_id=template.id)


def _resent(template, **what):
    """True for a stale form whose change is already there; ConflictError for a stale one whose change is not."""
    return services.template_resent(template, request.form.get("version", type=int), **what)


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


@bp.get("/templates")
def templates():
    rows = queries.list_templates(current_user)
    managing = _managing_units()
    with_builtin = {t.owner_unit_id for t, _v, _u, _n in rows if t.builtin_key}
    return render("inspections/templates.html", rows=rows, managing=managing,
                  install_at=[u for u in managing if u.id not in with_builtin])


@bp.post("/templates/install")
def install_templates():
    unit = queries.get_unit_to_manage_templates(current_user, request.form.get("unit_id", type=int))
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
    return render("inspections/template_new.html", form=form)


@bp.get("/templates/<int:template_id>")
def template_detail(template_id):
    template = queries.get_template_for(current_user, template_id, "view")
    return _template_page(template)


@bp.post("/templates/<int:template_id>/meta")
@conflict_returns_to("inspections.template_detail")
def template_meta(template_id):
    template = queries.get_template_for(current_user, template_id, "manage")
    form = TemplateMetaForm()
    if _resent(template, title=form.title.data or ""):
        return _saved(template, _("Đã lưu mẫu phiếu."))
    if not form.validate():
        return _template_page(template, 422, meta_form=form)
    services.update_template(template=template, expected_version=form.version.data, title=form.title.data,
                             purpose=form.purpose.data, by=current_user)
    db.session.commit()
    return _saved(template, _("Đã lưu mẫu phiếu."))


@bp.post("/templates/<int:template_id>/sections")
@conflict_returns_to("inspections.template_detail")
def add_section(template_id):
    template = queries.get_template_for(current_user, template_id, "manage")
    form = SectionForm()
    if _resent(template, section_title=form.title.data or ""):
        return _saved(template, _("Đã thêm phần mới."))
    if not form.validate():
        return _template_page(template, 422, section_form=form)
    services.add_section(template=template, expected_version=form.version.data, title=form.title.data,
                         by=current_user)
    db.session.commit()
    return _saved(template, _("Đã thêm phần mới."))


@bp.route("/templates/<int:template_id>/sections/<int:section_id>", methods=["GET", "POST"])
@conflict_returns_to("inspections.template_detail")
def edit_section(template_id, section_id):
    template = queries.get_template_for(current_user, template_id, "manage")
    if request.method == "POST" and _resent(template, section_title=request.form.get("title") or ""):
        return _saved(template, _("Đã lưu tên phần."))
    section = queries.get_section_for(current_user, template, section_id)
    form = SectionForm(title=section.title, version=template.version)
    if not form.validate_on_submit():
        return render("inspections/section_form.html", form=form, tpl=template, section=section)
    services.rename_section(template=template, expected_version=form.version.data, section=section,
                            title=form.title.data, by=current_user)
    db.session.commit()
    return _saved(template, _("Đã lưu tên phần."))


@bp.post("/templates/<int:template_id>/items")
@conflict_returns_to("inspections.template_detail")
def add_item(template_id):
    template = queries.get_template_for(current_user, template_id, "manage")
    form = ItemForm()
    if _resent(template, text=form.text.data or ""):
        return _saved(template, _("Đã thêm nội dung kiểm tra."))
    section = queries.get_section_for(current_user, template, request.form.get("section_id", type=int) or 0)
    if not form.validate():
        return _template_page(template, 422, item_form=form, item_section=section.id)
    services.add_item(template=template, expected_version=form.version.data, section=section, text=form.text.data,
                      answer_type=form.answer_type.data, weight=form.weight.data,
                      note_required=form.note_required.data, guidance=form.guidance.data, by=current_user)
    db.session.commit()
    return _saved(template, _("Đã thêm nội dung kiểm tra."))


@bp.route("/templates/<int:template_id>/items/<int:item_id>", methods=["GET", "POST"])
@conflict_returns_to("inspections.template_detail")
def edit_item(template_id, item_id):
    template = queries.get_template_for(current_user, template_id, "manage")
    if request.method == "POST" and _resent(template, text=request.form.get("text") or "", item_id=item_id):
        return _saved(template, _("Đã lưu nội dung kiểm tra."))
    item = queries.get_item_in(template, item_id)
    form = ItemForm(obj=item, version=template.version)
    if not form.validate_on_submit():
        return render("inspections/item_form.html", form=form, tpl=template, item=item,
                      locked=template.current.locked_at is not None)
    services.update_item(template=template, expected_version=form.version.data, item=item, text=form.text.data,
                         guidance=form.guidance.data, answer_type=form.answer_type.data, weight=form.weight.data,
                         note_required=form.note_required.data, by=current_user)
    db.session.commit()
    return _saved(template, _("Đã lưu nội dung kiểm tra."))


@bp.post("/templates/<int:template_id>/items/<int:item_id>/retire")
@conflict_returns_to("inspections.template_detail")
def retire_item(template_id, item_id):
    template = queries.get_template_for(current_user, template_id, "manage")
    if _resent(template, gone_item_id=item_id):
        return _saved(template, _("Đã bỏ nội dung kiểm tra khỏi mẫu phiếu."))
    item = queries.get_item_in(template, item_id)
    services.retire_item(template=template, expected_version=request.form.get("version", type=int), item=item,
                         by=current_user)
    db.session.commit()
    return _saved(template, _("Đã bỏ nội dung kiểm tra khỏi mẫu phiếu."))


@bp.get("/versions/<int:version_id>")
def version_detail(version_id):
    version = queries.get_version_for(current_user, version_id)
    return render("inspections/version.html", version=version, tpl=version.template,
                  sections=queries.version_sections(version.id), use_count=queries.version_use_count(version.id))

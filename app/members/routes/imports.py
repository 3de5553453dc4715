"""Importing a roll from a spreadsheet: upload, preview, confirm, the rows to fix, the template, and the
pick-list synonyms admins add."""
from flask import flash, request
from flask_babel import gettext as _
from flask_login import current_user

from ...access import authorize
from ...extensions import db
from ...units.queries import branches_of, list_units_in_scope
from ...web import paginate_list, render, see_other
from .. import bp, importer, permissions, queries, services
from ..forms import ImportForm, SynonymForm
from ..models import PICK_FIELDS
from .common import XLSX, download, unit_arg

PREVIEW_PER_PAGE = 50


def _import_units():
    unit = unit_arg(permissions.OFFICER)
    if unit is not None:
        authorize(permissions.can_import_into(current_user, unit))
        return unit, [unit]
    return None, list_units_in_scope(current_user, permissions.OFFICER, levels=("commune", "branch"), limit=200)


@bp.route("/import", methods=["GET", "POST"])
def import_upload():
    unit, units = _import_units()
    form = ImportForm(units=units)
    if unit is not None and request.method == "GET":
        form.unit.data = str(unit.id)
    if form.validate_on_submit():
        upload = form.file.data
        try:
            batch = importer.create_batch(unit=form.chosen_unit, filename=upload.filename, data=upload.read(),
                                          user=current_user)
        except importer.ImportFileError as exc:
            form.file.errors = [str(exc)]
        else:
            db.session.commit()
            return see_other("members.import_preview", batch_id=batch.id)
    return render("members/import.html", form=form, unit=unit,
                  can_synonyms=permissions.can_manage_synonyms(current_user))


@bp.get("/import/template.xlsx")
def import_template():
    unit = unit_arg()
    branches = []
    if unit is not None:
        branches = [unit] if unit.level == "branch" else branches_of(unit)
    return download(importer.template_xlsx(branches), XLSX, "mau-danh-sach-doan-vien.xlsx")


def _preview(batch, results, status=200):
    show = request.args.get("show", "error" if batch.counts.get("error") else "all")
    rows = [r for r in results if show == "all" or r["action"] == show]
    return render("members/import_preview.html", status=status, batch=batch, show=show,
                  page=paginate_list(rows, per_page=PREVIEW_PER_PAGE))


@bp.get("/import/<int:batch_id>")
def import_preview(batch_id):
    batch = queries.get_import_for(current_user, batch_id)
    return _preview(batch, batch.payload.get("results", []))


@bp.post("/import/<int:batch_id>/confirm")
def import_confirm(batch_id):
    batch = queries.get_import_for(current_user, batch_id)
    authorize(permissions.can_import_into(current_user, batch.unit))
    if batch.status != "preview" or not importer.claim(batch):
        db.session.rollback()
        flash(_("Tệp này đã được nhập rồi; không nhập lại lần nữa."), "info")
        return see_other("members.import_preview", batch_id=batch_id)
    results, counts, ok = importer.apply(batch=batch, user=current_user, valid_only=request.form.get("valid_only") == "1")
    if not ok:
        # Something changed since the preview: write nothing, show the rows again with the new reasons.
        db.session.rollback()
        batch = queries.get_import_for(current_user, batch_id)
        importer.keep_recheck(batch, results, counts)
        db.session.commit()
        flash(_("Dữ liệu đã thay đổi từ lúc xem trước: còn %(n)s dòng lỗi, chưa ghi dòng nào.", n=counts["error"]),
              "error")
        return _preview(batch, results, status=422)
    db.session.commit()
    flash(_("Đã nhập: %(new)s người mới, %(upd)s người cập nhật.", new=counts["new"], upd=counts["update"]), "success")
    if counts["error"]:
        flash(_("%(n)s dòng lỗi chưa được nhập: tải về, sửa rồi nhập lại.", n=counts["error"]), "warning")
    return see_other("members.import_preview", batch_id=batch_id)


@bp.get("/import/<int:batch_id>/errors.xlsx")
def import_errors(batch_id):
    batch = queries.get_import_for(current_user, batch_id)
    return download(importer.errors_xlsx(batch), XLSX, f"dong-loi-{batch.id}.xlsx")


# ---- pick-list synonyms for imports -----------------------------------------------------------------------------
@bp.route("/import/synonyms", methods=["GET", "POST"])
def import_synonyms():
    """Admins of a province extend how imports read pick lists ("Học sinh" → Học sinh, sinh viên)."""
    authorize(permissions.can_manage_synonyms(current_user))
    if request.method == "POST" and request.form.get("action") == "retire":
        syn = queries.get_synonym_or_404(request.form.get("id", type=int))
        services.retire_synonym(synonym=syn, by=current_user)
        db.session.commit()
        flash(_("Đã bỏ cách ghi “%(t)s”.", t=syn.text), "success")
        return see_other("members.import_synonyms")
    form = SynonymForm()
    if form.validate_on_submit():
        value, problem = importer.synonym_meaning(form.field.data, form.value.data)
        if problem:
            form.value.errors = [problem]
        else:
            services.add_synonym(field=form.field.data, text=form.text.data, value=value, by=current_user)
            db.session.commit()
            flash(_("Đã thêm cách ghi “%(t)s”.", t=form.text.data.strip()), "success")
            return see_other("members.import_synonyms")
    return render("members/synonyms.html", form=form, rows=importer.admin_synonyms(),
                  PICK_FIELDS=PICK_FIELDS, builtin=importer.BUILTIN_SYNONYMS, shown=importer.shown_value)

"""The grades in force for members and units and the numbers the proposals read: everyone with a role reads them; a
province admin adds, renames and retires grades (never deletes one) and changes the numbers."""
from flask import abort, flash, request
from flask_babel import gettext as _
from flask_login import current_user

from ...access import authorize, scope_paths
from ...errors import conflict_returns_to
from ...extensions import db
from ...web import render, see_other
from .. import bp
from .. import permissions as perm
from ..forms.catalogue import GradeAddForm, GradeNameForm, ToggleForm, read_rules
from ..queries import catalogue as q
from ..services import catalogue as services
from ..services.catalogue import CatalogueError


def _page(status=None, rename=None, add_form=None, typed=None, errors=None, error=None):
    grades = q.grades_by_kind()
    rows = q.rule_rows()
    can_manage = perm.can_manage_catalogue(current_user)
    rename = rename or {}
    forms = {g.id: rename.get(g.id) or GradeNameForm(formdata=None, prefix=f"r{g.id}", data={"name": g.name,
                                                                                           "version": g.version})
             for kind in grades.values() for g in kind} if can_manage else {}
    return render("year/catalogue.html", status=status, grades=grades, lines=q.rule_lines(rows), can_manage=can_manage,
                  forms=forms, add_form=add_form or GradeAddForm(formdata=None, prefix="new", data={"rank": 5}),
                  typed=typed or {}, errors=errors or {}, error=error, plain=q.plain)


@bp.get("/catalogue")
def catalogue():
    authorize(bool(scope_paths(current_user)))
    return _page()


def _grade(grade_id):
    grade = q.get_grade(grade_id)
    if grade is None:
        abort(404)
    authorize(perm.can_manage_catalogue(current_user))
    return grade


@bp.post("/catalogue/grades/new")
def catalogue_grade_add():
    authorize(perm.can_manage_catalogue(current_user))
    form = GradeAddForm(prefix="new")
    if form.validate_on_submit():
        try:
            grade = services.add_grade(kind=form.kind.data, name=form.name.data, rank=form.rank.data)
        except CatalogueError as e:
            db.session.rollback()
            form[e.field or "name"].errors = [*form[e.field or "name"].errors, e.message]
        else:
            db.session.commit()
            flash(_("Đã thêm xếp loại “%(n)s”.", n=grade.name), "success")
            return see_other("year.catalogue", _anchor=f"grade-{grade.id}")
    return _page(status=422, add_form=form)


@bp.post("/catalogue/grades/<int:grade_id>/rename")
@conflict_returns_to("year.catalogue")
def catalogue_grade_rename(grade_id):
    grade = _grade(grade_id)
    form = GradeNameForm(prefix=f"r{grade.id}")
    if form.validate_on_submit():
        try:
            services.rename_grade(grade=grade, expected_version=form.version.data, name=form.name.data)
        except CatalogueError as e:
            db.session.rollback()
            form.name.errors = [*form.name.errors, e.message]
        else:
            db.session.commit()
            flash(_("Đã đổi tên xếp loại."), "success")
            return see_other("year.catalogue", _anchor=f"grade-{grade.id}")
    return _page(status=422, rename={grade.id: form})


@bp.post("/catalogue/grades/<int:grade_id>/active")
@conflict_returns_to("year.catalogue")
def catalogue_grade_active(grade_id):
    grade = _grade(grade_id)
    form = ToggleForm()
    if form.validate_on_submit():
        active = request.form.get("active") == "1"
        try:
            services.set_grade_active(grade=grade, expected_version=form.version.data, active=active)
        except CatalogueError as e:
            db.session.rollback()
            return _page(status=422, error=e.message)
        db.session.commit()
        flash(_("Đã dùng lại xếp loại “%(n)s”.", n=grade.name) if active else
              _("Đã thôi dùng xếp loại “%(n)s”: những người đã được xếp loại này vẫn giữ nguyên.", n=grade.name), "success")
    return see_other("year.catalogue", _anchor=f"grade-{grade.id}")


@bp.post("/catalogue/rules")
@conflict_returns_to("year.catalogue")
def catalogue_rules():
    authorize(perm.can_manage_catalogue(current_user))
    lines = q.rule_lines(q.rule_rows())
    values, versions, typed, errors = read_rules(request.form, lines)
    if errors or not ToggleForm().validate_on_submit():
        return _page(status=422, typed=typed, errors=errors)
    changed = services.set_rules(values=values, versions=versions, user=current_user)
    db.session.commit()
    flash(_("Đã lưu %(n)s thông số.", n=len(changed)) if changed else _("Không có thông số nào thay đổi."),
          "success" if changed else "info")
    return see_other("year.catalogue", _anchor="rules")

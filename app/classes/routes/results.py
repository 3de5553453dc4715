"""Results: the scores sheet and finishing the class (freezing who passed, numbering the certificates)."""
from flask import flash, request
from flask_babel import gettext as _
from flask_login import current_user

from ...errors import conflict_returns_to
from ...extensions import db
from ...web import render, see_other
from .. import bp, permissions, queries, services
from ..forms import parse_results
from ..rules import finish_problem


@bp.route("/<int:class_id>/results", methods=["GET", "POST"])
def results(class_id):
    klass = queries.get_class_for(current_user, class_id, "view" if request.method == "GET" else "edit")
    people = queries.enrolments(klass)
    sessions = klass.sessions
    errors, typed = {}, {}
    if request.method == "POST":
        rows, errors = parse_results(request.form, people)
        if not errors:
            n = services.save_results(klass=klass, rows=rows)
            db.session.commit()
            flash(_("Đã lưu kết quả (%(n)s người thay đổi).", n=n), "success")
            return see_other("classes.results", class_id=klass.id)
        typed = request.form
    can_edit = permissions.can_edit_class(current_user, klass)
    return render("classes/results.html", status=422 if errors else 200, klass=klass,
                  rows=queries.results(klass, people, sessions), sessions=sessions, errors=errors, typed=typed,
                  can_edit=can_edit, can_finish=can_edit and bool(sessions))


@bp.post("/<int:class_id>/finish")
@conflict_returns_to("classes.results")
def finish(class_id):
    klass = queries.get_class_for(current_user, class_id, "edit")
    sessions = klass.sessions
    problem = finish_problem(sessions)
    if problem:
        flash(problem, "error")
        return see_other("classes.results", class_id=klass.id)
    rows = queries.results(klass, queries.enrolments(klass), sessions)
    n = services.finish_class(klass=klass, expected_version=request.form.get("version", type=int), results=rows)
    db.session.commit()
    flash(_("Đã kết thúc lớp: %(n)s/%(t)s người đạt. Có thể in giấy chứng nhận.", n=n, t=len(rows)), "success")
    return see_other("classes.results", class_id=klass.id)

"""A class's sessions: add, edit, cancel."""
from flask import flash, request
from flask_babel import gettext as _
from flask_login import current_user

from ...errors import conflict_returns_to
from ...extensions import db
from ...web import render, see_other
from .. import bp, queries, services
from ..forms import SessionCancelForm, SessionForm


@bp.route("/<int:class_id>/sessions/new", methods=["GET", "POST"])
def session_new(class_id):
    klass = queries.get_class_for(current_user, class_id, "edit")
    form = SessionForm(klass=klass)
    if request.method == "GET" and not form.held_on.data:
        form.held_on.data = klass.starts_on
    if form.validate_on_submit():
        services.add_session(klass=klass, held_on=form.held_on.data, starts_at=form.starts_at.data,
                             topic=form.topic.data, lecturer=form.lecturer.data)
        db.session.commit()
        flash(_("Đã thêm buổi học."), "success")
        if request.form.get("again"):
            return see_other("classes.session_new", class_id=klass.id)
        return see_other("classes.detail", class_id=klass.id)
    return render("classes/session_form.html", form=form, klass=klass, session=None)


@bp.route("/<int:class_id>/sessions/<int:class_session_id>/edit", methods=["GET", "POST"])
def session_edit(class_id, class_session_id):
    klass = queries.get_class_for(current_user, class_id, "edit")
    session = queries.get_session_in(klass, class_session_id)
    form = SessionForm(obj=session, klass=klass)
    if form.validate_on_submit():
        services.update_session(session=session, expected_version=form.version.data, held_on=form.held_on.data,
                                starts_at=form.starts_at.data, topic=form.topic.data, lecturer=form.lecturer.data or None)
        db.session.commit()
        flash(_("Đã lưu buổi học."), "success")
        return see_other("classes.detail", class_id=klass.id)
    return render("classes/session_form.html", form=form, klass=klass, session=session,
                  cancel_form=SessionCancelForm(obj=session, formdata=None))


@bp.post("/<int:class_id>/sessions/<int:class_session_id>/cancel")
@conflict_returns_to("classes.session_edit")
def session_cancel(class_id, class_session_id):
    klass = queries.get_class_for(current_user, class_id, "edit")
    session = queries.get_session_in(klass, class_session_id)
    form = SessionCancelForm()
    if form.validate():
        try:
            services.cancel_session(session=session, reason=form.cancel_reason.data, expected_version=form.version.data)
        except services.SessionHasMarks:
            db.session.rollback()
            form.cancel_reason.errors = [
                _("Buổi học đã có điểm danh — không hủy được. Hãy sửa ngày hoặc nội dung thay vì hủy.")]
        else:
            db.session.commit()
            flash(_("Đã hủy buổi học ngày %(d)s.", d=session.held_on.strftime("%d/%m/%Y")), "success")
            return see_other("classes.detail", class_id=klass.id)
    return render("classes/session_form.html", status=422, form=SessionForm(obj=session, klass=klass, formdata=None),
                  klass=klass, session=session, cancel_form=form)

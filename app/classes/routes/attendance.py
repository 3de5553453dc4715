"""Attendance: a session's list (all at once, or one tap per person) and the class's attendance log."""
from datetime import date

from flask import abort, flash, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from ...extensions import db
from ...web import is_partial, render, see_other
from .. import bp, permissions, queries, services
from ..models import ATTENDANCE, ATTENDANCE_SHORT


def _attendance_ctx(klass, session):
    people = queries.enrolments(klass)
    marks = queries.session_marks(session)
    return dict(klass=klass, session=session, people=people, marks=marks, short=ATTENDANCE_SHORT,
                upcoming=session.held_on > date.today(), **queries.attendance_counts(people, marks),
                can_mark=permissions.can_edit_class(current_user, klass) and session.held_on <= date.today())


@bp.route("/<int:class_id>/sessions/<int:class_session_id>/attendance", methods=["GET", "POST"])
def attendance(class_id, class_session_id):
    klass = queries.get_class_for(current_user, class_id, "edit" if request.method == "POST" else "view")
    session = queries.get_session_in(klass, class_session_id)
    if request.method == "POST":
        if session.held_on > date.today():
            flash(_("Buổi học ngày %(d)s chưa diễn ra — chưa điểm danh được.", d=session.held_on.strftime("%d/%m/%Y")),
                  "error")
            return see_other("classes.attendance", class_id=klass.id, class_session_id=session.id)
        people = queries.enrolments(klass)
        fill = request.form.get("all") if request.form.get("all") in ATTENDANCE else None
        changed = services.mark_all(session=session, people=people, fill=fill,
                                    statuses={e.id: request.form.get(f"status_{e.id}") for e in people},
                                    marks=queries.session_marks(session) if fill else {})
        db.session.commit()
        flash(_("Đã lưu điểm danh (%(n)s thay đổi).", n=changed), "success")
        return see_other("classes.attendance", class_id=klass.id, class_session_id=session.id)
    return render("classes/attendance.html", **_attendance_ctx(klass, session))


@bp.post("/<int:class_id>/sessions/<int:class_session_id>/attendance/<int:enrolment_id>")
def mark(class_id, class_session_id, enrolment_id):
    """One tap: set one person's mark. htmx gets the row back; without JS, back to the list at that row."""
    klass = queries.get_class_for(current_user, class_id, "edit")
    session = queries.get_session_in(klass, class_session_id)
    e = queries.get_enrolment_in(klass, enrolment_id)
    status = request.form.get(f"status_{e.id}") or request.form.get("status")
    if e.status != "enrolled" or status not in ATTENDANCE:
        abort(400)
    if session.held_on > date.today():
        abort(400)  # the page shows no tap buttons for a session still to come
    row, _changed = services.set_attendance(session=session, enrolment=e, status=status)
    db.session.commit()
    if is_partial():  # the row, and the counts above the list out of band
        return render_template("classes/_attendance_row.html", e=e, a=row, short=ATTENDANCE_SHORT, klass=klass,
                               session=session, can_mark=True, oob_counts=True,
                               **queries.attendance_counts(queries.enrolments(klass), queries.session_marks(session)))
    return see_other("classes.attendance", class_id=klass.id, class_session_id=session.id, _anchor=f"e{e.id}")


@bp.get("/<int:class_id>/attendance-log")
def attendance_log(class_id):
    """A stable page of the class's attendance records — who marked each and when (inspectors link here)."""
    klass = queries.get_class_for(current_user, class_id, "view")
    return render("classes/attendance_log.html", klass=klass, page=queries.attendance_log(klass),
                  changes=queries.attendance_changes(klass), statuses=ATTENDANCE)

"""A person's history events and posts; the maturity list (30 and over) and the removal proposals."""
from datetime import date

from flask import abort, flash, request
from flask_babel import gettext as _
from flask_login import current_user

from ...extensions import db
from ...units.queries import get_ancestors
from ...web import paginate, render, see_other
from .. import bp, permissions, queries, services
from ..forms import EventForm, MaturityForm, PostForm, RemovalDecisionForm
from ..models import EVENT_KINDS, POSTS
from .common import pending_transfer, unit_arg


@bp.route("/<int:person_id>/event/<event_kind>", methods=["GET", "POST"])
def event(person_id, event_kind):
    person = queries.get_person_for(current_user, person_id, "event")
    if event_kind not in services.HISTORY_KINDS:
        abort(404)
    pending = services.open_transfer(person) if event_kind != "confirmed" else None
    if pending is not None:
        return pending_transfer(person, pending)
    form = EventForm(obj=person, kind=event_kind, person=person)
    if request.method == "GET":
        form.on.data = date.today()
    if form.validate_on_submit():
        try:
            services.record_event(person=person, kind=event_kind, on=form.on.data, reason=form.reason.data,
                                  detail=form.detail.data, expected_version=form.version.data)
        except services.EventNotAllowed:
            db.session.rollback()
            flash(_("Không ghi được: tình trạng hiện tại của %(name)s là “%(s)s”.", name=person.full_name,
                    s=person.status_label), "warning")
            return see_other("members.detail", person_id=person_id)
        db.session.commit()
        flash(_("Đã ghi: %(k)s.", k=EVENT_KINDS[event_kind]), "success")
        return see_other("members.detail", person_id=person_id)
    return render("members/event.html", form=form, person=person, kind=event_kind, kind_label=EVENT_KINDS[event_kind],
                  allowed=services.event_allowed(person, event_kind), ancestors=get_ancestors(person.unit) + [person.unit])


@bp.route("/<int:person_id>/posts", methods=["GET", "POST"])
def posts(person_id):
    person = queries.get_person_for(current_user, person_id, "event")
    form = PostForm()
    if request.method == "GET":
        form.on.data = date.today()
    if form.validate_on_submit():
        if form.action.data == "end":
            services.end_post(person=person, post=form.post.data, on=form.on.data)
        elif person.on_roll:
            services.start_post(person=person, post=form.post.data, on=form.on.data)
        db.session.commit()
        flash(_("Đã ghi chức vụ."), "success")
        return see_other("members.detail", person_id=person_id)
    return render("members/posts.html", form=form, person=person,
                  current=queries.current_posts([person.id]).get(person.id, {}), POSTS=POSTS,
                  ancestors=get_ancestors(person.unit) + [person.unit])


# ---- maturity and removal ---------------------------------------------------------------------------------------
@bp.route("/maturity", methods=["GET", "POST"])
def maturity():
    unit = unit_arg(permissions.OFFICER)
    form = MaturityForm()
    if request.method == "GET":
        form.on.data = date.today()
    chosen = [int(x) for x in request.form.getlist("person") if x.isdigit()]
    if form.validate_on_submit():
        people = queries.people_to_mature(current_user, chosen)
        if not people:
            form.on.errors = [_("Hãy đánh dấu ít nhất một người.")]
        else:
            done = services.mature_people(people=people, on=form.on.data, reason=form.reason.data)
            db.session.commit()
            flash(_("Đã ghi trưởng thành cho %(n)s người.", n=len(done)), "success")
            return see_other("members.maturity", unit=unit.id if unit else None)
    page = paginate(queries.maturity_stmt(current_user, unit), per_page=100)
    return render("members/maturity.html", form=form, page=page, unit=unit,
                  chosen=set(chosen), year=date.today().year,
                  can_manage=permissions.can_manage_people_in(current_user, unit))


@bp.get("/removal")
def removal():
    unit = unit_arg(permissions.OFFICER)
    stmt = queries.removal_stmt(current_user, unit)
    page = paginate(stmt) if stmt is not None else None
    return render("members/removal.html", page=page, unit=unit,
                  can_manage=permissions.can_manage_people_in(current_user, unit))


@bp.route("/<int:person_id>/removal", methods=["GET", "POST"])
def removal_decision(person_id):
    person = queries.get_person_for(current_user, person_id, "event")
    form = RemovalDecisionForm()
    if request.method == "GET":
        form.on.data = date.today()
    if form.validate_on_submit():
        try:
            services.decide_removal(person=person, remove=form.decision.data == "remove", on=form.on.data,
                                    reason=form.reason.data)
        except services.EventNotAllowed:
            db.session.rollback()
            flash(_("%(name)s không còn trong danh sách sinh hoạt.", name=person.full_name), "warning")
            return see_other("members.removal")
        db.session.commit()
        flash(_("Đã ghi quyết định cho %(name)s.", name=person.full_name), "success")
        return see_other("members.removal")
    return render("members/removal_decision.html", form=form, person=person,
                  ancestors=get_ancestors(person.unit) + [person.unit])

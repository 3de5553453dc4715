"""Who is in a class: the people page, enrolling (one, several, a whole branch, a youth new to the registry),
withdrawing."""
import uuid

from flask import abort, flash, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from ...extensions import db
from ...web import render, see_other
from .. import bp, permissions, queries, services
from ..forms import NewYouthForm

MAX_PICKED = 300  # ticked boxes read from one submit


def _people_page(klass, status=200, error=None, youth_form=None):
    scope = queries.scope_units(klass)
    can_edit = permissions.can_edit_class(current_user, klass)
    q = (request.args.get("q") or "").strip()[:100]
    found = queries.search_people(klass, current_user, q, scope=scope) if (q and can_edit) else []
    # a sympathizer class does not list Union members: say they were found, and why they are not offered
    members = queries.search_people(klass, current_user, q, scope=scope, members_only=True) \
        if (q and can_edit and klass.kind == "sympathizer") else []
    refused = {p.id: services.refusal_reason(klass, p) for p, _st in found}
    cadres = None
    if can_edit and request.args.get("filter") == "cadres":
        cadres = queries.untrained_cadres(klass, current_user, scope=scope)
    branches = queries.eligible_branches(klass, current_user, scope=scope) if can_edit else []
    if youth_form is None:
        youth_form = NewYouthForm(branches=branches, formdata=None)
        youth_form.form_token.data = uuid.uuid4().hex
    people = queries.enrolments(klass, include_withdrawn=True)
    return render("classes/people.html", block="results", status=status, klass=klass, q=q, found=found, cadres=cadres,
                  members=[p for p, _st in members], refused=refused,
                  branches=branches, youth_form=youth_form, people=people, error=error, can_edit=can_edit,
                  enrolled=sum(1 for e in people if e.status == "enrolled"))


@bp.get("/<int:class_id>/people")
def people(class_id):
    klass = queries.get_class_for(current_user, class_id, "view")
    return _people_page(klass)


def _after_enrol(klass):
    back = request.form.get("back")
    if back in ("search", "cadres"):
        args = {"q": request.form.get("q")} if back == "search" else {"filter": "cadres"}
        return see_other("classes.people", class_id=klass.id, **{k: v for k, v in args.items() if v})
    return see_other("classes.people", class_id=klass.id)


@bp.post("/<int:class_id>/people/add")
def enrol_person(class_id):
    klass = queries.get_class_for(current_user, class_id, "edit")
    # "one": a row's own button inside the search results form (whose ticked boxes are "person_id")
    pid = request.form.get("one", type=int) or request.form.get("person_id", type=int)
    person = queries.eligible_person(klass, current_user, pid)
    if person is None:
        abort(404)
    try:
        services.enrol(klass=klass, person=person, retry_ok=True)
        db.session.commit()
    except IntegrityError:  # SQLite: a twin tap enrolled the person a moment ago — what was asked is done
        db.session.rollback()
        if queries.enrolment_status(klass, person) != "enrolled":
            raise
    except services.EnrolError as err:
        db.session.rollback()
        return _people_page(klass, status=422, error=str(err))
    flash(_("Đã ghi danh %(name)s.", name=person.full_name), "success")
    return _after_enrol(klass)


def _enrol_all(klass, people, done_message):
    """Enrol a list; (number enrolled, None) when done, (None, the 422 page) when refused as a whole."""
    try:
        n, refused = services.enrol_many_reporting(klass=klass, people=people)
        db.session.commit()
    except services.EnrolError as err:
        db.session.rollback()
        return _people_page(klass, status=422, error=str(err))
    except IntegrityError:
        db.session.rollback()
        return _people_page(klass, status=422, error=_("Có người đã được ghi danh cùng lúc — hãy thử lại."))
    if refused and not n:
        return _people_page(klass, status=422, error=services.refused_message(refused))
    flash(done_message(n), "success")
    if refused:
        flash(services.refused_message(refused), "warning")
    return None


@bp.post("/<int:class_id>/people/add-many")
def enrol_many(class_id):
    klass = queries.get_class_for(current_user, class_id, "edit")
    ids = {int(x) for x in request.form.getlist("person_id") if x.isdigit()}
    scope = queries.scope_units(klass)
    people = [p for p in (queries.eligible_person(klass, current_user, i, scope=scope)
                          for i in sorted(ids)[:MAX_PICKED]) if p]
    if not people:
        return _people_page(klass, status=422, error=_("Chưa chọn người nào."))
    refusal = _enrol_all(klass, people, lambda n: _("Đã ghi danh %(n)s người.", n=n))
    return refusal or _after_enrol(klass)


@bp.post("/<int:class_id>/people/branch")
def enrol_branch(class_id):
    klass = queries.get_class_for(current_user, class_id, "edit")
    branch_id = request.form.get("branch_id", type=int)
    branch = next((b for b in queries.eligible_branches(klass, current_user) if b.id == branch_id), None)
    if branch is None:
        return _people_page(klass, status=422, error=_("Vui lòng chọn một chi đoàn trong phạm vi của lớp."))
    people = queries.branch_people(branch)
    if not people:
        return _people_page(klass, status=422, error=_("%(b)s chưa có ai trong sổ.", b=branch.name))
    refusal = _enrol_all(klass, people, lambda n: _(
        "Đã ghi danh %(n)s người của %(b)s (người đã có trong lớp được bỏ qua).", n=n, b=branch.name))
    return refusal or see_other("classes.people", class_id=klass.id)


@bp.post("/<int:class_id>/people/new")
def enrol_new(class_id):
    klass = queries.get_class_for(current_user, class_id, "edit")
    branches = queries.eligible_branches(klass, current_user)
    form = NewYouthForm(branches=branches)
    if not form.validate():
        return _people_page(klass, status=422, youth_form=form)
    done = services.find_token(form.form_token.data)
    if done is not None:  # the same form sent twice: the same answer
        flash(_("Đã ghi vào sổ thanh niên và ghi danh %(name)s.", name=done.person.full_name), "success")
        return see_other("classes.people", class_id=klass.id)
    try:
        e = services.enrol_new_youth(klass=klass, branch=form.branches[form.branch_id.data],
                                     full_name=form.full_name.data, birth_date=form.birth_date.data,
                                     phone=form.phone.data, form_token=form.form_token.data or None)
        db.session.commit()
    except services.EnrolError as err:
        db.session.rollback()
        form.full_name.errors = list(form.full_name.errors) + [str(err)]
        return _people_page(klass, status=422, youth_form=form)
    except IntegrityError:  # a parallel submit of the same form won
        db.session.rollback()
        e = services.find_token(form.form_token.data)
        if e is None:
            raise
    flash(_("Đã ghi vào sổ thanh niên và ghi danh %(name)s.", name=e.person.full_name), "success")
    return see_other("classes.people", class_id=klass.id)


@bp.post("/<int:class_id>/people/<int:enrolment_id>/withdraw")
def withdraw(class_id, enrolment_id):
    klass = queries.get_class_for(current_user, class_id, "edit")
    e = queries.get_enrolment_in(klass, enrolment_id)
    if e.status == "enrolled":
        services.withdraw(enrolment=e)
        db.session.commit()
        flash(_("%(name)s đã rút khỏi lớp. Có thể ghi danh lại khi cần.", name=e.person.full_name), "success")
    return see_other("classes.people", class_id=klass.id)

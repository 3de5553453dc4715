"""Thin routes: parse, load-then-authorise, call a service, commit once, answer 303 / 422 / fragment."""
import time
import uuid
from datetime import date
from decimal import Decimal, InvalidOperation

from flask import abort, current_app, flash, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from werkzeug.routing import BuildError

from ..access import has_role, scope_paths
from ..errors import ConflictError
from ..extensions import db
from ..pdf import pdf_response, render_pdf
from ..units.models import utcnow
from ..units.queries import get_ancestors, get_unit_for
from ..errors import conflict_page as _conflict
from ..web import arg_int, is_partial, paginate, render, see_other
from . import bp, permissions, queries, services
from .forms import CaseForm, ClassForm, NewYouthForm, SessionCancelForm, SessionForm
from .models import ATTENDANCE, ATTENDANCE_SHORT, KINDS, STATUSES
from .rules import check_case


def _year():
    return arg_int("year", date.today().year, lo=2000, hi=2100)


# ---- lists -------------------------------------------------------------------------------------------------
@bp.get("/")
def index():
    status = request.args.get("status") if request.args.get("status") in STATUSES else None
    kind = request.args.get("kind") if request.args.get("kind") in KINDS else None
    year = _year() if request.args.get("year") != "" else None
    q = (request.args.get("q") or "").strip()[:100]
    page = queries.paged_rows(queries.classes_stmt(current_user, year=year, status=status, kind=kind, q=q))
    return render("classes/index.html", block="results", page=page, mine=queries.my_classes(current_user),
                  upcoming=queries.upcoming_sessions(current_user), year=year, status=status, kind=kind, q=q,
                  can_create=bool(scope_paths(current_user, "organizer")), statuses=STATUSES, kinds=KINDS)


@bp.get("/units/<int:unit_id>")
def unit_classes(unit_id):
    unit = get_unit_for(current_user, unit_id, "view")
    year = _year()
    page = queries.paged_rows(queries.classes_stmt(current_user, year=year, unit=unit), per_page=50)
    return render("classes/unit.html", unit=unit, year=year, numbers=queries.unit_numbers(unit, year), page=page,
                  ancestors=get_ancestors(unit))


WHAT = {"trained": _l("Lượt học viên"), "passed": _l("Hoàn thành (đạt)"), "admitted": _l("Kết nạp đoàn viên")}


@bp.get("/units/<int:unit_id>/people")
def unit_people(unit_id):
    unit = get_unit_for(current_user, unit_id, "view")
    year = _year()
    what = request.args.get("what") if request.args.get("what") in WHAT else "trained"
    page = paginate(queries.unit_people_stmt(unit, year, what), per_page=50)
    # A branch officer sees the branch's people trained by the commune's class but may not open that class:
    # those rows lead to the person instead of a 403.
    paths = scope_paths(current_user)
    class_open = {x.class_id for x in page.items if what != "admitted"
                  and any(x.training_class.unit_path.startswith(p) for p in paths)}
    return render("classes/unit_people.html", unit=unit, year=year, what=what, what_labels=WHAT, page=page,
                  class_open=class_open, ancestors=get_ancestors(unit))


def unit_panel_context(unit, user):
    year = date.today().year
    numbers = queries.unit_numbers(unit, year)
    return {"classes_numbers": numbers, "classes_year": year,
            "classes_can_create": has_role(user, unit, "organizer") and unit.level != "branch"}


# ---- a class ------------------------------------------------------------------------------------------------
@bp.route("/new", methods=["GET", "POST"])
def create():
    units = queries.organizer_units(current_user)
    if not units:
        abort(403)
    form = ClassForm(units=units)
    if request.method == "GET":
        pre = arg_int("unit")
        form.unit_id.data = pre if pre in form.units else units[0].id
        form.reflection_required.data = True
    if form.validate_on_submit():
        unit = form.units[form.unit_id.data]
        scope = [form.units[i] for i in (form.scope_unit_ids.data or [])] or [unit]
        klass = services.create_class(
            unit=unit, title=form.title.data, kind=form.kind.data, starts_on=form.starts_on.data, ends_on=form.ends_on.data,
            venue=form.venue.data, mode=form.mode.data, capacity=form.capacity.data,
            min_attendance_pct=form.min_attendance_pct.data, reflection_required=form.reflection_required.data,
            notes=form.notes.data, scope_units=scope)
        db.session.commit()
        flash(_("Đã tạo lớp «%(t)s». Hãy thêm các buổi học.", t=klass.title), "success")
        return see_other("classes.detail", class_id=klass.id)
    return render("classes/form.html", status=422 if form.is_submitted() else 200, form=form, klass=None)


@bp.route("/<int:class_id>/edit", methods=["GET", "POST"])
def edit(class_id):
    klass = queries.get_class_for(current_user, class_id, "edit")
    units = queries.organizer_units(current_user)
    form = ClassForm(obj=klass, units=units, organizers=queries.organizer_accounts(klass.unit), klass=klass)
    form.enrolled = queries.enrolled_count(klass)
    if form.validate_on_submit():
        scope = [form.units[i] for i in (form.scope_unit_ids.data or [])] or [klass.unit]
        organizers = [form.organizers[i] for i in form.organizer_ids.data]
        try:
            services.update_class(
                klass=klass, expected_version=form.version.data, scope_units=scope, organizers=organizers,
                title=form.title.data, kind=form.kind.data, starts_on=form.starts_on.data, ends_on=form.ends_on.data,
                venue=form.venue.data, mode=form.mode.data, capacity=form.capacity.data, status=form.status.data,
                min_attendance_pct=form.min_attendance_pct.data, reflection_required=form.reflection_required.data,
                notes=form.notes.data or None)
        except ConflictError:
            return _conflict(url_for("classes.edit", class_id=class_id))
        db.session.commit()
        flash(_("Đã lưu thay đổi."), "success")
        return see_other("classes.detail", class_id=klass.id)
    return render("classes/form.html", status=422 if form.is_submitted() else 200, form=form, klass=klass)


@bp.get("/<int:class_id>")
def detail(class_id):
    klass = queries.get_class_for(current_user, class_id, "view")
    sessions, organizers, scope, counts = queries.class_detail(klass)
    return render("classes/detail.html", klass=klass, sessions=sessions, organizers=organizers, scope=scope, counts=counts,
                  can_edit=permissions.can_edit_class(current_user, klass),
                  can_manage=permissions.can_manage_class(current_user, klass))


@bp.route("/<int:class_id>/sessions/new", methods=["GET", "POST"])
def session_new(class_id):
    klass = queries.get_class_for(current_user, class_id, "edit")
    form = SessionForm(klass=klass)
    if request.method == "GET" and not form.held_on.data:
        form.held_on.data = klass.starts_on
    if form.validate_on_submit():
        services.add_session(klass=klass, held_on=form.held_on.data, starts_at=form.starts_at.data, topic=form.topic.data,
                             lecturer=form.lecturer.data)
        db.session.commit()
        flash(_("Đã thêm buổi học."), "success")
        if request.form.get("again"):
            return see_other("classes.session_new", class_id=klass.id)
        return see_other("classes.detail", class_id=klass.id)
    return render("classes/session_form.html", status=422 if form.is_submitted() else 200, form=form, klass=klass, session=None)


@bp.route("/<int:class_id>/sessions/<int:class_session_id>/edit", methods=["GET", "POST"])
def session_edit(class_id, class_session_id):
    klass = queries.get_class_for(current_user, class_id, "edit")
    session = queries.get_session_in(klass, class_session_id)
    form = SessionForm(obj=session, klass=klass)
    if form.validate_on_submit():
        try:
            services.update_session(session=session, expected_version=form.version.data, held_on=form.held_on.data,
                                    starts_at=form.starts_at.data, topic=form.topic.data, lecturer=form.lecturer.data or None)
        except ConflictError:
            return _conflict(url_for("classes.session_edit", class_id=class_id, class_session_id=class_session_id))
        db.session.commit()
        flash(_("Đã lưu buổi học."), "success")
        return see_other("classes.detail", class_id=klass.id)
    return render("classes/session_form.html", status=422 if form.is_submitted() else 200, form=form, klass=klass,
                  session=session, cancel_form=SessionCancelForm(obj=session, formdata=None))


@bp.post("/<int:class_id>/sessions/<int:class_session_id>/cancel")
def session_cancel(class_id, class_session_id):
    klass = queries.get_class_for(current_user, class_id, "edit")
    session = queries.get_session_in(klass, class_session_id)
    form = SessionCancelForm()
    error = None
    if form.validate():
        try:
            services.cancel_session(session=session, reason=form.cancel_reason.data, expected_version=form.version.data)
        except ConflictError:
            return _conflict(url_for("classes.session_edit", class_id=class_id, class_session_id=class_session_id))
        except services.SessionHasMarks:
            db.session.rollback()
            error = _("Buổi học đã có điểm danh — không hủy được. Hãy sửa ngày hoặc nội dung thay vì hủy.")
        else:
            db.session.commit()
            flash(_("Đã hủy buổi học ngày %(d)s.", d=session.held_on.strftime("%d/%m/%Y")), "success")
            return see_other("classes.detail", class_id=klass.id)
    if error:
        form.cancel_reason.errors = [error]
    return render("classes/session_form.html", status=422, form=SessionForm(obj=session, klass=klass, formdata=None),
                  klass=klass, session=session, cancel_form=form)


# ---- enrolment ----------------------------------------------------------------------------------------------
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


@bp.post("/<int:class_id>/people/add-many")
def enrol_many(class_id):
    klass = queries.get_class_for(current_user, class_id, "edit")
    ids = {int(x) for x in request.form.getlist("person_id") if x.isdigit()}
    scope = queries.scope_units(klass)
    people = [p for p in (queries.eligible_person(klass, current_user, i, scope=scope) for i in sorted(ids)[:300]) if p]
    if not people:
        return _people_page(klass, status=422, error=_("Chưa chọn người nào."))
    try:
        n, refused = services.enrol_many_reporting(klass=klass, people=people)
        db.session.commit()
    except (services.EnrolError, IntegrityError) as err:
        db.session.rollback()
        return _people_page(klass, status=422, error=str(err) if isinstance(err, services.EnrolError) else _("Có người đã được ghi danh cùng lúc — hãy thử lại."))
    if refused and not n:
        return _people_page(klass, status=422, error=_refused_message(refused))
    flash(_("Đã ghi danh %(n)s người.", n=n), "success")
    if refused:
        flash(_refused_message(refused), "warning")
    return _after_enrol(klass)


def _refused_message(refused, shown=10):
    """"Not enrolled: A, B (reason); C (other reason)" — names first, so the officer knows whom to tell."""
    parts = []
    for reason, people in refused.items():
        names = ", ".join(p.full_name for p in people[:shown])
        if len(people) > shown:
            names += " " + _("và %(n)s người khác", n=len(people) - shown)
        parts.append(_("%(names)s: %(reason)s", names=names, reason=reason))
    return _("Không ghi danh %(n)s người — %(why)s.", n=sum(len(v) for v in refused.values()), why="; ".join(parts))


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
    try:
        n, refused = services.enrol_many_reporting(klass=klass, people=people)
        db.session.commit()
    except (services.EnrolError, IntegrityError) as err:
        db.session.rollback()
        return _people_page(klass, status=422, error=str(err) if isinstance(err, services.EnrolError) else _("Có người đã được ghi danh cùng lúc — hãy thử lại."))
    if refused and not n:
        return _people_page(klass, status=422, error=_refused_message(refused))
    flash(_("Đã ghi danh %(n)s người của %(b)s (người đã có trong lớp được bỏ qua).", n=n, b=branch.name), "success")
    if refused:
        flash(_refused_message(refused), "warning")
    return see_other("classes.people", class_id=klass.id)


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
        e = services.enrol_new_youth(klass=klass, branch=form.branches[form.branch_id.data], full_name=form.full_name.data,
                                     birth_date=form.birth_date.data, phone=form.phone.data,
                                     form_token=form.form_token.data or None)
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


# ---- attendance -----------------------------------------------------------------------------------------------
def _attendance_counts(people, marks):
    counts = {k: 0 for k in ATTENDANCE}
    for a in marks.values():
        counts[a.status] = counts.get(a.status, 0) + 1
    return dict(counts=counts, unmarked=len(people) - sum(1 for e in people if e.id in marks), statuses=ATTENDANCE)


def _attendance_ctx(klass, session):
    people = queries.enrolments(klass)
    marks = queries.session_marks(session)
    return dict(klass=klass, session=session, people=people, marks=marks, short=ATTENDANCE_SHORT,
                upcoming=session.held_on > date.today(), **_attendance_counts(people, marks),
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
        marks = queries.session_marks(session) if fill else {}
        changed = 0
        for e in people:
            status = request.form.get(f"status_{e.id}")
            if status not in ATTENDANCE and fill and e.id not in marks:
                status = fill
            if status in ATTENDANCE:
                _row, did = services.set_attendance(session=session, enrolment=e, status=status)
                changed += did
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
                               **_attendance_counts(queries.enrolments(klass), queries.session_marks(session)))
    return see_other("classes.attendance", class_id=klass.id, class_session_id=session.id, _anchor=f"e{e.id}")


@bp.get("/<int:class_id>/attendance-log")
def attendance_log(class_id):
    """A stable page of the class's attendance records — who marked each and when (inspectors link here)."""
    klass = queries.get_class_for(current_user, class_id, "view")
    return render("classes/attendance_log.html", klass=klass, page=queries.attendance_log(klass),
                  changes=queries.attendance_changes(klass), statuses=ATTENDANCE)


# ---- results -----------------------------------------------------------------------------------------------------
def _parse_score(text):
    text = (text or "").strip().replace(",", ".")
    if not text:
        return None, None
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None, _("Điểm phải là số, ví dụ 8 hoặc 7,5.")
    if value < 0 or value > 10:
        return None, _("Điểm từ 0 đến 10.")
    return value.quantize(Decimal("0.01")), None


@bp.route("/<int:class_id>/results", methods=["GET", "POST"])
def results(class_id):
    klass = queries.get_class_for(current_user, class_id, "view" if request.method == "GET" else "edit")
    people = queries.enrolments(klass)
    sessions = klass.sessions
    errors, typed = {}, {}
    if request.method == "POST":
        rows = []
        for e in people:
            if f"v_{e.id}" not in request.form:
                continue
            score, err = _parse_score(request.form.get(f"score_{e.id}"))
            remarks = (request.form.get(f"remarks_{e.id}") or "").strip()
            if err:
                errors[f"score_{e.id}"] = err
            if len(remarks) > 300:
                errors[f"remarks_{e.id}"] = _("Tối đa 300 ký tự.")
            rows.append((e, request.form.get(f"v_{e.id}", type=int), score, request.form.get(f"refl_{e.id}") == "1", remarks))
        if not errors:
            try:
                n = services.save_results(klass=klass, rows=rows)
            except ConflictError:
                return _conflict(url_for("classes.results", class_id=class_id))
            db.session.commit()
            flash(_("Đã lưu kết quả (%(n)s người thay đổi).", n=n), "success")
            return see_other("classes.results", class_id=klass.id)
        typed = request.form
    result_rows = queries.results(klass, people, sessions)
    return render("classes/results.html", status=422 if errors else 200, klass=klass, rows=result_rows, sessions=sessions,
                  errors=errors, typed=typed, can_edit=permissions.can_edit_class(current_user, klass),
                  can_finish=permissions.can_edit_class(current_user, klass) and bool(sessions))


@bp.post("/<int:class_id>/finish")
def finish(class_id):
    klass = queries.get_class_for(current_user, class_id, "edit")
    sessions = klass.sessions
    if not sessions:
        flash(_("Lớp chưa có buổi học nào — chưa thể kết thúc."), "error")
        return see_other("classes.results", class_id=klass.id)
    last = max(s.held_on for s in sessions)
    if last > date.today():
        flash(_("Buổi học cuối (%(d)s) chưa diễn ra — chưa thể kết thúc lớp.", d=last.strftime("%d/%m/%Y")), "error")
        return see_other("classes.results", class_id=klass.id)
    rows = queries.results(klass, queries.enrolments(klass), sessions)
    try:
        n = services.finish_class(klass=klass, expected_version=request.form.get("version", type=int), results=rows)
    except ConflictError:
        return _conflict(url_for("classes.results", class_id=class_id))
    db.session.commit()
    flash(_("Đã kết thúc lớp: %(n)s/%(t)s người đạt. Có thể in giấy chứng nhận.", n=n, t=len(rows)), "success")
    return see_other("classes.results", class_id=klass.id)


# ---- printables ----------------------------------------------------------------------------------------------------
def _printed():
    return utcnow()  # shown in Vietnam's time by date_vn


def _signin_ctx(klass, session):
    return dict(klass=klass, session=session, people=queries.enrolments(klass), printed_at=_printed(),
                sessions=klass.sessions)


@bp.get("/<int:class_id>/sessions/<int:class_session_id>/sign-in")
def signin(class_id, class_session_id):
    klass = queries.get_class_for(current_user, class_id, "view")
    session = queries.get_session_in(klass, class_session_id)
    return render("classes/print_preview.html", doc="signin", **_signin_ctx(klass, session),
                  pdf_url=url_for("classes.signin_pdf", class_id=klass.id, class_session_id=session.id))


@bp.get("/<int:class_id>/sessions/<int:class_session_id>/sign-in.pdf")
def signin_pdf(class_id, class_session_id):
    klass = queries.get_class_for(current_user, class_id, "view")
    session = queries.get_session_in(klass, class_session_id)
    started = time.perf_counter()
    data = render_pdf("classes/pdf/signin.html", **_signin_ctx(klass, session))
    resp = pdf_response(data, f"danh-sach-ky-ten-lop-{klass.id}-buoi-{session.id}.pdf")
    resp.headers["X-Render-Ms"] = str(round((time.perf_counter() - started) * 1000))
    return resp


def _grid_ctx(klass):
    people = queries.enrolments(klass)
    sessions = klass.sessions
    return dict(klass=klass, people=people, sessions=sessions, marks=queries.class_marks(klass),
                rows=queries.results(klass, people, sessions), short=ATTENDANCE_SHORT, printed_at=_printed())


@bp.get("/<int:class_id>/grid")
def grid(class_id):
    klass = queries.get_class_for(current_user, class_id, "view")
    return render("classes/print_preview.html", doc="grid", **_grid_ctx(klass),
                  pdf_url=url_for("classes.grid_pdf", class_id=klass.id))


@bp.get("/<int:class_id>/grid.pdf")
def grid_pdf(class_id):
    klass = queries.get_class_for(current_user, class_id, "view")
    return pdf_response(render_pdf("classes/pdf/grid.html", **_grid_ctx(klass)), f"bang-diem-danh-lop-{klass.id}.pdf")


def _certified(klass, enrolment_id=None):
    people = [e for e in queries.enrolments(klass) if e.passed and e.certificate_no] if klass.status == "finished" else []
    if enrolment_id is not None:
        people = [e for e in people if e.id == enrolment_id]
        if not people:
            abort(404)
    return sorted(people, key=lambda e: e.certificate_no)


@bp.get("/<int:class_id>/certificates")
def certificates(class_id):
    klass = queries.get_class_for(current_user, class_id, "view")
    return render("classes/print_preview.html", doc="certificate", klass=klass, people=_certified(klass),
                  printed_at=_printed(), pdf_url=url_for("classes.certificates_pdf", class_id=klass.id))


@bp.get("/<int:class_id>/certificates.pdf")
def certificates_pdf(class_id):
    klass = queries.get_class_for(current_user, class_id, "view")
    people = _certified(klass)
    if not people:
        abort(404)
    return pdf_response(render_pdf("classes/pdf/certificate.html", klass=klass, people=people),
                        f"giay-chung-nhan-lop-{klass.id}.pdf")


@bp.get("/<int:class_id>/people/<int:enrolment_id>/certificate")
def certificate(class_id, enrolment_id):
    klass = queries.get_class_for(current_user, class_id, "view")
    queries.get_enrolment_in(klass, enrolment_id)
    return render("classes/print_preview.html", doc="certificate", klass=klass, people=_certified(klass, enrolment_id),
                  printed_at=_printed(), pdf_url=url_for("classes.certificate_pdf", class_id=klass.id, enrolment_id=enrolment_id))


@bp.get("/<int:class_id>/people/<int:enrolment_id>/certificate.pdf")
def certificate_pdf(class_id, enrolment_id):
    klass = queries.get_class_for(current_user, class_id, "view")
    queries.get_enrolment_in(klass, enrolment_id)
    people = _certified(klass, enrolment_id)
    return pdf_response(render_pdf("classes/pdf/certificate.html", klass=klass, people=people),
                        f"giay-chung-nhan-{enrolment_id}.pdf")


# ---- admission ------------------------------------------------------------------------------------------------------
@bp.get("/<int:class_id>/admissions")
def class_admissions(class_id):
    klass = queries.get_class_for(current_user, class_id, "view")
    return render("classes/admissions.html", klass=klass, rows=queries.class_cases(klass),
                  can_manage=permissions.can_manage_class(current_user, klass))


@bp.post("/<int:class_id>/admissions/<int:enrolment_id>/open")
def open_case(class_id, enrolment_id):
    klass = queries.get_class_for(current_user, class_id, "manage")
    e = queries.get_enrolment_in(klass, enrolment_id)
    if not e.passed or e.person.member_type == "union" or not has_role(current_user, e.person.unit, "organizer"):
        abort(403)
    case = services.open_case(person=e.person, klass=klass, certificate_on=klass.finished_on)
    db.session.commit()
    return see_other("classes.case", admission_id=case.id)


def _case_form(case, formdata=True):
    decision_units = get_ancestors(case.branch)[::-1]
    kwargs = {} if formdata else {"formdata": None}
    return CaseForm(obj=case, sponsors=queries.sponsor_choices(case), decision_units=decision_units, **kwargs)


def _person_url(person):
    try:
        return url_for("members.detail", person_id=person.id)
    except BuildError:
        return None


@bp.route("/admissions/<int:admission_id>", methods=["GET", "POST"])
def case(admission_id):
    case = queries.get_case_for(current_user, admission_id, "edit" if request.method == "POST" else "view")
    form = _case_form(case)
    if request.method == "GET" and case.status == "open" and form.decision_unit_id.data is None and case.branch.parent_id:
        form.decision_unit_id.data = case.branch.parent_id
    status = 200
    if form.is_submitted():
        status = 422
        if form.validate():
            values = form.values()
            sponsor = queries.person_in_scope(current_user, values["sponsor_id"]) if values["sponsor_id"] else None
            if request.form.get("_validate"):  # inline check from htmx: the rules' messages, nothing saved
                problems = check_case(values, person=case.person, sponsor=sponsor, final=bool(values.get("ceremony_on")))
                for field, msgs in problems.items():
                    getattr(form, field).errors = list(getattr(form, field).errors) + msgs
                return render("classes/case.html", status=422 if problems else 200, case=case, form=form,
                              person_url=None, can_edit=True, can_toggle=False, ancestors=[])
            try:
                services.update_case(case=case, expected_version=form.version.data, values=values, sponsor=sponsor)
            except ConflictError:
                return _conflict(url_for("classes.case", admission_id=admission_id))
            except services.CaseRuleError as err:
                db.session.rollback()
                for field, msgs in err.errors.items():
                    getattr(form, field).errors = list(getattr(form, field).errors) + msgs
            else:
                db.session.commit()
                if case.status == "admitted":
                    flash(_("Đã kết nạp %(name)s vào Đoàn. Hồ sơ đoàn viên đã được cập nhật.", name=case.person.full_name), "success")
                else:
                    flash(_("Đã lưu hồ sơ kết nạp."), "success")
                return see_other("classes.case", admission_id=case.id)
    warnings = {}
    if status == 200 and case.status == "open":
        warnings = check_case({f: getattr(case, f) for f in CaseForm.VALUE_FIELDS}, person=case.person,
                              sponsor=case.sponsor)
        for field, msgs in warnings.items():
            getattr(form, field).errors = list(getattr(form, field).errors) + msgs
    return render("classes/case.html", status=status, case=case, form=form, person_url=_person_url(case.person),
                  can_edit=permissions.can_edit_case(current_user, case),
                  can_toggle=case.status != "admitted" and has_role(current_user, case.branch, "organizer"), ancestors=get_ancestors(case.branch) + [case.branch])


@bp.post("/admissions/<int:admission_id>/cancel")
def case_cancel(admission_id):
    case = queries.get_case_for(current_user, admission_id, "view")
    if not has_role(current_user, case.branch, "organizer") or case.status == "admitted":
        abort(403)
    try:
        if case.status == "open":
            services.cancel_case(case=case, expected_version=request.form.get("version", type=int))
        else:
            services.reopen_case(case=case, expected_version=request.form.get("version", type=int))
    except ConflictError:
        return _conflict(url_for("classes.case", admission_id=admission_id))
    db.session.commit()
    return see_other("classes.case", admission_id=case.id)


def _checklist_ctx(case):
    values = {f: getattr(case, f) for f in CaseForm.VALUE_FIELDS}
    return dict(case=case, problems=check_case(values, person=case.person, sponsor=case.sponsor), printed_at=_printed(),
                cert=queries.certificate_of(case.person_id))


@bp.get("/admissions/<int:admission_id>/checklist")
def checklist(admission_id):
    case = queries.get_case_for(current_user, admission_id, "view")
    return render("classes/print_preview.html", doc="checklist", **_checklist_ctx(case),
                  pdf_url=url_for("classes.checklist_pdf", admission_id=case.id))


@bp.get("/admissions/<int:admission_id>/checklist.pdf")
def checklist_pdf(admission_id):
    case = queries.get_case_for(current_user, admission_id, "view")
    return pdf_response(render_pdf("classes/pdf/checklist.html", **_checklist_ctx(case)), f"ho-so-ket-nap-{case.id}.pdf")

"""Writes for classes, enrolment, attendance, results and admission. Keyword-only; they flush, the route commits."""
from datetime import date

from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from ..audit.services import record, snapshot
from ..errors import check_version
from ..extensions import db
from ..locks import lock_rows
from ..members.models import Person
from ..members.services import admit_member, register_youth
from ..text import fold, nfc
from ..units.models import utcnow
from .models import ATTENDANCE, AdmissionCase, Attendance, ClassOrganizer, ClassScopeUnit, ClassSession, Enrolment, TrainingClass
from .queries import enrolled_count
from .rules import age_on, check_case

CLASS_FIELDS = ("kind", "title", "unit_id", "venue", "mode", "starts_on", "ends_on", "capacity", "status",
                "min_attendance_pct", "reflection_required", "notes", "finished_on")
SESSION_FIELDS = ("held_on", "starts_at", "topic", "lecturer")
RESULT_FIELDS = ("score", "reflection_received", "remarks", "passed", "attendance_pct", "certificate_no", "status")
CASE_FIELDS = ("status", "application_on", "history_on", "certificate_on", "sponsor_id", "sponsor_known_since", "meeting_on",
               "members_present", "votes_for", "decision_number", "decision_on", "decision_unit_id", "ceremony_on", "notes")


class EnrolError(Exception):
    """A refused enrolment, with the Vietnamese reason to show."""


def _user():
    return current_user if getattr(current_user, "is_authenticated", False) else None


# ---- classes ---------------------------------------------------------------------------------------------
def create_class(*, unit, title, kind, starts_on, ends_on, venue=None, mode="in_person", capacity=None,
                 min_attendance_pct=80, reflection_required=True, notes=None, status="planned", scope_units=(),
                 organizers=()):
    user = _user()
    klass = TrainingClass(unit_id=unit.id, unit_path=unit.path, title=nfc(title), kind=kind, starts_on=starts_on,
                          ends_on=ends_on, venue=nfc(venue) or None, mode=mode, capacity=capacity, status=status,
                          min_attendance_pct=min_attendance_pct, reflection_required=reflection_required,
                          notes=notes or None, created_by_id=user.id if user else None)
    db.session.add(klass)
    db.session.flush()
    for u in (scope_units or [unit]):
        db.session.add(ClassScopeUnit(class_id=klass.id, unit_id=u.id))
    ids = {o.id for o in organizers} or ({user.id} if user else set())
    for uid in sorted(ids):
        db.session.add(ClassOrganizer(class_id=klass.id, user_id=uid))
    db.session.flush()
    record(action="class.create", obj=klass, unit=unit, after=snapshot(klass, CLASS_FIELDS), summary=klass.title)
    return klass


def update_class(*, klass, expected_version, scope_units=None, organizers=None, **changes):
    check_version(klass, expected_version)
    before = snapshot(klass, CLASS_FIELDS)
    before["scope"] = sorted(s.unit_id for s in klass.scope_units)
    before["organizers"] = sorted(o.user_id for o in klass.organizers)
    for key, value in changes.items():
        if key in ("title", "venue"):
            value = nfc(value) or None if key == "venue" else nfc(value)
        setattr(klass, key, value)
    if scope_units is not None:
        wanted = {u.id for u in scope_units}
        klass.scope_units = [s for s in klass.scope_units if s.unit_id in wanted] + [
            ClassScopeUnit(unit_id=uid) for uid in sorted(wanted - {s.unit_id for s in klass.scope_units})]
    if organizers is not None:
        wanted = {u.id for u in organizers}
        klass.organizers = [o for o in klass.organizers if o.user_id in wanted] + [
            ClassOrganizer(user_id=uid) for uid in sorted(wanted - {o.user_id for o in klass.organizers})]
    klass.updated_at = utcnow()
    db.session.flush()
    after = snapshot(klass, CLASS_FIELDS)
    after["scope"] = sorted(s.unit_id for s in klass.scope_units)
    after["organizers"] = sorted(o.user_id for o in klass.organizers)
    record(action="class.update", obj=klass, unit=klass.unit, before=before, after=after, summary=klass.title)
    return klass


def _session_snapshot(s):
    snap = snapshot(s, SESSION_FIELDS)
    snap["starts_at"] = s.starts_at.strftime("%H:%M") if s.starts_at else None  # time is not JSON
    return snap


def add_session(*, klass, held_on, topic, starts_at=None, lecturer=None):
    s = ClassSession(class_id=klass.id, held_on=held_on, starts_at=starts_at, topic=nfc(topic), lecturer=nfc(lecturer) or None)
    db.session.add(s)
    db.session.flush()
    record(action="class.session_add", obj=s, unit=klass.unit, after=_session_snapshot(s), summary=klass.title)
    return s


def update_session(*, session, expected_version, **changes):
    check_version(session, expected_version)
    before = _session_snapshot(session)
    for key, value in changes.items():
        setattr(session, key, nfc(value) if isinstance(value, str) else value)
    db.session.flush()
    record(action="class.session_edit", obj=session, unit=session.training_class.unit, before=before,
           after=_session_snapshot(session), summary=session.training_class.title)
    return session


class SessionHasMarks(Exception):
    pass


def cancel_session(*, session, reason, expected_version):
    """A session added by mistake or called off: the row stays with its reason, it leaves the class's lists and
    rates. A session with attendance already marked cannot be cancelled (the marks would lose their meaning)."""
    check_version(session, expected_version)
    if db.session.scalar(select(func.count(Attendance.id)).where(Attendance.session_id == session.id)):
        raise SessionHasMarks()
    before = _session_snapshot(session)
    session.cancelled_at, session.cancel_reason = utcnow(), nfc(reason)
    db.session.flush()
    record(action="class.session_cancel", obj=session, unit=session.training_class.unit, before=before,
           after=dict(_session_snapshot(session), cancel_reason=session.cancel_reason), summary=session.training_class.title)
    return session


# ---- enrolment -------------------------------------------------------------------------------------------
def _lock_class(klass):
    # PostgreSQL: serialise enrolments of one class so capacity holds under concurrent taps.
    lock_rows(TrainingClass.id, [klass.id])  # SQLite too: the write lock, so the checks below read what is current


def _check_capacity(klass, adding=1):
    if klass.capacity is None:
        return
    taken = enrolled_count(klass)
    if taken + adding > klass.capacity:
        free = max(0, klass.capacity - taken)
        if adding == 1:
            raise EnrolError(_("Lớp đã đủ %(cap)s học viên — không thể ghi danh thêm. Hãy tăng sĩ số tối đa nếu cần.",
                               cap=klass.capacity))
        raise EnrolError(_("Cần %(n)s chỗ nhưng lớp chỉ còn %(free)s chỗ (sĩ số tối đa %(cap)s).", n=adding, free=free,
                           cap=klass.capacity))


def _too_old_for(klass, person):
    """A sympathizer class prepares admission, which needs age 16–30: someone past 30 at the start cannot join."""
    return klass.kind == "sympathizer" and person.birth_date is not None and age_on(person.birth_date, klass.starts_on) > 30


def enrol(*, klass, person, form_token=None, retry_ok=False):
    """Enrol one person. Refuses a duplicate or a full class with a Vietnamese message (EnrolError).

    retry_ok: the person's own "enrol" button — someone already enrolled is what was asked (the same tap sent
    again), so it answers as the first time instead of refusing."""
    if not klass.is_open:
        raise EnrolError(_("Lớp đã kết thúc hoặc đã hủy — không ghi danh thêm."))
    _lock_class(klass)
    existing = db.session.scalar(select(Enrolment).where(Enrolment.class_id == klass.id, Enrolment.person_id == person.id))
    if existing is not None and existing.status == "enrolled":
        if retry_ok:
            return existing
        raise EnrolError(_("%(name)s đã có trong danh sách lớp.", name=person.full_name))
    if klass.kind == "sympathizer" and person.member_type == "union":
        raise EnrolError(_("%(name)s đã là đoàn viên — lớp cảm tình Đoàn dành cho thanh niên chưa vào Đoàn.",
                           name=person.full_name))
    if _too_old_for(klass, person):
        raise EnrolError(_("%(name)s đã quá 30 tuổi khi lớp khai giảng — không thể kết nạp vào Đoàn.",
                           name=person.full_name))
    _check_capacity(klass)
    user = _user()
    if existing is not None:  # withdrawn earlier: back in the class, same row
        before = snapshot(existing, RESULT_FIELDS)
        existing.status = "enrolled"
        db.session.flush()
        record(action="class.reenrol", obj=existing, unit=klass.unit, before=before, after=snapshot(existing, RESULT_FIELDS),
               summary=f"{klass.title}: {person.full_name}")
        return existing
    e = Enrolment(class_id=klass.id, person_id=person.id, enrolled_by_id=user.id if user else None, form_token=form_token)
    db.session.add(e)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise EnrolError(_("%(name)s đã có trong danh sách lớp.", name=person.full_name)) from None
    record(action="class.enrol", obj=e, unit=klass.unit, after={"person_id": person.id, "class_id": klass.id},
           summary=f"{klass.title}: {person.full_name}")
    return e


def find_token(token):
    if not token:
        return None
    return db.session.scalar(select(Enrolment).where(Enrolment.form_token == token))


def enrol_new_youth(*, klass, branch, full_name, birth_date=None, phone=None, form_token=None):
    """Register a young person not yet on record (a youth of the branch) and enrol them."""
    done = find_token(form_token)
    if done is not None:  # the same form sent twice: already done
        return done
    if not klass.is_open:
        raise EnrolError(_("Lớp đã kết thúc hoặc đã hủy — không ghi danh thêm."))
    _lock_class(klass)
    done = find_token(form_token)  # look again once the class is ours: a twin sent at the same instant may have won
    if done is not None:
        return done
    _check_capacity(klass)
    twin = db.session.scalar(select(Person).where(Person.unit_id == branch.id, Person.name_key == fold(full_name),
                                                  Person.birth_date == birth_date).limit(1))
    if twin is not None:
        raise EnrolError(_("%(name)s (sinh %(d)s) đã có trong sổ của %(branch)s — hãy tìm và ghi danh từ danh sách.",
                           name=twin.full_name, d=birth_date.strftime("%d/%m/%Y") if birth_date else "?", branch=branch.name))
    person = register_youth(branch=branch, full_name=full_name, birth_date=birth_date, phone=(phone or "").strip() or None)
    return enrol(klass=klass, person=person, form_token=form_token)


def enrol_many(*, klass, people):
    """Enrol a list (a whole branch, the cadre filter): all or nothing against capacity; already enrolled skipped."""
    if not klass.is_open:
        raise EnrolError(_("Lớp đã kết thúc hoặc đã hủy — không ghi danh thêm."))
    _lock_class(klass)
    rows = db.session.execute(select(Enrolment.person_id, Enrolment.status).where(Enrolment.class_id == klass.id)).all()
    status = dict(rows)
    todo = [p for p in people if status.get(p.id) != "enrolled"  # members need no sympathizer class, over-30s can't join
            and not (klass.kind == "sympathizer" and p.member_type == "union") and not _too_old_for(klass, p)]
    if not todo:
        return 0
    _check_capacity(klass, len(todo))
    user = _user()
    for p in todo:
        if p.id in status:
            db.session.execute(update(Enrolment).where(Enrolment.class_id == klass.id, Enrolment.person_id == p.id)
                               .values(status="enrolled", version=Enrolment.version + 1))
        else:
            db.session.add(Enrolment(class_id=klass.id, person_id=p.id, enrolled_by_id=user.id if user else None))
    db.session.flush()
    record(action="class.enrol_many", obj=klass, unit=klass.unit, after={"person_ids": [p.id for p in todo]},
           summary=_("%(title)s: ghi danh %(n)s người", title=klass.title, n=len(todo)))
    return len(todo)


def refusal_reason(klass, person):
    """Why this class cannot take this person (a short Vietnamese reason), or None."""
    if klass.kind == "sympathizer" and person.member_type == "union":
        return _("đã là đoàn viên — không cần học lớp cảm tình Đoàn")
    if _too_old_for(klass, person):
        return _("đã quá 30 tuổi khi lớp khai giảng — không thể kết nạp vào Đoàn")
    return None


def enrol_many_reporting(*, klass, people):
    """enrol_many, and say who was refused and why: (number enrolled, {reason: [person, …]})."""
    refused = {}
    for p in people:
        reason = refusal_reason(klass, p)
        if reason:
            refused.setdefault(reason, []).append(p)
    return enrol_many(klass=klass, people=people), refused


def refused_message(refused, shown=10):
    """"Not enrolled: A, B (reason); C (other reason)" — names first, so the officer knows whom to tell."""
    parts = []
    for reason, people in refused.items():
        names = ", ".join(p.full_name for p in people[:shown])
        if len(people) > shown:
            names += " " + _("và %(n)s người khác", n=len(people) - shown)
        parts.append(_("%(names)s: %(reason)s", names=names, reason=reason))
    return _("Không ghi danh %(n)s người — %(why)s.", n=sum(len(v) for v in refused.values()), why="; ".join(parts))


def withdraw(*, enrolment):
    before = snapshot(enrolment, RESULT_FIELDS)
    enrolment.status = "withdrawn"
    db.session.flush()
    record(action="class.withdraw", obj=enrolment, unit=enrolment.training_class.unit, before=before,
           after=snapshot(enrolment, RESULT_FIELDS), summary=enrolment.person.full_name)
    return enrolment


# ---- attendance ------------------------------------------------------------------------------------------
def set_attendance(*, session, enrolment, status):
    """Set (not add) the mark of one person at one session. Returns (row, changed). Idempotent: the same tap
    twice changes nothing; two racing first taps meet the unique constraint and the second becomes an update."""
    user = _user()
    row = db.session.scalar(select(Attendance).where(Attendance.session_id == session.id,
                                                     Attendance.enrolment_id == enrolment.id))
    if row is None:
        row = Attendance(session_id=session.id, enrolment_id=enrolment.id, status=status,
                         marked_by_id=user.id if user else None)
        try:
            with db.session.begin_nested():
                db.session.add(row)
                db.session.flush()
        except IntegrityError:
            row = db.session.scalar(select(Attendance).where(Attendance.session_id == session.id,
                                                             Attendance.enrolment_id == enrolment.id))
        else:
            record(action="class.attendance", obj=row, unit=session.training_class.unit, before={"status": None},
                   after={"status": status, "session_id": session.id, "enrolment_id": enrolment.id},
                   summary=enrolment.person.full_name)
            return row, True
    if row.status == status:
        return row, False
    before = row.status
    row.status = status
    row.marked_by_id = user.id if user else None
    row.marked_at = utcnow()
    row.changes = (row.changes or 0) + 1
    db.session.flush()
    record(action="class.attendance", obj=row, unit=session.training_class.unit, before={"status": before},
           after={"status": status, "session_id": session.id, "enrolment_id": enrolment.id},
           summary=enrolment.person.full_name)
    return row, True


def mark_all(*, session, people, statuses, fill=None, marks=None):
    """The session's list saved at once: `statuses` {enrolment_id: status}; with `fill`, everyone not marked yet
    (in `marks`) and not given a status gets it. Returns the number of marks changed."""
    changed = 0
    for e in people:
        status = statuses.get(e.id)
        if status not in ATTENDANCE and fill and e.id not in (marks or {}):
            status = fill
        if status in ATTENDANCE:
            _row, did = set_attendance(session=session, enrolment=e, status=status)
            changed += did
    return changed


# ---- results ---------------------------------------------------------------------------------------------
def save_results(*, klass, rows):
    """rows: [(enrolment, expected_version, score, reflection_received, remarks)]."""
    for e, expected, *_values in rows:
        check_version(e, expected)
    changed = 0
    for e, _expected, score, reflection, remarks in rows:
        before = snapshot(e, RESULT_FIELDS)
        e.score, e.reflection_received, e.remarks = score, bool(reflection), (remarks or "").strip() or None
        after = snapshot(e, RESULT_FIELDS)
        if before != after:
            db.session.flush()
            record(action="class.result", obj=e, unit=klass.unit, before=before, after=after, summary=e.person.full_name)
            changed += 1
    return changed


def finish_class(*, klass, expected_version, results, on=None):
    """Freeze each participant's attendance share and pass/fail (computed by the rule), number the certificates."""
    check_version(klass, expected_version)
    before = snapshot(klass, CLASS_FIELDS)
    n = 0
    for r in results:
        e = r.enrolment
        e.attendance_pct = r.pct
        e.passed = r.passed
        if r.passed:
            n += 1
            e.certificate_no = n
    klass.status = "finished"
    klass.finished_on = on or date.today()
    db.session.flush()
    record(action="class.finish", obj=klass, unit=klass.unit, before=before, after=snapshot(klass, CLASS_FIELDS),
           summary=_("%(title)s: %(n)s người đạt", title=klass.title, n=n))
    return n


# ---- admission -------------------------------------------------------------------------------------------
def open_case(*, person, klass=None, certificate_on=None):
    existing = db.session.scalar(select(AdmissionCase).where(AdmissionCase.person_id == person.id))
    if existing is not None:
        return existing
    user = _user()
    case = AdmissionCase(person_id=person.id, class_id=klass.id if klass else None, branch_id=person.unit_id,
                         unit_path=person.unit_path, certificate_on=certificate_on, created_by_id=user.id if user else None)
    try:
        with db.session.begin_nested():
            db.session.add(case)
            db.session.flush()
    except IntegrityError:  # opened by a parallel request
        return db.session.scalar(select(AdmissionCase).where(AdmissionCase.person_id == person.id))
    record(action="admission.open", obj=case, unit=person.unit, after=snapshot(case, CASE_FIELDS), summary=person.full_name)
    return case


class CaseRuleError(Exception):
    def __init__(self, errors):
        super().__init__("admission rules")
        self.errors = errors


def update_case(*, case, expected_version, values, sponsor=None):
    """Save the checklist. With a ceremony date, every rule must hold: then admit_member makes the youth a member."""
    check_version(case, expected_version)
    final = bool(values.get("ceremony_on"))
    errors = check_case(values, person=case.person, sponsor=sponsor, final=final)
    if errors:
        raise CaseRuleError(errors)
    before = snapshot(case, CASE_FIELDS)
    for key, value in values.items():
        setattr(case, key, value)
    if final:
        if case.person.member_type == "union":
            raise CaseRuleError({"ceremony_on": [_("%(name)s đã là đoàn viên.", name=case.person.full_name)]})
        admit_member(person=case.person, joined_on=case.ceremony_on, decision_number=case.decision_number)
        case.status = "admitted"
    db.session.flush()
    record(action="admission.admit" if final else "admission.update", obj=case, unit=case.branch, before=before,
           after=snapshot(case, CASE_FIELDS), summary=case.person.full_name)
    return case


def cancel_case(*, case, expected_version):
    check_version(case, expected_version)
    before = snapshot(case, CASE_FIELDS)
    case.status = "cancelled"
    db.session.flush()
    record(action="admission.cancel", obj=case, unit=case.branch, before=before, after=snapshot(case, CASE_FIELDS),
           summary=case.person.full_name)
    return case


def reopen_case(*, case, expected_version):
    check_version(case, expected_version)
    case.status = "open"
    db.session.flush()
    record(action="admission.reopen", obj=case, unit=case.branch, before={"status": "cancelled"}, after={"status": "open"},
           summary=case.person.full_name)
    return case

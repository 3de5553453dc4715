"""Reads for the class pages, each a fixed number of statements whatever the number of people."""
from collections import namedtuple
from datetime import date, timedelta

from flask import abort
from sqlalchemy import and_, exists, false, func, literal, or_, select
from sqlalchemy.orm import aliased, joinedload

from ..access import authorize, in_scope, subtree
from ..audit.models import AuditEntry
from ..auth.models import RoleGrant, User
from ..dates import year_bounds
from ..extensions import db
from ..members.models import ON_ROLL, Person, PersonEvent
from ..text import fold
from ..units.models import Unit
from ..web import paginate
from . import permissions
from .models import ATTENDANCE, AdmissionCase, Attendance, ClassOrganizer, ClassScopeUnit, ClassSession, Enrolment, TrainingClass

ACTIONS = {
    "view": permissions.can_view_class,
    "edit": permissions.can_edit_class,
    "manage": permissions.can_manage_class,
}
ResultRow = namedtuple("ResultRow", "enrolment present excused marked sessions pct passed")


# ---- load, then authorise ----------------------------------------------------------------------------------
def get_class_for(user, class_id, action="view"):
    klass = db.session.get(TrainingClass, class_id, options=[joinedload(TrainingClass.unit)])
    if klass is None:
        abort(404)
    authorize(ACTIONS[action](user, klass))
    return klass


def get_session_in(klass, session_id):
    s = db.session.get(ClassSession, session_id)
    if s is None or s.class_id != klass.id or s.cancelled_at is not None:
        abort(404)
    return s


def get_enrolment_in(klass, enrolment_id):
    e = db.session.get(Enrolment, enrolment_id, options=[joinedload(Enrolment.person).joinedload(Person.unit)])
    if e is None or e.class_id != klass.id:
        abort(404)
    return e


def get_case_for(user, case_id, action="view"):
    case = db.session.get(AdmissionCase, case_id, options=[
        joinedload(AdmissionCase.person), joinedload(AdmissionCase.branch), joinedload(AdmissionCase.training_class)])
    if case is None:
        abort(404)
    authorize((permissions.can_view_case if action == "view" else permissions.can_edit_case)(user, case))
    return case


# ---- lists ---------------------------------------------------------------------------------------------------
def _enrolled_count_sq():
    return (select(func.count(Enrolment.id)).where(Enrolment.class_id == TrainingClass.id, Enrolment.status == "enrolled")
            .correlate(TrainingClass).scalar_subquery())


def _passed_count_sq():
    return (select(func.count(Enrolment.id)).where(Enrolment.class_id == TrainingClass.id, Enrolment.status == "enrolled",
                                                   Enrolment.passed.is_(True)).correlate(TrainingClass).scalar_subquery())


def _admitted_count_sq():
    return (select(func.count(AdmissionCase.id)).where(AdmissionCase.class_id == TrainingClass.id,
                                                       AdmissionCase.status == "admitted")
            .correlate(TrainingClass).scalar_subquery())


def _sessions_count_sq():
    return (select(func.count(ClassSession.id)).where(ClassSession.class_id == TrainingClass.id,
                                                      ClassSession.cancelled_at.is_(None))
            .correlate(TrainingClass).scalar_subquery())


def classes_stmt(user, *, year=None, status=None, kind=None, q=None, unit=None):
    """Classes the user may view (any role on the organising unit), with their counts — one statement per page."""
    stmt = (select(TrainingClass, _enrolled_count_sq(), _sessions_count_sq(), _passed_count_sq(), _admitted_count_sq())
            .options(joinedload(TrainingClass.unit))
            .where(in_scope(TrainingClass.unit_path, user)))
    if unit is not None:
        stmt = stmt.where(TrainingClass.unit_path.like(unit.path + "%"))
    if year:
        lo, hi = year_bounds(year)
        stmt = stmt.where(TrainingClass.starts_on.between(lo, hi))
    if status:
        stmt = stmt.where(TrainingClass.status == status)
    if kind:
        stmt = stmt.where(TrainingClass.kind == kind)
    if q:
        stmt = stmt.where(TrainingClass.title.ilike(f"%{q.strip()}%"))
    return stmt.order_by(TrainingClass.starts_on.desc(), TrainingClass.id.desc())


def my_classes(user, limit=20):
    """Classes where the user is one of the organizers and that are not over yet."""
    stmt = (select(TrainingClass, _enrolled_count_sq(), _sessions_count_sq())
            .join(ClassOrganizer, ClassOrganizer.class_id == TrainingClass.id)
            .options(joinedload(TrainingClass.unit))
            .where(ClassOrganizer.user_id == user.id, TrainingClass.status.in_(("planned", "open", "running")),
                   in_scope(TrainingClass.unit_path, user))
            .order_by(TrainingClass.starts_on, TrainingClass.id).limit(limit))
    return db.session.execute(stmt).unique().all()


def upcoming_sessions(user, days=30, limit=15, today=None):
    """Sessions in the next `days` of the open classes the user organises or holds the organizer role on."""
    today = today or date.today()
    mine = select(ClassOrganizer.class_id).where(ClassOrganizer.user_id == user.id)
    stmt = (select(ClassSession, TrainingClass)
            .join(TrainingClass, TrainingClass.id == ClassSession.class_id)
            .where(ClassSession.held_on.between(today, today + timedelta(days=days)), ClassSession.cancelled_at.is_(None),
                   TrainingClass.status.in_(("planned", "open", "running")),
                   in_scope(TrainingClass.unit_path, user),
                   or_(TrainingClass.id.in_(mine), in_scope(TrainingClass.unit_path, user, "organizer")))
            .order_by(ClassSession.held_on, ClassSession.starts_at, ClassSession.id).limit(limit))
    return db.session.execute(stmt).all()


def organizer_units(user, limit=400):
    """Units where the user may create a class (organizer role), non-branch levels, for the picker."""
    return db.session.scalars(
        select(Unit).where(in_scope(Unit.path, user, "organizer"), Unit.status == "active", Unit.level != "branch")
        .order_by(Unit.path).limit(limit)).all()


def organizer_accounts(unit):
    """Active accounts holding the organizer role on the unit or above it."""
    return db.session.scalars(
        select(User).join(RoleGrant, RoleGrant.user_id == User.id).join(Unit, Unit.id == RoleGrant.unit_id)
        .where(RoleGrant.role == "organizer", RoleGrant.revoked_at.is_(None), User.active.is_(True),
               literal(unit.path).like(Unit.path + "%"))
        .distinct().order_by(User.full_name, User.id)).all()


def class_detail(klass):
    """Sessions with their marks, organizers, scope units and the class counts: a fixed handful of statements."""
    sessions = db.session.execute(
        select(ClassSession,
               select(func.count(Attendance.id)).where(Attendance.session_id == ClassSession.id, Attendance.status == "present")
               .correlate(ClassSession).scalar_subquery(),
               select(func.count(Attendance.id)).where(Attendance.session_id == ClassSession.id)
               .correlate(ClassSession).scalar_subquery())
        .where(ClassSession.class_id == klass.id, ClassSession.cancelled_at.is_(None))
        .order_by(ClassSession.held_on, ClassSession.starts_at, ClassSession.id)).all()
    organizers = db.session.scalars(select(User).join(ClassOrganizer, ClassOrganizer.user_id == User.id)
                                    .where(ClassOrganizer.class_id == klass.id).order_by(User.full_name)).all()
    scope = scope_units(klass)
    counts = db.session.execute(select(
        select(func.count(Enrolment.id)).where(Enrolment.class_id == klass.id, Enrolment.status == "enrolled").scalar_subquery(),
        select(func.count(Enrolment.id)).where(Enrolment.class_id == klass.id, Enrolment.passed.is_(True),
                                               Enrolment.status == "enrolled").scalar_subquery(),
        select(func.count(AdmissionCase.id)).where(AdmissionCase.class_id == klass.id).scalar_subquery(),
        select(func.count(AdmissionCase.id)).where(AdmissionCase.class_id == klass.id,
                                                   AdmissionCase.status == "admitted").scalar_subquery(),
    )).one()
    return sessions, organizers, scope, dict(zip(("enrolled", "passed", "cases", "admitted"), counts))


def scope_units(klass):
    return db.session.scalars(select(Unit).join(ClassScopeUnit, ClassScopeUnit.unit_id == Unit.id)
                              .where(ClassScopeUnit.class_id == klass.id).order_by(Unit.path)).all()


def eligible_cond(klass, user, column, scope=None):
    """SQL: `column` (a unit path) lies in one of the class's enrolment units and in the user's organizer scope."""
    scope = scope if scope is not None else scope_units(klass)
    if not scope:
        return false()
    return and_(or_(*[column.like(u.path + "%") for u in scope]), in_scope(column, user, "organizer"))


# ---- people --------------------------------------------------------------------------------------------------
def enrolments(klass, include_withdrawn=False):
    """The class list, by name, with each person's branch."""
    stmt = (select(Enrolment).join(Person, Person.id == Enrolment.person_id)
            .options(joinedload(Enrolment.person).joinedload(Person.unit))
            .where(Enrolment.class_id == klass.id))
    if not include_withdrawn:
        stmt = stmt.where(Enrolment.status == "enrolled")
    return db.session.scalars(stmt.order_by(Enrolment.status, _given_name_order(), Person.name_key, Enrolment.id)).all()


def enrolled_count(klass):
    return db.session.scalar(select(func.count(Enrolment.id)).where(Enrolment.class_id == klass.id,
                                                                     Enrolment.status == "enrolled"))


def _given_name_order():
    # Vietnamese lists sort by the given name (the last word), then the whole name. Portable "last word" (SQLite and
    # PostgreSQL): rtrim() strips every trailing non-space character, leaving the name up to its last space; removing
    # that prefix leaves the given name.
    key = Person.name_key
    return func.replace(key, func.rtrim(key, func.replace(key, " ", "")), "")


def search_people(klass, user, q, limit=20, scope=None, members_only=False):
    """People on roll in the class's enrolment units (inside the user's scope) whose folded name contains q.
    `members_only`: the Union members a sympathizer class leaves out (to say they are already members)."""
    key = fold(q)
    if not key:
        return []
    enrolled = (select(Enrolment.status).where(Enrolment.class_id == klass.id, Enrolment.person_id == Person.id)
                .correlate(Person).scalar_subquery())
    stmt = (select(Person, enrolled).options(joinedload(Person.unit))
            .where(eligible_cond(klass, user, Person.unit_path, scope), Person.status.in_(ON_ROLL),
                   Person.name_key.like(f"%{key}%"))
            .order_by(Person.name_key, Person.id).limit(limit))
    if members_only:
        stmt = stmt.where(Person.member_type == "union")
    elif klass.kind == "sympathizer":  # members are already in the Union: not candidates for this class
        stmt = stmt.where(Person.member_type != "union")
    return db.session.execute(stmt).all()


def eligible_person(klass, user, person_id, scope=None):
    return db.session.scalar(select(Person).where(Person.id == person_id, eligible_cond(klass, user, Person.unit_path, scope),
                                                  Person.status.in_(ON_ROLL)))


def eligible_branches(klass, user, limit=400, scope=None):
    return db.session.scalars(
        select(Unit).where(Unit.level == "branch", Unit.status == "active", eligible_cond(klass, user, Unit.path, scope))
        .order_by(Unit.path).limit(limit)).all()


def branch_people(branch):
    return db.session.scalars(select(Person).where(Person.unit_id == branch.id, Person.status.in_(ON_ROLL))
                              .order_by(Person.name_key, Person.id)).all()


def current_post_cond(posts=("secretary", "deputy")):
    """SQL: the person holds one of `posts` now (a post_started row with no later post_ended of the same post)."""
    started = aliased(PersonEvent)
    ended = aliased(PersonEvent)
    later_end = exists().where(
        ended.person_id == started.person_id, ended.kind == "post_ended", ended.detail == started.detail,
        or_(ended.on > started.on, and_(ended.on == started.on, ended.id > started.id)))
    return exists().where(started.person_id == Person.id, started.kind == "post_started", started.detail.in_(posts),
                          ~later_end)


def untrained_cadres(klass, user, year=None, limit=200, scope=None):
    """Branch secretaries and deputies in the class's units not trained in another cadre class this year."""
    year = year or klass.starts_on.year
    lo, hi = year_bounds(year)
    other = aliased(TrainingClass)
    trained = (select(Enrolment.id).join(other, other.id == Enrolment.class_id)
               .where(Enrolment.person_id == Person.id, Enrolment.status == "enrolled", other.kind == "cadre",
                      other.status != "cancelled", other.id != klass.id, other.starts_on.between(lo, hi))
               .correlate(Person).exists())
    enrolled = (select(Enrolment.status).where(Enrolment.class_id == klass.id, Enrolment.person_id == Person.id)
                .correlate(Person).scalar_subquery())
    posts = aliased(PersonEvent)
    post = (select(posts.detail).where(posts.person_id == Person.id, posts.kind == "post_started",
                                       posts.detail.in_(("secretary", "deputy")))
            .correlate(Person).order_by(posts.on.desc(), posts.id.desc()).limit(1).scalar_subquery())
    stmt = (select(Person, enrolled, post).options(joinedload(Person.unit))
            .where(eligible_cond(klass, user, Person.unit_path, scope), Person.status.in_(ON_ROLL), current_post_cond(),
                   ~trained)
            .order_by(Person.unit_path, Person.name_key).limit(limit))
    return db.session.execute(stmt).all()


# ---- attendance and results ------------------------------------------------------------------------------------
def session_marks(session):
    """{enrolment_id: Attendance} for one session, with who marked it."""
    rows = db.session.scalars(select(Attendance).options(joinedload(Attendance.marked_by))
                              .where(Attendance.session_id == session.id)).all()
    return {a.enrolment_id: a for a in rows}


def class_marks(klass):
    """{(session_id, enrolment_id): status} for the whole class: one statement."""
    rows = db.session.execute(select(Attendance.session_id, Attendance.enrolment_id, Attendance.status)
                              .join(ClassSession, ClassSession.id == Attendance.session_id)
                              .where(ClassSession.class_id == klass.id)).all()
    return {(s, e): st for s, e, st in rows}


def results(klass, enrolment_list, sessions):
    """Attendance share and pass/fail computed from the records and the class rule."""
    counts = db.session.execute(
        select(Attendance.enrolment_id, Attendance.status, func.count(Attendance.id))
        .join(ClassSession, ClassSession.id == Attendance.session_id)
        .where(ClassSession.class_id == klass.id).group_by(Attendance.enrolment_id, Attendance.status)).all()
    by = {}
    for eid, status, n in counts:
        by.setdefault(eid, {})[status] = n
    total = len(sessions)
    out = []
    for e in enrolment_list:
        c = by.get(e.id, {})
        present = c.get("present", 0)
        share = (present / total) if total else None
        pct = round(share * 100) if share is not None else None
        out.append(ResultRow(e, present, c.get("excused", 0), sum(c.values()), total, pct,
                             klass.passes(share, e.reflection_received)))
    return out


def attendance_counts(people, marks):
    """The tally above a session's list: {status: n}, the people not marked yet, the statuses' labels."""
    counts = {k: 0 for k in ATTENDANCE}
    for a in marks.values():
        counts[a.status] = counts.get(a.status, 0) + 1
    return dict(counts=counts, unmarked=len(people) - sum(1 for e in people if e.id in marks), statuses=ATTENDANCE)


def certified(klass, enrolment_id=None):
    """The participants holding a certificate of a finished class (or the one asked for), by certificate number."""
    people = [e for e in enrolments(klass) if e.passed and e.certificate_no] if klass.status == "finished" else []
    if enrolment_id is not None:
        people = [e for e in people if e.id == enrolment_id]
    return sorted(people, key=lambda e: e.certificate_no)


def attendance_log(klass, page=None):
    """Every attendance record of the class with who marked it last and when (newest first)."""
    stmt = (select(Attendance).join(ClassSession, ClassSession.id == Attendance.session_id)
            .options(joinedload(Attendance.marked_by), joinedload(Attendance.session),
                     joinedload(Attendance.enrolment).joinedload(Enrolment.person))
            .where(ClassSession.class_id == klass.id)
            .order_by(Attendance.marked_at.desc(), Attendance.id.desc()))
    return paginate(stmt, page=page, per_page=50)


def attendance_changes(klass, limit=100):
    """The audit entries of attendance changes in this class (who changed what, when)."""
    ids = (select(Attendance.id).join(ClassSession, ClassSession.id == Attendance.session_id)
           .where(ClassSession.class_id == klass.id))
    return db.session.scalars(select(AuditEntry).options(joinedload(AuditEntry.user))
                              .where(AuditEntry.object_type == "class_attendance", AuditEntry.object_id.in_(ids))
                              .order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit)).all()


# ---- admission -------------------------------------------------------------------------------------------------
def class_cases(klass):
    """Passed participants of the class with their admission case, if any."""
    stmt = (select(Enrolment, AdmissionCase)
            .join(Person, Person.id == Enrolment.person_id)
            .outerjoin(AdmissionCase, AdmissionCase.person_id == Enrolment.person_id)
            .options(joinedload(Enrolment.person).joinedload(Person.unit))
            .where(Enrolment.class_id == klass.id, Enrolment.status == "enrolled")
            .order_by(_given_name_order(), Person.name_key, Enrolment.id))
    return db.session.execute(stmt).all()


def sponsor_choices(case, limit=300):
    """Current Union members who may sponsor: those of the candidate's branch first, then the rest of its commune
    (a youth of a Federation branch has no Union member beside them). Members away working are not offered."""
    branch = db.session.get(Unit, case.branch_id)
    commune_path = branch.parent.path if branch.parent is not None else branch.path
    return db.session.scalars(
        select(Person).where(subtree(Person.unit_path, commune_path), Person.member_type == "union",
                             Person.status == "active", Person.id != case.person_id)
        .order_by((Person.unit_id != case.branch_id), Person.name_key).limit(limit)).all()


def person_in_scope(user, person_id, roles=None):
    return db.session.scalar(select(Person).where(Person.id == person_id, in_scope(Person.unit_path, user, roles)))


def certificate_of(person_id):
    """The latest passed sympathizer-class enrolment of a person (for the checklist's certificate date)."""
    return db.session.execute(
        select(Enrolment, TrainingClass).join(TrainingClass, TrainingClass.id == Enrolment.class_id)
        .where(Enrolment.person_id == person_id, Enrolment.passed.is_(True), TrainingClass.kind == "sympathizer")
        .order_by(TrainingClass.finished_on.desc()).limit(1)).first()


# ---- a unit's numbers ------------------------------------------------------------------------------------------
def unit_numbers(unit, year):
    """Classes organised in the subtree this year; people of the subtree trained / passed; admissions. One statement."""
    lo, hi = year_bounds(year)
    sub = unit.path + "%"
    in_year = and_(TrainingClass.starts_on.between(lo, hi), TrainingClass.status != "cancelled")
    # Drive from the year's few thousand enrolments and probe each person by key. A plain join let PostgreSQL
    # merge-join through every person of the province (60–100 ms); "OFFSET 0" keeps the EXISTS a per-row probe
    # (3–6 ms, commune or province).
    of_subtree = (select(literal(1)).where(Person.id == Enrolment.person_id, subtree(Person.unit_path, unit.path))
                  .correlate(Enrolment).offset(0).exists())
    trained = (select(func.count(Enrolment.id)).join(TrainingClass, TrainingClass.id == Enrolment.class_id)
               .where(of_subtree, Enrolment.status == "enrolled", in_year))
    row = db.session.execute(select(
        select(func.count(TrainingClass.id)).where(TrainingClass.unit_path.like(sub), in_year).scalar_subquery(),
        trained.scalar_subquery(),
        trained.where(Enrolment.passed.is_(True)).scalar_subquery(),
        select(func.count(AdmissionCase.id)).where(AdmissionCase.unit_path.like(sub), AdmissionCase.status == "admitted",
                                                   AdmissionCase.ceremony_on.between(lo, hi)).scalar_subquery(),
    )).one()
    return dict(zip(("classes", "trained", "passed", "admitted"), row))


def unit_people_stmt(unit, year, what):
    lo, hi = year_bounds(year)
    sub = unit.path + "%"
    if what == "admitted":
        return (select(AdmissionCase).join(Person, Person.id == AdmissionCase.person_id)
                .options(joinedload(AdmissionCase.person).joinedload(Person.unit), joinedload(AdmissionCase.training_class))
                .where(AdmissionCase.unit_path.like(sub), AdmissionCase.status == "admitted",
                       AdmissionCase.ceremony_on.between(lo, hi))
                .order_by(AdmissionCase.ceremony_on.desc(), Person.name_key))
    stmt = (select(Enrolment).join(TrainingClass, TrainingClass.id == Enrolment.class_id)
            .join(Person, Person.id == Enrolment.person_id)
            .options(joinedload(Enrolment.person).joinedload(Person.unit), joinedload(Enrolment.training_class))
            .where(Person.unit_path.like(sub), Enrolment.status == "enrolled", TrainingClass.status != "cancelled",
                   TrainingClass.starts_on.between(lo, hi)))
    if what == "passed":
        stmt = stmt.where(Enrolment.passed.is_(True))
    return stmt.order_by(Person.name_key, Enrolment.id)


def person_trainings(person, limit=20):
    """The classes a person was enrolled in, newest first, with the result — for the person page. One statement."""
    return db.session.scalars(
        select(Enrolment).options(joinedload(Enrolment.training_class).joinedload(TrainingClass.unit))
        .join(TrainingClass, TrainingClass.id == Enrolment.class_id)
        .where(Enrolment.person_id == person.id, TrainingClass.status != "cancelled")
        .order_by(TrainingClass.starts_on.desc(), Enrolment.id.desc()).limit(limit)).all()


def enrolment_status(klass, person):
    """"enrolled" / "withdrawn" / None for one person in one class."""
    return db.session.scalar(select(Enrolment.status).where(Enrolment.class_id == klass.id,
                                                            Enrolment.person_id == person.id))

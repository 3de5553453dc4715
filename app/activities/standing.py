"""The five criteria that tell a real member from a paper one (có người, có tên, có tập hợp, có đóng đoàn phí,
có tham gia sinh hoạt), computed from the records as of a date, each with the reason when it fails.

They read the activities' records (attendance, dues, activities) and the members' (people, events), so they live
here, next to the records they read and the PersonStanding table they fill; the members domain sees them only through
app.seams (the person page's section, the list's filters, the export's columns, the removal proposals).

One definition, three uses:
- criteria_for(person, as_of): one statement, the person page's five rows with reasons;
- filter_people(stmt, verdict=…, failing=…, as_of=…): SQL conditions on a select(Person);
  as_of=None reads the PersonStanding table (fast, province-wide), a date computes live;
- refresh_standing(...): rewrites PersonStanding rows from the same SQL expressions (INSERT … SELECT).
  It runs automatically before every commit that touched people, events, attendance, dues, activities or
  units (a session hook, see install_standing_hook), at the end of the demo seed, and from
  `flask refresh-standing` (nightly: the windows slide with the calendar).

Thresholds are settings (app.config) with the issue's defaults — see SETTINGS.
"""
from datetime import date

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, delete, event, exists, false, func, inspect, literal, not_, or_, select, text, true
from sqlalchemy.orm import Session, aliased

from ..dates import add_months, month_start
from ..extensions import db
from ..locks import dialect_insert
from ..members.models import ON_ROLL, Person, PersonEvent, over_union_age_born_by
from ..units.models import Unit, utcnow
from .models import Activity, Attendance, BranchStanding, DuesPayment, PersonStanding

S, B = PersonStanding, BranchStanding  # short names in the SQL below

CRITERIA = {
    "person": _l("Có người"),
    "name": _l("Có tên"),
    "gathered": _l("Có tập hợp"),
    "dues": _l("Có đóng đoàn phí"),
    "activity": _l("Có tham gia sinh hoạt"),
}
VERDICTS = {"real": _l("Thực chất"), "incomplete": _l("Chưa đủ tiêu chí"), "paper": _l("Hình thức (“áo”)")}

SETTINGS = {
    "CRITERIA_PERSON_MONTHS": 12,  # has a person: confirmed or present within this many months
    "CRITERIA_GATHERED_MONTHS": 3,  # is gathered: the branch held an activity within this many months
    "CRITERIA_DUES_WINDOW_MONTHS": 12,  # pays dues: look at this many complete months before the current one
    "CRITERIA_DUES_MAX_UNPAID": 3,  # … and fail at this many unpaid months
    "CRITERIA_ABSENCE_MONTHS": 12,  # takes part: unexcused absences within this many months
    "CRITERIA_ABSENCE_MAX": 3,  # … fail at this many
    "DUES_MEMBER_TYPES": ("union", "federation"),  # who owes dues; youth outside an organisation do not
    "DUES_AMOUNT_NO_SALARY": 2000,
    "DUES_AMOUNT_SALARIED": 5000,
    "DUES_SALARIED_OCCUPATIONS": ("civil_servant", "police_militia", "worker"),
}


def setting(name):
    return current_app.config.get(name, SETTINGS[name])


# ---- the dues window -----------------------------------------------------------------------------------------
def dues_window(as_of):
    """(first month, last month) counted for dues: the complete months before as_of's month."""
    n = setting("CRITERIA_DUES_WINDOW_MONTHS")
    this = month_start(as_of)
    return add_months(this, -n), add_months(this, -1)


# ---- the facts, as SQL expressions correlated to a Person row -------------------------------------------------
def _facts(P, as_of):
    """Labelled scalar subqueries / expressions, correlated to the Person entity or alias P."""
    E = aliased(PersonEvent)
    person_since = add_months(as_of, -setting("CRITERIA_PERSON_MONTHS"))
    absence_since = add_months(as_of, -setting("CRITERIA_ABSENCE_MONTHS"))
    first_month, last_month = dues_window(as_of)

    last_confirmed = (select(func.max(E.on)).where(E.person_id == P.id, E.kind == "confirmed", E.on <= as_of)
                      .correlate(P).scalar_subquery())
    last_present = (select(func.max(Activity.held_on)).join(Attendance, Attendance.activity_id == Activity.id)
                    .where(Attendance.person_id == P.id, Attendance.status == "present", Activity.held_on <= as_of)
                    .correlate(P).scalar_subquery())
    branch_last = (select(func.max(Activity.held_on)).where(Activity.unit_id == P.unit_id, Activity.held_on <= as_of)
                   .correlate(P).scalar_subquery())
    branch_open = (select(func.count(Unit.id)).where(Unit.id == P.unit_id, Unit.status == "active", Unit.level == "branch")
                   .correlate(P).scalar_subquery())
    absences = (select(func.count(Attendance.id)).join(Activity, Activity.id == Attendance.activity_id)
                .where(Attendance.person_id == P.id, Attendance.status == "absent", Activity.held_on > absence_since,
                       Activity.held_on <= as_of)
                .correlate(P).scalar_subquery())
    paid = (select(func.count(DuesPayment.id))
            .where(DuesPayment.person_id == P.id, DuesPayment.month >= first_month, DuesPayment.month <= last_month,
                   DuesPayment.reversed == false())
            .correlate(P).scalar_subquery())
    registered = (select(func.min(E.on)).where(E.person_id == P.id, E.kind.in_(("registered", "joined")))
                  .correlate(P).scalar_subquery())
    start = func.coalesce(P.joined_on, registered)
    # Months of the window on or after the month the person joined / was registered: month m counts when
    # start < first day of m+1. Twelve CASEs, portable between SQLite and PostgreSQL.
    n = setting("CRITERIA_DUES_WINDOW_MONTHS")
    owed = sum((case((or_(start.is_(None), start < add_months(first_month, k + 1)), 1), else_=0) for k in range(n)),
               literal(0))
    owes_dues = P.member_type.in_(tuple(setting("DUES_MEMBER_TYPES")))
    return {
        "last_confirmed": last_confirmed, "last_present": last_present, "branch_last": branch_last,
        "branch_open": branch_open, "absences": absences, "paid": paid, "owed": owed, "owes_dues": owes_dues,
        "person_since": person_since,
    }


def _over_union_age(P):
    """Union members past 30 are due to mature: the rules leave them out of the Union counts (no standing row)."""
    return and_(P.member_type == "union", P.birth_date.isnot(None), P.birth_date <= over_union_age_born_by())


def _required_fields_ok(P):
    return and_(P.full_name != "", P.birth_date.isnot(None), P.sex.isnot(None),
                or_(P.member_type != "union", P.joined_on.isnot(None)))


def _conditions(P, as_of):
    """{code: SQL boolean expression} — True when the criterion passes (NULLs count as failing)."""
    f = _facts(P, as_of)
    gathered_since = add_months(as_of, -setting("CRITERIA_GATHERED_MONTHS"))
    max_unpaid = setting("CRITERIA_DUES_MAX_UNPAID")
    return {
        "person": or_(f["last_confirmed"] > f["person_since"], f["last_present"] > f["person_since"]),
        "name": and_(P.status.in_(ON_ROLL), f["branch_open"] > 0, _required_fields_ok(P)),
        "gathered": and_(f["branch_open"] > 0, f["branch_last"] > gathered_since),
        "dues": or_(not_(f["owes_dues"]), (f["owed"] - f["paid"]) < max_unpaid),
        "activity": f["absences"] < setting("CRITERIA_ABSENCE_MAX"),
    }


def _flag(cond):
    return case((cond, true()), else_=false())


def _verdict_expr(flags):
    fails = sum((case((flags[c] == false(), 1), else_=0) for c in ("name", "gathered", "dues", "activity")), literal(0))
    return case((flags["person"] == false(), "paper"), (fails >= 3, "paper"), (fails == 0, "real"), else_="incomplete")


def verdict_of(oks):
    """{code: bool} → "real" / "incomplete" / "paper"."""
    if not oks["person"]:
        return "paper"
    fails = sum(1 for c in ("name", "gathered", "dues", "activity") if not oks[c])
    return "real" if fails == 0 else ("paper" if fails >= 3 else "incomplete")


# ---- filters on a select(Person): the people list's (through app.seams) and the tests' ---------------------------
def filter_people(stmt, *, verdict=None, failing=None, as_of=None):
    """Add the criteria conditions to a select(Person). Only people on a roll have a verdict.

    as_of=None reads PersonStanding (kept current by the services); a date computes live from the records.
    """
    if not verdict and not failing:
        return stmt
    if verdict not in (None, "", *VERDICTS) or failing not in (None, "", *CRITERIA):
        return stmt.where(false())
    if as_of is None:
        conds = [S.person_id == Person.id]
        if verdict:
            conds.append(S.verdict == verdict)
        if failing:
            conds.append(getattr(S, f"{failing}_ok") == false())
        return stmt.where(exists().where(*conds)).where(Person.status.in_(ON_ROLL))
    conds = _conditions(Person, as_of)
    stmt = stmt.where(Person.status.in_(ON_ROLL), not_(_over_union_age(Person)))
    if failing:
        stmt = stmt.where(not_(conds[failing]))
    if verdict:
        # Each correlated condition appears once: a sum of failures among criteria 2–5, plus criterion 1.
        pfail = case((conds["person"], 0), else_=1)
        fails = sum((case((conds[c], 0), else_=1) for c in ("name", "gathered", "dues", "activity")), literal(0))
        stmt = stmt.where({"real": and_(pfail == 0, fails == 0),
                           "incomplete": and_(pfail == 0, fails >= 1, fails <= 2),
                           "paper": or_(pfail == 1, fails >= 3)}[verdict])
    return stmt


def _missing_fields(person):
    """The required fields of the record left empty, as the person page names them."""
    missing = []
    if not (person.full_name or "").strip():
        missing.append(_("họ tên"))
    if not person.birth_date:
        missing.append(_("ngày sinh"))
    if not person.sex:
        missing.append(_("giới tính"))
    if person.member_type == "union" and not person.joined_on:
        missing.append(_("ngày vào Đoàn"))
    return missing


def criteria_for(person, as_of=None):
    """[(code, label, ok, reason)] × 5 for one person — one SQL statement."""
    as_of = as_of or date.today()
    f = _facts(Person, as_of)
    row = db.session.execute(
        select(f["last_confirmed"], f["last_present"], f["branch_last"], f["branch_open"], f["absences"], f["paid"],
               f["owed"]).where(Person.id == person.id)
    ).one()
    last_confirmed, last_present, branch_last, branch_open, absences, paid, owed = row
    months = setting("CRITERIA_PERSON_MONTHS")
    since = f["person_since"]
    out = []

    seen = [d for d in (last_confirmed, last_present) if d and d > since]
    if last_present and last_present > since:
        reason = _("Có mặt buổi sinh hoạt ngày %(d)s.", d=_vn(last_present))
    elif last_confirmed and last_confirmed > since:
        reason = _("Được cán bộ xác nhận có người ngày %(d)s.", d=_vn(last_confirmed))
    else:
        reason = _("Không có xác nhận có người hay lần có mặt sinh hoạt nào trong %(n)s tháng qua.", n=months)
    out.append(("person", str(CRITERIA["person"]), bool(seen), reason))

    missing = _missing_fields(person)
    if person.status not in ON_ROLL:
        ok, reason = False, _("Không còn trong danh sách chi đoàn (%(s)s).", s=person.status_label)
    elif not branch_open:
        ok, reason = False, _("Không thuộc một chi đoàn, chi hội đang hoạt động.")
    elif missing:
        ok, reason = False, _("Hồ sơ còn thiếu: %(f)s.", f=", ".join(missing))
    else:
        ok, reason = True, _("Có trong danh sách chi đoàn, hồ sơ đủ thông tin bắt buộc.")
    out.append(("name", str(CRITERIA["name"]), ok, reason))

    g_months = setting("CRITERIA_GATHERED_MONTHS")
    if not branch_open:
        ok, reason = False, _("Chi đoàn, chi hội đã giải thể hoặc không còn hoạt động.")
    elif branch_last is None:
        ok, reason = False, _("Chi đoàn chưa có buổi sinh hoạt nào được ghi nhận.")
    elif branch_last <= add_months(as_of, -g_months):
        ok, reason = False, _("Chi đoàn không sinh hoạt từ %(d)s (quá %(n)s tháng).", d=_vn(branch_last), n=g_months)
    else:
        ok, reason = True, _("Chi đoàn sinh hoạt gần nhất ngày %(d)s.", d=_vn(branch_last))
    out.append(("gathered", str(CRITERIA["gathered"]), ok, reason))

    window = setting("CRITERIA_DUES_WINDOW_MONTHS")
    if person.member_type not in setting("DUES_MEMBER_TYPES"):
        ok, reason = True, _("Không thuộc diện đóng đoàn phí.")
    else:
        unpaid = max(0, (owed or 0) - (paid or 0))
        ok = unpaid < setting("CRITERIA_DUES_MAX_UNPAID")
        if unpaid:
            reason = _("Chưa đóng đoàn phí %(u)s trong %(o)s tháng phải đóng (%(n)s tháng gần nhất).", u=unpaid, o=owed, n=window)
        else:
            reason = _("Đã đóng đủ đoàn phí %(o)s tháng phải đóng.", o=owed)
    out.append(("dues", str(CRITERIA["dues"]), ok, reason))

    a_months, a_max = setting("CRITERIA_ABSENCE_MONTHS"), setting("CRITERIA_ABSENCE_MAX")
    ok = (absences or 0) < a_max
    if absences:
        reason = _("Vắng không phép %(k)s buổi trong %(n)s tháng qua.", k=absences, n=a_months)
    else:
        reason = _("Không vắng không phép buổi nào trong %(n)s tháng qua.", n=a_months)
    out.append(("activity", str(CRITERIA["activity"]), ok, reason))
    return out


def proposed_for_removal():
    """SQL condition on Person: a member (Union or Federation) on a roll with ≥3 months without dues or ≥3 unexcused
    absences in the year (the removal page's proposals)."""
    return and_(Person.status.in_(ON_ROLL), Person.member_type.in_(("union", "federation")),
                exists().where(S.person_id == Person.id, or_(S.dues_ok == false(), S.activity_ok == false())))


def _vn(d):
    return d.strftime("%d/%m/%Y") if d else ""


# ---- the standing table ---------------------------------------------------------------------------------------
def _secretary_expr(P):
    start, end = aliased(PersonEvent), aliased(PersonEvent)
    ended = exists().where(end.person_id == start.person_id, end.kind == "post_ended", end.detail == "secretary",
                           end.id > start.id)
    return exists().where(start.person_id == P.id, start.kind == "post_started", start.detail == "secretary", ~ended)


# ---- the standing table: how concurrent writers stay out of each other's way ---------------------------------------
# PersonStanding / BranchStanding are derived rows that many transactions rewrite (every attendance tap, every dues
# payment, every activity of a branch). The rules (README "Security and data safety" → "Concurrency"):
# 1. They are recomputed once per transaction, at the OUTERMOST commit (never at a savepoint), from the records.
# 2. Rows are written by upsert (INSERT … SELECT … ON CONFLICT DO UPDATE), never delete-then-insert: two writers of
#    one row cannot hit a duplicate key.
# 3. On PostgreSQL a writer first takes transaction-scoped advisory locks on the branches whose standing it rewrites,
#    in ascending id order (after a shared "standing" lock that a province-wide recomputation takes exclusively), and
#    only then reads the records (READ COMMITTED: each statement sees what committed before it). So the last of two
#    writers of one branch waits for the first and recomputes from both writes: nothing stale, no deadlock between
#    refreshes (one order), and no error to swallow. SQLite has a single writer, so it needs no locks.
LOCK_STANDING = 0x5354  # advisory lock classids: (LOCK_STANDING, 0) the whole table, (LOCK_BRANCH, unit id) a branch
LOCK_BRANCH = 0x5355
FINE_LIMIT = 5000  # more people than this (an import, a moved district): one exclusive lock instead of many


def _is_postgres():
    return db.session.get_bind().dialect.name == "postgresql"


def _lock_standing(exclusive):
    if _is_postgres():
        fn = "pg_advisory_xact_lock" if exclusive else "pg_advisory_xact_lock_shared"
        db.session.execute(text(f"SELECT {fn}(:k, 0)"), {"k": LOCK_STANDING})


def _lock_branches(unit_ids):
    """Advisory locks on these units, ascending (one statement; unnest keeps the array's order)."""
    if unit_ids and _is_postgres():
        db.session.execute(text("SELECT count(pg_advisory_xact_lock(:k, u)) FROM unnest(CAST(:ids AS integer[])) AS u"),
                           {"k": LOCK_BRANCH, "ids": sorted(unit_ids)})


def _upsert(model, keys, cols, sel):
    """INSERT … SELECT … ON CONFLICT (keys) DO UPDATE SET every other column — PostgreSQL and SQLite alike."""
    # SQLite needs a WHERE in an upsert's SELECT (else "ON CONFLICT" could read as a join's ON).
    stmt = dialect_insert(model).from_select(cols, sel.where(true()))
    stmt = stmt.on_conflict_do_update(index_elements=keys,
                                      set_={c: getattr(stmt.excluded, c) for c in cols if c not in keys})
    db.session.execute(stmt)


def _chunks(ids, n=FINE_LIMIT):
    ids = sorted(ids)
    for i in range(0, len(ids), n):
        yield ids[i:i + n]


def _people_and_units(people, units, paths):
    """(person ids, unit ids) whose standing the changes reach: the people themselves, the people of the units and
    subtrees (as they are now and as the standing table last saw them), and the units those people are and were in."""

    people, units = set(people), set(units)
    conds_person, conds_standing = [], []
    if people:
        conds_person.append(Person.id.in_(sorted(people)))
    if units:
        conds_person.append(Person.unit_id.in_(sorted(units)))
        conds_standing.append(S.unit_id.in_(sorted(units)))
    for path in paths:
        conds_person.append(Person.unit_path.like(path + "%"))
        conds_standing.append(S.unit_path.like(path + "%"))
    if conds_person:
        for pid, uid in db.session.execute(select(Person.id, Person.unit_id).where(or_(*conds_person))):
            people.add(pid)
            units.add(uid)
    if conds_standing:
        people.update(db.session.scalars(select(S.person_id).where(or_(*conds_standing))))
    for chunk in _chunks(people):
        units.update(db.session.scalars(select(S.unit_id).where(S.person_id.in_(chunk)).distinct()))
    return people, units


def _write_people(ids, as_of):
    """Upsert the standing of these people (those on a roll) and drop the rows of those no longer on one."""

    conds = _conditions(Person, as_of)
    cols = ["person_id", "unit_id", "unit_path", *[f"{c}_ok" for c in conds], "is_secretary", "is_away"]
    now = utcnow()
    for chunk in ([None] if ids is None else _chunks(ids)):
        where = [Person.status.in_(ON_ROLL), not_(_over_union_age(Person))] + ([] if chunk is None else [Person.id.in_(chunk)])
        flags = {c: _flag(cond).label(f"{c}_ok") for c, cond in conds.items()}
        inner = (select(Person.id.label("person_id"), Person.unit_id, Person.unit_path, *flags.values(),
                        _flag(_secretary_expr(Person)).label("is_secretary"),
                        _flag(Person.status == "away").label("is_away"))
                 .where(*where).cte("facts").prefix_with("MATERIALIZED"))
        verdict = _verdict_expr({c: inner.c[f"{c}_ok"] for c in conds})
        sel = select(*[inner.c[c] for c in cols], verdict.label("verdict"), literal(as_of).label("as_of"),
                     literal(now).label("computed_at"))
        _upsert(S, ["person_id"], [*cols, "verdict", "as_of", "computed_at"], sel)
        off_roll = ~exists().where(Person.id == S.person_id, Person.status.in_(ON_ROLL),
                                   not_(_over_union_age(Person)))
        gone = off_roll if chunk is None else and_(S.person_id.in_(chunk), off_roll)
        db.session.execute(delete(S).where(gone).execution_options(synchronize_session=False))


def refresh_standing(*, person_ids=None, unit_ids=None, unit_path=None, as_of=None):
    """Recompute PersonStanding (and BranchStanding) for the given people / units / subtree — everyone when nothing
    is given. People off the roll get no row (they have no verdict). Safe to run from concurrent transactions."""
    everyone = person_ids is None and unit_ids is None and unit_path is None
    _refresh(people=person_ids or (), units=unit_ids or (), paths=[unit_path] if unit_path else (),
             everyone=everyone, as_of=as_of)


def _refresh(*, people=(), units=(), paths=(), everyone=False, as_of=None):
    as_of = as_of or date.today()
    people, units = {int(i) for i in people}, {int(i) for i in units}
    paths = sorted(p for p in set(paths) if not any(p.startswith(q) and q != p for q in paths))
    if everyone:
        _lock_standing(exclusive=True)
        _write_people(None, as_of)
        _rebuild_branches(None)
        return
    if not (people or units or paths):
        return
    if paths:
        _lock_standing(exclusive=True)
        people, touched = _people_and_units(people, units, paths)
    else:
        people, touched = _people_and_units(people, units, ())
        if len(people) > FINE_LIMIT:
            _lock_standing(exclusive=True)
        else:
            _lock_standing(exclusive=False)
            held = set()
            for _attempt in range(5):
                # Lock, then look again with a fresh snapshot: a concurrent transfer may have moved someone in or out.
                missing = touched - held
                if not missing:
                    break
                _lock_branches(missing)
                held |= missing
                people, touched = _people_and_units(people, units, ())
            else:  # pragma: no cover — people moving between branches faster than we can lock them
                raise RuntimeError("standing: the set of branches kept changing")
    _write_people(people, as_of)
    for chunk in _chunks(people):
        touched.update(db.session.scalars(select(Person.unit_id).where(Person.id.in_(chunk), Person.status.in_(ON_ROLL))))
    _rebuild_branches(touched)


def _rebuild_branches(unit_ids):
    """BranchStanding = PersonStanding summed per branch, for the given branches (all when None): upserted, and the
    rows of branches left with nobody removed."""

    sec_bad = case((and_(S.is_secretary == true(), or_(S.is_away == true(), S.verdict != "real")), 1), else_=0)

    def agg(cond):
        return (select(S.unit_id, func.max(S.unit_path), func.count(), func.sum(case((S.verdict == "real", 1), else_=0)),
                       func.sum(case((S.verdict == "incomplete", 1), else_=0)),
                       func.sum(case((S.verdict == "paper", 1), else_=0)), func.sum(sec_bad), literal(utcnow()))
                .where(cond).group_by(S.unit_id))

    cols = ["unit_id", "unit_path", "total", "real", "incomplete", "paper", "secretary_bad", "computed_at"]
    empty = ~exists().where(S.unit_id == B.unit_id)
    chunks = [None] if unit_ids is None else list(_chunks(unit_ids))
    for chunk in chunks:
        if chunk is not None and not chunk:
            continue
        _upsert(B, ["unit_id"], cols, agg(true() if chunk is None else S.unit_id.in_(chunk)))
        gone = empty if chunk is None else and_(B.unit_id.in_(chunk), empty)
        db.session.execute(delete(B).where(gone).execution_options(synchronize_session=False))


# ---- keeping the table current: a session hook ------------------------------------------------------------------
_KEY = "standing_dirty"
REFRESH_ALL = "standing_refresh_all"


def refresh_all_at_commit():
    """Bulk inserts/updates bypass the session hook: ask for a full recomputation just before the next commit
    (the demo seed does, so the standing reflects every domain's seeded records)."""
    db.session.info[REFRESH_ALL] = True


def standing_changed(*, people=()):
    """Writes that bypass the ORM (INSERT … ON CONFLICT) name the people they touched: refreshed at the commit."""
    dirty = db.session.info.setdefault(_KEY, {"people": set(), "units": set(), "paths": set()})
    dirty["people"].update(int(i) for i in people)


def _collect(session, flush_context):
    dirty = session.info.setdefault(_KEY, {"people": set(), "units": set(), "paths": set()})
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, (PersonStanding, BranchStanding)):
            continue
        if isinstance(obj, Person):
            if obj.id is not None:
                dirty["people"].add(obj.id)
        elif isinstance(obj, (PersonEvent, Attendance, DuesPayment)):
            if obj.person_id is not None:
                dirty["people"].add(obj.person_id)
        elif isinstance(obj, Activity):
            if obj.unit_id is not None:
                dirty["units"].add(obj.unit_id)
        elif isinstance(obj, Unit):
            # Closing, moving or re-levelling a unit changes its people's criteria; a renamed unit does not.
            state = inspect(obj)
            if obj.path and obj not in session.new and any(
                    state.attrs[a].history.has_changes() for a in ("status", "path", "level")):
                dirty["paths"].add(obj.path)


def _refresh_before_commit(session):
    if session.in_nested_transaction():
        return  # a savepoint: the outermost commit recomputes once, for everything the transaction touched
    if not current_app or not current_app.config.get("STANDING_AUTO_REFRESH", True):
        session.info.pop(_KEY, None)
        return
    session.flush()  # commit flushes after this hook: flush now so _collect sees the pending changes
    if session.info.pop(REFRESH_ALL, False):  # bulk writes (the demo seed) asked for a full recomputation
        session.info.pop(_KEY, None)
        if session.get_bind().dialect.name == "postgresql":
            # Fresh statistics after bulk loading, or the planner picks scans inside the correlated subqueries.
            session.execute(text("ANALYZE unit, person, person_event, activity, attendance, dues_payment"))
        refresh_standing()
        return
    dirty = session.info.pop(_KEY, None)
    if not dirty or not any(dirty.values()):
        return
    # One refresh for the whole transaction, so its locks are taken once, in one order.
    _refresh(people=dirty["people"], units=dirty["units"], paths=dirty["paths"])
    session.info.pop(_KEY, None)


def _forget(session, *args):
    if session.in_nested_transaction():
        return  # a rolled-back savepoint: what the outer transaction touched before it still needs its refresh
    session.info.pop(_KEY, None)
    session.info.pop(REFRESH_ALL, None)


_installed = []


def install_standing_hook():
    """Recompute the standing of the people a transaction touched, just before it commits."""
    if _installed:
        return
    event.listen(Session, "after_flush", _collect)
    event.listen(Session, "before_commit", _refresh_before_commit)
    event.listen(Session, "after_rollback", _forget)
    _installed.append(True)


# ---- what the pages of other domains show of it (registered with app.seams in app/activities/__init__.py) --------
def person_panel(person, user):
    """The person page's "5 có" section: the five criteria with reasons, and the verdict — one statement."""
    criteria = criteria_for(person)
    return {"criteria": criteria, "verdict": verdict_of({c: ok for c, _label, ok, _r in criteria})}


def filter_by_verdict(stmt, value):
    return filter_people(stmt, verdict=value)


def filter_by_failing(stmt, value):
    return filter_people(stmt, failing=value)


def export_columns(stmt):
    """The export's verdict and failing criteria, from the stored standing: (stmt, 6 more columns).

    Joined through an alias: the list's verdict/failing filters correlate their EXISTS on PersonStanding itself, and
    joining that same table here would swallow their FROM (the 500 of issue 9.2)."""
    X = aliased(PersonStanding, name="export_standing")
    stmt = stmt.add_columns(X.verdict, X.person_ok, X.name_ok, X.gathered_ok, X.dues_ok, X.activity_ok)
    return stmt.outerjoin(X, X.person_id == Person.id), 6


def export_cells(values):
    verdict, *oks = values
    return [str(VERDICTS.get(verdict, "")) if verdict else "",
            ", ".join(str(label) for ok, label in zip(oks, CRITERIA.values()) if ok is False)]


def people_written(*, unit_path):
    """Bulk inserts (the import) bypass the session hook: recompute the standing of the subtree's people now."""
    db.session.flush()
    refresh_standing(unit_path=unit_path)

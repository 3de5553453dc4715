"""Reads for activities, attendance, dues and the standing dashboards — a fixed number of statements each."""
from dataclasses import dataclass
from datetime import date

from flask import abort, current_app
from sqlalchemy import and_, false, func, select, union
from sqlalchemy.orm import joinedload

from ..access import authorize, has_role, in_scope, subtree
from ..extensions import db
from ..members.criteria import add_months, month_start, setting
from ..members.models import ON_ROLL, Person, PersonEvent
from ..units.models import Unit
from ..forms import DATE_MAX, DATE_MIN
from ..web import arg_int
from . import permissions
from .models import KINDS, Activity, Attendance, BranchStanding, DuesPayment, DuesReversal

ACTIVITY_ACTIONS = {"view": permissions.can_view_activity, "edit": permissions.can_edit_activity}
ROLL_PAGE = 100


def get_activity_for(user, activity_id, action="view"):
    """Load, then authorise: 404 when missing, 403 when outside the user's rights."""
    activity = db.session.get(Activity, activity_id, options=[joinedload(Activity.unit)])
    if activity is None:
        abort(404)
    authorize(ACTIVITY_ACTIONS[action](user, activity))
    return activity


def get_unit_for(user, unit_id, action="view"):
    unit = db.session.get(Unit, unit_id)
    if unit is None:
        abort(404)
    check = {"view": permissions.can_view_unit_records, "dues": permissions.can_record_dues,
             "activities": permissions.can_manage_activities}[action]
    authorize(check(user, unit))
    return unit


def get_person_on_roll(activity, person_id):
    """A person of the activity's roll (or already marked at it); 404 otherwise."""
    person = db.session.get(Person, person_id)
    if person is None:
        abort(404)
    on_roll = person.unit_path.startswith(activity.unit_path) and person.status in ON_ROLL
    if not on_roll and db.session.scalar(select(Attendance.id).where(
            Attendance.activity_id == activity.id, Attendance.person_id == person.id)) is None:
        abort(404)
    return person


# ---- the list of activities ----------------------------------------------------------------------------------
@dataclass
class ActivityFilters:
    unit: int | None = None
    kind: str = ""
    month: date | None = None

    @classmethod
    def from_args(cls, args):
        unit = arg_int("unit", source=args)
        kind = args.get("kind", "") if args.get("kind", "") in KINDS else ""
        return cls(unit=unit, kind=kind, month=parse_month(args.get("month")))


def parse_month(text):
    """"2026-03" → date(2026, 3, 1); None when blank or malformed."""
    try:
        y, m = (text or "").split("-")[:2]
        month = date(int(y), int(m), 1)
    except (ValueError, TypeError):
        return None
    return month if DATE_MIN <= month <= DATE_MAX else None  # 0001-01 / 9999-12: no month anyone records


def month_choices(today=None, back=12, ahead=0):
    today = today or date.today()
    this = month_start(today)
    return [add_months(this, -k) for k in range(-ahead, back + 1)]


def activities_stmt(user, filters, unit=None):
    stmt = select(Activity).where(in_scope(Activity.unit_path, user))
    if unit is not None:
        stmt = stmt.where(under(Activity.unit_path, unit.path))
    if filters.kind:
        stmt = stmt.where(Activity.kind == filters.kind)
    if filters.month:
        stmt = stmt.where(Activity.held_on >= filters.month, Activity.held_on < add_months(filters.month, 1))
    return stmt.options(joinedload(Activity.unit)).order_by(Activity.held_on.desc(), Activity.id.desc())


def attendance_counts(activity_ids):
    """{activity_id: {status: n}} for a page of activities — one statement."""
    if not activity_ids:
        return {}
    rows = db.session.execute(
        select(Attendance.activity_id, Attendance.status, func.count(Attendance.id))
        .where(Attendance.activity_id.in_(list(activity_ids))).group_by(Attendance.activity_id, Attendance.status)
    ).all()
    out = {}
    for aid, status, n in rows:
        out.setdefault(aid, {})[status] = n
    return out


def units_for_filter(user, unit=None, limit=60):
    """Units offered in pickers: the given unit and the communes / branches below it (or in the user's scope)."""
    stmt = select(Unit).where(in_scope(Unit.path, user), Unit.status == "active", Unit.level.in_(("commune", "branch")))
    if unit is not None:
        stmt = stmt.where(Unit.path.like(unit.path + "%"))
    return db.session.scalars(stmt.order_by(Unit.path).limit(limit)).all()


def officer_units(user, unit=None, limit=80):
    stmt = select(Unit).where(in_scope(Unit.path, user, permissions.OFFICER), Unit.status == "active",
                              Unit.level.in_(("commune", "branch")))
    if unit is not None:
        stmt = stmt.where(Unit.path.like(unit.path + "%"))
    return db.session.scalars(stmt.order_by(Unit.path).limit(limit)).all()


# ---- attendance of one activity -------------------------------------------------------------------------------
def ids_on_roll(activity, person_ids):
    """Which of these people are on the activity's roll (a form may carry ids from anywhere)."""
    if not person_ids:
        return set()
    return set(db.session.scalars(roll_stmt(activity).where(Person.id.in_(list(person_ids))).with_only_columns(Person.id)))


def roll_stmt(activity):
    """People on the activity's roll (its branch, or the commune's branches), plus anyone already marked."""
    marked = select(Attendance.person_id).where(Attendance.activity_id == activity.id)
    on_roll = and_(under(Person.unit_path, activity.unit_path), Person.status.in_(ON_ROLL))
    if activity.unit.level == "branch":
        on_roll = and_(Person.unit_id == activity.unit_id, Person.status.in_(ON_ROLL))
    # A UNION of two indexed lookups, not an OR (which makes both databases scan every person).
    ids = union(select(Person.id).where(on_roll), marked).subquery()
    return (select(Person).where(Person.id.in_(select(ids.c[0])))
            .options(joinedload(Person.unit)).order_by(Person.unit_path, Person.name_key, Person.id))


def statuses_for(activity, person_ids):
    if not person_ids:
        return {}
    return dict(db.session.execute(
        select(Attendance.person_id, Attendance.status)
        .where(Attendance.activity_id == activity.id, Attendance.person_id.in_(list(person_ids)))
    ).all())


def roll_count(activity):
    return db.session.scalar(select(func.count()).select_from(roll_stmt(activity).order_by(None).subquery()))


def attendance_summary(activity):
    return dict(db.session.execute(
        select(Attendance.status, func.count(Attendance.id)).where(Attendance.activity_id == activity.id)
        .group_by(Attendance.status)).all())


# ---- dues ---------------------------------------------------------------------------------------------------
def dues_amount_for(person):
    salaried = person.occupation in tuple(setting("DUES_SALARIED_OCCUPATIONS"))
    return int(setting("DUES_AMOUNT_SALARIED") if salaried else setting("DUES_AMOUNT_NO_SALARY"))


def dues_roll(branch, month):
    """[(person, amount paid for `month` or None, last month paid)] for the branch roll — one statement."""
    paid = (select(DuesPayment.amount).where(DuesPayment.person_id == Person.id, DuesPayment.month == month,
                                             DuesPayment.reversed == false())
            .correlate(Person).scalar_subquery())
    through = (select(func.max(DuesPayment.month)).where(DuesPayment.person_id == Person.id, DuesPayment.reversed == false())
               .correlate(Person).scalar_subquery())
    return db.session.execute(
        select(Person, paid, through)
        .where(Person.unit_id == branch.id, Person.status.in_(ON_ROLL),
               Person.member_type.in_(tuple(setting("DUES_MEMBER_TYPES"))))
        .order_by(Person.name_key, Person.id)
    ).all()


def dues_roll_people(branch, person_ids):
    """The people among `person_ids` who owe dues on this branch's roll (others are ignored)."""
    if not person_ids:
        return []
    return db.session.scalars(
        select(Person).where(Person.id.in_(list(person_ids)), Person.unit_id == branch.id, Person.status.in_(ON_ROLL),
                             Person.member_type.in_(tuple(setting("DUES_MEMBER_TYPES"))))
    ).all()


# ---- standing: real / incomplete / paper over a subtree -------------------------------------------------------
@dataclass
class Tally:
    id: int
    name: str
    level: str = ""
    total: int = 0
    real: int = 0
    incomplete: int = 0
    paper: int = 0
    secretary_bad: int = 0
    last_activity: date | None = None
    is_branch: bool = False
    parent_name: str | None = None  # shown in the by-branch table, where branch names repeat across communes
    started_on: date | None = None  # founded (or created here): a branch formed last week is not "silent for 3 months"

    @property
    def real_share(self):
        return self.real / self.total if self.total else 0.0

    def add(self, other):
        self.total += other.total
        self.real += other.real
        self.incomplete += other.incomplete
        self.paper += other.paper

    def warnings(self, rules=None):
        """Branch warnings: codes of WARNINGS. `rules` = warning_rules(), computed once per page."""
        if not self.is_branch:
            return []
        silent_before, min_members = rules or warning_rules()
        out = []
        if self.secretary_bad:
            out.append("secretary")
        since = self.last_activity or self.started_on
        if since is None or since <= silent_before:
            out.append("silent")
        if self.total < min_members:
            out.append("small")
        return out


def warning_rules(today=None):
    """(no activity on or after this date → "silent", fewer members than this → "small")."""
    today = today or date.today()
    return (add_months(today, -setting("CRITERIA_GATHERED_MONTHS")), current_app.config.get("BRANCH_MIN_MEMBERS", 3))


def under(column, path):
    """SQL: `column` (a materialised path) lies in the subtree at `path` — index-friendly on both databases."""
    return subtree(column, path)


def branch_tallies(unit):
    """{branch_id: Tally} for every branch of the subtree (open ones, and closed ones that still hold people).

    Two statements whatever the subtree's size: the per-branch standing totals (BranchStanding, kept with
    PersonStanding), and the open branches with the date of their last activity.
    """
    B = BranchStanding
    conn = db.session.connection()  # plain rows (no ORM loading): thousands of branches at the province
    rows = conn.execute(
        select(Unit.id, Unit.name, Unit.path, Unit.status, B.total, B.real, B.incomplete, B.paper, B.secretary_bad)
        .join(B, B.unit_id == Unit.id).where(under(B.unit_path, unit.path))
    ).all()
    last = (select(func.max(Activity.held_on)).where(Activity.unit_id == Unit.id).correlate(Unit).scalar_subquery())
    open_branches = conn.execute(
        select(Unit.id, Unit.name, Unit.path, last, Unit.founded_on, Unit.created_at)
        .where(under(Unit.path, unit.path), Unit.level == "branch", Unit.status == "active")
    ).all()
    out, paths = {}, {}
    for uid, name, path, last_on, founded_on, created_at in open_branches:
        started = founded_on or (created_at.date() if created_at else None)
        out[uid] = Tally(uid, name, "branch", last_activity=last_on, is_branch=True, started_on=started)
        paths[uid] = path
    for uid, name, path, status, total, real, incomplete, paper, sec_bad in rows:
        t = out.get(uid) or Tally(uid, name, "branch", is_branch=status == "active")
        t.total, t.real, t.incomplete, t.paper, t.secretary_bad = total, real or 0, incomplete or 0, paper or 0, sec_bad or 0
        out[uid] = t
        paths[uid] = path
    return out, paths


def child_tallies(unit, by_branch=False, with_parents=False):
    """(total Tally of the subtree, [Tally per child unit or per branch], all branch tallies) — 3 statements, and one
    more for the branches' commune names when `with_parents` (the by-branch table)."""
    branches, paths = branch_tallies(unit)
    total = Tally(unit.id, unit.name, unit.level)
    for t in branches.values():
        total.add(t)
    if by_branch or unit.level == "branch":
        if with_parents and unit.level != "commune":  # one statement for the parents' names
            parent_of = {bid: int(paths[bid].rstrip("/").split("/")[-2]) for bid in branches if paths[bid].count("/") > 2}
            names = dict(db.session.execute(select(Unit.id, Unit.name).where(Unit.id.in_(set(parent_of.values())))).all()) \
                if parent_of else {}
            for bid, t in branches.items():
                t.parent_name = names.get(parent_of.get(bid))
        return total, list(branches.values()), branches
    children = {uid: Tally(uid, name, level) for uid, name, level in db.session.connection().execute(
        select(Unit.id, Unit.name, Unit.level).where(Unit.parent_id == unit.id, Unit.status == "active"))}
    start = len(unit.path)
    for bid, t in branches.items():
        path = paths[bid]
        end = path.find("/", start)
        if end < 0:
            continue
        cid = int(path[start:end])
        if cid == bid and t.is_branch:
            children[cid] = t
            continue
        if cid not in children:
            children[cid] = Tally(cid, t.name, "")
        children[cid].add(t)
    return total, list(children.values()), branches


SORTS = {
    "real_share": lambda t: (t.real_share, t.total),
    "paper": lambda t: (t.paper, t.total),
    "total": lambda t: (t.total,),
    "name": lambda t: (t.name,),
}


def standing_panel(unit, user):
    """Context for the unit page panel: counts over the subtree and branch warnings. Three statements."""
    if unit.level not in ("province", "district", "commune", "branch") or not has_role(user, unit):
        return None
    total, _children, branches = child_tallies(unit, by_branch=True)
    rules = warning_rules()
    warned = []
    counts = {"secretary": 0, "silent": 0, "small": 0}
    for t in branches.values():
        w = t.warnings(rules)
        for code in w:
            counts[code] += 1
        if w:
            warned.append((t, w))
    warned.sort(key=lambda x: (-len(x[1]), x[0].name))
    return {"standing_total": total, "standing_warned": warned[:8], "standing_warned_more": max(0, len(warned) - 8),
            "standing_warn_counts": counts, "standing_branches": len(branches),
            "can_add_activity": permissions.can_manage_activities(user, unit),
            "can_record_dues": permissions.can_record_dues(user, unit)}


# ---- one person's record (shown on the person page) ---------------------------------------------------------
def person_attendance(person, months=12, limit=30):
    """The person's attendance marks at activities of the last `months` months, newest first — one statement."""
    since = add_months(date.today(), -months)
    return db.session.execute(
        select(Activity, Attendance.status, Attendance.marked_at)
        .join(Attendance, Attendance.activity_id == Activity.id)
        .where(Attendance.person_id == person.id, Activity.held_on >= since)
        .order_by(Activity.held_on.desc(), Activity.id.desc()).limit(limit)
    ).all()


def person_dues(person, months=12):
    """([(month, amount or None)] for this month and the `months` before it, newest first; last month paid) — one
    statement (a person has at most a few dozen payment rows)."""
    this = month_start(date.today())
    rows = db.session.execute(
        select(DuesPayment.month, DuesPayment.amount).where(DuesPayment.person_id == person.id,
                                                            DuesPayment.reversed == false())
        .order_by(DuesPayment.month.desc())
    ).all()
    paid = {m: a for m, a in rows}
    grid = [(m, paid.get(m)) for m in (add_months(this, -i) for i in range(months + 1))]
    return grid, (rows[0][0] if rows else None)


# ---- one person's dues: several months at once, reversals -------------------------------------------------------
DUES_MONTHS_BACK = 24  # how far back the per-person form offers months (a person may bring a year or two at once)


def dues_month_bounds(person, today=None):
    """(first, last) month a person can owe dues for: from the month they joined (or were registered) to the current
    month. Without a joining date, DUES_MONTHS_BACK months back."""
    this = month_start(today or date.today())
    start = person.joined_on
    if start is None:
        start = db.session.scalar(select(func.min(PersonEvent.on)).where(
            PersonEvent.person_id == person.id, PersonEvent.kind.in_(("registered", "joined"))))
    return (month_start(start) if start else add_months(this, -DUES_MONTHS_BACK)), this


def person_dues_months(person, first, last):
    """{month: DuesPayment} for the person's payments from `first` to `last`, reversed ones included — one statement."""
    return {p.month: p for p in db.session.scalars(
        select(DuesPayment).where(DuesPayment.person_id == person.id, DuesPayment.month >= first,
                                  DuesPayment.month <= last))}


def person_dues_reversals(person, limit=20):
    return db.session.scalars(
        select(DuesReversal).where(DuesReversal.person_id == person.id)
        .options(joinedload(DuesReversal.reversed_by)).order_by(DuesReversal.reversed_at.desc()).limit(limit)).all()


def get_dues_person_for(user, person_id, action="view"):
    """Load, then authorise: a person who owes dues, on a branch roll; 'record' needs the dues right on the branch."""
    person = db.session.get(Person, person_id, options=[joinedload(Person.unit)])
    if person is None or person.member_type not in tuple(setting("DUES_MEMBER_TYPES")) or person.unit is None \
            or person.unit.level != "branch":
        abort(404)
    check = permissions.can_record_dues if action == "record" else permissions.can_view_unit_records
    authorize(check(user, person.unit))
    return person

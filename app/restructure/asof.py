"""Figures as of a date: how many members a unit had on a past day, along the tree as it was then ("then") or
re-projected onto today's tree ("now": the communes that now form ward Y, as of 31/12/2024).

The history the restructuring keeps (app.restructure.services writes it, the members' ORM hook too):
- a unit never moved has no UnitPastPlace row: its place at any date is where it is now; a moved unit has rows
  (parent, path, until = the first day it no longer sat there): its path at d is the row with the smallest
  `until` > d (ties: the smallest id), else its current path;
- the same for people: PersonPastUnit(person, unit, until) — the branch at d;
- a person's standing at d is the latest status-changing PersonEvent on or before d (STANDING below); no such event
  → not on the books at d, unless the person has no status-changing event at all (a record entered without its
  history, as some of the demo's): then their standing now.

Every read here is a fixed number of SQL statements whatever the size of the subtree: the units of the date are an
SQL subquery (each unit's path then, correlated to its row), the people of the date one set-based query over the
candidates' history rows (_people), never Python loops over rows.
"""
from datetime import date, timedelta

from sqlalchemy import and_, case, func, literal, not_, or_, select, union
from sqlalchemy.orm import aliased

from ..access import subtree
from ..activities.standing import filter_people
from ..extensions import db
from ..members.models import ON_ROLL, Person, PersonEvent, PersonPastUnit, over_union_age_born_by
from ..units.models import Unit, UnitPastPlace

TREES = ("then", "now")
# What a status-changing event makes of a person's standing; other kinds (confirmed, post_*, restructured) do not
# change it.
STANDING = {**dict.fromkeys(("registered", "joined", "transferred_in", "back", "reinstated", "kept"), "active"),
            "away": "away",
            **{k: k for k in ("transferred_out", "matured", "removed", "expelled", "deceased", "moved_away")}}
# The numbers of the page, in order; each links to the list of its people (people_stmt(kind=…)).
KINDS = ("on_roll", "union", "federation", "youth", "union_over_age", "paper")
# The five criteria at a past date are computed live, person by person (there is no history of the standing table):
# a commune's thousand people take a tenth of a second, a province's 200,000 minutes. Above this many people on the
# roll the page asks for a smaller unit instead of making its reader wait.
PAPER_LIMIT = 30_000
LEVELS = ("district", "commune", "branch")


def clamp(on, today=None):
    """A date in the future reads as today: the records know nothing after it."""
    today = today or date.today()
    return today if on is None or on > today else on


def closing_eve(unit):
    """The last day a closed unit had its own figures (the day before it closed), or None for an open unit."""
    if unit.is_active or unit.closed_on is None:
        return None
    return unit.closed_on - timedelta(days=1)


def merged_into(unit, limit=20):
    """[(id, name, closed_on)] of the units merged into this one, by date (one statement): a ward's unit page names
    the communes it was formed from and offers their figures before the merge on today's tree."""
    return db.session.execute(
        select(Unit.id, Unit.name, Unit.closed_on).where(Unit.merged_into_id == unit.id, Unit.status == "merged")
        .order_by(Unit.closed_on, Unit.name).limit(limit)).all()


# ---- where a unit was at a date (an SQL expression correlated to a Unit row; the people's are set-based, _people) ----
def _unit_path_at(U, on):
    past = aliased(UnitPastPlace)
    row = (select(past.path).where(past.unit_id == U.id, past.until > on).order_by(past.until, past.id).limit(1)
           .correlate(U).scalar_subquery())
    return func.coalesce(row, U.path)


def path_at(unit, on):
    """The unit's path at `on` (one statement)."""
    return db.session.scalar(select(_unit_path_at(Unit, on)).where(Unit.id == unit.id))


# ---- the units of the date ------------------------------------------------------------------------------------------
def _units_then(unit_path_then, on):
    """select(unit id, level, path at d) of the units whose path at `on` lies under unit_path_then. The candidates are
    the units under that path today plus those moved since (a unit never moved has the same path then and now)."""
    moved_since = select(UnitPastPlace.unit_id).where(UnitPastPlace.until > on)
    at = _unit_path_at(Unit, on)
    return (select(Unit.id.label("id"), Unit.level.label("level"), Unit.founded_on, Unit.closed_on)
            .where(or_(subtree(Unit.path, unit_path_then), Unit.id.in_(moved_since)), at.like(unit_path_then + "%")))


def _units_now(unit):
    """select(unit id) of the units that count in `unit`'s subtree today: those under it that were not merged away,
    and those merged (through any chain of merged_into_id) into one that is under it now."""
    chain = (select(Unit.id.label("start"), Unit.merged_into_id.label("cur"), literal(1).label("n"))
             .where(Unit.merged_into_id.isnot(None)).cte("merge_chain", recursive=True))
    step = aliased(Unit)
    chain = chain.union_all(select(chain.c.start, step.merged_into_id, chain.c.n + 1)
                            .join(step, step.id == chain.c.cur).where(step.merged_into_id.isnot(None), chain.c.n < 30))
    last = aliased(Unit)
    merged_in = (select(chain.c.start).join(last, last.id == chain.c.cur)
                 .where(last.merged_into_id.is_(None), subtree(last.path, unit.path)))
    here = select(Unit.id).where(subtree(Unit.path, unit.path), Unit.merged_into_id.is_(None))
    return here.union(merged_in)


def _unit_ids(unit, on, tree, then_path=None):
    # a CTE: read three times by the people query, PostgreSQL computes it once (its correlated path lookups too)
    if tree == "now":
        return _units_now(unit).cte("units_now")
    return _units_then(then_path or path_at(unit, on), on).cte("units_then")


# ---- the people of the date -----------------------------------------------------------------------------------------
def _people(unit, on, tree, then_path=None):
    """A subquery of the people whose branch at `on` is one of the date's units, with their branch then, their
    member type, joined_on, birth date and standing at `on`.

    Set-based, so a province's 300,000 people cost seconds, not a lookup each: the candidates are found by index
    (people in those units now, and people who left one of them after `on`); their first PersonPastUnit row after
    `on` (if any) and their latest status-changing event on or before `on` are picked with ROW_NUMBER() over the
    candidates' rows (window functions: PostgreSQL, and SQLite since 3.25)."""
    units = _unit_ids(unit, on, tree, then_path)
    ids = select(units.c.id)
    candidates = union(
        select(Person.id.label("id")).where(Person.unit_id.in_(ids)),
        select(PersonPastUnit.person_id.label("id")).where(PersonPastUnit.unit_id.in_(ids), PersonPastUnit.until > on),
    ).cte("candidates")
    past = (select(PersonPastUnit.person_id, PersonPastUnit.unit_id, func.row_number().over(
        partition_by=PersonPastUnit.person_id, order_by=(PersonPastUnit.until, PersonPastUnit.id)).label("rn"))
        .join(candidates, candidates.c.id == PersonPastUnit.person_id)
        .where(PersonPastUnit.until > on).subquery("past"))
    # One window over each candidate's status-changing events: the first row is the latest on or before `on` when
    # there is one, else the earliest after it (then the person was not on the books yet); no row at all: a record
    # entered without its history, counted with its status now.
    before = case((PersonEvent.on <= on, 0), else_=1)
    events = (select(PersonEvent.person_id, PersonEvent.kind, before.label("after"), func.row_number().over(
        partition_by=PersonEvent.person_id,
        order_by=(before, case((PersonEvent.on <= on, PersonEvent.on)).desc(), PersonEvent.on,
                  PersonEvent.id.desc())).label("rn"))
        .join(candidates, candidates.c.id == PersonEvent.person_id)
        .where(PersonEvent.kind.in_(tuple(STANDING))).subquery("last_event"))
    branch = func.coalesce(past.c.unit_id, Person.unit_id)
    standing = case((events.c.person_id.is_(None), Person.status), (events.c.after == 1, None),
                    *[(events.c.kind == k, literal(v)) for k, v in STANDING.items()], else_=None)
    return (select(Person.id.label("id"), branch.label("branch_id"), Person.member_type, Person.joined_on,
                   Person.birth_date, standing.label("standing"))
            .join(candidates, candidates.c.id == Person.id)
            .outerjoin(past, and_(past.c.person_id == Person.id, past.c.rn == 1))
            .outerjoin(events, and_(events.c.person_id == Person.id, events.c.rn == 1))
            .where(branch.in_(ids))
            .subquery("people_at"))


def _conditions(sub, on):
    """{kind: SQL condition on the people subquery}."""
    on_roll = sub.c.standing.in_(ON_ROLL)
    joined = or_(sub.c.joined_on.is_(None), sub.c.joined_on <= on)
    union = and_(on_roll, sub.c.member_type == "union", joined)
    over = and_(sub.c.birth_date.isnot(None), sub.c.birth_date <= over_union_age_born_by(on))
    return {
        "on_roll": on_roll,
        "union": and_(union, not_(over)),
        "union_over_age": and_(union, over),
        "federation": and_(on_roll, sub.c.member_type == "federation"),
        # a youth, or a Union member admitted after the date (a youth then)
        "youth": and_(on_roll, or_(sub.c.member_type == "youth",
                                   and_(sub.c.member_type == "union", not_(joined)))),
    }


def on_roll_count(unit, on, tree="then"):
    """How many people were on a roll in the unit at `on` (one statement): whether "paper" may be computed."""
    sub = _people(unit, on, tree)
    return db.session.scalar(select(func.count()).select_from(sub).where(_conditions(sub, on)["on_roll"]))


def people_stmt(unit, on, tree="then", kind="on_roll"):
    """select(Person) of the people behind one number of figures(unit, on, tree); None for an unknown kind.

    "paper" is the five-criteria verdict computed live at `on` (app.activities.standing.filter_people) over the
    people on a roll at `on`. Approximation: those criteria read the person's branch now (Person.unit_id: "is
    gathered", "is on an open branch's roll") and their status now, not at `on`."""
    found = _people_stmt(unit, on, tree, kind)
    return found[0] if found else None


def _people_stmt(unit, on, tree, kind):
    if kind not in KINDS or tree not in TREES:
        return None
    sub = _people(unit, on, tree)
    conds = _conditions(sub, on)
    stmt = select(Person).join(sub, sub.c.id == Person.id)
    if kind == "paper":
        return filter_people(stmt.where(conds["on_roll"]), verdict="paper", as_of=on), sub
    return stmt.where(conds[kind]), sub


def people_rows_stmt(unit, on, tree="then", kind="on_roll"):
    """select(Person, branch at `on`) for the list page, ordered by name."""
    found = _people_stmt(unit, on, tree, kind)
    if found is None:
        return None
    stmt, sub = found
    branch = aliased(Unit)
    return stmt.add_columns(branch).join(branch, branch.id == sub.c.branch_id).order_by(Person.name_key, Person.id)


def figures(unit, on, tree="then"):
    """{kind: count} for KINDS, plus "units": {level: count} of the units of each level in the subtree at `on`
    (not counting the unit itself; a unit founded after `on` or closed on or before it does not count). Four
    statements whatever the size ("then" reads the unit's path at `on` first)."""
    if tree not in TREES:
        raise ValueError(tree)
    then_path = path_at(unit, on) if tree == "then" else None
    sub = _people(unit, on, tree, then_path)
    conds = _conditions(sub, on)
    row = db.session.execute(select(*[func.count(case((conds[k], 1))) for k in KINDS[:-1]])).one()
    out = dict(zip(KINDS[:-1], row, strict=True))
    out["paper"] = None
    if out["on_roll"] <= PAPER_LIMIT:
        out["paper"] = db.session.scalar(filter_people(
            select(func.count()).select_from(Person).join(sub, sub.c.id == Person.id).where(conds["on_roll"]),
            verdict="paper", as_of=on))
    out["units"] = _level_counts(unit, on, then_path)
    return out


def _level_counts(unit, on, then_path=None):
    """{level: open units below `unit`}: today's tree (then_path None), or the tree at `on` under then_path."""
    if then_path is None:
        stmt = (select(Unit.level, func.count(Unit.id))
                .where(subtree(Unit.path, unit.path), Unit.id != unit.id, Unit.status == "active").group_by(Unit.level))
    else:
        units = _units_then(then_path, on).subquery()
        stmt = (select(units.c.level, func.count(units.c.id))
                .where(units.c.id != unit.id, or_(units.c.founded_on.is_(None), units.c.founded_on <= on),
                       or_(units.c.closed_on.is_(None), units.c.closed_on > on)).group_by(units.c.level))
    return dict(db.session.execute(stmt).all())

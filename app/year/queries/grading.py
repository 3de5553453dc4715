"""Unit grading (xếp loại chi đoàn, cơ sở đoàn): the criteria of a unit for a year computed from the records, the
flags that make it weak, the grade the rules propose, and the reads of the grading page and the weak-unit list.

The criteria of any set of units come in a fixed number of statements whatever its size (the grading page asks for a
commune's branches or a province's communes, the demo seed for every branch and commune of the province at once):
each statement groups by the path of the unit a record belongs to (a branch, or a commune for its own activities),
and the rows are summed here into every asked unit whose path prefixes theirs.

What each criterion counts, over the months counted (the complete months of the year by today; all twelve for a past
year) — "the subtree" is the unit and every unit under it:
- members: Union and Federation members on a roll of the subtree (active or away; a Union member past 30 is due to
  mature and no longer counts), as now;
- real share: people with the verdict "real" / people with a verdict (app.activities BranchStanding: the five
  criteria as now); paper: those with the verdict "paper";
- active months: months with at least one activity held in the subtree; silent run: the longest run of months in a
  row without one;
- dues: payments (not reversed) for the months counted by those members / members × months counted;
- secretary: a branch's secretary (a person on its roll holding the post now, whatever their age) not away working,
  and trained when they completed a cadre-training class (finished, enrolment not withdrawn, not failed) that ended
  by the period's end; above a branch, the number of branches with a present (trained) secretary out of the open branches;
- inspection findings closed: the subtree's corrective actions of origin "inspection" due in the period, verified;
- targets met: the unit's own approved targets of the year (the latest version), met by the actual to date
  (app.targets.actuals, the progress page's status); left out when the unit has none.
"""
from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, case, exists, false, func, literal_column, or_, select, true
from sqlalchemy.orm import aliased

from ...access import common_path, subtree
from ...activities.models import Activity, BranchStanding, DuesPayment
from ...activities.standing import setting
from ...classes.models import Enrolment, TrainingClass
from ...dates import add_months, month_start
from ...extensions import db
from ...inspections.models import CorrectiveAction
from ...members.models import ON_ROLL, Person, PersonEvent, over_union_age_born_by
from ...targets import actuals, progress
from ...targets.models import Indicator, Target
from ...units.models import Unit
from .. import catalogue
from ..models import ConsolidationEntry, ConsolidationPlan, Grade, UnitGrade
from . import UNION_UNITS

RULE_KEYS = ("real_share", "active_months", "dues_share")  # unit.<grade code>.<key> in app.year.rules


# ---- the months counted -------------------------------------------------------------------------------------------
def year_months(year, today=None):
    """The first days of the months of `year` that have ended by `today` (all twelve for a past year, none for a
    future one)."""
    today = today or date.today()
    last = 12 if year < today.year else (today.month - 1 if year == today.year else 0)
    return [date(year, m, 1) for m in range(1, last + 1)]


def trailing_months(today=None, n=12):
    """The `n` complete months before today's month (the demo's records cover only the last twelve)."""
    this = month_start(today or date.today())
    return [add_months(this, -k) for k in range(n, 0, -1)]


def _period(months):
    """(first day, last day) of the months counted; None without months."""
    if not months:
        return None
    return months[0], date.fromordinal(add_months(months[-1], 1).toordinal() - 1)


# ---- placing rows in the tree -----------------------------------------------------------------------------------------
class _Tree:
    """Which of the asked units a record's path falls under (its own path and every prefix of it that is asked)."""

    def __init__(self, units):
        self.by_path = {}
        for u in units:
            self.by_path.setdefault(u.path, []).append(u.id)
        self.lengths = sorted({len(p) for p in self.by_path})

    def owners(self, path):
        for n in self.lengths:
            if n > len(path or ""):
                break
            yield from self.by_path.get(path[:n], ())


def _members_cond():
    return and_(Person.status.in_(ON_ROLL), Person.member_type.in_(tuple(setting("DUES_MEMBER_TYPES"))),
                or_(Person.member_type != "union", Person.birth_date.is_(None),
                    Person.birth_date > over_union_age_born_by()))


def _ym(col):
    # the constant inline: PostgreSQL matches the GROUP BY to the column by its text
    return func.extract("year", col) * literal_column("12") + func.extract("month", col)


def _share(num, den):
    return round(100 * num / den, 1) if den else None


# ---- the criteria ---------------------------------------------------------------------------------------------------
def criteria(units, year, months=None, today=None):
    """{unit.id: criteria dict} for these units and year — 7 statements (the last one looks for targets), plus 1 and
    one per indicator with targets when some of the units have approved targets for the year. `months`: the months
    counted (default: the year's complete months by today)."""
    units = list(units)
    if not units:
        return {}
    today = today or date.today()
    months = year_months(year, today) if months is None else months
    tree, prefix, span = _Tree(units), common_path(units), _period(months)
    out = {u.id: {"members": 0, "standing": 0, "real": 0, "paper": 0, "months": len(months), "active_months": 0,
                  "silent_run": len(months), "dues_paid": 0, "dues_owed": 0, "branches": 0, "secretaries": 0,
                  "trained": 0, "findings": 0, "findings_closed": 0} for u in units}
    _sum(out, tree, ("branches", "standing", "real", "paper"), db.session.execute(
        select(Unit.path, literal_column("1"), BranchStanding.total, BranchStanding.real, BranchStanding.paper)
        .outerjoin(BranchStanding, BranchStanding.unit_id == Unit.id)
        .where(subtree(Unit.path, prefix), Unit.level == "branch", Unit.status == "active")))
    _sum(out, tree, ("members",), db.session.execute(
        select(Person.unit_path, func.count(Person.id)).where(subtree(Person.unit_path, prefix), _members_cond())
        .group_by(Person.unit_path)))
    if span:
        _in_period(out, tree, prefix, months, *span)
    secretaries = _secretaries(out, tree, prefix, span[1] if span else date(year, 12, 31))
    _targets(units, year, today, out)
    by_id = {u.id: u for u in units}
    for uid, c in out.items():
        c["real_share"] = _share(c["real"], c["standing"])
        c["dues_owed"] = c["members"] * len(months)
        c["dues_paid"] = min(c["dues_paid"], c["dues_owed"])
        c["dues_share"] = _share(c["dues_paid"], c["dues_owed"])
        c["findings_share"] = _share(c["findings_closed"], c["findings"])
        if by_id[uid].level == "branch":
            c["secretary"] = "present" if c["secretaries"] else ("away" if by_id[uid].path in secretaries else "none")
    return out


def _sum(out, tree, keys, rows):
    """Add rows (path, n1, n2, …) into the criteria `keys` of every asked unit the path falls under."""
    for path, *nums in rows:
        for uid in tree.owners(path):
            c = out[uid]
            for k, n in zip(keys, nums):
                c[k] += int(n or 0)


def _in_period(out, tree, prefix, months, lo, hi):
    """Dues paid, months with an activity (and the longest run without), inspection findings — three statements."""
    _sum(out, tree, ("dues_paid",), db.session.execute(
        select(Person.unit_path, func.count(DuesPayment.id)).join(DuesPayment, DuesPayment.person_id == Person.id)
        .where(subtree(Person.unit_path, prefix), _members_cond(), DuesPayment.reversed == false(),
               DuesPayment.month >= lo, DuesPayment.month <= hi)
        .group_by(Person.unit_path)))
    held = {}
    ym = _ym(Activity.held_on)
    for path, m in db.session.execute(
            select(Activity.unit_path, ym).where(subtree(Activity.unit_path, prefix), Activity.held_on >= lo,
                                                 Activity.held_on <= hi).group_by(Activity.unit_path, ym)):
        for uid in tree.owners(path):
            held.setdefault(uid, set()).add(int(m))
    keys = [d.year * 12 + d.month for d in months]
    for uid, c in out.items():
        got = held.get(uid, set())
        c["active_months"] = sum(1 for k in keys if k in got)
        c["silent_run"] = _longest_gap(keys, got)
    _sum(out, tree, ("findings", "findings_closed"), db.session.execute(
        select(CorrectiveAction.owner_unit_path, func.count(CorrectiveAction.id),
               func.count(case((CorrectiveAction.status == "verified", 1))))
        .where(CorrectiveAction.origin == "inspection", subtree(CorrectiveAction.owner_unit_path, prefix),
               CorrectiveAction.due_on >= lo, CorrectiveAction.due_on <= hi)
        .group_by(CorrectiveAction.owner_unit_path)))


def _secretaries(out, tree, prefix, period_end):
    """Branches with their secretary on the spot (and trained) — one statement: the people on a roll holding the post
    now (a "post_started" history row without a later "post_ended"), whatever their age. → {branch path: (present,
    trained)} of the branches that have a secretary."""
    started, ended = aliased(PersonEvent), aliased(PersonEvent)
    later_end = exists().where(ended.person_id == started.person_id, ended.kind == "post_ended",
                               ended.detail == started.detail,
                               or_(ended.on > started.on, and_(ended.on == started.on, ended.id > started.id)))
    trained = exists().where(
        Enrolment.person_id == Person.id, Enrolment.status == "enrolled",
        or_(Enrolment.passed.is_(None), Enrolment.passed.is_(True)), TrainingClass.id == Enrolment.class_id,
        TrainingClass.kind == "cadre", TrainingClass.status == "finished", TrainingClass.ends_on <= period_end)
    branches = {}
    for path, status, is_trained in db.session.execute(
            select(Person.unit_path, Person.status, case((trained, true()), else_=false()))
            .join(started, started.person_id == Person.id)
            .where(started.kind == "post_started", started.detail == "secretary", ~later_end,
                   Person.status.in_(ON_ROLL), subtree(Person.unit_path, prefix))):
        present, ok = branches.get(path, (False, False))
        here = status != "away"
        branches[path] = (present or here, ok or (here and bool(is_trained)))
    _sum(out, tree, ("secretaries", "trained"), ((p, int(a), int(b)) for p, (a, b) in branches.items()))
    return branches


def _longest_gap(keys, held):
    run = best = 0
    for k in keys:
        run = 0 if k in held else run + 1
        best = max(best, run)
    return best


def _targets(units, year, today, out):
    """Add targets / targets_met to the criteria of the units with approved targets of the year."""
    ids = [u.id for u in units]
    in_force = {}
    for t in db.session.scalars(select(Target).where(Target.year == year, Target.status == "approved",
                                                     subtree(Target.unit_path, common_path(units)))
                                .order_by(Target.number)):
        if t.unit_id in out:
            in_force[(t.unit_id, t.indicator_id)] = t
    if not in_force:
        return
    inds = {i.id: i for i in db.session.scalars(select(Indicator).where(
        Indicator.id.in_(sorted({k[1] for k in in_force}))))}
    as_of = progress.as_of_for(year, today)
    elapsed = progress.year_elapsed(year, as_of)
    by_id = {u.id: u for u in units if u.id in ids}
    for ind_id, ind in inds.items():
        if ind.actual not in actuals.ACTUALS:
            continue
        having = [by_id[uid] for (uid, iid) in in_force if iid == ind_id]
        values = actuals.values(ind.actual, having, year, as_of=as_of)
        for u in having:
            value = values.get(u.id)
            status = progress.status_of(ind.kind, None if value is None else value.value,
                                        in_force[(u.id, ind_id)].value, elapsed)
            c = out[u.id]
            c["targets"] = c.get("targets", 0) + 1
            c["targets_met"] = c.get("targets_met", 0) + (status == "met")


# ---- the flags and the proposal (pure: no database) ---------------------------------------------------------------
def flags_of(c, rules):
    """The WEAK_FLAGS codes the criteria raise ("lowest_grade" comes with the decision, not from here)."""
    flags = []
    if c["members"] < rules["unit.small"]:
        flags.append("small")
    if c["months"] and c["silent_run"] >= rules["unit.silent_months"]:
        flags.append("silent")
    if c["branches"] and 2 * c["secretaries"] < c["branches"]:  # a branch: no secretary present; above: most
        flags.append("secretary_away")
    if c["standing"] and 2 * c["paper"] > c["standing"]:
        flags.append("paper_heavy")
    return flags


def meets(c, rules, code):
    """Do the criteria reach the rules' numbers of grade `code`? The months needed scale with the months counted
    (a year not over yet asks its share of them)."""
    keys = [f"unit.{code}.{k}" for k in RULE_KEYS]
    if not all(k in rules for k in keys):
        return False
    real, months, dues = (rules[k] for k in keys)
    needed = -(-months * c["months"] // 12) if c["months"] < 12 else months
    return (c["real_share"] is not None and c["real_share"] >= real and c["active_months"] >= needed
            and c["dues_share"] is not None and c["dues_share"] >= dues)


def propose(c, flags, grades, rules):
    """The grade the rules propose: the best of `grades` (active unit grades, best first) whose numbers the criteria
    reach, else the lowest; a flagged unit never above the lowest. A grade without numbers in the rules is never
    proposed (it is given by decision)."""
    lowest = catalogue.lowest(grades)
    if flags:
        return lowest
    for g in grades:
        if g is lowest:
            break
        if meets(c, rules, g.code):
            return g
    return lowest


def decided_flags(flags, grade, grades):
    """The flags kept with a decision: the computed ones, plus "lowest_grade" when the grade decided is the lowest."""
    kept = [f for f in (flags or []) if f != "lowest_grade"]
    lowest = catalogue.lowest(grades)
    if lowest is not None and grade is not None and grade.rank >= lowest.rank:
        kept.append("lowest_grade")
    return kept


# ---- the pages' reads -------------------------------------------------------------------------------------------------
def unit_grades():
    """{id: Grade} of every unit grade, retired ones too (a grade given keeps its name) — one statement."""
    return {g.id: g for g in db.session.scalars(select(Grade).where(Grade.kind == "unit"))}


def children_stmt(unit, year):
    """The unit's open children with their grade of the year (or None): rows (Unit, UnitGrade)."""
    return (select(Unit, UnitGrade)
            .outerjoin(UnitGrade, and_(UnitGrade.unit_id == Unit.id, UnitGrade.year == year))
            .where(Unit.parent_id == unit.id, Unit.status == "active", UNION_UNITS).order_by(Unit.name, Unit.id))


def children_tally(unit, year):
    """(children, proposed, decided, weak, undecided) — one statement."""
    row = db.session.execute(
        select(func.count(Unit.id), func.count(UnitGrade.id), func.count(UnitGrade.grade_id),
               func.count(case((UnitGrade.weak.is_(True), 1))),
               func.count(case((and_(UnitGrade.id.isnot(None), UnitGrade.grade_id.is_(None)), 1))))
        .select_from(Unit).outerjoin(UnitGrade, and_(UnitGrade.unit_id == Unit.id, UnitGrade.year == year))
        .where(Unit.parent_id == unit.id, Unit.status == "active", UNION_UNITS)).one()
    return Tally(*row)


@dataclass
class Tally:
    children: int
    proposed: int
    decided: int
    weak: int
    undecided: int


def open_children(unit):
    return db.session.scalars(select(Unit).where(Unit.parent_id == unit.id, Unit.status == "active", UNION_UNITS)
                              .order_by(Unit.id)).all()


def grades_of(unit_ids, year):
    """{unit id: UnitGrade} of the year — one statement."""
    if not unit_ids:
        return {}
    return {g.unit_id: g for g in db.session.scalars(
        select(UnitGrade).where(UnitGrade.unit_id.in_(sorted(unit_ids)), UnitGrade.year == year))}


def get_unit_grade(unit_grade_id):
    return db.session.get(UnitGrade, unit_grade_id)


def covering_plan(unit_id_col, year):
    """SQL: the id of a plan of the year that has the unit on it (not withdrawn), else NULL."""
    return (select(func.min(ConsolidationPlan.id)).join(ConsolidationEntry, ConsolidationEntry.plan_id == ConsolidationPlan.id)
            .where(ConsolidationEntry.unit_id == unit_id_col, ConsolidationEntry.withdrawn_at.is_(None),
                   ConsolidationPlan.year == year).scalar_subquery())


def weak_stmt(unit, year):
    """The subtree's weak units of the year (the unit itself left out): rows (UnitGrade, Unit, plan id or None)."""
    return (select(UnitGrade, Unit, covering_plan(UnitGrade.unit_id, year).label("plan_id"))
            .join(Unit, Unit.id == UnitGrade.unit_id)
            .where(subtree(UnitGrade.unit_path, unit.path), UnitGrade.unit_id != unit.id, UnitGrade.year == year,
                   UnitGrade.weak.is_(True))
            .order_by(UnitGrade.unit_path))


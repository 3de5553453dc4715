"""The actual of each indicator, computed from the records — never typed, never stored.

CONTRACT (the registration, progress and party parts call only this; wt-actuals implements it):

    ACTUALS: {key: Actual}            the computations an Indicator.actual may name
    Actual(key, label, kind, levels, unit_label, records_kind)
        kind "count" or "percent"; records_kind "people" / "units" / "activities" / "steps" (what the records page lists)

    values(key, units, year, as_of=None) -> {unit.id: Value}
        the actual of each unit's subtree for the year (to `as_of`, default today), in a FIXED number of SQL
        statements whatever len(units) (the province progress page asks for 166 communes at once).
    monthly(key, unit, year, as_of=None) -> [Value] * 12
        the cumulative actual at the end of each month (months after as_of: None), a fixed number of statements.
    Value(value, numerator=None, denominator=None)
        value: a number (count) or a share in % (percent, one decimal; None when the denominator is 0).
    records_stmt(key, unit, year) -> (kind, select)
        the rows behind the number, for the records page (review.people-like, paginated by web.paginate).
    eligible_youth(unit) -> int
        youth aged 16–30 on the unit's rolls who are not Union members (the plausibility check of "new members").

The shipped catalogue (seeded by app.targets.seed, codes are stable): admitted, admitted_workers,
worker_branches_5, enterprise_orgs_10, yw_activities, yw_communes_share, party_introduced_rate,
party_admitted_rate, sympathizer_graduates, cadres_trained, real_share, review_coverage (only when the review
domain has a campaign for the year; else its Value is None).

What each counts ("in the year" = dated 1 January … min(31 December, as_of); "the subtree" = the unit and every unit
under it, by materialised path):

- admitted: "joined" history rows of the person (PersonEvent) dated in the year whose branch (PersonEvent.unit_id,
  the branch at the time) lies in the subtree. A person admitted in C1 who moved to C2 since counts for C1.
- admitted_workers: of those, the people whose occupation is "worker" (as recorded now: the roll says what they do).
- worker_branches_5: active branches of kind worker-residential or non-state enterprise, Union or Federation, founded
  in the year, with at least 5 Union or Federation members on their roll (status active or away) now — a branch
  founded with fewer counts (in the month it was founded) once it reaches 5.
- enterprise_orgs_10: active organisations inside non-state enterprises founded in the year with at least 10 Union or
  Federation members on roll now: a commune-level unit of kind "enterprise" (its whole subtree's roll), or a branch of
  kind "enterprise" whose commune is not itself an enterprise organisation (that one is counted as the organisation).
- yw_activities: activities tagged for young workers (Activity.for_young_workers) held in the year in the subtree.
- yw_communes_share: active communes of the subtree with at least one such activity in the year (anywhere in the
  commune's subtree) / active communes of the subtree. A branch has no commune under it: None.
- party_introduced_rate: the people recognised "outstanding" (PartyStep, not cancelled, year = the year, dated by
  as_of) whose occupation is worker, in the subtree of the branch where they were recognised: the share of them with
  an "introduced" step (not cancelled) of the same year, dated by as_of.
- party_admitted_rate: the people introduced to the Party in the year (not cancelled, dated by as_of), in the subtree
  of the branch where they were introduced: the share of them admitted to the Party (an "admitted" step, not
  cancelled) by as_of — "of those introduced, admitted". Admission often follows the next year: a year's cohort keeps
  counting the admissions that come later (as_of defaults to today), and the share never exceeds 100 %.
- sympathizer_graduates: people of the subtree (their branch now) with a passed enrolment (Enrolment.passed, frozen
  when the class finished; enrolment not withdrawn) in a sympathizer class that ended (ends_on) in the year. A person
  who passed two classes counts once.
- cadres_trained: people on a roll of the subtree holding a branch secretary or deputy post now (post_started without
  a later post_ended, app.classes.queries.current_post_cond) who are enrolled (not withdrawn) in a cadre-training class
  of the year (starts_on in the year, not cancelled) — the classes domain's own "trained this year" (untrained_cadres
  lists the others).
- real_share: people with verdict "real" / people with a standing row, from the stored per-branch totals
  (BranchStanding). A snapshot of now: the year and as_of do not change it; monthly() shows it in as_of's month only.
- review_coverage: people on the walk lists (taken when a campaign opened; people found at the doors are not on
  them) of the year's campaigns, in the subtree: the share visited (an outcome recorded, by as_of). None when no
  campaign of the year covers the unit or lies inside its subtree.
"""
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, false, func, literal, literal_column, null, or_, select, true
from sqlalchemy.orm import aliased, joinedload

from ..access import common_path, subtree
from ..activities.models import Activity, BranchStanding, PersonStanding
from ..classes.models import Enrolment, TrainingClass
from ..classes.queries import current_post_cond
from ..extensions import db
from ..members.models import ON_ROLL, Person, PersonEvent
from ..review.models import Campaign, Subject
from ..units.models import Unit
from .models import PartyStep


@dataclass(frozen=True)
class Value:
    value: float | None
    numerator: int | None = None
    denominator: int | None = None


@dataclass(frozen=True)
class Actual:
    key: str
    label: object
    kind: str = "count"
    levels: tuple = ("province", "district", "commune")
    unit_label: object = ""
    records_kind: str = "people"


UPPER = ("province", "district", "commune")
ROLL_TYPES = ("union", "federation")
WORKER_BRANCH_KINDS = ("worker_residential", "enterprise")

ACTUALS = {a.key: a for a in (
    Actual("admitted", _l("Kết nạp đoàn viên mới"), "count", UPPER, _l("người"), "people"),
    Actual("admitted_workers", _l("Kết nạp đoàn viên mới là thanh niên công nhân"), "count", UPPER, _l("người"), "people"),
    Actual("worker_branches_5", _l("Chi đoàn, chi hội công nhân thành lập trong năm có từ 5 thành viên"), "count", UPPER,
           _l("chi đoàn"), "units"),
    Actual("enterprise_orgs_10", _l("Tổ chức Đoàn, Hội trong doanh nghiệp ngoài nhà nước có từ 10 thành viên"), "count",
           UPPER, _l("tổ chức"), "units"),
    Actual("yw_activities", _l("Hoạt động dành cho thanh niên công nhân"), "count", UPPER, _l("hoạt động"), "activities"),
    Actual("yw_communes_share", _l("Tỷ lệ cơ sở có hoạt động dành cho thanh niên công nhân"), "percent",
           ("province", "district"), "%", "units"),
    Actual("party_introduced_rate", _l("Tỷ lệ đoàn viên ưu tú là công nhân được giới thiệu kết nạp Đảng"), "percent", UPPER,
           "%", "steps"),
    Actual("party_admitted_rate", _l("Tỷ lệ được kết nạp Đảng trong số được giới thiệu"), "percent", UPPER, "%", "steps"),
    Actual("sympathizer_graduates", _l("Thanh niên hoàn thành lớp cảm tình Đoàn"), "count", UPPER, _l("người"), "people"),
    Actual("cadres_trained", _l("Bí thư, phó bí thư chi đoàn được tập huấn trong năm"), "count", UPPER, _l("người"),
           "people"),
    Actual("real_share", _l("Tỷ lệ đoàn viên thực chất (đạt “5 có”)"), "percent", UPPER, "%", "people"),
    Actual("review_coverage", _l("Tỷ lệ người được rà soát tại nhà"), "percent", UPPER, "%", "people"),
)}


# ---- small helpers ---------------------------------------------------------------------------------------------------
def _bounds(year, as_of=None):
    """(1 January, the last day that counts): 31 December or as_of, whichever comes first."""
    as_of = as_of or date.today()
    return date(year, 1, 1), min(date(year, 12, 31), as_of), as_of


def _share(num, den):
    return Value(round(100 * num / den, 1) if den else None, num, den)


def _within(col, prefix):
    """SQL: col lies in the subtree at prefix; None = no condition (values() asks for a whole tree: the rows outside
    the units asked are dropped when they are assigned, and the planner is not misled by a LIKE that matches all)."""
    return true() if prefix is None else subtree(col, prefix)


def _values_prefix(units):
    prefix = common_path(units)
    return None if prefix.count("/") <= 2 else prefix


def _prefixes(path):
    """"/1/5/23/" → "/1/", "/1/5/", "/1/5/23/"."""
    segs = path.strip("/").split("/")
    return ["/" + "".join(s + "/" for s in segs[:i]) for i in range(1, len(segs) + 1)]


def _assign(rows, units, width):
    """Sum rows (path, n1, n2, …) into every unit whose path prefixes the row's: {unit.id: [n1, n2, …]}.
    Only the lengths of the units' own paths are tried on each row (a few slices, not every ancestor)."""
    by_path = {}
    for u in units:
        by_path.setdefault(u.path, []).append(u.id)
    lengths = sorted({len(p) for p in by_path})
    out = {u.id: [0] * width for u in units}
    for path, *nums in rows:
        if not path:
            continue
        for n in lengths:
            if n > len(path):
                break
            for uid in by_path.get(path[:n], ()):
                acc = out[uid]
                for i, x in enumerate(nums):
                    if x:
                        acc[i] += int(x)
    return out


def _ym(col):
    """year × 12 + month of a date column, as an integer (months after the year sort after 12 of it)."""
    # The constant inline (not a bound parameter): PostgreSQL matches the GROUP BY to the column by its text.
    return func.extract("year", col) * literal_column("12") + func.extract("month", col)


def _roll_count(unit_id_col):
    return (select(func.count(Person.id)).where(Person.unit_id == unit_id_col, Person.status.in_(ON_ROLL),
                                                Person.member_type.in_(ROLL_TYPES)).scalar_subquery())


# ---- the facts behind each actual ------------------------------------------------------------------------------------
# A fact source returns (stmt, path, a, b, key): `stmt` a select carrying its FROM and WHERE (columns replaced by the
# caller), `path` the column a fact is placed in the tree by, `a` the date it counts (count) or enters the denominator
# (percent), `b` the date it enters the numerator (percent; NULL: not in it), `key` what is counted distinct (None: rows).
def _joined(prefix, lo, hi, as_of, workers=False):
    stmt = (select(PersonEvent.id).select_from(PersonEvent).join(Unit, Unit.id == PersonEvent.unit_id)
            .where(PersonEvent.kind == "joined", PersonEvent.on.between(lo, hi), _within(Unit.path, prefix)))
    if workers:
        stmt = stmt.join(Person, Person.id == PersonEvent.person_id).where(Person.occupation == "worker")
    return stmt, Unit.path, PersonEvent.on, None, None


def _worker_branches(prefix, lo, hi, as_of):
    stmt = (select(Unit.id).where(Unit.level == "branch", Unit.kind.in_(WORKER_BRANCH_KINDS),
                                  Unit.org_type.in_(ROLL_TYPES), Unit.status == "active",
                                  Unit.founded_on.between(lo, hi), _within(Unit.path, prefix),
                                  _roll_count(Unit.id) >= 5))
    return stmt, Unit.path, Unit.founded_on, None, None


def _members_sq():
    """SQL on Unit: Union and Federation members on roll — a branch's own roll, a commune's whole subtree."""
    in_subtree = (select(func.count(Person.id)).where(Person.unit_path.like(Unit.path + literal("%")),
                                                      Person.status.in_(ON_ROLL), Person.member_type.in_(ROLL_TYPES))
                  .scalar_subquery())
    return case((Unit.level == "commune", in_subtree), else_=_roll_count(Unit.id))


def _enterprise_orgs(prefix, lo, hi):
    """[(path, founded_on, members, unit id)] of the organisations that count. Two statements: the enterprise units
    founded in the year (a handful), then the rolls of those alone (a correlated count over the people made PostgreSQL
    plan for millions of rows and spend 200 ms compiling it)."""
    parent = aliased(Unit)
    found = db.session.execute(
        select(Unit.id, Unit.path, Unit.level, Unit.founded_on, parent.level, parent.kind)
        .outerjoin(parent, parent.id == Unit.parent_id)
        .where(Unit.kind == "enterprise", Unit.status == "active", Unit.level.in_(("branch", "commune")),
               Unit.founded_on.between(lo, hi), _within(Unit.path, prefix))).all()
    # A branch of an enterprise's own Union organisation is part of it: the organisation counts, not each branch.
    branches = [r for r in found if r[2] == "branch" and not (r[4] == "commune" and r[5] == "enterprise")]
    communes = [r for r in found if r[2] == "commune"]
    conds = ([Person.unit_id.in_([r[0] for r in branches])] if branches else []) + [
        subtree(Person.unit_path, r[1]) for r in communes]
    rolls = db.session.execute(
        select(Person.unit_id, Person.unit_path, func.count())
        .where(or_(*conds) if conds else false(), Person.status.in_(ON_ROLL), Person.member_type.in_(ROLL_TYPES))
        .group_by(Person.unit_id, Person.unit_path)).all()
    out = []
    for uid, path, _level, founded_on, *_ in branches:
        n = sum(c for u, _p, c in rolls if u == uid)
        if n >= 10:
            out.append((path, founded_on, n, uid))
    for uid, path, _level, founded_on, *_ in communes:
        n = sum(c for _u, p, c in rolls if p.startswith(path))
        if n >= 10:
            out.append((path, founded_on, n, uid))
    return out


def _yw_cond(prefix, lo, hi):
    return and_(Activity.for_young_workers.is_(True), Activity.held_on.between(lo, hi), _within(Activity.unit_path, prefix))


def _yw_activities(prefix, lo, hi, as_of):
    return select(Activity.id).where(_yw_cond(prefix, lo, hi)), Activity.unit_path, Activity.held_on, None, None


def _step_alive(step, kind):
    return and_(step.kind == kind, step.cancelled_at.is_(None))


def _first_step(kind, *conds):
    """Each person's first `kind` step (not cancelled) meeting conds: a subquery (pid, on) to outer-join."""
    step = aliased(PartyStep)
    return (select(step.person_id.label("pid"), func.min(step.on).label("on"))
            .where(_step_alive(step, kind), *[c(step) for c in conds]).group_by(step.person_id).subquery())


def _party_introduced(prefix, lo, hi, as_of):
    intro = _first_step("introduced", lambda s: s.year == lo.year, lambda s: s.on <= hi)
    stmt = (select(PartyStep.id).select_from(PartyStep).join(Person, Person.id == PartyStep.person_id)
            .outerjoin(intro, intro.c.pid == PartyStep.person_id)
            .where(_step_alive(PartyStep, "outstanding"), PartyStep.year == lo.year, PartyStep.on <= hi,
                   Person.occupation == "worker", _within(PartyStep.unit_path, prefix)))
    return stmt, PartyStep.unit_path, PartyStep.on, intro.c.on, PartyStep.person_id


def _party_admitted(prefix, lo, hi, as_of):
    admitted = _first_step("admitted", lambda s: s.on <= as_of)
    stmt = (select(PartyStep.id).select_from(PartyStep).outerjoin(admitted, admitted.c.pid == PartyStep.person_id)
            .where(_step_alive(PartyStep, "introduced"), PartyStep.on.between(lo, hi), _within(PartyStep.unit_path, prefix)))
    return stmt, PartyStep.unit_path, PartyStep.on, admitted.c.on, PartyStep.person_id


def _graduates(prefix, lo, hi, as_of):
    stmt = (select(Enrolment.id).select_from(Enrolment).join(TrainingClass, TrainingClass.id == Enrolment.class_id)
            .join(Person, Person.id == Enrolment.person_id)
            .where(TrainingClass.kind == "sympathizer", TrainingClass.status != "cancelled",
                   TrainingClass.ends_on.between(lo, hi), Enrolment.status == "enrolled", Enrolment.passed.is_(True),
                   _within(Person.unit_path, prefix)))
    return stmt, Person.unit_path, TrainingClass.ends_on, None, Person.id


def _cadres(prefix, lo, hi, as_of):
    stmt = (select(Enrolment.id).select_from(Enrolment).join(TrainingClass, TrainingClass.id == Enrolment.class_id)
            .join(Person, Person.id == Enrolment.person_id)
            .where(TrainingClass.kind == "cadre", TrainingClass.status != "cancelled",
                   TrainingClass.starts_on.between(lo, hi), Enrolment.status == "enrolled",
                   Person.status.in_(ON_ROLL), _within(Person.unit_path, prefix), current_post_cond()))
    return stmt, Person.unit_path, TrainingClass.starts_on, None, Person.id


FACTS = {
    "admitted": _joined,
    "admitted_workers": lambda *a: _joined(*a, workers=True),
    "worker_branches_5": _worker_branches,
    "yw_activities": _yw_activities,
    "party_introduced_rate": _party_introduced,
    "party_admitted_rate": _party_admitted,
    "sympathizer_graduates": _graduates,
    "cadres_trained": _cadres,
}


def _counts(key):
    return ACTUALS[key].kind == "count"


def _n(key_col):
    return func.count() if key_col is None else func.count(func.distinct(key_col))


def _fact_values(key, units, lo, hi, as_of):
    stmt, path, _a, b, key_col = FACTS[key](_values_prefix(units), lo, hi, as_of)
    if _counts(key):
        cols = [path, _n(key_col)]
    else:
        inside = case((b.isnot(None), key_col if key_col is not None else literal(1)))
        cols = [path, func.count(func.distinct(inside)) if key_col is not None else func.count(inside), _n(key_col)]
    rows = db.session.execute(stmt.with_only_columns(*cols).group_by(path)).all()
    sums = _assign(rows, units, len(cols) - 1)
    if _counts(key):
        return {uid: Value(n[0]) for uid, n in sums.items()}
    return {uid: _share(num, den) for uid, (num, den) in sums.items()}


def _fact_monthly(key, unit, lo, hi, as_of):
    """[(ym of a, ym of b or None, n)] — a person counted distinct in a percent keeps one (a, b): their first."""
    stmt, _path, a, b, key_col = FACTS[key](unit.path, lo, hi, as_of)
    if key_col is not None and b is not None:
        # One row per person: the month they entered the denominator, and the numerator.
        inner = stmt.with_only_columns(key_col.label("k"), func.min(a).label("a"), func.min(b).label("b")).group_by(key_col)
        sq = inner.subquery()
        return db.session.execute(select(_ym(sq.c.a), _ym(sq.c.b), func.count()).group_by(_ym(sq.c.a), _ym(sq.c.b))).all()
    if key_col is not None:
        sq = stmt.with_only_columns(key_col.label("k"), func.min(a).label("a")).group_by(key_col).subquery()
        return db.session.execute(select(_ym(sq.c.a), null(), func.count()).group_by(_ym(sq.c.a))).all()
    if b is None:
        return db.session.execute(stmt.with_only_columns(_ym(a), null(), func.count()).group_by(_ym(a))).all()
    return db.session.execute(stmt.with_only_columns(_ym(a), _ym(b), func.count()).group_by(_ym(a), _ym(b))).all()


# ---- young-worker activities by commune ------------------------------------------------------------------------------
def _communes_share(units, lo, hi):
    """Two statements: the active communes of the subtrees, the young-worker activities' paths (with the month of the
    first in each)."""
    prefix = common_path(units)
    communes = db.session.scalars(select(Unit.path).where(Unit.level == "commune", Unit.status == "active",
                                                          subtree(Unit.path, prefix))).all()
    first = db.session.execute(select(Activity.unit_path, func.min(Activity.held_on)).where(_yw_cond(prefix, lo, hi))
                               .group_by(Activity.unit_path)).all()
    commune_set = set(communes)
    with_activity = {}  # commune path → the first day one was held
    for path, on in first:
        for p in _prefixes(path):
            if p in commune_set:
                with_activity[p] = min(on, with_activity.get(p, on))
                break
    return communes, with_activity


# ---- review coverage -------------------------------------------------------------------------------------------------
def _campaign_paths(year):
    return db.session.execute(select(Campaign.id, Campaign.unit_path).where(Campaign.year == year,
                                                                           Campaign.status != "draft")).all()


def _covered(unit, campaigns):
    return any(unit.path.startswith(p) or p.startswith(unit.path) for _id, p in campaigns)


def _subjects_in(campaigns, prefix):
    """SQL on Subject: on the walk lists of these campaigns, under prefix (no path condition when every campaign lies
    under it: the campaign's own index then answers alone)."""
    cond = and_(Subject.campaign_id.in_([c for c, _p in campaigns]), Subject.found.is_(False))
    if all(p.startswith(prefix) for _c, p in campaigns):
        return cond
    return and_(cond, subtree(Subject.branch_path, prefix))


def _coverage_rows(campaigns, units, as_of):
    """[(path, visited, listed)] per commune (per branch when a branch is asked): one statement. Grouping by the
    commune's id walks the review's roll-up index; the path is joined after the grouping. Visited by as_of reads each
    outcome's date — only needed for a day in the past (today every outcome recorded counts)."""
    key = Subject.branch_id if any(u.level == "branch" for u in units) else Subject.commune_id
    visited = (func.count(Subject.outcome) if as_of >= date.today()
               else func.count(Subject.outcome_on).filter(Subject.outcome_on <= as_of))
    sq = (select(key.label("uid"), visited.label("visited"), func.count().label("listed"))
          .where(_subjects_in(campaigns, common_path(units))).group_by(key).subquery())
    return db.session.execute(select(Unit.path, sq.c.visited, sq.c.listed).join(sq, sq.c.uid == Unit.id)).all()


# ---- the contract --------------------------------------------------------------------------------------------------
def values(key, units, year, as_of=None):
    """{unit.id: Value} of each unit's subtree for the year, in a fixed number of statements whatever len(units)."""
    units = list(units)
    if not units:
        return {}
    lo, hi, as_of = _bounds(year, as_of)
    if key in FACTS:
        return _fact_values(key, units, lo, hi, as_of)
    if key == "enterprise_orgs_10":
        rows = [(path, 1) for path, *_ in _enterprise_orgs(_values_prefix(units), lo, hi)]
        return {uid: Value(n) for uid, (n,) in _assign(rows, units, 1).items()}
    if key == "yw_communes_share":
        communes, with_activity = _communes_share(units, lo, hi)
        rows = [(c, 1 if c in with_activity else 0, 1) for c in communes]
        return {uid: _share(num, den) for uid, (num, den) in _assign(rows, units, 2).items()}
    if key == "real_share":
        # One row per branch already: no grouping to do.
        rows = db.session.execute(select(BranchStanding.unit_path, BranchStanding.real, BranchStanding.total)
                                  .where(_within(BranchStanding.unit_path, _values_prefix(units)))).all()
        return {uid: _share(num, den) for uid, (num, den) in _assign(rows, units, 2).items()}
    if key == "review_coverage":
        campaigns = _campaign_paths(year)
        if not campaigns:
            return {u.id: Value(None) for u in units}
        sums = _assign(_coverage_rows(campaigns, units, as_of), units, 2)
        return {u.id: _share(*sums[u.id]) if _covered(u, campaigns) else Value(None) for u in units}
    raise KeyError(key)


def _month_ends(year):
    return [date(year + (m == 12), m % 12 + 1, 1).toordinal() - 1 for m in range(1, 13)]


def monthly(key, unit, year, as_of=None):
    """[Value] × 12: the cumulative actual at the end of each month of the year (months after as_of: None)."""
    lo, hi, as_of = _bounds(year, as_of)
    ends = [date.fromordinal(d) for d in _month_ends(year)]
    live = [m for m in range(12) if date(year, m + 1, 1) <= as_of]  # the months begun by as_of
    out = [None] * 12
    base = year * 12
    if key in FACTS:
        rows = _fact_monthly(key, unit, lo, hi, as_of)
        for m in live:
            cut = base + m + 1
            den = sum(int(n) for a, _b, n in rows if a is not None and int(a) <= cut)
            if _counts(key):
                out[m] = Value(den)
            else:
                num = sum(int(n) for a, b, n in rows if a is not None and int(a) <= cut and b is not None and int(b) <= cut)
                out[m] = _share(num, den)
        return out
    if key == "enterprise_orgs_10":
        found = [on for _path, on, *_ in _enterprise_orgs(unit.path, lo, hi)]
        for m in live:
            out[m] = Value(sum(1 for on in found if on <= ends[m]))
        return out
    if key == "yw_communes_share":
        communes, with_activity = _communes_share([unit], lo, hi)
        mine = [c for c in communes if c.startswith(unit.path)]
        for m in live:
            out[m] = _share(sum(1 for c in mine if c in with_activity and with_activity[c] <= ends[m]), len(mine))
        return out
    if key == "real_share":
        value = values(key, [unit], year, as_of)[unit.id]
        if lo <= as_of <= date(year, 12, 31):
            out[as_of.month - 1] = value
        return out
    if key == "review_coverage":
        campaigns = _campaign_paths(year)
        if not campaigns or not _covered(unit, campaigns):
            return [Value(None) if m in live else None for m in range(12)]
        rows = db.session.execute(
            select(_ym(Subject.outcome_on), func.count())
            .where(_subjects_in(campaigns, unit.path)).group_by(_ym(Subject.outcome_on))).all()
        listed = sum(int(n) for _ym_, n in rows)
        for m in live:
            cut = min(base + m + 1, as_of.year * 12 + as_of.month)
            out[m] = _share(sum(int(n) for ym, n in rows if ym is not None and int(ym) <= cut), listed)
        return out
    raise KeyError(key)


# ---- the records behind a number -------------------------------------------------------------------------------------
def records_stmt(key, unit, year, as_of=None):
    """(records_kind, select of rows (record, on, counted, note)): the rows behind the actual, for web.paginate(rows=True).

    record: a Person ("people"), a Unit ("units"), an Activity ("activities") or a PartyStep ("steps", with its person);
    on: the date it counts by; counted: in the numerator (a count's rows all are; a share lists its denominator);
    note: a short text (the decision, the class, the post …) or a number (a branch's members on roll)."""
    lo, hi, as_of = _bounds(year, as_of)
    kind = ACTUALS[key].records_kind
    prefix = unit.path
    if key in ("admitted", "admitted_workers"):
        stmt, *_ = _joined(prefix, lo, hi, as_of, workers=key == "admitted_workers")
        if key == "admitted":
            stmt = stmt.join(Person, Person.id == PersonEvent.person_id)
        stmt = stmt.with_only_columns(Person, PersonEvent.on, true(), PersonEvent.detail).options(joinedload(Person.unit))
        return kind, stmt.order_by(PersonEvent.on.desc(), Person.name_key, PersonEvent.id)
    if key in ("worker_branches_5", "enterprise_orgs_10"):
        if key == "worker_branches_5":
            stmt, *_ = FACTS[key](prefix, lo, hi, as_of)
        else:
            stmt = select(Unit.id).where(Unit.id.in_([uid for *_, uid in _enterprise_orgs(prefix, lo, hi)] or [-1]))
        stmt = stmt.with_only_columns(Unit, Unit.founded_on, true(), _members_sq()).options(joinedload(Unit.parent))
        return kind, stmt.order_by(Unit.founded_on.desc(), Unit.name, Unit.id)
    if key == "yw_activities":
        stmt = (select(Activity, Activity.held_on, true(), null()).where(_yw_cond(prefix, lo, hi))
                .options(joinedload(Activity.unit)))
        return kind, stmt.order_by(Activity.held_on.desc(), Activity.id.desc())
    if key == "yw_communes_share":
        held = (select(Activity.id).where(_yw_cond(prefix, lo, hi), Activity.unit_path.like(Unit.path + literal("%")))
                .exists())
        stmt = (select(Unit, null(), held, null()).where(Unit.level == "commune", Unit.status == "active",
                                                        subtree(Unit.path, prefix)).options(joinedload(Unit.parent)))
        return kind, stmt.order_by(held.desc(), Unit.name, Unit.id)
    if key in ("party_introduced_rate", "party_admitted_rate"):
        stmt, _path, _a, b, _k = FACTS[key](prefix, lo, hi, as_of)
        if key == "party_admitted_rate":
            stmt = stmt.join(Person, Person.id == PartyStep.person_id)
        counted = b.isnot(None)
        stmt = (stmt.with_only_columns(PartyStep, PartyStep.on, counted, b)
                .options(joinedload(PartyStep.person), joinedload(PartyStep.unit)))
        return kind, stmt.order_by(counted.desc(), Person.name_key, PartyStep.id)
    if key in ("sympathizer_graduates", "cadres_trained"):
        stmt, _path, a, _b, _k = FACTS[key](prefix, lo, hi, as_of)
        stmt = (stmt.with_only_columns(Person, func.min(a), true(), func.min(TrainingClass.title))
                .group_by(Person.id).options(joinedload(Person.unit)))
        return kind, stmt.order_by(Person.name_key, Person.id)
    if key == "real_share":
        stmt = (select(Person, null(), PersonStanding.verdict == "real", PersonStanding.verdict)
                .join(PersonStanding, PersonStanding.person_id == Person.id)
                .where(subtree(PersonStanding.unit_path, prefix)).options(joinedload(Person.unit)))
        return kind, stmt.order_by(Person.unit_path, Person.name_key, Person.id)
    if key == "review_coverage":
        ids = [c for c, _p in _campaign_paths(year)]
        visited = and_(Subject.outcome_on.isnot(None), Subject.outcome_on <= as_of)
        stmt = (select(Person, Subject.outcome_on, visited, Subject.outcome).join(Subject, Subject.person_id == Person.id)
                .where(Subject.campaign_id.in_(ids) if ids else false(), Subject.found.is_(False),
                       subtree(Subject.branch_path, prefix)).options(joinedload(Person.unit)))
        return kind, stmt.order_by(Subject.branch_path, Person.name_key, Person.id)
    raise KeyError(key)


def eligible_youth(unit, today=None):
    """Youth aged 16–30 on the subtree's rolls (status active or away) who are not Union members: the most new
    members a unit could plausibly admit. One statement."""
    today = today or date.today()

    def years_ago(n):
        try:
            return today.replace(year=today.year - n)
        except ValueError:  # 29 February
            return today.replace(year=today.year - n, day=28)

    # 16 today: born on or before 16 years ago; at most 30: born after 31 years ago.
    return db.session.scalar(select(func.count(Person.id)).where(
        subtree(Person.unit_path, unit.path), Person.status.in_(ON_ROLL), Person.member_type != "union",
        Person.birth_date <= years_ago(16), Person.birth_date > years_ago(31))) or 0

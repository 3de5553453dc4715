"""Reads of the registration and approval of targets. A page runs a fixed number of statements whatever the size of
the tree: the catalogue, the unit's versions, its children's current versions, and one call of
app.targets.actuals per computation the catalogue names (last year's actual and the youth not yet in the Union)."""
from collections import defaultdict
from dataclasses import dataclass, field

from flask import abort
from flask_babel import format_decimal
from flask_babel import gettext as _
from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload

from ..access import authorize, scope_paths, subtree
from ..extensions import db
from ..units.models import Unit
from ..units.queries import list_root_units
from . import actuals, permissions
from .models import Indicator, Target, TargetEvent

RATIO = 2  # a target above RATIO × last year's actual is flagged
YOUTH_CHECKED = ("admitted", "admitted_workers")  # computations whose target cannot exceed the youth not yet members
OPEN = ("draft", "returned")  # a version its unit still edits in place
LOCKED = ("submitted", "approved")  # a child's version the level above may no longer split onto


def fmt(value):
    """A target or an actual as people read it: 12, 12,5 (Vietnamese), '—' for none."""
    if value is None:
        return "—"
    return format_decimal(int(value) if float(value).is_integer() else round(value, 2))


def plain(value):
    """A value as an input shows it (12, 12.5): read back by forms.parse_number whatever the interface's language."""
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


# ---- loading with the right ----------------------------------------------------------------------------------------
def get_unit_for(user, unit_id, action="view"):
    unit = db.session.get(Unit, unit_id)
    if unit is None:
        abort(404)
    authorize({"view": permissions.can_view, "register": permissions.can_register,
               "split": permissions.can_split}[action](user, unit))
    return unit


def get_target_for(user, target_id, action="view"):
    target = db.session.get(Target, target_id, options=[joinedload(Target.unit), joinedload(Target.indicator)])
    if target is None:
        abort(404)
    authorize({"view": lambda u, t: permissions.can_view(u, t.unit),
               "approve": permissions.can_approve}[action](user, target))
    return target


def get_indicator(indicator_id):
    indicator = db.session.get(Indicator, indicator_id)
    if indicator is None:
        abort(404)
    return indicator


# ---- the catalogue and the versions --------------------------------------------------------------------------------
def indicators_for(unit):
    """The active indicators the unit's level registers, in the catalogue's order (one statement)."""
    rows = db.session.scalars(select(Indicator).where(Indicator.active.is_(True))
                              .order_by(Indicator.position, Indicator.id)).all()
    return [i for i in rows if i.applies_to(unit)]


def versions_of(unit, year, indicator_ids=None):
    """{indicator id: [Target, …] by number} of the unit for the year, with who did what (one statement)."""
    stmt = (select(Target).where(Target.unit_id == unit.id, Target.year == year)
            .options(joinedload(Target.created_by), joinedload(Target.submitted_by), joinedload(Target.decided_by))
            .order_by(Target.indicator_id, Target.number))
    if indicator_ids is not None:
        stmt = stmt.where(Target.indicator_id.in_(indicator_ids))
    out = defaultdict(list)
    for t in db.session.scalars(stmt).unique():
        out[t.indicator_id].append(t)
    return out


def latest_of(unit_id, year, indicator_id):
    """The newest version of one (unit, year, indicator), read fresh (after a lock, what a twin request committed)."""
    stmt = (select(Target).where(Target.unit_id == unit_id, Target.year == year, Target.indicator_id == indicator_id)
            .order_by(Target.number.desc()).limit(1).execution_options(populate_existing=True))
    return db.session.scalars(stmt).first()


def in_force(versions):
    """The approved version in force (the newest approved one), or None."""
    return next((t for t in reversed(versions) if t.status == "approved"), None)


# ---- plausibility: against chasing numbers -------------------------------------------------------------------------
def last_year(unit, indicators, year):
    """{indicator id: actuals.Value} of the year before, one call of actuals.values per computation named."""
    keys = sorted({i.actual for i in indicators})
    by_key = {k: actuals.values(k, [unit], year - 1).get(unit.id) for k in keys}
    return {i.id: by_key.get(i.actual) for i in indicators}


def eligible_youth(unit, indicators):
    """The youth aged 16–30 on the unit's rolls not yet in the Union — asked only when an indicator needs it."""
    if any(i.actual in YOUTH_CHECKED for i in indicators):
        return actuals.eligible_youth(unit)
    return None


def plausibility(indicator, value, last, youth):
    """The flags of a target value: [{"code", "value", "last", "ratio" | "youth"}] (empty when plausible).
    Warnings, never refusals: the approver must give a reason to approve a flagged target."""
    flags = []
    if value is None:
        return flags
    last_value = last.value if last is not None else None
    if last_value and last_value > 0 and value > RATIO * last_value:
        flags.append({"code": "above_last_year", "value": value, "last": last_value,
                      "ratio": round(value / last_value, 1)})
    if indicator.actual in YOUTH_CHECKED and youth is not None and value > youth:
        flags.append({"code": "above_youth", "value": value, "youth": youth})
    return flags


def describe(flag):
    """One flag, with its figures, as people read it."""
    if flag.get("code") == "above_last_year":
        return _("Năm trước đạt %(last)s; đăng ký %(value)s, gấp %(ratio)s lần.", last=fmt(flag["last"]),
                 value=fmt(flag["value"]), ratio=fmt(flag["ratio"]))
    if flag.get("code") == "above_youth":
        return _("Đăng ký %(value)s người, nhiều hơn số thanh niên 16–30 tuổi chưa vào Đoàn trên sổ (%(youth)s người).",
                 value=fmt(flag["value"]), youth=fmt(flag["youth"]))
    return flag.get("message") or flag.get("code") or ""


def describe_all(flags):
    return [describe(f) for f in flags or ()]


# ---- the unit's page -----------------------------------------------------------------------------------------------
@dataclass
class Row:
    indicator: Indicator
    versions: list
    last: object = None  # actuals.Value of last year
    flags: list = field(default_factory=list)  # messages (live for an open version, stored once submitted)
    cascade: dict | None = None  # {"sum", "n", "statuses": {status: n}, "differs"} for a unit with children

    @property
    def latest(self):
        return self.versions[-1] if self.versions else None

    @property
    def in_force(self):
        return in_force(self.versions)

    @property
    def editable(self):
        """The unit may type a value: nothing yet, a draft or returned version, or an approved one (→ a new one)."""
        return self.latest is None or self.latest.status in (*OPEN, "approved")


def unit_rows(unit, year, typed=None):
    """One Row per indicator of the unit's level: its versions, last year's actual, the flags (of what was typed, of
    the open version, or stored at submission) and, for a unit with children, their sum beside its own."""
    indicators = indicators_for(unit)
    if not indicators:
        return [], []
    versions = versions_of(unit, year, [i.id for i in indicators])
    last = last_year(unit, indicators, year)
    youth = eligible_youth(unit, indicators)
    children = children_of(unit)
    cascade = children_sums(children, year, indicators) if children else {}
    rows = []
    for ind in indicators:
        row = Row(ind, versions.get(ind.id, []), last.get(ind.id), cascade=cascade.get(ind.id))
        latest = row.latest
        if typed is not None and ind.id in typed:
            from_forms = _typed_value(typed[ind.id].get("value"))
            row.flags = describe_all(plausibility(ind, from_forms, row.last, youth))
        elif latest is not None and latest.status in OPEN:
            row.flags = describe_all(plausibility(ind, latest.value, row.last, youth))
        elif latest is not None:
            row.flags = describe_all(latest.flags)
        if row.cascade is not None:
            own = latest.value if latest is not None else None
            row.cascade["differs"] = own is not None and row.cascade["n"] > 0 and abs(row.cascade["sum"] - own) > 1e-9
        rows.append(row)
    return rows, children


def _typed_value(raw):
    raw = (raw or "").strip().replace(",", ".")
    try:
        value = float(raw)
    except ValueError:
        return None
    return value if value >= 0 else None


def children_of(unit):
    """The open units directly under this one that register targets (not branches), by name."""
    if unit.level == "branch":
        return []
    return db.session.scalars(select(Unit).where(Unit.parent_id == unit.id, Unit.level != "branch",
                                                 Unit.status == "active").order_by(Unit.name)).all()


def current_of_children(children, year, indicator_ids):
    """{(child id, indicator id): Target} — each child's current version (the newest one not superseded, whatever its
    status), one statement."""
    if not children:
        return {}
    rows = db.session.scalars(select(Target).where(
        Target.unit_id.in_([c.id for c in children]), Target.year == year, Target.indicator_id.in_(indicator_ids),
        Target.status != "superseded").order_by(Target.number))
    return {(t.unit_id, t.indicator_id): t for t in rows}  # by number: the newest wins


def children_sums(children, year, indicators):
    """{indicator id: {"sum", "n", "statuses"}} over the children's current targets — count indicators only (a share
    of the children is not the share of the whole: the parent's percent is not their sum nor their plain average)."""
    counts = [i for i in indicators if i.kind == "count"]
    current = current_of_children(children, year, [i.id for i in counts])
    out = {i.id: {"sum": 0.0, "n": 0, "statuses": defaultdict(int), "differs": False} for i in counts}
    for (_cid, iid), t in current.items():
        out[iid]["sum"] += t.value
        out[iid]["n"] += 1
        out[iid]["statuses"][t.status] += 1
    return out


def versions_of_children(child_ids, year, indicator_id):
    """{child id: [Target, …] by number} of one indicator, read fresh (one statement)."""
    out = defaultdict(list)
    if not child_ids:
        return out
    for t in db.session.scalars(select(Target).where(Target.unit_id.in_(child_ids), Target.year == year,
                                                     Target.indicator_id == indicator_id).order_by(Target.number)
                                .execution_options(populate_existing=True)):
        out[t.unit_id].append(t)
    return out


def split_rows(unit, year, indicator):
    """The split form: each child with its current version of the indicator and whether the level above may still set
    it (no version of the child submitted or approved for it)."""
    children = children_of(unit)
    versions = versions_of_children([c.id for c in children], year, indicator.id)
    rows = []
    for child in children:
        vs = versions.get(child.id, [])
        locked = any(t.status in (*LOCKED, "superseded") for t in vs)
        rows.append({"unit": child, "current": vs[-1] if vs else None, "locked": locked})
    return children, rows


# ---- the approver's side -------------------------------------------------------------------------------------------
def _below(path_column, paths):
    """SQL: strictly inside one of the subtrees at `paths` (the unit at the top itself excluded)."""
    return or_(*[(subtree(path_column, p)) & (path_column != p) for p in paths])


def pending_units(user, year):
    """[(unit, number of targets waiting)] under the units the user may approve for — strictly below them (nobody
    approves their own unit's target) — one statement."""
    paths = scope_paths(user, permissions.REGISTRARS)
    if not paths:
        return []
    stmt = (select(Unit, func.count(Target.id)).join(Target, Target.unit_id == Unit.id)
            .where(Target.status == "submitted", Target.year == year, _below(Target.unit_path, paths))
            .group_by(Unit.id).order_by(Unit.path).limit(200))
    return [(u, n) for u, n in db.session.execute(stmt).all()]


def waiting_stmt(unit, year):
    """The submitted targets of the units below `unit` (children, grandchildren …), flagged ones first."""
    return (select(Target).where(Target.status == "submitted", Target.year == year, _below(Target.unit_path, [unit.path]))
            .options(joinedload(Target.unit), joinedload(Target.indicator), joinedload(Target.submitted_by))
            .order_by(Target.unit_path, Target.indicator_id))


def in_force_of(targets):
    """{(unit id, indicator id): the approved Target in force} for the targets on a page — one statement."""
    if not targets:
        return {}
    keys = {(t.unit_id, t.indicator_id) for t in targets}
    rows = db.session.scalars(select(Target).where(
        Target.unit_id.in_({k[0] for k in keys}), Target.year.in_({t.year for t in targets}),
        Target.status == "approved").order_by(Target.number))
    return {(t.unit_id, t.indicator_id): t for t in rows if (t.unit_id, t.indicator_id) in keys}


def history(target):
    """Every version of the target's (unit, year, indicator) and their events, oldest first — two statements."""
    versions = db.session.scalars(select(Target).where(
        Target.unit_id == target.unit_id, Target.year == target.year, Target.indicator_id == target.indicator_id)
        .options(joinedload(Target.created_by), joinedload(Target.submitted_by), joinedload(Target.decided_by))
        .order_by(Target.number)).unique().all()
    events = db.session.scalars(select(TargetEvent).where(TargetEvent.target_id.in_([v.id for v in versions]))
                                .options(joinedload(TargetEvent.by)).order_by(TargetEvent.at, TargetEvent.id)).all()
    return versions, events


def own_units(user):
    """The top of each subtree the user holds a role on (the index lists them)."""
    return list_root_units(user)

"""The reads of the progress page and of the unit page's card: each indicator's actual to date (app.targets.actuals,
from the records) against the approved target in force, the share, a status, the months; above a commune, the
communes (and districts) ranked. A fixed number of SQL statements whatever the number of units: the units in one,
the indicators in one, the targets in one, then one actuals.values() call per indicator over all the units at once
(and one actuals.monthly() per indicator for the unit itself)."""
import calendar
from dataclasses import dataclass, field
from datetime import date

from flask import abort
from flask_babel import format_decimal
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..access import authorize, subtree
from ..extensions import db
from ..text import fold
from ..units.models import Unit
from . import actuals, permissions
from .models import Indicator, Target

STATUSES = {"met": _l("Đạt"), "on_track": _l("Đúng tiến độ"), "behind": _l("Chậm")}
RANKED_LEVELS = ("district", "commune")  # the rows of the ranking above a commune


# ---- the arithmetic ------------------------------------------------------------------------------------------------
def year_elapsed(year, as_of):
    """The share of `year` gone by at the end of `as_of` (0 before it starts, 1 once it is over)."""
    if as_of.year < year:
        return 0.0
    if as_of.year > year:
        return 1.0
    days = 366 if calendar.isleap(year) else 365
    return (as_of.timetuple().tm_yday) / days


def as_of_for(year, today):
    """The day the actuals are counted to: today in the current year, the last day of a past year."""
    return min(today, date(year, 12, 31))


def share_of(actual, target):
    """actual / target in %, one decimal; None without both, or with a target of 0."""
    if actual is None or target is None or target == 0:
        return None
    return round(100 * actual / target, 1)


def status_of(kind, actual, target, elapsed):
    """"met" (actual ≥ target), "on_track" (a count at or above target × the share of the year gone by), "behind"
    otherwise; a percent compares the current share with the target itself. None: no target, or no actual yet (a
    percent over nobody)."""
    if target is None or actual is None:
        return None
    if actual >= target:
        return "met"
    if kind != "percent" and actual >= target * elapsed:
        return "on_track"
    return "behind"


def figure(value, kind="count"):
    """How a target, an actual or a share reads: 1.610 (a count), 66,7% (a percent), "—" for none."""
    if value is None:
        return "—"
    if kind == "percent":
        return format_decimal(round(value, 1), format="#,##0.#") + "%"
    return format_decimal(round(value, 1), format="#,##0.#")


SPARK_W, SPARK_H = 48, 14


def sparkline(months, target=None):
    """The points of a tiny inline-SVG line of the cumulative months (scaled to the larger of the target and the
    highest month); "" when there is nothing to draw."""
    known = [(i, v) for i, v in enumerate(months) if v is not None]
    if len(known) < 2:
        return ""
    top = max([v for _, v in known] + [target or 0]) or 1
    step = SPARK_W / 11
    return " ".join(f"{i * step:.1f},{SPARK_H - 1 - (SPARK_H - 2) * v / top:.1f}" for i, v in known)


@dataclass
class Cell:
    """One indicator for one unit."""
    indicator: object
    target: object = None  # the approved Target in force, or None
    actual: object = None  # actuals.Value, or None (the indicator does not apply / no computation)
    status: str | None = None
    months: list = field(default_factory=list)  # cumulative actual at each month's end (None after as_of)

    @property
    def target_value(self):
        return None if self.target is None else self.target.value

    @property
    def value(self):
        return None if self.actual is None else self.actual.value

    @property
    def share(self):
        return share_of(self.value, self.target_value)

    @property
    def status_label(self):
        return STATUSES.get(self.status, "")

    @property
    def spark(self):
        if not self.months:
            return None
        return sparkline([None if m is None else m.value for m in self.months], self.target_value)

    expected: float | None = None  # where a count should be by now: target × the share of the year gone by


@dataclass
class Row:
    """A unit of the ranking: its cells by indicator code."""
    unit: object
    parent_name: str | None = None
    cells: dict = field(default_factory=dict)

    def behind(self, code=None):
        if code:
            cell = self.cells.get(code)
            return cell is not None and cell.status == "behind"
        return any(c.status == "behind" for c in self.cells.values())

    def rank_key(self, code=None):
        """The share of the chosen indicator, or the mean share of those with a target; no share ranks last."""
        if code:
            cell = self.cells.get(code)
            shares = [cell.share] if cell is not None and cell.share is not None else []
        else:
            shares = [c.share for c in self.cells.values() if c.share is not None]
        mean = sum(shares) / len(shares) if shares else None
        return (mean is None, -(mean or 0), fold(self.unit.name))

    @property
    def mean_share(self):
        shares = [c.share for c in self.cells.values() if c.share is not None]
        return round(sum(shares) / len(shares), 1) if shares else None


# ---- loading with the right ----------------------------------------------------------------------------------------
def get_unit_for(user, unit_id):
    """The unit whose progress is read: 404 when missing, 403 outside the user's units."""
    unit = db.session.get(Unit, unit_id)
    if unit is None:
        abort(404)
    authorize(permissions.can_view(user, unit))
    return unit


# ---- the reads -----------------------------------------------------------------------------------------------------
def indicators():
    """The active indicators whose computation exists, in the catalogue's order — one statement."""
    rows = db.session.scalars(select(Indicator).where(Indicator.active.is_(True))
                              .order_by(Indicator.position, Indicator.id)).all()
    return [i for i in rows if i.actual in actuals.ACTUALS]


def targets_in_force(unit, year, only_unit=False):
    """{(unit id, indicator id): Target} — the approved version with the highest number, for the unit (and with
    only_unit False, every unit below it): one statement."""
    stmt = select(Target).where(Target.year == year, Target.status == "approved")
    stmt = stmt.where(Target.unit_id == unit.id) if only_unit else stmt.where(subtree(Target.unit_path, unit.path))
    out = {}
    for t in db.session.scalars(stmt.order_by(Target.number)):
        out[(t.unit_id, t.indicator_id)] = t  # the later number wins
    return out


def _applies(indicator, unit):
    return unit.level in indicator.level_list


def _cells(inds, units, targets, year, as_of, elapsed):
    """{unit id: {code: Cell}} — one actuals.values() call per indicator over all the units that it applies to."""
    out = {u.id: {} for u in units}
    for ind in inds:
        applying = [u for u in units if _applies(ind, u)]
        if not applying:
            continue
        values = actuals.values(ind.actual, applying, year, as_of=as_of)
        for u in applying:
            cell = Cell(ind, targets.get((u.id, ind.id)), values.get(u.id))
            cell.status = status_of(ind.kind, cell.value, cell.target_value, elapsed)
            if ind.kind != "percent" and cell.target_value is not None:
                cell.expected = round(cell.target_value * elapsed, 1)
            out[u.id][ind.code] = cell
    return out


@dataclass
class Progress:
    unit: object
    year: int
    as_of: date
    elapsed: float
    cells: list  # [Cell] of the unit itself, in the catalogue's order
    indicators: list  # the indicators of the ranking's columns (those that apply to one of the rows)
    rows: list  # [Row] ranked (empty at a commune)
    chosen: object = None  # the indicator of ?indicator=
    ranked: bool = False  # the unit has units to rank below it
    levels: tuple = ()  # the levels among the units below (the level filter shows when there are two)

    @property
    def tally(self):
        out = dict.fromkeys(STATUSES, 0)
        for c in self.cells:
            if c.status:
                out[c.status] += 1
        return out


def unit_progress(unit, year, today=None, indicator=None, behind=False, level=None, months=None):
    """The progress page of `unit` for `year`, counted to `today` (default the real today): its own cells with the
    months, and above a commune its districts and communes ranked (by the chosen indicator's share, else by the mean
    share), narrowed to those behind (on the chosen indicator, else on any) with `behind`, to one level with `level`.
    Statements: indicators 1, units 1, targets 1, then per indicator one values() and one monthly().

    months: the month-by-month table (one monthly() per indicator). Default: for a commune; a province or district
    asks for it (?months=1) — over 300,000 people the twelve monthly() calls would double the ranking's time."""
    today = today or date.today()
    as_of = as_of_for(year, today)
    elapsed = year_elapsed(year, as_of)
    inds = indicators()
    chosen = next((i for i in inds if i.code == indicator), None) if indicator else None
    ranked = unit.level in ("province", "district")
    below = []
    if ranked:
        below = db.session.scalars(
            select(Unit).where(subtree(Unit.path, unit.path), Unit.id != unit.id, Unit.level.in_(RANKED_LEVELS),
                               Unit.status == "active").order_by(Unit.path)).all()
    targets = targets_in_force(unit, year, only_unit=not ranked)
    cells = _cells(inds, [unit, *below], targets, year, as_of, elapsed)
    own = [cells[unit.id][i.code] for i in inds if i.code in cells[unit.id]]
    if months is None:
        months = not ranked
    for cell in own:
        cell.months = list(actuals.monthly(cell.indicator.actual, unit, year, as_of=as_of)) if months else None
    rows = []
    if ranked:
        names = {u.id: u.name for u in (unit, *below)}
        for u in below:
            if level and u.level != level:
                continue
            row = Row(u, names.get(u.parent_id) if u.parent_id != unit.id else None, cells[u.id])
            if behind and not row.behind(chosen.code if chosen else None):
                continue
            rows.append(row)
        rows.sort(key=lambda r: r.rank_key(chosen.code if chosen else None))
    columns = [i for i in inds if any(_applies(i, u) for u in below)]
    return Progress(unit=unit, year=year, as_of=as_of, elapsed=elapsed, cells=own, indicators=columns, rows=rows,
                    chosen=chosen, ranked=ranked, levels=tuple(lv for lv in RANKED_LEVELS if any(u.level == lv for u in below)))


# ---- the unit page's card (seams.UNIT_PAGE) ------------------------------------------------------------------------
PANEL_BEHIND = 5


def unit_panel(unit, user, today=None):
    """The unit page's card, read by no statement at all: the card's figures come by htmx from targets.card (the
    twelve actuals would double the province dashboard's time); without JavaScript it is a link to the progress page.
    None where no indicator can apply (a branch) or the user may not read the unit."""
    if unit.level not in ("province", "district", "commune") or not permissions.can_view(user, unit):
        return None
    return {"year": (today or date.today()).year, "lazy": True}


def card(unit, user, today=None):
    """This year's progress of the unit against its approved targets: how many met, on track, behind, and the
    indicators behind. None where no indicator applies (a branch). Statements: indicators 1, targets 1, then one
    values() per indicator that has an approved target."""
    if unit.level not in ("province", "district", "commune") or not permissions.can_view(user, unit):
        return None
    today = today or date.today()
    year = today.year
    inds = [i for i in indicators() if _applies(i, unit)]
    if not inds:
        return None
    targets = targets_in_force(unit, year, only_unit=True)
    with_target = [i for i in inds if (unit.id, i.id) in targets]
    cells = _cells(with_target, [unit], targets, year, today, year_elapsed(year, today))[unit.id]
    cells = [cells[i.code] for i in with_target if i.code in cells]
    tally = dict.fromkeys(STATUSES, 0)
    for c in cells:
        if c.status:
            tally[c.status] += 1
    behind = [c for c in cells if c.status == "behind"]
    return {"year": year, "tally": tally, "behind": behind[:PANEL_BEHIND], "more": max(0, len(behind) - PANEL_BEHIND),
            "targets": len(cells), "indicators": len(inds), "statuses": STATUSES, "figure": figure}

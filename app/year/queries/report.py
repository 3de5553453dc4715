"""The reads of the yearly report's pages: load-then-authorise, the report and its versions, the children's reports and
the consolidated view (their submitted figures summed per row, beside the unit's own computed figures). A fixed number
of statements each."""
from datetime import timezone

from flask import abort
from flask_babel import to_user_timezone
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from ...access import authorize
from ...dates import utcnow
from ...extensions import db
from ...units.models import Unit
from .. import figures
from .. import permissions as perm
from ..models import ReportVersion, YearReport
from . import get_unit_for


def today_vn():
    """Today in Vietnam (the server may run on UTC): the day a report is dated and counted to."""
    return to_user_timezone(utcnow().replace(tzinfo=timezone.utc)).date()


def get_report_unit_for(user, unit_id, check=perm.can_view):
    """A unit that writes a yearly report (not a branch): 404 when missing or a branch, 403 when not allowed."""
    unit = get_unit_for(user, unit_id, check)
    if unit.level == "branch":
        abort(404)
    return unit


def get_report_for(user, report_id, check=perm.can_view):
    report = db.session.get(YearReport, report_id, options=[joinedload(YearReport.unit)])
    if report is None:
        abort(404)
    authorize(check(user, report.unit))
    return report


def get_version_for(user, version_id):
    version = db.session.get(ReportVersion, version_id,
                             options=[joinedload(ReportVersion.report).joinedload(YearReport.unit),
                                      joinedload(ReportVersion.submitted_by)])
    if version is None:
        abort(404)
    authorize(perm.can_view(user, version.report.unit))
    return version


def report_of(unit, year):
    """The unit's report for the year with its versions (oldest first), or None — two statements."""
    return db.session.scalar(select(YearReport).where(YearReport.unit_id == unit.id, YearReport.year == year)
                             .options(selectinload(YearReport.versions).joinedload(ReportVersion.submitted_by)))


def version_number(report, number):
    """The report's version `number`, or None."""
    return next((v for v in report.versions if v.number == number), None) if report else None


def children_reports(unit, year):
    """[(child unit, its report or None, its last version or None)] for the unit's open children that write a report
    (not branches), by name — two statements."""
    rows = db.session.execute(
        select(Unit, YearReport).outerjoin(YearReport, (YearReport.unit_id == Unit.id) & (YearReport.year == year))
        .where(Unit.parent_id == unit.id, Unit.status == "active", Unit.level != "branch")
        .order_by(Unit.level, Unit.name, Unit.id)).all()
    report_ids = [r.id for _u, r in rows if r is not None]
    last = {}
    if report_ids:
        newest = (select(ReportVersion.report_id, func.max(ReportVersion.number).label("n"))
                  .where(ReportVersion.report_id.in_(report_ids)).group_by(ReportVersion.report_id).subquery())
        for v in db.session.scalars(select(ReportVersion).join(newest, (newest.c.report_id == ReportVersion.report_id)
                                                               & (newest.c.n == ReportVersion.number))):
            last[v.report_id] = v
    return [(u, r, last.get(r.id) if r is not None else None) for u, r in rows]


def _add(total, row):
    """Add one child's row into the running sum (a percent by its numerator and denominator)."""
    if row.get("kind") == "percent":
        if row.get("denominator") is not None:
            total["numerator"] = (total.get("numerator") or 0) + (row.get("numerator") or 0)
            total["denominator"] = (total.get("denominator") or 0) + row["denominator"]
        return
    if row.get("value") is not None:
        total["value"] = (total.get("value") or 0) + row["value"]
    if row.get("target") is not None:
        total["target"] = (total.get("target") or 0) + row["target"]


def consolidated(own, children):
    """The consolidated view: [{"key", "title", "rows": [{"code", "label", "indent", "kind", "own", "sum", "diff"}]}] —
    the unit's own figures (`own`, computed) beside the sum of its children's last submitted versions (`children`:
    [(unit, report, version)]); rows found only in children's reports come after, under their own headings."""
    sums = {}
    for _unit, _report, version in children:
        if version is None:
            continue
        for code, row in figures.rows_by_code(version.figures).items():
            _add(sums.setdefault(code, {"kind": row.get("kind")}), row)
    sections, seen = [], set()
    own_rows = figures.rows_by_code(own)
    child_sections = [s for _u, _r, v in children if v is not None for s in v.figures.get("sections", [])]
    for section in list(own["sections"]) + child_sections:
        rows = [r for r in section["rows"] if r["code"] not in seen]
        if not rows:
            continue
        seen.update(r["code"] for r in rows)
        out = next((s for s in sections if s["key"] == section["key"]), None)
        if out is None:
            out = {"key": section["key"], "title": section["title"], "rows": []}
            sections.append(out)
        for r in rows:
            mine = own_rows.get(r["code"])
            total = sums.get(r["code"])
            own_value = mine.get("value") if mine else None
            sum_value = _sum_value(total)
            diff = (round(own_value - sum_value, 1) if isinstance(own_value, (int, float))
                    and isinstance(sum_value, (int, float)) else None)
            out["rows"].append({"code": r["code"], "label": r["label"], "indent": r.get("indent", 0),
                                "kind": r.get("kind", "count"), "own": own_value, "sum": sum_value,
                                "diff": int(diff) if isinstance(diff, float) and diff.is_integer() else diff})
    return sections


def _sum_value(total):
    if total is None:
        return None
    if total.get("kind") == "percent":
        den = total.get("denominator")
        return round(100 * (total.get("numerator") or 0) / den, 1) if den else None
    return total.get("value")

"""The yearly report's writes: the draft (the narrative and the document details, saved in place, versioned) and the
submit, which freezes the figures computed from the records and the text in a ReportVersion. Keyword-only; they flush,
the route commits once; one audit entry each."""
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ...audit.services import record, snapshot
from ...dates import utcnow
from ...errors import ConflictError, check_version
from ...extensions import db
from ...locks import lock_rows
from ...text import nfc
from .. import figures
from ..models import ReportVersion, YearReport

NARRATIVE = ("results", "shortcomings", "tasks")
DOCUMENT = ("doc_number", "place", "recipients", "signer_post", "signer_name")
REPORT_FIELDS = NARRATIVE + DOCUMENT


def _by(by):
    if by is not None:
        return by
    return current_user if getattr(current_user, "is_authenticated", False) else None


def _clean(value):
    if isinstance(value, str):
        value = nfc(value.replace("\r\n", "\n").strip())
        return value or None
    return value


def cleaned(fields):
    """{field: value as stored} of the report's fields in `fields` (others ignored)."""
    return {k: _clean(fields.get(k)) for k in REPORT_FIELDS if k in fields}


def report_of(unit, year):
    return db.session.scalar(select(YearReport).where(YearReport.unit_id == unit.id, YearReport.year == year))


def _same(report, wanted):
    return all(getattr(report, k) == v for k, v in wanted.items())


def start_report(*, unit, year, fields, by=None):
    """The unit's report for the year, made on its first save with what was typed → (report, created). A twin request
    (a double tap) gets the report the first made; someone else's different first save is a conflict, never a silent
    overwrite."""
    by = _by(by)
    wanted = cleaned(fields)
    existing = report_of(unit, year)
    if existing is not None:
        if _same(existing, wanted):
            return existing, False
        raise ConflictError(existing)
    report = YearReport(unit_id=unit.id, unit_path=unit.path, year=year, status="draft", saved_at=utcnow(),
                        saved_by_id=by.id if by else None, **wanted)
    try:
        with db.session.begin_nested():  # one report per unit and year: the database refuses a second
            db.session.add(report)
            db.session.flush()
    except IntegrityError:
        twin = report_of(unit, year)
        if twin is None:
            raise
        if _same(twin, wanted):
            return twin, False
        raise ConflictError(twin) from None
    record(action="year_report.start", obj=report, unit=unit, after=snapshot(report, REPORT_FIELDS),
           summary=f"{unit.name} · {year}", user=by)
    return report, True


def save_report(*, report, expected_version, fields, by=None):
    """The draft saved in place. A form opened on an older version is a conflict, unless it asks for what is stored
    (the same save sent again)."""
    by = _by(by)
    wanted = cleaned(fields)
    if check_version(report, expected_version, wanted):
        return report
    before = snapshot(report, REPORT_FIELDS)
    for key, value in wanted.items():
        setattr(report, key, value)
    if snapshot(report, REPORT_FIELDS) == before:
        return report
    report.saved_at, report.saved_by_id = utcnow(), by.id if by else None
    db.session.flush()
    record(action="year_report.save", obj=report, unit=report.unit, before=before,
           after=snapshot(report, REPORT_FIELDS), summary=f"{report.unit.name} · {report.year}", user=by)
    return report


def version_of_token(token):
    if not token:
        return None
    return db.session.scalar(select(ReportVersion).where(ReportVersion.form_token == token))


def narrative(report, on=None):
    """What a version freezes besides the figures: the text and the document's details."""
    out = {k: getattr(report, k) for k in REPORT_FIELDS}
    if on is not None:
        out["on"] = on.isoformat()
    return out


def submit_report(*, report, expected_version, form_token, reason=None, by=None, today=None):
    """Freeze a version: the figures computed now from the records and the report's text. The form's token makes a
    double-tapped submit one version (the second answer is the first's); from the second version on a reason is
    required. The report's row is locked first, so two submits at once take their turns."""
    by = _by(by)
    twin = version_of_token(form_token)
    if twin is not None and twin.report_id == report.id:
        return twin
    lock_rows(YearReport.id, [report.id])
    db.session.refresh(report)
    twin = version_of_token(form_token)  # a twin that held the lock has committed by now
    if twin is not None and twin.report_id == report.id:
        return twin
    if expected_version is not None and expected_version != report.version:
        raise ConflictError(report)
    last = db.session.scalar(select(func.max(ReportVersion.number)).where(ReportVersion.report_id == report.id)) or 0
    reason = _clean(reason)
    if last and not reason:
        # the form asks for a reason once a version exists: without one, another version was sent meanwhile
        raise ConflictError(report)
    now = utcnow()
    version = ReportVersion(report_id=report.id, number=last + 1, reason=reason, form_token=form_token or None,
                            figures=figures.compute(report.unit, report.year, today),
                            narrative=narrative(report, (today or now.date())), submitted_at=now,
                            submitted_by_id=by.id if by else None)
    try:
        with db.session.begin_nested():
            db.session.add(version)
            db.session.flush()
    except IntegrityError:
        twin = version_of_token(form_token)
        if twin is None:
            raise
        return twin
    before = {"status": report.status}
    report.status = "submitted"
    db.session.flush()
    record(action="year_report.submit", obj=report, unit=report.unit, before=before,
           after={"status": "submitted", "number": version.number, "reason": reason},
           summary=f"{report.unit.name} · {report.year} · {version.number}", user=by)
    return version

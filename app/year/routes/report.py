"""The yearly report (báo cáo kết quả thực hiện kế hoạch): the page (the figures computed from the records, the
narrative, the document's details, the versions sent), draft saves, submits, one frozen version, the level above's
view of its children's reports with the consolidated figures, the records behind a figure, the PDF in the official
layout and the XLSX annex."""
import time
import uuid
from datetime import date

from flask import abort, flash, make_response, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ... import seams
from ...activities.standing import VERDICTS
from ...errors import conflict_returns_to
from ...extensions import db
from ...formatting import date_vn
from ...inspections.models import ACTION_STATUSES, INSPECTION_STATUSES
from ...members.models import EVENT_KINDS
from ...pdf import pdf_response, render_pdf
from ...review.models import OUTCOMES
from ...targets.progress import figure
from ...units.queries import get_ancestors
from ...web import arg_int, paginate, render, see_other
from .. import bp, exports, figures
from .. import permissions as perm
from ..forms.report import ReportForm, SubmitForm
from ..models import RESULTS
from ..queries import get_unit_for, issuer_lines, year_from_args
from ..queries import report as rq
from ..services import report as services

PROVINCE_DEPARTMENT = "Ban Tổ chức – Kiểm tra"  # the province's report comes from its organisation department
# How a record's note reads on the records page (history kinds, verdicts, outcomes, statuses, consolidation results)
NOTES = {**EVENT_KINDS, **VERDICTS, **OUTCOMES, **INSPECTION_STATUSES, **ACTION_STATUSES, **RESULTS}


def fmt(row_or_value, kind="count"):
    """How a figure reads: 1.610, 66,7%, "—" for none."""
    if isinstance(row_or_value, dict):
        return figure(row_or_value.get("value"), row_or_value.get("kind", "count"))
    return figure(row_or_value, kind)


def _defaults(unit):
    """What a new report's form starts with: the place, where it goes, who signs."""
    if unit.level == "province":
        recipients = [_("Ban Thường vụ Tỉnh ủy (để báo cáo)"), _("Ban Thường vụ Trung ương Đoàn (để báo cáo)"),
                      _("Thường trực Tỉnh đoàn"), _("Lưu VP, BTC-KT")]
    else:
        above = unit.parent.name if unit.parent is not None else ""
        recipients = [_("Ban Thường vụ %(u)s (để báo cáo)", u=above), _("Lưu VP")]
    return {"place": unit.place_name, "recipients": "\n".join(recipients), "signer_post": _("BÍ THƯ")}


def _report_page(unit, year, form=None):
    """The report's page. `form`: a refused save or send, shown again with what was typed (422)."""
    report = rq.report_of(unit, year)
    versions = list(report.versions) if report is not None else []
    last = versions[-1] if versions else None
    live = last is None or request.args.get("figures") == "now"
    figs = figures.compute(unit, year, rq.today_vn()) if live else last.figures
    if form is None:
        if report is None:
            form = ReportForm(formdata=None, data=_defaults(unit))
        else:
            form = SubmitForm(formdata=None, obj=report, needs_reason=bool(versions))
    if isinstance(form, SubmitForm) and not form.form_token.data:
        form.form_token.data = uuid.uuid4().hex
    changed = (last is not None and report is not None
               and services.narrative(report) != {k: last.narrative.get(k) for k in services.REPORT_FIELDS})
    # the files print what the page shows: the version whose figures are shown, else the draft
    shown = {"version": last.number} if not live else ({"draft": 1} if last is not None else {})
    return render("year/report.html", block="narrative", unit=unit, year=year, report=report,
                  versions=versions, last=last, live=live, figs=figs, form=form,
                  can_write=perm.can_write_report(current_user, unit), changed=changed, ancestors=get_ancestors(unit),
                  fmt=fmt, pdf_url=url_for("year.report_pdf", unit_id=unit.id, year=year, **shown),
                  xlsx_url=url_for("year.report_xlsx", unit_id=unit.id, year=year, **shown),
                  has_children=unit.level != "commune", panels=seams.panels(seams.YEAR_REPORT, unit, current_user))


@bp.get("/units/<int:unit_id>/report")
def report(unit_id):
    unit = rq.get_report_unit_for(current_user, unit_id)
    return _report_page(unit, year_from_args())


@bp.get("/reports/<int:report_id>")
def report_open(report_id):
    """A report by its id: its page (where a conflict on a save or a submit leads back to)."""
    report = rq.get_report_for(current_user, report_id)
    return redirect(url_for("year.report", unit_id=report.unit_id, year=report.year), code=303)


@bp.post("/units/<int:unit_id>/report/start")
@conflict_returns_to("year.report")
def report_start(unit_id):
    """The first save: the report is made with what was typed (a double tap makes one)."""
    unit = rq.get_report_unit_for(current_user, unit_id, perm.can_write_report)
    year = year_from_args()
    form = ReportForm()
    if form.validate_on_submit():
        services.start_report(unit=unit, year=year, fields=form.data)
        db.session.commit()
        flash(_("Đã lưu bản nháp báo cáo."), "success")
        return see_other("year.report", unit_id=unit.id, year=year)
    return _report_page(unit, year, form=form)


@bp.post("/reports/<int:report_id>/save")
@conflict_returns_to("year.report_open")
def report_save(report_id):
    report = rq.get_report_for(current_user, report_id, perm.can_write_report)
    form = ReportForm()
    if form.validate_on_submit():
        services.save_report(report=report, expected_version=form.version.data, fields=form.data)
        db.session.commit()
        flash(_("Đã lưu bản nháp báo cáo."), "success")
        return see_other("year.report", unit_id=report.unit_id, year=report.year)
    return _report_page(report.unit, report.year, form=form)


@bp.post("/reports/<int:report_id>/submit")
@conflict_returns_to("year.report_open")
def report_submit(report_id):
    """Save what was typed, then freeze a version of the figures and the text. A resent form (a double tap) answers
    as the first did."""
    report = rq.get_report_for(current_user, report_id, perm.can_write_report)
    twin = services.version_of_token(request.form.get("form_token"))
    if twin is not None and twin.report_id == report.id:
        return see_other("year.report", unit_id=report.unit_id, year=report.year)
    form = SubmitForm(needs_reason=bool(report.versions))
    if form.validate_on_submit():
        services.save_report(report=report, expected_version=form.version.data, fields=form.data)
        version = services.submit_report(report=report, expected_version=report.version,
                                          form_token=form.form_token.data or None, reason=form.reason.data,
                                          today=rq.today_vn())
        db.session.commit()
        flash(_("Đã gửi báo cáo, bản số %(n)s. Số liệu của bản này đã được khóa.", n=version.number), "success")
        return see_other("year.report", unit_id=report.unit_id, year=report.year)
    return _report_page(report.unit, report.year, form=form)


@bp.get("/report-versions/<int:report_version_id>")
def report_version(report_version_id):
    version = rq.get_version_for(current_user, report_version_id)
    report = version.report
    unit = report.unit
    return render("year/report_version.html", version=version, report=report, unit=unit, year=report.year,
                  figs=version.figures, narrative=version.narrative, ancestors=get_ancestors(unit), fmt=fmt,
                  on=_version_day(version),
                  pdf_url=url_for("year.report_pdf", unit_id=unit.id, year=report.year, version=version.number),
                  xlsx_url=url_for("year.report_xlsx", unit_id=unit.id, year=report.year, version=version.number))


def _version_day(version):
    on = (version.narrative or {}).get("on")
    try:
        return date.fromisoformat(on) if on else version.submitted_at.date()
    except ValueError:
        return version.submitted_at.date()


# ---- the level above ----------------------------------------------------------------------------------------------
@bp.get("/units/<int:unit_id>/reports")
def reports(unit_id):
    """The children's reports (status, last version, when) and the consolidated figures: their submitted figures
    summed per row beside the unit's own, computed from the records — the differences in view."""
    unit = rq.get_report_unit_for(current_user, unit_id)
    year = year_from_args()
    children = rq.children_reports(unit, year)
    own = figures.compute(unit, year, rq.today_vn())
    sent = sum(1 for _u, _r, v in children if v is not None)
    return render("year/reports.html", unit=unit, year=year, children=children, sent=sent, own=own,
                  sections=rq.consolidated(own, children) if sent else [], ancestors=get_ancestors(unit), fmt=fmt)


# ---- the records behind a figure ----------------------------------------------------------------------------------
@bp.get("/units/<int:unit_id>/records/<code>")
def records(unit_id, code):
    unit = get_unit_for(current_user, unit_id)
    year = year_from_args()
    try:
        rec = figures.records(unit, year, code[:80], rq.today_vn())
    except KeyError:
        abort(404)
    page = paginate(rec.stmt, rows=True)
    start, end = figures.period(year, rq.today_vn())
    return render("year/records.html", block="results", unit=unit, year=year, code=code, rec=rec, page=page,
                  notes=NOTES, start=start, end=end, ancestors=get_ancestors(unit))


# ---- the PDF and the XLSX annex ---------------------------------------------------------------------------------------
def document(unit, year):
    """What the PDF and the annex print: ?version=N that version's frozen figures and text; without it the last
    version sent, or the draft (figures computed now) when none was sent or ?draft=1."""
    report = rq.report_of(unit, year)
    number = arg_int("version")
    if number is not None:
        version = rq.version_number(report, number)
        if version is None:
            abort(404)
    elif request.args.get("draft") != "1" and report is not None and report.versions:
        version = report.versions[-1]
    else:
        version = None
    today = rq.today_vn()
    if version is not None:
        figs, narrative, on = version.figures, dict(version.narrative or {}), _version_day(version)
        label = _("Bản số %(n)s, gửi ngày %(d)s", n=version.number, d=date_vn(on))
    else:
        figs, on = figures.compute(unit, year, today), today
        narrative = services.narrative(report) if report is not None else {}
        label = _("Bản nháp, chưa gửi (số liệu đến ngày %(d)s)", d=date_vn(today))
    recipients = [line.strip(" -;.") for line in (narrative.get("recipients") or "").splitlines() if line.strip(" -;.")]
    department = PROVINCE_DEPARTMENT if unit.level == "province" else None
    return {"unit": unit, "year": year, "report": report, "version": version, "figures": figs, "narrative": narrative,
            "on": on, "draft": version is None, "version_label": label, "recipients": recipients,
            "issuer": issuer_lines(unit, department=department), "fmt": fmt,
            "period": (figs.get("start"), figs.get("end"))}


def _filename(doc, ext):
    tail = f"-ban-{doc['version'].number}" if doc["version"] is not None else "-nhap"
    return f"bao-cao-nam-{doc['year']}-{doc['unit'].id}{tail}.{ext}"


@bp.get("/units/<int:unit_id>/report.pdf")
def report_pdf(unit_id):
    unit = rq.get_report_unit_for(current_user, unit_id)
    doc = document(unit, year_from_args())
    started = time.perf_counter()
    resp = pdf_response(render_pdf("year/pdf/report.html", numbered=figures.numbered, **doc), _filename(doc, "pdf"))
    resp.headers["X-Render-Ms"] = str(round((time.perf_counter() - started) * 1000))
    return resp


@bp.get("/units/<int:unit_id>/report.xlsx")
def report_xlsx(unit_id):
    unit = rq.get_report_unit_for(current_user, unit_id)
    doc = document(unit, year_from_args())
    resp = make_response(exports.to_xlsx(doc))
    resp.headers["Content-Type"] = exports.XLSX
    resp.headers["Content-Disposition"] = f"attachment; filename={_filename(doc, 'xlsx')}"
    resp.headers["Cache-Control"] = "private, no-store"
    return resp

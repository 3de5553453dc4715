"""What is printed: the blank checklist of a version, an inspection's minutes and its notice of conclusions —
each a PDF and a print preview (a normal page of the site with the printout inside)."""
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user

from ...pdf import pdf_response, render_pdf
from ...units.models import utcnow
from ...web import render
from .. import bp, queries
from ..models import CHOICES
from ..scoring import scores


def _checklist_ctx(version):
    return dict(version=version, tpl=version.template, owner=version.template.owner_unit,
                sections=queries.version_sections(version.id), choices=CHOICES, printed_at=utcnow())


@bp.get("/versions/<int:version_id>/checklist")
def checklist_preview(version_id):
    version = queries.get_version_for(current_user, version_id)
    return render("inspections/print_preview.html", doc="checklist", title=_("Phiếu kiểm tra"),
                  pdf_url=url_for("inspections.checklist_pdf", version_id=version.id),
                  back_url=url_for("inspections.version_detail", version_id=version.id), back_label=version.title,
                  **_checklist_ctx(version))


@bp.get("/versions/<int:version_id>/checklist.pdf")
def checklist_pdf(version_id):
    version = queries.get_version_for(current_user, version_id)
    data = render_pdf("inspections/pdf/checklist.html", **_checklist_ctx(version))
    return pdf_response(data, f"phieu-kiem-tra-{version.template_id}-v{version.number}.pdf")


def _print_ctx(inspection):
    sections = queries.version_sections(inspection.template_version_id)
    answers = queries.answers_for(inspection)
    per, overall = scores(sections, answers)
    return dict(inspection=inspection, plan=inspection.plan, version=inspection.template_version, sections=sections,
                answers=answers, section_scores=per, overall=inspection.score if inspection.is_closed else overall,
                actions=queries.actions_of(inspection), parent=inspection.plan.inspecting_unit.parent, choices=CHOICES,
                printed_at=utcnow())


def _inspection_preview(inspection, doc, title):
    return render("inspections/print_preview.html", doc=doc, title=title,
                  pdf_url=url_for(f"inspections.{doc}_pdf", inspection_id=inspection.id),
                  back_url=url_for("inspections.detail", inspection_id=inspection.id), back_label=inspection.unit.name,
                  **_print_ctx(inspection))


@bp.get("/<int:inspection_id>/minutes")
def minutes_preview(inspection_id):
    inspection = queries.get_inspection_for(current_user, inspection_id, "view")
    return _inspection_preview(inspection, "minutes", _("Biên bản kiểm tra"))


@bp.get("/<int:inspection_id>/minutes.pdf")
def minutes_pdf(inspection_id):
    inspection = queries.get_inspection_for(current_user, inspection_id, "view")
    data = render_pdf("inspections/pdf/minutes.html", **_print_ctx(inspection))
    return pdf_response(data, f"bien-ban-kiem-tra-{inspection.id}.pdf")


@bp.get("/<int:inspection_id>/notice")
def notice_preview(inspection_id):
    inspection = queries.get_inspection_for(current_user, inspection_id, "view")
    return _inspection_preview(inspection, "notice", _("Thông báo kết luận kiểm tra"))


@bp.get("/<int:inspection_id>/notice.pdf")
def notice_pdf(inspection_id):
    inspection = queries.get_inspection_for(current_user, inspection_id, "view")
    data = render_pdf("inspections/pdf/notice.html", **_print_ctx(inspection))
    return pdf_response(data, f"thong-bao-ket-luan-{inspection.id}.pdf")

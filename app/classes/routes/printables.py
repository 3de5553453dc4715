"""What is printed: the session's sign-in sheet, the attendance grid, certificates, the admission checklist —
each a print preview page and its PDF."""
import time

from flask import abort, url_for
from flask_login import current_user

from ...pdf import pdf_response, render_pdf
from ...units.models import utcnow
from ...web import render
from .. import bp, queries
from ..forms import CaseForm
from ..models import ATTENDANCE_SHORT
from ..rules import check_case


def _printed():
    return utcnow()  # shown in Vietnam's time by date_vn


# ---- the sign-in sheet of a session ------------------------------------------------------------------------------
def _signin_ctx(klass, session):
    return dict(klass=klass, session=session, people=queries.enrolments(klass), printed_at=_printed(),
                sessions=klass.sessions)


@bp.get("/<int:class_id>/sessions/<int:class_session_id>/sign-in")
def signin(class_id, class_session_id):
    klass = queries.get_class_for(current_user, class_id, "view")
    session = queries.get_session_in(klass, class_session_id)
    return render("classes/print_preview.html", doc="signin", **_signin_ctx(klass, session),
                  pdf_url=url_for("classes.signin_pdf", class_id=klass.id, class_session_id=session.id))


@bp.get("/<int:class_id>/sessions/<int:class_session_id>/sign-in.pdf")
def signin_pdf(class_id, class_session_id):
    klass = queries.get_class_for(current_user, class_id, "view")
    session = queries.get_session_in(klass, class_session_id)
    started = time.perf_counter()
    data = render_pdf("classes/pdf/signin.html", **_signin_ctx(klass, session))
    resp = pdf_response(data, f"danh-sach-ky-ten-lop-{klass.id}-buoi-{session.id}.pdf")
    resp.headers["X-Render-Ms"] = str(round((time.perf_counter() - started) * 1000))
    return resp


# ---- the attendance grid ---------------------------------------------------------------------------------------
def _grid_ctx(klass):
    people = queries.enrolments(klass)
    sessions = klass.sessions
    return dict(klass=klass, people=people, sessions=sessions, marks=queries.class_marks(klass),
                rows=queries.results(klass, people, sessions), short=ATTENDANCE_SHORT, printed_at=_printed())


@bp.get("/<int:class_id>/grid")
def grid(class_id):
    klass = queries.get_class_for(current_user, class_id, "view")
    return render("classes/print_preview.html", doc="grid", **_grid_ctx(klass),
                  pdf_url=url_for("classes.grid_pdf", class_id=klass.id))


@bp.get("/<int:class_id>/grid.pdf")
def grid_pdf(class_id):
    klass = queries.get_class_for(current_user, class_id, "view")
    return pdf_response(render_pdf("classes/pdf/grid.html", **_grid_ctx(klass)), f"bang-diem-danh-lop-{klass.id}.pdf")


# ---- certificates ----------------------------------------------------------------------------------------------
def _certified_one(klass, enrolment_id):
    queries.get_enrolment_in(klass, enrolment_id)
    people = queries.certified(klass, enrolment_id)
    if not people:
        abort(404)
    return people


@bp.get("/<int:class_id>/certificates")
def certificates(class_id):
    klass = queries.get_class_for(current_user, class_id, "view")
    return render("classes/print_preview.html", doc="certificate", klass=klass, people=queries.certified(klass),
                  printed_at=_printed(), pdf_url=url_for("classes.certificates_pdf", class_id=klass.id))


@bp.get("/<int:class_id>/certificates.pdf")
def certificates_pdf(class_id):
    klass = queries.get_class_for(current_user, class_id, "view")
    people = queries.certified(klass)
    if not people:
        abort(404)
    return pdf_response(render_pdf("classes/pdf/certificate.html", klass=klass, people=people),
                        f"giay-chung-nhan-lop-{klass.id}.pdf")


@bp.get("/<int:class_id>/people/<int:enrolment_id>/certificate")
def certificate(class_id, enrolment_id):
    klass = queries.get_class_for(current_user, class_id, "view")
    people = _certified_one(klass, enrolment_id)
    return render("classes/print_preview.html", doc="certificate", klass=klass, people=people, printed_at=_printed(),
                  pdf_url=url_for("classes.certificate_pdf", class_id=klass.id, enrolment_id=enrolment_id))


@bp.get("/<int:class_id>/people/<int:enrolment_id>/certificate.pdf")
def certificate_pdf(class_id, enrolment_id):
    klass = queries.get_class_for(current_user, class_id, "view")
    people = _certified_one(klass, enrolment_id)
    return pdf_response(render_pdf("classes/pdf/certificate.html", klass=klass, people=people),
                        f"giay-chung-nhan-{enrolment_id}.pdf")


# ---- the admission checklist -------------------------------------------------------------------------------------
def _checklist_ctx(case):
    problems = check_case(CaseForm.values_of(case), person=case.person, sponsor=case.sponsor)
    return dict(case=case, problems=problems, printed_at=_printed(), cert=queries.certificate_of(case.person_id))


@bp.get("/admissions/<int:admission_id>/checklist")
def checklist(admission_id):
    case = queries.get_case_for(current_user, admission_id, "view")
    return render("classes/print_preview.html", doc="checklist", **_checklist_ctx(case),
                  pdf_url=url_for("classes.checklist_pdf", admission_id=case.id))


@bp.get("/admissions/<int:admission_id>/checklist.pdf")
def checklist_pdf(admission_id):
    case = queries.get_case_for(current_user, admission_id, "view")
    return pdf_response(render_pdf("classes/pdf/checklist.html", **_checklist_ctx(case)), f"ho-so-ket-nap-{case.id}.pdf")

"""Admission of a class's graduates: the class's cases, opening a case, the checklist form, stopping a case."""
from flask import flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ...access import authorize
from ...errors import conflict_returns_to
from ...extensions import db
from ...units.queries import get_ancestors
from ...web import render, see_other
from .. import bp, permissions, queries, services
from ..forms import CaseForm
from ..rules import check_case


@bp.get("/<int:class_id>/admissions")
def class_admissions(class_id):
    klass = queries.get_class_for(current_user, class_id, "view")
    return render("classes/admissions.html", klass=klass, rows=queries.class_cases(klass),
                  can_manage=permissions.can_manage_class(current_user, klass))


@bp.post("/<int:class_id>/admissions/<int:enrolment_id>/open")
def open_case(class_id, enrolment_id):
    klass = queries.get_class_for(current_user, class_id, "manage")
    e = queries.get_enrolment_in(klass, enrolment_id)
    authorize(permissions.can_open_case(current_user, e))
    case = services.open_case(person=e.person, klass=klass, certificate_on=klass.finished_on)
    db.session.commit()
    return see_other("classes.case", admission_id=case.id)


def _validate_only(case, form, values, sponsor):
    """The inline check from htmx: the rules' messages beside the fields, nothing saved."""
    problems = check_case(values, person=case.person, sponsor=sponsor, final=bool(values.get("ceremony_on")))
    form.add_errors(problems)
    return render("classes/case.html", case=case, form=form, person_url=None, can_edit=True, can_toggle=False,
                  ancestors=[])


@bp.route("/admissions/<int:admission_id>", methods=["GET", "POST"])
def case(admission_id):
    case = queries.get_case_for(current_user, admission_id, "edit" if request.method == "POST" else "view")
    form = CaseForm(obj=case, sponsors=queries.sponsor_choices(case), decision_units=get_ancestors(case.branch)[::-1])
    if request.method == "GET" and case.status == "open" and form.decision_unit_id.data is None \
            and case.branch.parent_id:
        form.decision_unit_id.data = case.branch.parent_id
    if form.is_submitted():
        if form.validate():
            values = form.values()
            sponsor = queries.person_in_scope(current_user, values["sponsor_id"]) if values["sponsor_id"] else None
            if request.form.get("_validate"):
                return _validate_only(case, form, values, sponsor)
            try:
                services.update_case(case=case, expected_version=form.version.data, values=values, sponsor=sponsor)
            except services.CaseRuleError as err:
                db.session.rollback()
                form.add_errors(err.errors)
            else:
                db.session.commit()
                if case.status == "admitted":
                    flash(_("Đã kết nạp %(name)s vào Đoàn. Hồ sơ đoàn viên đã được cập nhật.",
                            name=case.person.full_name), "success")
                else:
                    flash(_("Đã lưu hồ sơ kết nạp."), "success")
                return see_other("classes.case", admission_id=case.id)
    elif case.status == "open":  # what still stands in the way, shown as the page opens
        form.add_errors(check_case(CaseForm.values_of(case), person=case.person, sponsor=case.sponsor))
    return render("classes/case.html", case=case, form=form,
                  person_url=url_for("members.detail", person_id=case.person.id),
                  can_edit=permissions.can_edit_case(current_user, case),
                  can_toggle=permissions.can_toggle_case(current_user, case),
                  ancestors=get_ancestors(case.branch) + [case.branch])


@bp.post("/admissions/<int:admission_id>/cancel")
@conflict_returns_to("classes.case")
def case_cancel(admission_id):
    case = queries.get_case_for(current_user, admission_id, "view")
    authorize(permissions.can_toggle_case(current_user, case))
    if case.status == "open":
        services.cancel_case(case=case, expected_version=request.form.get("version", type=int))
    else:
        services.reopen_case(case=case, expected_version=request.form.get("version", type=int))
    db.session.commit()
    return see_other("classes.case", admission_id=case.id)

"""The members' evaluation of a year: a branch's page (each member with the evidence, the proposal and the decision;
start, accept all, one member's grade, submit; approve or return by the level above) and, for a commune or above, its
branches with their status and counts per grade, and the ones waiting for approval.

Every form is a plain POST answered 303 (or the page again with 422 and the message beside the field); with htmx a
member's grade swaps only that member's row (and the summary, out of band)."""
from datetime import date

from flask import flash, make_response, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ...access import authorize, has_role
from ...activities.standing import VERDICTS
from ...errors import ConflictError, conflict_page
from ...extensions import db
from ...units.queries import get_ancestors
from ...web import is_partial, render, see_other
from .. import bp, queries
from .. import permissions as perm
from ..forms.evaluation import GradeForm, ReturnForm, StartForm, StepForm
from ..queries import evaluation as q
from ..services import evaluation as services
from ..services.evaluation import EvaluationError


@bp.get("/units/<int:unit_id>/members")
def members(unit_id):
    unit = queries.get_unit_for(current_user, unit_id)
    year = queries.year_from_args()
    if unit.level == "branch":
        return _branch_page(unit, year)
    return _units_page(unit, year)


def _years(year):
    return {"prev": year - 1, "next": year + 1 if year < date.today().year else None}


# ---- a branch --------------------------------------------------------------------------------------------------------
def _grade_form(mg, active, form=None):
    if form is not None:
        return form
    return GradeForm(formdata=None, member_grade=mg, grades=active,
                     data={"grade": mg.grade_id or mg.proposed_grade_id, "reason": mg.reason or "",
                           "outstanding": mg.outstanding, "version": mg.version})


def _branch_context(unit, year, evaluation=None, forms=None, return_form=None, error=None):
    evaluation = evaluation or q.evaluation_of(unit, year)
    rows = q.branch_rows(evaluation) if evaluation is not None else []
    grades = q.all_grades()
    active = [g for g in grades if g.active]
    can_grade = perm.can_grade_members(current_user, unit)
    editable = evaluation is not None and evaluation.status in q.EDITABLE and can_grade
    tally = q.tally(rows)
    forms = forms or {}
    return {
        "unit": unit, "year": year, "years": _years(year), "evaluation": evaluation, "rows": rows, "tally": tally,
        "grades": active, "names": {g.id: g.name for g in grades}, "short": {g.id: q.abbrev(g.name) for g in grades},
        "forms": {mg.id: _grade_form(mg, active, forms.get(mg.id)) for mg, _p in rows} if editable else {},
        "editable": editable, "left": q.not_on_roll(unit, rows),
        "can_start": can_grade and year <= date.today().year and (evaluation is None or editable),
        "newcomers": q.newcomers(unit, evaluation) if editable else 0,
        "can_submit": editable and tally["total"] > 0 and tally["decided"] == tally["total"],
        "can_approve": evaluation is not None and perm.can_approve_members(current_user, evaluation),
        "return_form": return_form or ReturnForm(formdata=None, data={"version": evaluation.version} if evaluation else {}),
        "error": error, "verdicts": VERDICTS, "ancestors": get_ancestors(unit),
    }


def _branch_page(unit, year, status=None, **ctx):
    return render("year/members.html", status=status, **_branch_context(unit, year, **ctx))


def _whole_page(resp):
    """An htmx request for a row answered with a whole page (a conflict, a refusal): it takes the page, not the row."""
    resp = make_response(resp)
    if is_partial():
        resp.headers["HX-Retarget"], resp.headers["HX-Reswap"] = "body", "innerHTML"
    return resp


def _refused(evaluation, message):
    """The branch's page again with what the rules said (the evaluation moved on meanwhile …)."""
    db.session.rollback()
    return _whole_page(_branch_page(evaluation.unit, evaluation.year, status=422, error=message))


def _back(evaluation, anchor=None):
    return see_other("year.members", unit_id=evaluation.unit_id, year=evaluation.year, _anchor=anchor)


@bp.post("/units/<int:unit_id>/members/start")
def members_start(unit_id):
    unit = queries.get_unit_for(current_user, unit_id, perm.can_grade_members)
    form = StartForm()
    year = form.year.data if form.validate_on_submit() else None
    if year is None or year > date.today().year:
        message = _("Chưa đánh giá được năm chưa đến.") if year else (form.year.errors or [_("Thiếu năm đánh giá.")])[0]
        return _branch_page(unit, queries.year_from_args(), status=422, error=message)
    try:
        evaluation, added = services.start(unit=unit, year=year)
    except EvaluationError as e:
        db.session.rollback()
        return _branch_page(unit, year, status=422, error=e.message)
    db.session.commit()
    flash(_("Đã lập danh sách đánh giá: %(n)s đoàn viên, mỗi người có xếp loại đề xuất từ dữ liệu.", n=added) if added
          else _("Danh sách đã đủ: không có đoàn viên mới trong sổ."), "success" if added else "info")
    return _back(evaluation)


@bp.post("/evaluations/<int:evaluation_id>/accept")
def evaluation_accept(evaluation_id):
    evaluation = q.get_evaluation_for(current_user, evaluation_id)
    authorize(perm.can_grade_members(current_user, evaluation.unit))
    if StepForm().validate_on_submit():
        try:
            n = services.accept_all(evaluation=evaluation)
        except EvaluationError as e:
            return _refused(evaluation, e.message)
        db.session.commit()
        flash(_("Đã chấp nhận xếp loại đề xuất cho %(n)s đoàn viên.", n=n) if n
              else _("Không còn đoàn viên nào chưa xếp loại."), "success" if n else "info")
    return _back(evaluation)


def _row(mg, form, status=200, oob=True):
    """One member's row for htmx (what was typed and the message kept on a refusal), and the summary out of band."""
    ctx = _branch_context(mg.evaluation.unit, mg.evaluation.year, evaluation=mg.evaluation, forms={mg.id: form})
    row, person = next((g, p) for g, p in ctx["rows"] if g.id == mg.id)
    html = render_template("year/members_row.html", mg=row, p=person, form=ctx["forms"].get(row.id),
                           **{k: v for k, v in ctx.items() if k != "forms"})
    if oob:
        html += render_template("year/members_summary.html", oob=True, **ctx)
    return html, status


@bp.post("/member-grades/<int:member_grade_id>/grade")
def member_grade(member_grade_id):
    mg = q.get_member_grade_for(current_user, member_grade_id)
    evaluation = mg.evaluation
    authorize(perm.can_grade_members(current_user, evaluation.unit))
    active = [g for g in q.all_grades() if g.active]
    form = GradeForm(member_grade=mg, grades=active)
    if form.validate_on_submit():
        try:
            services.set_grade(member_grade=mg, expected_version=form.version.data, grade=form.chosen(),
                               reason=form.reason.data, outstanding=form.outstanding.data)
        except ConflictError:
            return _conflict(evaluation, mg)
        except EvaluationError as e:
            db.session.rollback()
            if e.field is None:
                return _refused(evaluation, e.message)
            form[e.field].errors = [*form[e.field].errors, e.message]
        else:
            db.session.commit()
            if is_partial():
                return _row(mg, None)
            flash(_("Đã lưu xếp loại của %(name)s.", name=mg.person.full_name), "success")
            return _back(evaluation, f"g-{mg.id}")
    if is_partial():
        return _row(mg, form, 422, oob=False)
    return _branch_page(evaluation.unit, evaluation.year, status=422, evaluation=evaluation, forms={mg.id: form})


def _conflict(evaluation, mg):
    """Someone changed this member's grade since the row was drawn: the conflict page (what was typed shown), whose
    link goes back to the row on the branch's page (no view argument of this POST names the page)."""
    return _whole_page(conflict_page(url_for("year.members", unit_id=evaluation.unit_id, year=evaluation.year,
                                             _anchor=f"g-{mg.id}")))


@bp.post("/evaluations/<int:evaluation_id>/submit")
def evaluation_submit(evaluation_id):
    evaluation = q.get_evaluation_for(current_user, evaluation_id)
    authorize(perm.can_grade_members(current_user, evaluation.unit))
    form = StepForm()
    if form.validate_on_submit():
        try:
            services.submit(evaluation=evaluation, expected_version=form.version.data)
        except EvaluationError as e:
            return _refused(evaluation, e.message)
        db.session.commit()
        flash(_("Đã gửi kết quả đánh giá lên %(u)s duyệt.", u=evaluation.unit.parent.name if evaluation.unit.parent
                else _("cấp trên")), "success")
    return _back(evaluation)


# ---- the level above -------------------------------------------------------------------------------------------------
def _may_decide(evaluation, done):
    """Four eyes (the predicate), or the same decision sent again by the one who made it (answered as the first)."""
    parent = evaluation.unit.parent
    authorize(perm.can_approve_members(current_user, evaluation)
              or (evaluation.status == done and has_role(current_user, parent, perm.DECIDERS)
                  and evaluation.submitted_by_id != current_user.id))


@bp.post("/evaluations/<int:evaluation_id>/approve")
def evaluation_approve(evaluation_id):
    evaluation = q.get_evaluation_for(current_user, evaluation_id)
    _may_decide(evaluation, "approved")
    form = StepForm()
    if form.validate_on_submit():
        try:
            _ev, recorded = services.approve(evaluation=evaluation, expected_version=form.version.data)
        except EvaluationError as e:
            return _refused(evaluation, e.message)
        db.session.commit()
        flash(_("Đã duyệt kết quả xếp loại đoàn viên của %(u)s.", u=evaluation.unit.name), "success")
        if recorded:
            flash(_("%(n)s đoàn viên ưu tú đã được ghi vào danh sách giới thiệu kết nạp Đảng.", n=len(recorded)),
                  "success")
    return _back(evaluation)


@bp.post("/evaluations/<int:evaluation_id>/return")
def evaluation_return(evaluation_id):
    evaluation = q.get_evaluation_for(current_user, evaluation_id)
    _may_decide(evaluation, "returned")
    form = ReturnForm()
    if form.validate_on_submit():
        try:
            services.return_evaluation(evaluation=evaluation, expected_version=form.version.data,
                                       reason=form.reason.data)
        except EvaluationError as e:
            return _refused(evaluation, e.message)
        db.session.commit()
        flash(_("Đã trả lại kết quả đánh giá cho %(u)s.", u=evaluation.unit.name), "success")
        return _back(evaluation)
    return _branch_page(evaluation.unit, evaluation.year, status=422, evaluation=evaluation, return_form=form)


# ---- a commune or above ----------------------------------------------------------------------------------------------
def _units_page(unit, year):
    state = request.args.get("status")
    state = state if state in q.BRANCH_STATUSES else None
    page, counts, sizes = q.branch_list(unit, year, state)
    grades = q.all_grades()
    return render("year/members_units.html", block="branches", unit=unit, year=year, years=_years(year),
                  state=state, page=page, counts=counts, sizes=sizes, totals=q.subtree_totals(unit, year),
                  queue=q.approval_queue(unit, year), grades=grades, short={g.id: q.abbrev(g.name) for g in grades},
                  ancestors=get_ancestors(unit))

"""Unit grading by the level above and the weak-unit list.

- year.grading: a unit's open children with the criteria computed from the records, the flags, the proposal and
  the decision; "propose" computes (refreshes) the undecided proposals, "accept" decides them all as proposed.
- year.unit_grade: one child's grade with every criterion linked to its records, and the decision form (a change
  from the proposal needs a reason).
- year.weak: the subtree's weak units of the year with the flags and the numbers behind them, and the plan that
  covers each."""
from flask import abort, flash
from flask_babel import gettext as _
from flask_login import current_user

from ...access import authorize
from ...errors import conflict_returns_to
from ...extensions import db
from ...targets.progress import figure
from ...units.queries import get_ancestors
from ...web import paginate, render, see_other
from .. import bp, catalogue, queries
from .. import permissions as perm
from ..forms.grading import DecideForm
from ..queries import grading as gq
from ..services import grading as services


def pct(value):
    return figure(value, "percent")


# ---- the grading page -----------------------------------------------------------------------------------------------
@bp.get("/units/<int:unit_id>/grading")
def grading(unit_id):
    unit = queries.get_unit_for(current_user, unit_id)
    year = queries.year_from_args()
    page = paginate(gq.children_stmt(unit, year), rows=True)
    return render("year/grading.html", block="results", unit=unit, year=year, page=page, grades=gq.unit_grades(),
                  tally=gq.children_tally(unit, year), ancestors=get_ancestors(unit),
                  can_grade=perm.can_grade_below(current_user, unit), pct=pct)


def _unit_for_grading(unit_id):
    unit = queries.get_unit_for(current_user, unit_id)
    authorize(perm.can_grade_below(current_user, unit))
    return unit, queries.year_from_args()


@bp.post("/units/<int:unit_id>/grading/propose")
@conflict_returns_to("year.grading")
def grading_propose(unit_id):
    unit, year = _unit_for_grading(unit_id)
    if not gq.year_months(year):  # nothing to count yet: no proposal from empty records
        flash(_("Năm %(y)s chưa có tháng nào kết thúc: chưa thể tính đề xuất.", y=year), "warning")
        return see_other("year.grading", unit_id=unit.id, year=year)
    created, refreshed = services.propose_children(parent=unit, year=year)
    db.session.commit()
    flash(_("Đã tính đề xuất từ sổ: %(a)s đơn vị mới, %(b)s đơn vị cập nhật số liệu. Xếp loại đã quyết định giữ nguyên.",
            a=created, b=refreshed), "success")
    return see_other("year.grading", unit_id=unit.id, year=year)


@bp.post("/units/<int:unit_id>/grading/accept")
@conflict_returns_to("year.grading")
def grading_accept(unit_id):
    unit, year = _unit_for_grading(unit_id)
    rows = services.accept_all(parent=unit, year=year)
    db.session.commit()
    flash(_("Đã chấp nhận đề xuất của %(n)s đơn vị.", n=len(rows)) if rows else _("Không còn đề xuất nào chờ quyết định."),
          "success" if rows else "warning")
    return see_other("year.grading", unit_id=unit.id, year=year)


# ---- one unit's grade -------------------------------------------------------------------------------------------------
def _load_grade(unit_grade_id):
    row = gq.get_unit_grade(unit_grade_id)
    if row is None:
        abort(404)
    authorize(perm.can_view(current_user, row.unit))
    return row


def _grade_page(row, form=None):
    can_decide = perm.can_grade_unit(current_user, row.unit)
    active = catalogue.grades("unit")
    if can_decide and form is None:
        form = DecideForm(formdata=None, grades=active, proposed_id=row.proposed_grade_id,
                          data={"grade": row.grade_id or row.proposed_grade_id, "reason": row.reason or "",
                                "version": row.version})
    return render("year/grading_unit.html", block="decision", row=row, unit=row.unit, year=row.year,
                  grades=gq.unit_grades(), form=form, can_decide=can_decide, pct=pct,
                  ancestors=get_ancestors(row.unit))


@bp.get("/unit-grades/<int:unit_grade_id>")
def unit_grade(unit_grade_id):
    return _grade_page(_load_grade(unit_grade_id))


@bp.post("/unit-grades/<int:unit_grade_id>/decide")
@conflict_returns_to("year.unit_grade")
def unit_grade_decide(unit_grade_id):
    row = _load_grade(unit_grade_id)
    authorize(perm.can_grade_unit(current_user, row.unit))
    form = DecideForm(grades=catalogue.grades("unit"), proposed_id=row.proposed_grade_id)
    if not form.validate_on_submit():
        return _grade_page(row, form=form)
    services.decide(unit_grade=row, grade=form.chosen, reason=form.reason.data, expected_version=form.version.data)
    db.session.commit()
    flash(_("Đã xếp loại %(u)s: %(g)s.", u=row.unit.name, g=form.chosen.name), "success")
    return see_other("year.grading", unit_id=row.unit.parent_id, year=row.year)


# ---- the weak-unit list ---------------------------------------------------------------------------------------------
@bp.get("/units/<int:unit_id>/weak")
def weak(unit_id):
    unit = queries.get_unit_for(current_user, unit_id)
    year = queries.year_from_args()
    page = paginate(gq.weak_stmt(unit, year), rows=True)
    return render("year/weak.html", block="results", unit=unit, year=year, page=page, grades=gq.unit_grades(),
                  ancestors=get_ancestors(unit), can_plan=perm.can_plan(current_user, unit), pct=pct)

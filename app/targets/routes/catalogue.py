"""The indicator catalogue (everyone with a role reads it; a province admin adds an indicator naming one of the actuals,
or retires one) and the records behind an actual (the people admitted, the branches counted, the activities held …)."""
from datetime import date

from flask import abort, flash
from flask_babel import gettext as _
from flask_login import current_user

from ...access import authorize, scope_paths
from ...activities.standing import VERDICTS
from ...errors import conflict_returns_to
from ...extensions import db
from ...review.models import OUTCOMES
from ...units.models import LEVELS
from ...units.queries import get_ancestors, unit_from_args
from ...web import paginate, render, see_other, year_arg
from .. import actuals, bp, catalogue, permissions
from ..forms import IndicatorForm, RetireForm


def _may_read_catalogue():
    authorize(bool(scope_paths(current_user)))


def _same(ind, form):
    """The indicator a resent form made (a double tap): everything typed is what is stored."""
    return (ind is not None and ind.name == form.name.data.strip() and ind.actual == form.actual.data
            and ind.levels == ",".join(form.levels.data) and ind.created_by_id == current_user.id)


@bp.get("/catalogue")
def catalogue_list():
    _may_read_catalogue()
    return render("targets/catalogue.html", indicators=catalogue.list_indicators(), can_manage=
                  permissions.can_manage_catalogue(current_user), retire_form=RetireForm(), levels=LEVELS)


@bp.route("/catalogue/new", methods=["GET", "POST"])
def catalogue_new():
    authorize(permissions.can_manage_catalogue(current_user))
    form = IndicatorForm()
    if form.is_submitted() and form.code.data:
        existing = catalogue.by_code(form.code.data.strip().lower())
        if form.name.data and _same(existing, form):
            return see_other("targets.catalogue_list")
    if form.validate_on_submit():
        if catalogue.code_taken(form.code.data):
            form.code.errors.append(_("Mã này đã có trong danh mục."))
        else:
            catalogue.add_indicator(code=form.code.data, name=form.name.data.strip(), count_unit=form.count_unit.data.strip(),
                                    kind=form.kind.data, levels=form.levels.data, actual=form.actual.data,
                                    seed_hint=(form.seed_hint.data or "").strip(), user=current_user)
            db.session.commit()
            flash(_("Đã thêm chỉ tiêu vào danh mục."), "success")
            return see_other("targets.catalogue_list")
    return render("targets/catalogue_form.html", block="form", form=form)


@bp.post("/catalogue/<int:indicator_id>/retire")
@conflict_returns_to("targets.catalogue_list")
def catalogue_retire(indicator_id):
    indicator = catalogue.get(indicator_id)
    if indicator is None:
        abort(404)
    authorize(permissions.can_manage_catalogue(current_user))
    form = RetireForm()
    if form.validate_on_submit():
        catalogue.retire_indicator(indicator=indicator, expected_version=form.version.data, user=current_user)
        db.session.commit()
        flash(_("Đã thôi dùng chỉ tiêu “%(name)s”.", name=indicator.name), "success")
    return see_other("targets.catalogue_list")


# ---- the records behind an actual ------------------------------------------------------------------------------------
@bp.get("/records/<code>")
def records(code):
    indicator = catalogue.by_code(code[:40])
    if indicator is None or indicator.actual not in actuals.ACTUALS:
        abort(404)
    unit = unit_from_args(current_user, strict=True)
    if unit is None:
        abort(404)
    authorize(permissions.can_view(current_user, unit))
    year = year_arg(date.today().year)
    actual = actuals.ACTUALS[indicator.actual]
    value = actuals.values(indicator.actual, [unit], year)[unit.id]
    kind, stmt = actuals.records_stmt(indicator.actual, unit, year)
    page = paginate(stmt, rows=True)
    notes = {**VERDICTS, **OUTCOMES}
    return render("targets/records.html", block="results", indicator=indicator, actual=actual, unit=unit, year=year,
                  value=value, kind=kind, page=page, notes=notes, ancestors=get_ancestors(unit))

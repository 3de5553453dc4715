from datetime import date

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import seams
from ..extensions import db
from ..web import paginate, render, see_other
from . import bp, permissions, queries, services
from .forms import CloseUnitForm, UnitForm
from .models import CHILD_LEVELS, LEVELS


@bp.get("/")
def index():
    roots = queries.list_root_units(current_user)
    if len(roots) == 1:
        return redirect(url_for("units.detail", unit_id=roots[0].id))
    return render("units/index.html", roots=roots)


@bp.get("/<int:unit_id>")
def detail(unit_id):
    unit = queries.get_unit_for(current_user, unit_id, "view")
    show_closed = request.args.get("closed") == "1"
    return render(
        "units/detail.html",
        block="children",
        unit=unit,
        ancestors=queries.get_ancestors(unit),
        children=queries.list_children_with_counts(unit, include_closed=show_closed),
        by_level=queries.count_subtree_by_level(unit),
        closed_count=queries.count_closed_children(unit),
        show_closed=show_closed,
        successor=queries.get_unit(unit.merged_into_id) if not unit.is_active else None,
        panels=seams.panels(seams.UNIT_PAGE, unit, current_user),
        can_create=permissions.can_create_child(current_user, unit),
        can_edit=permissions.can_edit_unit(current_user, unit),
        can_close=permissions.can_close_unit(current_user, unit),
    )


@bp.get("/<int:unit_id>/below")
def below(unit_id):
    """Every open unit of one level in the subtree: what the unit page's counts are made of."""
    unit = queries.get_unit_for(current_user, unit_id, "view")
    level = request.args.get("level", "branch")
    if level not in LEVELS:
        abort(404)
    return render("units/below.html", unit=unit, level=level, level_label=LEVELS[level],
                  ancestors=queries.get_ancestors(unit) + [unit], page=paginate(queries.subtree_units_stmt(unit, level)))


@bp.route("/<int:unit_id>/new", methods=["GET", "POST"])
def create(unit_id):
    parent = queries.get_unit_for(current_user, unit_id, "create_child")
    official = queries.official_wards_for(parent) if "commune" in _child_levels(parent) else []
    form = UnitForm(parent=parent, official=official)
    if request.method == "GET" and request.args.get("level_kind"):
        form.level_kind.data = request.args["level_kind"]
    if form.is_submitted() and form.validate() and not request.form.get("_validate"):
        unit = services.create_unit(
            parent=parent, name=form.name.data, code=form.code.data, level=form.level, kind=form.kind,
            org_type=form.org_type.data, official_code=form.official_code.data, founded_on=form.founded_on.data,
        )
        db.session.commit()
        flash(_("Đã tạo đơn vị %(name)s.", name=unit.name), "success")
        return see_other("units.detail", unit_id=unit.id)
    return render("units/form.html", block="form", form=form, parent=parent, unit=None,
                  ancestors=queries.get_ancestors(parent) + [parent])


@bp.route("/<int:unit_id>/edit", methods=["GET", "POST"])
def edit(unit_id):
    unit = queries.get_unit_for(current_user, unit_id, "edit")
    # a commune is linked to its official post-2025 code from the national list (the restructuring's successors)
    official = queries.official_wards_for(unit) if unit.level == "commune" else []
    form = UnitForm(obj=unit, unit=unit, official=official)
    if form.is_submitted() and form.validate() and not request.form.get("_validate"):
        services.update_unit(
            unit=unit, expected_version=form.version.data, name=form.name.data, code=form.code.data.strip(),
            kind=form.kind, org_type=form.org_type.data, founded_on=form.founded_on.data,
            **({"official_code": form.official_code.data or None} if official else {}),
        )
        db.session.commit()
        flash(_("Đã lưu thay đổi."), "success")
        return see_other("units.detail", unit_id=unit.id)
    return render("units/form.html", block="form", form=form, parent=unit.parent, unit=unit,
                  ancestors=queries.get_ancestors(unit))


@bp.route("/<int:unit_id>/close", methods=["GET", "POST"])
def close(unit_id):
    unit = queries.get_unit_for(current_user, unit_id, "close")
    form = CloseUnitForm(obj=unit)
    if request.method == "GET":
        form.closed_on.data = date.today()
    open_children = queries.list_children_with_counts(unit)
    if form.validate_on_submit():
        if open_children:
            form.reason.errors = list(form.reason.errors) + [
                _("Đơn vị còn đơn vị trực thuộc đang hoạt động; hãy giải thể hoặc chuyển chúng trước.")]
        else:
            services.close_unit(unit=unit, closed_on=form.closed_on.data, reason=form.reason.data,
                                expected_version=form.version.data)
            db.session.commit()
            flash(_("Đã giải thể đơn vị %(name)s. Hồ sơ vẫn được lưu giữ.", name=unit.name), "success")
            return see_other("units.detail", unit_id=unit.parent_id)
    return render("units/close.html", form=form, unit=unit, open_children=open_children,
                  ancestors=queries.get_ancestors(unit))


def _child_levels(unit):
    return CHILD_LEVELS.get(unit.level, ())

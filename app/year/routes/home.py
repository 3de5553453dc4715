"""The year's pages of a unit: the list of the user's units, and one unit's year — where each part of the close
stands, with links to it."""
from flask import url_for
from flask_login import current_user

from ...units.queries import get_ancestors, list_root_units
from ...web import render
from .. import bp, queries
from .. import permissions as perm


@bp.get("/")
def index():
    return render("year/index.html", year=queries.year_from_args(), units=list_root_units(current_user))


@bp.get("/units/<int:unit_id>")
def unit(unit_id):
    unit = queries.get_unit_for(current_user, unit_id)
    year = queries.year_from_args()
    links = {name: url_for(f"year.{name}", unit_id=unit.id, year=year)
             for name in ("members", "grading", "weak", "plans", "report", "reports")}
    return render("year/unit.html", unit=unit, year=year, ancestors=get_ancestors(unit), hub=queries.hub(unit, year),
                  links=links, can_grade_members=perm.can_grade_members(current_user, unit),
                  can_plan=perm.can_plan(current_user, unit), can_write_report=perm.can_write_report(current_user, unit))


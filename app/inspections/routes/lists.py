"""The registers: inspections, the overview of a subtree and its communes inspected (or not) this year."""
from datetime import date

from flask import abort, request
from flask_login import current_user

from ...access import scope_paths
from ...units.queries import get_ancestors, unit_from_args
from ...web import paginate, render, year_arg
from .. import bp, queries
from ..forms import InspectionFilterForm

LEVELS = ("commune", "district", "branch")


@bp.get("/")
def index():
    unit = unit_from_args(current_user, strict=True)
    status = request.args.get("status") or None
    year = year_arg()
    level = request.args.get("level") if request.args.get("level") in LEVELS else None
    mine = request.args.get("mine") == "1"
    page = paginate(queries.inspections_stmt(current_user, unit=unit, status=status, year=year, level=level, mine=mine))
    progress = queries.progress_for([i.id for i in page.items])
    roots = scope_paths(current_user)
    return render("inspections/index.html", block="results", page=page, progress=progress, unit=unit, state=status,
                  year=year, level=level, mine=mine,
                  filter_by=InspectionFilterForm.bind(request.args, unit, level, mine, year),
                  can_plan=bool(scope_paths(current_user, "inspector")), has_scope=bool(roots))


@bp.get("/overview")
def overview():
    unit = unit_from_args(current_user, strict=True)
    if unit is None:
        unit = queries.first_scope_unit(current_user)
        if unit is None:
            abort(403)
    year = year_arg(date.today().year)
    data = queries.overview(unit, year)
    return render("inspections/overview.html", unit=unit, year=year, data=data, ancestors=get_ancestors(unit))


@bp.get("/communes")
def communes():
    """Communes of a subtree inspected (or not yet) this year: what the overview's "3/6" counts."""
    unit = unit_from_args(current_user, strict=True)
    if unit is None:
        abort(404)
    year = year_arg(date.today().year)
    flag = {"1": True, "0": False}.get(request.args.get("inspected"))
    rows, total = queries.communes(unit, year, flag)
    return render("inspections/communes.html", unit=unit, year=year, rows=rows, total=total, flag=flag,
                  ancestors=get_ancestors(unit))

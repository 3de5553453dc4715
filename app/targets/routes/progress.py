"""Progress: a unit's actuals to date against its approved targets, by month; above a commune, its communes (and
districts) ranked, narrowed to those behind. Plain GET pages: the filters are a GET form."""
from datetime import date

from flask import render_template, request
from flask_login import current_user

from ...units.queries import get_ancestors
from ...web import is_partial, paginate_list, render, see_other, year_arg
from .. import bp, progress

PER_PAGE = 30  # a phone scrolls through stacked rows: thirty units a page


@bp.get("/units/<int:unit_id>/progress", endpoint="progress")
def progress_page(unit_id):
    unit = progress.get_unit_for(current_user, unit_id)
    today = date.today()
    year = year_arg(today.year)
    behind = request.args.get("behind") == "1"
    level = request.args.get("level") if request.args.get("level") in progress.RANKED_LEVELS else None
    months = True if request.args.get("months") == "1" else None
    data = progress.unit_progress(unit, year, today=today, months=months, indicator=request.args.get("indicator") or None,
                                  behind=behind, level=level)
    page = paginate_list(data.rows, per_page=PER_PAGE)
    return render("targets/progress.html", block="ranking", unit=unit, ancestors=get_ancestors(unit), p=data,
                  page=page, year=year, behind=behind, level=level, statuses=progress.STATUSES, figure=progress.figure,
                  years=sorted({year, *range(today.year - 3, today.year + 2)}, reverse=True))


@bp.get("/units/<int:unit_id>/card")
def card(unit_id):
    """The unit page's card with its figures (htmx loads it into the page); a plain visit goes to the progress page."""
    unit = progress.get_unit_for(current_user, unit_id)
    if not is_partial():
        return see_other("targets.progress", unit_id=unit.id)
    panel = progress.card(unit, current_user)
    if panel is None:  # no indicator applies here: the empty card goes away
        return ""
    return render_template("targets/_unit_card.html", unit=unit, panel=panel)

"""Figures as of a date (app.restructure.asof): the page of a unit's numbers on a chosen day, along the tree as it
was then or re-projected onto today's tree, and the list of the people behind each number. Reads only (GET)."""
from datetime import date, timedelta

from flask import abort, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import RadioField

from ..forms import FilterForm, VNDateField, choices
from ..units.queries import get_ancestors, get_unit_for
from ..web import paginate, render
from . import asof, bp

TREE_LABELS = {"then": _l("Theo cây đơn vị lúc đó"), "now": _l("Theo cây đơn vị hiện nay")}
KIND_LABELS = {
    "on_roll": _l("Tổng số trong danh sách"),
    "union": _l("Đoàn viên"),
    "federation": _l("Hội viên"),
    "youth": _l("Thanh niên"),
    "union_over_age": _l("Đoàn viên quá 30 tuổi (không tính là đoàn viên)"),
    "paper": _l("Đoàn viên, hội viên hình thức (“áo”)"),
}


class AsOfForm(FilterForm):
    on = VNDateField(_l("Tính đến ngày"))
    tree = RadioField(_l("Cây đơn vị"), choices=choices(TREE_LABELS.items()), default="then")


def _read_args(unit):
    """(form, the date or None when it could not be read, the tree, a note when the date was moved to today)."""
    form = AsOfForm(request.args)
    if form.tree.data not in asof.TREES:
        form.tree.data = "then"
    default = asof.closing_eve(unit) or date.today()
    if not request.args.get("on", "").strip():
        form.on.data, form.on.raw_data = default, None
    if form.on.process_errors:
        form.on.errors = list(form.on.process_errors)
        return form, None, form.tree.data, None
    note = None
    on = asof.clamp(form.on.data)
    if on != form.on.data:
        note = _("Ngày đã chọn ở tương lai: số liệu tính đến hôm nay.")
        form.on.data, form.on.raw_data = on, None
    return form, on, form.tree.data, note


@bp.get("/asof/<int:unit_id>", endpoint="asof")
def asof_page(unit_id):
    unit = get_unit_for(current_user, unit_id, "view")
    form, on, tree, note = _read_args(unit)
    figs = asof.figures(unit, on, tree) if on else None
    return render("restructure/asof.html", unit=unit, ancestors=get_ancestors(unit), form=form, on=on, tree=tree,
                  note=note, figs=figs, kinds=KIND_LABELS, trees=TREE_LABELS, eve=asof.closing_eve(unit), status=200)


@bp.get("/asof/<int:unit_id>/people", endpoint="asof_people")
def asof_people(unit_id):
    unit = get_unit_for(current_user, unit_id, "view")
    form, on, tree, note = _read_args(unit)
    kind = request.args.get("kind", "on_roll")
    if kind not in KIND_LABELS:
        abort(404)
    too_many = on is not None and kind == "paper" and asof.on_roll_count(unit, on, tree) > asof.PAPER_LIMIT
    page = paginate(asof.people_rows_stmt(unit, on, tree, kind), rows=True) if on and not too_many else None
    if too_many:
        note = _("Quá nhiều người để tính năm tiêu chí tại ngày đó cho cả đơn vị: hãy chọn một xã, phường hoặc chi đoàn.")
    return render("restructure/asof_people.html", block="results", unit=unit, ancestors=get_ancestors(unit) + [unit],
                  form=form, on=on, tree=tree, note=note, kind=kind, kind_label=KIND_LABELS[kind], page=page,
                  trees=TREE_LABELS, status=200)


def unit_panel(unit, user):
    """The unit page's "figures on a day" panel: the little GET form, prefilled with today, or for a closed unit with
    the day before it closed; and the units merged into this one, with a link to their figures on the eve of the
    last merge on today's tree. One statement (the page has loaded the unit and checked the right to view it)."""
    eve = asof.closing_eve(unit)
    formed = asof.merged_into(unit)
    merged_eve = max(r.closed_on for r in formed if r.closed_on) - timedelta(days=1) \
        if any(r.closed_on for r in formed) else None
    return {"on": eve or date.today(), "eve": eve, "formed": formed, "merged_eve": merged_eve}

import uuid
from datetime import date
from urllib.parse import urlencode

from flask import abort, flash, render_template, request
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from ..dates import month_start
from ..extensions import db
from ..units.queries import branches_of, get_ancestors, get_unit, unit_from_args
from ..web import is_partial, paginate, paginate_list, render, see_other
from . import bp, permissions, queries, rules, services
from .forms import ActivityFilterForm, ActivityForm, DuesFilterForm, DuesMonthsForm, DuesReversalForm
from .models import ATTENDANCE, ATTENDANCE_SHORT, KINDS, WARNINGS
from .standing import VERDICTS


# ---- activities ----------------------------------------------------------------------------------------------
@bp.get("/")
def index():
    filters = queries.ActivityFilters.from_args(request.args)
    unit = queries.get_unit_for(current_user, filters.unit, "view") if filters.unit else None
    page = paginate(queries.activities_stmt(current_user, filters, unit))
    return render("activities/index.html", block="results", page=page, filters=filters, unit=unit,
                  counts=queries.attendance_counts([a.id for a in page.items]),
                  filter_by=ActivityFilterForm.bind(request.args, unit, queries.units_for_filter(current_user, unit)),
                  kinds=KINDS, can_create=bool(queries.officer_units(current_user, unit, limit=1)))


@bp.route("/new", methods=["GET", "POST"])
def create():
    base = unit_from_args(current_user, strict=True)
    units = queries.officer_units(current_user, base)
    if not units:
        abort(403)

    def allowed(unit_id):
        unit = get_unit(unit_id)
        return unit if permissions.can_manage_activities(current_user, unit) else None

    form = ActivityForm(units=units, allowed=allowed)
    if request.method == "GET":
        form.form_token.data = uuid.uuid4().hex
        form.held_on.data = date.today()
        form.unit_id.data = base.id if base and permissions.can_manage_activities(current_user, base) else units[0].id
    if form.validate_on_submit():
        activity = services.create_activity(
            unit=allowed(form.unit_id.data), held_on=form.held_on.data, kind=form.kind.data, title=form.title.data,
            notes=form.notes.data, for_young_workers=form.for_young_workers.data, form_token=form.form_token.data or None)
        db.session.commit()
        flash(_("Đã ghi buổi sinh hoạt. Bây giờ có thể điểm danh."), "success")
        return see_other("activities.detail", activity_id=activity.id)
    return render("activities/form.html", block="form", form=form, activity=None, base=base)


@bp.get("/<int:activity_id>")
def detail(activity_id):
    activity = queries.get_activity_for(current_user, activity_id, "view")
    roll = paginate(queries.roll_stmt(activity), per_page=queries.ROLL_PAGE)
    return render("activities/detail.html", activity=activity, roll=roll,
                  statuses=queries.statuses_for(activity, [p.id for p in roll.items]),
                  summary=queries.attendance_summary(activity), ancestors=get_ancestors(activity.unit) + [activity.unit],
                  can_mark=permissions.can_edit_activity(current_user, activity), choices=ATTENDANCE,
                  short=ATTENDANCE_SHORT)


@bp.route("/<int:activity_id>/edit", methods=["GET", "POST"])
def edit(activity_id):
    activity = queries.get_activity_for(current_user, activity_id, "edit")
    form = ActivityForm(obj=activity, units=[activity.unit],
                        allowed=lambda uid: activity.unit if uid == activity.unit_id else None)
    if form.is_submitted():
        form.unit_id.data = activity.unit_id
    if form.validate_on_submit():
        services.update_activity(activity=activity, expected_version=form.version.data, held_on=form.held_on.data,
                                 kind=form.kind.data, title=form.title.data, notes=form.notes.data,
                                 for_young_workers=form.for_young_workers.data)
        db.session.commit()
        flash(_("Đã lưu thay đổi."), "success")
        return see_other("activities.detail", activity_id=activity.id)
    return render("activities/form.html", block="form", form=form, activity=activity, base=activity.unit)


@bp.post("/<int:activity_id>/attendance")
def attendance(activity_id):
    """The plain form: one radio group per person, one submit — works without JavaScript."""
    activity = queries.get_activity_for(current_user, activity_id, "edit")
    wanted = {}
    for key, value in request.form.items():
        if key.startswith("s-") and key[2:].isdigit() and value in ATTENDANCE:
            wanted[int(key[2:])] = value
    fill = request.form.get("all") if request.form.get("all") in ATTENDANCE else None
    shown = [int(x) for x in request.form.getlist("shown") if x.isdigit()] if fill else []
    # "All present, then tap the absent": everyone shown on the page and not marked yet (nor chosen in this form)
    # gets the filled status; a mark already stored is never overwritten by the fill.
    filled = set()
    if fill and shown:
        marked = queries.statuses_for(activity, shown)
        for pid in shown:
            if pid not in wanted and pid not in marked:
                wanted[pid] = fill
                filled.add(pid)
    allowed = queries.ids_on_roll(activity, wanted)
    marks = {pid: s for pid, s in wanted.items() if pid in allowed}
    # a fill never overwrites a mark another officer tapped since this page was read
    marks = services.set_attendance(activity=activity, marks=marks, fill_only=filled)
    db.session.commit()
    if marks:
        flash(_("Đã lưu điểm danh %(n)s người.", n=len(marks)), "success")
    else:
        flash(_("Chưa ghi gì: chưa chọn trạng thái cho ai."), "warning")
    page = request.form.get("page", type=int)
    return see_other("activities.detail", activity_id=activity.id, **({"page": page} if page and page > 1 else {}))


@bp.post("/<int:activity_id>/attendance/<int:person_id>")
def mark(activity_id, person_id):
    """One tap (htmx): set one person's status; the response is that row only. Without htmx: 303 back."""
    activity = queries.get_activity_for(current_user, activity_id, "edit")
    person = queries.get_person_on_roll(activity, person_id)
    status = request.form.get(f"s-{person.id}") or request.form.get("status")
    if status not in ATTENDANCE:
        if is_partial():
            return render_template("activities/_row.html", activity=activity, person=person, can_mark=True,
                                   status=queries.statuses_for(activity, [person.id]).get(person.id), choices=ATTENDANCE,
                                   short=ATTENDANCE_SHORT, error=_("Trạng thái không hợp lệ.")), 422
        abort(400)
    services.set_attendance(activity=activity, marks={person.id: status})
    db.session.commit()
    if is_partial():  # the row, and the totals above the roll out of band
        row = render_template("activities/_row.html", activity=activity, person=person, status=status, can_mark=True,
                              choices=ATTENDANCE, short=ATTENDANCE_SHORT, error=None)
        stats = render_template("activities/_stats.html", oob=True, summary=queries.attendance_summary(activity),
                                roll_total=queries.roll_count(activity))
        return row + stats
    return see_other("activities.detail", activity_id=activity.id)


# ---- dues ---------------------------------------------------------------------------------------------------
@bp.route("/dues/<int:unit_id>", methods=["GET", "POST"])
def dues(unit_id):
    unit = queries.get_unit_for(current_user, unit_id, "dues" if request.method == "POST" else "view")
    month = queries.parse_month(request.values.get("month")) or month_start(date.today())
    if unit.level != "branch":
        if request.method == "POST":
            abort(404)
        return render("activities/dues_pick.html", unit=unit, branches=branches_of(unit, limit=200), month=month,
                      ancestors=get_ancestors(unit) + [unit])
    if request.method == "POST":
        if request.form.get("all") == "1":
            people = [p for p, paid, _t in queries.dues_roll(unit, month) if paid is None]
        else:
            ids = [int(x) for x in request.form.getlist("person") if x.isdigit()]
            people = queries.dues_roll_people(unit, ids)
        people, refused = rules.split_dues(people, month)
        added = services.mark_dues_paid(branch=unit, month=month, people=people)
        added += services.repay_reversed_dues(branch=unit, month=month, people=people)
        if refused:
            flash(_("Không ghi đoàn phí tháng %(m)s cho: %(who)s.", m=month.strftime("%m/%Y"),
                    who="; ".join(f"{p.full_name} ({why})" for p, why in refused[:20])), "warning")
        if added:
            db.session.commit()
            flash(_("Đã ghi đoàn phí tháng %(m)s cho %(n)s người.", m=month.strftime("%m/%Y"), n=added), "success")
            return see_other("activities.dues", unit_id=unit.id, month=month.strftime("%Y-%m"))
        db.session.rollback()
        if people:  # a retry, or people paid meanwhile: nothing new — a warning, not a success
            flash(_("Chưa ghi gì thêm: những người được chọn đã đóng tháng %(m)s rồi.", m=month.strftime("%m/%Y")),
                  "warning")
            return see_other("activities.dues", unit_id=unit.id, month=month.strftime("%Y-%m"))
        if refused:  # only people whose month cannot be paid were ticked: the warning above says who and why
            return see_other("activities.dues", unit_id=unit.id, month=month.strftime("%Y-%m"))
        # Nobody ticked: not a success. Say so on the same page (422), so the officer can tick people.
        return _dues_page(unit, month, status=422, error=_("Chưa ghi gì: hãy đánh dấu ít nhất một người chưa đóng."))
    return _dues_page(unit, month)


def _dues_page(unit, month, status=200, error=None):
    rows = queries.dues_roll(unit, month)
    return render("activities/dues.html", status=status, unit=unit, month=month, rows=rows,
                  filter_by=DuesFilterForm.bind(month), error=error, form_refused=False,
                  paid_count=sum(1 for _p, paid, _t in rows if paid is not None),
                  paid_total=sum(paid or 0 for _p, paid, _t in rows), amount_for=queries.dues_amount_for,
                  can_record=permissions.can_record_dues(current_user, unit), ancestors=get_ancestors(unit))


@bp.route("/dues/person/<int:person_id>", methods=["GET", "POST"])
def person_dues(person_id):
    """Several months for one person at once ("paid January to June"), and the months recorded, each reversible."""
    person = queries.get_dues_person_for(current_user, person_id, "record" if request.method == "POST" else "view")
    bounds = queries.dues_month_bounds(person)
    form = DuesMonthsForm(bounds=bounds)
    if request.method == "GET":
        form.first.data = form.last.data = bounds[1].strftime("%Y-%m")
    if form.validate_on_submit():
        try:
            added = services.record_dues_months(person=person, months=form.chosen_months())
        except IntegrityError:  # someone recorded one of these months at the same moment: nothing saved
            db.session.rollback()
            flash(_("Chưa ghi gì: có người vừa ghi đoàn phí cho người này cùng lúc. Xem lại rồi thử lại."), "error")
            return see_other("activities.person_dues", person_id=person.id)
        if added:
            db.session.commit()
            flash(ngettext("Đã ghi đoàn phí %(num)s tháng (%(a)s–%(b)s) cho %(p)s.",
                           "Đã ghi đoàn phí %(num)s tháng (%(a)s–%(b)s) cho %(p)s.", len(added),
                           a=added[0].strftime("%m/%Y"), b=added[-1].strftime("%m/%Y"), p=person.full_name),
                  "success")
            return see_other("activities.person_dues", person_id=person.id)
        # a retry, or months paid meanwhile: nothing new — a warning, not a success
        flash(_("Chưa ghi gì thêm: các tháng đã chọn đều đã đóng rồi."), "warning")
        return see_other("activities.person_dues", person_id=person.id)
    first, last = bounds
    payments = queries.person_dues_months(person, first, last)
    grid = [(m, payments.get(m)) for m in form.months]
    return render("activities/person_dues.html", person=person, form=form, grid=grid,
                  bounds=bounds, amount=queries.dues_amount_for(person), reversals=queries.person_dues_reversals(person),
                  can_record=permissions.can_record_dues(current_user, person.unit),
                  ancestors=get_ancestors(person.unit) + [person.unit])


@bp.route("/dues/person/<int:person_id>/reverse/<month>", methods=["GET", "POST"])
def reverse_dues(person_id, month):
    """Undo a month recorded by mistake: a confirmation page with the reason (no change on GET)."""
    person = queries.get_dues_person_for(current_user, person_id, "record")
    month = queries.parse_month(month)
    payment = queries.person_dues_months(person, month, month).get(month) if month else None
    if payment is None:
        abort(404)
    if payment.reversed:  # reversed by another officer since this link or form was shown: say so, not "not found"
        flash(_("Tháng %(m)s đã được hoàn tác trước đó.", m=month.strftime("%m/%Y")), "warning")
        return see_other("activities.person_dues", person_id=person.id)
    form = DuesReversalForm()
    if form.validate_on_submit():
        reversal = services.reverse_dues_payment(person=person, month=month, reason=form.reason.data)
        if reversal is None:  # reversed by someone else a moment ago
            db.session.rollback()
            flash(_("Tháng %(m)s đã được hoàn tác trước đó.", m=month.strftime("%m/%Y")), "warning")
        else:
            db.session.commit()
            flash(_("Đã hoàn tác đoàn phí tháng %(m)s của %(p)s.", m=month.strftime("%m/%Y"), p=person.full_name),
                  "success")
        return see_other("activities.person_dues", person_id=person.id)
    return render("activities/dues_reverse.html", person=person, payment=payment, form=form,
                  ancestors=get_ancestors(person.unit) + [person.unit])


# ---- standing: the per-unit table, sortable by share of real members --------------------------------------------
STANDING_PAGE = 50


@bp.get("/units/<int:unit_id>/standing")
def standing(unit_id):
    unit = queries.get_unit_for(current_user, unit_id, "view")
    by_branch = request.args.get("by") == "branch" or unit.level == "commune"
    sort = request.args.get("sort") if request.args.get("sort") in queries.SORTS else "real_share"
    desc = request.args.get("dir", "asc" if sort in ("real_share", "name") else "desc") == "desc"
    warn = request.args.get("warn") if request.args.get("warn") in WARNINGS else ""
    total, rows, _branches = queries.child_tallies(unit, by_branch=by_branch, with_parents=by_branch)
    rules = queries.warning_rules()
    if warn:
        rows = [t for t in rows if warn in t.warnings(rules)]
    rows.sort(key=queries.SORTS[sort], reverse=desc)
    page = paginate_list(rows, per_page=STANDING_PAGE)
    args = {k: v for k, v in request.args.items() if k != "page"}

    def sort_url(key):
        flip = "asc" if (key == sort and desc) else "desc"
        return request.path + "?" + urlencode(dict({k: v for k, v in args.items() if k not in ("sort", "dir")},
                                                   sort=key, dir=flip))

    return render("activities/standing.html", unit=unit, total=total,
                  rows=page.items, count=page.total, page=page.page, pages=page.pages,
                  page_url=page.url, sort_url=sort_url, sort=sort, desc=desc, by_branch=by_branch, warn=warn,
                  warnings=WARNINGS, verdicts=VERDICTS, rules=rules, ancestors=get_ancestors(unit))


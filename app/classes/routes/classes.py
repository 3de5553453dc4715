"""Lists of classes (all, a unit's, a unit's people), a class's page, creating and editing a class."""
from datetime import date

from flask import abort, flash, request
from flask_babel import gettext as _
from flask_login import current_user

from ...access import has_role, scope_paths
from ...extensions import db
from ...units.queries import get_ancestors, get_unit_for, unit_from_args
from ...web import arg_int, paginate, render, see_other
from .. import bp, permissions, queries, services
from ..forms import ClassFilterForm, ClassForm
from ..models import KINDS, PEOPLE_COUNTS, STATUSES


def _year():
    return arg_int("year", date.today().year, lo=2000, hi=2100)


# ---- lists -------------------------------------------------------------------------------------------------
@bp.get("/")
def index():
    status = request.args.get("status") if request.args.get("status") in STATUSES else None
    kind = request.args.get("kind") if request.args.get("kind") in KINDS else None
    year = _year() if request.args.get("year") != "" else None
    q = (request.args.get("q") or "").strip()[:100]
    page = paginate(queries.classes_stmt(current_user, year=year, status=status, kind=kind, q=q), rows=True)
    return render("classes/index.html", block="results", page=page, mine=queries.my_classes(current_user),
                  upcoming=queries.upcoming_sessions(current_user), year=year, kind=kind, q=q,
                  can_create=bool(scope_paths(current_user, "organizer")),
                  filter_by=ClassFilterForm.bind(request.args, year))


@bp.get("/units/<int:unit_id>")
def unit_classes(unit_id):
    unit = get_unit_for(current_user, unit_id, "view")
    year = _year()
    page = paginate(queries.classes_stmt(current_user, year=year, unit=unit), per_page=50, rows=True)
    return render("classes/unit.html", unit=unit, year=year, numbers=queries.unit_numbers(unit, year), page=page,
                  ancestors=get_ancestors(unit))


WHAT = PEOPLE_COUNTS


@bp.get("/units/<int:unit_id>/people")
def unit_people(unit_id):
    unit = get_unit_for(current_user, unit_id, "view")
    year = _year()
    what = request.args.get("what") if request.args.get("what") in WHAT else "trained"
    page = paginate(queries.unit_people_stmt(unit, year, what), per_page=50)
    # Rows of a class the user may not open lead to the person instead of a 403.
    class_open = permissions.openable_class_ids(current_user, page.items) if what != "admitted" else set()
    return render("classes/unit_people.html", unit=unit, year=year, what=what, what_labels=WHAT, page=page,
                  class_open=class_open, ancestors=get_ancestors(unit))


def unit_panel_context(unit, user):
    year = date.today().year
    numbers = queries.unit_numbers(unit, year)
    return {"classes_numbers": numbers, "classes_year": year,
            "classes_can_create": unit.is_active and has_role(user, unit, "organizer") and unit.level != "branch"}


# ---- a class ------------------------------------------------------------------------------------------------
@bp.route("/new", methods=["GET", "POST"])
def create():
    units = queries.organizer_units(current_user)
    if not units:
        abort(403)
    form = ClassForm(units=units)
    if request.method == "GET":
        pre = unit_from_args(current_user, "organizer")
        form.unit_id.data = pre.id if pre is not None and pre.id in form.units else units[0].id
        form.reflection_required.data = True
    if form.validate_on_submit():
        unit = form.units[form.unit_id.data]
        scope = [form.units[i] for i in (form.scope_unit_ids.data or [])] or [unit]
        klass = services.create_class(
            unit=unit, title=form.title.data, kind=form.kind.data, starts_on=form.starts_on.data,
            ends_on=form.ends_on.data, venue=form.venue.data, mode=form.mode.data, capacity=form.capacity.data,
            min_attendance_pct=form.min_attendance_pct.data, reflection_required=form.reflection_required.data,
            notes=form.notes.data, scope_units=scope)
        db.session.commit()
        flash(_("Đã tạo lớp «%(t)s». Hãy thêm các buổi học.", t=klass.title), "success")
        return see_other("classes.detail", class_id=klass.id)
    return render("classes/form.html", form=form, klass=None)


@bp.route("/<int:class_id>/edit", methods=["GET", "POST"])
def edit(class_id):
    klass = queries.get_class_for(current_user, class_id, "edit")
    units = queries.organizer_units(current_user)
    form = ClassForm(obj=klass, units=units, organizers=queries.organizer_accounts(klass.unit), klass=klass)
    form.enrolled = queries.enrolled_count(klass)
    if form.validate_on_submit():
        scope = [form.units[i] for i in (form.scope_unit_ids.data or [])] or [klass.unit]
        organizers = [form.organizers[i] for i in form.organizer_ids.data]
        services.update_class(
            klass=klass, expected_version=form.version.data, scope_units=scope, organizers=organizers,
            title=form.title.data, kind=form.kind.data, starts_on=form.starts_on.data, ends_on=form.ends_on.data,
            venue=form.venue.data, mode=form.mode.data, capacity=form.capacity.data, status=form.status.data,
            min_attendance_pct=form.min_attendance_pct.data, reflection_required=form.reflection_required.data,
            notes=form.notes.data or None)
        db.session.commit()
        flash(_("Đã lưu thay đổi."), "success")
        return see_other("classes.detail", class_id=klass.id)
    return render("classes/form.html", form=form, klass=klass)


@bp.get("/<int:class_id>")
def detail(class_id):
    klass = queries.get_class_for(current_user, class_id, "view")
    sessions, organizers, scope, counts = queries.class_detail(klass)
    return render("classes/detail.html", klass=klass, sessions=sessions, organizers=organizers, scope=scope,
                  counts=counts, can_edit=permissions.can_edit_class(current_user, klass),
                  can_manage=permissions.can_manage_class(current_user, klass))

"""The people list and its exports, adding and editing a person, the person page."""
import uuid
from datetime import date

from flask import flash, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from ...access import authorize
from ...extensions import db
from ...units.queries import branches_of, get_ancestors
from ...web import paginate, render, see_other
from .. import bp, exports, permissions, queries, services
from ..forms import MemberFilterForm, PersonForm
from ..models import EVENT_KINDS, MEMBER_TYPES, OCCUPATIONS, POSTS, SEXES, STATUSES
from .common import XLSX, download, unit_arg


# ---- the list -------------------------------------------------------------------------------------------------
@bp.get("/")
def index():
    filters = queries.Filters.from_args(request.args)
    unit = unit_arg()
    page = paginate(queries.people_stmt(current_user, filters, unit), cap=queries.COUNT_CAP,
                    order=lambda stmt, many: queries.ordered(stmt, sort_matches=bool(filters.q) and not many))
    base, units = queries.list_choice_units(current_user, unit)
    return render("members/index.html", block="results", page=page, f=filters, unit=unit, base=base, units=units,
                  crit=queries.criteria_module() is not None,
                  shown_cid=lambda p: permissions.shown_citizen_id(current_user, p), MEMBER_TYPES=MEMBER_TYPES,
                  STATUSES=STATUSES, can_manage=permissions.can_manage_people_in(current_user, unit),
                  filter_by=MemberFilterForm.bind(request.args, unit, base, units))


def _export_title(unit):
    return _("Danh sách đoàn viên, hội viên, thanh niên") + (f" — {unit.name}" if unit else "") + \
        f" ({date.today():%d/%m/%Y})"


@bp.get("/export.csv")
def export_csv():
    filters = queries.Filters.from_args(request.args)
    unit = unit_arg()
    data = exports.to_csv(current_user, queries.people_stmt(current_user, filters, unit))
    return download(data, "text/csv; charset=utf-8", "danh-sach-doan-vien.csv")


@bp.get("/export.xlsx")
def export_xlsx():
    filters = queries.Filters.from_args(request.args)
    unit = unit_arg()
    data = exports.to_xlsx(current_user, queries.people_stmt(current_user, filters, unit), _export_title(unit))
    return download(data, XLSX, "danh-sach-doan-vien.xlsx")


# ---- create and edit ----------------------------------------------------------------------------------------
def _create_once(form):
    """Create the person the form describes, once: the twin of a double tap that won the race (the unique form
    token) is the person shown."""
    data = {k: getattr(form, k).data for k in services.EDIT_FIELDS}
    try:
        done, _new = services.create_person(branch=form.chosen_branch, form_token=form.form_token.data, **data)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        done = services.find_by_form_token(form.form_token.data)
        if done is None:
            raise
    return done


@bp.route("/new", methods=["GET", "POST"])
def create():
    unit = unit_arg()
    if unit is None or unit.level not in ("commune", "branch"):
        # Pick the commune or branch first: drill down from the user's units.
        _base, units = queries.list_choice_units(current_user, unit)
        return render("members/pick_unit.html", unit=unit, units=units)
    authorize(permissions.can_add_person(current_user, unit))
    branches = [unit] if unit.level == "branch" else branches_of(unit)
    form = PersonForm(branches=branches)
    if request.method == "GET":
        form.form_token.data = uuid.uuid4().hex
        form.branch.data = str(branches[0].id) if len(branches) == 1 else None
    if form.is_submitted() and not request.form.get("_validate"):
        done = services.find_by_form_token(form.form_token.data)
        if done is not None:  # the twin of a double tap: the person exists, show it (before validation says "duplicate")
            return see_other("members.detail", person_id=done.id)
    if form.validate_on_submit() and not request.form.get("_validate"):
        done = _create_once(form)
        flash(_("Đã thêm %(name)s vào sổ.", name=done.full_name), "success")
        if done.over_union_age:
            flash(_("%(name)s đã quá 30 tuổi: đến tuổi trưởng thành Đoàn, không tính vào số đoàn viên.",
                    name=done.full_name), "warning")
        return see_other("members.detail", person_id=done.id)
    return render("members/form.html", block="form", form=form, person=None, unit=unit,
                  ancestors=get_ancestors(unit) + [unit])


@bp.route("/<int:person_id>/edit", methods=["GET", "POST"])
def edit(person_id):
    person = queries.get_person_for(current_user, person_id, "edit")
    form = PersonForm(obj=person, person=person)
    if form.validate_on_submit() and not request.form.get("_validate"):
        data = {k: getattr(form, k).data for k in services.EDIT_FIELDS}
        services.update_person(person=person, expected_version=form.version.data, **data)
        db.session.commit()
        flash(_("Đã lưu thay đổi."), "success")
        return see_other("members.detail", person_id=person.id)
    return render("members/form.html", block="form", form=form, person=person, unit=person.unit,
                  ancestors=get_ancestors(person.unit) + [person.unit])


# ---- the person page ----------------------------------------------------------------------------------------
@bp.get("/<int:person_id>")
def detail(person_id):
    person = queries.get_person_for(current_user, person_id, "view")
    crit = queries.criteria_module()
    criteria = crit.criteria_for(person) if crit is not None and hasattr(crit, "criteria_for") else None
    verdict = crit.verdict_of({c: ok for c, _label, ok, _r in criteria}) if criteria else None
    can_edit = permissions.can_edit_person(current_user, person)
    # Attendance, dues and classes live in domains that import this one: import them late.
    from ...activities import models as activity_models
    from ...activities import queries as activity_queries
    from ...classes import queries as class_queries

    dues, paid_through = activity_queries.person_dues(person)
    transfers = queries.person_transfers(person)
    pending = any(tr.status == "requested" for tr in transfers)
    return render(
        "members/detail.html", person=person, ancestors=get_ancestors(person.unit) + [person.unit],
        attendance=activity_queries.person_attendance(person), ATTENDANCE=activity_models.ATTENDANCE,
        trainings=class_queries.person_trainings(person),
        dues=dues, paid_through=paid_through,
        owes_dues=person.member_type in activity_queries.setting("DUES_MEMBER_TYPES"),
        verdict=verdict, VERDICTS=crit.VERDICTS if verdict else {},
        history=queries.person_history(person), posts=queries.current_posts([person.id]).get(person.id, {}),
        transfers=transfers, criteria=criteria,
        citizen_id=permissions.shown_citizen_id(current_user, person),
        can_edit=can_edit, can_transfer=permissions.can_transfer_person(current_user, person),
        event_kinds=[k for k in services.HISTORY_KINDS if services.event_allowed(person, k)
                     and (k == "confirmed" or not pending)] if can_edit else [],
        EVENT_KINDS=EVENT_KINDS, POSTS=POSTS, SEXES=SEXES, OCCUPATIONS=OCCUPATIONS,
    )

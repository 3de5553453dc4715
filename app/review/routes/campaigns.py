"""The campaigns: list, create, change dates, open (the walk lists are taken), close; the coverage page at any level of
the scope, and the people behind each of its numbers."""
import uuid
from datetime import date

from flask import abort, flash, request
from flask_babel import gettext as _
from flask_login import current_user

from ...errors import conflict_returns_to
from ...extensions import db
from ...units.queries import get_ancestors, get_unit, unit_from_args
from ...web import paginate, render, see_other
from .. import bp, permissions, queries, services
from ..forms import CampaignEditForm, CampaignForm, StepForm, march
from ..models import OUTCOMES


@bp.get("/")
def index():
    return render("review/index.html", campaigns=queries.campaigns_for(current_user),
                  can_create=bool(queries.admin_units(current_user)))


@bp.route("/new", methods=["GET", "POST"])
def create():
    units = queries.admin_units(current_user)
    if not units:
        abort(403)

    def allowed(unit_id):
        unit = get_unit(unit_id)
        return unit if permissions.can_create_at(current_user, unit) else None

    form = CampaignForm(units=units, allowed=allowed, taken=queries.overlapping)
    done = queries.campaign_of_token(request.form.get("form_token")) if request.method == "POST" else None
    if done is not None and permissions.can_view_campaign(current_user, done):
        # a resent form (a double tap, a flaky network): the answer the first one had, not "this year is taken"
        return see_other("review.campaign", campaign_id=done.id)
    if request.method == "GET":
        base = unit_from_args(current_user, "admin")
        year = date.today().year if date.today().month <= 3 else date.today().year + 1
        form.form_token.data = uuid.uuid4().hex
        form.unit_id.data = base.id if base and allowed(base.id) else units[0].id
        form.year.data = year
        form.starts_on.data, form.ends_on.data = march(year)
    if form.validate_on_submit():
        unit = allowed(form.unit_id.data)
        title = form.title.data or _("Rà soát đoàn viên, hội viên, thanh niên năm %(y)s — %(u)s", y=form.year.data,
                                     u=unit.name)
        campaign = services.create_campaign(unit=unit, year=form.year.data, title=title, starts_on=form.starts_on.data,
                                            ends_on=form.ends_on.data, form_token=form.form_token.data or None)
        db.session.commit()
        flash(_("Đã tạo đợt rà soát. Mở đợt để lập danh sách đi từng nhà."), "success")
        return see_other("review.campaign", campaign_id=campaign.id)
    return render("review/form.html", block="form", form=form, campaign=None)


@bp.route("/<int:campaign_id>/edit", methods=["GET", "POST"])
def edit(campaign_id):
    campaign = queries.get_campaign_for(current_user, campaign_id, "manage")
    form = CampaignEditForm(obj=campaign)
    if form.validate_on_submit():
        services.update_campaign(campaign=campaign, expected_version=form.version.data, title=form.title.data,
                                 starts_on=form.starts_on.data, ends_on=form.ends_on.data)
        db.session.commit()
        flash(_("Đã lưu thay đổi."), "success")
        return see_other("review.campaign", campaign_id=campaign.id)
    return render("review/form.html", block="form", form=form, campaign=campaign)


def _step(campaign_id, service, from_statuses, message):
    """Open or close: the version the button was shown at (a resent press answers as the first did)."""
    campaign = queries.get_campaign_for(current_user, campaign_id, "manage")
    form = StepForm()
    if form.validate_on_submit() and campaign.status in from_statuses:
        service(campaign=campaign, expected_version=form.version.data)
        db.session.commit()
        flash(message(), "success")
    return see_other("review.campaign", campaign_id=campaign.id)


@bp.post("/<int:campaign_id>/open")
@conflict_returns_to("review.campaign")
def open_(campaign_id):
    return _step(campaign_id, services.open_campaign, ("draft", "open"),
                 lambda: _("Đã mở đợt rà soát: danh sách từng chi đoàn đã được lập."))


@bp.post("/<int:campaign_id>/close")
@conflict_returns_to("review.campaign")
def close(campaign_id):
    return _step(campaign_id, services.close_campaign, ("open", "closed"),
                 lambda: _("Đã kết thúc đợt rà soát. Các cơ sở chưa đối chiếu vẫn đối chiếu được."))


@bp.get("/<int:campaign_id>")
def campaign(campaign_id):
    campaign = queries.get_campaign_for(current_user, campaign_id)
    unit = queries.unit_of_args(current_user, campaign)
    total, tallies = queries.coverage(campaign, unit)
    ctx = {}
    if unit.level == "commune":
        ctx = {"teams": queries.teams_by_branch(campaign, unit),
               "reconciled": queries.reconciliation(campaign, unit),
               "can_teams": permissions.can_manage_teams(current_user, campaign, unit),
               "can_reconcile": permissions.can_reconcile(current_user, campaign, unit)}
    elif unit.level != "branch":
        ctx = {"reconciled_ids": queries.reconciled_communes(campaign)}
    return render("review/campaign.html", campaign=campaign, unit=unit, total=total, tallies=tallies,
                  ancestors=[a for a in get_ancestors(unit) if a.path.startswith(campaign.unit_path)],
                  expected=queries.expected_share(campaign), margin=queries.BEHIND_MARGIN, step=StepForm(obj=campaign),
                  can_manage=permissions.can_manage_campaign(current_user, campaign),
                  can_walk=unit.level == "branch" and permissions.can_walk(current_user, campaign, unit), **ctx)


@bp.get("/<int:campaign_id>/people")
def people(campaign_id):
    campaign = queries.get_campaign_for(current_user, campaign_id)
    unit = queries.unit_of_args(current_user, campaign)
    outcome = request.args.get("outcome")
    outcome = outcome if outcome in (*OUTCOMES, queries.NOT_VISITED, queries.SEEN, "visited") else None
    start_type = request.args.get("type") if request.args.get("type") in queries.TYPES else None
    found = {"1": True, "0": False}.get(request.args.get("found", "0" if outcome else ""))
    page = paginate(queries.people_stmt(campaign, unit, outcome, start_type, found), rows=True)
    return render("review/people.html", block="results", campaign=campaign, unit=unit, page=page, outcome=outcome,
                  start_type=start_type, found=found)

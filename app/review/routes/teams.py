"""A commune's review teams: officers (accounts) and people who are not accounts, and the branches each walks."""
import uuid

from flask import abort, flash, request
from flask_babel import gettext as _
from flask_login import current_user

from ...errors import conflict_returns_to
from ...extensions import db
from ...units.queries import branches_of
from ...web import render, see_other
from .. import bp, permissions, queries, services
from ..forms import GuestForm, TeamForm


def _commune(campaign, commune_id):
    return queries.get_unit_in(current_user, campaign, commune_id, levels=("commune",))


def _picked(form, commune):
    """The officers and branches ticked on a team form, as records (the form has checked they belong here)."""
    by_id = {b.id: b for b in branches_of(commune)}
    officers = {u.id: u for u in queries.commune_officers(commune)}
    return [officers[i] for i in form.users.data or ()], [by_id[i] for i in form.branches.data or ()]


def _team_form(campaign, commune, **kw):
    return TeamForm(officers=queries.commune_officers(commune), branches=branches_of(commune), **kw)


@bp.route("/<int:campaign_id>/communes/<int:commune_id>/teams", methods=["GET", "POST"])
def teams(campaign_id, commune_id):
    campaign = queries.get_campaign_for(current_user, campaign_id)
    commune = _commune(campaign, commune_id)
    can_manage = permissions.can_manage_teams(current_user, campaign, commune)
    form = _team_form(campaign, commune)
    if request.method == "POST":
        if not can_manage:
            abort(403)
        if form.validate_on_submit():
            users, branches = _picked(form, commune)
            team = services.create_team(campaign=campaign, commune=commune, name=form.name.data, users=users,
                                        branches=branches, form_token=form.form_token.data or None)
            db.session.commit()
            flash(_("Đã lập tổ %(name)s. Thêm người cùng đi (trưởng thôn, công an…) ở trang của tổ.", name=team.name),
                  "success")
            return see_other("review.team", team_id=team.id)
    else:
        form.form_token.data = uuid.uuid4().hex
    return render("review/teams.html", form=form, campaign=campaign, commune=commune, can_manage=can_manage,
                  teams=queries.teams_of(campaign, commune), assigned=queries.teams_by_branch(campaign, commune),
                  branches=branches_of(commune))


@bp.route("/teams/<int:team_id>", methods=["GET", "POST"])
@conflict_returns_to("review.team")
def team(team_id):
    team = queries.get_team_for(current_user, team_id)
    campaign, commune = team.campaign, team.commune
    can_manage = permissions.can_manage_teams(current_user, campaign, commune)
    current = queries.team_branches(team)
    form = _team_form(campaign, commune, obj=team, data=None if request.method == "POST" else {
        "users": [m.user_id for m in team.members if m.user_id], "branches": [b.id for b in current]})
    if request.method == "POST":
        if not can_manage:
            abort(403)
        if form.validate_on_submit():
            users, branches = _picked(form, commune)
            services.update_team(team=team, expected_version=form.version.data, name=form.name.data, users=users,
                                 branches=branches)
            db.session.commit()
            flash(_("Đã lưu tổ %(name)s.", name=team.name), "success")
            return see_other("review.team", team_id=team.id)
    return render("review/team.html", form=form, guest=GuestForm(), team=team, campaign=campaign, commune=commune,
                  can_manage=can_manage, branches=current)


@bp.post("/teams/<int:team_id>/guests")
def add_guest(team_id):
    team = queries.get_team_for(current_user, team_id)
    if not permissions.can_manage_teams(current_user, team.campaign, team.commune):
        abort(403)
    guest = GuestForm()
    if guest.validate_on_submit():
        services.add_guest(team=team, full_name=guest.full_name.data, post=guest.post.data, post_text=guest.post_text.data)
        db.session.commit()
        flash(_("Đã thêm %(name)s vào tổ.", name=guest.full_name.data.strip()), "success")
        return see_other("review.team", team_id=team.id)
    form = _team_form(team.campaign, team.commune, obj=team, data={
        "users": [m.user_id for m in team.members if m.user_id], "branches": [b.id for b in queries.team_branches(team)]})
    return render("review/team.html", form=form, guest=guest, team=team, campaign=team.campaign, commune=team.commune,
                  can_manage=True, branches=queries.team_branches(team))


@bp.post("/team-members/<int:member_id>/remove")
def remove_member(member_id):
    member = queries.get_member_for(current_user, member_id)
    services.remove_member(member=member)
    db.session.commit()
    flash(_("Đã bỏ %(name)s khỏi tổ.", name=member.full_name), "success")
    return see_other("review.team", team_id=member.team_id)

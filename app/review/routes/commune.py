"""A commune's side of the review: the people found at the doors (enrol the youth into a sympathizer class in one
step; those who are members elsewhere wait for a transfer), and the reconciliation into the registry."""
from flask import abort, flash, request
from flask_babel import gettext as _
from flask_login import current_user

from ...classes.services import EnrolError, refused_message
from ...extensions import db
from ...web import render, see_other
from .. import bp, permissions, queries, services
from ..forms import EnrolFoundForm, ReconcileForm


def _commune(campaign, commune_id):
    return queries.get_unit_in(current_user, campaign, commune_id, levels=("commune",))


def _found_page(campaign, commune, form, status=None):
    youth = queries.found_people(campaign, commune, claimed=False)
    return render("review/found.html", status=status, campaign=campaign, commune=commune, youth=youth,
                  members=queries.found_people(campaign, commune, claimed=True), form=form,
                  enrolled=queries.enrolled_ids([p.id for _s, p in youth]),
                  can_enrol=permissions.can_reconcile(current_user, campaign, commune))


@bp.get("/<int:campaign_id>/communes/<int:commune_id>/found")
def found_list(campaign_id, commune_id):
    campaign = queries.get_campaign_for(current_user, campaign_id)
    commune = _commune(campaign, commune_id)
    return _found_page(campaign, commune, EnrolFoundForm(classes=queries.sympathizer_classes(commune)))


@bp.post("/<int:campaign_id>/communes/<int:commune_id>/found/enrol")
def enrol_found(campaign_id, commune_id):
    campaign = queries.get_campaign_for(current_user, campaign_id)
    commune = _commune(campaign, commune_id)
    if not permissions.can_reconcile(current_user, campaign, commune):
        abort(403)
    classes = queries.sympathizer_classes(commune)
    form = EnrolFoundForm(classes=classes)
    ids = {int(x) for x in request.form.getlist("person") if x.isdigit()}
    people = [p for _s, p in queries.found_people(campaign, commune, claimed=False) if p.id in ids]
    klass = next((k for k in classes if k.id == form.class_id.data), None)
    if form.validate_on_submit() and klass is not None and people:
        try:
            n, refused = services.enrol_found(klass=klass, people=people)
        except EnrolError as e:
            form.class_id.errors = [str(e)]
            return _found_page(campaign, commune, form, status=422)
        db.session.commit()
        flash(_("Đã ghi danh %(n)s người vào lớp %(title)s.", n=n, title=klass.title), "success")
        if refused:
            flash(refused_message(refused), "warning")
        return see_other("review.found_list", campaign_id=campaign.id, commune_id=commune.id)
    if form.is_submitted() and not form.errors:
        form.class_id.errors = [_("Chọn lớp.") if klass is None else _("Đánh dấu ít nhất một người để ghi danh.")]
    return _found_page(campaign, commune, form, status=422)


@bp.post("/<int:campaign_id>/communes/<int:commune_id>/newcomers")
def newcomers(campaign_id, commune_id):
    """Onto the walk lists: people on a roll of the commune since the lists were taken."""
    campaign = queries.get_campaign_for(current_user, campaign_id)
    commune = _commune(campaign, commune_id)
    if not permissions.can_manage_teams(current_user, campaign, commune) or campaign.status != "open" \
            or queries.reconciliation(campaign, commune):
        abort(403)
    if ReconcileForm().validate_on_submit():
        n = services.add_newcomers(campaign=campaign, commune=commune)
        db.session.commit()
        flash(_("Đã thêm %(n)s người mới vào sổ từ khi lập danh sách.", n=n) if n else
              _("Không có ai mới: danh sách đã đủ người trong sổ."), "success" if n else "info")
    return see_other("review.campaign", campaign_id=campaign.id, unit=commune.id)


@bp.route("/<int:campaign_id>/communes/<int:commune_id>/reconcile", methods=["GET", "POST"])
def reconcile(campaign_id, commune_id):
    """The changes the outcomes imply, listed; applied in one transaction by an officer of the commune."""
    campaign = queries.get_campaign_for(current_user, campaign_id)
    commune = _commune(campaign, commune_id)
    can = permissions.can_reconcile(current_user, campaign, commune)
    form = ReconcileForm()
    done = queries.reconciliation(campaign, commune)
    if request.method == "POST":
        if not can:
            abort(403)
        if form.validate_on_submit():
            rec, created = services.reconcile(campaign=campaign, commune=commune,
                                              plan=queries.reconcile_plan(campaign, commune))
            db.session.commit()
            if created:
                flash(_("Đã đối chiếu: %(n)s thay đổi đã ghi vào sổ.", n=sum((rec.counts or {}).values())), "success")
            return see_other("review.reconcile", campaign_id=campaign.id, commune_id=commune.id)
    plan = queries.reconcile_plan(campaign, commune) if done is None else {}
    total, _children = queries.coverage(campaign, commune)
    return render("review/reconcile.html", form=form, campaign=campaign, commune=commune, plan=plan, done=done,
                  total=total, can=can and done is None)

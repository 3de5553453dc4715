"""The walk list of a branch: households in address order, one tap per person (htmx) or one plain form per
household (no JavaScript, and the paper typed back); a person's outcome history and household; new people found."""
import uuid
from datetime import date

from flask import abort, flash, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ...extensions import db
from ...web import is_partial, paginate_list, render, see_other
from .. import bp, permissions, queries, rules, services
from ..forms import FoundPersonForm, HouseholdForm, read_outcome, read_visit_date
from ..households import household_key
from ..rules import OutcomeError


def _branch(campaign, branch_id):
    return queries.get_unit_in(current_user, campaign, branch_id, levels=("branch",))


def _default_visit_date(campaign):
    today = date.today()
    return today if campaign.starts_on <= today <= campaign.ends_on else None


def _walk_page(campaign, branch, page=None, typed=None, errors=None, visit=None, status=None):
    groups = queries.households(campaign, branch)
    households = paginate_list(queries.walk_pages(groups), page, 1)
    subjects = [s for shown in households.items for _n, h in shown for s, _p in h.people]
    last, attended = queries.walk_details([s.id for s in subjects], [s.person_id for s in subjects])
    total, _children = queries.coverage(campaign, branch)
    team = queries.teams_by_branch(campaign, branch.parent).get(branch.id)
    can_walk = permissions.can_walk(current_user, campaign, branch)
    why_not = rules.can_write(campaign) or (_("Cơ sở đã đối chiếu, kết quả đã vào sổ — không sửa được nữa.")
                                            if queries.reconciliation(campaign, branch.parent) else None)
    return render("review/walk.html", status=status, campaign=campaign, branch=branch, households=households,
                  last=last, attended=attended, total=total, team=team, can_walk=can_walk and not why_not,
                  why_not=why_not, typed=typed or {}, errors=errors or {}, tokens={s.id: uuid.uuid4().hex for s in subjects},
                  visit=visit if visit is not None else _default_visit_date(campaign))


@bp.get("/<int:campaign_id>/branches/<int:branch_id>")
def walk(campaign_id, branch_id):
    campaign = queries.get_campaign_for(current_user, campaign_id)
    return _walk_page(campaign, _branch(campaign, branch_id))


def _outcome_errors(subject, values, raw, errors, visit, visit_error):
    """Validate one person's outcome; {field: message} (empty when it may be written)."""
    if visit_error:
        errors.setdefault("on", visit_error)
    if errors:
        return errors
    try:
        rules.check_outcome(subject, {**values, "on": visit})
    except OutcomeError as e:
        errors[e.field] = e.message
    return errors


@bp.post("/<int:campaign_id>/branches/<int:branch_id>/visits")
def household(campaign_id, branch_id):
    """The plain form of one household (or of the page): every person with an outcome chosen is written — all of them
    or none: a mistake on one person shows the page again with everything typed kept and the message beside it."""
    campaign = queries.get_campaign_for(current_user, campaign_id)
    branch = _branch(campaign, branch_id)
    if not permissions.walks(current_user, branch):
        abort(403)  # a closed campaign or a reconciled commune: refused beside each person, with the reason
    shown = [int(x) for x in request.form.getlist("shown") if x.isdigit()]
    subjects = queries.subjects_in(campaign, branch, shown)
    visit, visit_error = read_visit_date(request.form)
    todo, typed, errors = [], {}, {}
    for subject in subjects:
        values, raw, errs = read_outcome(request.form, subject.id)
        typed[subject.id] = raw
        if not values["outcome"] and not any(raw[k] for k in ("p", "s", "ph", "a", "w", "n")):
            continue  # nobody chose anything for this person
        if not values["outcome"]:
            errs["outcome"] = _("Chọn kết quả cho người này.")
        errs = _outcome_errors(subject, values, raw, errs, visit, visit_error)
        if errs:
            errors[subject.id] = errs
        else:
            todo.append((subject, values))
    page = request.form.get("page", type=int)
    if errors:
        return _walk_page(campaign, branch, page, typed=typed, errors=errors, visit=request.form.get("on"), status=422)
    for subject, values in todo:
        token = values.pop("token")
        services.record_outcome(subject=subject, on=visit, token=token, **values)
    db.session.commit()
    if todo:
        flash(_("Đã lưu kết quả của %(n)s người.", n=len(todo)), "success")
    else:
        flash(_("Chưa ghi gì: chưa chọn kết quả cho ai."), "warning")
    anchor = request.form.get("anchor", "")
    return see_other("review.walk", campaign_id=campaign.id, branch_id=branch.id,
                     _anchor=anchor if anchor.startswith("h-") else None, **({"page": page} if page and page > 1 else {}))


def _row(subject, status=None, **ctx):
    """One person's row, for htmx: the saved state (or what was typed, with the message), and a fresh token."""
    last, attended = queries.walk_details([subject.id], [subject.person_id])
    html = render_template("review/_person.html", s=subject, p=subject.person, o=last.get(subject.id),
                           att=attended.get(subject.person_id), token=uuid.uuid4().hex, can_walk=True,
                           typed=ctx.get("typed"), errs=ctx.get("errs") or {}, campaign=subject.campaign, oob_count=True,
                           total=queries.coverage(subject.campaign, subject.branch)[0] if status is None else None)
    return (html, status) if status else html


@bp.post("/subjects/<int:subject_id>/outcome")
def outcome(subject_id):
    """One tap (htmx): this person's outcome; the answer is the row (and the branch's count, out of band).
    Without htmx (a row's own save button): 303 back to the walk list, or the page again with the message."""
    subject = queries.get_subject_for(current_user, subject_id, permissions.WALKERS)
    campaign, branch = subject.campaign, subject.branch
    if not permissions.walks(current_user, branch):
        abort(403)  # a closed campaign or a reconciled commune: the row again with the reason (422)
    values, raw, errs = read_outcome(request.form, subject.id)
    if not values["outcome"]:
        errs["outcome"] = _("Chọn kết quả cho người này.")
    visit, visit_error = read_visit_date(request.form)
    errs = _outcome_errors(subject, values, raw, errs, visit, visit_error)
    if errs:
        if is_partial():
            return _row(subject, 422, typed=raw, errs=errs)
        groups = queries.households(campaign, branch)
        return _walk_page(campaign, branch, queries.page_of(groups, subject.id), typed={subject.id: raw},
                          errors={subject.id: errs}, visit=request.form.get("on"), status=422)
    token = values.pop("token")
    services.record_outcome(subject=subject, on=visit, token=token, **values)
    db.session.commit()
    if is_partial():
        return _row(subject)
    groups = queries.households(campaign, branch)
    page = queries.page_of(groups, subject.id)
    return see_other("review.walk", campaign_id=campaign.id, branch_id=branch.id, _anchor=f"rv-{subject.id}",
                     **({"page": page} if page > 1 else {}))


@bp.route("/subjects/<int:subject_id>", methods=["GET", "POST"])
def subject(subject_id):
    """One person of a walk list: every outcome recorded (who, when), and the household corrected by hand."""
    subject = queries.get_subject_for(current_user, subject_id)
    campaign, branch = subject.campaign, subject.branch
    can_walk = permissions.can_walk(current_user, campaign, branch) and not rules.can_write(campaign, subject)
    form = HouseholdForm(data={"household": subject.household or subject.person.current_address})
    if request.method == "POST":
        if not can_walk:
            abort(403)
        if form.validate_on_submit():
            services.set_household(subject=subject, household=form.household.data)
            db.session.commit()
            flash(_("Đã sửa hộ của %(name)s.", name=subject.person.full_name), "success")
            return see_other("review.walk", campaign_id=campaign.id, branch_id=branch.id, _anchor=f"rv-{subject.id}",
                             **_page_arg(campaign, branch, subject))
    return render("review/subject.html", form=form, subject=subject, campaign=campaign, branch=branch,
                  history=queries.history(subject), can_walk=can_walk,
                  households=queries.household_choices(campaign, branch), current=household_key(
                      subject.household or subject.person.current_address or subject.person.permanent_address))


def _page_arg(campaign, branch, subject):
    page = queries.page_of(queries.households(campaign, branch), subject.id)
    return {"page": page} if page > 1 else {}


@bp.route("/<int:campaign_id>/branches/<int:branch_id>/new", methods=["GET", "POST"])
def found(campaign_id, branch_id):
    """A person living here who is on no list: into the registry as found in the review, onto this walk list."""
    campaign = queries.get_campaign_for(current_user, campaign_id)
    branch = _branch(campaign, branch_id)
    if not permissions.can_walk(current_user, campaign, branch) or rules.can_write(campaign) or \
            queries.reconciliation(campaign, branch.parent):
        abort(403)
    form = FoundPersonForm(campaign=campaign, check_date=lambda d: rules.check_visit_date(campaign, d))
    if request.method == "GET":
        form.form_token.data = uuid.uuid4().hex
        form.on.data = _default_visit_date(campaign)
        form.address.data = request.args.get("address", "")[:300]
    if form.validate_on_submit():
        subject = services.add_found_person(
            campaign=campaign, branch=branch, on=form.on.data, full_name=form.full_name.data, birth_date=form.birth.data,
            sex=form.sex.data, phone=form.phone.data, occupation=form.occupation.data, address=form.address.data,
            claimed_type=form.claimed_type.data or None, claimed_unit=form.claimed_unit.data, note=form.note.data,
            form_token=form.form_token.data or None)
        db.session.commit()
        flash(_("Đã thêm %(name)s vào sổ (phát hiện khi rà soát).", name=subject.person.full_name), "success")
        return see_other("review.walk", campaign_id=campaign.id, branch_id=branch.id, _anchor=f"rv-{subject.id}",
                         **_page_arg(campaign, branch, subject))
    return render("review/found_form.html", block="form", form=form, campaign=campaign, branch=branch,
                  back=url_for("review.walk", campaign_id=campaign.id, branch_id=branch.id))

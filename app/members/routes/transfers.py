"""Transfers: moving a person to another branch of the commune, asking another commune to take them, and the
receiving commune's answer."""
import uuid
from datetime import date

from flask import flash, request
from flask_babel import gettext as _
from flask_login import current_user

from ...extensions import db
from ...units.queries import branches_of, get_ancestors
from ...web import render, see_other
from .. import bp, permissions, queries, services
from ..forms import AcceptTransferForm, MoveForm, RefuseTransferForm, TransferRequestForm, WithdrawTransferForm
from .common import pending_transfer


def _move_within(person, move, open_request):
    """The "move to another branch" half of the transfer page: a response, or None to show the page again."""
    if request.form.get("move-branch") == str(person.unit_id):
        return see_other("members.detail", person_id=person.id)  # already there: a repeated submit
    if open_request is not None:
        return pending_transfer(person, open_request)
    if not move.validate():
        return None
    branch = move.chosen_branch
    services.transfer_within_commune(person=person, branch=branch, on=move.on.data, reason=move.reason.data,
                                     expected_version=move.version.data)
    db.session.commit()
    flash(_("Đã chuyển %(name)s sang %(b)s.", name=person.full_name, b=branch.name), "success")
    return see_other("members.detail", person_id=person.id)


def _request_transfer(person, req, open_request):
    """The "ask another commune" half: a response, or None to show the page again. The same form sent again
    answers as the first time; someone else's open request is shown instead."""
    token = req.form_token.data or None
    if open_request is not None and open_request.form_token != token:
        return pending_transfer(person, open_request)
    if open_request is None and not req.validate():
        return None
    tr = open_request
    if tr is None:
        tr = services.request_transfer(person=person, to_commune=req.chosen_commune, on=req.on.data,
                                       reason=req.reason.data, form_token=token)
        if tr.form_token != token:  # a different form won the race a moment ago
            db.session.rollback()
            return pending_transfer(person, services.open_transfer(person))
        db.session.commit()
    flash(_("Đã gửi đề nghị chuyển sinh hoạt đến %(c)s.", c=tr.to_commune.name), "success")
    return see_other("members.detail", person_id=person.id)


@bp.route("/<int:person_id>/transfer", methods=["GET", "POST"])
def transfer(person_id):
    person = queries.get_person_for(current_user, person_id, "transfer")
    commune = person.unit.parent
    # Only into branches the user may edit: a branch officer cannot place people in a sibling branch.
    move = MoveForm(obj=person, branches=[b for b in branches_of(commune) if b.id != person.unit_id
                                          and permissions.can_add_person(current_user, b)], prefix="move")
    req = TransferRequestForm(communes=queries.communes_of_province(commune, exclude_id=commune.id), prefix="req")
    if request.method == "GET":
        move.on.data = req.on.data = date.today()
        req.form_token.data = uuid.uuid4().hex
    open_request = services.open_transfer(person)
    mode = request.form.get("mode") if request.method == "POST" else None
    answer = None
    if mode == "move":
        answer = _move_within(person, move, open_request)
    elif mode == "request":
        answer = _request_transfer(person, req, open_request)
    if answer is not None:
        return answer
    status = 422 if (move.errors or req.errors) else 200
    return render("members/transfer.html", status=status, person=person, move=move, req=req, open_request=open_request,
                  ancestors=get_ancestors(person.unit) + [person.unit])


@bp.get("/transfers")
def transfers():
    incoming, outgoing = queries.transfers_for(current_user, status=request.args.get("status", "requested") or None)
    return render("members/transfers.html", incoming=incoming, outgoing=outgoing,
                  shown=request.args.get("status", "requested"))


def _decide(tr, action, accept, refuse, withdraw):
    """Accept, refuse or withdraw a request: the message to show once done, or None when the form was refused."""
    if action == "accept" and accept.validate():
        branch = accept.chosen_branch
        services.accept_transfer(transfer=tr, branch=branch, expected_version=accept.version.data)
        return _("Đã tiếp nhận %(name)s vào %(b)s.", name=tr.person.full_name, b=branch.name)
    if action == "refuse" and refuse.validate():
        services.refuse_transfer(transfer=tr, reason=refuse.refusal_reason.data, expected_version=refuse.version.data)
        return _("Đã từ chối đề nghị chuyển sinh hoạt.")
    if action == "withdraw" and withdraw.validate():
        services.withdraw_transfer(transfer=tr, reason=withdraw.withdrawal_reason.data,
                                   expected_version=withdraw.version.data)
        return _("Đã rút đề nghị chuyển sinh hoạt.")
    return None


@bp.route("/transfers/<int:transfer_id>", methods=["GET", "POST"])
def transfer_detail(transfer_id):
    action = request.form.get("action")
    tr = queries.get_transfer_for(current_user, transfer_id, "view" if request.method == "GET" else
                                  "withdraw" if action == "withdraw" else "decide")
    can_decide = permissions.can_decide_transfer(current_user, tr)
    accept = AcceptTransferForm(obj=tr, branches=branches_of(tr.to_commune) if can_decide else [], prefix="accept")
    refuse = RefuseTransferForm(obj=tr, prefix="refuse")
    withdraw = WithdrawTransferForm(obj=tr, prefix="withdraw")
    if request.method == "POST":
        done = _decide(tr, action, accept, refuse, withdraw)
        if done:
            db.session.commit()
            flash(done, "success")
            return see_other("members.transfer_detail", transfer_id=tr.id)
    status = 422 if request.method == "POST" else 200
    return render("members/transfer_detail.html", status=status, tr=tr, accept=accept, refuse=refuse, withdraw=withdraw,
                  can_decide=can_decide, can_withdraw=permissions.can_withdraw_transfer(current_user, tr),
                  can_view_person=permissions.can_view_person(current_user, tr.person))

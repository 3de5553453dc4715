"""The Party introduction pipeline: a unit's list of the year's outstanding members (who was introduced, who admitted,
the two rates against the seed's 5 % and 10 %), recording a step on a person, cancelling one with a reason."""
import uuid
from datetime import date

from flask import abort, flash, request
from flask_babel import gettext as _
from flask_login import current_user

from ...access import authorize
from ...extensions import db
from ...members.queries import get_person_for
from ...units.queries import get_ancestors, get_unit
from ...web import paginate, render, see_other, year_arg
from .. import bp, party, permissions
from ..models import STEPS
from ..party_forms import CancelForm, PartyFilterForm, StepForm


@bp.get("/units/<int:unit_id>/party", endpoint="party")
def party_list(unit_id):
    unit = get_unit(unit_id)
    if unit is None:
        abort(404)
    authorize(permissions.can_view(current_user, unit))
    this_year = date.today().year
    year = year_arg(this_year)
    step = request.args.get("step") if request.args.get("step") in party.FILTER_STEPS else "outstanding"
    workers = request.args.get("workers") in ("1", "y", "on", "true")
    years = sorted({year, *range(this_year, this_year - 6, -1)}, reverse=True)
    form = PartyFilterForm.bind(request.args, year, years)
    tally = party.tally(unit, year)
    page = paginate(party.list_stmt(unit, year, step, workers), rows=True)
    return render("targets/party.html", block="results", unit=unit, year=year, step=step, workers=workers, form=form,
                  tally=tally, page=page, ancestors=get_ancestors(unit), share_text=party.share_text,
                  INTRODUCED_TARGET=party.INTRODUCED_TARGET, ADMITTED_TARGET=party.ADMITTED_TARGET)


def _step_page(person, form, cancel_form=None, cancel_id=None):
    steps = party.person_steps(person)
    return render("targets/party_step.html", block="form", person=person, form=form, steps=steps,
                  cancel_form=cancel_form or CancelForm(formdata=None), cancel_id=cancel_id,
                  can_record=permissions.can_record_step(current_user, person),
                  ancestors=get_ancestors(person.unit) + [person.unit], status=422 if cancel_id else None)


@bp.route("/people/<int:person_id>/party", methods=["GET", "POST"], endpoint="party_step")
def party_step(person_id):
    person = get_person_for(current_user, person_id, "view")
    if request.method == "POST" and not permissions.can_record_step(current_user, person):
        abort(403)
    form = StepForm(person=person, steps=party.person_steps(person) if request.method == "POST" else None)
    done = party.step_by_token(form.form_token.data) if request.method == "POST" else None
    if done is not None and done.person_id == person.id:  # the same form sent again: answer as the first time
        return see_other("targets.party_step", person_id=person.id)
    if request.method == "GET":
        form.form_token.data = uuid.uuid4().hex
        form.on.data = date.today()
    if form.validate_on_submit():
        year = form.year.data if form.kind.data == "outstanding" else None
        try:
            step = party.record_step(person=person, kind=form.kind.data, on=form.on.data, year=year,
                                     decided_by=form.decided_by.data, decision=form.decision.data,
                                     party_cell=form.party_cell.data, note=form.note.data,
                                     form_token=form.form_token.data or None)
        except party.StepError as err:  # a twin request recorded something meanwhile
            db.session.rollback()
            form[err.field].errors.append(err.message)
        else:
            db.session.commit()
            flash(_("Đã ghi bước “%(step)s” cho %(name)s.", step=STEPS[step.kind], name=person.full_name), "success")
            return see_other("targets.party_step", person_id=person.id)
    return _step_page(person, form)


@bp.post("/steps/<int:step_id>/cancel", endpoint="party_cancel")
def party_cancel(step_id):
    step = party.get_step_for(current_user, step_id)
    form = CancelForm()
    if form.validate_on_submit():
        try:
            party.cancel_step(step=step, reason=form.reason.data)
        except party.StepError as err:
            db.session.rollback()
            form[err.field].errors.append(err.message)
        else:
            db.session.commit()
            flash(_("Đã hủy bước “%(step)s”.", step=step.kind_label), "success")
            return see_other("targets.party_step", person_id=step.person_id)
    person = step.person
    step_form = StepForm(formdata=None, person=person)
    step_form.form_token.data = uuid.uuid4().hex
    return _step_page(person, step_form, cancel_form=form, cancel_id=step.id)

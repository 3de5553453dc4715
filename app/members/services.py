"""Writes to the registry. Keyword-only; they flush, the route commits once."""
from datetime import date

from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..audit.services import record, snapshot
from ..errors import check_version
from ..extensions import db
from ..text import fold, nfc
from ..units.models import utcnow
from .importer import pick_key
from .models import ON_ROLL, PERSON_FIELDS, Person, PersonEvent, PickSynonym, Transfer
from .queries import current_posts


def _by():
    return current_user if getattr(current_user, "is_authenticated", False) else None


def add_event(*, person, kind, on, reason=None, detail=None, other_unit=None, by=None):
    by = by or _by()
    ev = PersonEvent(person_id=person.id, kind=kind, on=on, unit_id=person.unit_id, reason=reason, detail=detail,
                     other_unit_id=other_unit.id if other_unit else None, recorded_by_id=by.id if by else None)
    db.session.add(ev)
    return ev


def register_person(*, branch, full_name, member_type="youth", on=None, **fields):
    """A new person on a branch roll (a youth from a class enrolment, an imported member …)."""
    person = Person(unit_id=branch.id, unit_path=branch.path, full_name=nfc(full_name), name_key=fold(full_name),
                    member_type=member_type, **fields)
    db.session.add(person)
    db.session.flush()
    add_event(person=person, kind="registered", on=on or date.today())
    record(action="person.create", obj=person, unit=branch, after=snapshot(person, PERSON_FIELDS), summary=person.full_name)
    return person


def register_youth(*, branch, full_name, birth_date=None, phone=None):
    return register_person(branch=branch, full_name=full_name, member_type="youth", birth_date=birth_date, phone=phone)


def admit_member(*, person, joined_on, decision_number, branch=None):
    """Admission ceremony recorded: the youth becomes a Union member of the branch (a history row)."""
    before = snapshot(person, PERSON_FIELDS)
    if branch is not None and branch.id != person.unit_id:
        person.unit_id, person.unit_path = branch.id, branch.path
    person.member_type = "union"
    person.status = "active"
    person.joined_on = joined_on
    person.admission_decision = decision_number
    db.session.flush()
    add_event(person=person, kind="joined", on=joined_on, detail=decision_number)
    record(action="person.admit", obj=person, unit=person.unit, before=before, after=snapshot(person, PERSON_FIELDS),
           summary=person.full_name)
    return person


# ---- people: create and edit ---------------------------------------------------------------------------
EDIT_FIELDS = ("full_name", "sex", "birth_date", "ethnicity", "religion", "citizen_id", "phone", "permanent_address",
               "current_address", "occupation", "workplace", "schooling", "member_type", "joined_on",
               "admission_decision", "card_number", "notes")


def find_by_form_token(token):
    if not token:
        return None
    return db.session.scalar(select(Person).where(Person.form_token == token))


def create_person(*, branch, form_token=None, **fields):
    """A person typed in by an officer. The form's token makes a double-tapped submit create one row."""
    existing = find_by_form_token(form_token)
    if existing is not None:
        return existing, False
    fields = {k: v for k, v in fields.items() if k in EDIT_FIELDS}
    full_name = fields.pop("full_name")
    member_type = fields.pop("member_type", None) or "union"
    person = register_person(branch=branch, full_name=full_name, member_type=member_type, form_token=form_token or None,
                             **{k: _clean(v) for k, v in fields.items()})
    return person, True


def _clean(value):
    if isinstance(value, str):
        value = nfc(value.strip())
        return value or None
    return value


def update_person(*, person, expected_version=None, **changes):
    if check_version(person, expected_version, {k: _clean(v) for k, v in changes.items() if k in EDIT_FIELDS}):
        return person  # the same edit, already saved: nothing to write, no second audit entry
    before = snapshot(person, PERSON_FIELDS)
    for key, value in changes.items():
        if key not in EDIT_FIELDS:
            continue
        value = _clean(value)
        if key == "full_name":
            person.name_key = fold(value)
        setattr(person, key, value)
    db.session.flush()
    after = snapshot(person, PERSON_FIELDS)
    if after != before:
        record(action="person.update", obj=person, unit=person.unit, before=before, after=after, summary=person.full_name)
    return person


# ---- history events that change the standing ------------------------------------------------------------
STATUS_AFTER = {"away": "away", "back": "active", "matured": "matured", "removed": "removed", "expelled": "expelled",
                "deceased": "deceased", "moved_away": "moved_away", "reinstated": "active"}
# An exit recorded by mistake is corrected by a later "reinstated" row with its reason — never by deleting it.
EXITS = ("matured", "removed", "expelled", "deceased", "moved_away")
ALLOWED_FROM = {"away": ("active",), "back": ("away",), "matured": ON_ROLL, "removed": ON_ROLL, "expelled": ON_ROLL,
                "deceased": ON_ROLL, "moved_away": ON_ROLL, "confirmed": ON_ROLL, "kept": ON_ROLL, "reinstated": EXITS}
HISTORY_KINDS = ("confirmed", "away", "back", "matured", "removed", "expelled", "deceased", "moved_away", "reinstated")


class EventNotAllowed(Exception):
    pass


def event_allowed(person, kind):
    return person.status in ALLOWED_FROM.get(kind, ())


def _same_event(person, kind, on, detail=None):
    stmt = select(PersonEvent).where(PersonEvent.person_id == person.id, PersonEvent.kind == kind, PersonEvent.on == on)
    if detail is not None:
        stmt = stmt.where(PersonEvent.detail == detail)
    return db.session.scalar(stmt.limit(1))


def record_event(*, person, kind, on, reason=None, detail=None, expected_version=None, by=None):
    """A history row, and the person's standing moved to match. A repeated submit of the same event is a no-op."""
    same = _same_event(person, kind, on)
    if same is not None:
        return same
    if not event_allowed(person, kind):
        raise EventNotAllowed(kind)
    check_version(person, expected_version)
    before = snapshot(person, PERSON_FIELDS)
    reason, detail = _clean(reason), _clean(detail)
    if kind in STATUS_AFTER:
        person.status = STATUS_AFTER[kind]
    if kind == "away":
        person.away_place, person.away_since = detail, on
    elif kind == "back":
        person.away_place, person.away_since = None, None
    if person.status not in ON_ROLL:
        end_all_posts(person=person, on=on, by=by)
    db.session.flush()
    ev = add_event(person=person, kind=kind, on=on, reason=reason, detail=detail, by=by)
    record(action=f"person.{kind}", obj=person, unit=person.unit, before=before, after=snapshot(person, PERSON_FIELDS),
           summary=f"{person.full_name}: {reason or detail or ''}".strip(": "))
    return ev


# ---- branch posts (secretary, deputy, committee member) ---------------------------------------------------
def start_post(*, person, post, on, by=None):
    if post in current_posts([person.id]).get(person.id, {}):
        return None
    ev = add_event(person=person, kind="post_started", on=on, detail=post, by=by)
    record(action="person.post_started", obj=person, unit=person.unit, after={"post": post, "on": on.isoformat()},
           summary=person.full_name)
    return ev


def end_post(*, person, post, on, reason=None, by=None):
    if post not in current_posts([person.id]).get(person.id, {}):
        return None
    ev = add_event(person=person, kind="post_ended", on=on, detail=post, reason=_clean(reason), by=by)
    record(action="person.post_ended", obj=person, unit=person.unit, before={"post": post}, after={"post": None},
           summary=person.full_name)
    return ev


def end_all_posts(*, person, on, by=None):
    db.session.flush()
    for post in current_posts([person.id]).get(person.id, {}):
        add_event(person=person, kind="post_ended", on=on, detail=post, by=by)


# ---- transfers ---------------------------------------------------------------------------------------------
def _move(*, person, branch, on, reason, by=None):
    old = person.unit
    before = snapshot(person, PERSON_FIELDS)
    end_all_posts(person=person, on=on, by=by)
    add_event(person=person, kind="transferred_out", on=on, reason=reason, other_unit=branch, by=by)
    person.unit_id, person.unit_path = branch.id, branch.path
    person.unit = branch
    db.session.flush()
    add_event(person=person, kind="transferred_in", on=on, reason=reason, other_unit=old, by=by)
    record(action="person.transfer", obj=person, unit=branch, before=before, after=snapshot(person, PERSON_FIELDS),
           summary=f"{person.full_name}: {old.name} → {branch.name}")


def transfer_within_commune(*, person, branch, on, reason=None, expected_version=None, by=None):
    if person.unit_id == branch.id:
        return person  # already there: a repeated submit changes nothing
    check_version(person, expected_version)
    if branch.level != "branch" or branch.parent_id != person.unit.parent_id or not branch.is_active:
        raise ValueError("branch outside the commune")
    _move(person=person, branch=branch, on=on, reason=_clean(reason), by=by)
    return person


def open_transfer(person):
    return db.session.scalar(select(Transfer).where(Transfer.person_id == person.id, Transfer.status == "requested"))


def request_transfer(*, person, to_commune, on, reason=None, form_token=None, by=None):
    """Ask another commune to take the person. One open request per person, enforced by the database (a partial
    unique index): a double submit, even at the same instant, returns the first request."""
    existing = open_transfer(person)
    if existing is not None:
        return existing
    by = by or _by()
    tr = Transfer(person_id=person.id, from_unit_id=person.unit_id, from_unit_path=person.unit_path,
                  to_commune_id=to_commune.id, to_commune_path=to_commune.path, on=on, reason=_clean(reason),
                  requested_by_id=by.id if by else None, form_token=form_token or None)
    try:
        with db.session.begin_nested():
            db.session.add(tr)
            db.session.flush()
    except IntegrityError:  # a concurrent twin committed the open request a moment ago
        existing = open_transfer(person)
        if existing is None:
            raise
        return existing
    record(action="transfer.request", obj=tr, unit=person.unit, after={"person": person.full_name, "to": to_commune.name},
           summary=f"{person.full_name} → {to_commune.name}")
    return tr


def accept_transfer(*, transfer, branch, expected_version=None, by=None):
    if transfer.status != "requested":
        return transfer
    check_version(transfer, expected_version)
    if branch.level != "branch" or branch.parent_id != transfer.to_commune_id or not branch.is_active:
        raise ValueError("branch outside the receiving commune")
    by = by or _by()
    _move(person=transfer.person, branch=branch, on=transfer.on, reason=transfer.reason, by=by)
    transfer.status, transfer.to_unit_id = "accepted", branch.id
    transfer.decided_by_id, transfer.decided_at = (by.id if by else None), utcnow()
    db.session.flush()
    record(action="transfer.accept", obj=transfer, unit=branch, before={"status": "requested"},
           after={"status": "accepted", "to_unit_id": branch.id}, summary=transfer.person.full_name)
    return transfer


def _close_request(transfer, *, action, status, reason_field, reason, unit, expected_version, by):
    """End an undecided request without moving anyone (refused or withdrawn). A repeat changes nothing."""
    if transfer.status != "requested":
        return transfer
    check_version(transfer, expected_version)
    by = by or _by()
    transfer.status = status
    setattr(transfer, reason_field, _clean(reason))
    transfer.decided_by_id, transfer.decided_at = (by.id if by else None), utcnow()
    db.session.flush()
    record(action=action, obj=transfer, unit=unit,
           before={"status": "requested"}, after={"status": status, reason_field: getattr(transfer, reason_field)},
           summary=transfer.person.full_name)
    return transfer


def refuse_transfer(*, transfer, reason, expected_version=None, by=None):
    return _close_request(transfer, action="transfer.refuse", status="refused", reason_field="refusal_reason",
                          reason=reason, unit=transfer.to_commune, expected_version=expected_version, by=by)


def withdraw_transfer(*, transfer, reason=None, expected_version=None, by=None):
    """The sending commune takes back its request before the receiving one decides."""
    return _close_request(transfer, action="transfer.withdraw", status="withdrawn", reason_field="withdrawal_reason",
                          reason=reason, unit=transfer.from_unit, expected_version=expected_version, by=by)


# ---- maturity and removal ------------------------------------------------------------------------------------
def mature_people(*, people, on, reason=None, by=None):
    """Bulk "matured at 30" on the ceremony date. People no longer on the roll are skipped."""
    done = []
    for person in people:
        if event_allowed(person, "matured"):
            record_event(person=person, kind="matured", on=on, reason=reason, by=by)
            done.append(person)
    return done


def decide_removal(*, person, remove, on, reason, by=None):
    return record_event(person=person, kind="removed" if remove else "kept", on=on, reason=reason, by=by)


def add_synonym(*, field, text, value, by=None):
    """Record a synonym ("Học sinh" → student); a retired one with the same spelling comes back. Audited."""
    key = pick_key(text)
    syn = db.session.scalar(select(PickSynonym).where(PickSynonym.field == field, PickSynonym.key == key))
    before = {"text": syn.text, "value": syn.value, "active": syn.active} if syn else None
    if syn is None:
        syn = PickSynonym(field=field, key=key, created_by_id=by.id if by else None)
        db.session.add(syn)
    syn.text, syn.value, syn.active = nfc(text)[:120], value, True
    record(action="pick_synonym.add", obj=syn, before=before, after={"text": syn.text, "value": value, "active": True},
           summary=f"{field}: {syn.text} → {value}", user=by)
    return syn


def retire_synonym(*, synonym, by=None):
    if synonym.active:
        synonym.active = False
        record(action="pick_synonym.retire", obj=synonym, before={"active": True}, after={"active": False},
               summary=f"{synonym.field}: {synonym.text}", user=by)

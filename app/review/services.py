"""Writes of the review. Keyword-only; they flush, the route commits once. Every write is audited, and every one a
phone may send twice (a tap, a new person, a reconciliation) answers a resend as it answered the first time."""
import time

from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import insert, literal, select
from sqlalchemy.exc import IntegrityError

from ..activities.models import PersonStanding
from ..activities.standing import standing_changed
from ..audit.models import AuditEntry
from ..audit.services import record, snapshot
from ..classes import services as class_services
from ..dates import utcnow
from ..errors import check_version
from ..extensions import db
from ..locks import lock_rows
from ..members import services as member_services
from ..members.models import ON_ROLL, Person, PersonEvent
from ..text import nfc
from ..units.models import Unit
from . import queries
from .models import PRESENT, Campaign, Outcome, Reconciliation, Subject, Team, TeamBranch, TeamMember
from .rules import check_outcome

CAMPAIGN_FIELDS = ("title", "year", "starts_on", "ends_on", "status")


def _by():
    return current_user if getattr(current_user, "is_authenticated", False) else None


def _clean(value):
    if isinstance(value, str):
        value = nfc(value.strip())
        return value or None
    return value


# ---- the campaign ------------------------------------------------------------------------------------------------
def create_campaign(*, unit, year, title, starts_on, ends_on, form_token=None):
    if form_token:
        done = db.session.scalar(select(Campaign).where(Campaign.form_token == form_token))
        if done is not None:
            return done
    by = _by()
    campaign = Campaign(unit_id=unit.id, unit_path=unit.path, year=year, title=_clean(title), starts_on=starts_on,
                        ends_on=ends_on, status="draft", created_by_id=by.id if by else None, form_token=form_token)
    db.session.add(campaign)
    db.session.flush()
    record(action="review.create", obj=campaign, unit=unit, after=snapshot(campaign, CAMPAIGN_FIELDS),
           summary=campaign.title)
    return campaign


def update_campaign(*, campaign, expected_version, title, starts_on, ends_on):
    wanted = {"title": _clean(title), "starts_on": starts_on, "ends_on": ends_on}
    if check_version(campaign, expected_version, wanted):
        return campaign
    before = snapshot(campaign, CAMPAIGN_FIELDS)
    for key, value in wanted.items():
        setattr(campaign, key, value)
    db.session.flush()
    record(action="review.update", obj=campaign, unit=campaign.unit, before=before,
           after=snapshot(campaign, CAMPAIGN_FIELDS), summary=campaign.title)
    return campaign


def _take_lists(campaign, path):
    """INSERT … SELECT everyone on a roll under `path` not on the campaign's lists yet, as they stand now."""
    branch = select(Unit.id, Unit.parent_id).where(Unit.level == "branch").subquery()
    listed = select(Subject.id).where(Subject.campaign_id == campaign.id, Subject.person_id == Person.id).exists()
    rows = (select(literal(campaign.id), Person.id, Person.unit_id, Person.unit_path, branch.c.parent_id,
                   Person.member_type, Person.status, PersonStanding.verdict, literal(False), literal(1))
            .join(branch, branch.c.id == Person.unit_id)
            .outerjoin(PersonStanding, PersonStanding.person_id == Person.id)
            .where(Person.unit_path.like(path + "%"), Person.status.in_(ON_ROLL), ~listed))
    cols = ("campaign_id", "person_id", "branch_id", "branch_path", "commune_id", "start_type", "start_status",
            "start_verdict", "found", "version")
    return db.session.execute(insert(Subject).from_select(cols, rows)).rowcount


def open_campaign(*, campaign, expected_version):
    """Draft → open: the walk lists are taken now, as one INSERT … SELECT of everyone on a roll in the scope — with
    their type, status and five-criteria verdict at this moment (the result's "at the start")."""
    if check_version(campaign, expected_version, {"status": "open"}):
        return campaign
    if campaign.status != "draft":
        return campaign
    before = snapshot(campaign, CAMPAIGN_FIELDS)
    n = _take_lists(campaign, campaign.unit_path)
    campaign.status, campaign.opened_at = "open", utcnow()
    db.session.flush()
    record(action="review.open", obj=campaign, unit=campaign.unit, before=before,
           after={**snapshot(campaign, CAMPAIGN_FIELDS), "people": n}, summary=campaign.title)
    return campaign


def add_newcomers(*, campaign, commune):
    """People who came onto a roll of the commune after the lists were taken (a transfer in, a new admission): onto
    the walk lists, as they stand now. Run again, it adds nobody twice (the unique key and the NOT EXISTS)."""
    lock_rows(Campaign.id, [campaign.id])  # two officers at once: one after the other
    n = _take_lists(campaign, commune.path)
    if n:
        record(action="review.newcomers", obj=campaign, unit=commune, after={"people": n},
               summary=f"{campaign.title}: {commune.name}")
    return n


def close_campaign(*, campaign, expected_version):
    if check_version(campaign, expected_version, {"status": "closed"}):
        return campaign
    if campaign.status != "open":
        return campaign
    before = snapshot(campaign, CAMPAIGN_FIELDS)
    campaign.status, campaign.closed_at = "closed", utcnow()
    db.session.flush()
    record(action="review.close", obj=campaign, unit=campaign.unit, before=before,
           after=snapshot(campaign, CAMPAIGN_FIELDS), summary=campaign.title)
    return campaign


# ---- teams -------------------------------------------------------------------------------------------------------
def _team_snapshot(team):
    return {"name": team.name,
            "members": [f"{m.full_name} ({m.post_label})" for m in db.session.scalars(
                select(TeamMember).where(TeamMember.team_id == team.id, TeamMember.removed_at.is_(None))
                .order_by(TeamMember.id))],
            "branches": sorted(db.session.scalars(select(TeamBranch.branch_id).where(TeamBranch.team_id == team.id)))}


def create_team(*, campaign, commune, name, users=(), branches=(), form_token=None):
    if form_token:
        done = db.session.scalar(select(Team).where(Team.form_token == form_token))
        if done is not None:
            return done
    by = _by()
    team = Team(campaign_id=campaign.id, commune_id=commune.id, commune_path=commune.path, name=_clean(name),
                created_by_id=by.id if by else None, form_token=form_token)
    db.session.add(team)
    db.session.flush()
    for user in users:
        db.session.add(TeamMember(team_id=team.id, user_id=user.id, full_name=user.full_name or user.username))
    _assign(campaign, team, branches)
    db.session.flush()
    record(action="review.team_create", obj=team, unit=commune, after=_team_snapshot(team), summary=team.name)
    return team


def _assign(campaign, team, branches):
    """The chosen branches walk with this team (taken from another team of the campaign if they were on one)."""
    ids = sorted({b.id for b in branches})
    current = dict(db.session.execute(select(TeamBranch.branch_id, TeamBranch.id).where(
        TeamBranch.campaign_id == campaign.id, TeamBranch.branch_id.in_(ids))).all()) if ids else {}
    for link in db.session.scalars(select(TeamBranch).where(TeamBranch.team_id == team.id)):
        if link.branch_id not in ids:
            db.session.delete(link)  # an assignment, not something a person entered: the audit keeps the before
    for bid in ids:
        if bid in current:
            db.session.get(TeamBranch, current[bid]).team_id = team.id
        else:
            db.session.add(TeamBranch(campaign_id=campaign.id, branch_id=bid, team_id=team.id))


def update_team(*, team, expected_version, name, users, branches):
    check_version(team, expected_version)
    before = _team_snapshot(team)
    team.name = _clean(name)
    keep = {u.id for u in users}
    members = db.session.scalars(select(TeamMember).where(TeamMember.team_id == team.id,
                                                          TeamMember.removed_at.is_(None))).all()
    have = {m.user_id for m in members if m.user_id}
    for m in members:
        if m.user_id and m.user_id not in keep:
            m.removed_at = utcnow()
    for user in users:
        if user.id not in have:
            db.session.add(TeamMember(team_id=team.id, user_id=user.id, full_name=user.full_name or user.username))
    _assign(team.campaign, team, branches)
    team.version += 0  # the version column moves with the flush of the name (or stays: nothing changed)
    db.session.flush()
    after = _team_snapshot(team)
    if after != before:
        record(action="review.team_update", obj=team, unit=team.commune, before=before, after=after, summary=team.name)
    return team


def add_guest(*, team, full_name, post, post_text=None):
    """Someone who walks with the team without an account (a hamlet head, the commune police …)."""
    full_name = _clean(full_name)
    same = db.session.scalar(select(TeamMember).where(TeamMember.team_id == team.id, TeamMember.full_name == full_name,
                                                      TeamMember.user_id.is_(None), TeamMember.removed_at.is_(None)))
    if same is not None:
        return same
    before = _team_snapshot(team)
    m = TeamMember(team_id=team.id, full_name=full_name, post=post, post_text=_clean(post_text))
    db.session.add(m)
    db.session.flush()
    record(action="review.team_update", obj=team, unit=team.commune, before=before, after=_team_snapshot(team),
           summary=team.name)
    return m


def remove_member(*, member):
    if member.removed_at is not None:
        return member
    before = _team_snapshot(member.team)
    member.removed_at = utcnow()
    db.session.flush()
    record(action="review.team_update", obj=member.team, unit=member.team.commune, before=before,
           after=_team_snapshot(member.team), summary=member.team.name)
    return member


# ---- outcomes at the door ----------------------------------------------------------------------------------------
OUTCOME_FIELDS = ("outcome", "on", "place", "since", "phone", "address", "workplace", "note")
DETAILS = {"away": ("place", "since"), "moved": ("place",), "corrected": ("phone", "address", "workplace")}


def find_token(token):
    if not token:
        return None
    return db.session.scalar(select(Outcome).where(Outcome.token == token))


def _outcome_values(outcome, on, place, since, phone, address, workplace, note):
    values = {"outcome": outcome, "on": on, "place": _clean(place), "since": since, "phone": _clean(phone),
              "address": _clean(address), "workplace": _clean(workplace), "note": _clean(note)}
    for key in ("place", "since", "phone", "address", "workplace"):  # only the details the outcome has
        if key not in DETAILS.get(outcome, ()):
            values[key] = None
    return values


def _same(row, values):
    return row is not None and all(getattr(row, k) == v for k, v in values.items())


def record_outcome(*, subject, outcome, on, place=None, since=None, phone=None, address=None, workplace=None,
                   note=None, token=None):
    """One outcome at a door. A resent tap (its token stored with these values) is that outcome; the same answer
    tapped again writes nothing; a different one is a new row (the earlier stays as history) and becomes the
    subject's. A stored token with other values is a later tap on a row whose answer was lost (the row kept its old
    token): a new outcome, not a resend."""
    values = _outcome_values(outcome, on, place, since, phone, address, workplace, note)
    done = find_token(token)
    if _same(done, values):
        return done, False
    lock_rows(Subject.id, [subject.id])  # two officers on one person: one after the other, the later wins
    db.session.refresh(subject)
    done = find_token(token)  # a twin of this very tap may have committed while we waited
    if _same(done, values):
        return done, False
    token = None if done is not None else token
    check_outcome(subject, values)
    last = db.session.get(Outcome, subject.outcome_id) if subject.outcome_id else None
    if _same(last, values):
        return last, False
    by = _by()
    row = Outcome(subject_id=subject.id, campaign_id=subject.campaign_id, token=token or None,
                  recorded_by_id=by.id if by else None, **values)
    try:
        with db.session.begin_nested():  # added inside: begin_nested() flushes what is pending before the SAVEPOINT
            db.session.add(row)
            db.session.flush()
    except IntegrityError:  # the token raced in from a twin after all
        done = find_token(token)
        if done is None:
            raise
        return done, False
    before = {"outcome": subject.outcome, "on": subject.outcome_on}
    subject.outcome, subject.outcome_on, subject.outcome_id = outcome, on, row.id
    subject.outcome_by_id, subject.outcome_at = row.recorded_by_id, row.recorded_at
    db.session.flush()
    record(action="review.outcome", obj=subject, unit=subject.branch, before=before,
           after={k: v for k, v in values.items() if v is not None}, summary=subject.person.full_name)
    return row, True


def set_household(*, subject, household):
    """A household corrected by hand (a family whose members typed their address differently)."""
    household = _clean(household)
    if subject.household == household:
        return subject
    before = {"household": subject.household}
    subject.household = household
    db.session.flush()
    record(action="review.household", obj=subject, unit=subject.branch, before=before, after={"household": household},
           summary=subject.person.full_name)
    return subject


def add_found_person(*, campaign, branch, on, full_name, birth_date, sex, phone, occupation, address, claimed_type=None,
                     claimed_unit=None, note=None, form_token=None):
    """Someone living here who is on no list: registered as a youth of the branch (found in the review), on the walk
    list as present. A member of somewhere else says so (claimed_type): they wait on the commune's transfer list."""
    if form_token:
        person = member_services.find_by_form_token(form_token)
        if person is not None:
            return db.session.scalar(select(Subject).where(Subject.campaign_id == campaign.id,
                                                           Subject.person_id == person.id))
    try:
        with db.session.begin_nested():  # the same form sent twice at once: the twin's person wins the unique token
            person = member_services.register_person(
                branch=branch, full_name=full_name, member_type="youth", on=on, birth_date=birth_date, sex=sex,
                phone=_clean(phone), occupation=occupation or None, current_address=_clean(address),
                form_token=form_token, notes=_clean(note))
    except IntegrityError:
        person = member_services.find_by_form_token(form_token)
        if person is None:
            raise
        return db.session.scalar(select(Subject).where(Subject.campaign_id == campaign.id, Subject.person_id == person.id))
    event = db.session.scalar(select(PersonEvent).where(PersonEvent.person_id == person.id,
                                                        PersonEvent.kind == "registered"))
    event.reason = _("Phát hiện khi rà soát: %(title)s", title=campaign.title)
    subject = Subject(campaign_id=campaign.id, person_id=person.id, branch_id=branch.id, branch_path=branch.path,
                      commune_id=branch.parent_id, start_type="youth", start_status="active", start_verdict=None,
                      found=True, claimed_type=claimed_type or None, claimed_unit=_clean(claimed_unit))
    subject.person, subject.branch = person, branch
    db.session.add(subject)
    db.session.flush()
    record_outcome(subject=subject, outcome="present", on=on, note=note,
                   token=f"found-{form_token}" if form_token else None)
    return subject


def enrol_found(*, klass, people):
    """The youth found in the review, into a sympathizer class in one step: (enrolled, {reason: [person…]})."""
    return class_services.enrol_many_reporting(klass=klass, people=people)


# ---- reconciliation ----------------------------------------------------------------------------------------------
def reconcile(*, campaign, commune, plan=None):
    """Apply a commune's outcomes to the registry in one transaction, each as a dated history row citing the campaign.

    The plan (queries.reconcile_plan: {outcome: [(subject, person)]} of subjects not applied yet) is read here, once
    the commune's subjects are locked; a plan passed in (read before the lock) is not used.
    A second apply (a resent form, a twin officer) finds the Reconciliation row and answers with it."""
    started = time.perf_counter()
    done = queries.reconciliation(campaign, commune)
    if done is not None:
        return done, False
    by = _by()
    rec = Reconciliation(campaign_id=campaign.id, commune_id=commune.id, applied_by_id=by.id if by else None)
    try:
        with db.session.begin_nested():
            db.session.add(rec)
            db.session.flush()
    except IntegrityError:
        done = queries.reconciliation(campaign, commune)
        if done is None:
            raise
        return done, False
    # The commune's walk lists locked, then read: a tap racing this either committed first (and is applied here) or
    # waits for the lock and is then refused (the commune is reconciled) — never stored after and left unapplied.
    lock_rows(Subject.id, db.session.scalars(select(Subject.id).where(Subject.campaign_id == campaign.id,
                                                                      Subject.commune_id == commune.id)).all())
    plan = queries.reconcile_plan(campaign, commune)
    cite = _("Rà soát: %(title)s", title=campaign.title)
    now = utcnow()
    confirmed = []
    for code in ("corrected", "away", "moved", "deceased"):
        for subject, person in plan.get(code, ()):
            _apply_one(subject, person, cite, by)
    for code in PRESENT:
        for subject, person in plan.get(code, ()):
            if person.status in ON_ROLL:
                confirmed.append((subject, person))
    _confirm_many(confirmed, cite, by, now)
    ids = [s.id for rows in plan.values() for s, _p in rows]
    if ids:
        db.session.execute(Subject.__table__.update().where(Subject.id.in_(ids)).values(applied_at=now))
    rec.counts = {code: len(rows) for code, rows in plan.items() if rows}
    rec.seconds = round(time.perf_counter() - started, 2)
    record(action="review.reconcile", obj=rec, unit=commune, after=rec.counts, summary=f"{campaign.title}: {commune.name}")
    db.session.flush()
    return rec, True


def _apply_one(subject, person, cite, by):
    o = db.session.get(Outcome, subject.outcome_id)
    on = subject.outcome_on
    if subject.outcome == "corrected":
        changes = {k: v for k, v in (("phone", o.phone), ("current_address", o.address), ("workplace", o.workplace)) if v}
        if changes:
            member_services.update_person(person=person, **changes)
        if person.status == "away":
            member_services.record_event(person=person, kind="back", on=on, reason=cite, by=by)
    elif subject.outcome == "away":
        if person.status == "active":
            member_services.record_event(person=person, kind="away", on=o.since or on, reason=cite, detail=o.place, by=by)
    elif subject.outcome == "moved":
        if member_services.event_allowed(person, "moved_away"):
            member_services.record_event(person=person, kind="moved_away", on=on, reason=cite, detail=o.place, by=by)
    elif subject.outcome == "deceased":
        if member_services.event_allowed(person, "deceased"):
            member_services.record_event(person=person, kind="deceased", on=on, reason=cite, by=by)


def _confirm_many(rows, cite, by, now):
    """The "present" majority in two statements (a commune of 2,000 in well under a second): a confirmation row each,
    an audit entry each; the standing of those people is recomputed at the commit."""
    back = [(s, p) for s, p in rows if p.status == "away"]
    for subject, person in back:  # seen at home: back from working away first
        member_services.record_event(person=person, kind="back", on=subject.outcome_on, reason=cite, by=by)
    if not rows:
        return
    by_id = by.id if by else None
    db.session.execute(insert(PersonEvent), [
        {"person_id": p.id, "kind": "confirmed", "on": s.outcome_on, "unit_id": p.unit_id, "reason": cite,
         "recorded_by_id": by_id, "recorded_at": now} for s, p in rows])
    db.session.execute(insert(AuditEntry), [
        {"action": "person.confirmed", "object_type": "person", "object_id": p.id, "unit_id": p.unit_id,
         "unit_path": p.unit_path, "user_id": by_id, "at": now, "changes": {"confirmed": [None, s.outcome_on.isoformat()]},
         "summary": f"{p.full_name}: {cite}"[:300]} for s, p in rows])
    standing_changed(people=[p.id for _s, p in rows])

"""The Party introduction pipeline: a Union member recognised as outstanding (đoàn viên ưu tú) for a year, introduced
to the Party (giới thiệu kết nạp Đảng), admitted to the Party (kết nạp Đảng) — dated rows on the person (PartyStep).
Rules, writes and reads in one module (it is small); the routes are in routes/party.py.

Rules (check_step, before every write, in Vietnamese beside the field):
- outstanding and introduced: the person is a Union member on a roll (active or away); admitted: anyone introduced.
- outstanding: for a year (the year of the decision or the one before it), once a year; not after being admitted.
- introduced: needs an earlier (or same-day) outstanding step that is not cancelled; once (a mistake is cancelled).
- admitted: needs an earlier (or same-day) introduced step that is not cancelled; once.
- no date in the future. A step recorded by mistake is cancelled with a reason (cancelled_at), never deleted; a step
  a later one stands on is cancelled after it (the introduction after the admission).

Counting (the unit's page, per year): the year's list is the outstanding steps of that year (not cancelled) whose
branch — the person's when it was recorded — lies in the unit's subtree. Someone on it counts as *introduced* when
an introduction (not cancelled) follows that recognition, before any later one; as *admitted* when an admission
follows that introduction. The two rates the seed sets:
    introduced rate = introduced worker members / outstanding worker members (occupation "worker"), target 5 %;
    admitted rate   = admitted / introduced, target 10 %.
"""
from dataclasses import dataclass
from datetime import date

from flask import abort
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import and_, case, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased, joinedload

from ..access import authorize, subtree
from ..audit.services import record, snapshot
from ..dates import utcnow
from ..extensions import db
from ..formatting import date_vn
from ..locks import lock_rows
from ..members.models import ON_ROLL, Person
from ..text import nfc
from ..units.models import Unit
from . import permissions
from .models import STEPS, PartyStep

INTRODUCED_TARGET = 5.0  # % of the outstanding worker members introduced to the Party (the seed)
ADMITTED_TARGET = 10.0  # % of those introduced admitted to the Party
STEP_FIELDS = ("kind", "year", "on", "decided_by", "decision", "party_cell", "note", "unit_id")
FILTER_STEPS = ("outstanding", "introduced", "admitted")


class StepError(Exception):
    """A step the rules refuse: `field` is where the message goes on the form."""

    def __init__(self, field, message):
        super().__init__(message)
        self.field, self.message = field, message


def _by():
    return current_user if getattr(current_user, "is_authenticated", False) else None


def _clean(value):
    if isinstance(value, str):
        return nfc(value.strip()) or None
    return value


def is_member(person):
    return person.member_type == "union" and person.status in ON_ROLL


# ---- rules ---------------------------------------------------------------------------------------------------------
def check_step(person, kind, on, year=None, steps=None, today=None):
    """Raise StepError for the first thing wrong with recording `kind` on `on` (for `year`: outstanding). `steps`: the
    person's steps already read (else read here, one statement)."""
    today = today or date.today()
    if kind not in STEPS:
        raise StepError("kind", _("Chọn một bước."))
    if on is None:
        raise StepError("on", _("Nhập ngày."))
    if on > today:
        raise StepError("on", _("Ngày không được ở tương lai."))
    if steps is None:
        steps = person_steps(person)
    live = [s for s in steps if s.cancelled_at is None]
    admitted = next((s for s in live if s.kind == "admitted"), None)
    if kind in ("outstanding", "introduced") and not is_member(person):
        raise StepError("kind", _("%(name)s không phải đoàn viên đang sinh hoạt trong sổ: chỉ đoàn viên mới được công "
                                  "nhận ưu tú và giới thiệu kết nạp Đảng.", name=person.full_name))
    if admitted is not None:
        raise StepError("kind", _("%(name)s đã được kết nạp Đảng ngày %(d)s.", name=person.full_name,
                                  d=date_vn(admitted.on)))
    if kind == "outstanding":
        _check_outstanding(person, year, on, live, today)
    else:
        _check_follows(person, kind, on, live)


def _check_outstanding(person, year, on, live, today):
    if year is None:
        raise StepError("year", _("Nhập năm được công nhận đoàn viên ưu tú."))
    if year > today.year:
        raise StepError("year", _("Năm không được ở tương lai."))
    if year not in (on.year, on.year - 1):
        raise StepError("year", _("Năm công nhận là năm của ngày quyết định hoặc năm trước đó (%(a)s hoặc %(b)s).",
                                  a=on.year - 1, b=on.year))
    same = next((s for s in live if s.kind == "outstanding" and s.year == year), None)
    if same is not None:
        raise StepError("year", _("%(name)s đã được công nhận đoàn viên ưu tú năm %(y)s (ngày %(d)s).",
                                  name=person.full_name, y=year, d=date_vn(same.on)))


def _check_follows(person, kind, on, live):
    """introduced after an outstanding step, admitted after an introduction (both not cancelled, on or before `on`)."""
    need = "outstanding" if kind == "introduced" else "introduced"
    if kind == "introduced":
        twice = next((s for s in live if s.kind == "introduced"), None)
        if twice is not None:
            raise StepError("kind", _("%(name)s đã được giới thiệu kết nạp Đảng ngày %(d)s. Nếu ghi nhầm, hãy hủy bước "
                                      "đó trước.", name=person.full_name, d=date_vn(twice.on)))
    if any(s.kind == need and s.on <= on for s in live):
        return
    later = [s for s in live if s.kind == need]
    if later:
        raise StepError("on", _("Ngày này phải từ ngày của bước “%(step)s” (%(d)s) trở đi.", step=STEPS[need],
                                d=date_vn(min(s.on for s in later))))
    if kind == "introduced":
        raise StepError("kind", _("Chưa có bước “Đoàn viên ưu tú”: ghi bước đó trước khi giới thiệu kết nạp Đảng."))
    raise StepError("kind", _("Chưa có bước “Giới thiệu kết nạp Đảng”: ghi bước đó trước khi ghi kết nạp Đảng."))


def check_cancel(step, steps):
    """Raise StepError("reason", …) when a later step stands on this one (cancel that one first)."""
    live = [s for s in steps if s.cancelled_at is None and s.id != step.id]
    after = {"outstanding": "introduced", "introduced": "admitted"}.get(step.kind)
    if after is None:
        return
    for later in (s for s in live if s.kind == after):
        still = [s for s in live if s.kind == step.kind and s.on <= later.on]
        if not still and later.on >= step.on:
            raise StepError("reason", _("Bước “%(later)s” ngày %(d)s dựa trên bước này: hãy hủy bước đó trước.",
                                        later=STEPS[after], d=date_vn(later.on)))


# ---- writes (flush; the route commits) -----------------------------------------------------------------------------
def record_step(*, person, kind, on, year=None, decided_by=None, decision=None, party_cell=None, note=None,
                form_token=None):
    """Record one step on the person. The same form token again answers with the step it made (a double-tapped
    submit, a retry after a lost answer); two officers at once are taken one after the other (the person's row)."""
    lock_rows(Person.id, [person.id])
    done = step_by_token(form_token)
    if done is not None:
        return done
    if kind != "outstanding" or year is None:
        year = on.year if on else None
    check_step(person, kind, on, year)
    by = _by()
    step = PartyStep(person_id=person.id, unit_id=person.unit_id, unit_path=person.unit_path, kind=kind, year=year,
                     on=on, decided_by=_clean(decided_by), decision=_clean(decision), party_cell=_clean(party_cell),
                     note=_clean(note), recorded_by_id=by.id if by else None, form_token=form_token or None)
    try:
        with db.session.begin_nested():
            db.session.add(step)
            db.session.flush()
    except IntegrityError:  # the same token committed a moment ago (SQLite has no row lock): answer with its step
        done = db.session.scalar(select(PartyStep).where(PartyStep.form_token == form_token)) if form_token else None
        if done is None:
            raise
        return done
    record(action="party.step", obj=step, unit=person.unit, after=snapshot(step, STEP_FIELDS),
           summary=f"{person.full_name}: {STEPS[kind]}")
    return step


def cancel_step(*, step, reason):
    """Cancel a step recorded by mistake (kept, marked, with the reason). Cancelling it again changes nothing."""
    lock_rows(Person.id, [step.person_id])
    db.session.refresh(step)
    if step.cancelled_at is not None:
        return step
    reason = _clean(reason)
    if not reason:
        raise StepError("reason", _("Ghi lý do hủy."))
    check_cancel(step, person_steps(step.person))
    before = {"cancel_reason": None}
    step.cancelled_at, step.cancel_reason = utcnow(), reason
    db.session.flush()
    record(action="party.cancel", obj=step, unit=step.person.unit, before=before, after={"cancel_reason": reason},
           summary=f"{step.person.full_name}: {STEPS.get(step.kind, step.kind)}")
    return step


# ---- reads -----------------------------------------------------------------------------------------------------------
def step_by_token(form_token):
    """The step a form (its hidden token) already made, or None."""
    if not form_token:
        return None
    return db.session.scalar(select(PartyStep).where(PartyStep.form_token == form_token))


def person_steps(person):
    """The person's steps, cancelled ones too, oldest first: one statement."""
    return db.session.scalars(select(PartyStep).where(PartyStep.person_id == person.id)
                              .order_by(PartyStep.on, PartyStep.id)).all()


def get_step_for(user, step_id):
    """Load, then authorise (recording on the person): 404 when missing, 403 when not allowed."""
    step = db.session.get(PartyStep, step_id, options=[joinedload(PartyStep.person).joinedload(Person.unit)])
    if step is None:
        abort(404)
    authorize(permissions.can_record_step(user, step.person))
    return step


def person_panel(person, user):
    """The person page's section: the steps (cancelled ones marked), and whether the user may record one. None (no
    section) when there is nothing to show and nothing the user may record. One statement."""
    steps = person_steps(person)
    can_record = permissions.can_record_step(user, person)
    if not steps and not (can_record and is_member(person)):
        return None
    return {"party_steps": steps, "can_record_step": can_record}


def _year_list(unit, year):
    """The year's outstanding members under `unit` with the date each was introduced and admitted after it (None: not
    yet), as a subquery: one row per outstanding step."""
    o, intro, adm, nxt = (aliased(PartyStep, name=n) for n in ("o", "intro", "adm", "nxt"))
    recognised_again = (select(nxt.id).where(nxt.person_id == o.person_id, nxt.kind == "outstanding",
                                             nxt.cancelled_at.is_(None), nxt.year > o.year, nxt.on <= intro.on)
                        .correlate(o, intro).exists())
    follows = and_(intro.person_id == o.person_id, intro.kind == "introduced", intro.cancelled_at.is_(None),
                   intro.on >= o.on, ~recognised_again)
    introduced_on = select(func.min(intro.on)).where(follows).correlate(o).scalar_subquery()
    admitted_on = (select(func.min(adm.on)).where(adm.person_id == o.person_id, adm.kind == "admitted",
                                                 adm.cancelled_at.is_(None),
                                                 select(intro.id).where(follows, intro.on <= adm.on)
                                                 .correlate(o, adm).exists())
                   .correlate(o).scalar_subquery())
    return (select(o.id.label("step_id"), o.person_id, o.unit_id, o.on, o.decided_by,
                   introduced_on.label("introduced_on"), admitted_on.label("admitted_on"))
            .where(o.kind == "outstanding", o.year == year, o.cancelled_at.is_(None), subtree(o.unit_path, unit.path))
            .subquery("y"))


@dataclass
class Tally:
    outstanding: int = 0
    workers: int = 0
    introduced: int = 0
    introduced_workers: int = 0
    admitted: int = 0

    @staticmethod
    def share(part, whole):
        return round(100.0 * part / whole, 1) if whole else None

    @property
    def introduced_rate(self):
        return self.share(self.introduced_workers, self.workers)

    @property
    def admitted_rate(self):
        return self.share(self.admitted, self.introduced)

    @property
    def introduced_met(self):
        return self.introduced_rate is not None and self.introduced_rate >= INTRODUCED_TARGET

    @property
    def admitted_met(self):
        return self.admitted_rate is not None and self.admitted_rate >= ADMITTED_TARGET


def tally(unit, year):
    """The five numbers of the unit's year (subtree): one statement."""
    y = _year_list(unit, year)
    worker = Person.occupation == "worker"
    intro = y.c.introduced_on.isnot(None)
    row = db.session.execute(
        select(func.count(), func.sum(case((worker, 1), else_=0)), func.sum(case((intro, 1), else_=0)),
               func.sum(case((and_(intro, worker), 1), else_=0)), func.sum(case((y.c.admitted_on.isnot(None), 1), else_=0)))
        .select_from(y).join(Person, Person.id == y.c.person_id)).one()
    return Tally(*(int(v or 0) for v in row))


def list_stmt(unit, year, step="outstanding", workers=False):
    """The rows of the unit's year list (paginate with rows=True): (year row…, Person, branch name), by name."""
    y = _year_list(unit, year)
    stmt = (select(y.c.step_id, y.c.on, y.c.decided_by, y.c.introduced_on, y.c.admitted_on, Person,
                   Unit.name.label("branch_name"))
            .join(Person, Person.id == y.c.person_id).join(Unit, Unit.id == y.c.unit_id))
    if step == "introduced":
        stmt = stmt.where(y.c.introduced_on.isnot(None))
    elif step == "admitted":
        stmt = stmt.where(y.c.admitted_on.isnot(None))
    if workers:
        stmt = stmt.where(Person.occupation == "worker")
    return stmt.order_by(Person.name_key, Person.id)


def share_text(value):
    """12.5 → "12,5 %" (Vietnamese), "—" when there is no denominator."""
    return "—" if value is None else f"{format_decimal(value, format='#,##0.0')} %"


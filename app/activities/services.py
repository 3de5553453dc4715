"""Writes for activities, attendance and dues. Keyword-only; they flush, the route commits once.

The people's standing (PersonStanding) is recomputed at the outermost commit by the session hook in
app.activities.standing, for exactly the people these writes touched (never inside the savepoints below, so an
IntegrityError caught here is only ever the unique key it names — anything else is re-raised).
"""
from flask_login import current_user
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from ..audit.services import record, snapshot
from ..errors import check_version
from ..extensions import db
from ..locks import dialect_insert, lock_rows
from ..text import nfc
from ..units.models import utcnow
from .models import ATTENDANCE, Activity, Attendance, DuesPayment, DuesReversal
from .queries import dues_amount_for
from .standing import standing_changed

ACTIVITY_FIELDS = ("unit_id", "held_on", "kind", "title", "notes", "for_young_workers")


def _by(by=None):
    if by is not None:
        return by
    return current_user if getattr(current_user, "is_authenticated", False) else None


def create_activity(*, unit, held_on, kind, title, notes=None, for_young_workers=False, form_token=None, by=None):
    """A new activity; the same form token twice gives back the first activity (a double-tapped submit)."""
    if form_token:
        existing = db.session.scalar(select(Activity).where(Activity.form_token == form_token))
        if existing is not None:
            return existing
    by = _by(by)
    activity = Activity(unit_id=unit.id, unit_path=unit.path, held_on=held_on, kind=kind, title=nfc(title),
                        notes=nfc(notes) or None, for_young_workers=bool(for_young_workers),
                        form_token=form_token or None, created_by_id=by.id if by else None)
    try:
        with db.session.begin_nested():
            db.session.add(activity)
            db.session.flush()
    except IntegrityError:  # the same token committed a moment ago by the first tap: answer with its activity
        existing = db.session.scalar(select(Activity).where(Activity.form_token == form_token)) if form_token else None
        if existing is None:
            raise
        return existing
    record(action="activity.create", obj=activity, unit=unit, after=snapshot(activity, ACTIVITY_FIELDS),
           summary=activity.title, user=by)
    return activity


def update_activity(*, activity, expected_version, held_on, kind, title, notes=None, for_young_workers=None, by=None):
    """for_young_workers None: left as it is (a caller that does not show the tag)."""
    young = activity.for_young_workers if for_young_workers is None else bool(for_young_workers)
    if check_version(activity, expected_version, {"held_on": held_on, "kind": kind, "title": nfc(title),
                                                  "notes": nfc(notes) or None, "for_young_workers": young}):
        return activity  # the same edit, already saved
    before = snapshot(activity, ACTIVITY_FIELDS)
    activity.held_on, activity.kind, activity.title, activity.notes = held_on, kind, nfc(title), nfc(notes) or None
    activity.for_young_workers = young
    db.session.flush()
    record(action="activity.update", obj=activity, unit=activity.unit, before=before,
           after=snapshot(activity, ACTIVITY_FIELDS), summary=activity.title, user=_by(by))
    return activity


def set_attendance(*, activity, marks, by=None, fill_only=()):
    """Set the status of several people at once: {person_id: "present" | "absent" | "excused"}.

    `fill_only`: people marked by "all present" — their mark is written only if they have none, even one another
    officer tapped a moment ago (read here or met as a duplicate insert): a fill never overwrites a tap.

    "Set state" semantics: a repeated request changes nothing; one row per (activity, person), updated in place.
    One audit entry lists every change (old → new), so late corrections say who changed what and when.
    Returns {person_id: status} for the rows now stored.
    """
    marks = {int(pid): s for pid, s in marks.items() if s in ATTENDANCE}
    fill_only = {int(pid) for pid in fill_only}
    if not marks:
        return {}
    by = _by(by)
    now = utcnow()
    # Locked: the same tap sent twice at once changes the row once, so the audit says it once.
    where = (Attendance.activity_id == activity.id, Attendance.person_id.in_(sorted(marks)))
    lock_rows(Attendance.id, db.session.scalars(select(Attendance.id).where(*where)))
    existing = {a.person_id: a for a in db.session.scalars(
        select(Attendance).where(*where).execution_options(populate_existing=True))}
    before, after, kept = {}, {}, set()  # kept: fills that met another's mark, which stands
    for pid, status in marks.items():
        row = existing.get(pid)
        if row is not None and pid in fill_only and row.status != status:
            kept.add(pid)
            continue
        if row is not None and row.status == status:
            continue
        if row is None:
            row = Attendance(activity_id=activity.id, person_id=pid, status=status, marked_by_id=by.id if by else None,
                             marked_at=now)
            try:
                with db.session.begin_nested():  # a concurrent tap may have inserted it a moment ago
                    db.session.add(row)
                    db.session.flush()
            except IntegrityError:
                row = db.session.scalar(select(Attendance).where(Attendance.activity_id == activity.id,
                                                                 Attendance.person_id == pid))
                if row is None:  # not the (activity, person) key: a real error, never swallowed
                    raise
                if row.status == status:
                    continue
                if pid in fill_only:  # tapped by someone else meanwhile: their mark stands
                    kept.add(pid)
                    continue
                before[str(pid)] = row.status
                row.status, row.marked_by_id, row.marked_at = status, by.id if by else None, now
            else:
                before[str(pid)] = None
        else:
            before[str(pid)] = row.status
            row.status, row.marked_by_id, row.marked_at = status, by.id if by else None, now
        after[str(pid)] = status
    if after:
        db.session.flush()
        record(action="attendance.set", obj=activity, unit=activity.unit, before=before, after=after,
               summary=f"{activity.title} ({activity.held_on:%d/%m/%Y}): {len(after)}", user=by)
    return {pid: s for pid, s in marks.items() if pid not in kept}


def mark_dues_paid(*, branch, month, people, by=None):
    """Record `month` as paid for each person (default amount by occupation). Idempotent: months already paid
    (before, or by a concurrent request a moment ago) are left as they are. One INSERT … ON CONFLICT DO NOTHING on
    the (person, month) key: only that conflict is skipped — any other error fails the whole write, and the user is
    told. Returns the number of new payments."""
    by = _by(by)
    if not people:
        return 0
    now = utcnow()
    rows, seen = [], set()
    for person in sorted(people, key=lambda p: p.id):
        if person.id not in seen:
            seen.add(person.id)
            rows.append({"person_id": person.id, "month": month, "amount": dues_amount_for(person), "recorded_at": now,
                         "recorded_by_id": by.id if by else None})
    stmt = (dialect_insert(DuesPayment).values(rows).on_conflict_do_nothing(index_elements=["person_id", "month"])
            .returning(DuesPayment.person_id, DuesPayment.amount))
    added = {str(pid): amount for pid, amount in sorted(db.session.execute(stmt).all())}
    standing_changed(people=[int(pid) for pid in added])
    if added:
        record(action="dues.mark_paid", object_type="unit", object_id=branch.id, unit=branch,
               after={"month": month.isoformat(), "paid": added},
               summary=f"{branch.name}: {month:%m/%Y} × {len(added)}", user=by)
    return len(added)


def record_dues_months(*, person, months, by=None):
    """Record several months paid for one person at once (a quarter, a year). Months already paid are left as they
    are; a month whose payment had been reversed is paid again on the same row (person + month stays unique).
    The caller checks the months lie between the person's joining month and the current month.
    One audit entry; returns the months newly recorded, oldest first (empty: nothing was recorded)."""
    months = sorted(set(months))
    if not months:
        return []
    by = _by(by)
    rows = {p.month: p for p in db.session.scalars(
        select(DuesPayment).where(DuesPayment.person_id == person.id, DuesPayment.month.in_(months)).with_for_update())}
    amount, now = dues_amount_for(person), utcnow()
    added = []
    for month in months:
        row = rows.get(month)
        if row is None:
            db.session.add(DuesPayment(person_id=person.id, month=month, amount=amount, recorded_at=now,
                                       recorded_by_id=by.id if by else None))
        elif row.reversed:
            row.reversed, row.amount, row.recorded_at, row.recorded_by_id = False, amount, now, by.id if by else None
        else:
            continue
        added.append(month)
    if added:
        db.session.flush()  # a concurrent insert of the same month raises here: the route says nothing was saved
        record(action="dues.record_months", object_type="person", object_id=person.id, unit=person.unit,
               after={"months": [m.strftime("%m/%Y") for m in added], "amount": amount},
               summary=f"{person.full_name}: {added[0]:%m/%Y}–{added[-1]:%m/%Y} × {len(added)}", user=by)
    return added


def repay_reversed_dues(*, branch, month, people, by=None):
    """The branch page's "paid" for people whose payment of `month` had been reversed: the same row is paid again
    (mark_dues_paid leaves existing rows alone). Returns the number of payments restored."""
    ids = [p.id for p in people]
    if not ids:
        return 0
    by = _by(by)
    rows = db.session.scalars(select(DuesPayment).where(DuesPayment.person_id.in_(ids), DuesPayment.month == month,
                                                        DuesPayment.reversed.is_(True)).with_for_update()).all()
    people_by_id = {p.id: p for p in people}
    now, repaid = utcnow(), {}
    for row in rows:
        row.reversed, row.amount = False, dues_amount_for(people_by_id[row.person_id])
        row.recorded_at, row.recorded_by_id = now, by.id if by else None
        repaid[str(row.person_id)] = row.amount
    if repaid:
        db.session.flush()
        record(action="dues.mark_paid", object_type="unit", object_id=branch.id, unit=branch,
               after={"month": month.isoformat(), "paid": repaid},
               summary=f"{branch.name}: {month:%m/%Y} × {len(repaid)}", user=by)
    return len(repaid)


def reverse_dues_payment(*, person, month, reason, by=None):
    """Undo a payment recorded by mistake: a DuesReversal row (what was recorded, by whom, why it is undone) and an
    audit entry; the payment row stays, marked reversed, so the month counts as unpaid again. Never a delete.
    Returns the reversal, or None when there is no standing payment for that month (already reversed / never paid)."""
    by = _by(by)
    payment = db.session.scalar(select(DuesPayment).where(DuesPayment.person_id == person.id,
                                                          DuesPayment.month == month)
                                .with_for_update().execution_options(populate_existing=True))
    if payment is None or payment.reversed:
        return None
    # Two officers reversing the same month at once: only one conditional update finds it standing (the database
    # re-checks the condition after the other's commit, on PostgreSQL and SQLite alike); the other gets None.
    claimed = db.session.execute(update(DuesPayment).where(DuesPayment.id == payment.id, DuesPayment.reversed.is_(False))
                                 .values(reversed=True).execution_options(synchronize_session=False)).rowcount
    if claimed != 1:
        return None
    reversal = DuesReversal(payment_id=payment.id, person_id=person.id, month=month, amount=payment.amount,
                            paid_recorded_by_id=payment.recorded_by_id, paid_recorded_at=payment.recorded_at,
                            reason=nfc(reason), reversed_by_id=by.id if by else None, reversed_at=utcnow())
    payment.reversed = True  # already written above; set on the object too so the standing refresh sees the change
    db.session.add(reversal)
    db.session.flush()
    record(action="dues.reverse", object_type="person", object_id=person.id, unit=person.unit,
           before={"month": month.strftime("%m/%Y"), "amount": payment.amount, "reversed": False},
           after={"month": month.strftime("%m/%Y"), "amount": payment.amount, "reversed": True, "reason": reversal.reason},
           summary=f"{person.full_name}: {month:%m/%Y}", user=by)
    return reversal

"""What the review shows on the pages of others: the unit page (the home page is one) and the person page; and the
ground it adds to the removal proposals (not found at home in a reconciled review)."""
from sqlalchemy import exists, select

from ..extensions import db
from ..members.models import Person, PersonEvent
from . import permissions, queries
from .models import Outcome, Subject


def unit_panel(unit, user):
    """This year's (or the latest) campaign over the unit: its coverage here, in two statements. None: no campaign."""
    campaign = queries.covering(unit)
    if campaign is None:
        return None
    total, _children = queries.coverage(campaign, unit)
    total.flagged = total.flagged[:5]
    return {"campaign": campaign, "tally": total, "expected": queries.expected_share(campaign),
            "can_walk": unit.level == "branch" and permissions.can_walk(user, campaign, unit)}


def person_panel(person, user):
    """The person's review outcomes (latest first, with who recorded them): one statement."""
    rows = db.session.execute(
        select(Outcome, Subject).join(Subject, Subject.id == Outcome.subject_id)
        .where(Subject.person_id == person.id).order_by(Outcome.id.desc()).limit(20)).all()
    if not rows:
        return None
    return {"review_rows": rows}


def not_found_in_review():
    """SQL condition on Person: not found at home in a review its commune reconciled, and not confirmed since."""
    later = exists().where(PersonEvent.person_id == Person.id, PersonEvent.kind == "confirmed",
                           PersonEvent.on > Subject.outcome_on)
    return exists(select(Subject.id).where(Subject.person_id == Person.id, Subject.outcome == "not_found",
                                           Subject.applied_at.isnot(None), ~later))




"""What the year's close shows on the pages of others: the person page's grades by year (registered in
app/year/__init__.py)."""
from .queries import evaluation as q


def person_grades(person, user):
    """The person's grades by year (decided or only proposed, approved or not, outstanding): one statement. None (no
    section) when the person was never in an evaluation."""
    rows = q.person_grades(person)
    if not rows:
        return None
    return {"grade_rows": [{"year": ev.year, "grade": decided, "proposed": proposed, "outstanding": mg.outstanding,
                            "reason": mg.reason, "evaluation": ev, "branch": branch}
                           for mg, ev, branch, decided, proposed in rows]}

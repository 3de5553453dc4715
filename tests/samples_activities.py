"""Route-walk samples for the activities domain: an activity of branch B1 (commune C1) with one person marked."""
from app.activities.models import Attendance, DuesPayment
from app.dates import add_months, month_start
from tests.factories_activities import TODAY, activity_row, person_row


def make_samples(ctx):
    db, tree = ctx.db, ctx.tree
    person = person_row(db, tree.B1, "Trần Văn Mẫu")
    activity = activity_row(db, tree.B1, title="Sinh hoạt mẫu")
    db.session.add(Attendance(activity_id=activity.id, person_id=person.id, status="present"))
    month = add_months(month_start(TODAY), -1)  # a month paid: the reversal page has something to reverse
    db.session.add(DuesPayment(person_id=person.id, month=month, amount=2000))
    db.session.commit()
    return {"activity_id": activity.id, "person_id": person.id, "month": month.strftime("%Y-%m")}

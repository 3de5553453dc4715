"""Dues only for months from the person's joining month to the current month (issue 8, item 15)."""
from datetime import date

from sqlalchemy import select

from app.activities.models import DuesPayment
from app.activities.rules import dues_month_problem
from app.dates import add_months, month_start
from tests.factories_members import *  # noqa: F401,F403


def test_dues_refused_before_joining_and_after_this_month(db, client, tree, make_user, login, make_person):
    this = month_start(date.today())
    joined = add_months(this, -2)
    new = make_person(tree.B1, "Đinh Văn Mới", joined_on=joined, occupation="farmer")
    old = make_person(tree.B1, "Đinh Thị Cũ", joined_on=date(2015, 3, 26), occupation="farmer")
    make_user("xa.officer", (tree.C1, "officer"))
    login("xa.officer")
    url = f"/activities/dues/{tree.B1.id}"
    before = add_months(joined, -1)
    resp = client.post(url, data={"month": before.strftime("%Y-%m"), "person": [str(new.id), str(old.id)]})
    assert resp.status_code == 303
    html = client.get(resp.location).get_data(as_text=True)
    assert "Không ghi đoàn phí tháng" in html and "Đinh Văn Mới" in html and "vào Đoàn tháng" in html
    paid = set(db.session.execute(select(DuesPayment.person_id, DuesPayment.month)).all())
    assert paid == {(old.id, before)}  # the one who had joined is recorded, the other refused
    ahead = add_months(this, 1)
    resp = client.post(url, data={"month": ahead.strftime("%Y-%m"), "all": "1"})
    html = client.get(resp.location).get_data(as_text=True)
    assert "chưa đến" in html and "cho 0 người" not in html
    assert not db.session.scalars(select(DuesPayment).where(DuesPayment.month == ahead)).all()
    client.post(url, data={"month": this.strftime("%Y-%m"), "all": "1"})
    assert len(db.session.scalars(select(DuesPayment).where(DuesPayment.month == this)).all()) == 2
    # the rule itself, for the services and forms that record several months at once
    assert dues_month_problem(new, joined) is None and dues_month_problem(new, before) is not None
    assert dues_month_problem(old, date(1990, 1, 1)) is not None

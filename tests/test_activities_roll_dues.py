"""Issue 9 items 11–12: "all present" then tap the absent, compact roll; several dues months at once, reversal,
and an honest answer when nothing was recorded."""
from sqlalchemy import func, insert, select, update

from app.activities.models import Attendance
from app.audit.models import AuditEntry
from tests.conftest import errors_in
from tests.factories_activities import *  # noqa: F401,F403
from tests.factories_activities import activity_row, days_ago, person_row


def _count(db, model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_all_present_fills_only_the_unmarked_and_keeps_the_chosen(db, client, tree, make_user, login):
    people = [person_row(db, tree.B1, f"Người {i}") for i in range(5)]
    a = activity_row(db, tree.B1, days_ago(1))
    db.session.add(Attendance(activity_id=a.id, person_id=people[0].id, status="excused"))
    db.session.commit()
    make_user("xa.officer", (tree.C1, "officer"))
    login("xa.officer")
    html = client.get(f"/activities/{a.id}").get_data(as_text=True)
    assert 'name="all" value="present"' in html and "Tất cả có mặt" in html
    assert html.count('name="shown"') == 5
    assert '<span class="present">Có</span>' in html and 'class="list compact"' in html
    data = {"all": "present", "shown": [str(p.id) for p in people], f"s-{people[1].id}": "absent"}
    resp = client.post(f"/activities/{a.id}/attendance", data=data)
    assert resp.status_code == 303
    rows = dict(db.session.execute(select(Attendance.person_id, Attendance.status)).all())
    assert rows == {people[0].id: "excused", people[1].id: "absent", people[2].id: "present",
                    people[3].id: "present", people[4].id: "present"}
    html = client.get(resp.location).get_data(as_text=True)
    assert "Đã lưu điểm danh 4 người." in html
    # everyone marked: the "all present" shortcut is no longer offered at the top
    assert 'id="all-present"' not in html


def test_all_present_does_not_reach_people_off_the_roll(db, client, tree, make_user, login):
    mine = person_row(db, tree.B1, "Người chi đoàn")
    stranger = person_row(db, tree.B2, "Người chi đoàn khác")
    a = activity_row(db, tree.B1, days_ago(1))
    db.session.commit()
    make_user("xa.officer", (tree.C1, "officer"))
    login("xa.officer")
    client.post(f"/activities/{a.id}/attendance", data={"all": "present", "shown": [str(mine.id), str(stranger.id)]})
    assert dict(db.session.execute(select(Attendance.person_id, Attendance.status)).all()) == {mine.id: "present"}


def test_saving_an_empty_roll_form_says_nothing_was_recorded(db, client, tree, make_user, login):
    person_row(db, tree.B1, "Người 1")
    a = activity_row(db, tree.B1, days_ago(1))
    db.session.commit()
    make_user("xa.officer", (tree.C1, "officer"))
    login("xa.officer")
    resp = client.post(f"/activities/{a.id}/attendance", data={})
    html = client.get(resp.location).get_data(as_text=True)
    assert "Đã lưu điểm danh 0 người" not in html and "Chưa ghi gì" in html
    assert _count(db, AuditEntry, AuditEntry.action == "attendance.set") == 0


# ---- item 12: dues ---------------------------------------------------------------------------------------------
from app.activities.models import DuesPayment, DuesReversal, PersonStanding  # noqa: E402
from app.dates import add_months, month_start  # noqa: E402
from tests.factories_activities import TODAY  # noqa: E402

THIS = month_start(TODAY)


def _ym(m):
    return m.strftime("%Y-%m")


def test_several_months_for_one_person_at_once(db, client, tree, make_user, login):
    p = person_row(db, tree.B1, "Trần Văn Quý", joined_on=add_months(THIS, -10))
    db.session.add(DuesPayment(person_id=p.id, month=add_months(THIS, -4), amount=2000))
    db.session.commit()
    make_user("xa.officer", (tree.C1, "officer"))
    login("xa.officer")
    url = f"/activities/dues/person/{p.id}"
    html = client.get(url).get_data(as_text=True)
    assert 'name="first"' in html and 'name="last"' in html
    # a half year, one month of which was already paid: five new rows, one audit entry
    resp = client.post(url, data={"first": _ym(add_months(THIS, -6)), "last": _ym(add_months(THIS, -1))})
    assert resp.status_code == 303
    months = sorted(m for (m,) in db.session.execute(select(DuesPayment.month).where(DuesPayment.person_id == p.id)))
    assert months == [add_months(THIS, -k) for k in range(6, 0, -1)]
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "dues.record_months")).all()
    assert len(entries) == 1 and len(entries[0].changes["months"][1]) == 5
    assert "Đã ghi đoàn phí 5 tháng" in client.get(resp.location).get_data(as_text=True)
    # the same months again: nothing recorded, and it says so (not a success)
    again = client.post(url, data={"first": _ym(add_months(THIS, -6)), "last": _ym(add_months(THIS, -1))})
    assert again.status_code == 303
    html = client.get(again.location).get_data(as_text=True)
    assert "Chưa ghi gì thêm" in html and "Đã ghi đoàn phí" not in html
    assert _count(db, DuesPayment) == 6


def test_months_only_from_joining_to_this_month(db, client, tree, make_user, login):
    p = person_row(db, tree.B1, "Lê Thị Mới", joined_on=add_months(THIS, -2))
    db.session.commit()
    make_user("xa.officer", (tree.C1, "officer"))
    login("xa.officer")
    url = f"/activities/dues/person/{p.id}"
    before = client.post(url, data={"first": _ym(add_months(THIS, -5)), "last": _ym(THIS)})
    assert before.status_code == 422
    assert any("từ tháng vào Đoàn" in e for e in errors_in(before.data))
    ahead = client.post(url, data={"first": _ym(THIS), "last": _ym(add_months(THIS, 1))})
    assert ahead.status_code == 422
    backwards = client.post(url, data={"first": _ym(THIS), "last": _ym(add_months(THIS, -1))})
    assert backwards.status_code == 422
    assert _count(db, DuesPayment) == 0
    assert client.post(url, data={"first": _ym(add_months(THIS, -2)), "last": _ym(THIS)}).status_code == 303
    assert _count(db, DuesPayment) == 3


def test_a_payment_recorded_by_mistake_is_reversed_never_deleted(db, client, tree, make_user, login):
    p = person_row(db, tree.B1, "Phạm Văn Nhầm", joined_on=add_months(THIS, -24))
    month = add_months(THIS, -1)
    db.session.commit()
    make_user("xa.officer", (tree.C1, "officer"))
    login("xa.officer")
    client.post(f"/activities/dues/person/{p.id}", data={"first": _ym(month), "last": _ym(month)})
    payment = db.session.scalar(select(DuesPayment))
    page = client.get(f"/activities/dues/person/{p.id}").get_data(as_text=True)
    rev_url = f"/activities/dues/person/{p.id}/reverse/{_ym(month)}"
    assert f'href="{rev_url}"' in page
    # no change on GET; a reason is required
    assert client.get(rev_url).status_code == 200 and not payment.reversed
    assert client.post(rev_url, data={"reason": ""}).status_code == 422
    resp = client.post(rev_url, data={"reason": "Ghi nhầm người"})
    assert resp.status_code == 303
    db.session.expire_all()
    row = db.session.get(DuesPayment, payment.id)
    assert row is not None and row.reversed  # the row stays
    rev = db.session.scalar(select(DuesReversal))
    assert (rev.payment_id, rev.month, rev.amount, rev.reason) == (payment.id, month, 2000, "Ghi nhầm người")
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "dues.reverse"))
    assert entry.changes["reversed"] == [False, True] and entry.object_id == p.id
    # the month counts as unpaid again, everywhere
    branch = client.get(f"/activities/dues/{tree.B1.id}", query_string={"month": _ym(month)}).get_data(as_text=True)
    assert f'name="person" value="{p.id}"' in branch
    html = client.get(f"/activities/dues/person/{p.id}").get_data(as_text=True)
    assert "Ghi nhầm người" in html and f'href="{rev_url}"' not in html
    again = client.post(rev_url, data={"reason": "lần nữa"})  # nothing standing: said so, nothing written
    assert again.status_code == 303 and _count(db, DuesReversal) == 1
    assert f"Tháng {month:%m/%Y} đã được hoàn tác trước đó." in client.get(again.location).get_data(as_text=True)
    # paid for real later: the same row, paid again, from the branch page
    assert client.post(f"/activities/dues/{tree.B1.id}", data={"month": _ym(month), "person": [str(p.id)]}).status_code == 303
    db.session.expire_all()
    assert _count(db, DuesPayment) == 1 and not db.session.get(DuesPayment, payment.id).reversed


def test_reversal_refreshes_the_standing(db, client, tree, make_user, login):
    p = person_row(db, tree.B1, "Võ Thị Đủ", joined_on=add_months(THIS, -24))
    for k in range(1, 13):
        db.session.add(DuesPayment(person_id=p.id, month=add_months(THIS, -k), amount=2000))
    db.session.commit()
    assert db.session.get(PersonStanding, p.id).dues_ok
    make_user("xa.officer", (tree.C1, "officer"))
    login("xa.officer")
    for k in (1, 2, 3):
        assert client.post(f"/activities/dues/person/{p.id}/reverse/{_ym(add_months(THIS, -k))}",
                           data={"reason": "Ghi nhầm"}).status_code == 303
    db.session.expire_all()
    assert not db.session.get(PersonStanding, p.id).dues_ok


def test_branch_page_nothing_marked_is_not_a_success(db, client, tree, make_user, login):
    p = person_row(db, tree.B1, "Đặng Văn Đã")
    month = add_months(THIS, -1)
    db.session.add(DuesPayment(person_id=p.id, month=month, amount=2000))
    db.session.commit()
    make_user("xa.officer", (tree.C1, "officer"))
    login("xa.officer")
    url = f"/activities/dues/{tree.B1.id}"
    none = client.post(url, data={"month": _ym(month)})
    assert none.status_code == 422 and "Chưa ghi gì" in none.get_data(as_text=True)
    assert "cho 0 người" not in none.get_data(as_text=True)
    already = client.post(url, data={"month": _ym(month), "person": [str(p.id)]})  # a retry: a warning, not a success
    assert already.status_code == 303
    html = client.get(already.location).get_data(as_text=True)
    assert "Chưa ghi gì thêm" in html and "cho 0 người" not in html


def test_person_dues_scope(db, client, tree, make_user, login):
    p = person_row(db, tree.B1, "Người xã một")
    db.session.commit()
    make_user("khac.officer", (tree.C2, "officer"))
    make_user("xa.viewer", (tree.C1, "viewer"))
    login("khac.officer")
    assert client.get(f"/activities/dues/person/{p.id}").status_code == 403
    client.post("/auth/logout")
    login("xa.viewer")
    html = client.get(f"/activities/dues/person/{p.id}").get_data(as_text=True)
    assert 'name="first"' not in html
    assert client.post(f"/activities/dues/person/{p.id}", data={"first": _ym(THIS), "last": _ym(THIS)}).status_code == 403
    assert _count(db, DuesPayment) == 0


def test_all_present_never_overwrites_a_tap_made_after_the_roll_was_read(db, client, tree, make_user, login,
                                                                        monkeypatch):
    """Two officers at one meeting (found by QA against gunicorn + PostgreSQL: 6 of 10 "absent" taps lost): B taps
    "all present" while A taps X "absent". A's mark lands after B's request read who was unmarked; the fill must
    leave A's mark alone, and B's flash counts only what B wrote."""
    from app.activities import queries as activity_queries

    people = [person_row(db, tree.B1, f"Người {i}") for i in range(4)]
    a = activity_row(db, tree.B1, days_ago(1))
    db.session.commit()
    make_user("xa.officer", (tree.C1, "officer"))
    login("xa.officer")
    x = people[2].id
    real = activity_queries.statuses_for

    def read_then_another_officer_taps(activity, ids):
        seen = real(activity, ids)  # nobody marked yet when this request read the roll…
        if "tapped" not in read_then_another_officer_taps.__dict__:
            read_then_another_officer_taps.tapped = True  # …then officer A's tap on X is stored
            db.session.add(Attendance(activity_id=activity.id, person_id=x, status="absent"))
            db.session.flush()
        return seen

    monkeypatch.setattr(activity_queries, "statuses_for", read_then_another_officer_taps)
    resp = client.post(f"/activities/{a.id}/attendance", data={"all": "present", "shown": [str(p.id) for p in people]})
    assert resp.status_code == 303
    monkeypatch.setattr(activity_queries, "statuses_for", real)
    rows = dict(db.session.execute(select(Attendance.person_id, Attendance.status)
                                   .where(Attendance.activity_id == a.id)).all())
    assert rows == {people[0].id: "present", people[1].id: "present", x: "absent", people[3].id: "present"}
    assert "Đã lưu điểm danh 3 người." in client.get(resp.location).get_data(as_text=True)


def test_two_officers_reversing_one_month_write_one_reversal(db, client, tree, make_user, login, monkeypatch):
    """QA against gunicorn + PostgreSQL and the SQLite dev server: two officers submitting the reversal of one month
    at the same moment both got "reversed" and two reversal rows; the one who submitted a page opened before the
    other's reversal got "page not found". One reversal row; the second is told it was already reversed."""
    from app.activities import queries as activity_queries

    p = person_row(db, tree.B1, "Trịnh Văn Hai", joined_on=add_months(THIS, -24))
    month = add_months(THIS, -1)
    db.session.add(DuesPayment(person_id=p.id, month=month, amount=2000))
    db.session.commit()
    make_user("xa.officer", (tree.C1, "officer"))
    login("xa.officer")
    rev_url = f"/activities/dues/person/{p.id}/reverse/{_ym(month)}"
    real = activity_queries.person_dues_months

    def loaded_then_the_other_officer_reverses(person, first, last):
        rows = real(person, first, last)  # this request has read the payment, still standing…
        with db.engine.begin() as other:  # …and the other officer's reversal commits now, in its own transaction
            other.execute(update(DuesPayment).where(DuesPayment.id == rows[month].id).values(reversed=True))
            other.execute(insert(DuesReversal).values(payment_id=rows[month].id, person_id=person.id, month=month,
                                                      amount=2000, reason="Cán bộ khác",
                                                      reversed_at=rows[month].recorded_at))
        return rows

    monkeypatch.setattr(activity_queries, "person_dues_months", loaded_then_the_other_officer_reverses)
    resp = client.post(rev_url, data={"reason": "Ghi nhầm"})
    monkeypatch.setattr(activity_queries, "person_dues_months", real)
    assert resp.status_code == 303
    assert _count(db, DuesReversal) == 1
    assert _count(db, AuditEntry, AuditEntry.action == "dues.reverse") == 0
    assert f"Tháng {month:%m/%Y} đã được hoàn tác trước đó." in client.get(resp.location).get_data(as_text=True)
    # the page opened before the reversal, submitted after it: the same answer, not "page not found"
    late = client.post(rev_url, data={"reason": "Ghi nhầm"})
    assert late.status_code == 303 and _count(db, DuesReversal) == 1
    assert client.get(rev_url).status_code == 303

"""Activities, attendance (one tap via htmx and the plain form), dues, scope and statement counts."""
from sqlalchemy import func, select

from app.activities.models import Activity, Attendance, DuesPayment, PersonStanding
from app.audit.models import AuditEntry
from app.dates import add_months, month_start
from tests.conftest import HTMX, errors_in, sql_count
from tests.factories_activities import *  # noqa: F401,F403
from tests.factories_activities import TODAY, activity_row, days_ago, paid_months, person_row


def _count(db, model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_create_activity_plain_post_then_double_submit_makes_one(db, client, tree, make_user, login):
    make_user("xa.officer", (tree.C1, "officer"))
    login("xa.officer")
    html = client.get(f"/activities/new?unit={tree.B1.id}").get_data(as_text=True)
    assert 'name="form_token"' in html and "Ghi buổi sinh hoạt" in html
    data = {"unit_id": tree.B1.id, "held_on": TODAY.strftime("%d/%m/%Y"), "kind": "thematic",
            "title": "Sinh hoạt chuyên đề Học tập và làm theo Bác", "form_token": "tok-1"}
    first = client.post("/activities/new", data=data)
    second = client.post("/activities/new", data=data)
    assert first.status_code == second.status_code == 303 and first.location == second.location
    assert _count(db, Activity) == 1
    a = db.session.scalar(select(Activity))
    assert a.unit_path == tree.B1.path and a.kind == "thematic"
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "activity.create")).object_id == a.id


def test_create_activity_errors_are_vietnamese_and_keep_input(client, tree, make_user, login):
    make_user("xa.officer", (tree.C1, "officer"))
    login("xa.officer")
    resp = client.post("/activities/new", data={"unit_id": tree.B2.id, "held_on": "31/02/2026", "kind": "regular",
                                                "title": "", "form_token": "t"})
    assert resp.status_code == 422
    errs = errors_in(resp.data)
    assert "Bạn không có quyền ghi sinh hoạt cho đơn vị này." in errs
    assert "Vui lòng nhập nội dung buổi sinh hoạt." in errs
    assert any("Ngày không hợp lệ" in e for e in errs)
    assert 'value="31/02/2026"' in resp.get_data(as_text=True)


def test_edit_with_stale_version_is_a_conflict(db, client, tree, make_user, login):
    a = activity_row(db, tree.B1)
    db.session.commit()
    make_user("xa.officer", (tree.C1, "officer"))
    login("xa.officer")
    data = {"held_on": TODAY.strftime("%d/%m/%Y"), "kind": "regular", "title": "Đổi tên", "version": a.version}
    assert client.post(f"/activities/{a.id}/edit", data=data).status_code == 303
    resp = client.post(f"/activities/{a.id}/edit", data=dict(data, title="Sinh hoạt chuyên đề tháng Mười"))
    assert resp.status_code == 409
    # what was typed is shown, so it can be copied into the newest version
    html = resp.get_data(as_text=True)
    assert "Những gì bạn đã nhập" in html and "Sinh hoạt chuyên đề tháng Mười" in html


def test_one_tap_returns_the_row_and_a_double_tap_keeps_one_row(db, client, tree, make_user, login):
    p = person_row(db, tree.B1, "Nguyễn Thị Ánh")
    a = activity_row(db, tree.B1, days_ago(2))
    db.session.commit()
    make_user("xa.officer", (tree.C1, "officer"))
    login("xa.officer")
    page = client.get(f"/activities/{a.id}").get_data(as_text=True)
    assert f'hx-post="/activities/{a.id}/attendance/{p.id}"' in page and f'hx-params="s-{p.id}"' in page
    for _ in range(2):
        resp = client.post(f"/activities/{a.id}/attendance/{p.id}", data={f"s-{p.id}": "present"}, headers=HTMX)
        html = resp.get_data(as_text=True)
        assert resp.status_code == 200 and html.lstrip().startswith(f'<li class="att" id="att-{p.id}"') and "<html" not in html
        assert 'value="present" checked' in html
        # the totals above the roll come along out of band
        assert 'id="att-stats" hx-swap-oob="true"' in html and "<b>1</b><span>Có mặt</span>" in html
    assert _count(db, Attendance) == 1
    assert db.session.get(PersonStanding, p.id).person_ok  # present recently: has a person
    # a late change is one more audit entry saying who changed what
    client.post(f"/activities/{a.id}/attendance/{p.id}", data={f"s-{p.id}": "excused"}, headers=HTMX)
    assert _count(db, Attendance) == 1
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "attendance.set").order_by(AuditEntry.id)).all()
    assert [e.changes for e in entries] == [{str(p.id): [None, "present"]}, {str(p.id): ["present", "excused"]}]
    assert all(e.user_id is not None for e in entries)
    # bad status: the row comes back with a message, nothing changes
    resp = client.post(f"/activities/{a.id}/attendance/{p.id}", data={f"s-{p.id}": "maybe"}, headers=HTMX)
    assert resp.status_code == 422 and "Trạng thái không hợp lệ." in resp.get_data(as_text=True)
    # without htmx the same route answers 303 back to the list
    resp = client.post(f"/activities/{a.id}/attendance/{p.id}", data={f"s-{p.id}": "absent"})
    assert resp.status_code == 303 and resp.location.endswith(f"/activities/{a.id}")


def test_plain_form_saves_every_row(db, client, tree, make_user, login):
    people = [person_row(db, tree.B1, f"Người {i}") for i in range(4)]
    stranger = person_row(db, tree.B2, "Người xã khác")
    a = activity_row(db, tree.B1, days_ago(1))
    db.session.commit()
    make_user("xa.officer", (tree.C1, "officer"))
    login("xa.officer")
    data = {f"s-{p.id}": s for p, s in zip(people, ("present", "present", "absent", "excused"))}
    data[f"s-{stranger.id}"] = "present"  # not on this roll: ignored
    resp = client.post(f"/activities/{a.id}/attendance", data=data)
    assert resp.status_code == 303
    rows = dict(db.session.execute(select(Attendance.person_id, Attendance.status)).all())
    assert rows == {people[0].id: "present", people[1].id: "present", people[2].id: "absent", people[3].id: "excused"}
    assert client.post(f"/activities/{a.id}/attendance", data=data).status_code == 303
    assert _count(db, Attendance) == 4
    html = client.get(f"/activities/{a.id}").get_data(as_text=True)
    assert html.count(" checked") == 4


def test_dues_bulk_mark_is_idempotent(db, client, tree, make_user, login):
    farmer = person_row(db, tree.B1, "Hoàng Văn Nông")
    worker = person_row(db, tree.B1, "Hoàng Thị Thợ", occupation="worker")
    youth = person_row(db, tree.B1, "Hoàng Văn Trẻ", member_type="youth")
    db.session.commit()
    make_user("xa.officer", (tree.C1, "officer"))
    login("xa.officer")
    month = add_months(month_start(TODAY), -1)
    url = f"/activities/dues/{tree.B1.id}"
    html = client.get(url, query_string={"month": month.strftime("%Y-%m")}).get_data(as_text=True)
    assert "2.000 đ" in html and "5.000 đ" in html and youth.full_name not in html
    data = {"month": month.strftime("%Y-%m"), "person": [str(farmer.id), str(worker.id), str(youth.id)]}
    for _ in range(2):
        resp = client.post(url, data=data)
        assert resp.status_code == 303
    rows = dict(db.session.execute(select(DuesPayment.person_id, DuesPayment.amount)).all())
    assert rows == {farmer.id: 2000, worker.id: 5000}
    assert _count(db, AuditEntry, AuditEntry.action == "dues.mark_paid") == 1
    html = client.get(url, query_string={"month": month.strftime("%Y-%m")}).get_data(as_text=True)
    assert f"Đóng gần nhất tháng {month:%m/%Y}" in html
    # "everyone paid" for another month
    other = add_months(month, -1)
    assert client.post(url, data={"month": other.strftime("%Y-%m"), "all": "1"}).status_code == 303
    assert _count(db, DuesPayment, DuesPayment.month == other) == 2


def test_scope_officers_of_another_commune_are_refused(db, client, tree, make_user, login):
    p = person_row(db, tree.B1, "Người C1")
    a = activity_row(db, tree.B1, title="Buổi của xã An Phú")
    db.session.commit()
    make_user("xa2.officer", (tree.C2, "officer"), (tree.C2, "viewer"))
    login("xa2.officer")
    assert client.get(f"/activities/{a.id}").status_code == 403
    assert client.get(f"/activities/{a.id}/edit").status_code == 403
    assert client.post(f"/activities/{a.id}/attendance", data={f"s-{p.id}": "present"}).status_code == 403
    assert client.post(f"/activities/{a.id}/attendance/{p.id}", data={f"s-{p.id}": "present"}, headers=HTMX).status_code == 403
    assert client.get(f"/activities/dues/{tree.B1.id}").status_code == 403
    assert client.post(f"/activities/dues/{tree.B1.id}", data={"person": [p.id]}).status_code == 403
    assert client.get(f"/activities/units/{tree.C1.id}/standing").status_code == 403
    assert client.get(f"/activities/?unit={tree.C1.id}").status_code == 403
    assert client.get("/activities/99999").status_code == 404
    assert client.post("/activities/new", data={"unit_id": tree.B1.id, "held_on": TODAY.strftime("%d/%m/%Y"),
                                                "kind": "regular", "title": "X", "form_token": "x"}).status_code == 422
    assert "Buổi của xã An Phú" not in client.get("/activities/").get_data(as_text=True)
    assert _count(db, Attendance) == 0 and _count(db, DuesPayment) == 0 and _count(db, Activity) == 1


def test_viewer_sees_but_cannot_mark(db, client, tree, make_user, login):
    p = person_row(db, tree.B1, "Người Xem")
    a = activity_row(db, tree.B1)
    db.session.commit()
    make_user("xa.viewer", (tree.C1, "viewer"))
    login("xa.viewer")
    html = client.get(f"/activities/{a.id}").get_data(as_text=True)
    assert "Người Xem" in html and "hx-post" not in html and "disabled" in html
    assert client.post(f"/activities/{a.id}/attendance/{p.id}", data={f"s-{p.id}": "present"}).status_code == 403
    assert client.post(f"/activities/dues/{tree.B1.id}", data={"person": [p.id]}).status_code == 403
    assert client.get("/activities/new").status_code == 403


def test_list_filters(db, client, tree, make_user, login):
    activity_row(db, tree.B1, days_ago(1), title="Buổi tình nguyện", kind="volunteer")
    activity_row(db, tree.B1, add_months(TODAY, -2), title="Buổi định kỳ")
    activity_row(db, tree.B2, days_ago(1), title="Buổi xã khác")
    db.session.commit()
    make_user("huyen.viewer", (tree.D, "viewer"))
    login("huyen.viewer")
    html = client.get(f"/activities/?unit={tree.C1.id}").get_data(as_text=True)
    assert "Buổi tình nguyện" in html and "Buổi định kỳ" in html and "Buổi xã khác" not in html
    html = client.get("/activities/?kind=volunteer").get_data(as_text=True)
    assert "Buổi tình nguyện" in html and "Buổi định kỳ" not in html
    resp = client.get(f"/activities/?month={add_months(TODAY, -2):%Y-%m}", headers=HTMX)
    html = resp.get_data(as_text=True)
    assert html.lstrip().startswith('<section id="results">') and "Buổi định kỳ" in html and "Buổi tình nguyện" not in html


def test_list_and_record_sql_counts_do_not_grow(db, client, tree, make_user, login):
    make_user("xa.officer", (tree.C1, "officer"))
    login("xa.officer")
    a = activity_row(db, tree.B1, days_ago(1))
    person_row(db, tree.B1, "Người Đầu")
    db.session.commit()
    urls = ["/activities/", f"/activities/?unit={tree.B1.id}", f"/activities/{a.id}", f"/activities/dues/{tree.B1.id}",
            f"/activities/dues/{tree.C1.id}", f"/activities/units/{tree.C1.id}/standing", f"/units/{tree.B1.id}"]
    before = [sql_count(client.get(u)) for u in urls]
    for i in range(30):
        p = person_row(db, tree.B1, f"Người {i}")
        b = activity_row(db, tree.B1, days_ago(i + 2))
        db.session.add(Attendance(activity_id=a.id, person_id=p.id, status="present"))
        db.session.add(Attendance(activity_id=b.id, person_id=p.id, status="absent"))
        paid_months(db, p, 3)
    db.session.commit()
    after = [sql_count(client.get(u)) for u in urls]
    assert before == after, list(zip(urls, before, after))

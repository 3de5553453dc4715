"""Transfers: inside a commune directly; to another commune as a request the receiving commune decides."""
from datetime import date

from sqlalchemy import func, select

from app.members.models import Person, PersonEvent, Transfer
from tests.conftest import errors_in
from tests.factories_members import *  # noqa: F401,F403


def test_move_within_commune_keeps_history_and_path(client, db, tree, make_unit, make_user, login, make_person):
    b1b = make_unit(tree.C1, name="Chi đoàn Thôn 1B", code="B1B")
    p = make_person(tree.B1, "Nguyễn Văn Chuyển")
    make_user("xa.officer", (tree.C1, "officer"))
    login("xa.officer")
    html = client.get(f"/members/{p.id}/transfer").get_data(as_text=True)
    assert "Chi đoàn Thôn 1B" in html and "Chi đoàn Thôn 2" not in html.split("Sang cơ sở đoàn khác")[0]
    resp = client.post(f"/members/{p.id}/transfer", data={"mode": "move", "move-branch": "", "move-on": "01/03/2025",
                                                          "move-version": str(p.version)})
    assert resp.status_code == 422 and errors_in(resp.data)
    data = {"mode": "move", "move-branch": str(b1b.id), "move-on": "01/03/2025", "move-reason": "Đổi nơi ở",
            "move-version": str(p.version)}
    assert client.post(f"/members/{p.id}/transfer", data=data).status_code == 303
    assert client.post(f"/members/{p.id}/transfer", data=data).status_code == 303  # double tap: nothing more
    db.session.refresh(p)
    assert p.unit_id == b1b.id and p.unit_path == b1b.path
    evs = db.session.execute(select(PersonEvent.kind, PersonEvent.unit_id, PersonEvent.other_unit_id)
                             .where(PersonEvent.person_id == p.id, PersonEvent.kind.like("transferred%"))
                             .order_by(PersonEvent.id)).all()
    assert [tuple(e) for e in evs] == [("transferred_out", tree.B1.id, b1b.id), ("transferred_in", b1b.id, tree.B1.id)]
    # a branch of another commune is not a direct move
    resp = client.post(f"/members/{p.id}/transfer", data=dict(data, **{"move-branch": str(tree.B2.id), "move-version": str(p.version)}))
    assert resp.status_code == 422


def test_request_accept_by_receiving_commune(client, db, tree, make_user, login, make_person, make_unit):
    p = make_person(tree.B1, "Trần Thị Đi")
    b2b = make_unit(tree.C2, name="Chi đoàn Thôn 2B", code="B2B")
    make_user("xa.officer", (tree.C1, "officer"))
    make_user("xa2.officer", (tree.C2, "officer"))
    login("xa.officer")
    resp = client.post(f"/members/{p.id}/transfer", data={"mode": "request", "req-to_commune": str(tree.C2.id),
                                                          "req-on": "01/04/2025", "req-reason": ""})
    assert resp.status_code == 422 and "Vui lòng ghi lý do." in errors_in(resp.data)
    data = {"mode": "request", "req-to_commune": str(tree.C2.id), "req-on": "01/04/2025", "req-reason": "Lấy chồng xã bên"}
    assert client.post(f"/members/{p.id}/transfer", data=data).status_code == 303
    assert client.post(f"/members/{p.id}/transfer", data=data).status_code == 303
    tr = db.session.scalar(select(Transfer))
    assert db.session.scalar(select(func.count(Transfer.id))) == 1 and tr.status == "requested"
    assert "Lấy chồng xã bên" in client.get(f"/members/transfers/{tr.id}").get_data(as_text=True)
    # the sending officer cannot decide
    assert client.post(f"/members/transfers/{tr.id}", data={"action": "accept", "accept-branch": str(tree.B1.id)}).status_code == 403
    client.post("/auth/logout")
    login("xa2.officer")
    html = client.get("/members/transfers").get_data(as_text=True)
    assert "Trần Thị Đi" in html and f"/members/transfers/{tr.id}" in html
    assert client.get(f"/members/{p.id}").status_code == 403  # not theirs until accepted
    resp = client.post(f"/members/transfers/{tr.id}", data={"action": "accept", "accept-branch": str(tree.B1.id),
                                                            "accept-version": str(tr.version)})
    assert resp.status_code == 422  # only a branch of the receiving commune
    resp = client.post(f"/members/transfers/{tr.id}", data={"action": "accept", "accept-branch": str(b2b.id),
                                                            "accept-version": str(tr.version)})
    assert resp.status_code == 303
    db.session.refresh(p)
    db.session.refresh(tr)
    assert tr.status == "accepted" and tr.to_unit_id == b2b.id
    assert p.unit_id == b2b.id and p.unit_path == b2b.path and p.status == "active"
    assert client.get(f"/members/{p.id}").status_code == 200
    kinds = db.session.scalars(select(PersonEvent.kind).where(PersonEvent.person_id == p.id).order_by(PersonEvent.id)).all()
    assert kinds[-2:] == ["transferred_out", "transferred_in"]
    # the old commune keeps the request in its history but no longer sees the person
    client.post("/auth/logout")
    login("xa.officer")
    assert client.get(f"/members/transfers/{tr.id}").status_code == 200
    assert client.get(f"/members/{p.id}").status_code == 403


def test_refuse_needs_a_reason_and_changes_nothing(client, db, tree, make_user, login, make_person, make_transfer):
    p = make_person(tree.B1, "Lê Văn Ở Lại")
    tr = make_transfer(p, tree.C2)
    make_user("xa2.officer", (tree.C2, "officer"))
    login("xa2.officer")
    resp = client.post(f"/members/transfers/{tr.id}", data={"action": "refuse", "refuse-refusal_reason": "",
                                                            "refuse-version": str(tr.version)})
    assert resp.status_code == 422 and "Vui lòng ghi lý do từ chối." in errors_in(resp.data)
    resp = client.post(f"/members/transfers/{tr.id}", data={"action": "refuse", "refuse-refusal_reason": "Không cư trú tại xã",
                                                            "refuse-version": str(tr.version)})
    assert resp.status_code == 303
    db.session.refresh(tr)
    db.session.refresh(p)
    assert tr.status == "refused" and tr.refusal_reason == "Không cư trú tại xã" and p.unit_id == tree.B1.id
    # decided: no second decision
    assert client.post(f"/members/transfers/{tr.id}", data={"action": "accept"}).status_code == 403


def test_outsider_cannot_transfer_or_decide(client, tree, make_user, login, make_person, make_transfer):
    p = make_person(tree.B1, "Người Của C1")
    tr = make_transfer(p, tree.C3)
    make_user("xa2.all", *[(tree.C2, r) for r in ("admin", "officer", "viewer")])
    login("xa2.all")
    assert client.get(f"/members/{p.id}/transfer").status_code == 403
    assert client.get(f"/members/transfers/{tr.id}").status_code == 403
    assert client.post(f"/members/transfers/{tr.id}", data={"action": "accept"}).status_code == 403
    assert "Người Của C1" not in client.get("/members/transfers?status=").get_data(as_text=True)


def test_sending_commune_withdraws_an_undecided_request(client, db, tree, make_user, login, make_person, make_transfer):
    from app.audit.models import AuditEntry

    p = make_person(tree.B1, "Phan Thị Đổi Ý")
    tr = make_transfer(p, tree.C2)
    make_user("xa.officer", (tree.C1, "officer"))
    make_user("xa2.officer", (tree.C2, "officer"))
    login("xa2.officer")  # the receiving side cannot withdraw
    assert "Rút đề nghị" not in client.get(f"/members/transfers/{tr.id}").get_data(as_text=True)
    assert client.post(f"/members/transfers/{tr.id}", data={"action": "withdraw", "withdraw-version": str(tr.version)}).status_code == 403
    client.post("/auth/logout")
    login("xa.officer")
    assert "Rút đề nghị" in client.get(f"/members/transfers/{tr.id}").get_data(as_text=True)
    data = {"action": "withdraw", "withdraw-withdrawal_reason": "Bạn ấy ở lại xã", "withdraw-version": str(tr.version)}
    assert client.post(f"/members/transfers/{tr.id}", data=data).status_code == 303
    assert client.post(f"/members/transfers/{tr.id}", data=data).status_code == 403  # decided: nothing more to withdraw
    db.session.refresh(tr)
    assert tr.status == "withdrawn" and tr.withdrawal_reason == "Bạn ấy ở lại xã"
    assert db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == "transfer.withdraw")) == 1
    # the receiving commune can no longer accept it, and a new request may be made
    client.post("/auth/logout")
    login("xa2.officer")
    assert client.post(f"/members/transfers/{tr.id}", data={"action": "accept", "accept-branch": str(tree.B2.id)}).status_code == 403
    db.session.refresh(p)
    assert p.unit_id == tree.B1.id
    client.post("/auth/logout")
    login("xa.officer")
    req = {"mode": "request", "req-to_commune": str(tree.C3.id), "req-on": "01/04/2025", "req-reason": "Đi học xa"}
    assert client.post(f"/members/{p.id}/transfer", data=req).status_code == 303
    assert db.session.scalar(select(func.count(Transfer.id)).where(Transfer.status == "requested")) == 1


def test_the_receiving_commune_page_says_requests_are_waiting(client, tree, make_user, login, make_person, make_transfer):
    make_transfer(make_person(tree.B1, "Lò Văn Đến"), tree.C2)
    make_user("xa2.officer", (tree.C2, "officer"))
    login("xa2.officer")
    html = client.get(f"/units/{tree.C2.id}").get_data(as_text=True)
    assert "1 đề nghị chuyển sinh hoạt đến đang chờ trả lời" in html

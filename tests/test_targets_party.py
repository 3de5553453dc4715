"""Issue 12 item 2: the Party introduction pipeline — steps on a person and their rules, cancelling with a reason, a
unit's list of the year's outstanding members with the two rates (every number a link), and who may do what."""
import re
import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from app import seams
from app.activities.models import Activity
from app.audit.models import AuditEntry
from app.targets import catalogue, party
from app.targets.models import PartyStep
from tests.conftest import HTMX, errors_in, sql_count
from tests.factories_members import person_in

TODAY = date.today()
Y = TODAY.year - 1  # a whole year in the past: every date of it may be recorded


def vn(d):
    return d.strftime("%d/%m/%Y")


@pytest.fixture
def world(db, tree, make_user):
    """C1's officer and viewer, C2's officer (an outsider to C1), the province's viewer; the panel on the person page."""
    seams.register(seams.PERSON_PAGE, seams.Panel("targets/_person_party.html", party.person_panel, order=60))
    catalogue.ensure()
    db.session.commit()

    class W:
        pass

    w = W()
    w.t = tree
    w.officer = make_user("xa.officer", (tree.C1, "officer"))
    w.viewer = make_user("xa.viewer", (tree.C1, "viewer"))
    w.outsider = make_user("xa2.officer", (tree.C2, "officer"), (tree.C2, "admin"))
    w.province = make_user("tinh.viewer", (tree.P, "viewer"))
    w.an = person_in(db, tree.B1, "Nguyễn Văn An", occupation="worker")
    return w


def step(person, kind, on, year=None, **kw):
    return party.record_step(person=person, kind=kind, on=on, year=year, **kw)


def post_step(client, person, **data):
    data.setdefault("form_token", uuid.uuid4().hex)
    return client.post(f"/targets/people/{person.id}/party", data=data)


# ---- rules --------------------------------------------------------------------------------------------------------
def test_the_steps_follow_one_another(db, world, tree):
    an = world.an
    with pytest.raises(party.StepError) as err:
        step(an, "introduced", date(Y, 5, 1))
    assert err.value.field == "kind" and "Đoàn viên ưu tú" in err.value.message
    with pytest.raises(party.StepError) as err:
        step(an, "admitted", date(Y, 5, 1))
    assert "Giới thiệu kết nạp Đảng" in err.value.message
    o = step(an, "outstanding", date(Y, 3, 1), year=Y)
    assert (o.year, o.unit_id, o.unit_path) == (Y, tree.B1.id, tree.B1.path)
    with pytest.raises(party.StepError) as err:  # before the recognition
        step(an, "introduced", date(Y, 2, 1))
    assert err.value.field == "on" and "01/03" in err.value.message
    with pytest.raises(party.StepError) as err:  # once a year
        step(an, "outstanding", date(Y, 6, 1), year=Y)
    assert err.value.field == "year"
    i = step(an, "introduced", date(Y, 5, 1), party_cell="Chi bộ Thôn 1", decision="12-QĐ/ĐU")
    assert i.year == Y and i.party_cell == "Chi bộ Thôn 1"
    with pytest.raises(party.StepError):  # introduced once
        step(an, "introduced", date(Y, 6, 1))
    with pytest.raises(party.StepError) as err:  # before the introduction
        step(an, "admitted", date(Y, 4, 1))
    assert err.value.field == "on"
    step(an, "admitted", date(Y, 9, 2))
    with pytest.raises(party.StepError) as err:
        step(an, "outstanding", date(Y, 10, 1), year=Y)
    assert "đã được kết nạp Đảng" in err.value.message
    db.session.commit()
    assert [s.kind for s in party.person_steps(an)] == ["outstanding", "introduced", "admitted"]
    assert db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == "party.step")) == 3


def test_who_may_be_recognised_and_when(db, world, tree):
    youth = person_in(db, tree.B1, "Lê Thị Thanh Niên", member_type="youth")
    gone = person_in(db, tree.B1, "Trần Văn Đi", status="transferred_out")
    away = person_in(db, tree.B1, "Phạm Văn Xa", status="away")
    for p in (youth, gone):
        with pytest.raises(party.StepError) as err:
            step(p, "outstanding", date(Y, 3, 1), year=Y)
        assert "không phải đoàn viên" in err.value.message
    step(away, "outstanding", date(Y, 3, 1), year=Y)  # away is still on the roll
    with pytest.raises(party.StepError) as err:
        step(world.an, "outstanding", TODAY + timedelta(days=1), year=TODAY.year)
    assert err.value.field == "on"
    with pytest.raises(party.StepError) as err:  # the year of the decision or the one before
        step(world.an, "outstanding", date(Y, 3, 1), year=Y - 3)
    assert err.value.field == "year"
    s = step(world.an, "outstanding", date(Y, 1, 10), year=Y - 1)  # recognised in January for the year before
    assert s.year == Y - 1
    assert step(world.an, "outstanding", date(Y, 2, 1)).year == Y  # no year: the decision's


def test_cancel_keeps_the_row_and_goes_backwards(db, world):
    an = world.an
    o = step(an, "outstanding", date(Y, 3, 1), year=Y)
    i = step(an, "introduced", date(Y, 5, 1))
    with pytest.raises(party.StepError) as err:
        party.cancel_step(step=o, reason="Ghi nhầm")
    assert err.value.field == "reason" and "Giới thiệu" in err.value.message
    with pytest.raises(party.StepError):
        party.cancel_step(step=i, reason="   ")
    party.cancel_step(step=i, reason="Ghi nhầm người")
    party.cancel_step(step=i, reason="lần nữa")  # again: nothing changes
    party.cancel_step(step=o, reason="Ghi nhầm năm")
    db.session.commit()
    rows = db.session.scalars(select(PartyStep).order_by(PartyStep.id)).all()
    assert [(r.cancelled_at is not None, r.cancel_reason) for r in rows] == [(True, "Ghi nhầm năm"), (True, "Ghi nhầm người")]
    assert db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == "party.cancel")) == 2
    # a cancelled introduction no longer stands in the way, nor counts
    step(an, "outstanding", date(Y, 6, 1), year=Y)
    step(an, "introduced", date(Y, 7, 1))
    assert party.tally(world.t.C1, Y).introduced == 1


# ---- the person's page: record, refuse with the message beside the field, double submit, cancel -------------------
def test_officer_records_a_step_js_off(client, db, world, login):
    login(world.officer)
    an = world.an
    page = client.get(f"/targets/people/{an.id}/party")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'id="party-form"' in html and 'name="form_token"' in html and "Chưa ghi bước nào." in html
    token = uuid.uuid4().hex
    data = {"kind": "outstanding", "on": vn(date(Y, 12, 20)), "year": str(Y), "decided_by": "BCH Đoàn xã An Phú",
            "decision": "45-QĐ/ĐTN", "form_token": token}
    first = post_step(client, an, **data)
    assert first.status_code == 303 and first.headers["Location"].endswith(f"/targets/people/{an.id}/party")
    again = post_step(client, an, **data)  # the double tap: one step
    assert again.status_code == 303
    assert db.session.scalar(select(func.count(PartyStep.id))) == 1
    # introduced before the recognition: 422, the message beside the date, what was typed kept
    bad = post_step(client, an, kind="introduced", on=vn(date(Y, 12, 1)), party_cell="Chi bộ Thôn Đông")
    assert bad.status_code == 422
    html = bad.get_data(as_text=True)
    assert any("20/12" in e for e in errors_in(html))
    assert 'value="Chi bộ Thôn Đông"' in html and f'value="{vn(date(Y, 12, 1))}"' in html
    future = post_step(client, an, kind="introduced", on=vn(TODAY + timedelta(days=3)))
    assert future.status_code == 422 and "Ngày không được ở tương lai." in errors_in(future.get_data(as_text=True))
    ok = post_step(client, an, kind="introduced", on=vn(date(Y, 12, 28)), party_cell="Chi bộ Thôn Đông")
    assert ok.status_code == 303
    html = client.get(f"/targets/people/{an.id}/party").get_data(as_text=True)
    assert "Chi bộ Thôn Đông" in html and "45-QĐ/ĐTN" in html
    # the person page shows the section
    html = client.get(f"/members/{an.id}").get_data(as_text=True)
    assert 'id="party"' in html and "Giới thiệu kết nạp Đảng" in html and "BCH Đoàn xã An Phú" in html
    assert f'href="/targets/units/{world.t.C1.id}/party"' in html  # the commune's list


def test_htmx_post_answers_the_form_fragment(client, db, world, login):
    login(world.officer)
    resp = client.post(f"/targets/people/{world.an.id}/party", data={"kind": "admitted", "on": vn(date(Y, 1, 5))},
                       headers=HTMX)
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert "<html" not in html and 'id="party-form"' in html and errors_in(html)


def test_cancel_needs_a_reason(client, db, world, login):
    o = step(world.an, "outstanding", date(Y, 3, 1), year=Y)
    db.session.commit()
    login(world.officer)
    empty = client.post(f"/targets/steps/{o.id}/cancel", data={"reason": "  "})
    assert empty.status_code == 422 and "Ghi lý do hủy." in errors_in(empty.get_data(as_text=True))
    done = client.post(f"/targets/steps/{o.id}/cancel", data={"reason": "Ghi nhầm người"})
    assert done.status_code == 303
    db.session.expire_all()
    assert db.session.get(PartyStep, o.id).cancel_reason == "Ghi nhầm người"
    html = client.get(f"/targets/people/{world.an.id}/party").get_data(as_text=True)
    assert "<s>" in html and "Ghi nhầm người" in html


# ---- the unit's list and its two rates ------------------------------------------------------------------------------
@pytest.fixture
def year_list(db, world, tree):
    """In C1 (branch B1): 4 outstanding workers, 2 others; one worker and one other introduced, the worker admitted;
    one more recognised the year before (not on this year's list); in C2 one outstanding worker."""
    ppl = [person_in(db, tree.B1, f"Công Nhân {i}", occupation="worker", commit=False) for i in range(4)]
    ppl += [person_in(db, tree.B1, f"Nông Dân {i}", occupation="farmer", commit=False) for i in range(2)]
    for p in ppl:
        step(p, "outstanding", date(Y, 3, 1), year=Y, decided_by="BCH Đoàn xã")
    step(ppl[0], "introduced", date(Y, 6, 1))
    step(ppl[0], "admitted", date(Y, 11, 1))
    step(ppl[4], "introduced", date(Y, 6, 2))
    old = person_in(db, tree.B1, "Năm Trước", occupation="worker", commit=False)
    step(old, "outstanding", date(Y - 1, 3, 1), year=Y - 1)
    step(person_in(db, tree.B2, "Xã Khác", occupation="worker", commit=False), "outstanding", date(Y, 3, 1), year=Y)
    db.session.commit()
    return ppl


def test_tally_and_rates(db, world, year_list, tree):
    t = party.tally(tree.C1, Y)
    assert (t.outstanding, t.workers, t.introduced, t.introduced_workers, t.admitted) == (6, 4, 2, 1, 1)
    assert (t.introduced_rate, t.admitted_rate) == (25.0, 50.0) and t.introduced_met and t.admitted_met
    d = party.tally(tree.D, Y)
    assert (d.outstanding, d.workers) == (7, 5) and d.introduced_rate == 20.0
    assert party.tally(tree.C1, Y - 1).outstanding == 1
    assert party.tally(tree.C3, Y).introduced_rate is None


def _links(html):
    return {m.replace("&amp;", "&") for m in re.findall(r'href="(/targets/units/\d+/party\?[^"]*)"', html)}


def test_the_list_page_every_number_a_link(client, db, world, year_list, tree, login):
    login(world.viewer)
    resp = client.get(f"/targets/units/{tree.C1.id}/party?year={Y}")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert "25,0 %" in html and "50,0 %" in html and "5,0 %" in html and "10,0 %" in html
    links = _links(html)
    base = f"/targets/units/{tree.C1.id}/party?year={Y}"
    for want in ("step=outstanding", "step=outstanding&workers=1", "step=introduced", "step=introduced&workers=1",
                 "step=admitted"):
        assert f"{base}&{want}" in links, want
    assert "Công Nhân 0" in html and "Nông Dân 1" in html and "Năm Trước" not in html and "Xã Khác" not in html
    names = {
        "step=introduced&workers=1": {"Công Nhân 0"},
        "step=introduced": {"Công Nhân 0", "Nông Dân 0"},
        "step=admitted": {"Công Nhân 0"},
        "step=outstanding&workers=1": {f"Công Nhân {i}" for i in range(4)},
    }
    for query, want in names.items():
        page = client.get(f"{base}&{query}", headers=HTMX).get_data(as_text=True)
        assert set(re.findall(r"(Công Nhân \d|Nông Dân \d)", page)) == want, query
        assert "<html" not in page
    # the district's list holds C1's and C2's (read by the province's viewer)
    client.post("/auth/logout")
    login(world.province)
    html = client.get(f"/targets/units/{tree.D.id}/party?year={Y}").get_data(as_text=True)
    assert "Xã Khác" in html and "20,0 %" in html


def test_the_list_costs_the_same_sql_whatever_its_size(client, db, world, tree, login):
    login(world.officer)
    url = f"/targets/units/{tree.C1.id}/party?year={Y}"
    for p in [person_in(db, tree.B1, f"Ưu Tú {i}", occupation="worker", commit=False) for i in range(3)]:
        step(p, "outstanding", date(Y, 3, 1), year=Y)
    db.session.commit()
    small = sql_count(client.get(url))
    for p in [person_in(db, tree.B1, f"Ưu Tú B{i}", occupation="worker", commit=False) for i in range(40)]:
        step(p, "outstanding", date(Y, 3, 1), year=Y)
        step(p, "introduced", date(Y, 4, 1))
    db.session.commit()
    resp = client.get(url)
    assert sql_count(resp) == small
    assert 'rel="next"' in resp.get_data(as_text=True)


# ---- access ---------------------------------------------------------------------------------------------------------
def _routes(w, s):
    an, t = w.an, w.t
    return [("GET", f"/targets/units/{t.C1.id}/party?year={Y}", None),
            ("GET", f"/targets/units/{t.B1.id}/party", None),
            ("GET", f"/targets/people/{an.id}/party", None),
            ("POST", f"/targets/people/{an.id}/party", {"kind": "introduced", "on": vn(date(Y, 5, 1))}),
            ("POST", f"/targets/steps/{s.id}/cancel", {"reason": "Thử"})]


def test_an_outsider_reaches_nothing_of_c1(client, db, world, login):
    s = step(world.an, "outstanding", date(Y, 3, 1), year=Y)
    db.session.commit()
    login(world.outsider)
    for method, url, data in _routes(world, s):
        for headers in ({}, HTMX):
            resp = client.open(url, method=method, data=data, headers=headers)
            assert resp.status_code in (403, 404), (method, url, resp.status_code)
    db.session.expire_all()
    assert db.session.scalar(select(func.count(PartyStep.id))) == 1 and db.session.get(PartyStep, s.id).cancelled_at is None
    for url in ("/targets/units/999999/party", "/targets/people/999999/party"):
        assert client.get(url).status_code == 404
    assert client.post("/targets/steps/999999/cancel", data={"reason": "x"}).status_code == 404
    # their own commune's list is theirs
    assert client.get(f"/targets/units/{world.t.C2.id}/party").status_code == 200


def test_a_viewer_reads_and_does_not_write(client, db, world, login):
    s = step(world.an, "outstanding", date(Y, 3, 1), year=Y)
    db.session.commit()
    login(world.viewer)
    gets, posts = [r for r in _routes(world, s) if r[0] == "GET"], [r for r in _routes(world, s) if r[0] == "POST"]
    for _m, url, _d in gets:
        assert client.get(url).status_code == 200, url
    html = client.get(f"/targets/people/{world.an.id}/party").get_data(as_text=True)
    assert 'id="party-form"' not in html and "Hủy bước này" not in html
    for _m, url, data in posts:
        assert client.post(url, data=data).status_code == 403, url
    person_page = client.get(f"/members/{world.an.id}").get_data(as_text=True)
    assert 'id="party"' in person_page and "Ghi bước kết nạp Đảng" not in person_page
    db.session.expire_all()
    assert db.session.scalar(select(func.count(PartyStep.id))) == 1 and db.session.get(PartyStep, s.id).cancelled_at is None


def test_person_section_hidden_when_nothing_to_show(client, db, world, tree, login):
    youth = person_in(db, tree.B1, "Thanh Niên Chưa Vào Đoàn", member_type="youth")
    login(world.viewer)
    assert 'id="party"' not in client.get(f"/members/{world.an.id}").get_data(as_text=True)
    client.post("/auth/logout")
    login(world.officer)
    assert 'id="party"' in client.get(f"/members/{world.an.id}").get_data(as_text=True)
    assert 'id="party"' not in client.get(f"/members/{youth.id}").get_data(as_text=True)


# ---- the "for young workers" tag on activities (issue 12 item 6) ---------------------------------------------------
def test_an_activity_is_tagged_for_young_workers(client, db, world, tree, login):
    login(world.officer)
    form = client.get(f"/activities/new?unit={tree.B1.id}").get_data(as_text=True)
    assert 'name="for_young_workers"' in form and "Hoạt động dành cho thanh niên công nhân" in form
    data = {"unit_id": tree.B1.id, "held_on": vn(TODAY), "kind": "regular", "title": "Giao lưu công nhân khu trọ",
            "for_young_workers": "y", "form_token": uuid.uuid4().hex}
    created = client.post("/activities/new", data=data)
    assert created.status_code == 303
    a = db.session.scalar(select(Activity))
    assert a.for_young_workers is True
    assert "Dành cho thanh niên công nhân" in client.get(f"/activities/{a.id}").get_data(as_text=True)
    edit = {"held_on": vn(TODAY), "kind": "regular", "title": a.title, "version": a.version}  # the box left unticked
    assert client.post(f"/activities/{a.id}/edit", data=edit).status_code == 303
    db.session.expire_all()
    a = db.session.get(Activity, a.id)
    assert a.for_young_workers is False
    assert "Dành cho thanh niên công nhân" not in client.get(f"/activities/{a.id}").get_data(as_text=True)
    changes = db.session.scalars(select(AuditEntry.changes).where(AuditEntry.action == "activity.update")).all()
    assert any("for_young_workers" in (c or {}) for c in changes)

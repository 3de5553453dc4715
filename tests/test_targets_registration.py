"""Issue 12 items 3 and 4: a unit registers its targets for a year (drafts, submit with a justification), the level
above approves or returns them with a reason, versions after approval, the cascade (the children's sum beside the
unit's own, the split), and the plausibility flags against chasing numbers.

app.targets.actuals is another helper's part: its CONTRACT (values, eligible_youth) is monkeypatched here."""
import re
from datetime import date

import pytest
from sqlalchemy import delete, func, select

from app.audit.models import AuditEntry
from app.auth.models import RoleGrant, User
from app.extensions import db as _db
from app.targets import actuals, catalogue
from app.targets.models import Indicator, Target, TargetEvent
from tests.browser_fixtures import browser_mark
from tests.browser_fixtures import login as browser_login
from tests.conftest import HTMX, PASSWORD, errors_in, sql_count
from tests.live import LiveClient, live, run_together, tap_together  # noqa: F401 — the live server fixture

YEAR = date.today().year
LAST = {"admitted": 5, "admitted_workers": 2, "worker_branches_5": 1}  # last year's actuals, by computation
YOUTH = 8  # youth 16–30 on the rolls not yet in the Union


@pytest.fixture
def as_(client, login):
    """Sign in as someone else (signing out first)."""
    def do(username):
        client.post("/auth/logout")
        return login(username)
    return do


@pytest.fixture
def world(db, tree, make_user, monkeypatch):
    class W:
        pass

    w = W()
    w.tree = tree
    catalogue.ensure()
    db.session.commit()
    w.ind = {i.code: i for i in db.session.scalars(select(Indicator))}
    w.asked = []

    def values(key, units, year, as_of=None):
        w.asked.append((key, year))
        return {u.id: actuals.Value(LAST.get(key, 0) if year == YEAR - 1 else 0) for u in units}

    monkeypatch.setattr(actuals, "values", values, raising=False)
    monkeypatch.setattr(actuals, "eligible_youth", lambda unit: YOUTH, raising=False)
    w.officer = make_user("xa.officer", (tree.C1, "officer"), full_name="Trần Thị Cán")
    w.officer2 = make_user("xa.officer2", (tree.C1, "officer"), full_name="Lê Văn Hai")
    w.viewer = make_user("xa.viewer", (tree.C1, "viewer"))
    w.c2 = make_user("xa2.officer", (tree.C2, "officer"))
    w.district = make_user("huyen.officer", (tree.D, "officer"), full_name="Phạm Văn Huyện")
    w.district2 = make_user("huyen.admin", (tree.D, "admin"))
    w.province = make_user("tinh.admin", (tree.P, "admin"))
    w.outsider = make_user("xa2.all", *[(tree.C2, r) for r in ("admin", "officer", "organizer", "inspector", "viewer")])
    return w


def unit_url(unit, year=YEAR):
    return f"/targets/units/{unit.id}?year={year}"


def shown(client, unit, year=YEAR):
    """The hidden n_/v_ fields of the unit's page, as the browser would send them back."""
    html = client.get(unit_url(unit, year)).get_data(as_text=True)
    return dict(re.findall(r'name="([nv]_\d+)" value="([^"]*)"', html))


def post_rows(client, unit, rows, action="save", hidden=None, year=YEAR, **extra):
    """rows: {indicator: (value, justification)}; hidden: the page's n_/v_ (read now unless given)."""
    data = dict(hidden if hidden is not None else shown(client, unit, year))
    for ind, (value, why) in rows.items():
        data[f"value_{ind.id}"], data[f"why_{ind.id}"] = value, why
    data["action"] = action
    data.update(extra)
    return client.post(unit_url(unit, year), data=data)


def versions(db, unit, ind):
    db.session.expire_all()
    return db.session.scalars(select(Target).where(Target.unit_id == unit.id, Target.indicator_id == ind.id,
                                                   Target.year == YEAR).order_by(Target.number)).all()


def events(db, unit, ind, action=None):
    stmt = select(TargetEvent.action).join(Target).where(Target.unit_id == unit.id, Target.indicator_id == ind.id)
    if action:
        stmt = stmt.where(TargetEvent.action == action)
    return db.session.scalars(stmt.order_by(TargetEvent.id)).all()


def decide(client, target, decision, reason="", back=None):
    data = {"decision": decision, "reason": reason, "version": target.version}
    if back:
        data["back"] = back.id
    return client.post(f"/targets/{target.id}/decide", data=data)


# ---- the whole way: register (JS off), return with a reason, approve ----------------------------------------------
def test_commune_registers_district_returns_then_approves(client, db, world, as_):
    t, adm = world.tree, world.ind["admitted"]
    as_("xa.officer")
    resp = client.get(unit_url(t.C1))
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "Kết nạp đoàn viên mới" in html and "Gửi duyệt" in html
    assert "Tỷ lệ cơ sở có hoạt động dành cho thanh niên công nhân" not in html  # province and district only
    assert f'name="value_{adm.id}"' in html and "Năm trước đạt:" in html
    assert ("admitted", YEAR - 1) in world.asked

    # refused, beside the field, everything typed kept (422)
    resp = post_rows(client, t.C1, {adm: ("mười", "Theo danh sách thanh niên"), world.ind["cadres_trained"]: ("-3", "")},
                     action="submit")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert "Nhập một số nguyên từ 0 trở lên." in errors_in(html) and "Chỉ tiêu không được âm." in errors_in(html)
    assert 'value="mười"' in html and "Theo danh sách thanh niên" in html and 'value="-3"' in html
    resp = post_rows(client, t.C1, {adm: ("4", "")}, action="submit")
    assert resp.status_code == 422 and any("giải thích" in e for e in errors_in(resp.data))
    assert versions(db, t.C1, adm) == []

    # a draft, then submitted
    resp = post_rows(client, t.C1, {adm: ("4", "")})
    assert resp.status_code == 303 and resp.location.endswith(unit_url(t.C1))
    (v,) = versions(db, t.C1, adm)
    assert (v.number, v.value, v.status, v.created_by_id) == (1, 4, "draft", world.officer.id)
    resp = post_rows(client, t.C1, {adm: ("4", "Hai thôn có 9 thanh niên chưa vào Đoàn")}, action="submit")
    assert resp.status_code == 303
    (v,) = versions(db, t.C1, adm)
    assert v.status == "submitted" and v.submitted_by_id == world.officer.id and not v.flags
    assert events(db, t.C1, adm) == ["created", "edited", "submitted"]
    html = client.get(unit_url(t.C1)).get_data(as_text=True)
    assert "Chờ duyệt" in html and "Đang chờ cấp trên duyệt" in html and f'name="value_{adm.id}"' not in html

    # the district sees it waiting, returns it with a reason (required)
    as_("huyen.officer")
    html = client.get("/targets/").get_data(as_text=True)
    assert "Chờ duyệt" in html and t.C1.name in html and "1 chỉ tiêu" in html
    html = client.get(f"/targets/units/{t.D.id}/approvals?year={YEAR}").get_data(as_text=True)
    assert t.C1.name in html and "Hai thôn có 9 thanh niên" in html
    resp = decide(client, v, "return", back=t.D)
    assert resp.status_code == 422 and "Trả lại cần ghi lý do để đơn vị sửa." in errors_in(resp.data)
    resp = decide(client, v, "return", "Chưa tính số thanh niên đi làm ăn xa", back=t.D)
    assert resp.status_code == 303 and resp.location.endswith(f"/targets/units/{t.D.id}/approvals?year={YEAR}")
    (v,) = versions(db, t.C1, adm)
    assert v.status == "returned" and v.return_reason == "Chưa tính số thanh niên đi làm ăn xa"

    # the commune sees the reason, edits and submits again; the district approves
    as_("xa.officer")
    html = client.get(unit_url(t.C1)).get_data(as_text=True)
    assert "Chưa tính số thanh niên đi làm ăn xa" in html and "Bị trả lại" in html
    assert post_rows(client, t.C1, {adm: ("3", "Trừ 2 người đi làm ăn xa")}, action="submit").status_code == 303
    as_("huyen.officer")
    (v,) = versions(db, t.C1, adm)
    assert decide(client, v, "approve").status_code == 303
    (v,) = versions(db, t.C1, adm)
    assert (v.status, v.value, v.decided_by_id) == ("approved", 3, world.district.id)
    assert events(db, t.C1, adm) == ["created", "edited", "submitted", "returned", "edited", "submitted", "approved"]
    actions = set(db.session.scalars(select(AuditEntry.action).where(AuditEntry.object_type == "target")))
    assert actions == {"targets.create", "targets.edit", "targets.submit", "targets.return", "targets.approve"}
    html = client.get(f"/targets/{v.id}").get_data(as_text=True)
    assert "Chưa tính số thanh niên đi làm ăn xa" in html and "Trả lại" in html and "Duyệt" in html


def test_the_page_reads_a_bounded_number_of_statements(client, db, world, as_):
    t = world.tree
    as_("tinh.admin")
    small = sql_count(client.get(unit_url(t.P)))
    district = sql_count(client.get(unit_url(t.D)))
    for unit in (t.C1, t.C2, t.C3):
        for ind in world.ind.values():
            if ind.applies_to(unit):
                db.session.add(Target(unit_id=unit.id, unit_path=unit.path, year=YEAR, indicator_id=ind.id, value=3,
                                      status="submitted"))
    db.session.commit()
    assert sql_count(client.get(unit_url(t.P))) == small
    assert sql_count(client.get(unit_url(t.D))) == district


# ---- against chasing numbers ---------------------------------------------------------------------------------------
def test_flags_before_submission_and_a_reason_to_approve(client, db, world, as_):
    t, adm = world.tree, world.ind["admitted"]
    as_("xa.officer")
    # live (htmx): the flags of what was typed, nothing written
    data = {**shown(client, t.C1), f"value_{adm.id}": "11", f"why_{adm.id}": "", "_validate": "1"}
    resp = client.post(unit_url(t.C1), data=data, headers=HTMX)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "Năm trước đạt 5; đăng ký 11, gấp 2,2 lần." in html
    assert "Đăng ký 11 người, nhiều hơn số thanh niên 16–30 tuổi chưa vào Đoàn trên sổ (8 người)." in html
    assert versions(db, t.C1, adm) == []
    # JS off: saved as a draft, the warning is on the page — a warning, not a refusal
    assert post_rows(client, t.C1, {adm: ("11", "")}).status_code == 303
    assert "gấp 2,2 lần" in client.get(unit_url(t.C1)).get_data(as_text=True)
    assert post_rows(client, t.C1, {adm: ("10", "Cả xã vận động")}, action="submit").status_code == 303
    (v,) = versions(db, t.C1, adm)
    assert v.status == "submitted" and [f["code"] for f in v.flags] == ["above_youth"]  # 10 is not above 2 × 5
    assert post_rows(client, t.C1, {world.ind["admitted_workers"]: ("5", "Khu công nghiệp mới")},
                     action="submit").status_code == 303
    (w,) = versions(db, t.C1, world.ind["admitted_workers"])
    assert {f["code"] for f in w.flags} == {"above_last_year"} and w.flags[0]["ratio"] == 2.5

    as_("huyen.officer")
    html = client.get(f"/targets/units/{t.D.id}/approvals?year={YEAR}").get_data(as_text=True)
    assert "Năm trước đạt 2; đăng ký 5, gấp 2,5 lần." in html and "(8 người)" in html
    resp = decide(client, v, "approve", back=t.D)
    assert resp.status_code == 422 and any("ghi lý do vì sao vẫn duyệt" in e for e in errors_in(resp.data))
    assert versions(db, t.C1, adm)[0].status == "submitted"
    assert decide(client, v, "approve", "Xã có kế hoạch kết nạp cả thanh niên tạm trú", back=t.D).status_code == 303
    (v,) = versions(db, t.C1, adm)
    assert v.status == "approved" and v.approval_reason == "Xã có kế hoạch kết nạp cả thanh niên tạm trú"


# ---- who may do what -----------------------------------------------------------------------------------------------
def test_viewer_reads_but_does_not_register(client, db, world, as_):
    t, adm = world.tree, world.ind["admitted"]
    as_("xa.viewer")
    html = client.get(unit_url(t.C1)).get_data(as_text=True)
    assert "Kết nạp đoàn viên mới" in html and "Gửi duyệt" not in html and f'name="value_{adm.id}"' not in html
    resp = client.post(unit_url(t.C1), data={f"value_{adm.id}": "3", f"why_{adm.id}": "x", "action": "save"})
    assert resp.status_code == 403 and versions(db, t.C1, adm) == []


def test_an_approver_cannot_approve_their_own_units_target(client, db, world, as_):
    t, adm = world.tree, world.ind["admitted"]
    as_("xa.officer")
    post_rows(client, t.C1, {adm: ("3", "Theo danh sách")}, action="submit")
    (v,) = versions(db, t.C1, adm)
    assert decide(client, v, "approve", "tự duyệt").status_code == 403
    html = client.get(f"/targets/units/{t.C1.id}/approvals?year={YEAR}").get_data(as_text=True)
    assert "Không có chỉ tiêu nào chờ duyệt." in html and f"/targets/{v.id}/decide" not in html
    assert "Chờ duyệt" not in client.get("/targets/").get_data(as_text=True)
    as_("xa2.officer")  # an officer of a sibling commune is not above C1
    assert decide(client, v, "approve", "x").status_code == 403
    as_("huyen.officer")  # a district officer registers the district's own, approved by the province only
    post_rows(client, t.D, {adm: ("20", "Tổng các xã")}, action="submit")
    (d,) = versions(db, t.D, adm)
    assert decide(client, d, "approve", "x").status_code == 403
    as_("tinh.admin")  # two levels up: sees the commune's and the district's
    html = client.get(f"/targets/units/{t.P.id}/approvals?year={YEAR}").get_data(as_text=True)
    assert t.C1.name in html and t.D.name in html
    assert decide(client, v, "approve").status_code == 303
    assert decide(client, d, "approve", "Cộng chỉ tiêu các xã").status_code == 303  # flagged: 20 > 2 × 5
    assert versions(db, t.C1, adm)[0].status == versions(db, t.D, adm)[0].status == "approved"


def test_out_of_subtree_is_refused(client, db, world, as_):
    t, adm = world.tree, world.ind["admitted"]
    as_("xa.officer")
    post_rows(client, t.C1, {adm: ("3", "Theo danh sách")}, action="submit")
    (v,) = versions(db, t.C1, adm)
    as_("xa2.all")
    for url in (unit_url(t.C1), f"/targets/{v.id}", f"/targets/units/{t.C1.id}/approvals",
                f"/targets/units/{t.D.id}/split/{adm.id}"):
        assert client.get(url).status_code == 403, url
    assert client.post(unit_url(t.C1), data={f"value_{adm.id}": "9", "action": "save"}).status_code == 403
    assert decide(client, v, "return", "x").status_code == 403
    assert client.get("/targets/units/999999").status_code == 404 and client.get("/targets/999999").status_code == 404
    assert client.get(f"/targets/units/{t.C2.id}/split/999999").status_code == 404
    as_("huyen.officer")
    assert client.get(unit_url(t.P)).status_code == 403 and client.get(unit_url(t.C3)).status_code == 403
    assert versions(db, t.C1, adm)[0].value == 3


# ---- versions ------------------------------------------------------------------------------------------------------
def test_an_approved_target_is_frozen_and_a_change_is_a_new_version(client, db, world, as_):
    t, adm = world.tree, world.ind["admitted"]
    as_("xa.officer")
    post_rows(client, t.C1, {adm: ("4", "Theo danh sách")}, action="submit")
    as_("huyen.officer")
    decide(client, versions(db, t.C1, adm)[0], "approve")
    as_("xa.officer")
    assert post_rows(client, t.C1, {adm: ("4", "Theo danh sách")}).status_code == 303  # unchanged: nothing new
    assert len(versions(db, t.C1, adm)) == 1
    assert post_rows(client, t.C1, {adm: ("6", "Thêm khu trọ công nhân")}).status_code == 303
    v1, v2 = versions(db, t.C1, adm)
    assert (v1.status, v1.value, v2.number, v2.status, v2.value) == ("approved", 4, 2, "draft", 6)
    html = client.get(unit_url(t.C1)).get_data(as_text=True)
    assert "Đang áp dụng:" in html and "phiên bản 1, đã duyệt" in html
    post_rows(client, t.C1, {adm: ("6", "Thêm khu trọ công nhân")}, action="submit")
    as_("huyen.officer")
    assert decide(client, versions(db, t.C1, adm)[1], "approve").status_code == 303
    v1, v2 = versions(db, t.C1, adm)
    assert (v1.status, v2.status) == ("superseded", "approved")
    assert events(db, t.C1, adm) == ["created", "submitted", "approved", "created", "submitted", "approved"]


# ---- the cascade ---------------------------------------------------------------------------------------------------
def test_cascade_sum_mismatch_and_split(client, db, world, as_):
    t, adm, share = world.tree, world.ind["admitted"], world.ind["real_share"]
    as_("huyen.officer")
    post_rows(client, t.D, {adm: ("10", "Cả huyện"), share: ("80", "")})
    html = client.get(unit_url(t.D)).get_data(as_text=True)
    assert f'id="sum-{adm.id}"' in html and f'id="sum-{share.id}"' not in html  # counts only
    assert "Chênh lệch" not in html  # no child has registered: nothing to compare
    as_("xa.officer")
    post_rows(client, t.C1, {adm: ("4", "Theo danh sách")})
    as_("xa2.officer")
    post_rows(client, t.C2, {adm: ("3", "Theo danh sách")}, action="submit")
    as_("huyen.officer")
    html = client.get(unit_url(t.D)).get_data(as_text=True)
    sum_line = re.search(rf'id="sum-{adm.id}">(.*?)</p>', html, re.S).group(1)
    assert "<b>7</b>" in sum_line and "2/2 đơn vị" in sum_line and "Chênh lệch -3" in sum_line
    assert "1 đang soạn" in sum_line and "1 chờ duyệt" in sum_line

    # the district splits its 10: C1's draft is updated (assigned), C2's submitted one is left alone
    split = f"/targets/units/{t.D.id}/split/{adm.id}?year={YEAR}"
    html = client.get(split).get_data(as_text=True)
    cv = dict(re.findall(r'name="(cv_\d+)" value="(\d+)"', html))
    assert f'name="child_{t.C1.id}"' in html and f'name="child_{t.C2.id}"' not in html
    resp = client.post(split, data={**cv, f"child_{t.C1.id}": "x"})
    assert resp.status_code == 422 and "Nhập một số nguyên từ 0 trở lên." in errors_in(resp.data)
    resp = client.post(split, data={**cv, f"child_{t.C1.id}": "7", f"child_{t.C2.id}": "9"})
    assert resp.status_code == 303
    (c1,) = versions(db, t.C1, adm)
    assert (c1.value, c1.status, c1.assigned_by_parent) == (7, "draft", True)
    assert versions(db, t.C2, adm)[0].value == 3
    assert events(db, t.C1, adm) == ["created", "assigned"]
    html = client.get(unit_url(t.D)).get_data(as_text=True)
    assert "Chênh lệch" not in re.search(rf'id="sum-{adm.id}">(.*?)</p>', html, re.S).group(1)  # 7 + 3 = 10
    # a child with nothing yet gets a draft from above; the child can still edit it before submitting
    w = world.ind["admitted_workers"]
    client.post(f"/targets/units/{t.D.id}/split/{w.id}?year={YEAR}", data={f"child_{t.C1.id}": "2", f"cv_{t.C1.id}": "0"})
    (c1w,) = versions(db, t.C1, w)
    assert (c1w.value, c1w.assigned_by_parent, events(db, t.C1, w)) == (2, True, ["assigned"])
    as_("xa.officer")
    assert "cấp trên phân bổ" in client.get(unit_url(t.C1)).get_data(as_text=True)
    assert post_rows(client, t.C1, {w: ("1", "Chỉ một doanh nghiệp")}, action="submit").status_code == 303
    assert versions(db, t.C1, w)[0].value == 1
    # the commune itself cannot split (its children are branches), nor may a commune officer split the district's
    assert client.get(f"/targets/units/{t.C1.id}/split/{adm.id}").status_code == 404
    assert client.get(split).status_code == 403


# ---- concurrency and retries ---------------------------------------------------------------------------------------
def test_two_officers_editing_one_target_get_the_conflict_page(client, db, world, as_, app):
    t, adm = world.tree, world.ind["admitted"]
    as_("xa.officer")
    post_rows(client, t.C1, {adm: ("4", "Theo danh sách")})
    stale = shown(client, t.C1)
    assert post_rows(client, t.C1, {adm: ("5", "Thêm một thôn")}).status_code == 303
    other = app.test_client()
    other.post("/auth/login", data={"username": "xa.officer2", "password": "mat-khau-2026"})
    resp = post_rows(other, t.C1, {adm: ("6", "Ý của tôi")}, hidden=stale)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 409 and "Hồ sơ đã được người khác sửa" in html and "Ý của tôi" in html
    assert versions(db, t.C1, adm)[0].value == 5


def test_double_taps_write_one_event_and_two_approvers_make_one_decision(client, db, world, as_, app):
    t, adm = world.tree, world.ind["admitted"]
    as_("xa.officer")
    post_rows(client, t.C1, {adm: ("4", "Theo danh sách")})
    page = shown(client, t.C1)
    for _ in range(2):
        assert post_rows(client, t.C1, {adm: ("5", "Thêm một thôn")}, action="submit", hidden=page).status_code == 303
    assert events(db, t.C1, adm) == ["created", "edited", "submitted"]
    (v,) = versions(db, t.C1, adm)
    seen = v.version
    as_("huyen.officer")
    for _ in range(2):
        resp = client.post(f"/targets/{v.id}/decide", data={"decision": "approve", "version": seen})
        assert resp.status_code == 303
    other = app.test_client()
    other.post("/auth/login", data={"username": "huyen.admin", "password": "mat-khau-2026"})
    resp = other.post(f"/targets/{v.id}/decide", data={"decision": "return", "reason": "Chưa hợp lý", "version": seen})
    assert resp.status_code == 409
    assert events(db, t.C1, adm) == ["created", "edited", "submitted", "approved"]
    assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "targets.approve")) == 1
    # after approval a resent "edit" of the old draft (a new version of the same values) writes nothing more
    as_("xa.officer")
    assert post_rows(client, t.C1, {adm: ("5", "Thêm một thôn")}, action="submit", hidden=page).status_code == 303
    assert len(versions(db, t.C1, adm)) == 1 and len(events(db, t.C1, adm)) == 4


# ---- on a phone ----------------------------------------------------------------------------------------------------
@browser_mark
def test_a_commune_officer_registers_on_a_phone(page, live_demo, monkeypatch):
    """360 × 640, JavaScript on and off: a refused value is shown beside its field with what was typed, then the
    targets are submitted; the page never scrolls sideways."""
    monkeypatch.setattr(actuals, "values", lambda key, units, year, as_of=None: {u.id: actuals.Value(5) for u in units},
                        raising=False)
    monkeypatch.setattr(actuals, "eligible_youth", lambda unit: YOUTH, raising=False)
    app, url = live_demo
    with app.app_context():
        catalogue.ensure()
        commune_id = _db.session.scalar(select(RoleGrant.unit_id).join(User, User.id == RoleGrant.user_id).where(User.username == "xa.officer"))
        _db.session.execute(delete(TargetEvent))
        _db.session.execute(delete(Target))
        _db.session.commit()
        adm = _db.session.scalar(select(Indicator.id).where(Indicator.code == "admitted"))
    browser_login(page, url, "xa.officer")
    page.goto(f"{url}/targets/units/{commune_id}?year={YEAR}")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.fill(f"#value_{adm}", "-2")
    page.fill(f"#why_{adm}", "Theo danh sách thanh niên")
    page.click("button[value=submit]")
    page.wait_for_selector(f"#ind-{adm} .error")
    assert "Chỉ tiêu không được âm." in page.inner_text(f"#ind-{adm} .error")
    assert page.input_value(f"#value_{adm}") == "-2" and page.input_value(f"#why_{adm}") == "Theo danh sách thanh niên"
    page.fill(f"#value_{adm}", "11")
    if page.js:  # the warning comes as soon as the value is typed
        page.press(f"#value_{adm}", "Tab")
        page.wait_for_selector(f"#flags-{adm} .flag")
        assert "gấp 2,2 lần" in page.inner_text(f"#flags-{adm}")
    page.click("button[value=submit]")
    page.wait_for_selector(".flash.success")
    assert "Đã gửi duyệt 1 chỉ tiêu" in page.content()
    assert "gấp 2,2 lần" in page.inner_text(f"#flags-{adm}")
    assert live_demo.sql("SELECT value, status FROM target WHERE indicator_id = ?", adm) == [(11.0, "submitted")]
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert not page.errors


# ---- real parallel requests (a live server; PostgreSQL is where the transactions really overlap) -------------------
def test_taps_and_approvers_at_the_same_instant(db, world, live):
    t, adm = world.tree, world.ind["admitted"]
    officer = LiveClient(live).login("xa.officer", PASSWORD)
    page = officer.get(unit_url(t.C1)).text
    data = {**dict(re.findall(r'name="([nv]_\d+)" value="([^"]*)"', page)), f"value_{adm.id}": "4",
            f"why_{adm.id}": "Theo danh sách thanh niên", "action": "submit"}
    answers = tap_together(officer, unit_url(t.C1), data, n=4)
    assert [r.status for r in answers] == [303] * 4, [r.text[:200] for r in answers]
    db.session.rollback()
    assert events(db, t.C1, adm) == ["created", "submitted"]
    (v,) = versions(db, t.C1, adm)
    district = LiveClient(live).login("huyen.officer", PASSWORD)
    province = LiveClient(live).login("tinh.admin", PASSWORD)
    for c in (district, province):
        c.get(f"/targets/{v.id}")
    out = {}
    run_together(
        lambda: out.__setitem__("approve", district.post(f"/targets/{v.id}/decide",
                                                         {"decision": "approve", "version": v.version})),
        lambda: out.__setitem__("return", province.post(f"/targets/{v.id}/decide",
                                                        {"decision": "return", "reason": "Xem lại", "version": v.version})))
    assert sorted(r.status for r in out.values()) == [303, 409], {k: r.status for k, r in out.items()}
    db.session.rollback()
    decisions = [e for e in events(db, t.C1, adm) if e in ("approved", "returned")]
    assert len(decisions) == 1
    (v,) = versions(db, t.C1, adm)
    assert v.status == decisions[0]

import re

from sqlalchemy import select

from app.audit.models import AuditEntry
from app.units.models import Unit
from tests.conftest import HTMX, errors_in, sql_count


def test_commune_officer_sees_only_their_subtree(client, tree, make_user, login):
    make_user("xa.officer", (tree.C1, "officer"))
    login("xa.officer")
    assert client.get(f"/units/{tree.C1.id}").status_code == 200
    assert client.get(f"/units/{tree.B1.id}").status_code == 200
    assert client.get(f"/units/{tree.C2.id}").status_code == 403
    assert client.get(f"/units/{tree.P.id}").status_code == 403
    assert client.get("/units/99999").status_code == 404
    # the officer's only subtree is the home page
    resp = client.get("/units/")
    assert resp.status_code == 302 and resp.location.endswith(f"/units/{tree.C1.id}")


def test_province_admin_browses_down_with_counts(client, tree, make_user, login):
    make_user("tinh.admin", (tree.P, "admin"))
    login("tinh.admin")
    html = client.get(f"/units/{tree.P.id}").get_data(as_text=True)
    assert "Huyện đoàn Một" in html and "Đoàn phường Hạc Thành" in html
    assert "2 chi" in html  # district D has two branches below it
    html = client.get(f"/units/{tree.C1.id}").get_data(as_text=True)
    assert "Chi đoàn Thôn 1" in html


def test_create_branch_then_audit(client, db, tree, make_user, login):
    make_user("xa.admin", (tree.C1, "admin"))
    login("xa.admin")
    resp = client.post(f"/units/{tree.C1.id}/new", data={
        "level_kind": "branch:worker_residential", "name": "Chi đoàn công nhân khu trọ Bắc", "code": "CN1",
        "org_type": "union", "founded_on": "02/09/2024"})
    assert resp.status_code == 303
    unit = db.session.scalar(select(Unit).where(Unit.code == "CN1"))
    assert unit.parent_id == tree.C1.id and unit.path == tree.C1.path + f"{unit.id}/" and unit.kind == "worker_residential"
    assert unit.founded_on.isoformat() == "2024-09-02"
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "unit.create"))
    assert entry.object_id == unit.id and entry.changes["name"] == [None, "Chi đoàn công nhân khu trọ Bắc"]


def test_bad_input_keeps_what_was_typed(client, tree, make_user, login):
    make_user("xa.admin", (tree.C1, "admin"))
    login("xa.admin")
    resp = client.post(f"/units/{tree.C1.id}/new", data={
        "level_kind": "branch:residential", "name": "", "code": "B1", "founded_on": "31/02/2024"})
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    errs = errors_in(html)
    assert "Vui lòng nhập tên đơn vị." in errs
    assert "Mã này đã được dùng cho một đơn vị khác cùng cấp trên." in errs
    assert any("Ngày không hợp lệ" in e for e in errs)
    assert 'value="31/02/2024"' in html and 'value="B1"' in html


def test_inline_validation_returns_only_the_form(client, db, tree, make_user, login):
    make_user("xa.admin", (tree.C1, "admin"))
    login("xa.admin")
    resp = client.post(f"/units/{tree.C1.id}/new", headers=HTMX, data={
        "level_kind": "branch:residential", "name": "Chi đoàn Thôn 9", "code": "B1", "_validate": "1"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422 and html.lstrip().startswith('<form id="unit-form"') and "<html" not in html
    resp = client.post(f"/units/{tree.C1.id}/new", headers=HTMX, data={
        "level_kind": "branch:residential", "name": "Chi đoàn Thôn 9", "code": "B9", "_validate": "1"})
    assert resp.status_code == 200
    assert db.session.scalar(select(Unit).where(Unit.code == "B9")) is None  # validation never writes


def test_parent_outside_subtree_is_refused(client, tree, make_user, login):
    make_user("xa.admin", (tree.C1, "admin"))
    login("xa.admin")
    resp = client.post(f"/units/{tree.C2.id}/new", data={"level_kind": "branch:residential", "name": "X", "code": "X"})
    assert resp.status_code == 403


def test_level_must_fit_parent(client, tree, make_user, login):
    make_user("tinh.admin", (tree.P, "admin"))
    login("tinh.admin")
    resp = client.post(f"/units/{tree.P.id}/new", data={"level_kind": "branch:residential", "name": "X", "code": "X"})
    assert resp.status_code == 422
    assert "Vui lòng chọn loại đơn vị phù hợp với cấp trên." in errors_in(resp.data)
    # a commune directly under the province: the post-2025 shape
    resp = client.post(f"/units/{tree.P.id}/new", data={"level_kind": "commune:ward", "name": "Đoàn phường Mới", "code": "PM"})
    assert resp.status_code == 303


def test_official_commune_fills_name_and_code(client, db, make_unit, make_user, login):
    p = make_unit(name="Tỉnh đoàn Thanh Hóa", code="TH", official_code="38")
    make_user("tinh.admin", (p, "admin"))
    login("tinh.admin")
    html = client.get(f"/units/{p.id}/new").get_data(as_text=True)
    assert "Phường Hạc Thành" in html
    resp = client.post(f"/units/{p.id}/new", data={"level_kind": "commune:ward", "official_code": "14797", "name": "", "code": ""})
    assert resp.status_code == 303
    unit = db.session.scalar(select(Unit).where(Unit.official_code == "14797"))
    assert unit.name == "Phường Hạc Thành" and unit.code == "14797"


def test_edit_conflict_is_not_silent(client, db, tree, make_user, login):
    make_user("xa.admin", (tree.C1, "admin"))
    login("xa.admin")
    v = tree.B1.version
    ok = client.post(f"/units/{tree.B1.id}/edit", data={"version": v, "level_kind": "branch:residential", "name": "Tên A", "code": "B1", "org_type": "union"})
    assert ok.status_code == 303
    stale = client.post(f"/units/{tree.B1.id}/edit", data={"version": v, "level_kind": "branch:residential", "name": "Tên B", "code": "B1", "org_type": "union"})
    assert stale.status_code == 409 and "người khác" in stale.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Unit, tree.B1.id).name == "Tên A"


def test_close_needs_admin_above_and_keeps_record(client, db, tree, make_user, login):
    make_user("xa.admin", (tree.C1, "admin"))
    make_user("huyen.admin", (tree.D, "admin"))
    login("xa.admin")
    assert client.get(f"/units/{tree.C1.id}/close").status_code == 403  # a commune cannot dissolve itself
    client.post("/auth/logout")
    login("huyen.admin")
    resp = client.post(f"/units/{tree.C1.id}/close", data={"version": tree.C1.version, "closed_on": "01/07/2025", "reason": "Sáp nhập"})
    assert resp.status_code == 422  # branch B1 is still open
    assert any("đơn vị trực thuộc" in e for e in errors_in(resp.data))
    resp = client.post(f"/units/{tree.B1.id}/close", data={"version": tree.B1.version, "closed_on": "01/07/2025", "reason": "Sáp nhập thôn"})
    assert resp.status_code == 303
    db.session.expire_all()
    b1 = db.session.get(Unit, tree.B1.id)
    assert b1.status == "closed" and b1.close_reason == "Sáp nhập thôn"
    html = client.get(f"/units/{tree.C1.id}?closed=1").get_data(as_text=True)
    assert "Chi đoàn Thôn 1" in html


def test_children_listing_is_not_n_plus_one(client, make_unit, make_user, login):
    p = make_unit(name="P", code="P")
    make_user("a", (p, "admin"))
    login("a")
    communes = [make_unit(p, level="commune") for _ in range(3)]
    small = sql_count(client.get(f"/units/{p.id}"))
    for c in communes:
        for _ in range(4):
            make_unit(c)
    for _ in range(10):
        make_unit(p, level="commune")
    resp = client.get(f"/units/{p.id}")
    assert resp.status_code == 200 and sql_count(resp) == small


def test_create_form_as_a_browser_sends_it(client, db, tree, make_user, login):
    """A real form posts every input, the empty hidden version included."""
    make_user("xa.admin", (tree.C1, "admin"))
    login("xa.admin")
    resp = client.post(f"/units/{tree.C1.id}/new", data={
        "version": "", "level_kind": "branch:residential", "name": "Chi đoàn Thôn 7", "code": "T7", "org_type": "union", "founded_on": ""})
    assert resp.status_code == 303, errors_in(resp.data)


def test_subtree_counts_link_to_the_units_behind_them(client, tree, make_unit, make_user, login):
    make_unit(tree.C1, name="Chi đoàn Đã Giải Thể", code="BX", status="closed")
    make_user("huyen.viewer", (tree.D, "viewer"))
    login("huyen.viewer")
    html = client.get(f"/units/{tree.D.id}").get_data(as_text=True)
    assert f'href="/units/{tree.D.id}/below?level=branch"' in html
    listing = client.get(f"/units/{tree.D.id}/below?level=branch").get_data(as_text=True)
    names = set(re.findall(r'<a class="row" href="/units/\d+"><span>([^<]+)<', listing))
    expected = {u.name for u in (tree.B1, tree.B2)}  # the open branches under the district; closed ones and C3's are not
    assert names == expected
    assert client.get(f"/units/{tree.D.id}/below?level=nonsense").status_code == 404
    assert client.get(f"/units/{tree.P.id}/below?level=branch").status_code == 403


def test_sibling_names_must_differ_ignoring_case_and_diacritics(client, tree, make_user, login):
    make_user("xa.admin", (tree.C1, "admin"))
    login("xa.admin")
    resp = client.post(f"/units/{tree.C1.id}/new", data={"level_kind": "branch:residential", "name": "chi doan thon 1",
                                                          "code": "B9"})
    assert resp.status_code == 422 and any("cùng tên" in e for e in errors_in(resp.data))
    resp = client.post(f"/units/{tree.C1.id}/new", data={"level_kind": "branch:residential", "name": "Chi đoàn Thôn 9",
                                                          "code": "B9"})
    assert resp.status_code == 303

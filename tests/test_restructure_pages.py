"""The restructuring's pages with JavaScript off (the test client): each operation's form → its preview (200, the
numbers, nothing written) → the confirm (303 to the operation's page) → the page says "Đã thực hiện" with the numbers;
refused input kept with messages beside the fields; conflicts hide the confirm button; a double tap makes one
operation; changed numbers show the preview again; undo; resume; htmx fragments."""
import gzip
import re
from datetime import date

import pytest
from sqlalchemy import func, select

from app.members.models import Person
from app.restructure import plans, services
from app.restructure.models import RestructureOp
from app.units.models import Unit
from tests.conftest import HTMX, errors_in, sql_count
from tests.factories_members import person_in

BASE = "/units/restructure"
EFF = "01/07/2025"


@pytest.fixture
def admin(make_user, tree, login):
    user = make_user("tinh.admin", (tree.P, "admin"))
    login("tinh.admin")
    return user


@pytest.fixture
def people(db, tree):
    out = {b: [person_in(db, getattr(tree, b), commit=False) for _ in range(2)] for b in ("B1", "B2", "B3")}
    db.session.commit()
    return out


def ops(db):
    return db.session.scalar(select(func.count()).select_from(RestructureOp))


def hidden(html):
    """The preview's confirm form as the browser would send it: every hidden input (lists kept)."""
    form = html[html.index('id="confirm-form"'):]
    form = form[:form.index("</form>")]
    data = {}
    for name, value in re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', form):
        data.setdefault(name, []).append(value.replace("&#34;", '"').replace("&amp;", "&"))
    return data


def preview_then_confirm(client, url, data):
    resp = client.post(url, data=data)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200, errors_in(html) or html[:2000]
    assert "Xác nhận thực hiện" in html, re.findall(r'class="error">([^<]*)<', html)
    sent = hidden(html)
    assert sent["fingerprint"][0] and len(sent["form_token"][0]) == 32
    resp = client.post(url, data={**sent, "action": "confirm"})
    assert resp.status_code == 303, resp.get_data(as_text=True)[:2000]
    assert "/units/restructure/ops/" in resp.location
    return html, resp.location


def test_merge_two_communes_into_a_new_ward(client, db, tree, admin, people, make_user):
    make_user("xa.officer", (tree.C1, "officer"))
    url = f"{BASE}/merge?unit={tree.D.id}"
    assert client.get(url).status_code == 200
    data = {"sources": [tree.C1.id, tree.C2.id], "target": "new", "new_name": "Đoàn phường Mới", "new_code": "PM",
            "decision": "QĐ 1/QĐ-TĐTN", "effective_on": EFF, "note": "thử"}
    before = ops(db)
    html, op_url = preview_then_confirm(client, url, data)
    assert "Đơn vị chuyển" in html and "Người theo đơn vị chuyển" in html
    assert "xa.officer" in html or "Quyền tài khoản" in html  # the officer's grant on C1 is listed
    assert ops(db) == before + 1
    page = client.get(op_url).get_data(as_text=True)
    assert "Đã thực hiện" in page and "Xem trước" in page and "Đã chuyển" in page
    op = db.session.scalar(select(RestructureOp).order_by(RestructureOp.id.desc()))
    assert op.moved["units"] == op.preview["units"] == 2 and op.moved["people"] == 4
    new = db.session.get(Unit, op.params["created_id"])
    # the closed commune's page names its successor, with a link for who may open it
    c1 = client.get(f"/units/{tree.C1.id}").get_data(as_text=True)
    assert "Đã sáp nhập vào" in c1 and f'href="/units/{new.id}"' in c1
    # the moves list, by kind
    moves = client.get(op_url + "?kind=unit").get_data(as_text=True)
    assert "Chi đoàn Thôn 1" in moves


def test_merge_into_an_existing_unit(client, db, tree, admin, people):
    url = f"{BASE}/merge?unit={tree.D.id}"
    data = {"sources": [tree.C2.id], "target": str(tree.C1.id), "decision": "QĐ 2", "effective_on": EFF}
    preview_then_confirm(client, url, data)
    assert db.session.get(Unit, tree.B2.id).parent_id == tree.C1.id
    assert db.session.get(Unit, tree.C2.id).status == "merged"


def test_split_a_branch_moves_the_ticked_people(client, db, tree, admin, people):
    url = f"{BASE}/split/{tree.B1.id}"
    form = client.get(url).get_data(as_text=True)
    assert all(p.full_name in form for p in people["B1"])
    chosen = people["B1"][0].id
    _html, op_url = preview_then_confirm(client, url, {"name": "Chi đoàn Thôn 1B", "code": "B1B", "people": [chosen],
                                                       "decision": "QĐ 3", "effective_on": EFF})
    new_id = db.session.scalar(select(RestructureOp).order_by(RestructureOp.id.desc())).params["created_id"]
    assert db.session.get(Person, chosen).unit_id == new_id
    assert "Đã thực hiện" in client.get(op_url).get_data(as_text=True)


def test_move_a_commune_under_the_province(client, db, tree, admin, people):
    url = f"{BASE}/move/{tree.C1.id}"
    assert f'value="{tree.P.id}"' in client.get(url).get_data(as_text=True)
    preview_then_confirm(client, url, {"parent": tree.P.id, "decision": "QĐ 4", "effective_on": EFF})
    c1 = db.session.get(Unit, tree.C1.id)
    assert c1.parent_id == tree.P.id and db.session.get(Unit, tree.B1.id).path.startswith(c1.path)


def test_dissolve_the_district_level_choose_all_without_javascript(client, db, tree, admin, people):
    url = f"{BASE}/dissolve?unit={tree.P.id}"
    form = client.get(url + "&all=1").get_data(as_text=True)
    assert re.search(rf'value="{tree.D.id}"[^>]*checked|checked[^>]*value="{tree.D.id}"', form)
    _html, op_url = preview_then_confirm(client, url, {"units": [tree.D.id], "decision": "NQ 1686",
                                                       "effective_on": EFF})
    assert db.session.get(Unit, tree.C1.id).parent_id == tree.P.id
    assert db.session.get(Unit, tree.D.id).status == "closed"
    d = client.get(f"/units/{tree.D.id}").get_data(as_text=True)
    assert "Đã giải thể ngày" in d


def test_refused_input_is_kept_with_messages_beside_the_fields(client, db, tree, admin):
    url = f"{BASE}/merge?unit={tree.D.id}"
    resp = client.post(url, data={"sources": [tree.C1.id], "target": "new", "new_name": "Phường Gõ Dở",
                                  "new_code": "có dấu", "decision": "", "effective_on": "31/02/2025"})
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    errs = errors_in(html)
    assert "Vui lòng nhập số quyết định." in errs
    assert any("Ngày không hợp lệ" in e for e in errs)
    assert any("Chọn ít nhất hai đơn vị" in e for e in errs)
    assert any("Mã chỉ gồm" in e for e in errs)
    assert 'value="Phường Gõ Dở"' in html and 'value="31/02/2025"' in html
    # a future effective date is refused too
    resp = client.post(url, data={"sources": [tree.C1.id, tree.C2.id], "target": "new", "new_name": "X",
                                  "new_code": "X", "decision": "QĐ", "effective_on": f"01/01/{date.today().year + 1}"})
    assert resp.status_code == 422 and "Ngày không được ở tương lai." in errors_in(resp.get_data())
    assert ops(db) == 0


def test_a_conflict_hides_the_confirm_button_and_a_forced_confirm_writes_nothing(client, db, tree, admin):
    url = f"{BASE}/merge?unit={tree.D.id}"
    data = {"sources": [tree.C1.id, tree.C2.id], "target": "new", "new_name": "Đoàn xã An Phú", "new_code": "C1",
            "decision": "QĐ", "effective_on": EFF}
    resp = client.post(url, data=data)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "Cần giải quyết trước khi thực hiện" in html
    assert "Mã C1 đã có trong" in html and "Xác nhận thực hiện" not in html
    sent = hidden(html)
    resp = client.post(url, data={**sent, "action": "confirm"})
    assert resp.status_code == 200 and ops(db) == 0


def test_a_commune_admin_may_not_open_a_district_level_operation(client, db, tree, make_user, login):
    make_user("xa.admin", (tree.C1, "admin"))
    login("xa.admin")
    assert client.get(f"{BASE}/merge?unit={tree.D.id}").status_code == 403
    assert client.post(f"{BASE}/merge?unit={tree.D.id}", data={"sources": [tree.C1.id, tree.C2.id]}).status_code == 403
    assert client.get(f"{BASE}/split/{tree.C1.id}").status_code == 403  # its new sibling would be under D
    assert client.get(f"{BASE}/dissolve?unit={tree.P.id}").status_code == 403
    assert client.get(f"{BASE}/merge?unit={tree.C1.id}").status_code == 200  # its own branches: yes
    # the plans refuse too what involves a unit outside: moving C1 is not theirs (its old parent D is involved)
    assert client.get(f"{BASE}/move/{tree.C1.id}").status_code == 403


def test_an_officer_sees_no_panel_and_gets_403(client, db, tree, admin, make_user, login):
    page = client.get(f"/units/{tree.C1.id}").get_data(as_text=True)
    assert 'id="restructure-panel"' in page and f"{BASE}/merge?unit={tree.C1.id}" in page
    make_user("xa.officer", (tree.C1, "officer"))
    client.post("/auth/logout")
    login("xa.officer")
    assert 'id="restructure-panel"' not in client.get(f"/units/{tree.C1.id}").get_data(as_text=True)
    assert client.get(f"{BASE}/").status_code == 403
    assert client.get(f"{BASE}/merge?unit={tree.C1.id}").status_code == 403


def test_a_double_tapped_confirm_makes_one_operation(client, db, tree, admin, people):
    url = f"{BASE}/split/{tree.B1.id}"
    html = client.post(url, data={"name": "Chi đoàn Thôn 1B", "code": "B1B", "people": [people["B1"][0].id],
                                  "decision": "QĐ 5", "effective_on": EFF}).get_data(as_text=True)
    sent = {**hidden(html), "action": "confirm"}
    first = client.post(url, data=sent)
    second = client.post(url, data=sent)
    assert first.status_code == second.status_code == 303 and first.location == second.location
    assert ops(db) == 1


def test_changed_numbers_show_the_preview_again_and_write_nothing(client, db, tree, admin, people):
    url = f"{BASE}/merge?unit={tree.D.id}"
    data = {"sources": [tree.C1.id, tree.C2.id], "target": "new", "new_name": "Phường Mới", "new_code": "PM",
            "decision": "QĐ 6", "effective_on": EFF}
    sent = hidden(client.post(url, data=data).get_data(as_text=True))
    person_in(db, tree.B1)  # someone joins a merged commune meanwhile
    resp = client.post(url, data={**sent, "action": "confirm"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "Số liệu đã thay đổi từ lúc xem trước" in html
    assert ops(db) == 0 and db.session.get(Unit, tree.C1.id).status == "active"
    assert hidden(html)["fingerprint"] != sent["fingerprint"]
    # confirmed again on the new numbers: applied
    resp = client.post(url, data={**hidden(html), "action": "confirm"})
    assert resp.status_code == 303 and ops(db) == 1


def test_edit_again_from_the_preview_keeps_what_was_typed(client, db, tree, admin):
    url = f"{BASE}/merge?unit={tree.D.id}"
    data = {"sources": [tree.C1.id, tree.C2.id], "target": "new", "new_name": "Phường Sửa", "new_code": "PS",
            "decision": "QĐ 7", "effective_on": EFF}
    sent = hidden(client.post(url, data=data).get_data(as_text=True))
    resp = client.post(url, data={**sent, "action": "edit"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and 'value="Phường Sửa"' in html and 'value="QĐ 7"' in html and ops(db) == 0


def test_undo_flow(client, db, tree, admin, people):
    _html, op_url = preview_then_confirm(client, f"{BASE}/dissolve?unit={tree.P.id}",
                                         {"units": [tree.D.id], "decision": "NQ", "effective_on": EFF})
    page = client.get(op_url).get_data(as_text=True)
    assert f"{op_url}/undo" in page
    resp = client.get(op_url + "/undo")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "Xác nhận hoàn tác" in html
    fp = re.search(r'name="fingerprint" type="hidden" value="([^"]+)"', html).group(1)
    token = re.search(r'name="form_token" type="hidden" value="([^"]+)"', html).group(1)
    resp = client.post(op_url + "/undo", data={"fingerprint": fp, "form_token": token})
    assert resp.status_code == 303
    assert client.post(op_url + "/undo", data={"fingerprint": fp, "form_token": token}).location == resp.location
    assert ops(db) == 2
    db.session.expire_all()
    assert db.session.get(Unit, tree.C1.id).parent_id == tree.D.id and db.session.get(Unit, tree.D.id).is_active
    assert "Đã hoàn tác" in client.get(op_url).get_data(as_text=True)
    # undone: no undo link any more, and its undo page says why
    assert "Xác nhận hoàn tác" not in client.get(op_url + "/undo").get_data(as_text=True)


def test_a_stopped_operation_shows_its_error_and_resumes(client, db, tree, admin, people):
    plan = plans.split(admin, unit=tree.B1, name="Chi đoàn Thôn 1B", code="B1B", person_ids=[people["B1"][0].id],
                       decision="QĐ 8", effective_on=date(2025, 7, 1))
    op = services.start(plan, by=admin)
    op.status, op.error = "failed", "OperationalError: thử"
    db.session.commit()
    page = client.get(f"{BASE}/ops/{op.id}").get_data(as_text=True)
    assert "Bị dừng giữa chừng" in page and "OperationalError: thử" in page and "Tiếp tục" in page
    resp = client.post(f"{BASE}/ops/{op.id}/resume")
    assert resp.status_code == 303
    db.session.expire_all()
    assert db.session.get(RestructureOp, op.id).status == "applied"


def test_a_running_operation_refreshes_itself(client, db, tree, admin, people):
    plan = plans.split(admin, unit=tree.B1, name="Chi đoàn Thôn 1B", code="B1B", person_ids=[people["B1"][0].id],
                       decision="QĐ 9", effective_on=date(2025, 7, 1))
    op = services.start(plan, by=admin)
    page = client.get(f"{BASE}/ops/{op.id}").get_data(as_text=True)
    assert '<meta http-equiv="refresh" content="3">' in page and "0 / 1" in page


def test_the_index_lists_the_operations_in_scope(client, db, tree, admin, people, make_user, login):
    preview_then_confirm(client, f"{BASE}/split/{tree.B1.id}", {"name": "Chi đoàn 1B", "code": "B1B",
                                                              "people": [people["B1"][0].id], "decision": "QĐ 10",
                                                              "effective_on": EFF})
    assert "QĐ 10" in client.get(f"{BASE}/").get_data(as_text=True)
    assert "QĐ 10" in client.get(f"{BASE}/?unit={tree.C1.id}").get_data(as_text=True)
    make_user("xa2.admin", (tree.C2, "admin"))
    client.post("/auth/logout")
    login("xa2.admin")
    assert "QĐ 10" not in client.get(f"{BASE}/").get_data(as_text=True)
    op = db.session.scalar(select(RestructureOp))
    assert client.get(f"{BASE}/ops/{op.id}").status_code == 403


def test_htmx_requests_get_the_fragment(client, db, tree, admin, people):
    url = f"{BASE}/merge?unit={tree.D.id}"
    data = {"sources": [tree.C1.id, tree.C2.id], "target": "new", "new_name": "Phường H", "new_code": "PH",
            "decision": "QĐ 11", "effective_on": EFF}
    resp = client.post(url, data=data, headers=HTMX)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "<html" not in html and 'id="preview"' in html
    bad = client.post(url, data={**data, "decision": ""}, headers=HTMX)
    assert bad.status_code == 422 and "<html" not in bad.get_data(as_text=True)
    resp = client.post(url, data={**hidden(html), "action": "confirm"}, headers=HTMX)
    assert resp.status_code == 303 and ops(db) == 1
    op_url = resp.location
    frag = client.get(op_url + "?kind=unit", headers=HTMX).get_data(as_text=True)
    assert 'id="moves"' in frag and "<html" not in frag


def test_pages_stay_within_the_statement_and_size_budgets(client, db, tree, admin, people):
    for b in ("B1", "B2"):
        for _ in range(20):
            person_in(db, getattr(tree, b), commit=False)
    db.session.commit()
    url = f"{BASE}/merge?unit={tree.D.id}"
    data = {"sources": [tree.C1.id, tree.C2.id], "target": "new", "new_name": "Phường B", "new_code": "PB",
            "decision": "QĐ 12", "effective_on": EFF}
    resp = client.post(url, data=data)
    assert sql_count(resp) <= 40, sql_count(resp)
    _html, op_url = preview_then_confirm(client, url, data)
    for page_url in (op_url, op_url + "?kind=person", f"{BASE}/", f"{BASE}/?unit={tree.D.id}", f"/units/{tree.D.id}",
                     url, f"{BASE}/split/{tree.B1.id}", f"{BASE}/move/{tree.C3.id}", f"{op_url}/undo"):
        resp = client.get(page_url)
        assert resp.status_code == 200, page_url
        assert sql_count(resp) <= 30, (page_url, sql_count(resp))
        assert len(gzip.compress(resp.data)) <= 14 * 1024, page_url

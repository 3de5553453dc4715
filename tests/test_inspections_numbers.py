"""Issue 9 item 14: counts are whole numbers, decimals are read and shown the Vietnamese way (6,5), and a number the
records hold ("members on record") is pre-filled, editable, with the difference noted."""
import pytest
from sqlalchemy import select

from app.inspections.models import Answer, TemplateItem
from app.inspections.numbers import format_number, parse_number
from tests.conftest import HTMX
from tests.factories_activities import person_row
from tests.factories_inspections import *  # noqa: F401,F403
from tests.factories_inspections import section_items


@pytest.mark.parametrize("raw, value", [("12", 12), (" 1.234 ", 1234), ("0", 0), ("1.000.000", 1000000)])
def test_counts_read_whole_numbers(app, raw, value):
    with app.test_request_context():
        assert parse_number(raw, whole=True) == (value, None)


@pytest.mark.parametrize("raw", ["1e9", "12,5", "6.5", "-3", "inf", "nan", "12a", "1.23", "0x10", "2000000000"])
def test_counts_refuse_what_is_not_a_whole_number(app, raw):
    with app.test_request_context():
        value, error = parse_number(raw, whole=True)
        assert value is None and error


@pytest.mark.parametrize("raw, value", [("6,5", 6.5), ("6.5", 6.5), ("1.234,75", 1234.75), ("12", 12.0)])
def test_decimals_read_the_vietnamese_way(app, raw, value):
    with app.test_request_context():
        assert parse_number(raw, whole=False) == (value, None)


def test_numbers_shown_the_vietnamese_way():
    assert [format_number(v) for v in (6.5, 1234, 1234.75, 12.0, None)] == ["6,5", "1.234", "1.234,75", "12", ""]


def _number_item(inspection, text=None):
    items = [it for s in section_items(inspection) for it in s.items if it.answer_type == "number"]
    return next(it for it in items if text is None or it.text == text)


def test_a_count_typed_as_1e9_or_with_a_comma_is_refused(client, db, tree, make_plan, inspector, login):
    inspection = make_plan().inspections[0]
    login(inspector)
    item = _number_item(inspection, "Số lớp cảm tình Đoàn tổ chức trong năm")
    url = f"/inspections/{inspection.id}/items/{item.id}"
    for raw in ("1e9", "12,5"):
        resp = client.post(url, data={f"a-{item.id}": raw, f"n-{item.id}": ""}, headers=HTMX)
        assert resp.status_code == 422 and "số nguyên" in resp.get_data(as_text=True)
        assert f'value="{raw}"' in resp.get_data(as_text=True)  # what was typed is kept
    assert db.session.scalar(select(Answer).where(Answer.item_id == item.id)) is None
    assert client.post(url, data={f"a-{item.id}": "1.234", f"n-{item.id}": ""}, headers=HTMX).status_code == 200
    assert db.session.scalar(select(Answer.number).where(Answer.item_id == item.id)) == 1234


def test_a_decimal_item_reads_and_shows_a_comma(client, db, tree, make_plan, inspector, login):
    inspection = make_plan().inspections[0]
    item = _number_item(inspection, "Số hồ sơ kết nạp đã kiểm tra")
    db.session.get(TemplateItem, item.id).answer_type = "decimal"
    db.session.commit()
    login(inspector)
    resp = client.post(f"/inspections/{inspection.id}/items/{item.id}", data={f"a-{item.id}": "6,5", f"n-{item.id}": ""},
                       headers=HTMX)
    assert resp.status_code == 200 and 'value="6,5"' in resp.get_data(as_text=True)
    assert db.session.scalar(select(Answer.number).where(Answer.item_id == item.id)) == 6.5


def test_members_on_record_is_prefilled_and_a_difference_is_noted(client, db, tree, make_plan, inspector, login):
    for i in range(3):
        person_row(db, tree.B1, f"Đoàn viên {i}")
    person_row(db, tree.B1, "Thanh niên", member_type="youth")
    person_row(db, tree.B2, "Đoàn viên xã khác")
    db.session.commit()
    inspection = make_plan().inspections[0]  # inspects C1 (B1 is under it, B2 is not)
    item = _number_item(inspection, "Tổng số đoàn viên trên sổ sách của đơn vị")
    login(inspector)
    sections = section_items(inspection)
    s_no = next(i for i, s in enumerate(sections, start=1) if any(it.id == item.id for it in s.items))
    html = client.get(f"/inspections/{inspection.id}/record?s={s_no}").get_data(as_text=True)
    assert f'name="a-{item.id}" inputmode="numeric" autocomplete="off" value="3"' in html
    assert "Điền sẵn theo sổ sách: 3" in html
    resp = client.post(f"/inspections/{inspection.id}/items/{item.id}", data={f"a-{item.id}": "5", f"n-{item.id}": ""},
                       headers=HTMX)
    html = resp.get_data(as_text=True)
    assert 'value="5"' in html and "Sổ sách: 3 — khác +2" in html

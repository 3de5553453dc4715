"""Item 19: one language. WTForms' own messages are Vietnamese (English when the user chose English); official
headers say "CỘNG HÒA"; one accent placement style (hòa, xóa — the official style) everywhere; one name per verdict."""
import re
from pathlib import Path

import pytest
from wtforms import IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Length

from app.forms import WTFORMS_MESSAGES, Form, choices
from tests.conftest import errors_in

ROOT = Path(__file__).resolve().parent.parent


class Probe(Form):
    name = StringField("Tên", validators=[DataRequired(), Length(max=5)])
    count = IntegerField("Số")
    pick = SelectField("Chọn", choices=choices([("a", "A")]))


@pytest.mark.parametrize("lang, expected", [
    ("vi", {"name": ["Không được dài quá 5 ký tự."], "count": ["Vui lòng nhập một số nguyên."], "pick": ["Lựa chọn không hợp lệ."]}),
    ("en", {"name": ["Field cannot be longer than 5 characters."], "count": ["Not a valid integer value."], "pick": ["Not a valid choice."]}),
])
def test_wtforms_messages_speak_the_interface_language(app, lang, expected):
    with app.test_request_context("/", method="POST", data={"name": "quá dài rồi", "count": "1e9", "pick": "z"},
                                  headers={"Cookie": f"lang={lang}"}):
        form = Probe(meta={"csrf": False})
        assert not form.validate()
        assert form.errors == expected


def test_every_wtforms_message_has_an_english_translation():
    from babel.messages.pofile import read_po

    with (ROOT / "translations/en/LC_MESSAGES/messages.po").open("rb") as f:
        catalog = read_po(f)
    missing = [vi for vi in set(WTFORMS_MESSAGES.values()) if not (catalog.get(vi) and catalog.get(vi).string)]
    assert not missing, missing


def test_a_too_long_name_is_refused_in_vietnamese(client, tree, make_user, login):
    make_user("xa.admin", (tree.C1, "admin"), (tree.C1, "officer"))
    login("xa.admin")
    resp = client.post("/auth/users/new", data={"username": "moi.canbo", "full_name": "Đ" * 201, "phone": "0912345678",
                                                "password": "Thanh-nien-2026", "unit_id": tree.C1.id, "role": "viewer"})
    assert resp.status_code == 422
    assert "Không được dài quá 200 ký tự." in errors_in(resp.data)
    assert "Field cannot be longer" not in resp.get_data(as_text=True)


# Old-style accent placement (hoà, xoá, thuỷ …) → the official style used by state documents (hòa, xóa, thủy).
OLD_STYLE = re.compile(r"(?i)\b\w*(?<![qQ])(oà|oá|oả|oã|oạ|oè|oé|oẻ|oẽ|oẹ|uỳ|uý|uỷ|uỹ|uỵ)(?![a-zà-ỹ])")


def _texts():
    files = list((ROOT / "templates").rglob("*.html")) + list((ROOT / "app").rglob("*.py"))
    files.append(ROOT / "translations/en/LC_MESSAGES/messages.po")
    return [(p, p.read_text(encoding="utf-8")) for p in files]


def test_one_accent_placement_style_everywhere():
    bad = sorted({(str(p.relative_to(ROOT)), m.group(0)) for p, text in _texts() for m in OLD_STYLE.finditer(text)})
    assert not bad, bad


def test_official_headers_say_cong_hoa():
    hits = [(str(p.relative_to(ROOT)), line.strip()[:80]) for p, text in _texts() for line in text.splitlines()
            if "CỘNG HOÀ" in line or "Cộng hoà" in line]
    assert not hits, hits


@pytest.fixture
def demo_admin(demo_app, demo_db):
    from app.seed import DEMO_PASSWORD

    client = demo_app.test_client()
    assert client.post("/auth/login", data={"username": "tinh.admin", "password": DEMO_PASSWORD}).status_code == 303
    return client


def test_printouts_wording(demo_admin, demo_db):
    db = demo_db
    from sqlalchemy import select

    from app.classes.models import AdmissionCase, TrainingClass
    from app.inspections.models import Inspection

    klass = db.session.scalar(select(TrainingClass).where(TrainingClass.status == "finished",
                                                          TrainingClass.kind == "sympathizer").order_by(TrainingClass.id))
    html = demo_admin.get(f"/classes/{klass.id}/certificates").get_data(as_text=True)
    body = html.split('class="card preview"', 1)[1]
    first = body.split('<div class="landscape cert">')[1]
    assert "chương trình lớp cảm tình Đoàn" in first  # "Đoàn" keeps its capital
    place = re.search(r"<i>([^<,]+), ngày (\d+|…) tháng (\d+|…) năm (\d{4}|…)</i>", first)
    assert place and place.group(1) in klass.unit.name and not place.group(1).startswith(("Đoàn", "Chi đoàn")), place
    assert first.count("In ngày") == 1
    for doc in ("grid", "certificates"):
        one = demo_admin.get(f"/classes/{klass.id}/{doc}").get_data(as_text=True).split('class="card preview"', 1)[1]
        assert one.split('<div class="landscape')[1].count("In ngày") == 1, doc
    case = db.session.scalar(select(AdmissionCase).order_by(AdmissionCase.id))
    html = demo_admin.get(f"/classes/admissions/{case.id}/checklist").get_data(as_text=True)
    assert case.branch.parent.name.upper() in html  # the superior unit heads the checklist
    inspection = db.session.scalar(select(Inspection).order_by(Inspection.id))
    html = demo_admin.get(f"/inspections/{inspection.id}/notice").get_data(as_text=True)
    assert re.search(r'<div class="recipients"><b>Nơi nhận:</b>', html)
    assert ".signatures .recipients { text-align: left;" in (ROOT / "static/css/pdf.css").read_text()


def test_one_name_for_each_verdict(demo_admin, demo_db):
    """The members filter, the standing table and the unit panel call each verdict what criteria.VERDICTS does."""
    db = demo_db
    from sqlalchemy import select

    from app.activities.standing import VERDICTS
    from app.units.models import Unit

    commune = db.session.scalar(select(Unit).where(Unit.code == "QX-QN"))
    names = {k: str(v) for k, v in VERDICTS.items()}
    pages = {"/members/": None, f"/activities/units/{commune.id}/standing": None, f"/units/{commune.id}": None}
    for url in pages:
        html = demo_admin.get(url).get_data(as_text=True).replace("&#34;", '"')
        labelled = re.findall(r'verdict=(real|incomplete|paper)[^"]*"[^>]*>(?:<b>[^<]*</b>)?(?:<span>)?([^<]*)<', html)
        labelled += re.findall(r'<option value="(real|incomplete|paper)"[^>]*>([^<]*)<', html)
        assert labelled, url
        for key, text in labelled:
            text = re.sub(r"^[\d.\s]+", "", text).split(" · ")[0].strip()
            assert text in ("", names[key]), (url, key, text)  # a bare count in a table cell names nothing
        assert {t for _, t in labelled} - {""}, url

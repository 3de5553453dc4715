"""Printables: an 80-person sign-in sheet repeats its header on every page (bench/pdfs.py times it)."""
import re

from sqlalchemy import select

from app.classes.models import Enrolment
from tests.factories_classes import *  # noqa: F403
from tests.test_classes_flow import pdf_text


def test_eighty_person_sign_in_sheet(client, db, class_world, make_people, make_class, login):
    people = make_people(class_world.tree.B1, 80)
    klass = make_class(class_world.tree.C1, people=people, capacity=100)
    s = klass.sessions[0]
    login(class_world.organizer)
    resp = client.get(f"/classes/{klass.id}/sessions/{s.id}/sign-in.pdf")
    assert resp.status_code == 200 and resp.headers["Content-Type"] == "application/pdf"
    pages = pdf_text(resp.data)
    assert len(pages) == 5  # 80 one-line rows under a header repeated on every A4 page
    for k, text in enumerate(pages, 1):  # the table header on every page, the unit and "page k/5" in the footer
        assert "Họ và tên" in text and "Ký tên" in text and "Đoàn xã An Phú" in text and f"Trang {k}/5" in text
    all_text = "\n".join(pages)
    rows = re.findall(r"^(\d+) (.+?) 04/05/2006 Chi đoàn Thôn 1$", all_text, re.M)
    assert [int(n) for n, _ in rows] == list(range(1, 81))  # every row numbered once, in order, none lost at a break
    assert sorted(name for _, name in rows) == sorted(p.full_name for p in people)
    assert "Tổng số: 80 học viên." in pages[-1]


def test_grid_is_landscape_and_previews_exist(client, db, class_world, make_people, make_class, login):
    from io import BytesIO

    from pypdf import PdfReader

    people = make_people(class_world.tree.B1, 6)
    klass = make_class(class_world.tree.C1, people=people)
    login(class_world.organizer)
    resp = client.get(f"/classes/{klass.id}/grid.pdf")
    page = PdfReader(BytesIO(resp.data)).pages[0]
    assert page.mediabox.width > page.mediabox.height  # landscape
    for url in (f"/classes/{klass.id}/grid", f"/classes/{klass.id}/sessions/{klass.sessions[0].id}/sign-in",
                f"/classes/{klass.id}/certificates"):
        resp = client.get(url)
        assert resp.status_code == 200 and "Tải PDF" in resp.get_data(as_text=True)
    e = db.session.scalar(select(Enrolment))
    assert client.get(f"/classes/{klass.id}/people/{e.id}/certificate.pdf").status_code == 404  # not finished yet

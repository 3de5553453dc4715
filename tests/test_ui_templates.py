"""The templates' house rules (issue 10 item 6), checked on every template file: short lines, and the repeated pieces
written once — CSRF inputs, status badges, PDF heads and print previews come from the shared macros and layouts."""
import re
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
LINE_LIMIT = 160
UI_MACROS = TEMPLATES / "_macros" / "ui.html"


def _templates():
    files = sorted(TEMPLATES.rglob("*.html"))
    assert UI_MACROS in files
    return files


def test_no_template_line_over_160_characters():
    long = [f"{p.relative_to(TEMPLATES)}:{n}: {len(line)}" for p in _templates()
            for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if len(line) > LINE_LIMIT]
    assert not long, long


def test_csrf_inputs_and_status_badges_come_from_the_ui_macros():
    """A hand-written token input or a badge whose colour is decided in the page is a copy: use csrf_input(),
    post_button(), badge() or status_badge() (templates/_macros/ui.html)."""
    copies = re.compile(r'name="csrf_token"|class="badge[{ ]')
    found = [f"{p.relative_to(TEMPLATES)}:{n}" for p in _templates() if p != UI_MACROS
             for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if copies.search(line)]
    assert not found, found


def test_every_printable_has_the_one_pdf_head_and_preview():
    pdfs = [p for p in _templates() if p.parent.name == "pdf" and not p.name.startswith("_")]
    assert {p.parent.parent.name for p in pdfs} == {"classes", "inspections", "review", "year"}
    for p in pdfs:
        text = p.read_text(encoding="utf-8")
        assert text.startswith('{% extends "_pdf.html" %}') and "<head>" not in text and "<style>" not in text, p
    previews = sorted(TEMPLATES.glob("*/print_preview.html"))
    assert [p.parent.name for p in previews] == ["classes", "inspections"]
    for p in previews:
        assert p.read_text(encoding="utf-8").startswith('{% extends "_print_preview.html" %}'), p

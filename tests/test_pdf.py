import io

import pytest
from pypdf import PdfReader

from app.pdf import _fetcher_for, render_pdf


def test_pdf_renders_vietnamese_and_fetches_only_static(app, tmp_path):
    tpl = tmp_path / "t.html"
    tpl.write_text('<link rel="stylesheet" href="css/pdf.css"><p class="unitname">Đoàn xã Quảng Ngọc</p><h1>Giấy chứng nhận</h1><p>Nguyễn Thị Ánh — Đặng Văn Đức</p>')
    with app.test_request_context():
        from jinja2 import ChoiceLoader, FileSystemLoader

        old = app.jinja_loader
        app.jinja_env.loader = ChoiceLoader([FileSystemLoader(str(tmp_path)), old])
        try:
            data = render_pdf("t.html")
        finally:
            app.jinja_env.loader = old
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
    assert "Nguyễn Thị Ánh" in text and "Đặng Văn Đức" in text
    fetch = _fetcher_for(app.static_folder)
    with pytest.raises(ValueError):
        fetch("file:///etc/passwd")
    with pytest.raises(ValueError):
        fetch("http://example.com/x.css")
    assert fetch(f"file://{app.static_folder}/css/pdf.css").content_type == "text/css"

"""Small hostile images (issue 8, item 15): a pixel bomb refused from its header, truncated images count toward the cap."""
import io

from PIL import Image
from sqlalchemy import func, select

from app.inspections.models import Photo
from tests.conftest import HTMX, errors_in
from tests.factories_inspections import *  # noqa: F401,F403
from tests.factories_inspections import section_items


def png(w, h):
    buf = io.BytesIO()
    Image.new("L", (w, h), 0).save(buf, "PNG", optimize=True)
    return buf.getvalue()


def test_pixel_bomb_refused_before_decoding(app, client, db, make_plan, inspector, login, tmp_path, monkeypatch):
    import tracemalloc

    monkeypatch.setitem(app.config, "INSPECTION_UPLOAD_DIR", str(tmp_path))
    bomb = png(6300, 6300)
    assert len(bomb) < 200_000
    inspection = make_plan().inspections[0]
    item = section_items(inspection)[0].items[0]
    login(inspector)
    tracemalloc.start()
    resp = client.post(f"/inspections/{inspection.id}/items/{item.id}/photos", headers=HTMX,
                       content_type="multipart/form-data", data={f"p-{item.id}": (io.BytesIO(bomb), "a.png", "image/png")})
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert resp.status_code == 422
    assert any("điểm ảnh quá lớn" in e for e in errors_in(resp.data)), errors_in(resp.data)
    assert peak < 30 * 1024 * 1024  # never decoded (decoded it is 40 MB grey, 120 MB as RGB)
    assert db.session.scalar(select(func.count(Photo.id))) == 0


def test_truncated_images_count_toward_the_cap(app, client, db, make_plan, inspector, login, tmp_path, monkeypatch):
    from PIL import ImageFile

    monkeypatch.setitem(app.config, "INSPECTION_UPLOAD_DIR", str(tmp_path))
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)  # as WeasyPrint leaves it once a PDF was made
    inspection = make_plan().inspections[0]
    item = section_items(inspection)[0].items[0]
    login(inspector)
    url = f"/inspections/{inspection.id}/items/{item.id}/photos"
    whole = io.BytesIO()
    Image.effect_noise((900, 700), 60).convert("RGB").save(whole, "JPEG")
    data = whole.getvalue()
    for cut in (0.5, 0.6, 0.7):
        part = data[: int(len(data) * cut)]
        resp = client.post(url, headers=HTMX, content_type="multipart/form-data",
                           data={f"p-{item.id}": (io.BytesIO(part), "a.jpg", "image/jpeg")})
        assert resp.status_code == 422 and any("bị hỏng" in e for e in errors_in(resp.data)), errors_in(resp.data)
    # the cap is reached: a fourth upload, even a good one, is refused without decoding
    resp = client.post(url, headers=HTMX, content_type="multipart/form-data",
                       data={f"p-{item.id}": (io.BytesIO(data), "a.jpg", "image/jpeg")})
    assert resp.status_code == 422 and any("tối đa 3 ảnh" in e for e in errors_in(resp.data)), errors_in(resp.data)
    rows = db.session.scalars(select(Photo)).all()
    assert len(rows) == 3 and all(p.rejected for p in rows)
    assert ImageFile.LOAD_TRUNCATED_IMAGES is True  # WeasyPrint's setting is given back
    assert client.get(f"/inspections/photos/{rows[0].id}").status_code == 404  # no file behind a refused upload
    assert "Ảnh 1" not in client.get(f"/inspections/{inspection.id}/record?s=1").get_data(as_text=True)

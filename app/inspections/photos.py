"""Photo evidence: checked by content (JPEG or PNG only), size-limited, re-encoded as JPEG no larger than
1600 px (which also drops EXIF data such as GPS), stored under the instance folder with a random name and
served only through an authorised route — never from static/."""
import hashlib
import io
import secrets
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select

from ..extensions import db
from .models import Photo

MAX_BYTES = 5 * 1024 * 1024
MAX_SIDE = 1600
MAX_PIXELS = 40_000_000
MAX_PER_ITEM = 3


class PhotoError(ValueError):
    pass


def storage_dir():
    # INSPECTION_UPLOAD_DIR lets a deployment (or a test) put the files elsewhere; never under static/.
    configured = current_app.config.get("INSPECTION_UPLOAD_DIR")
    path = Path(configured) if configured else Path(current_app.instance_path) / "uploads" / "inspections"
    path.mkdir(parents=True, exist_ok=True)
    return path


def file_path(photo):
    return storage_dir() / photo.filename


def _reencode(data):
    from PIL import Image, ImageOps

    try:
        with Image.open(io.BytesIO(data)) as im:
            if im.format not in ("JPEG", "PNG"):
                raise PhotoError(_("Chỉ nhận ảnh JPEG hoặc PNG."))
            if im.width * im.height > MAX_PIXELS:
                raise PhotoError(_("Ảnh có kích thước điểm ảnh quá lớn."))
            im.load()
            im = ImageOps.exif_transpose(im)
            if im.mode in ("RGBA", "LA", "P"):
                rgba = im.convert("RGBA")
                im = Image.new("RGB", rgba.size, (255, 255, 255))
                im.paste(rgba, mask=rgba.split()[3])
            elif im.mode != "RGB":
                im = im.convert("RGB")
            im.thumbnail((MAX_SIDE, MAX_SIDE))
            out = io.BytesIO()
            im.save(out, "JPEG", quality=82, optimize=True)
            return out.getvalue(), im.width, im.height
    except PhotoError:
        raise
    except Exception:  # not an image, truncated, a decompression bomb …
        raise PhotoError(_("Tệp không phải ảnh JPEG hoặc PNG hợp lệ.")) from None


def store_photo(*, inspection, item, stream, by=None):
    """Check, re-encode and store one upload; the same bytes sent again return the stored photo."""
    data = stream.read(MAX_BYTES + 1)
    if not data:
        raise PhotoError(_("Chưa chọn ảnh."))
    if len(data) > MAX_BYTES:
        raise PhotoError(_("Ảnh quá lớn (tối đa 5 MB)."))
    digest = hashlib.sha256(data).hexdigest()
    existing = db.session.scalar(select(Photo).where(Photo.inspection_id == inspection.id, Photo.item_id == item.id,
                                                     Photo.sha256 == digest))
    if existing is not None:
        return existing
    count = db.session.scalar(select(func.count(Photo.id)).where(Photo.inspection_id == inspection.id,
                                                                 Photo.item_id == item.id))
    if count >= MAX_PER_ITEM:
        raise PhotoError(_("Mỗi mục chỉ đính kèm tối đa %(n)s ảnh.", n=MAX_PER_ITEM))
    jpeg, width, height = _reencode(data)
    name = secrets.token_hex(16) + ".jpg"
    (storage_dir() / name).write_bytes(jpeg)
    photo = Photo(inspection_id=inspection.id, item_id=item.id, sha256=digest, filename=name, width=width,
                  height=height, size=len(jpeg), uploaded_by_id=by.id if by else None)
    db.session.add(photo)
    db.session.flush()
    from ..audit.services import record

    record(action="inspection.photo", obj=photo, unit=inspection.unit, after={"item_id": item.id, "size": len(jpeg)},
           summary=item.text[:120], user=by)
    return photo

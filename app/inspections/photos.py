"""Photo evidence: checked by content (JPEG or PNG only), size-limited, re-encoded as JPEG no larger than
1600 px (which also drops EXIF data such as GPS), stored under the instance folder with a random name and
served only through an authorised route — never from static/."""
import hashlib
import io
import secrets
import warnings
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from PIL import Image, ImageFile, ImageOps
from sqlalchemy import func, select

from ..audit.services import record
from ..extensions import db
from .models import Photo

MAX_BYTES = 5 * 1024 * 1024
MAX_SIDE = 1600
MAX_PIXELS = 25_000_000  # a 24-megapixel photo passes; a 6300 × 6300 PNG of 154 KB (620 MB decoded) does not
MAX_PER_ITEM = 3


class PhotoError(ValueError):
    pass


class BrokenImage(PhotoError):
    """A real JPEG/PNG header whose pixels cannot be decoded (truncated): the costly kind of refusal."""


def storage_dir():
    # INSPECTION_UPLOAD_DIR lets a deployment (or a test) put the files elsewhere; never under static/.
    configured = current_app.config.get("INSPECTION_UPLOAD_DIR")
    path = Path(configured) if configured else Path(current_app.instance_path) / "uploads" / "inspections"
    path.mkdir(parents=True, exist_ok=True)
    return path


def file_path(photo):
    return storage_dir() / photo.filename


def _too_many_pixels():
    return PhotoError(_("Ảnh có kích thước điểm ảnh quá lớn (tối đa %(n)s triệu điểm ảnh).", n=MAX_PIXELS // 1_000_000))


def _reencode(data):
    """Image.open reads only the header: the pixel count is checked there, before anything is decoded."""
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS  # Pillow's own guard at the same limit (a warning above it, an error at 2×)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            try:
                im = Image.open(io.BytesIO(data))
            except (Image.DecompressionBombWarning, Image.DecompressionBombError):
                raise _too_many_pixels() from None
        with im:
            if im.format not in ("JPEG", "PNG"):
                raise PhotoError(_("Chỉ nhận ảnh JPEG hoặc PNG."))
            if im.width * im.height > MAX_PIXELS:
                raise _too_many_pixels()
            # WeasyPrint sets Pillow's process-wide LOAD_TRUNCATED_IMAGES on import (a half-sent photo would then
            # be stored with a grey bottom): a photo must be whole, so the flag is off while it is decoded.
            saved, ImageFile.LOAD_TRUNCATED_IMAGES = ImageFile.LOAD_TRUNCATED_IMAGES, False
            try:
                im.load()
            except Exception:  # noqa: BLE001 — truncated or corrupt pixel data
                raise BrokenImage(_("Ảnh bị hỏng hoặc gửi chưa hết (tệp bị cắt ngang).")) from None
            finally:
                ImageFile.LOAD_TRUNCATED_IMAGES = saved
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
    if existing is not None and existing.rejected:
        raise BrokenImage(_("Ảnh bị hỏng hoặc gửi chưa hết (tệp bị cắt ngang)."))
    if existing is not None:
        return existing
    # Truncated images (a header that decodes, pixels that do not) count toward the cap: nobody can make the server decode broken
    # files without end. The caller commits after a PhotoError so the rejected row stays.
    count = db.session.scalar(select(func.count(Photo.id)).where(Photo.inspection_id == inspection.id,
                                                                 Photo.item_id == item.id))
    if count >= MAX_PER_ITEM:
        raise PhotoError(_("Mỗi mục chỉ đính kèm tối đa %(n)s ảnh (kể cả tệp hỏng đã gửi).", n=MAX_PER_ITEM))
    try:
        jpeg, width, height = _reencode(data)
    except BrokenImage:
        db.session.add(Photo(inspection_id=inspection.id, item_id=item.id, sha256=digest, filename="", width=0,
                             height=0, size=len(data), uploaded_by_id=by.id if by else None))
        db.session.flush()
        raise
    name = secrets.token_hex(16) + ".jpg"
    (storage_dir() / name).write_bytes(jpeg)
    photo = Photo(inspection_id=inspection.id, item_id=item.id, sha256=digest, filename=name, width=width,
                  height=height, size=len(jpeg), uploaded_by_id=by.id if by else None)
    db.session.add(photo)
    db.session.flush()
    record(action="inspection.photo", obj=photo, unit=inspection.unit, after={"item_id": item.id, "size": len(jpeg)},
           summary=item.text[:120], user=by)
    return photo

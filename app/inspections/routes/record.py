"""Recording on site: a section of answers per page (a plain form), one answer per tap (htmx), photos.

Only what the person changed since the page was drawn is written: each item carries the signature of the answer it
showed (hidden "o-<item>"); an item someone else changed meanwhile to something else is a conflict, both shown."""
from flask import abort, flash, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ...errors import conflict_page
from ...extensions import db
from ...web import arg_int, render, see_other
from .. import bp, queries, services
from ..forms import parse_answer, typed_answer
from ..photos import PhotoError, file_path, store_photo

bp.add_app_template_global(services.answer_signature, "answer_sig")


def _section_no(sections):
    n = arg_int("s", 1)
    return min(max(n, 1), max(len(sections), 1))


def _record_page(inspection, sections, section_no, typed=None, errors=None, status=200, saved=0):
    answers = queries.answers_for(inspection)
    section = sections[section_no - 1] if sections else None
    photos = queries.photos_for(inspection, [it.id for it in section.items] if section else [])
    done = {s.id: sum(1 for it in s.items if it.id in answers and answers[it.id].answered) for s in sections}
    total = sum(len(s.items) for s in sections)
    return render("inspections/record.html", status=status, inspection=inspection, sections=sections,
                  section=section, section_no=section_no, answers=answers, photos=photos, typed=typed or {},
                  errors=errors or {}, done=done, total=total, answered=sum(done.values()), saved=saved,
                  known=queries.record_values(inspection, section.items) if section else {})


def _answer_conflict(clashes, back):
    """Someone else answered these items differently since the page was drawn: nothing is saved; both answers shown.
    Rendered here rather than raised: "open the newest" goes back to the section (?s=), which no view argument holds."""
    both = [(item.text, services.answer_words(item, theirs), services.answer_words(item, mine))
            for item, theirs, mine in clashes]
    return conflict_page(back, both=both)


def _changes(inspection, section, answers):
    """→ (typed, errors, [(item, values, change)], clashes) for the items of `section` the form sent."""
    typed, errors, todo, clashes = {}, {}, [], []
    for item in section.items:
        if f"a-{item.id}" not in request.form and f"n-{item.id}" not in request.form:
            continue
        values, t, error = parse_answer(item, request.form)
        if error:
            typed[item.id], errors[item.id] = t, error
            continue
        change = services.answer_change(item, values, request.form.get(f"o-{item.id}"), answers.get(item.id))
        if change == "conflict":
            clashes.append((item, answers.get(item.id), values))
        todo.append((item, values, change))
    return typed, errors, todo, clashes


@bp.route("/<int:inspection_id>/record", methods=["GET", "POST"])
def record(inspection_id):
    """Recording on site: one section per page; the whole section saves as a plain form (no JavaScript)."""
    inspection = queries.get_inspection_for(current_user, inspection_id, "record")
    sections = queries.version_sections(inspection.template_version_id)
    section_no = _section_no(sections)
    if request.method == "GET":
        return _record_page(inspection, sections, section_no)
    services.lock_answers(inspection)  # a colleague's save of this inspection waits, then compares with ours
    answers = queries.answers_for(inspection)
    typed, errors, todo, clashes = _changes(inspection, sections[section_no - 1], answers)
    if clashes:
        return _answer_conflict(clashes, url_for("inspections.record", inspection_id=inspection.id, s=section_no))
    saved = 0
    for item, values, change in todo:
        photo = request.files.get(f"p-{item.id}")
        if change == "write":
            saved += services.save_answer(inspection=inspection, item=item, existing=answers.get(item.id),
                                          by=current_user, **values)
        if photo and photo.filename:
            try:
                store_photo(inspection=inspection, item=item, stream=photo.stream, by=current_user)
            except PhotoError as exc:
                typed[item.id], errors[item.id] = typed_answer(item, request.form), str(exc)
    db.session.commit()
    if errors:
        return _record_page(inspection, sections, section_no, typed=typed, errors=errors, status=422, saved=saved)
    flash(_("Đã lưu phần %(n)s.", n=section_no), "success")
    if section_no < len(sections):
        return see_other("inspections.record", inspection_id=inspection.id, s=section_no + 1)
    return see_other("inspections.detail", inspection_id=inspection.id, _anchor="conclusion")


def _row(inspection, item, status=200, typed=None, error=None, saved=False):
    answers = queries.answers_for(inspection)
    progress = queries.progress_for([inspection.id])[inspection.id]
    section = item.section  # the item's number, as on the full page: "section.index"
    code = f"{section.version.sections.index(section) + 1}.{section.items.index(item) + 1}"
    return render("inspections/_row.html", status=status, inspection=inspection, item=item, code=code,
                  answer=answers.get(item.id), photos=queries.photos_for(inspection, [item.id]).get(item.id, []),
                  typed=typed, error=error, saved=saved, progress=progress, can_record=True,
                  known=queries.record_values(inspection, [item]).get(item.id))


def _back_to_item(inspection, item):
    return see_other("inspections.record", inspection_id=inspection.id, s=queries.section_number(inspection, item),
                     _anchor=f"q-{item.id}")


@bp.post("/<int:inspection_id>/items/<int:item_id>")
def save_item(inspection_id, item_id):
    """One tap, one answer (htmx): returns the answer row. Without JavaScript: back to the section."""
    inspection = queries.get_inspection_for(current_user, inspection_id, "record")
    item = queries.get_item_of(inspection, item_id)
    values, typed, error = parse_answer(item, request.form)
    htmx = bool(request.htmx)
    if error:
        if htmx:
            return _row(inspection, item, 422, typed=typed, error=error)
        flash(error, "error")
        return _back_to_item(inspection, item)
    services.lock_answers(inspection)
    existing = queries.answer_now(inspection, item)
    change = services.answer_change(item, values, request.form.get(f"o-{item.id}"), existing)
    if change == "conflict":
        if not htmx:
            return _answer_conflict([(item, existing, values)], url_for("inspections.record", inspection_id=inspection.id))
        db.session.rollback()
        return _row(inspection, item, 409, typed=typed, error=_(
            "Người khác vừa trả lời mục này: “%(theirs)s”. Câu trả lời của bạn (“%(mine)s”) chưa được lưu — "
            "chọn lại nếu vẫn muốn thay.", theirs=services.answer_words(item, existing),
            mine=services.answer_words(item, values)))
    if change == "write":
        services.save_answer(inspection=inspection, item=item, existing=existing, by=current_user, **values)
    db.session.commit()
    if htmx:
        return _row(inspection, item, saved=True)
    return _back_to_item(inspection, item)


@bp.post("/<int:inspection_id>/items/<int:item_id>/photos")
def upload_photo(inspection_id, item_id):
    inspection = queries.get_inspection_for(current_user, inspection_id, "record")
    item = queries.get_item_of(inspection, item_id)
    upload = request.files.get(f"p-{item.id}") or request.files.get("photo")
    htmx = bool(request.htmx)
    try:
        if upload is None or not upload.filename:
            raise PhotoError(_("Chưa chọn ảnh."))
        store_photo(inspection=inspection, item=item, stream=upload.stream, by=current_user)
        db.session.commit()
    except PhotoError as exc:
        db.session.commit()  # a rejected upload is kept as a row that counts toward the cap (nothing else was written)
        if htmx:
            return _row(inspection, item, 422, error=str(exc))
        flash(str(exc), "error")
        return _back_to_item(inspection, item)
    if htmx:
        return _row(inspection, item, saved=True)
    flash(_("Đã lưu ảnh."), "success")
    return _back_to_item(inspection, item)


@bp.get("/photos/<int:photo_id>")
def photo(photo_id):
    p = queries.get_photo_for(current_user, photo_id)
    path = file_path(p)
    if not path.is_file():
        abort(404)
    resp = send_file(path, mimetype="image/jpeg", max_age=0, conditional=True)
    resp.headers["Cache-Control"] = "private, max-age=86400"
    resp.headers["Content-Disposition"] = "inline"
    return resp

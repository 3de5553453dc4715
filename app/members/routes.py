import uuid
from datetime import date

from flask import abort, flash, make_response, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from .. import seams
from ..access import authorize, has_role
from ..errors import ConflictError
from ..extensions import db
from ..units.queries import list_units_in_scope
from ..errors import conflict_page
from ..web import arg_int, page_arg, paginate, render, see_other
from . import bp, exports, importer, permissions, queries, services
from .forms import (AcceptTransferForm, EventForm, ImportForm, MaturityForm, MoveForm, PersonForm, PostForm,
                    RefuseTransferForm, RemovalDecisionForm, SynonymForm, TransferRequestForm, WithdrawTransferForm)
from .models import EVENT_KINDS, MEMBER_TYPES, OCCUPATIONS, PICK_FIELDS, POSTS, SEXES, STATUSES, Person, PickSynonym


def _conflict(endpoint, **values):
    return conflict_page(url_for(endpoint, **values))


def _unit_arg(roles=None):
    unit_id = arg_int("unit", lo=0)
    return queries.get_unit_in_scope(current_user, unit_id, roles) if unit_id is not None else None


# ---- the list -------------------------------------------------------------------------------------------------
@bp.get("/")
def index():
    filters = queries.Filters.from_args(request.args)
    unit = _unit_arg()
    page = queries.paginate_capped(queries.people_stmt(current_user, filters, unit), order=lambda stmt, many: (
        queries.ordered(stmt, sort_matches=bool(filters.q) and not many)))
    base, units = queries.list_choice_units(current_user, unit)
    return render("members/index.html", block="results", page=page, f=filters, unit=unit, base=base, units=units,
                  shown_cid=lambda p: permissions.shown_citizen_id(current_user, p), MEMBER_TYPES=MEMBER_TYPES, STATUSES=STATUSES,
                  can_manage=permissions.can_manage_people_in(current_user, unit))


def _export_title(unit):
    return _("Danh sách đoàn viên, hội viên, thanh niên") + (f" — {unit.name}" if unit else "") + \
        f" ({date.today():%d/%m/%Y})"


@bp.get("/export.csv")
def export_csv():
    filters = queries.Filters.from_args(request.args)
    unit = _unit_arg()
    data = exports.to_csv(current_user, queries.people_stmt(current_user, filters, unit))
    resp = make_response(data)
    resp.headers["Content-Type"] = "text/csv; charset=utf-8"
    resp.headers["Content-Disposition"] = "attachment; filename=danh-sach-doan-vien.csv"
    return resp


@bp.get("/export.xlsx")
def export_xlsx():
    filters = queries.Filters.from_args(request.args)
    unit = _unit_arg()
    data = exports.to_xlsx(current_user, queries.people_stmt(current_user, filters, unit), _export_title(unit))
    resp = make_response(data)
    resp.headers["Content-Type"] = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    resp.headers["Content-Disposition"] = "attachment; filename=danh-sach-doan-vien.xlsx"
    return resp


# ---- create and edit ----------------------------------------------------------------------------------------
@bp.route("/new", methods=["GET", "POST"])
def create():
    unit = _unit_arg()
    if unit is None or unit.level not in ("commune", "branch"):
        # Pick the commune or branch first: drill down from the user's units.
        _base, units = queries.list_choice_units(current_user, unit)
        return render("members/pick_unit.html", unit=unit, units=units)
    authorize(permissions.can_add_person(current_user, unit))
    branches = [unit] if unit.level == "branch" else queries.branches_of(unit.id)
    form = PersonForm(branches=branches)
    if request.method == "GET":
        form.form_token.data = uuid.uuid4().hex
        form.branch.data = str(branches[0].id) if len(branches) == 1 else None
    status = 200
    if form.is_submitted() and not request.form.get("_validate"):
        done = services.find_by_form_token(form.form_token.data)
        if done is not None:  # the twin of a double tap: the person exists, show it (before validation says "duplicate")
            return see_other("members.detail", person_id=done.id)
    if form.is_submitted():
        ok = form.validate()
        if ok and not request.form.get("_validate"):
            branch = next(b for b in branches if str(b.id) == str(form.branch.data))
            data = {k: getattr(form, k).data for k in services.EDIT_FIELDS}
            try:
                done, _new = services.create_person(branch=branch, form_token=form.form_token.data, **data)
                db.session.commit()
            except IntegrityError:  # the twin of a double tap won the race (unique form_token): show the one person
                db.session.rollback()
                done = services.find_by_form_token(form.form_token.data)
                if done is None:
                    raise
            flash(_("Đã thêm %(name)s vào sổ.", name=done.full_name), "success")
            if done.over_union_age:
                flash(_("%(name)s đã quá 30 tuổi: đến tuổi trưởng thành Đoàn, không tính vào số đoàn viên.",
                        name=done.full_name), "warning")
            return see_other("members.detail", person_id=done.id)
        status = 200 if ok else 422
    return render("members/form.html", block="form", status=status, form=form, person=None, unit=unit,
                  ancestors=queries.ancestors_of(unit))


@bp.route("/<int:person_id>/edit", methods=["GET", "POST"])
def edit(person_id):
    person = queries.get_person_for(current_user, person_id, "edit")
    form = PersonForm(obj=person, person=person)
    status = 200
    if form.is_submitted():
        ok = form.validate()
        if ok and not request.form.get("_validate"):
            data = {k: getattr(form, k).data for k in services.EDIT_FIELDS}
            try:
                services.update_person(person=person, expected_version=form.version.data, **data)
            except ConflictError:
                return _conflict("members.edit", person_id=person_id)
            db.session.commit()
            flash(_("Đã lưu thay đổi."), "success")
            return see_other("members.detail", person_id=person.id)
        status = 200 if ok else 422
    return render("members/form.html", block="form", status=status, form=form, person=person, unit=person.unit,
                  ancestors=queries.ancestors_of(person.unit))


# ---- the person page ----------------------------------------------------------------------------------------
@bp.get("/<int:person_id>")
def detail(person_id):
    person = queries.get_person_for(current_user, person_id, "view")
    can_edit = permissions.can_edit_person(current_user, person)
    transfers = queries.person_transfers(person)
    pending = any(tr.status == "requested" for tr in transfers)
    return render(
        "members/detail.html", person=person, ancestors=queries.ancestors_of(person.unit),
        # the page's sections, members' own and those other domains add (the five criteria, attendance, dues, classes)
        sections=seams.panels(seams.PERSON_PAGE, person, current_user),
        history=queries.person_history(person), posts=queries.current_posts([person.id]).get(person.id, {}),
        transfers=transfers,
        citizen_id=permissions.shown_citizen_id(current_user, person),
        can_edit=can_edit, can_transfer=permissions.can_transfer_person(current_user, person),
        event_kinds=[k for k in services.HISTORY_KINDS if services.event_allowed(person, k)
                     and (k == "confirmed" or not pending)] if can_edit else [],
        EVENT_KINDS=EVENT_KINDS, POSTS=POSTS, SEXES=SEXES, OCCUPATIONS=OCCUPATIONS,
    )


def _pending_transfer(person, transfer):
    """While another commune decides on a transfer request, the person's record stays as sent."""
    flash(_("%(name)s đang có đề nghị chuyển sinh hoạt đến %(c)s. Hãy chờ trả lời hoặc rút đề nghị trước.",
            name=person.full_name, c=transfer.to_commune.name), "warning")
    return see_other("members.transfer_detail", transfer_id=transfer.id)


@bp.route("/<int:person_id>/event/<event_kind>", methods=["GET", "POST"])
def event(person_id, event_kind):
    person = queries.get_person_for(current_user, person_id, "event")
    if event_kind not in services.HISTORY_KINDS:
        abort(404)
    pending = services.open_transfer(person) if event_kind != "confirmed" else None
    if pending is not None:
        return _pending_transfer(person, pending)
    form = EventForm(obj=person, kind=event_kind, person=person)
    if request.method == "GET":
        form.on.data = date.today()
    if form.validate_on_submit():
        try:
            services.record_event(person=person, kind=event_kind, on=form.on.data, reason=form.reason.data,
                                  detail=form.detail.data, expected_version=form.version.data)
        except services.EventNotAllowed:
            db.session.rollback()
            flash(_("Không ghi được: tình trạng hiện tại của %(name)s là “%(s)s”.", name=person.full_name,
                    s=person.status_label), "warning")
            return see_other("members.detail", person_id=person_id)
        except ConflictError:
            return _conflict("members.event", person_id=person_id, event_kind=event_kind)
        db.session.commit()
        flash(_("Đã ghi: %(k)s.", k=EVENT_KINDS[event_kind]), "success")
        return see_other("members.detail", person_id=person_id)
    return render("members/event.html", status=422 if form.errors else 200, form=form, person=person,
                  kind=event_kind, kind_label=EVENT_KINDS[event_kind], allowed=services.event_allowed(person, event_kind),
                  ancestors=queries.ancestors_of(person.unit))


@bp.route("/<int:person_id>/posts", methods=["GET", "POST"])
def posts(person_id):
    person = queries.get_person_for(current_user, person_id, "event")
    form = PostForm()
    if request.method == "GET":
        form.on.data = date.today()
    if form.validate_on_submit():
        if form.action.data == "end":
            services.end_post(person=person, post=form.post.data, on=form.on.data)
        elif person.on_roll:
            services.start_post(person=person, post=form.post.data, on=form.on.data)
        db.session.commit()
        flash(_("Đã ghi chức vụ."), "success")
        return see_other("members.detail", person_id=person_id)
    return render("members/posts.html", status=422 if form.errors else 200, form=form, person=person,
                  current=queries.current_posts([person.id]).get(person.id, {}), POSTS=POSTS,
                  ancestors=queries.ancestors_of(person.unit))


# ---- transfers ----------------------------------------------------------------------------------------------
@bp.route("/<int:person_id>/transfer", methods=["GET", "POST"])
def transfer(person_id):
    person = queries.get_person_for(current_user, person_id, "transfer")
    commune = person.unit.parent
    # Only into branches the user may edit: a branch officer cannot place people in a sibling branch.
    move = MoveForm(obj=person, branches=[b for b in queries.branches_of(commune.id) if b.id != person.unit_id
                                          and permissions.can_add_person(current_user, b)], prefix="move")
    req = TransferRequestForm(communes=queries.communes_of_province(commune, exclude_id=commune.id), prefix="req")
    if request.method == "GET":
        move.on.data = req.on.data = date.today()
        req.form_token.data = uuid.uuid4().hex
    open_request = services.open_transfer(person)
    mode = request.form.get("mode")
    if request.method == "POST" and mode == "move" and request.form.get("move-branch") == str(person.unit_id):
        return see_other("members.detail", person_id=person_id)  # already there: a repeated submit
    if request.method == "POST" and mode == "move" and open_request is not None:
        return _pending_transfer(person, open_request)
    if request.method == "POST" and mode == "move" and move.validate():
        branch = db.session.get(type(person.unit), int(move.branch.data))
        try:
            services.transfer_within_commune(person=person, branch=branch, on=move.on.data, reason=move.reason.data,
                                             expected_version=move.version.data)
        except ConflictError:
            return _conflict("members.transfer", person_id=person_id)
        db.session.commit()
        flash(_("Đã chuyển %(name)s sang %(b)s.", name=person.full_name, b=branch.name), "success")
        return see_other("members.detail", person_id=person_id)
    token = (req.form_token.data or None) if mode == "request" else None
    if request.method == "POST" and mode == "request" and open_request is not None and open_request.form_token != token:
        return _pending_transfer(person, open_request)  # someone else's request is open
    if request.method == "POST" and mode == "request" and (open_request is not None or req.validate()):
        tr = open_request  # the same form sent again: answer as the first time
        if tr is None:
            to = db.session.get(type(person.unit), int(req.to_commune.data))
            tr = services.request_transfer(person=person, to_commune=to, on=req.on.data, reason=req.reason.data,
                                           form_token=token)
            if tr.form_token != token:  # a different form won the race a moment ago
                db.session.rollback()
                return _pending_transfer(person, services.open_transfer(person))
            db.session.commit()
        flash(_("Đã gửi đề nghị chuyển sinh hoạt đến %(c)s.", c=tr.to_commune.name), "success")
        return see_other("members.detail", person_id=person_id)
    status = 422 if (move.errors or req.errors) else 200
    return render("members/transfer.html", status=status, person=person, move=move, req=req, open_request=open_request,
                  ancestors=queries.ancestors_of(person.unit))


@bp.get("/transfers")
def transfers():
    incoming, outgoing = queries.transfers_for(current_user, status=request.args.get("status", "requested") or None)
    return render("members/transfers.html", incoming=incoming, outgoing=outgoing,
                  shown=request.args.get("status", "requested"))


@bp.route("/transfers/<int:transfer_id>", methods=["GET", "POST"])
def transfer_detail(transfer_id):
    action = request.form.get("action")
    tr = queries.get_transfer_for(current_user, transfer_id, "view" if request.method == "GET" else
                                  "withdraw" if action == "withdraw" else "decide")
    can_decide = permissions.can_decide_transfer(current_user, tr)
    accept = AcceptTransferForm(obj=tr, branches=queries.branches_of(tr.to_commune_id) if can_decide else [],
                                prefix="accept")
    refuse = RefuseTransferForm(obj=tr, prefix="refuse")
    withdraw = WithdrawTransferForm(obj=tr, prefix="withdraw")
    try:
        if request.method == "POST" and action == "accept" and accept.validate():
            branch = db.session.get(type(tr.to_commune), int(accept.branch.data))
            services.accept_transfer(transfer=tr, branch=branch, expected_version=accept.version.data)
            db.session.commit()
            flash(_("Đã tiếp nhận %(name)s vào %(b)s.", name=tr.person.full_name, b=branch.name), "success")
            return see_other("members.transfer_detail", transfer_id=tr.id)
        if request.method == "POST" and action == "refuse" and refuse.validate():
            services.refuse_transfer(transfer=tr, reason=refuse.refusal_reason.data, expected_version=refuse.version.data)
            db.session.commit()
            flash(_("Đã từ chối đề nghị chuyển sinh hoạt."), "success")
            return see_other("members.transfer_detail", transfer_id=tr.id)
        if request.method == "POST" and action == "withdraw" and withdraw.validate():
            services.withdraw_transfer(transfer=tr, reason=withdraw.withdrawal_reason.data,
                                       expected_version=withdraw.version.data)
            db.session.commit()
            flash(_("Đã rút đề nghị chuyển sinh hoạt."), "success")
            return see_other("members.transfer_detail", transfer_id=tr.id)
    except ConflictError:
        return _conflict("members.transfer_detail", transfer_id=transfer_id)
    status = 422 if request.method == "POST" else 200
    return render("members/transfer_detail.html", status=status, tr=tr, accept=accept, refuse=refuse, withdraw=withdraw,
                  can_decide=can_decide, can_withdraw=permissions.can_withdraw_transfer(current_user, tr),
                  can_view_person=permissions.can_view_person(current_user, tr.person))


# ---- maturity and removal ---------------------------------------------------------------------------------------
@bp.route("/maturity", methods=["GET", "POST"])
def maturity():
    unit = _unit_arg(permissions.OFFICER)
    form = MaturityForm()
    if request.method == "GET":
        form.on.data = date.today()
    chosen = [int(x) for x in request.form.getlist("person") if x.isdigit()]
    if form.validate_on_submit():
        people = [p for p in queries.people_for_ids(chosen) if permissions.can_record_event(current_user, p)]
        if not people:
            form.on.errors = [_("Hãy đánh dấu ít nhất một người.")]
        else:
            done = services.mature_people(people=people, on=form.on.data, reason=form.reason.data)
            db.session.commit()
            flash(_("Đã ghi trưởng thành cho %(n)s người.", n=len(done)), "success")
            return redirect(url_for("members.maturity", unit=unit.id if unit else None), code=303)
    page = paginate(queries.maturity_stmt(current_user, unit), per_page=100)
    return render("members/maturity.html", status=422 if form.errors else 200, form=form, page=page, unit=unit,
                  chosen=set(chosen), year=date.today().year,
                  can_manage=permissions.can_manage_people_in(current_user, unit))


@bp.get("/removal")
def removal():
    unit = _unit_arg(permissions.OFFICER)
    page = paginate(queries.removal_stmt(current_user, unit))
    return render("members/removal.html", page=page, unit=unit,
                  can_manage=permissions.can_manage_people_in(current_user, unit))


@bp.route("/<int:person_id>/removal", methods=["GET", "POST"])
def removal_decision(person_id):
    person = queries.get_person_for(current_user, person_id, "event")
    form = RemovalDecisionForm()
    if request.method == "GET":
        form.on.data = date.today()
    if form.validate_on_submit():
        try:
            services.decide_removal(person=person, remove=form.decision.data == "remove", on=form.on.data,
                                    reason=form.reason.data)
        except services.EventNotAllowed:
            db.session.rollback()
            flash(_("%(name)s không còn trong danh sách sinh hoạt.", name=person.full_name), "warning")
            return see_other("members.removal")
        db.session.commit()
        flash(_("Đã ghi quyết định cho %(name)s.", name=person.full_name), "success")
        return see_other("members.removal")
    return render("members/removal_decision.html", status=422 if form.errors else 200, form=form, person=person,
                  ancestors=queries.ancestors_of(person.unit))


# ---- import ---------------------------------------------------------------------------------------------------
def _import_units():
    unit = _unit_arg(permissions.OFFICER)
    if unit is not None:
        authorize(permissions.can_import_into(current_user, unit))
        return unit, [unit]
    return None, list_units_in_scope(current_user, permissions.OFFICER, levels=("commune", "branch"), limit=200)


@bp.route("/import", methods=["GET", "POST"])
def import_upload():
    unit, units = _import_units()
    form = ImportForm(units=units)
    if unit is not None and request.method == "GET":
        form.unit.data = str(unit.id)
    if form.validate_on_submit():
        target = next(u for u in units if str(u.id) == str(form.unit.data))
        upload = form.file.data
        try:
            batch = importer.create_batch(unit=target, filename=upload.filename, data=upload.read(), user=current_user)
        except importer.ImportFileError as exc:
            form.file.errors = [str(exc)]
        else:
            db.session.commit()
            return see_other("members.import_preview", batch_id=batch.id)
    return render("members/import.html", status=422 if form.errors else 200, form=form, unit=unit,
                  can_synonyms=permissions.can_manage_synonyms(current_user))


@bp.get("/import/template.xlsx")
def import_template():
    unit = _unit_arg()
    branches = []
    if unit is not None:
        branches = [unit] if unit.level == "branch" else queries.branches_of(unit.id)
    resp = make_response(importer.template_xlsx(branches))
    resp.headers["Content-Type"] = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    resp.headers["Content-Disposition"] = "attachment; filename=mau-danh-sach-doan-vien.xlsx"
    return resp


def _preview(batch, results, status=200):
    show = request.args.get("show", "error" if batch.counts.get("error") else "all")
    rows = [r for r in results if show == "all" or r["action"] == show]
    page = page_arg()
    per = 50
    from ..web import Page

    view = Page(rows[(page - 1) * per: page * per], len(rows), page, per)
    return render("members/import_preview.html", status=status, batch=batch, page=view, show=show)


@bp.get("/import/<int:batch_id>")
def import_preview(batch_id):
    batch = queries.get_import_for(current_user, batch_id)
    return _preview(batch, batch.payload.get("results", []))


@bp.post("/import/<int:batch_id>/confirm")
def import_confirm(batch_id):
    batch = queries.get_import_for(current_user, batch_id)
    authorize(permissions.can_import_into(current_user, batch.unit))
    if batch.status != "preview" or not importer.claim(batch):
        db.session.rollback()
        flash(_("Tệp này đã được nhập rồi; không nhập lại lần nữa."), "info")
        return see_other("members.import_preview", batch_id=batch_id)
    results, counts, ok = importer.apply(batch=batch, user=current_user, valid_only=request.form.get("valid_only") == "1")
    if not ok:
        # Something changed since the preview: write nothing, show the rows again with the new reasons.
        db.session.rollback()
        batch = queries.get_import_for(current_user, batch_id)
        batch.payload = dict(batch.payload, results=results)
        batch.counts = dict(batch.counts, **counts)
        db.session.commit()
        flash(_("Dữ liệu đã thay đổi từ lúc xem trước: còn %(n)s dòng lỗi, chưa ghi dòng nào.", n=counts["error"]), "error")
        return _preview(batch, results, status=422)
    db.session.commit()
    flash(_("Đã nhập: %(new)s người mới, %(upd)s người cập nhật.", new=counts["new"], upd=counts["update"]), "success")
    if counts["error"]:
        flash(_("%(n)s dòng lỗi chưa được nhập: tải về, sửa rồi nhập lại.", n=counts["error"]), "warning")
    return see_other("members.import_preview", batch_id=batch_id)


@bp.get("/import/<int:batch_id>/errors.xlsx")
def import_errors(batch_id):
    batch = queries.get_import_for(current_user, batch_id)
    resp = make_response(importer.errors_xlsx(batch))
    resp.headers["Content-Type"] = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    resp.headers["Content-Disposition"] = f"attachment; filename=dong-loi-{batch.id}.xlsx"
    return resp


# ---- pick-list synonyms for imports -----------------------------------------------------------------------------
@bp.route("/import/synonyms", methods=["GET", "POST"])
def import_synonyms():
    """Admins of a province extend how imports read pick lists ("Học sinh" → Học sinh, sinh viên)."""
    authorize(permissions.can_manage_synonyms(current_user))
    if request.method == "POST" and request.form.get("action") == "retire":
        syn = db.get_or_404(PickSynonym, request.form.get("id", type=int) or 0)
        services.retire_synonym(synonym=syn, by=current_user)
        db.session.commit()
        flash(_("Đã bỏ cách ghi “%(t)s”.", t=syn.text), "success")
        return see_other("members.import_synonyms")
    form = SynonymForm()
    if form.validate_on_submit():
        field = form.field.data
        if field in importer.CODED:  # the meaning must be a value of the list (typed any known way)
            value = importer.synonyms()[field].get(importer.pick_key(form.value.data))
            if value is None:
                form.value.errors = [_("“%(v)s” không có trong danh mục %(f)s: %(list)s.", v=form.value.data,
                                       f=PICK_FIELDS[field], list=" · ".join(str(x) for x in importer.CODED[field].values()))]
        else:
            value = importer.synonyms()[field].get(importer.pick_key(form.value.data), form.value.data.strip())
        if not form.value.errors:
            services.add_synonym(field=field, text=form.text.data, value=value, by=current_user)
            db.session.commit()
            flash(_("Đã thêm cách ghi “%(t)s”.", t=form.text.data.strip()), "success")
            return see_other("members.import_synonyms")
    return render("members/synonyms.html", status=422 if form.errors else 200, form=form, rows=importer.admin_synonyms(),
                  PICK_FIELDS=PICK_FIELDS, builtin=importer.BUILTIN_SYNONYMS, shown=importer.shown_value)

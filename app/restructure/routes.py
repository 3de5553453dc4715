"""Routes of the restructuring under /units/restructure: the starting page, one form per operation (merge, split,
move, dissolve a level), the preview every form leads to (a POST answered 200, nothing written), the confirm (the
same form sent again with the preview's fingerprint and a form token: 303 to the operation's page), the operation's
page with its moves, its undo and the resume of a stopped one."""
import uuid

from flask import abort, current_app, flash, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from ..access import authorize
from ..auth.models import ROLES
from ..extensions import db
from ..units.queries import get_ancestors, get_unit, list_root_units, unit_from_args
from ..web import paginate, render, see_other
from . import bp, permissions, plans, queries, services
from .forms import DissolveForm, MergeForm, MoveForm, SplitForm, UndoForm
from .models import MOVE_KINDS

# The preview's numbers (plan.counts) beside what was moved (op.moved), in this order.
COUNT_LABELS = {
    "units": _l("Đơn vị chuyển"),
    "units_below": _l("Đơn vị (kể cả cấp dưới) đổi vị trí"),
    "people": _l("Người theo đơn vị chuyển"),
    "on_roll": _l("Trong đó còn sinh hoạt"),
    "people_moved": _l("Người chuyển chi đoàn"),
    "actions": _l("Việc khắc phục còn mở chuyển giao"),
    "grants": _l("Quyền tài khoản"),
    "targets": _l("Chỉ tiêu cộng vào đơn vị kế thừa"),
    "closed": _l("Đơn vị thôi hoạt động"),
    "created": _l("Đơn vị mới"),
    "renamed": _l("Đơn vị đổi mã, tên"),
    "reopened": _l("Đơn vị hoạt động lại"),
}
STAYS_LABELS = {
    "classes": _l("Lớp học ở lại với đơn vị thôi hoạt động"),
    "inspections": _l("Cuộc kiểm tra ở lại với đơn vị thôi hoạt động"),
    "classes_moving": _l("Lớp học theo đơn vị chuyển"),
    "inspections_moving": _l("Cuộc kiểm tra theo đơn vị chuyển"),
}


def _unit_for(unit_id, parent=False):
    """Load, then authorise: the admin of the chosen unit (for a split or a move, of its parent: the new sibling or
    the moved unit's old place is there)."""
    unit = get_unit(unit_id)
    if unit is None:
        abort(404)
    authorize(permissions.can_restructure(current_user, unit.parent if parent and unit.parent else unit))
    return unit


def _unit_from_query():
    unit = unit_from_args(current_user, "admin", strict=True)
    if unit is None:
        abort(404)
    authorize(permissions.can_restructure(current_user, unit))
    return unit


@bp.get("/")
def index():
    unit = unit_from_args(current_user, "admin")
    roots = [] if unit is not None else list_root_units(current_user, "admin")
    if unit is None and not roots:
        abort(403)
    return render("restructure/index.html", block="ops", unit=unit, roots=roots,
                  ancestors=get_ancestors(unit) + [unit] if unit else [],
                  can_restructure=unit is not None and permissions.can_restructure(current_user, unit),
                  page=paginate(queries.ops_stmt(current_user, unit)))


@bp.route("/merge", methods=["GET", "POST"])
def merge():
    unit = _unit_from_query()
    form = MergeForm(unit=unit, children=queries.active_children(unit))
    return _operate("merge", form, unit)


@bp.route("/split/<int:unit_id>", methods=["GET", "POST"])
def split(unit_id):
    unit = _unit_for(unit_id, parent=True)
    children = queries.active_children(unit)
    people = queries.people_on_roll(unit) if unit.level == "branch" else []
    form = SplitForm(unit=unit, children=children, people=people)
    return _operate("split", form, unit, many_people=len(people) >= queries.PEOPLE_LIMIT)


@bp.route("/move/<int:unit_id>", methods=["GET", "POST"])
def move(unit_id):
    unit = _unit_for(unit_id, parent=True)
    form = MoveForm(unit=unit, parents=queries.possible_parents(current_user, unit))
    return _operate("move", form, unit)


@bp.route("/dissolve", methods=["GET", "POST"])
def dissolve():
    unit = _unit_from_query()
    form = DissolveForm(unit=unit, children=queries.active_children(unit, exclude_levels=("branch",)))
    if request.method == "GET" and request.args.get("all") == "1":
        form.units.data = [c.data for c in form.units]  # "chọn tất cả" without JavaScript: the list pre-ticked
    return _operate("dissolve", form, unit)


def _operate(kind, form, unit, **ctx):
    """The one flow of every operation: the form (GET, or a POST with errors: 422), the preview (a valid POST: 200,
    nothing written), the confirm (action=confirm with the preview's fingerprint: applied, 303 to its page)."""
    action = request.form.get("action")
    ctx.update(kind=kind, unit=unit, ancestors=get_ancestors(unit) + [unit])
    if request.method == "POST" and action == "confirm":
        done = queries.op_of_token(form.form_token.data)
        if done is not None and permissions.can_view_op(current_user, done):
            return see_other("restructure.op", op_id=done.id)  # a double tap: the operation the first one made
    if request.method == "POST" and action != "edit" and form.validate_on_submit():
        plan = plans.rebuild(current_user, kind, form.params(), **form.common())
        message = None
        if action == "confirm":
            if plan.fingerprint != form.fingerprint.data:
                message = CHANGED
            elif plan.ok:
                again = lambda: plans.rebuild(current_user, kind, form.params(), **form.common())  # noqa: E731
                done, plan, message = _apply(plan, form.form_token.data, again)
                if done is not None:
                    return done
        form.fingerprint.data, form.form_token.data = plan.fingerprint, uuid.uuid4().hex
        return render("restructure/preview.html", block="preview", status=200, form=form, plan=plan, message=message,
                      action_url=request.full_path.rstrip("?"), **_preview_context(plan), **ctx)
    if request.method == "POST" and action == "confirm":  # a confirm whose choices are gone: someone acted first
        flash(_("Các đơn vị đã chọn đã thay đổi từ lúc xem trước — có thể vừa có một thao tác sắp xếp khác (xem "
                "danh sách thao tác). Hãy xem lại."), "warning")
    return render(f"restructure/{kind}.html", block="form", status=200 if action == "edit" else None, form=form,
                  **ctx)


def _preview_context(plan):
    grant_units = queries.units_by_id([g.unit_id for g, _u, _to in plan.grants])
    return {"count_labels": COUNT_LABELS, "stays_labels": STAYS_LABELS, "grant_units": grant_units, "roles": ROLES}


CHANGED = _l("Số liệu đã thay đổi từ lúc xem trước. Hãy xem lại rồi xác nhận lần nữa.")


def _apply(plan, token, recheck):
    """(the 303 to the operation's page, None, None) — or (None, the plan to preview again, why) when another
    operation on these units is still running, or the records changed under the lock (two admins at once)."""
    try:
        op = services.apply(plan, by=current_user, form_token=token or None, recheck=recheck)
    except IntegrityError:  # the same confirm twice at once: the other request made the operation
        db.session.rollback()
        op = queries.op_of_token(token)
        if op is None:
            raise
        return see_other("restructure.op", op_id=op.id), None, None
    except services.Busy as busy:
        db.session.rollback()
        return None, plan, _("Thao tác #%(id)s (%(kind)s · %(decision)s) đang thực hiện trên một số đơn vị này; hãy chờ "
                             "nó xong hoặc cho nó tiếp tục rồi xem lại.", id=busy.op.id, kind=busy.op.kind_label,
                             decision=busy.op.decision)
    except services.PlanChanged as changed:
        db.session.rollback()
        return None, changed.plan, str(CHANGED)
    if op.status == "applied":
        flash(_("Đã thực hiện: %(kind)s · %(decision)s.", kind=op.kind_label, decision=op.decision), "success")
    elif op.status == "failed":
        flash(_("Thao tác bị dừng giữa chừng; xem lỗi bên dưới."), "error")
    elif op.status == "running":
        flash(_("Thao tác lớn đang chạy nền; trang này tự cập nhật tiến độ."), "info")
    return see_other("restructure.op", op_id=op.id), None, None


@bp.get("/ops/<int:op_id>", endpoint="op")
def op_page(op_id):
    op = queries.get_op_for(current_user, op_id)
    kind = request.args.get("kind")
    kind = kind if kind in MOVE_KINDS else None
    page = paginate(queries.moves_stmt(op, kind))
    return render("restructure/op.html", block="moves", op=op, page=page, kind=kind,
                  names=queries.names_for_moves(page.items), move_counts=queries.move_counts(op),
                  count_labels=COUNT_LABELS, roles=ROLES,
                  ancestors=get_ancestors(op.scope_unit) + [op.scope_unit],
                  can_undo=permissions.can_undo(current_user, op), can_resume=permissions.can_resume(current_user, op))


@bp.route("/ops/<int:op_id>/undo", methods=["GET", "POST"])
def undo(op_id):
    op = queries.get_op_for(current_user, op_id, "manage")
    form = UndoForm()
    message = None
    if request.method == "POST":
        done = queries.op_of_token(form.form_token.data)
        if done is not None and permissions.can_view_op(current_user, done):
            return see_other("restructure.op", op_id=done.id)
        if form.validate_on_submit():
            plan = plans.undo(current_user, op)
            if plan.fingerprint != form.fingerprint.data:
                message = CHANGED
            elif plan.ok:
                done, _plan, message = _apply(plan, form.form_token.data, lambda: plans.undo(current_user, op))
                if done is not None:
                    return done
    plan = plans.undo(current_user, op)
    form.fingerprint.data, form.form_token.data = plan.fingerprint, uuid.uuid4().hex
    return render("restructure/undo.html", status=200, op=op, form=form, plan=plan, message=message,
                  count_labels=COUNT_LABELS, ancestors=get_ancestors(op.scope_unit) + [op.scope_unit])


@bp.post("/ops/<int:op_id>/resume")
def resume(op_id):
    op = queries.get_op_for(current_user, op_id, "manage")
    if not permissions.can_resume(current_user, op):
        flash(_("Thao tác này không bị dừng; không cần tiếp tục."), "warning")
        return see_other("restructure.op", op_id=op.id)
    people = (op.preview or {}).get("people", 0)
    if people > current_app.config.get("RESTRUCTURE_INLINE_PEOPLE", 20000):
        services.run_in_background(op.id, by_id=current_user.id)
    else:
        op = services.run(op.id, by_id=current_user.id)
        if op.status == "applied":
            flash(_("Đã thực hiện xong."), "success")
    return see_other("restructure.op", op_id=op_id)

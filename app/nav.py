"""The main menu: (endpoint, label, role that sees it). An endpoint not registered is skipped."""
from flask import current_app, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from .access import scope_paths

NAV = (
    ("units.index", _l("Đơn vị"), None),
    ("members.index", _l("Đoàn viên"), None),
    ("activities.index", _l("Sinh hoạt"), None),
    ("classes.index", _l("Lớp học"), None),
    ("inspections.index", _l("Kiểm tra"), None),
    ("review.index", _l("Rà soát"), None),
    ("targets.index", _l("Chỉ tiêu"), None),
    ("year.index", _l("Tổng kết"), None),
    ("auth.users", _l("Tài khoản"), "admin"),
    ("audit.index", _l("Nhật ký"), "admin"),
)


def nav_items():
    here = request.endpoint and request.endpoint.split(".")[0]
    items = []
    for endpoint, label, role in NAV:
        if endpoint not in current_app.view_functions:
            continue
        if role and not scope_paths(current_user, role):
            continue
        items.append((endpoint, label, here == endpoint.split(".")[0]))
    return items


def init_nav(app):
    app.jinja_env.globals.update(nav_items=nav_items)

"""Helpers the inspection route modules share."""
from flask import current_app, url_for
from flask_login import current_user

from ...units.queries import get_unit_for
from ...web import arg_int


def unit_arg(name="unit"):
    """?unit=: None when absent; 404 when no such unit, 403 when outside the user's units."""
    uid = arg_int(name)
    if not uid:
        return None
    return get_unit_for(current_user, uid, "view")


def classes_link(class_id):
    """The supervised class's attendance log (a page of the classes domain)."""
    if not class_id:
        return None
    if "classes.attendance_log" in current_app.view_functions:
        return url_for("classes.attendance_log", class_id=class_id)
    return f"/classes/{class_id}/attendance-log"

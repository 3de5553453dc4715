"""Helpers the inspection route modules share."""
from flask import current_app, url_for


def classes_link(class_id):
    """The supervised class's attendance log (a page of the classes domain)."""
    if not class_id:
        return None
    if "classes.attendance_log" in current_app.view_functions:
        return url_for("classes.attendance_log", class_id=class_id)
    return f"/classes/{class_id}/attendance-log"

"""What several of the registry's route modules share."""
from flask import flash, make_response
from flask_babel import gettext as _
from flask_login import current_user

from ...units.queries import unit_from_args
from ...web import see_other

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def unit_arg(roles=None):
    """The unit a page is narrowed to (?unit=): 404 when missing, 403 outside the user's subtrees for `roles`."""
    return unit_from_args(current_user, roles, strict=True)


def download(data, content_type, filename):
    """A file to save (an export, a template, the rows to fix)."""
    resp = make_response(data)
    resp.headers["Content-Type"] = content_type
    resp.headers["Content-Disposition"] = f"attachment; filename={filename}"
    return resp


def pending_transfer(person, transfer):
    """While another commune decides on a transfer request, the person's record stays as sent."""
    flash(_("%(name)s đang có đề nghị chuyển sinh hoạt đến %(c)s. Hãy chờ trả lời hoặc rút đề nghị trước.",
            name=person.full_name, c=transfer.to_commune.name), "warning")
    return see_other("members.transfer_detail", transfer_id=transfer.id)

from flask import Blueprint

bp = Blueprint("inspections", __name__, url_prefix="/inspections")

from . import routes  # noqa: E402,F401
from .numbers import format_number  # noqa: E402

bp.add_app_template_filter(format_number, "number_answer")
from .models import ACTION_FILTERS, CHOICES, INSPECTED  # noqa: E402

# labels the templates show, said once
bp.add_app_template_global(CHOICES, "ANSWER_CHOICES")
bp.add_app_template_global(ACTION_FILTERS, "ACTION_FILTERS")
bp.add_app_template_global(INSPECTED, "COMMUNE_INSPECTED")
from ..panels import register_unit_panel  # noqa: E402


def _unit_panel(unit, user):
    from .queries import unit_panel

    return unit_panel(unit, user)


register_unit_panel("inspections/_unit_panel.html", _unit_panel, order=40)

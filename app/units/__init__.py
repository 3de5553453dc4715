from flask import Blueprint

bp = Blueprint("units", __name__, url_prefix="/units")

from . import routes  # noqa: E402,F401
from .models import LEVELS  # noqa: E402

# labels the templates show, said once
bp.add_app_template_global(LEVELS, "UNIT_LEVELS")

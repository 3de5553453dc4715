from flask import Blueprint

bp = Blueprint("units", __name__, url_prefix="/units")

from . import routes  # noqa: E402,F401

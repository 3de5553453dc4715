"""Restructuring the tree: merge, split, move and dissolve a level (app.restructure.plans previews, .services
applies and undoes), with the history that lets figures be computed as of any date along the tree as it was then
(app.restructure.asof). Last in the layer order: it moves the records of every domain."""
from flask import Blueprint
from flask_babel import lazy_gettext as _l

from .. import seams

bp = Blueprint("restructure", __name__, url_prefix="/units/restructure")

from ..units.models import STATUSES as UNIT_STATUSES  # noqa: E402
from . import queries, routes, routes_asof  # noqa: E402,F401  (routes use bp: the named cycle)
from .models import KINDS, MOVE_KINDS, STATUSES  # noqa: E402

for _name, _labels in {"RESTRUCTURE_KINDS": KINDS, "RESTRUCTURE_MOVES": MOVE_KINDS,
                       "RESTRUCTURE_STATUSES": STATUSES}.items():
    bp.add_app_template_global(_labels, _name)

# ---- what this domain adds to the pages of others (app/seams.py) ---------------------------------------------------
seams.register(seams.UNIT_PAGE, seams.Panel("restructure/_unit_panel.html", queries.unit_panel, order=90))
seams.register(seams.UNIT_PAGE, seams.Panel("restructure/_asof_panel.html", routes_asof.unit_panel, order=95))
seams.register(seams.YEAR_REPORT, seams.Panel("restructure/_asof_year.html", order=50))
# how the audit log reads a unit closed or reopened by a restructuring (its own field name: "closed" and "merged" mean
# other things in other domains' status fields)
seams.register(seams.LABELS, seams.Labels("restructure", fields={"unit_status": _l("Tình trạng đơn vị"),
                                                                   "close_reason": _l("Lý do")},
                                          values={"unit_status": UNIT_STATUSES}))

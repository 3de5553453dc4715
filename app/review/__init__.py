"""The March door-to-door review (rà soát "đi từng ngõ, gõ từng nhà") as a campaign, under /review."""
from flask import Blueprint
from flask_babel import lazy_gettext as _l

from .. import seams

bp = Blueprint("review", __name__, url_prefix="/review")

from . import panels, routes  # noqa: E402,F401  (routes use bp: the named cycle)
from .models import APPLIES, OUTCOMES, OUTCOMES_SHORT, POSTS  # noqa: E402

# ---- what this domain adds to the pages of others (app/seams.py) ---------------------------------------------------
seams.register(seams.UNIT_PAGE, seams.Panel("review/_unit_panel.html", panels.unit_panel, order=5))
seams.register(seams.PERSON_PAGE, seams.Panel("review/_person_panel.html", panels.person_panel, order=15))
seams.register(seams.REMOVAL_GROUNDS, panels.not_found_in_review)
# (the campaign's status codes are not registered: "open" / "closed" would rename other domains' statuses)
seams.register(seams.LABELS, seams.Labels("review", values={"outcome": OUTCOMES},
                                          fields={"outcome": _l("Kết quả rà soát"), "household": _l("Hộ"),
                                                  "place": _l("Nơi đến / đang ở"), "since": _l("Từ ngày"),
                                                  "address": _l("Địa chỉ"), "people": _l("Số người")}))
for _name, _labels in {"REVIEW_OUTCOMES": OUTCOMES, "REVIEW_OUTCOMES_SHORT": OUTCOMES_SHORT, "REVIEW_POSTS": POSTS,
                       "REVIEW_APPLIES": APPLIES}.items():
    bp.add_app_template_global(_labels, _name)

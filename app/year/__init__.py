"""The year's close under /year: member evaluation (app.year.evaluation), unit grading and the weak-unit list
(app.year.grading), plans to consolidate weak units (app.year.plans, whose measures are the inspections domain's
follow-up actions), and the yearly report computed from the records (app.year.figures, app.year.report)."""
from flask import Blueprint

from .. import seams

bp = Blueprint("year", __name__, url_prefix="/year")

from . import queries, routes  # noqa: E402,F401  (routes use bp: the named cycle)
from .models import EVALUATION_STATUSES, GRADE_KINDS, PLAN_STATUSES, REPORT_STATUSES, RESULTS, WEAK_FLAGS  # noqa: E402

for _name, _labels in {"EVALUATION_STATUSES": EVALUATION_STATUSES, "GRADE_KINDS": GRADE_KINDS,
                       "PLAN_STATUSES": PLAN_STATUSES, "REPORT_STATUSES": REPORT_STATUSES, "YEAR_RESULTS": RESULTS,
                       "WEAK_FLAGS": WEAK_FLAGS}.items():
    bp.add_app_template_global(_labels, _name)
bp.add_app_template_global(queries.this_year, "this_year")

# ---- what this domain adds to the pages of others (app/seams.py) ---------------------------------------------------
from . import panels, rules  # noqa: E402

seams.register(seams.PERSON_PAGE, seams.Panel("year/_person_grades.html", panels.person_grades, order=55))
# How the audit log names the rules' numbers (the fields of a "year.rules" entry) and the flags and causes recorded.
seams.register(seams.LABELS, seams.Labels("year.rules", fields={code: label for code, (_d, label) in rules.DEFAULTS.items()}))
seams.register(seams.LABELS, seams.Labels("year.units", values={"flags": WEAK_FLAGS, "causes": WEAK_FLAGS}))

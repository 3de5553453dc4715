"""Activities (sinh hoạt) and attendance, dues (đoàn phí), and the real-versus-paper standing of people."""
import time

import click
from flask import Blueprint
from flask_babel import lazy_gettext as _l

from .. import seams
from ..extensions import db
from ..units.models import Unit

bp = Blueprint("activities", __name__, url_prefix="/activities", cli_group=None)

from . import queries, routes, standing  # noqa: E402,F401  (routes use bp: the named cycle)
from .models import ATTENDANCE, KINDS, WARNING_NOTES, WARNINGS  # noqa: E402

# ---- what this domain adds to the pages of others (app/seams.py) -------------------------------------------------
seams.register(seams.UNIT_PAGE, seams.Panel("activities/_unit_panel.html", queries.standing_panel, order=20))
seams.register(seams.PERSON_PAGE, seams.Panel("activities/_person_criteria.html", standing.person_panel, order=10))
seams.register(seams.PERSON_PAGE, seams.Panel("activities/_person_attendance.html", queries.person_attendance_panel,
                                              order=30))
seams.register(seams.PERSON_PAGE, seams.Panel("activities/_person_dues.html", queries.person_dues_panel, order=50))
seams.register(seams.PEOPLE_FILTERS, seams.ListFilter("verdict", _l("Đánh giá 5 có"), standing.VERDICTS,
                                                      standing.filter_by_verdict, blank=_l("Tất cả"), order=10))
seams.register(seams.PEOPLE_FILTERS, seams.ListFilter("failing", _l("Thiếu tiêu chí"), standing.CRITERIA,
                                                      standing.filter_by_failing, blank=_l("—"), order=20))
seams.register(seams.PEOPLE_EXPORT, seams.ExportColumns(
    "standing", ((_l("Đánh giá “5 có”"), 16, "text"), (_l("Tiêu chí chưa đạt"), 30, "text")),
    standing.export_columns, standing.export_cells))
seams.register(seams.REMOVAL_GROUNDS, standing.proposed_for_removal)
seams.register(seams.PEOPLE_WRITTEN, standing.people_written)
# attendance entries are keyed by person id: {"279": [None, "present"]} reads "Người #279: ∅ → Có mặt"
seams.register(seams.LABELS, seams.Labels("activities", any_values=ATTENDANCE, values={"kind": KINDS}))
# labels the templates show, said once (app-wide: the standing panel sits on the unit page; the people list's filters
# and the person page show the criteria and the verdicts)
for _name, _labels in {"STANDING_WARNINGS": WARNINGS, "STANDING_WARNING_NOTES": WARNING_NOTES,
                       "VERDICTS": standing.VERDICTS, "CRITERIA": standing.CRITERIA}.items():
    bp.add_app_template_global(_labels, _name)

standing.install_standing_hook()


@bp.cli.command("refresh-standing")
@click.option("--unit", "unit_id", type=int, default=None, help="Only this unit's subtree.")
def refresh_standing_cmd(unit_id):
    """Recompute every person's five criteria from the records (run nightly: the windows slide)."""
    t = time.perf_counter()
    unit = db.session.get(Unit, unit_id) if unit_id else None
    if unit_id and unit is None:
        raise click.ClickException("No such unit.")
    standing.refresh_standing(unit_path=unit.path if unit else None)
    db.session.commit()
    click.echo(f"Standing refreshed in {time.perf_counter() - t:.1f} s.")

"""Activities (sinh hoạt) and attendance, dues (đoàn phí), and the real-versus-paper standing of people."""
import click
from flask import Blueprint

bp = Blueprint("activities", __name__, url_prefix="/activities", cli_group=None)

from . import routes  # noqa: E402,F401
from ..members.criteria import install_standing_hook  # noqa: E402
from ..audit.labels import register_labels  # noqa: E402
from ..panels import register_unit_panel  # noqa: E402
from .models import ATTENDANCE, KINDS, WARNING_NOTES, WARNINGS  # noqa: E402
from .queries import standing_panel  # noqa: E402

register_unit_panel("members/_criteria_panel.html", standing_panel, order=20)
# attendance entries are keyed by person id: {"279": [None, "present"]} reads "Người #279: ∅ → Có mặt"
register_labels(any_values=ATTENDANCE, values={"kind": KINDS})
install_standing_hook()
# labels the templates show, said once (app-wide: the standing panel sits on the unit page)
bp.add_app_template_global(WARNINGS, "STANDING_WARNINGS")
bp.add_app_template_global(WARNING_NOTES, "STANDING_WARNING_NOTES")


@bp.cli.command("refresh-standing")
@click.option("--unit", "unit_id", type=int, default=None, help="Only this unit's subtree.")
def refresh_standing_cmd(unit_id):
    """Recompute every person's five criteria from the records (run nightly: the windows slide)."""
    import time

    from ..extensions import db
    from ..members.criteria import refresh_standing
    from ..units.models import Unit

    t = time.perf_counter()
    unit = db.session.get(Unit, unit_id) if unit_id else None
    if unit_id and unit is None:
        raise click.ClickException("No such unit.")
    refresh_standing(unit_path=unit.path if unit else None)
    db.session.commit()
    click.echo(f"Standing refreshed in {time.perf_counter() - t:.1f} s.")

"""A downgrade that drops tables refuses to lose their rows unless told: `flask db downgrade -x allow-data-loss=yes`.

Called first thing in a migration's downgrade(): `from migrations.guard import refuse_data_loss` (env.py puts the
project folder on sys.path), then `refuse_data_loss("table_a", "table_b")`."""
import sqlalchemy as sa
from alembic import context, op
from alembic.util import CommandError

FLAG = "allow-data-loss"


class DataLossRefused(CommandError):
    """A CommandError: `flask db` prints it as `Error: …` and exits with 1."""


def allowed():
    return context.get_x_argument(as_dictionary=True).get(FLAG, "").lower() in ("yes", "1", "true")


def refuse_data_loss(*tables):
    if context.is_offline_mode() or allowed():
        return  # --sql prints the statements for a person to read; the flag is the explicit yes
    bind = op.get_bind()
    present = set(sa.inspect(bind).get_table_names())
    quote = bind.dialect.identifier_preparer.quote
    counts = {t: bind.execute(sa.text(f"SELECT count(*) FROM {quote(t)}")).scalar() for t in tables if t in present}
    full = {t: n for t, n in counts.items() if n}
    if full:
        listed = ", ".join(f"{t} ({n} rows)" for t, n in full.items())
        raise DataLossRefused(f"This downgrade drops tables that hold data: {listed}. Back up first (flask backup), "
                              f"then run it again with `flask db downgrade -x {FLAG}=yes` to drop them.")

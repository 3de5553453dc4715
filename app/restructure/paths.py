"""Every copy of a unit's path in the database, so a moved subtree takes all its records along.

Many tables keep a copy of their unit's materialised path ("/1/5/23/") so subtree lists are one indexed LIKE. When a
unit moves, each copy under its old path is rewritten to the new one — one UPDATE per column, whatever the number of
rows. A new domain that adds a path column adds it here: tests/test_restructure_paths.py fails for a `*_path` column
that is neither here nor in HISTORY.
"""
from sqlalchemy import func, literal, select, update

from ..extensions import db

# (table, path column, the unit id column it copies the path of)
PATHS = (
    ("person", "unit_path", "unit_id"),
    ("activity", "unit_path", "unit_id"),
    ("person_standing", "unit_path", "unit_id"),
    ("branch_standing", "unit_path", "unit_id"),
    ("audit_entry", "unit_path", "unit_id"),
    ("member_import", "unit_path", "unit_id"),
    ("member_transfer", "from_unit_path", "from_unit_id"),
    ("member_transfer", "to_commune_path", "to_commune_id"),
    ("training_class", "unit_path", "unit_id"),
    ("admission_case", "unit_path", "branch_id"),
    ("inspection_plan", "inspecting_unit_path", "inspecting_unit_id"),
    ("inspection", "unit_path", "unit_id"),
    ("corrective_action", "owner_unit_path", "owner_unit_id"),
    ("corrective_action", "verifier_unit_path", "verifier_unit_id"),
    ("review_campaign", "unit_path", "unit_id"),
    ("review_team", "commune_path", "commune_id"),
    ("review_subject", "branch_path", "branch_id"),
    ("target", "unit_path", "unit_id"),
    ("party_step", "unit_path", "unit_id"),
    ("member_evaluation", "unit_path", "unit_id"),
    ("unit_grade", "unit_path", "unit_id"),
    ("consolidation_plan", "unit_path", "unit_id"),
    ("consolidation_entry", "unit_path", "unit_id"),
    ("year_report", "unit_path", "unit_id"),
    ("restructure_op", "scope_path", "scope_unit_id"),
)
# Path columns that are the tree itself (rewritten with the depth by the caller), history (where a unit was) or not
# a unit's path at all: never rewritten here.
NOT_COPIES = {("unit", "path"), ("unit_past_place", "path"), ("form_stash", "path")}


def _col(table, column):
    return db.metadata.tables[table].c[column]


def rewrite(old, new):
    """Every path copy under `old` now starts with `new` (the unit at `old` moved): one UPDATE per column.
    Returns {table: rows rewritten} (the first column of a table counts), what the operation's page reports."""
    n = len(old) + 1
    counts = {}
    for table, column, _ in PATHS:
        col = _col(table, column)
        res = db.session.execute(update(col.table).where(col.like(old + "%"))
                                 .values({column: literal(new) + func.substr(col, n)})
                                 .execution_options(synchronize_session=False))
        counts.setdefault(table, res.rowcount)
    return counts


def mismatches(limit=20):
    """[(table, column, row id, path, the unit's path)] of copies that differ from their unit's path now — none after
    any operation (the tests count them)."""
    unit = db.metadata.tables["unit"]
    out = []
    for table, column, id_column in PATHS:
        t = db.metadata.tables[table]
        pk = list(t.primary_key.columns)[0]
        rows = db.session.execute(
            select(pk, t.c[column], unit.c.path).join(unit, unit.c.id == t.c[id_column])
            .where(t.c[column] != unit.c.path).limit(limit)).all()
        out += [(table, column, *r) for r in rows]
    return out

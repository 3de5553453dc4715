"""Every copy of a unit's path is known to the restructuring, so a moved subtree takes all its records along."""
from app.extensions import db
from app.restructure.paths import NOT_COPIES, PATHS


def test_every_path_column_is_rewritten_or_named_as_not_a_copy(app):
    with app.app_context():
        found = {(t.name, c.name) for t in db.metadata.sorted_tables for c in t.columns if c.name.endswith("path")}
    known = {(t, c) for t, c, _ in PATHS} | NOT_COPIES
    assert found - known == set(), "add the new path column to app/restructure/paths.py PATHS (or NOT_COPIES)"
    assert known - found == set(), "app/restructure/paths.py names a column that no longer exists"


def test_each_copy_names_the_unit_it_copies(app):
    with app.app_context():
        for table, _column, id_column in PATHS:
            fks = {fk.column.table.name for fk in db.metadata.tables[table].c[id_column].foreign_keys}
            assert fks == {"unit"}, (table, id_column)

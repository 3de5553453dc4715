"""Row locks for check-then-write sequences and conflict-free inserts, on PostgreSQL and SQLite alike.

A retry that must answer as the first attempt did (compare the stored values, then write or not) is only right if
no twin request writes between the compare and the write. PostgreSQL: SELECT … FOR UPDATE on the rows (the twin
waits until we commit, then reads what we wrote). SQLite has one writer for the whole database and its reads before
the first write run outside the transaction: a no-op UPDATE of the rows takes the write lock now (waiting for a twin
that holds it), so what is read next is current. Both in ascending key order.
"""
from sqlalchemy import event, select, update
from sqlalchemy.engine import Engine

from .extensions import db


def lock_rows(pk_column, ids):
    """Lock the rows of pk_column's table whose key is in ids, until the transaction ends."""
    ids = sorted({int(i) for i in ids})
    if not ids:
        return
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(select(pk_column).where(pk_column.in_(ids)).order_by(pk_column).with_for_update())
    else:
        table = pk_column.table
        # set a plain column to itself (not the key: foreign keys pointing at it stay out of it)
        col = next(c for c in table.columns if not c.primary_key and not c.foreign_keys)
        db.session.execute(update(table).where(pk_column.in_(ids)).values({col.name: col})
                           .execution_options(synchronize_session=False))


@event.listens_for(Engine, "savepoint")
def _sqlite_savepoint_inside_a_transaction(conn, name):
    """pysqlite opens a transaction only before INSERT/UPDATE/DELETE: a SAVEPOINT sent first would open one of its
    own, and releasing it would COMMIT everything so far — a later error could no longer undo it. Begin first."""
    dbapi = conn.connection.dbapi_connection
    if type(dbapi).__module__.startswith("sqlite3") and not dbapi.in_transaction:
        dbapi.execute("BEGIN")


def dialect_insert(model):
    """insert() of the session's dialect, for INSERT … ON CONFLICT (PostgreSQL and SQLite have the same syntax)."""
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(model)

"""One active grant per (account, unit, role): a partial unique index

Revision ID: 0007_qa2
Revises: 0006_imp

Grants doubled by two admins granting at the same instant before this revision are not deleted: every active
duplicate but the oldest is marked revoked (at its own grant time, by nobody), so the index can be built.
"""
from alembic import op
import sqlalchemy as sa


revision = '0007_qa2'
down_revision = '0006_imp'
branch_labels = None
depends_on = None

ACTIVE = sa.text("revoked_at IS NULL")


def upgrade():
    op.execute(
        "UPDATE role_grant SET revoked_at = granted_at WHERE revoked_at IS NULL AND EXISTS ("
        " SELECT 1 FROM role_grant AS older WHERE older.user_id = role_grant.user_id"
        " AND older.unit_id = role_grant.unit_id AND older.role = role_grant.role"
        " AND older.revoked_at IS NULL AND older.id < role_grant.id)"
    )
    with op.batch_alter_table('role_grant', schema=None) as batch_op:
        batch_op.create_index('uq_role_grant_active', ['user_id', 'unit_id', 'role'], unique=True,
                              postgresql_where=ACTIVE, sqlite_where=ACTIVE)


def downgrade():
    with op.batch_alter_table('role_grant', schema=None) as batch_op:
        batch_op.drop_index('uq_role_grant_active')

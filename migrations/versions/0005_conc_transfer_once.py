"""One open transfer request per person (partial unique index) and the request form's token

Revision ID: 0005_conc
Revises: 0004_auth
"""
from alembic import op
import sqlalchemy as sa


revision = '0005_conc'
down_revision = '0004_auth'
branch_labels = None
depends_on = None

OPEN = sa.text("status = 'requested'")


def upgrade():
    with op.batch_alter_table('member_transfer', schema=None) as batch_op:
        batch_op.add_column(sa.Column('form_token', sa.String(length=40), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_member_transfer_form_token'), ['form_token'])
        batch_op.create_index('uq_member_transfer_open_person_id', ['person_id'], unique=True,
                              postgresql_where=OPEN, sqlite_where=OPEN)


def downgrade():
    with op.batch_alter_table('member_transfer', schema=None) as batch_op:
        batch_op.drop_index('uq_member_transfer_open_person_id')
        batch_op.drop_constraint(batch_op.f('uq_member_transfer_form_token'), type_='unique')
        batch_op.drop_column('form_token')

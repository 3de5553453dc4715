"""auth: session generation (server-side sign-out) and form stash (typed text kept across an ended session)

Revision ID: 0004_auth
Revises: 0003_dom
"""
from alembic import op
import sqlalchemy as sa


revision = '0004_auth'
down_revision = '0003_dom'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_gen', sa.Integer(), server_default='0', nullable=False))
    op.create_table('form_stash',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('path', sa.String(length=500), nullable=False),
    sa.Column('fields', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_form_stash_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_form_stash')),
    sa.UniqueConstraint('token', name=op.f('uq_form_stash_token'))
    )
    with op.batch_alter_table('form_stash', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_form_stash_created_at'), ['created_at'], unique=False)


def downgrade():
    with op.batch_alter_table('form_stash', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_form_stash_created_at'))
    op.drop_table('form_stash')
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('session_gen')

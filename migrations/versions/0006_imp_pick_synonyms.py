"""pick-list synonyms for imports

Revision ID: 0006_imp
Revises: 0005_conc
"""
from alembic import op
import sqlalchemy as sa

revision = '0006_imp'
down_revision = '0005_conc'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('pick_synonym',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('field', sa.String(length=20), nullable=False),
    sa.Column('key', sa.String(length=120), nullable=False),
    sa.Column('text', sa.String(length=120), nullable=False),
    sa.Column('value', sa.String(length=60), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_pick_synonym_created_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pick_synonym')),
    sa.UniqueConstraint('field', 'key', name=op.f('uq_pick_synonym_field_key'))
    )


def downgrade():
    op.drop_table('pick_synonym')

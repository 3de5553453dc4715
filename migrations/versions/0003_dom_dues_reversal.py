"""dues reversal: a payment recorded by mistake is reversed (a row), never deleted

Revision ID: 0003_dom
Revises: 0002_domains
"""
from alembic import op
import sqlalchemy as sa


revision = '0003_dom'
down_revision = '0002_domains'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('dues_payment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reversed', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.create_table('dues_reversal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('payment_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('amount', sa.Integer(), nullable=False),
    sa.Column('paid_recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('paid_recorded_at', sa.DateTime(), nullable=True),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('reversed_by_id', sa.Integer(), nullable=True),
    sa.Column('reversed_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['paid_recorded_by_id'], ['user_account.id'], name=op.f('fk_dues_reversal_paid_recorded_by_id_user_account')),
    sa.ForeignKeyConstraint(['payment_id'], ['dues_payment.id'], name=op.f('fk_dues_reversal_payment_id_dues_payment')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_dues_reversal_person_id_person')),
    sa.ForeignKeyConstraint(['reversed_by_id'], ['user_account.id'], name=op.f('fk_dues_reversal_reversed_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dues_reversal'))
    )
    with op.batch_alter_table('dues_reversal', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dues_reversal_payment_id'), ['payment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_dues_reversal_person_id'), ['person_id'], unique=False)


def downgrade():
    with op.batch_alter_table('dues_reversal', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dues_reversal_person_id'))
        batch_op.drop_index(batch_op.f('ix_dues_reversal_payment_id'))
    op.drop_table('dues_reversal')
    with op.batch_alter_table('dues_payment', schema=None) as batch_op:
        batch_op.drop_column('reversed')

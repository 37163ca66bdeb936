"""Contract actions: who suspended, reinstated or cancelled a contract, when and why

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('contract_actions',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('contract_id', sa.String(length=64), nullable=False),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.String(length=300), nullable=False),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('effective_on', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['contract_id'], ['contracts.id'],
                            name=op.f('fk_contract_actions_contract_id_contracts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contract_actions'))
    )
    with op.batch_alter_table('contract_actions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contract_actions_contract_id'), ['contract_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('contract_actions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contract_actions_contract_id'))
    op.drop_table('contract_actions')

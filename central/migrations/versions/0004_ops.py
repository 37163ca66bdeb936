"""Operations: dead letters keep a payload prefix with the whole payload's size, SHA-256 and the
cause; gate events keep their content hash (the same event_id with other content is a conflict)

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import hashlib

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('gate_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('content_sha256', sa.String(length=64), nullable=True))
    with op.batch_alter_table('dead_letters', schema=None) as batch_op:
        batch_op.add_column(sa.Column('payload_size', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('payload_sha256', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('cause', sa.String(length=16), nullable=True))
    _describe_existing_dead_letters()
    with op.batch_alter_table('dead_letters', schema=None) as batch_op:
        batch_op.alter_column('payload_size', existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column('payload_sha256', existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column('cause', existing_type=sa.String(length=16), nullable=False)


def _describe_existing_dead_letters() -> None:
    """Letters stored whole before this revision: their size and hash, and a cause from the error."""
    bind = op.get_bind()
    letters = sa.table('dead_letters', sa.column('id', sa.Integer()), sa.column('payload', sa.LargeBinary()),
                       sa.column('error', sa.Text()), sa.column('payload_size', sa.Integer()),
                       sa.column('payload_sha256', sa.String()), sa.column('cause', sa.String()))
    rows = bind.execute(sa.select(letters.c.id, letters.c.payload, letters.c.error)).all()
    for row in rows:
        payload = bytes(row.payload)
        cause = 'database' if str(row.error).startswith('database') else 'invalid'
        bind.execute(letters.update().where(letters.c.id == row.id).values(
            payload_size=len(payload), payload_sha256=hashlib.sha256(payload).hexdigest(), cause=cause))


def downgrade() -> None:
    with op.batch_alter_table('dead_letters', schema=None) as batch_op:
        batch_op.drop_column('cause')
        batch_op.drop_column('payload_sha256')
        batch_op.drop_column('payload_size')
    with op.batch_alter_table('gate_events', schema=None) as batch_op:
        batch_op.drop_column('content_sha256')

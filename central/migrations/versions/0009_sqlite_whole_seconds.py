"""SQLite: times written in bulk on a whole second get the six-digit fraction the ORM writes

Bulk inserts (ingest's events and stays, billing's statement lines) stored "2025-03-03 12:00:00"
where the ORM stores "2025-03-03 12:00:00.000000"; the shorter text sorts first, so a query
from 12:00 missed a row stored at 12:00. New rows are written alike (``db.base.sqlite_utc_text``);
this brings the rows already stored into line. PostgreSQL stores timestamps, not text: nothing to do.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

WHOLE_SECOND = 19  # len("2025-03-03 12:00:00")


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    inspector = sa.inspect(bind)
    for table in inspector.get_table_names():
        for column in inspector.get_columns(table):
            if isinstance(column["type"], sa.DateTime):
                name = f'"{column["name"]}"'
                op.execute(f'UPDATE "{table}" SET {name} = {name} || \'.000000\' '
                           f'WHERE typeof({name}) = \'text\' AND length({name}) = {WHOLE_SECOND}')


def downgrade() -> None:
    pass  # both forms read back as the same time

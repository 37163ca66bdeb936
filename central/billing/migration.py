"""Billing's and enforcement's tables for the Alembic migration (one call each way).

The initial migration calls ``create_tables(op.get_bind())`` at the end of its
``upgrade`` and ``drop_tables(op.get_bind())`` at the start of its ``downgrade``.
"""

from __future__ import annotations

from sqlalchemy import Connection, Table

from central.billing.models import BILLING_TABLES
from central.enforcement.models import ENFORCEMENT_TABLES

TABLES: tuple[Table, ...] = tuple(t for t in (*BILLING_TABLES, *ENFORCEMENT_TABLES) if isinstance(t, Table))


def create_tables(bind: Connection) -> None:
    for table in TABLES:  # statements before statement_lines: the order of the tuple
        table.create(bind, checkfirst=True)


def drop_tables(bind: Connection) -> None:
    for table in reversed(TABLES):
        table.drop(bind, checkfirst=True)

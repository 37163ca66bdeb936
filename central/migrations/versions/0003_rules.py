"""Contract rules (#10): site spaces and closing, tariffs kept by contracts, cancellation dates,
own vehicles, the blacklist, and the official calendar seeded from ``holidays`` for 2019-2026

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

# The years the holidays package has from the State Council's notices, each with make-up working days.
SEEDED_YEARS = range(2019, 2027)
TARIFF = ("monthly_fee_fen", "usage_rate_fen", "usage_period_minutes", "daily_cap_fen",
          "overstay_rate_fen", "overstay_period_minutes", "grace_minutes")


def upgrade() -> None:
    _calendar_tables()
    _vehicle_tables()
    with op.batch_alter_table('sites', schema=None) as batch_op:
        batch_op.add_column(sa.Column('total_spaces', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('reserved_spaces', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('hourly_rate_fen', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('refund_unused', sa.Boolean(), server_default=sa.true(), nullable=False))
        batch_op.add_column(sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE sites SET total_spaces = shared_capacity")
    with op.batch_alter_table('sites', schema=None) as batch_op:
        batch_op.alter_column('total_spaces', existing_type=sa.Integer(), nullable=False)

    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.add_column(sa.Column('refund_unused', sa.Boolean(), server_default=sa.true(), nullable=False))
        batch_op.add_column(sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table('contracts', schema=None) as batch_op:
        for name in TARIFF:
            batch_op.add_column(sa.Column(name, sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('ends_on', sa.Date(), nullable=True))
        batch_op.create_index('ix_contracts_site_status', ['site_id', 'status'], unique=False)
    # Every contract keeps the tariff its product has now; a cancelled one ended the day it was changed.
    for name in TARIFF:
        op.execute(f"UPDATE contracts SET {name} = "
                   f"(SELECT products.{name} FROM products WHERE products.id = contracts.product_id)")
    _date_old_cancellations()
    with op.batch_alter_table('contracts', schema=None) as batch_op:
        for name in TARIFF:
            if name != "daily_cap_fen":
                batch_op.alter_column(name, existing_type=sa.Integer(), nullable=False)
    _seed_calendar()


def _calendar_tables() -> None:
    op.create_table('calendar_years',
    sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('source', sa.String(length=200), nullable=False),
    sa.Column('imported_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('year', name=op.f('pk_calendar_years'))
    )
    op.create_table('calendar_days',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.ForeignKeyConstraint(['year'], ['calendar_years.year'], name=op.f('fk_calendar_days_year_calendar_years'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('day', name=op.f('pk_calendar_days'))
    )
    with op.batch_alter_table('calendar_days', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_calendar_days_year'), ['year'], unique=False)


def _vehicle_tables() -> None:
    op.create_table('blacklist_entries',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('site_id', sa.String(length=64), nullable=False),
    sa.Column('plate', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_blacklist_entries_site_id_sites')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_blacklist_entries')),
    sa.UniqueConstraint('site_id', 'plate', name=op.f('uq_blacklist_entries_site_id'))
    )
    with op.batch_alter_table('blacklist_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_blacklist_entries_site_id'), ['site_id'], unique=False)

    op.create_table('own_vehicles',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('site_id', sa.String(length=64), nullable=False),
    sa.Column('plate', sa.String(length=16), nullable=False),
    sa.Column('holder', sa.String(length=100), nullable=False),
    sa.Column('windows', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_own_vehicles_site_id_sites')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_own_vehicles')),
    sa.UniqueConstraint('site_id', 'plate', name=op.f('uq_own_vehicles_site_id'))
    )
    with op.batch_alter_table('own_vehicles', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_own_vehicles_site_id'), ['site_id'], unique=False)


def _date_old_cancellations() -> None:
    """A contract cancelled before cancellations had dates: recorded and effective when it last changed."""
    conn = op.get_bind()
    rows = conn.execute(sa.text(
        "SELECT contracts.id, contracts.updated_at, sites.timezone FROM contracts "
        "JOIN sites ON sites.id = contracts.site_id WHERE contracts.status = 'cancelled'")).all()
    for contract_id, updated_at, zone in rows:
        when = updated_at if isinstance(updated_at, datetime) else datetime.fromisoformat(str(updated_at))
        when = when if when.tzinfo else when.replace(tzinfo=UTC)
        conn.execute(sa.text("UPDATE contracts SET cancelled_at = updated_at, ends_on = :day WHERE id = :id"),
                     {"day": when.astimezone(ZoneInfo(zone)).date(), "id": contract_id})


def _seed_calendar() -> None:
    from shared.calendar import DayType, schedule_from_holidays

    now = datetime.now(UTC)
    years = sa.table('calendar_years', sa.column('year', sa.Integer()), sa.column('source', sa.String()),
                     sa.column('imported_at', sa.DateTime(timezone=True)))
    days = sa.table('calendar_days', sa.column('day', sa.Date()), sa.column('year', sa.Integer()),
                    sa.column('kind', sa.String()))
    for year in SEEDED_YEARS:
        schedule = schedule_from_holidays(year)
        if not schedule.working_days:
            raise RuntimeError(f"holidays has no make-up working days for {year}: upgrade holidays")
        op.bulk_insert(years, [{"year": year, "source": schedule.source, "imported_at": now}])
        op.bulk_insert(days, [{"day": d, "year": year, "kind": DayType.REST.value} for d in schedule.rest_days]
                       + [{"day": d, "year": year, "kind": DayType.WORKING.value}
                          for d in schedule.working_days])


def downgrade() -> None:
    with op.batch_alter_table('sites', schema=None) as batch_op:
        for name in ('closed_at', 'refund_unused', 'hourly_rate_fen', 'reserved_spaces', 'total_spaces'):
            batch_op.drop_column(name)
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.drop_column('closed_at')
        batch_op.drop_column('refund_unused')
    with op.batch_alter_table('contracts', schema=None) as batch_op:
        batch_op.drop_index('ix_contracts_site_status')
        for name in ('ends_on', 'cancelled_at', *TARIFF):
            batch_op.drop_column(name)
    for table in ('own_vehicles', 'blacklist_entries'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f'ix_{table}_site_id'))
        op.drop_table(table)
    with op.batch_alter_table('calendar_days', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_calendar_days_year'))
    op.drop_table('calendar_days')
    op.drop_table('calendar_years')

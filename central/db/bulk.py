"""Many rows into one table at once: the one bulk insert (and update) of the central service.

Ingest (events and stays), billing (statement lines) and the benchmarks' loaders all
write through ``insert_rows``, in the caller's transaction. Values pass through the
columns' own types first (UTC datetimes, enums, UUIDs, JSON), so a caller hands over
what it would give the ORM, on either backend.

How the rows travel is the helper's business:

- PostgreSQL, plain append: ``COPY ... FROM STDIN``, the fastest way in (billing writes
  a million statement lines a month).
- PostgreSQL, skipping duplicates or returning what was inserted (COPY can do neither):
  one array per column, and ``unnest()`` turns them back into rows; one statement
  whatever the batch size, cheaper to build and parse than a multi-row VALUES list.
- SQLite: one executemany; with ``returning``, SQLAlchemy's multi-row INSERTs; times as the
  text sqlite3 would make of them, made in one step.

``sqlite_one_of`` is the batch's "IN (...)" on SQLite: one JSON parameter, not one a value.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any, cast

from sqlalchemy import JSON, Connection, Table, bindparam, func, select
from sqlalchemy.dialects import sqlite
from sqlalchemy.orm import QueryableAttribute
from sqlalchemy.sql.elements import ColumnElement

from central.db.base import Base, UTCDateTime, sqlite_utc_text

Rows = Sequence[Sequence[Any]]


def insert_rows(conn: Connection, target: Table | type[Base], columns: Sequence[str], rows: Rows, *,
                skip_duplicates: bool = False, returning: str | None = None) -> list[Any]:
    """Insert ``rows`` (values in ``columns`` order) into ``target``, a table or a mapped class.

    ``skip_duplicates`` leaves out a row that breaks a unique key (``ON CONFLICT DO
    NOTHING``); ``returning`` names a column whose values come back for the rows
    actually inserted (without it the list is empty).
    """
    if not rows:
        return []
    table = target if isinstance(target, Table) else cast(Table, target.__table__)
    if conn.dialect.name == "sqlite" and returning is not None:
        return _sqlite_returning(conn, table, columns, rows, skip_duplicates, returning)
    processors = _processors(conn, table, columns)
    names = ", ".join(columns)
    conflict = " ON CONFLICT DO NOTHING" if skip_duplicates else ""
    if conn.dialect.name != "postgresql":
        marks = ", ".join("?" * len(columns))
        conn.exec_driver_sql(f"INSERT INTO {table.name} ({names}) VALUES ({marks}){conflict}",
                             _driver_rows(rows, processors))
        return []
    if not skip_duplicates and returning is None:
        _copy(conn, table.name, names, _driver_rows(rows, processors))
        return []
    arrays = ", ".join(f"%b::{table.c[c].type.compile(dialect=conn.dialect)}[]" for c in columns)
    back = f" RETURNING {table.c[returning].name}" if returning is not None else ""
    sql = f"INSERT INTO {table.name} ({names}) SELECT * FROM unnest({arrays}){conflict}{back}"
    result = conn.exec_driver_sql(sql, tuple(_driver_columns(rows, processors)))
    return list(result.scalars()) if returning is not None else []


def sqlite_one_of(column: ColumnElement[Any] | QueryableAttribute[Any],
                  values: Sequence[str]) -> ColumnElement[bool]:
    """``column IN values`` on SQLite with one parameter, a JSON array read by ``json_each``: the
    same statement text whatever the count (SQLite prepares it once), nothing to bind a value.
    Strings as the column stores them (a UUID column: ``uuid.hex``)."""
    listed = func.json_each(bindparam(None, json.dumps(list(values)), unique=True)).table_valued("value")
    return column.in_(select(listed.c.value))


def update_rows(conn: Connection, target: Table | type[Base], key: str, columns: Sequence[str],
                rows: Rows) -> None:
    """Set ``columns`` of the rows whose ``key`` is each row's first value (``key`` then
    ``columns``, in that order): one ``UPDATE ... FROM unnest()`` on PostgreSQL, one executemany
    on SQLite."""
    if not rows:
        return
    table = target if isinstance(target, Table) else cast(Table, target.__table__)
    processors = _processors(conn, table, [key, *columns])
    if conn.dialect.name != "postgresql":
        sets = ", ".join(f"{name} = ?" for name in columns)
        moved = [(*row[1:], row[0]) for row in _driver_rows(rows, processors)]  # the key goes last
        conn.exec_driver_sql(f"UPDATE {table.name} SET {sets} WHERE {key} = ?", moved)
        return
    arrays = ", ".join(f"%b::{table.c[c].type.compile(dialect=conn.dialect)}[]" for c in (key, *columns))
    sets = ", ".join(f"{name} = v.{name}" for name in columns)
    names = ", ".join((key, *columns))
    conn.exec_driver_sql(f"UPDATE {table.name} SET {sets} FROM unnest({arrays}) AS v({names}) "
                         f"WHERE {table.name}.{key} = v.{key}", tuple(_driver_columns(rows, processors)))


def _sqlite_returning(conn: Connection, table: Table, columns: Sequence[str], rows: Rows,
                      skip_duplicates: bool, returning: str) -> list[Any]:
    # executemany with RETURNING: SQLAlchemy batches it into multi-row INSERTs ("insertmanyvalues")
    statement = sqlite.insert(table)
    if skip_duplicates:
        statement = statement.on_conflict_do_nothing()
    params = [dict(zip(columns, row, strict=True)) for row in rows]
    return list(conn.execute(statement.returning(table.c[returning]), params).scalars())


Processor = Callable[[Any], Any] | None


def _processors(conn: Connection, table: Table, columns: Sequence[str]) -> list[Processor]:
    """What each column's type does to a value before the driver sees it (None: nothing)."""
    found: list[Processor] = []
    for name in columns:
        column_type = table.c[name].type
        process: Processor = column_type.bind_processor(conn.dialect)
        if isinstance(column_type, UTCDateTime) and conn.dialect.name == "sqlite":
            process = sqlite_utc_text  # what the column's processor and sqlite3 make of it, in one step
        elif process is None and isinstance(column_type, JSON):  # psycopg adapts JSON itself, not in arrays
            process = json.dumps
        found.append(process)
    return found


def _driver_columns(rows: Rows, processors: list[Processor]) -> list[list[Any]]:
    """One list per column, each value as the driver must get it."""
    found = []
    for index, process in enumerate(processors):
        column = [row[index] for row in rows]
        found.append([None if v is None else process(v) for v in column] if process else column)
    return found


def _driver_rows(rows: Rows, processors: list[Processor]) -> list[Sequence[Any]]:
    """The rows as the driver must get them (a list: one executemany); as given when no column needs it."""
    if not any(processors):
        return rows if isinstance(rows, list) else list(rows)
    return list(zip(*_driver_columns(rows, processors), strict=True))


def _copy(conn: Connection, table: str, names: str, rows: Rows) -> None:
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    finally:
        cursor.close()

"""Fast bulk writes. On PostgreSQL rows go in with COPY, ids taken from the table's
sequence first so rows that point at each other can be written in one pass; other
databases (SQLite in embedded mode) use Django's bulk_create.

COPY bypasses model save() and field defaults: callers pass every column, including
timestamps, in the order they name them."""

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection, models


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


def reserve_ids(model: type[models.Model], count: int) -> list[int]:
    """Take `count` ids from the model's id sequence (PostgreSQL only)."""
    if count == 0:
        return []
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [table, count],
        )
        return [row[0] for row in cursor.fetchall()]


def copy_rows(
    model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> int:
    """COPY rows (tuples in `columns` order; JSON columns as JSON text) into the model's
    table (PostgreSQL only). Returns the number of rows written."""
    table = model._meta.db_table
    written = 0
    with connection.cursor() as cursor, connection.wrap_database_errors:
        quoted = ", ".join(connection.ops.quote_name(column) for column in columns)
        with cursor.cursor.copy(f"COPY {table} ({quoted}) FROM STDIN") as copy:
            write = copy.write_row
            for row in rows:
                write(row)
                written += 1
    return written


def copy_or_create(
    model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> int:
    """COPY on PostgreSQL; elsewhere bulk_create from the same column tuples. For rows
    nobody needs the ids of (history, transitions)."""
    if is_postgres():
        return copy_rows(model, columns, rows)
    objects = model._default_manager.bulk_create(
        (model(**dict(zip(columns, row, strict=True))) for row in rows), batch_size=2000
    )
    return len(objects)

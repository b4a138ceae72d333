"""Lists beside a row in the row's own statement: a scalar subquery giving rows as one JSON array, per engine.

A hot page reads its main row and the short lists shown beside it (an entry's files and team, an application's
files and its edition's tracks) in one statement instead of one per list: on PostgreSQL each statement is a round
trip through the socket, which cost more than the rows.
"""

from __future__ import annotations

from core.platform import db


def json_rows(*, columns: tuple[str, ...], source: str, order_by: str, json_columns: tuple[str, ...] = ()) -> str:
    """A scalar subquery giving the rows of `source` ("FROM … WHERE …") as one JSON array of objects, `[]` when
    there are none. `json_columns` hold JSON themselves (text on SQLite) and are embedded as JSON."""
    if db.is_sqlite():
        pairs = ", ".join(f"'{column}', json({column})" if column in json_columns else f"'{column}', {column}"
                          for column in columns)
        return (f"(SELECT json_group_array(json_object({pairs})) FROM"  # noqa: S608 - our own column names
                f" (SELECT {', '.join(columns)} {source} ORDER BY {order_by}))")
    pairs = ", ".join(f"'{column}', {column}" for column in columns)
    return f"(SELECT coalesce(json_agg(json_build_object({pairs}) ORDER BY {order_by}), '[]') {source})"

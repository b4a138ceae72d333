"""SQLite's column converters: Giuria's faster INTEGER and TIMESTAMPTZ readers give what Piccolo's own give."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

import pytest
from piccolo.engine import sqlite as piccolo_sqlite

from core.platform import db  # noqa: F401 - registers the converters


@pytest.mark.parametrize("stored", [b"0", b"12", b"-7", b"9223372036854775807", b"1.0", b"1e3", b"  42 "])
def test_integers_read_as_piccolo_reads_them(stored):
    assert sqlite3.converters["INTEGER"](stored) == piccolo_sqlite.convert_int_out(stored)
    assert type(sqlite3.converters["INTEGER"](stored)) is int


def test_text_in_an_integer_column_fails_as_with_piccolo():
    with pytest.raises(Exception) as theirs:
        piccolo_sqlite.convert_int_out(b"hello")
    with pytest.raises(type(theirs.value)):
        sqlite3.converters["INTEGER"](b"hello")


def test_moments_read_as_aware_datetimes_through_a_real_connection(tmp_path):
    connection = sqlite3.connect(tmp_path / "t.db", detect_types=sqlite3.PARSE_DECLTYPES)
    connection.execute("CREATE TABLE t (id INTEGER, at TIMESTAMPTZ)")
    moment = datetime(2026, 12, 4, 16, 3, 59, 141067, tzinfo=UTC)
    connection.executemany("INSERT INTO t VALUES (?, ?)", [(1, moment.isoformat()), (2, moment.isoformat())])
    rows = connection.execute("SELECT id, at FROM t ORDER BY id").fetchall()
    assert rows == [(1, moment), (2, moment)]
    assert rows[0][1].tzinfo is not None
    assert rows[0][1] == piccolo_sqlite.convert_timestamptz_out(moment.isoformat().encode())

"""The database connection: SQLite by default, PostgreSQL by URL; migrations and write transactions."""

from __future__ import annotations

import contextlib
import io
import json
import os
import sqlite3
import threading
from urllib.parse import unquote, urlsplit

from piccolo.apps.migrations.commands.forwards import ForwardsMigrationManager
from piccolo.apps.migrations.tables import Migration
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, TransactionType, dict_factory

from core import piccolo_conf
from core.settings import Settings
from core.tables import ALL_TABLES

os.environ.setdefault("PICCOLO_CONF", "core.piccolo_conf")

SQLITE_BUSY_TIMEOUT_SECONDS = 30


class MigrationError(RuntimeError):
    """A migration failed; the message carries Piccolo's report."""


def json_value(value):
    """JSON columns come back as text on SQLite and as objects on PostgreSQL; this evens them out."""
    return json.loads(value) if isinstance(value, str) else value


def postgres_config(url: str) -> dict:
    """asyncpg connect arguments from a postgresql:// URL (host may be a socket directory)."""
    parts = urlsplit(url)
    config: dict = {"database": unquote(parts.path.lstrip("/")) or "postgres"}
    if parts.hostname:
        config["host"] = unquote(parts.hostname)
    if parts.port:
        config["port"] = parts.port
    if parts.username:
        config["user"] = unquote(parts.username)
    if parts.password:
        config["password"] = unquote(parts.password)
    for pair in filter(None, parts.query.split("&")):
        key, _, value = pair.partition("=")
        if key == "host":
            config["host"] = unquote(value)
    return config


class SQLiteReadFastEngine(SQLiteEngine):
    """Piccolo's SQLite engine, with plain reads served from one persistent connection per thread.

    Piccolo opens a new aiosqlite connection (and a thread) for every statement, which caps a page
    of eight small queries at about a hundred requests a second. In WAL mode readers never wait for
    writers, so a SELECT outside a transaction runs directly on a read-only sqlite3 connection kept
    per thread: tens of microseconds, no thread hop. Writes and transactions keep Piccolo's path.
    """

    __slots__ = ("_readers",)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._readers = threading.local()

    def _reader(self) -> sqlite3.Connection:
        connection = getattr(self._readers, "connection", None)
        if connection is None:
            connection = sqlite3.connect(**self.connection_kwargs)
            connection.row_factory = dict_factory
            connection.execute("PRAGMA query_only = ON")
            self._readers.connection = connection
        return connection

    async def run_querystring(self, querystring, in_pool: bool = False):
        if self.current_transaction.get() is None and not self.log_queries:
            query, args = querystring.compile_string(engine_type=self.engine_type)
            if query.lstrip()[:6].upper() == "SELECT":
                return self._reader().execute(query, args).fetchall()
        return await super().run_querystring(querystring, in_pool=in_pool)


def create_engine(settings: Settings) -> Engine:
    if settings.database_engine == "postgres":
        return PostgresEngine(config=postgres_config(settings.database_url))
    path = settings.sqlite_path
    path.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.closing(sqlite3.connect(path)) as connection:
        # WAL is a property of the file: set once, it holds for every later connection.
        connection.execute("PRAGMA journal_mode=WAL")
    return SQLiteReadFastEngine(path=str(path), timeout=SQLITE_BUSY_TIMEOUT_SECONDS)


def configure(settings: Settings) -> Engine:
    """Point every table (and Piccolo's own migration table) at the engine the settings name."""
    engine = create_engine(settings)
    use_engine(engine)
    return engine


def use_engine(engine: Engine) -> None:
    piccolo_conf.DB = engine
    for table in (*ALL_TABLES, Migration):
        table._meta.db = engine


def engine() -> Engine:
    if piccolo_conf.DB is None:
        raise RuntimeError("the database is not configured: call core.db.configure(settings) first")
    return piccolo_conf.DB


def write_transaction():
    """A short write transaction; on SQLite it takes the write lock at once to avoid lock upgrades."""
    db = engine()
    if isinstance(db, SQLiteEngine):
        return db.transaction(transaction_type=TransactionType.immediate)
    return db.transaction()


def locked(query):
    """SELECT … FOR UPDATE on PostgreSQL; SQLite's immediate write transaction already excludes other writers."""
    return query if isinstance(engine(), SQLiteEngine) else query.lock_rows()


async def migrate() -> str:
    """Apply pending migrations; returns Piccolo's report, raises MigrationError on failure."""
    output = io.StringIO()
    with contextlib.redirect_stdout(output):
        manager = ForwardsMigrationManager(app_name="giuria")
        result = await manager.run()
    if not result.success:
        raise MigrationError(f"{result.message}\n{output.getvalue()}")
    return output.getvalue()


async def start_pool(settings: Settings) -> None:
    db = engine()
    if isinstance(db, PostgresEngine) and settings.db_pool_size > 0:
        await db.start_connection_pool(min_size=1, max_size=settings.db_pool_size)


async def close_pool() -> None:
    db = engine()
    if isinstance(db, PostgresEngine) and db.pool is not None:
        await db.close_connection_pool()


async def is_healthy() -> bool:
    try:
        rows = await engine().run_ddl("SELECT 1 AS ok")
    except Exception:
        return False
    return bool(rows) and rows[0]["ok"] == 1

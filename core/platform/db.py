"""The database connection: SQLite by default, PostgreSQL by URL; migrations and write transactions."""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import io
import logging
import math
import os
import sqlite3
import string
import threading
import time
import traceback
import weakref
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from functools import lru_cache
from typing import Any
from urllib.parse import unquote, urlsplit

import aiosqlite
import asyncpg
from piccolo.apps.migrations.tables import Migration
from piccolo.engine import sqlite as piccolo_sqlite
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, SQLiteTransaction, TransactionType, dict_factory
from piccolo.querystring import QueryString
from piccolo.utils.encoding import load_json

from core.platform import piccolo_conf, shared_connection
from core.platform.settings import Settings
from core.platform.tables import ALL_TABLES

os.environ.setdefault("PICCOLO_CONF", "core.platform.piccolo_conf")

SQLITE_BUSY_TIMEOUT_SECONDS = 30
# How long a read may run in the event loop's own thread. A longer one is interrupted there and run
# again in a reader thread, so that a large query never stalls the loop; small ones (tens of
# microseconds, nearly all of them) never pay for a thread hop.
READ_SECONDS_ON_LOOP = 0.002
# SQLite calls the progress handler, which checks the clock, once per this many VM steps (~50 µs).
PROGRESS_STEPS = 1_000
READER_THREADS = 4
# Statements asyncpg keeps prepared per PostgreSQL connection. Its default, 100, is fewer than the app's distinct
# statements (the jury, applicant and error tests alone run 324), and one dropped is prepared again on its next
# use: two round trips instead of one.
STATEMENT_CACHE_SIZE = 512
_reader_threads = ThreadPoolExecutor(max_workers=READER_THREADS, thread_name_prefix="giuria-sqlite-read")

log = logging.getLogger("giuria.db")


# SQLite hands every INTEGER and TIMESTAMPTZ value of a row to a Python converter. Piccolo's go through Decimal
# (an id becomes text, then a Decimal, then an int) and re-parse the same moment on every row that repeats it: a
# juror's dashboard spent a quarter of its time there. These give the same values faster.
def _integer_out(value: bytes | str) -> int:
    """Piccolo's INTEGER converter (`convert_int_out`), straight to int for the integers SQLite stores."""
    try:
        return int(value)
    except ValueError:  # "1.0", "1e3": Piccolo's own reading
        return piccolo_sqlite.convert_int_out(value)


@lru_cache(maxsize=4096)
def _moment_out(value: bytes) -> datetime:
    """Piccolo's TIMESTAMPTZ converter, kept per stored text (a datetime never changes)."""
    return piccolo_sqlite.convert_timestamptz_out(value)


sqlite3.register_converter("INTEGER", _integer_out)
sqlite3.register_converter("TIMESTAMPTZ", _moment_out)


class MigrationError(RuntimeError):
    """A migration failed; the message carries Piccolo's report."""


@lru_cache(maxsize=256)
def _compiled(template: str, engine_type: str) -> str:
    """A `{}` template as the engine runs it ("?" or "$1"…), as Piccolo's QueryString writes it, once per text."""
    fields = sum(1 for _, name, _, _ in string.Formatter().parse(template) if name is not None)
    return QueryString(template, *([None] * fields)).compile_string(engine_type=engine_type)[0]


async def read_rows(template: str, *args: Any) -> list[dict[str, Any]]:
    """The rows of a plain-SQL SELECT (`{}` placeholders, as `Table.raw` takes), as dicts.

    The hot reads (every page's signed-in user, the review and applicant pages) went through `Table.raw`, whose
    query building cost more than the statement itself on SQLite and a third of it on PostgreSQL; here the text is
    compiled once and runs on the connection Piccolo would have used. Inside a transaction (a locked read before a
    write), or with queries logged, it is Piccolo's own path.
    """
    active = engine()
    if active.current_transaction.get() is not None or active.log_queries:
        return [dict(row) for row in await active.run_querystring(QueryString(template, *args))]
    return await active.read(_compiled(template, active.engine_type), args)  # both engines are ours


def decode_json(row: dict[str, Any], *columns: str) -> dict[str, Any]:
    """A row read with plain SQL, its JSON `columns` decoded as Piccolo's `output(load_json=True)` decodes a query's.

    Both engines hand JSON back as text; Piccolo's own queries decode it when asked, plain SQL does not.
    """
    return {**row, **{column: load_json(row[column]) for column in columns if isinstance(row[column], str)}}


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


class _WriterSlot:
    """One event loop's writer connection and the lock that hands it to one transaction at a time."""

    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self.connection = None


class ReusedConnectionTransaction(SQLiteTransaction):
    """A write transaction on the loop's one writer connection, instead of a new connection each time.

    SQLite admits one writer at a time anyway; queueing writers on an asyncio lock costs far less
    than Piccolo's new connection (and thread) per transaction spinning in the busy handler.
    Other processes are still kept out by SQLite's own lock and busy timeout.
    """

    __slots__ = ("_slot", "direct")

    async def get_connection(self):
        slots = self.engine._writers
        loop = asyncio.get_running_loop()
        slot = slots.get(loop)
        if slot is None:
            slot = slots[loop] = _WriterSlot()
        await slot.lock.acquire()
        self._slot = slot
        try:
            if slot.connection is None:
                # The loop thread runs statements on it directly (see direct); the lock keeps it to one user.
                connection = aiosqlite.connect(**{**self.engine.connection_kwargs, "check_same_thread": False})
                connection._thread.daemon = True  # never keep the interpreter alive at exit
                slot.connection = await connection
                slot.connection.row_factory = dict_factory
                await slot.connection.execute("PRAGMA foreign_keys = 1")
            return slot.connection
        except BaseException:
            slot.lock.release()
            raise

    async def __aenter__(self):
        if self._parent is not None:
            return self._parent
        self.connection = await self.get_connection()
        try:
            await self.begin()
        except BaseException:
            self._slot.lock.release()
            raise
        # Once BEGIN IMMEDIATE holds the write lock no statement can wait on another writer, so they run
        # in the loop's own thread: microseconds each, instead of four thread hops per statement.
        self.direct = self.transaction_type in (TransactionType.immediate, TransactionType.exclusive)
        self.context = self.engine.current_transaction.set(self)
        return self

    async def __aexit__(self, exception_type, exception, traceback) -> bool:
        if self._parent:
            return exception is None
        try:
            if exception:
                if not self._rolled_back:
                    await self.rollback()
            elif not self._committed and not self._rolled_back:
                await self.commit()
        except BaseException:
            # A connection in an unknown state is not handed to the next transaction.
            await self._slot.connection.close()
            self._slot.connection = None
            raise
        finally:
            self.engine.current_transaction.reset(self.context)
            self._slot.lock.release()
        return exception is None


class _Deadline:
    """When a read on the loop's thread must stop; never, outside such a read (and in reader threads)."""

    __slots__ = ("at",)

    def __init__(self) -> None:
        self.at = math.inf


class SQLiteReadFastEngine(SQLiteEngine):
    """Piccolo's SQLite engine, with plain reads served from persistent read-only connections.

    Piccolo opens a new aiosqlite connection (and a thread) for every statement, which caps a page
    of eight small queries at about a hundred requests a second. In WAL mode readers never wait for
    writers, so a SELECT outside a transaction starts directly on a read-only sqlite3 connection of
    the loop's thread: tens of microseconds, no thread hop. One that runs past READ_SECONDS_ON_LOOP
    is stopped and run again on a connection of a reader thread, so the loop keeps serving meanwhile.
    Transactions reuse one writer connection per event loop (see ReusedConnectionTransaction);
    single writes outside a transaction keep Piccolo's path.
    """

    __slots__ = ("_readers", "_writers")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._readers = threading.local()
        self._writers: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    def transaction(self, transaction_type: TransactionType = TransactionType.deferred, allow_nested: bool = True):
        return ReusedConnectionTransaction(engine=self, transaction_type=transaction_type, allow_nested=allow_nested)

    def _reader(self) -> sqlite3.Connection:
        """This thread's read-only connection; a statement on it stops ("interrupted") once past the deadline."""
        readers = self._readers
        connection = getattr(readers, "connection", None)
        if connection is None:
            connection = sqlite3.connect(**self.connection_kwargs)
            connection.row_factory = dict_factory
            connection.execute("PRAGMA query_only = ON")
            deadline = readers.deadline = _Deadline()  # the handler holds this, not the connection (no cycle)
            connection.set_progress_handler(lambda: time.perf_counter() > deadline.at, PROGRESS_STEPS)
            readers.connection = connection
        return connection

    @staticmethod
    def _fetch(connection: sqlite3.Connection, query: str, args) -> list:
        cursor = connection.execute(query, args)
        try:
            return cursor.fetchall()
        finally:
            cursor.close()

    async def _read_in_thread(self, query: str, args) -> list:
        running: list[sqlite3.Connection] = []  # the connection while the read runs, for an interrupt
        guard = threading.Lock()

        def read() -> list:
            connection = self._reader()  # in a reader thread: no deadline
            with guard:
                running.append(connection)
            try:
                return self._fetch(connection, query, args)
            finally:
                with guard:
                    running.clear()

        try:
            return await asyncio.get_running_loop().run_in_executor(_reader_threads, read)
        except asyncio.CancelledError:
            with guard:  # the caller went away (a closed request): free the thread
                for connection in running:
                    connection.interrupt()
            raise

    async def _run_in_existing_connection(self, connection, query: str, args=None, query_type: str = "generic",
                                          table=None):
        transaction = self.current_transaction.get()
        if isinstance(transaction, ReusedConnectionTransaction) and getattr(transaction, "direct", False):
            cursor = connection._conn.execute(query, args or [])
            try:
                return cursor.fetchall()
            finally:
                cursor.close()
        return await super()._run_in_existing_connection(connection, query, args, query_type, table)

    async def close_writer(self) -> None:
        """Close this event loop's writer connection (at shutdown, or before a short-lived loop ends)."""
        slot = self._writers.pop(asyncio.get_running_loop(), None)
        if slot is not None and slot.connection is not None:
            async with slot.lock:
                await slot.connection.close()
                slot.connection = None

    async def run_querystring(self, querystring, in_pool: bool = False):
        if self.current_transaction.get() is None and not self.log_queries:
            query, args = querystring.compile_string(engine_type=self.engine_type)
            if query.lstrip()[:6].upper() == "SELECT":
                return await self.read(query, args)
        return await super().run_querystring(querystring, in_pool=in_pool)

    async def read(self, query: str, args) -> list:
        """A SELECT outside a transaction, on the loop thread's reader (a reader thread's once it runs long)."""
        connection = self._reader()
        deadline = self._readers.deadline
        deadline.at = time.perf_counter() + READ_SECONDS_ON_LOOP
        try:
            return self._fetch(connection, query, args)
        except sqlite3.OperationalError as error:
            if error.sqlite_errorcode != sqlite3.SQLITE_INTERRUPT:
                raise
        finally:
            deadline.at = math.inf
        return await self._read_in_thread(query, args)


def create_engine(settings: Settings) -> Engine:
    if settings.database_engine == "postgres":
        return shared_connection.SharedConnectionEngine(config=postgres_config(settings.database_url))
    path = settings.sqlite_path
    path.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.closing(sqlite3.connect(path)) as connection:
        # WAL is a property of the file: set once, it holds for every later connection.
        connection.execute("PRAGMA journal_mode=WAL")
    return SQLiteReadFastEngine(path=str(path), timeout=SQLITE_BUSY_TIMEOUT_SECONDS)


_configured: Settings | None = None


def configure(settings: Settings) -> Engine:
    """Point every table (and Piccolo's own migration table) at the engine the settings name."""
    global _configured
    engine = create_engine(settings)
    use_engine(engine)
    _configured = settings
    return engine


def configured_settings() -> Settings:
    """The settings `configure` was given: what code far from a request (the audit chain's key and checkpoint,
    a delivery pass) needs to know about this installation."""
    if _configured is None:
        raise RuntimeError("the database is not configured: call core.platform.db.configure(settings) first")
    return _configured


def use_engine(engine: Engine) -> None:
    piccolo_conf.DB = engine
    for table in (*ALL_TABLES, Migration):
        table._meta.db = engine


def engine() -> Engine:
    if piccolo_conf.DB is None:
        raise RuntimeError("the database is not configured: call core.platform.db.configure(settings) first")
    return piccolo_conf.DB


# What to do once the outermost write transaction of this task commits (None: no transaction is open).
_after_commit: contextvars.ContextVar[list[Callable[[], None]] | None] = contextvars.ContextVar(
    "giuria_after_commit", default=None)


class _WriteTransaction:
    """Piccolo's transaction, plus the callbacks `after_commit` registered in it, run once it has committed."""

    def __init__(self, transaction) -> None:
        self._transaction = transaction
        self._token: contextvars.Token | None = None

    async def __aenter__(self):
        if _after_commit.get() is None:  # the outermost one: a nested transaction is part of it
            self._token = _after_commit.set([])
        try:
            return await self._transaction.__aenter__()
        except BaseException:
            self._forget()
            raise

    async def __aexit__(self, exception_type, exception, traceback) -> bool:
        try:
            result = await self._transaction.__aexit__(exception_type, exception, traceback)
        finally:
            callbacks = self._forget()
        if exception is None:
            for callback in callbacks:
                try:
                    callback()
                except Exception:  # the change has committed: a follow-up's failure must not undo the answer
                    log.exception("a callback after commit failed")
        return result

    def _forget(self) -> list[Callable[[], None]]:
        if self._token is None:
            return []
        callbacks = _after_commit.get() or []
        _after_commit.reset(self._token)
        self._token = None
        return callbacks


def write_transaction():
    """A short write transaction; on SQLite it takes the write lock at once to avoid lock upgrades."""
    db = engine()
    if isinstance(db, SQLiteEngine):
        return _WriteTransaction(db.transaction(transaction_type=TransactionType.immediate))
    return _WriteTransaction(db.transaction())


def after_commit(callback: Callable[[], None]) -> None:
    """Run `callback` once the write transaction in progress commits (never if it rolls back); at once outside one."""
    pending = _after_commit.get()
    if pending is None:
        callback()
    else:
        pending.append(callback)


def is_sqlite() -> bool:
    return isinstance(engine(), SQLiteEngine)


def locked(query):
    """SELECT … FOR UPDATE on PostgreSQL; SQLite's immediate write transaction already excludes other writers."""
    return query if isinstance(engine(), SQLiteEngine) else query.lock_rows()


async def migrate() -> str:
    """Apply pending migrations; returns Piccolo's report, raises MigrationError on failure."""
    output = io.StringIO()
    with contextlib.redirect_stdout(output):
        # Piccolo's migration tools import black and more: only `migrate` needs them, not a worker's start.
        from piccolo.apps.migrations.commands.forwards import ForwardsMigrationManager

        manager = ForwardsMigrationManager(app_name="giuria")
        result = await manager.run()
    if not result.success:
        raise MigrationError(f"{result.message}\n{output.getvalue()}")
    return output.getvalue()


async def _keep_session(_connection) -> None:
    """What a pooled connection goes through on release, instead of asyncpg's reset query.

    asyncpg still rolls back a transaction left open. Its reset query (unlisten, close cursors, reset settings,
    release session advisory locks) undoes what Giuria never does: it sets no session state, never listens, and
    takes only transaction-scoped advisory locks. Skipped, it no longer doubles the round trips of every
    statement run outside a transaction.
    """


async def start_pool(settings: Settings) -> None:
    db = engine()
    if isinstance(db, PostgresEngine) and settings.db_pool_size > 0:
        # No connection is opened before the first query: a worker starts (and answers 503) while the database is down.
        await db.start_connection_pool(min_size=0, max_size=settings.db_pool_size, reset=_keep_session,
                                       statement_cache_size=STATEMENT_CACHE_SIZE)


def one_connection():
    """An async context manager: the statements of its block (a request, say) share one PostgreSQL connection.

    The first statement takes it from the pool (or opens it, without a pool) and the block's end gives it back
    (see core.platform.shared_connection); on SQLite it yields None and changes nothing.
    """
    return shared_connection.one_connection(engine())


async def release_connection() -> None:
    """Give the unit's shared connection back early (see `one_connection`): a request does so once its handler has
    returned, before its page renders. Nothing on SQLite."""
    await shared_connection.release_current()


def share_one_connection() -> None:
    """The rest of this task's statements share one PostgreSQL connection, opened at the first and closed by
    `close_pool`: a CLI command pays for one connection, not one per statement. Nothing on SQLite."""
    shared_connection.begin_for_task(engine())


async def close_pool() -> None:
    """Release this event loop's connections: the task's shared one, the PostgreSQL pool, or SQLite's writer."""
    await shared_connection.release_current()
    db = engine()
    if isinstance(db, PostgresEngine) and db.pool is not None:
        await db.close_connection_pool()
    elif isinstance(db, SQLiteReadFastEngine):
        await db.close_writer()


async def is_healthy() -> bool:
    try:
        rows = await engine().run_ddl("SELECT 1 AS ok")
    except Exception:
        return False
    return bool(rows) and rows[0]["ok"] == 1


# SQLite's messages for a database file that cannot be used at all, as opposed to a faulty statement.
_SQLITE_UNAVAILABLE = ("unable to open database file", "database is locked", "disk i/o error", "readonly database",
                       "database or disk is full", "file is not a database", "database disk image is malformed")
_DATABASE_MODULES = ("asyncpg", "aiosqlite", "sqlite3", "piccolo", __name__)


def _raised_by_database(error: BaseException) -> bool:
    return any(str(frame.f_globals.get("__name__", "")).startswith(_DATABASE_MODULES)
               for frame, _line in traceback.walk_tb(error.__traceback__))


def database_unavailable(error: BaseException) -> bool:
    """Whether `error` means the database cannot be reached or used right now (try again later), not a bug."""
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if isinstance(error, sqlite3.OperationalError | sqlite3.DatabaseError) and \
                any(message in str(error).lower() for message in _SQLITE_UNAVAILABLE):
            return True
        if isinstance(error, asyncpg.PostgresConnectionError | asyncpg.InterfaceError |
                      asyncpg.exceptions.OperatorInterventionError | asyncpg.exceptions.InsufficientResourcesError):
            return True
        if isinstance(error, OSError | TimeoutError) and _raised_by_database(error):
            return True
        error = error.__cause__ or error.__context__
    return False


def out_of_range(error: BaseException) -> bool:
    """Whether `error` is the database refusing a value the client sent (a number past 64 bits, say)."""
    return isinstance(error, asyncpg.DataError) or (isinstance(error, OverflowError) and _raised_by_database(error))

"""Server-side sign-in sessions, and attempt counters that count and decide in one atomic statement."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete
from piccolo.columns.column_types import BigInt, ForeignKey, Integer, Serial, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.engine import engine_finder
from piccolo.table import Table

ID = "2026-12-02T10:05:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "sessions"


# Frozen copies of the tables as this migration knows them (never import core.platform.tables here).
class Account(Table, tablename="account"):
    id = Serial(primary_key=True)


class AccountSession(Table, tablename="account_session"):
    token_hash = Varchar(length=64, unique=True)
    account = ForeignKey(references=Account, on_delete=OnDelete.cascade)
    created_at = Timestamptz(default=TimestamptzNow())
    last_seen_at = Timestamptz(default=TimestamptzNow())
    user_agent = Varchar(length=300, default="")
    address = Varchar(length=64, default="")
    revoked_at = Timestamptz(null=True, default=None)


class RateLimitCounter(Table, tablename="rate_limit_counter"):
    key = Varchar(length=100, unique=True)
    window_start = BigInt(default=0)
    attempts = Integer(default=0)


NEW_TABLES = (AccountSession, RateLimitCounter)

STATEMENTS = [
    "CREATE INDEX IF NOT EXISTS ix_account_session_account ON account_session (account)",
    # Replaced by rate_limit_counter: its check-then-insert let parallel attempts past the limit.
    "DROP TABLE IF EXISTS rate_limit_hit",
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="giuria", description=DESCRIPTION)

    async def create_tables():
        engine = engine_finder()
        for table in NEW_TABLES:
            table._meta.db = engine
            await table.create_table(if_not_exists=True)
        for statement in STATEMENTS:
            await engine.run_ddl(statement)

    manager.add_raw(create_tables)
    return manager

"""Personal API tokens: hashed, scoped (read or write, optionally one edition), expiring, revocable; and webhook
secrets that rotate with an overlap window."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete
from piccolo.columns.column_types import ForeignKey, Serial, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.engine import engine_finder
from piccolo.table import Table

ID = "2026-12-02T18:01:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "api tokens, webhook secret rotation"


# Frozen copies of the tables as this migration knows them (never import core.platform.tables here).
class Account(Table, tablename="account"):
    id = Serial(primary_key=True)


class Edition(Table, tablename="edition"):
    id = Serial(primary_key=True)


class ApiToken(Table, tablename="api_token"):
    account = ForeignKey(references=Account, on_delete=OnDelete.cascade)
    name = Varchar(length=100, default="")
    token_hash = Varchar(length=64, unique=True)
    prefix = Varchar(length=16, default="")
    scope = Varchar(length=10, default="read")
    edition = ForeignKey(references=Edition, null=True, on_delete=OnDelete.cascade)
    created_at = Timestamptz(default=TimestamptzNow())
    expires_at = Timestamptz(null=True, default=None)
    last_used_at = Timestamptz(null=True, default=None)
    revoked_at = Timestamptz(null=True, default=None)


NEW_TABLES = (ApiToken,)

STATEMENTS = [
    "CREATE INDEX IF NOT EXISTS ix_api_token_account ON api_token (account)",
    # Webhook secrets rotate with an overlap: the old secret signs too until its end.
    "ALTER TABLE webhook_subscription ADD COLUMN previous_secret VARCHAR(100) NOT NULL DEFAULT ''",
    "ALTER TABLE webhook_subscription ADD COLUMN previous_secret_until TIMESTAMPTZ NULL DEFAULT NULL",
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

"""Round passage: the applications an organiser moved into a round, and published decisions needing review."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete
from piccolo.columns.column_types import Boolean, ForeignKey, Serial, Timestamptz
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod
from piccolo.engine import engine_finder
from piccolo.table import Table

ID = "2026-12-02T11:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "round passage"


# Frozen copies of the tables as this migration knows them (never import core.platform.tables here).
class Account(Table, tablename="account"):
    id = Serial(primary_key=True)


class Round(Table, tablename="round"):
    id = Serial(primary_key=True)


class Application(Table, tablename="application"):
    id = Serial(primary_key=True)


class RoundEntry(Table, tablename="round_entry"):
    round = ForeignKey(references=Round)
    application = ForeignKey(references=Application)
    moved_by = ForeignKey(references=Account, null=True, on_delete=OnDelete.set_null)
    moved_at = Timestamptz(default=TimestamptzNow())


NEW_TABLES = (RoundEntry,)

INDEXES = [
    "CREATE UNIQUE INDEX IF NOT EXISTS uq_round_entry_round_application ON round_entry (round, application)",
    "CREATE INDEX IF NOT EXISTS ix_round_entry_application ON round_entry (application)",
]

PLAIN = {"primary_key": False, "unique": False, "index": False, "index_method": IndexMethod.btree,
         "choices": None, "db_column_name": None, "secret": False}


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="giuria", description=DESCRIPTION)
    manager.add_column(
        table_class_name="Decision", tablename="decision", column_name="needs_review", db_column_name="needs_review",
        column_class_name="Boolean", column_class=Boolean, params={**PLAIN, "default": False, "null": False},
        schema=None)

    async def create_tables():
        engine = engine_finder()
        for table in NEW_TABLES:
            table._meta.db = engine
            await table.create_table(if_not_exists=True)
        for statement in INDEXES:
            await engine.run_ddl(statement)

    manager.add_raw(create_tables)
    return manager

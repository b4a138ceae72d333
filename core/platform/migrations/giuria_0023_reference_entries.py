"""Live juror calibration: reference entries of a round with their agreed scores (or a calibration panel)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete
from piccolo.columns.column_types import JSON, ForeignKey, Serial, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.engine import engine_finder
from piccolo.table import Table

ID = "2026-12-03T13:41:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "reference entries"


# Frozen copies of the tables as this migration knows them (never import core.platform.tables here).
class Account(Table, tablename="account"):
    id = Serial(primary_key=True)


class Round(Table, tablename="round"):
    id = Serial(primary_key=True)


class Application(Table, tablename="application"):
    id = Serial(primary_key=True)


class ReferenceEntry(Table, tablename="reference_entry"):
    round = ForeignKey(references=Round)
    application = ForeignKey(references=Application)
    source = Varchar(length=20, default="agreed")
    agreed = JSON(default={})
    panel = JSON(default=[])
    confirmed_at = Timestamptz(null=True, default=None)
    created_by = ForeignKey(references=Account, null=True, on_delete=OnDelete.set_null)
    created_at = Timestamptz(default=TimestamptzNow())


NEW_TABLES = (ReferenceEntry,)

INDEXES = [
    "CREATE UNIQUE INDEX IF NOT EXISTS uq_reference_entry_round_application ON reference_entry (round, application)",
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="giuria", description=DESCRIPTION)

    async def create_tables():
        engine = engine_finder()
        for table in NEW_TABLES:
            table._meta.db = engine
            await table.create_table(if_not_exists=True)
        for statement in INDEXES:
            await engine.run_ddl(statement)

    manager.add_raw(create_tables)
    return manager

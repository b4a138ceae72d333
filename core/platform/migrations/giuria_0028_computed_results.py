"""Computed results: a round's bootstrap ranking or a chart kept for the data it was computed on, shared by every
worker."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete
from piccolo.columns.column_types import JSON, ForeignKey, Serial, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.engine import engine_finder
from piccolo.table import Table

ID = "2026-12-03T13:50:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "computed results"


# Frozen copies of the tables as this migration knows them (never import core.platform.tables here).
class Edition(Table, tablename="edition"):
    id = Serial(primary_key=True)


class ComputedResult(Table, tablename="computed_result"):
    kind = Varchar(length=40)
    edition = ForeignKey(references=Edition, on_delete=OnDelete.cascade)
    view = Varchar(length=200)
    fingerprint = Varchar(length=64)
    result = JSON(default={})
    computed_at = Timestamptz(default=TimestamptzNow())


NEW_TABLES = (ComputedResult,)

INDEXES = [
    "CREATE UNIQUE INDEX IF NOT EXISTS uq_computed_result_kind_edition_view ON computed_result (kind, edition, view)",
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

"""The live room: the revealed rankings of a live final, and one vote per badge code per pitch."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete
from piccolo.columns.column_types import JSON, ForeignKey, Serial, Timestamptz
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.engine import engine_finder
from piccolo.table import Table

ID = "2026-12-03T13:47:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "live room"


# Frozen copies of the tables as this migration knows them (never import core.platform.tables here).
class Account(Table, tablename="account"):
    id = Serial(primary_key=True)


class Round(Table, tablename="round"):
    id = Serial(primary_key=True)


class LiveReveal(Table, tablename="live_reveal"):
    round = ForeignKey(references=Round, unique=True)
    jury = JSON(default=[])
    audience = JSON(default=[])
    revealed_by = ForeignKey(references=Account, null=True, on_delete=OnDelete.set_null)
    created_at = Timestamptz(default=TimestamptzNow())


NEW_TABLES = (LiveReveal,)

INDEXES = [
    # A badge code votes once per pitch, however many devices carry it (two parallel votes cannot both pass).
    "CREATE UNIQUE INDEX IF NOT EXISTS uq_audience_vote_slot_badge ON audience_vote (slot, badge_code) "
    "WHERE badge_code <> ''",
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

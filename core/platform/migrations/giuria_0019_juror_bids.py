"""Juror bids: a bidding window on rounds, and each juror's yes / maybe / no on the round's entries."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import ForeignKey, Serial, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.engine import engine_finder
from piccolo.table import Table

ID = "2026-12-02T11:05:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "juror bids"


# Frozen copies of the tables as this migration knows them (never import core.platform.tables here).
class Account(Table, tablename="account"):
    id = Serial(primary_key=True)


class Round(Table, tablename="round"):
    id = Serial(primary_key=True)


class Application(Table, tablename="application"):
    id = Serial(primary_key=True)


class JurorBid(Table, tablename="juror_bid"):
    round = ForeignKey(references=Round)
    application = ForeignKey(references=Application)
    juror = ForeignKey(references=Account)
    bid = Varchar(length=16)
    updated_at = Timestamptz(default=TimestamptzNow())


NEW_TABLES = (JurorBid,)

INDEXES = [
    "CREATE UNIQUE INDEX IF NOT EXISTS uq_juror_bid_round_application_juror "
    "ON juror_bid (round, application, juror)",
    "CREATE INDEX IF NOT EXISTS ix_juror_bid_juror ON juror_bid (juror)",
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="giuria", description=DESCRIPTION)

    async def create_tables():
        engine = engine_finder()
        for name in ("bidding_opens_at", "bidding_closes_at"):
            await engine.run_ddl(f'ALTER TABLE "round" ADD COLUMN {name} TIMESTAMPTZ NULL DEFAULT NULL')
        for table in NEW_TABLES:
            table._meta.db = engine
            await table.create_table(if_not_exists=True)
        for statement in INDEXES:
            await engine.run_ddl(statement)

    manager.add_raw(create_tables)
    return manager

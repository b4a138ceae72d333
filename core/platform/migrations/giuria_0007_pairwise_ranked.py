"""Pairwise comparisons and ranked-vote ballots, one row per juror's choice or ballot.

Piccolo runs raw steps before it adds tables, so the tables (as they are at this migration) are
created here along with their composite unique indexes. The table classes are built on each run:
a Piccolo table keeps the engine it first met, and tests migrate SQLite and PostgreSQL in one process.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import JSON, ForeignKey, Integer, Serial, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.engine import engine_finder
from piccolo.table import Table

ID = "2026-11-25T12:07:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "pairwise and ranked rounds"

INDEXES = [
    "CREATE UNIQUE INDEX IF NOT EXISTS uq_comparison_round_juror_entry_a_entry_b "
    "ON comparison (round, juror, entry_a, entry_b)",
    "CREATE INDEX IF NOT EXISTS ix_comparison_round ON comparison (round)",
    "CREATE UNIQUE INDEX IF NOT EXISTS uq_ranking_ballot_round_juror ON ranking_ballot (round, juror)",
]


def _tables(engine) -> tuple[type[Table], ...]:
    class Account(Table, tablename="account", db=engine):
        id = Serial(primary_key=True)

    class Application(Table, tablename="application", db=engine):
        id = Serial(primary_key=True)

    class Round(Table, tablename="round", db=engine):
        id = Serial(primary_key=True)

    class Comparison(Table, tablename="comparison", db=engine):
        round = ForeignKey(references=Round)
        juror = ForeignKey(references=Account)
        entry_a = ForeignKey(references=Application)
        entry_b = ForeignKey(references=Application)
        winner = ForeignKey(references=Application)
        created_at = Timestamptz(default=TimestamptzNow())

    class RankingBallot(Table, tablename="ranking_ballot", db=engine):
        round = ForeignKey(references=Round)
        juror = ForeignKey(references=Account)
        positions = JSON(default={})
        status = Varchar(length=20, default="draft")
        version = Integer(default=1)
        updated_at = Timestamptz(default=TimestamptzNow())
        submitted_at = Timestamptz(null=True, default=None)

    return Comparison, RankingBallot


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="giuria", description=DESCRIPTION)

    async def create_tables():
        engine = engine_finder()
        for table in _tables(engine):
            await table.create_table(if_not_exists=True)
        for statement in INDEXES:
            await engine.run_ddl(statement)

    manager.add_raw(create_tables)
    return manager

"""Juror profiles per edition (expertise, organisation, languages, loads) and stored assignment proposals.

The tables are declared here as they are at this migration (not imported from core.platform.tables) and created
inside one raw step, because the raw steps of a migration run before its added tables and the indexes
need the tables.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete
from piccolo.columns.column_types import JSON, ForeignKey, Integer, Serial, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.engine import engine_finder
from piccolo.table import Table

ID = "2026-11-25T12:05:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "assignment service"

INDEXES = [
    "CREATE UNIQUE INDEX IF NOT EXISTS uq_juror_profile_edition_juror ON juror_profile (edition, juror)",
    "CREATE INDEX IF NOT EXISTS ix_assignment_proposal_round ON assignment_proposal (round)",
    "CREATE INDEX IF NOT EXISTS ix_assignment_round_status ON assignment (round, status)",
]


def _tables(engine) -> list[type[Table]]:
    # Declared per run: a class's engine is fixed on first use, and tests migrate SQLite and PostgreSQL.
    class Account(Table, tablename="account", db=engine):
        id = Serial(primary_key=True)

    class Edition(Table, tablename="edition", db=engine):
        id = Serial(primary_key=True)

    class Round(Table, tablename="round", db=engine):
        id = Serial(primary_key=True)

    class JurorProfile(Table, tablename="juror_profile", db=engine):
        edition = ForeignKey(references=Edition)
        juror = ForeignKey(references=Account)
        tracks = JSON(default=[])
        organisation = Varchar(length=200, default="")
        languages = JSON(default=[])
        min_load = Integer(null=True, default=None)
        max_load = Integer(null=True, default=None)
        updated_at = Timestamptz(default=TimestamptzNow())

    class AssignmentProposal(Table, tablename="assignment_proposal", db=engine):
        round = ForeignKey(references=Round)
        created_by = ForeignKey(references=Account, null=True, on_delete=OnDelete.set_null)
        options = JSON(default={})
        basis = Varchar(length=64)
        pairs = JSON(default=[])
        summary = JSON(default={})
        created_at = Timestamptz(default=TimestamptzNow())

    return [JurorProfile, AssignmentProposal]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="giuria", description=DESCRIPTION)

    async def create_tables_and_indexes():
        engine = engine_finder()
        for table in _tables(engine):
            await table.create_table(if_not_exists=True)
        for statement in INDEXES:
            await engine.run_ddl(statement)

    manager.add_raw(create_tables_and_indexes)
    return manager

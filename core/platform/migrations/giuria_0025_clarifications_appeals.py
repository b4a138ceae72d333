"""Clarifications (a juror's question to an applicant during a round) and appeals (an applicant's, after a
round's decisions are published)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete
from piccolo.columns.column_types import (
    JSON,
    ForeignKey,
    Serial,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.engine import engine_finder
from piccolo.table import Table

ID = "2026-12-03T13:43:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "clarifications and appeals"


# Frozen copies of the tables as this migration knows them (never import core.platform.tables here).
class Account(Table, tablename="account"):
    id = Serial(primary_key=True)


class Round(Table, tablename="round"):
    id = Serial(primary_key=True)


class Application(Table, tablename="application"):
    id = Serial(primary_key=True)


class Clarification(Table, tablename="clarification"):
    round = ForeignKey(references=Round)
    application = ForeignKey(references=Application)
    asked_by = ForeignKey(references=Account, null=True, on_delete=OnDelete.set_null)
    question = Text(default="")
    question_sent = Text(default="")
    status = Varchar(length=20, default="asked")
    decline_reason = Text(default="")
    reviewed_by = ForeignKey(references=Account, null=True, on_delete=OnDelete.set_null)
    reviewed_at = Timestamptz(null=True, default=None)
    due_at = Timestamptz(null=True, default=None)
    answer = Text(default="")
    answered_at = Timestamptz(null=True, default=None)
    answer_shown = Text(default="")
    answer_decisions = JSON(default={})
    shown_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())


class Appeal(Table, tablename="appeal"):
    round = ForeignKey(references=Round)
    application = ForeignKey(references=Application)
    applicant = ForeignKey(references=Account, null=True, on_delete=OnDelete.set_null)
    ground = Varchar(length=30)
    text = Text(default="")
    status = Varchar(length=20, default="pending")
    effect = Varchar(length=20, default="")
    new_outcome = Varchar(length=30, default="")
    reasons = Text(default="")
    decided_by = ForeignKey(references=Account, null=True, on_delete=OnDelete.set_null)
    decided_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())


NEW_TABLES = (Clarification, Appeal)

INDEXES = [
    "CREATE INDEX IF NOT EXISTS ix_clarification_round_application ON clarification (round, application)",
    "CREATE INDEX IF NOT EXISTS ix_clarification_status ON clarification (status)",
    "CREATE UNIQUE INDEX IF NOT EXISTS uq_appeal_round_application ON appeal (round, application)",
    "CREATE INDEX IF NOT EXISTS ix_appeal_status ON appeal (status)",
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

"""Feedback to applicants: the rounds whose feedback was released, and organisers' edits of jurors' comments."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete
from piccolo.columns.column_types import (
    Boolean,
    ForeignKey,
    Serial,
    Text,
    Timestamptz,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.engine import engine_finder
from piccolo.table import Table

ID = "2026-12-03T13:42:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "applicant feedback"


# Frozen copies of the tables as this migration knows them (never import core.platform.tables here).
class Account(Table, tablename="account"):
    id = Serial(primary_key=True)


class Round(Table, tablename="round"):
    id = Serial(primary_key=True)


class Review(Table, tablename="review"):
    id = Serial(primary_key=True)


class FeedbackRelease(Table, tablename="feedback_release"):
    round = ForeignKey(references=Round, unique=True)
    released_by = ForeignKey(references=Account, null=True, on_delete=OnDelete.set_null)
    released_at = Timestamptz(default=TimestamptzNow())


class FeedbackComment(Table, tablename="feedback_comment"):
    review = ForeignKey(references=Review, unique=True)
    text = Text(default="")
    withheld = Boolean(default=False)
    reason = Text(default="")
    edited_by = ForeignKey(references=Account, null=True, on_delete=OnDelete.set_null)
    edited_at = Timestamptz(default=TimestamptzNow())


NEW_TABLES = (FeedbackRelease, FeedbackComment)

INDEXES: list[str] = []


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

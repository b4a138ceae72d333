"""Blind rounds: each application's answers as blind jurors read them, with the organiser's decisions."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete
from piccolo.columns.column_types import JSON, ForeignKey, Integer, Serial, Timestamptz
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.engine import engine_finder
from piccolo.table import Table

ID = "2026-12-02T10:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "answer redaction for blind rounds"


# Frozen copies of the tables as this migration knows them (never import core.platform.tables here).
class Account(Table, tablename="account"):
    id = Serial(primary_key=True)


class Application(Table, tablename="application"):
    id = Serial(primary_key=True)


class AnswerRedaction(Table, tablename="answer_redaction"):
    application = ForeignKey(references=Application)
    texts = JSON(default={})
    decisions = JSON(default={})
    unreviewed = Integer(default=0)
    checked_version = Integer(default=0)
    detector = Integer(default=0)
    updated_by = ForeignKey(references=Account, null=True, on_delete=OnDelete.set_null)
    updated_at = Timestamptz(default=TimestamptzNow())


NEW_TABLES = (AnswerRedaction,)

INDEXES = [
    "CREATE UNIQUE INDEX IF NOT EXISTS uq_answer_redaction_application ON answer_redaction (application)",
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

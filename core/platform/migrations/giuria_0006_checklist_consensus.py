"""Checklist answers on reviews; consensus threads, their messages and the chair's consensus score."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import JSON, Boolean, DoublePrecision, ForeignKey, Serial, Text, Timestamptz
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod
from piccolo.engine import engine_finder
from piccolo.table import Table

ID = "2026-11-25T12:06:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "checklist and consensus"


def _stub(name: str, tablename: str) -> type[Table]:
    """A minimal table class for a foreign key target, as Piccolo's own migrations do."""
    return type(name, (Table,), {"id": Serial(null=False, primary_key=True, db_column_name="id")},
                tablename=tablename, schema=None)


Account = _stub("Account", "account")
Application = _stub("Application", "application")
Round = _stub("Round", "round")
ConsensusThread = _stub("ConsensusThread", "consensus_thread")


def _params(**params) -> dict:
    return {"null": False, "primary_key": False, "unique": False, "index": False, "index_method": IndexMethod.btree,
            "choices": None, "db_column_name": None, "secret": False, **params}


def _foreign_key(references: type[Table], *, nullable: bool) -> dict:
    return _params(references=references, on_delete=OnDelete.set_null if nullable else OnDelete.cascade,
                   on_update=OnUpdate.cascade, target_column=None, null=nullable, default=None)


class _ThenIndexes(MigrationManager):
    """Piccolo runs raw steps before it creates tables; these indexes need the tables, so they come after."""

    async def run(self, backwards: bool = False):
        await super().run(backwards=backwards)
        if not backwards and not self.preview:
            engine = engine_finder()
            await engine.run_ddl("CREATE UNIQUE INDEX IF NOT EXISTS uq_consensus_thread_round_application "
                                 "ON consensus_thread (round, application)")
            await engine.run_ddl("CREATE INDEX IF NOT EXISTS ix_consensus_message_thread ON consensus_message (thread)")


async def forwards():
    manager = _ThenIndexes(migration_id=ID, app_name="giuria", description=DESCRIPTION)

    def column(class_name: str, tablename: str, name: str, column_class, params: dict) -> None:
        manager.add_column(table_class_name=class_name, tablename=tablename, column_name=name, db_column_name=name,
                           column_class_name=column_class.__name__, column_class=column_class, params=params,
                           schema=None)

    column("Review", "review", "checklist", JSON, _params(default="{}"))

    manager.add_table(class_name="ConsensusThread", tablename="consensus_thread", schema=None, columns=None)
    column("ConsensusThread", "consensus_thread", "round", ForeignKey, _foreign_key(Round, nullable=False))
    column("ConsensusThread", "consensus_thread", "application", ForeignKey,
           _foreign_key(Application, nullable=False))
    column("ConsensusThread", "consensus_thread", "opened_by", ForeignKey, _foreign_key(Account, nullable=True))
    column("ConsensusThread", "consensus_thread", "opened_at", Timestamptz, _params(default=TimestamptzNow()))
    column("ConsensusThread", "consensus_thread", "score", DoublePrecision, _params(default=None, null=True))
    column("ConsensusThread", "consensus_thread", "reason", Text, _params(default=""))
    column("ConsensusThread", "consensus_thread", "decided_by", ForeignKey, _foreign_key(Account, nullable=True))
    column("ConsensusThread", "consensus_thread", "decided_at", Timestamptz, _params(default=None, null=True))

    manager.add_table(class_name="ConsensusMessage", tablename="consensus_message", schema=None, columns=None)
    column("ConsensusMessage", "consensus_message", "thread", ForeignKey,
           _foreign_key(ConsensusThread, nullable=False))
    column("ConsensusMessage", "consensus_message", "author", ForeignKey, _foreign_key(Account, nullable=True))
    column("ConsensusMessage", "consensus_message", "by_chair", Boolean, _params(default=False))
    column("ConsensusMessage", "consensus_message", "body", Text, _params(default=""))
    column("ConsensusMessage", "consensus_message", "posted_at", Timestamptz, _params(default=TimestamptzNow()))

    return manager

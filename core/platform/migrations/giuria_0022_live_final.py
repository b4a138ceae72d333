"""The live final: pitch slots and their clock, the stage, juror score receipts, audience badges and votes, and the
event log that pages catch up from."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete
from piccolo.columns.column_types import (
    JSON,
    Boolean,
    DoublePrecision,
    ForeignKey,
    Integer,
    Serial,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.engine import engine_finder
from piccolo.table import Table

ID = "2026-12-03T13:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "live final"


# Frozen copies of the tables as this migration knows them (never import core.platform.tables here).
class Account(Table, tablename="account"):
    id = Serial(primary_key=True)


class Round(Table, tablename="round"):
    id = Serial(primary_key=True)


class Application(Table, tablename="application"):
    id = Serial(primary_key=True)


class PitchSlot(Table, tablename="pitch_slot"):
    round = ForeignKey(references=Round)
    application = ForeignKey(references=Application)
    position = Integer(default=0)
    pitch_seconds = Integer(default=300)
    qa_seconds = Integer(default=300)
    room = Varchar(length=120, default="")
    status = Varchar(length=20, default="waiting")
    phase_started_at = Timestamptz(null=True, default=None)
    paused_remaining = Integer(null=True, default=None)
    scoring = Varchar(length=10, default="closed")
    scoring_opened_at = Timestamptz(null=True, default=None)
    scoring_closed_at = Timestamptz(null=True, default=None)
    voting = Varchar(length=10, default="closed")
    version = Integer(default=1)


class LiveStage(Table, tablename="live_stage"):
    round = ForeignKey(references=Round, unique=True)
    current_slot = ForeignKey(references=PitchSlot, null=True, on_delete=OnDelete.set_null)
    audience_vote = Boolean(default=False)
    badge_codes_required = Boolean(default=False)
    revealed_at = Timestamptz(null=True, default=None)
    updated_at = Timestamptz(default=TimestamptzNow())


class LiveScoreReceipt(Table, tablename="live_score_receipt"):
    juror = ForeignKey(references=Account)
    client_id = Varchar(length=64)
    slot = ForeignKey(references=PitchSlot)
    criterion = Varchar(length=40)
    value = DoublePrecision(null=True, default=None)
    outcome = Varchar(length=20, default="applied")
    received_at = Timestamptz(default=TimestamptzNow())


class AudienceBadge(Table, tablename="audience_badge"):
    round = ForeignKey(references=Round)
    code = Varchar(length=40)
    created_at = Timestamptz(default=TimestamptzNow())


class AudienceVote(Table, tablename="audience_vote"):
    slot = ForeignKey(references=PitchSlot)
    device_hash = Varchar(length=64)
    value = Integer(default=0)
    address_hash = Varchar(length=64, default="")
    agent_hash = Varchar(length=64, default="")
    badge_code = Varchar(length=40, default="")
    flag = Varchar(length=40, default="")
    created_at = Timestamptz(default=TimestamptzNow())


class LiveEvent(Table, tablename="live_event"):
    round = ForeignKey(references=Round)
    kind = Varchar(length=40)
    payload = JSON(default={})
    created_at = Timestamptz(default=TimestamptzNow())


NEW_TABLES = (PitchSlot, LiveStage, LiveScoreReceipt, AudienceBadge, AudienceVote, LiveEvent)

INDEXES = [
    "CREATE UNIQUE INDEX IF NOT EXISTS uq_pitch_slot_round_application ON pitch_slot (round, application)",
    "CREATE UNIQUE INDEX IF NOT EXISTS uq_live_score_receipt_juror_client ON live_score_receipt (juror, client_id)",
    "CREATE UNIQUE INDEX IF NOT EXISTS uq_audience_badge_round_code ON audience_badge (round, code)",
    "CREATE UNIQUE INDEX IF NOT EXISTS uq_audience_vote_slot_device ON audience_vote (slot, device_hash)",
    "CREATE INDEX IF NOT EXISTS ix_audience_vote_slot_created ON audience_vote (slot, created_at)",
    "CREATE INDEX IF NOT EXISTS ix_live_event_round_id ON live_event (round, id)",
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

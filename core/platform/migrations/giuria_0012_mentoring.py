"""The mentoring path: mentor profiles and preferences, confirmed matches, reviewed milestones, reminders
sent once, KPI reporters and attendance at the path's events."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import (
    JSON,
    DoublePrecision,
    ForeignKey,
    Integer,
    Serial,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod
from piccolo.engine import engine_finder
from piccolo.table import Table

ID = "2026-11-25T12:12:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "mentoring path"


# Frozen copies of the tables as this migration knows them (never import core.platform.tables here).
class Account(Table, tablename="account"):
    id = Serial(primary_key=True)


class Edition(Table, tablename="edition"):
    id = Serial(primary_key=True)


class Application(Table, tablename="application"):
    id = Serial(primary_key=True)


class Milestone(Table, tablename="milestone"):
    id = Serial(primary_key=True)


class TimelineEntry(Table, tablename="timeline_entry"):
    id = Serial(primary_key=True)


class MentorProfile(Table, tablename="mentor_profile"):
    edition = ForeignKey(references=Edition)
    account = ForeignKey(references=Account)
    organisation_name = Varchar(length=200, default="")
    tracks = JSON(default=[])
    topics = JSON(default=[])
    capacity = Integer(default=2)
    availability = Text(default="")
    bio = Text(default="")
    updated_at = Timestamptz(default=TimestamptzNow())


class MentorChoice(Table, tablename="mentor_choice"):
    edition = ForeignKey(references=Edition)
    side = Varchar(length=10)
    application = ForeignKey(references=Application)
    mentor = ForeignKey(references=Account)
    rank = Integer()


class MilestoneReminder(Table, tablename="milestone_reminder"):
    milestone = ForeignKey(references=Milestone)
    application = ForeignKey(references=Application)
    kind = Varchar(length=20, default="before_due")
    sent_at = Timestamptz(default=TimestamptzNow())
    mail_id = Integer(null=True, default=None)


class EventAttendance(Table, tablename="event_attendance"):
    event = ForeignKey(references=TimelineEntry)
    application = ForeignKey(references=Application)
    status = Varchar(length=20, default="attended")
    recorded_by = ForeignKey(references=Account, null=True, on_delete=OnDelete.set_null)
    recorded_at = Timestamptz(default=TimestamptzNow())


NEW_TABLES = (MentorProfile, MentorChoice, MilestoneReminder, EventAttendance)

INDEXES = [
    "CREATE UNIQUE INDEX IF NOT EXISTS uq_mentor_profile_edition_account ON mentor_profile (edition, account)",
    "CREATE UNIQUE INDEX IF NOT EXISTS uq_mentor_choice_side_application_mentor "
    "ON mentor_choice (side, application, mentor)",
    "CREATE INDEX IF NOT EXISTS ix_mentor_choice_edition ON mentor_choice (edition)",
    "CREATE UNIQUE INDEX IF NOT EXISTS uq_milestone_submission_milestone_application "
    "ON milestone_submission (milestone, application)",
    "CREATE UNIQUE INDEX IF NOT EXISTS uq_milestone_reminder_milestone_application_kind "
    "ON milestone_reminder (milestone, application, kind)",
    "CREATE UNIQUE INDEX IF NOT EXISTS uq_event_attendance_event_application ON event_attendance (event, application)",
    "CREATE INDEX IF NOT EXISTS ix_mentor_match_application ON mentor_match (application)",
    "CREATE INDEX IF NOT EXISTS ix_mentoring_session_match ON mentoring_session (match)",
]

PLAIN = {"primary_key": False, "unique": False, "index": False, "index_method": IndexMethod.btree,
         "choices": None, "db_column_name": None, "secret": False}


def _add(manager: MigrationManager, table: str, tablename: str, column: str, column_class, **params) -> None:
    manager.add_column(
        table_class_name=table, tablename=tablename, column_name=column, db_column_name=column,
        column_class_name=column_class.__name__, column_class=column_class, params={**PLAIN, **params}, schema=None)


def _account_fk() -> dict:
    return {"references": Account, "on_delete": OnDelete.set_null, "on_update": OnUpdate.cascade,
            "target_column": None, "null": True, "default": None}


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="giuria", description=DESCRIPTION)
    match = ("MentorMatch", "mentor_match")
    _add(manager, *match, "affinity", DoublePrecision, default=0.0, null=False)
    _add(manager, *match, "confirmed_at", Timestamptz, default=None, null=True)
    _add(manager, *match, "confirmed_by", ForeignKey, **_account_fk())
    _add(manager, *match, "rematch_reason", Text, default="", null=False)
    _add(manager, *match, "rematch_requested_by", ForeignKey, **_account_fk())
    _add(manager, *match, "rematch_requested_at", Timestamptz, default=None, null=True)
    _add(manager, *match, "ended_at", Timestamptz, default=None, null=True)
    _add(manager, "MentoringSession", "mentoring_session", "recorded_at", Timestamptz, default=None, null=True)
    _add(manager, "Milestone", "milestone", "position", Integer, default=0, null=False)
    _add(manager, "Milestone", "milestone", "remind_days_before", Integer, default=7, null=False)
    submission = ("MilestoneSubmission", "milestone_submission")
    _add(manager, *submission, "note", Text, default="", null=False)
    _add(manager, *submission, "submitted_at", Timestamptz, default=None, null=True)
    _add(manager, *submission, "reviewed_at", Timestamptz, default=None, null=True)
    _add(manager, *submission, "reviewed_by", ForeignKey, **_account_fk())
    _add(manager, "KpiDefinition", "kpi_definition", "position", Integer, default=0, null=False)
    _add(manager, "KpiValue", "kpi_value", "reported_by", ForeignKey, **_account_fk())
    _add(manager, "KpiValue", "kpi_value", "note", Text, default="", null=False)

    async def create_tables():
        engine = engine_finder()
        for table in NEW_TABLES:
            table._meta.db = engine
            await table.create_table(if_not_exists=True)
        for statement in INDEXES:
            await engine.run_ddl(statement)

    manager.add_raw(create_tables)
    return manager

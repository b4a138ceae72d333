"""Invitations to take a role in an edition, and the reminders sent to jurors (the throttle reads them).

The tables are copied here as they were at this migration (Piccolo's advice for repeatable migrations)
and created with their indexes in one raw step: Piccolo runs raw steps before added tables, so indexes
on a table added the usual way could not be made in the same migration.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns import ForeignKey, Serial, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.engine import engine_finder
from piccolo.table import Table

ID = "2026-11-25T12:08:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "invitations and juror reminders"


class Account(Table, tablename="account"):
    id = Serial(primary_key=True)


class Edition(Table, tablename="edition"):
    id = Serial(primary_key=True)


class Organisation(Table, tablename="organisation"):
    id = Serial(primary_key=True)


class Round(Table, tablename="round"):
    id = Serial(primary_key=True)


class Invitation(Table, tablename="invitation"):
    edition = ForeignKey(references=Edition)
    email = Varchar(length=254)
    role = Varchar(length=20)
    round = ForeignKey(references=Round, null=True, on_delete=OnDelete.set_null)
    organisation = ForeignKey(references=Organisation, null=True, on_delete=OnDelete.set_null)
    language = Varchar(length=8, default="it")
    status = Varchar(length=20, default="pending")
    nonce = Varchar(length=40, default="")
    invited_by = ForeignKey(references=Account, null=True, on_delete=OnDelete.set_null)
    account = ForeignKey(references=Account, null=True, on_delete=OnDelete.set_null)
    sent_at = Timestamptz(default=TimestamptzNow())
    expires_at = Timestamptz(default=TimestamptzNow())
    accepted_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())


class JurorReminder(Table, tablename="juror_reminder"):
    round = ForeignKey(references=Round)
    juror = ForeignKey(references=Account)
    sent_by = ForeignKey(references=Account, null=True, on_delete=OnDelete.set_null)
    sent_at = Timestamptz(default=TimestamptzNow())


INDEXES = [
    "CREATE INDEX IF NOT EXISTS ix_invitation_edition_email ON invitation (edition, email)",
    "CREATE INDEX IF NOT EXISTS ix_juror_reminder_round_juror_sent_at ON juror_reminder (round, juror, sent_at)",
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="giuria", description=DESCRIPTION)

    async def create_tables():
        engine = engine_finder()
        for table in (Invitation, JurorReminder):
            table._meta.db = engine
            await table.create_table(if_not_exists=True)
        for statement in INDEXES:
            await engine.run_ddl(statement)

    manager.add_raw(create_tables)
    return manager

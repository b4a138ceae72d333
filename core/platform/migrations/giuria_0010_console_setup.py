"""Mail template overrides per edition, event and language, edited in the organiser console."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete
from piccolo.columns.column_types import ForeignKey, Serial, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.engine import engine_finder
from piccolo.table import Table

ID = "2026-11-25T12:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "console setup: mail template overrides"


class Account(Table, tablename="account", schema=None):
    id = Serial(primary_key=True)


class Edition(Table, tablename="edition", schema=None):
    id = Serial(primary_key=True)


class MailTemplateOverride(Table, tablename="mail_template_override", schema=None):
    # A copy frozen at this migration, so later changes to core.platform.tables do not change what it creates.
    edition = ForeignKey(references=Edition)
    template = Varchar(length=120)
    language = Varchar(length=8)
    subject = Text(default="")
    body_text = Text(default="")
    body_html = Text(default="")
    updated_by = ForeignKey(references=Account, null=True, on_delete=OnDelete.set_null)
    updated_at = Timestamptz(default=TimestamptzNow())


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="giuria", description=DESCRIPTION)

    async def create():
        engine = engine_finder()
        MailTemplateOverride._meta.db = engine
        await MailTemplateOverride.create_table(if_not_exists=True).run()
        await engine.run_ddl(
            "CREATE UNIQUE INDEX IF NOT EXISTS uq_mail_template_override_edition_template_language "
            "ON mail_template_override (edition, template, language)")

    manager.add_raw(create)
    return manager

"""Webhooks: partner organisations' subscriptions to an edition's lifecycle events, and their delivery outbox."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete
from piccolo.columns.column_types import JSON, Boolean, ForeignKey, Integer, Serial, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.engine import engine_finder
from piccolo.table import Table

ID = "2026-11-25T12:13:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "webhooks"


# Frozen copies of the tables as this migration knows them (never import core.platform.tables here).
class Account(Table, tablename="account"):
    id = Serial(primary_key=True)


class Edition(Table, tablename="edition"):
    id = Serial(primary_key=True)


class Organisation(Table, tablename="organisation"):
    id = Serial(primary_key=True)


class WebhookSubscription(Table, tablename="webhook_subscription"):
    edition = ForeignKey(references=Edition)
    organisation = ForeignKey(references=Organisation)
    url = Varchar(length=500)
    secret = Varchar(length=100)
    events = JSON(default=[])
    active = Boolean(default=True)
    created_by = ForeignKey(references=Account, null=True, on_delete=OnDelete.set_null)
    created_at = Timestamptz(default=TimestamptzNow())


class WebhookDelivery(Table, tablename="webhook_delivery"):
    subscription = ForeignKey(references=WebhookSubscription)
    event = Varchar(length=80)
    body = Text()
    status = Varchar(length=20, default="queued")
    attempts = Integer(default=0)
    next_attempt_at = Timestamptz(default=TimestamptzNow())
    delivered_at = Timestamptz(null=True, default=None)
    last_status_code = Integer(null=True, default=None)
    last_error = Text(default="")
    created_at = Timestamptz(default=TimestamptzNow())


NEW_TABLES = (WebhookSubscription, WebhookDelivery)

INDEXES = [
    "CREATE INDEX IF NOT EXISTS ix_webhook_subscription_edition ON webhook_subscription (edition)",
    "CREATE INDEX IF NOT EXISTS ix_webhook_delivery_due ON webhook_delivery (status, next_attempt_at)",
    "CREATE INDEX IF NOT EXISTS ix_webhook_delivery_subscription ON webhook_delivery (subscription)",
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

"""Files sent with outgoing mail (a sponsor's report as PDF), deleted with their mail."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder
from piccolo.engine.postgres import PostgresEngine

ID = "2026-11-25T12:11:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "mail attachments"

POSTGRES = """
CREATE TABLE IF NOT EXISTS mail_attachment (
    id SERIAL PRIMARY KEY,
    mail INTEGER REFERENCES outgoing_mail (id) ON DELETE CASCADE ON UPDATE CASCADE,
    filename VARCHAR(255) NOT NULL DEFAULT '',
    content_type VARCHAR(100) NOT NULL DEFAULT '',
    content BYTEA NOT NULL DEFAULT ''::bytea
)"""
SQLITE = """
CREATE TABLE IF NOT EXISTS mail_attachment (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    mail INTEGER REFERENCES outgoing_mail (id) ON DELETE CASCADE ON UPDATE CASCADE,
    filename VARCHAR(255) NOT NULL DEFAULT '',
    content_type VARCHAR(100) NOT NULL DEFAULT '',
    content BLOB NOT NULL DEFAULT x''
)"""


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="giuria", description=DESCRIPTION)

    async def create_table():
        engine = engine_finder()
        await engine.run_ddl(POSTGRES if isinstance(engine, PostgresEngine) else SQLITE)
        await engine.run_ddl("CREATE INDEX IF NOT EXISTS mail_attachment_mail ON mail_attachment (mail)")

    manager.add_raw(create_table)
    return manager

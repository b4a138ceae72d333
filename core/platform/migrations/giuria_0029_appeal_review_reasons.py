"""Appeals: the reasons for the decision taken after an upheld appeal's re-review, and when it was taken, kept on
the appeal so that the applicant's page shows them."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-04T17:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "appeal review reasons"

STATEMENTS = [
    "ALTER TABLE appeal ADD COLUMN review_reasons TEXT NOT NULL DEFAULT ''",
    "ALTER TABLE appeal ADD COLUMN reviewed_at TIMESTAMPTZ NULL DEFAULT NULL",
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="giuria", description=DESCRIPTION)

    async def add_columns():
        engine = engine_finder()
        for statement in STATEMENTS:
            await engine.run_ddl(statement)

    manager.add_raw(add_columns)
    return manager

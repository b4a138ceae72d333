"""Team members' age band (for aggregate statistics) and per-application deadline extensions."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Timestamptz, Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-11-25T08:20:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "applicant details"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="giuria", description=DESCRIPTION)
    manager.add_column(
        table_class_name="TeamMember", tablename="team_member", column_name="age_band", db_column_name="age_band",
        column_class_name="Varchar", column_class=Varchar,
        params={"length": 20, "default": "", "null": False, "primary_key": False, "unique": False, "index": False,
                "index_method": IndexMethod.btree, "choices": None, "db_column_name": None, "secret": False},
        schema=None,
    )
    manager.add_column(
        table_class_name="Application", tablename="application", column_name="deadline_extended_until",
        db_column_name="deadline_extended_until", column_class_name="Timestamptz", column_class=Timestamptz,
        params={"default": None, "null": True, "primary_key": False, "unique": False, "index": False,
                "index_method": IndexMethod.btree, "choices": None, "db_column_name": None, "secret": False},
        schema=None,
    )
    return manager

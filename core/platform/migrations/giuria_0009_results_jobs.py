"""Long operations: the job table that any worker may claim (large exports, bootstraps of large rounds)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import JSON, ForeignKey, Integer, Serial, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table

ID = "2026-11-25T12:09:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "results jobs"


class Edition(Table, tablename="edition", schema=None):
    id = Serial(null=False, primary_key=True, unique=False, index=False, index_method=IndexMethod.btree,
                choices=None, db_column_name="id", secret=False)


class Account(Table, tablename="account", schema=None):
    id = Serial(null=False, primary_key=True, unique=False, index=False, index_method=IndexMethod.btree,
                choices=None, db_column_name="id", secret=False)


def _params(**extra):
    params = {"null": False, "primary_key": False, "unique": False, "index": False,
              "index_method": IndexMethod.btree, "choices": None, "db_column_name": None, "secret": False}
    params.update(extra)
    return params


COLUMNS = (
    ("kind", Varchar, _params(length=60, default="")),
    ("edition", ForeignKey, _params(references=Edition, on_delete=OnDelete.cascade, on_update=OnUpdate.cascade,
                                    target_column=None, null=True)),
    ("params", JSON, _params(default="{}")),
    ("status", Varchar, _params(length=20, default="queued", index=True)),
    ("progress", Integer, _params(default=0)),
    ("result", JSON, _params(default="{}")),
    ("file_path", Varchar, _params(length=500, default="")),
    ("file_name", Varchar, _params(length=200, default="")),
    ("content_type", Varchar, _params(length=100, default="")),
    ("error", Text, _params(default="")),
    ("attempts", Integer, _params(default=0)),
    ("created_by", ForeignKey, _params(references=Account, on_delete=OnDelete.set_null,
                                       on_update=OnUpdate.cascade, target_column=None, null=True)),
    ("created_at", Timestamptz, _params(default=TimestamptzNow())),
    ("started_at", Timestamptz, _params(default=None, null=True)),
    ("heartbeat_at", Timestamptz, _params(default=None, null=True)),
    ("finished_at", Timestamptz, _params(default=None, null=True)),
)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="giuria", description=DESCRIPTION)
    manager.add_table(class_name="Job", tablename="job", schema=None, columns=None)
    for name, column_class, params in COLUMNS:
        manager.add_column(table_class_name="Job", tablename="job", column_name=name, db_column_name=name,
                           column_class_name=column_class.__name__, column_class=column_class, params=params,
                           schema=None)
    return manager

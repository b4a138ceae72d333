"""The one Piccolo app: all Giuria tables and their migrations."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from core.platform.tables import ALL_TABLES

APP_CONFIG = AppConfig(
    app_name="giuria",
    migrations_folder_path=str(Path(__file__).parent / "migrations"),
    table_classes=list(ALL_TABLES),
    migration_dependencies=[],
    commands=[],
)

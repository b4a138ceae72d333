"""Piccolo's configuration module; `core.platform.db.configure` sets DB from the Giuria settings.

Piccolo looks up DB here each time it needs the engine, so reassigning it switches every
query, migration included, to the configured database.
"""

from piccolo.conf.apps import AppRegistry

DB = None
APP_REGISTRY = AppRegistry(apps=["core.platform.piccolo_app"])

"""Piccolo's configuration module; `core.platform.db.configure` sets DB from the Giuria settings.

Piccolo looks up DB here each time it needs the engine, so reassigning it switches every
query, migration included, to the configured database. APP_REGISTRY is built on first use: only
migrations read it, and Piccolo's app registry imports its migration tools (black among them),
which a worker serving pages never needs.
"""

DB = None


def __getattr__(name: str):
    if name == "APP_REGISTRY":
        from piccolo.conf.apps import AppRegistry

        registry = AppRegistry(apps=["core.platform.piccolo_app"])
        globals()["APP_REGISTRY"] = registry
        return registry
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

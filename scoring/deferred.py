"""Modules imported on first use: SciPy and OR-Tools cost a web worker seconds and tens of MB at start-up,
and most requests (and most commands) never touch them."""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any


class DeferredModule:
    """Stands for a module until an attribute is read, then imports it (once) and reads from it."""

    __slots__ = ("_module", "_name")

    def __init__(self, name: str) -> None:
        self._name = name
        self._module: ModuleType | None = None

    def __getattr__(self, attribute: str) -> Any:
        module = self._module
        if module is None:
            module = self._module = importlib.import_module(self._name)
        return getattr(module, attribute)

    def __repr__(self) -> str:
        return f"<deferred module {self._name!r}{' (imported)' if self._module is not None else ''}>"


def deferred(name: str) -> Any:
    """`name` imported on its first attribute read: `stats = deferred("scipy.stats")` then `stats.norm`."""
    return DeferredModule(name)

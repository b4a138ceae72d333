"""The plugin manager: built-in plugins, installed packages and a plugins directory, enabled per edition.

A plugin that fails to load, raises, or returns invalid data is reported and disabled; the
platform keeps running without it. Built-in plugins implement their hooks `trylast`, so an
outside plugin can replace any default.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import importlib.util
import json
import logging
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pluggy

from core import hookspecs
from core.platform.settings import Settings
from core.plugin_api import (
    JUROR_TASKS,
    REPORT_AUDIENCES,
    REPORT_FORMATS,
    ApplicationSnapshot,
    ConflictEntry,
    ConflictJuror,
    DetectedConflict,
    LifecycleEvent,
    ReportDefinition,
    Rubric,
    WorkflowDefinition,
)
from scoring.rubric import rubric_problems

log = logging.getLogger("giuria.plugins")

ENTRY_POINT_GROUP = "giuria"
# Core behaviour, registered as ordinary plugins: data, so core never imports plugins/ by name.
BUILTIN_PLUGINS: tuple[str, ...] = (
    "plugins.eligibility.standard",
    "plugins.rubrics.welfare",
    "plugins.workflows.standard",
    "plugins.reports.standard",
    "plugins.conflicts.standard",
    "plugins.notifiers.webhooks",
)
# Plugins that come with Giuria but, like an outside plugin, work in an edition only once its organisers enable
# them: by name, the module that holds each.
SHIPPED_PLUGINS: dict[str, str] = {"giuria-fairness": "plugins.reports.fairness"}


@dataclass
class PluginInfo:
    """What `giuria plugins` shows about one plugin."""

    name: str
    version: str
    origin: str
    builtin: bool
    hooks: tuple[str, ...] = ()
    error: str = ""

    @property
    def active(self) -> bool:
        return not self.error


@dataclass(frozen=True)
class RubricOffer:
    """A rubric and the plugin that contributes it."""

    rubric: Rubric
    plugin: str


@dataclass(frozen=True)
class ReportOffer:
    """A report and the plugin that contributes it (to disable it should its build fail)."""

    report: ReportDefinition
    plugin: str


@dataclass
class PluginRegistry:
    """One pluggy manager plus what we know of each plugin; enabled plugins are chosen per call."""

    manager: pluggy.PluginManager = field(default_factory=lambda: _new_manager())
    infos: dict[str, PluginInfo] = field(default_factory=dict)
    _offers: dict[str, list[tuple[str, Any]]] = field(default_factory=dict, repr=False)  # see `_collect`

    # -- registration --------------------------------------------------------------------

    def register(self, plugin: object, *, name: str, origin: str, version: str = "",
                 builtin: bool = False) -> PluginInfo:
        info = PluginInfo(name=name, version=version, origin=origin, builtin=builtin)
        self.infos[name] = info
        self._offers.clear()
        try:
            self.manager.register(plugin, name=name)
        except Exception as error:  # a bad hookimpl signature, an unknown hook, a duplicate name
            info.error = f"could not register: {error}"
            log.error("plugin %s disabled: %s", name, info.error)
            return info
        info.hooks = tuple(sorted(
            caller.name for caller in self.manager.get_hookcallers(plugin) or ()
        ))
        return info

    def record_failure(self, *, name: str, origin: str, error: str, version: str = "") -> None:
        self.infos[name] = PluginInfo(name=name, version=version, origin=origin, builtin=False, error=error)
        log.error("plugin %s disabled: %s", name, error)

    def disable(self, name: str, reason: str) -> None:
        """Take a misbehaving plugin out of every later call in this process, and say why."""
        info = self.infos[name]
        if not info.error:
            info.error = reason
            log.error("plugin %s disabled: %s", name, reason)
        if self.manager.get_plugin(name) is not None:
            self.manager.unregister(name=name)
        self._offers.clear()

    # -- calling -------------------------------------------------------------------------

    def usable(self, name: str, enabled: Iterable[str] | None) -> bool:
        info = self.infos.get(name)
        if info is None or info.error:
            return False
        return info.builtin or enabled is None or name in (enabled if isinstance(enabled, set) else set(enabled))

    def results(self, hook_name: str, *, enabled: Iterable[str] | None = None,
                **kwargs: Any) -> Iterator[tuple[str, Any]]:
        """Call a hook one implementation at a time, so one plugin's failure cannot stop the others.

        `enabled` names the outside plugins an edition turned on; None means every loaded plugin.
        Results come in pluggy's order: outside plugins first, built-in (`trylast`) ones last.
        """
        enabled = None if enabled is None else set(enabled)
        caller = getattr(self.manager.hook, hook_name)
        for impl in reversed(caller.get_hookimpls()):
            if not self.usable(impl.plugin_name, enabled):
                continue
            try:
                result = impl.function(*(kwargs[arg] for arg in impl.argnames))
            except Exception as error:
                self.disable(impl.plugin_name, f"{hook_name} raised {type(error).__name__}: {error}")
                continue
            yield impl.plugin_name, result

    def _collect(self, hook_name: str, enabled: Iterable[str] | None, item_type: type,
                 check: Callable[[Any], list[str]]) -> Iterator[tuple[str, Any]]:
        """The offers of a hook without arguments (rubrics, workflows, reports) from the plugins `enabled` allows.

        Every loaded plugin is asked once, its offers checked and kept: they are the installed code's, the same in
        every worker and for every edition, and a page asked for them (and checked every rubric) at each request.
        Registering or disabling a plugin asks again."""
        if hook_name not in self._offers:
            self._offers[hook_name] = list(self._checked_offers(hook_name, item_type, check))
        allowed = None if enabled is None else set(enabled)
        for plugin, item in self._offers[hook_name]:
            if self.usable(plugin, allowed):
                yield plugin, item

    def _checked_offers(self, hook_name: str, item_type: type,
                        check: Callable[[Any], list[str]]) -> Iterator[tuple[str, Any]]:
        for plugin, result in self.results(hook_name):
            items = result if isinstance(result, list | tuple) else None
            problems = [f"{hook_name} must return a list, got {type(result).__name__}"] if items is None else []
            for item in items or ():
                if not isinstance(item, item_type):
                    problems.append(f"{hook_name} returned a {type(item).__name__}, "
                                    f"expected {item_type.__name__}")
                else:
                    problems.extend(check(item))
            if problems:
                self.disable(plugin, "; ".join(problems))
                continue
            for item in items:
                yield plugin, item

    def rubrics(self, *, enabled: Iterable[str] | None = None) -> dict[str, RubricOffer]:
        """Rubrics by name; when two plugins offer one name, the outside plugin's wins."""
        offers: dict[str, RubricOffer] = {}
        for plugin, rubric in self._collect("giuria_rubrics", enabled, Rubric, rubric_problems):
            offers.setdefault(rubric.name, RubricOffer(rubric=rubric, plugin=plugin))
        return offers

    def find_rubric(self, name: str, *, enabled: Iterable[str] | None = None) -> Rubric | None:
        offer = self.rubrics(enabled=enabled).get(name)
        return offer.rubric if offer else None

    def workflows(self, *, enabled: Iterable[str] | None = None) -> dict[str, WorkflowDefinition]:
        found: dict[str, WorkflowDefinition] = {}
        for _, workflow in self._collect("giuria_workflows", enabled, WorkflowDefinition, _workflow_problems):
            found.setdefault(workflow.name, workflow)
        return found

    def reports(self, *, enabled: Iterable[str] | None = None) -> dict[str, ReportDefinition]:
        return {name: offer.report for name, offer in self.report_offers(enabled=enabled).items()}

    def report_offers(self, *, enabled: Iterable[str] | None = None) -> dict[str, ReportOffer]:
        """Reports by name with the plugin offering each; the outside plugin's wins a shared name."""
        found: dict[str, ReportOffer] = {}
        for plugin, report in self._collect("giuria_reports", enabled, ReportDefinition, _report_problems):
            found.setdefault(report.name, ReportOffer(report=report, plugin=plugin))
        return found

    def eligibility_problems(self, *, application: ApplicationSnapshot, rules: Mapping[str, Any],
                             enabled: Iterable[str] | None = None) -> list[str]:
        """Every reason any enabled plugin gives against submitting; a plugin returning junk is disabled."""
        problems: list[str] = []
        for plugin, result in self.results("giuria_eligibility_problems", enabled=enabled,
                                           application=application, rules=rules):
            if not isinstance(result, list | tuple) or not all(isinstance(p, str) for p in result):
                self.disable(plugin, "giuria_eligibility_problems must return a list of strings")
                continue
            problems.extend(result)
        return problems

    def detect_conflicts(self, *, entries: Sequence[ConflictEntry], jurors: Sequence[ConflictJuror],
                         enabled: Iterable[str] | None = None) -> list[DetectedConflict]:
        """Every conflict any enabled rule plugin finds; a plugin that raises or returns junk is disabled."""
        entry_ids = {e.id for e in entries}
        juror_ids = {j.id for j in jurors}
        found: list[DetectedConflict] = []
        for plugin, result in self.results("giuria_conflict_rules", enabled=enabled, entries=entries, jurors=jurors):
            items = result if isinstance(result, list | tuple) else None
            if items is None or not all(
                    isinstance(c, DetectedConflict) and c.rule and c.entry in entry_ids and c.juror in juror_ids
                    for c in items):
                self.disable(plugin, "giuria_conflict_rules must return a list of DetectedConflict, each naming "
                                     "a rule, an entry and a juror it was given")
                continue
            found.extend(items)
        return found

    def notify(self, event: LifecycleEvent, *, enabled: Iterable[str] | None = None) -> None:
        for _ in self.results("giuria_lifecycle_event", enabled=enabled, event=event):
            pass

    def webhook_payload(self, event: LifecycleEvent, *, enabled: Iterable[str] | None = None) -> dict | None:
        """The body partners' webhooks receive for `event`: the first plugin that answers decides, None sends nothing.

        A plugin returning something other than a JSON object (or None) is disabled.
        """
        for plugin, result in self.results("giuria_webhook_payload", enabled=enabled, event=event):
            if result is None:
                continue
            try:
                if not isinstance(result, dict):
                    raise TypeError(f"got {type(result).__name__}")
                json.dumps(result)
            except (TypeError, ValueError) as error:
                self.disable(plugin, f"giuria_webhook_payload must return a JSON object or None: {error}")
                continue
            return result
        return None


def _workflow_problems(workflow: WorkflowDefinition) -> list[str]:
    problems = [] if workflow.name else ["a workflow has no name"]
    if workflow.juror_task not in JUROR_TASKS:
        problems.append(f"workflow {workflow.name!r}: juror_task must be one of {', '.join(JUROR_TASKS)}")
    if workflow.compute is not None and not callable(workflow.compute):
        problems.append(f"workflow {workflow.name!r}: compute is not callable")
    return problems


def _report_problems(report: ReportDefinition) -> list[str]:
    problems = []
    if report.audience not in REPORT_AUDIENCES:
        problems.append(f"report {report.name!r}: audience must be one of {', '.join(REPORT_AUDIENCES)}")
    unknown = set(report.formats) - set(REPORT_FORMATS)
    if unknown:
        problems.append(f"report {report.name!r}: unknown formats {', '.join(sorted(unknown))}")
    if not callable(report.build):
        problems.append(f"report {report.name!r}: build is not callable")
    return problems


def _new_manager() -> pluggy.PluginManager:
    manager = pluggy.PluginManager(hookspecs.PROJECT)
    manager.add_hookspecs(hookspecs)
    return manager


def _load_builtin(registry: PluginRegistry, module_path: str) -> None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        giuria_version = version("giuria")
    except PackageNotFoundError:
        giuria_version = "dev"
    try:
        module = importlib.import_module(module_path)
    except Exception as error:
        registry.record_failure(name=module_path, origin="built-in", error=f"could not import: {error}")
        return
    registry.register(module, name=module_path, origin="built-in", version=giuria_version, builtin=True)


def _load_shipped(registry: PluginRegistry, name: str, module_path: str) -> None:
    try:
        module = importlib.import_module(module_path)
    except Exception as error:
        registry.record_failure(name=name, origin="shipped with Giuria", error=f"could not import: {error}")
        return
    registry.register(module, name=name, origin="shipped with Giuria", version=_giuria_version())


def _giuria_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("giuria")
    except PackageNotFoundError:
        return "dev"


def _load_entry_points(registry: PluginRegistry) -> None:
    for entry_point in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        distribution = getattr(entry_point, "dist", None)
        origin = f"package {distribution.name}" if distribution else "package"
        version = distribution.version if distribution else ""
        if entry_point.name in registry.infos:
            continue
        try:
            plugin = entry_point.load()
        except Exception as error:
            registry.record_failure(name=entry_point.name, origin=origin, version=version,
                                    error=f"could not import {entry_point.value}: {error}")
            continue
        registry.register(plugin, name=entry_point.name, origin=origin, version=version)


def _load_directory(registry: PluginRegistry, directory: Path) -> None:
    candidates = sorted(
        p for p in directory.iterdir()
        if (p.suffix == ".py" and not p.name.startswith("_")) or (p / "__init__.py").is_file()
    )
    for path in candidates:
        name = path.stem
        module_name = f"giuria_local_plugins.{name}"
        origin = f"directory {directory}"
        try:
            location = path / "__init__.py" if path.is_dir() else path
            spec = importlib.util.spec_from_file_location(module_name, location)
            if spec is None or spec.loader is None:
                raise ImportError(f"cannot load {location}")
            module = importlib.util.module_from_spec(spec)
            sys.modules[module_name] = module
            spec.loader.exec_module(module)
        except Exception as error:
            registry.record_failure(name=name, origin=origin, error=f"could not import {path.name}: {error}")
            continue
        registry.register(module, name=name, origin=origin, version=str(getattr(module, "__version__", "")))


def load_registry(settings: Settings | None = None, *, entry_points: bool = True,
                  builtins: Iterable[str] = BUILTIN_PLUGINS) -> PluginRegistry:
    """Load built-in plugins, installed packages (entry points) and the plugins directory."""
    registry = PluginRegistry()
    for module_path in builtins:
        _load_builtin(registry, module_path)
    for name, module_path in SHIPPED_PLUGINS.items():
        _load_shipped(registry, name, module_path)
    if entry_points:
        _load_entry_points(registry)
    if settings is not None and settings.plugins_dir is not None:
        _load_directory(registry, settings.plugins_dir)
    return registry


_active: PluginRegistry | None = None


def activate(registry: PluginRegistry) -> PluginRegistry:
    """Make `registry` the one core services use in this process (each worker loads its own)."""
    global _active
    _active = registry
    return registry


def active_registry() -> PluginRegistry:
    if _active is None:
        from core.platform.settings import load_settings

        return activate(load_registry(load_settings()))
    return _active


def find_rubric(name: str) -> Rubric | None:
    """A rubric by name from any loaded plugin, for tools that work outside an edition."""
    return active_registry().find_rubric(name)

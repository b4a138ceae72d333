"""The hooks a Giuria plugin may implement; `docs/plugins.md` documents each by its signature.

Hooks are synchronous and pure: plain data in, plain data out. Core does all the I/O.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pluggy

from core.plugin_api import (
    ApplicationSnapshot,
    ConflictEntry,
    ConflictJuror,
    DetectedConflict,
    LifecycleEvent,
    ReportDefinition,
    Rubric,
    WorkflowDefinition,
)

PROJECT = "giuria"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def giuria_rubrics() -> list[Rubric]:
    """Rubrics this plugin offers; each becomes selectable for a round once the plugin is enabled."""


@hookspec
def giuria_workflows() -> list[WorkflowDefinition]:
    """Jury workflows this plugin offers; a round names the one that runs it."""


@hookspec
def giuria_reports() -> list[ReportDefinition]:
    """Reports this plugin can build for organisers or sponsors from an edition's data snapshot."""


@hookspec
def giuria_eligibility_problems(application: ApplicationSnapshot, rules: Mapping[str, Any]) -> list[str]:
    """Why an application may not be submitted under the edition's eligibility rules; empty when eligible."""


@hookspec
def giuria_lifecycle_event(event: LifecycleEvent) -> None:
    """Told after something happened in an edition; the return value is ignored."""


@hookspec
def giuria_conflict_rules(entries: Sequence[ConflictEntry], jurors: Sequence[ConflictJuror]) -> list[DetectedConflict]:
    """The (entry, juror) pairs this plugin's rules forbid in an assignment, each naming its rule."""


@hookspec
def giuria_webhook_payload(event: LifecycleEvent) -> dict[str, Any] | None:
    """The JSON body sent to partners' webhooks for this event, or None not to send it; the first answer wins."""

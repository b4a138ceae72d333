"""Which outside plugins an edition uses, and which rubric each round scores with.

Installed is not enabled: an organiser turns outside plugins on per edition (Edition.enabled_plugins),
and only enabled plugins' rubrics can be chosen for a round. A round's rubric is fixed once scoring
started (a frozen copy, or any review): changing it then would change the meaning of scores given.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.editions.access import EditionNotFound, edition_for_organiser
from core.platform import audit, db
from core.platform.errors import Refused
from core.platform.i18n import gettext as _
from core.platform.identity import SessionUser
from core.platform.tables import Edition, Review, Round
from core.plugins import active_registry

__all__ = ["EditionNotFound", "PluginChoice", "PluginRefused", "RoundRubricChoice"]


class PluginRefused(Refused):
    """The change was refused; `message` says why, in the current language."""


@dataclass(frozen=True)
class PluginChoice:
    name: str
    version: str
    origin: str
    builtin: bool
    enabled: bool
    error: str
    rubrics: tuple[str, ...]
    reports: tuple[str, ...]


@dataclass(frozen=True)
class RoundRubricChoice:
    code: str
    name: dict[str, str]
    rubric_name: str
    choices: tuple[tuple[str, dict[str, str]], ...]
    locked: bool


@dataclass(frozen=True)
class EditionPlugins:
    edition_slug: str
    plugins: list[PluginChoice]
    rounds: list[RoundRubricChoice]


async def _scoring_started(round_row: dict) -> bool:
    if (round_row["rubric"] or {}).get("criteria"):
        return True
    return await Review.exists().where(Review.assignment.round == round_row["id"])


async def edition_plugins(*, actor: SessionUser, edition_slug: str) -> EditionPlugins:
    """Every loaded plugin (working or not, and why), and each rubric round with the rubrics it may use."""
    edition = await edition_for_organiser(actor=actor, edition_slug=edition_slug)
    row = await Edition.select(Edition.enabled_plugins).output(load_json=True).where(Edition.id == edition.id).first()
    enabled = list(row["enabled_plugins"] or [])
    registry = active_registry()
    # Calling the collection hooks surfaces plugins that fail at run time, not only at import.
    all_rubrics = registry.rubrics()
    all_reports = registry.report_offers()
    plugins = [
        PluginChoice(name=info.name, version=info.version, origin=info.origin, builtin=info.builtin,
                     enabled=info.builtin or info.name in enabled, error=info.error,
                     rubrics=tuple(sorted(n for n, o in all_rubrics.items() if o.plugin == info.name)),
                     reports=tuple(sorted(n for n, o in all_reports.items() if o.plugin == info.name)))
        for info in registry.infos.values()
    ]
    usable = registry.rubrics(enabled=enabled)
    rubric_workflows = {name for name, w in registry.workflows(enabled=enabled).items() if w.scores_with_rubric}
    rounds = await Round.select(Round.id, Round.code, Round.name, Round.workflow, Round.kind, Round.rubric,
                                Round.rubric_name).output(load_json=True).where(Round.edition == edition.id).order_by(
                                        Round.position)
    choices = tuple((name, offer.rubric.label) for name, offer in sorted(usable.items()))
    round_choices = [
        RoundRubricChoice(code=r["code"], name=r["name"] or {}, rubric_name=r["rubric_name"],
                          choices=choices, locked=await _scoring_started(r))
        for r in rounds if r["rubric_name"] or ((r["workflow"] or "rubric") in rubric_workflows
                                                and r["kind"] not in ("admissibility", "mentoring"))
    ]
    return EditionPlugins(edition_slug=edition.slug, plugins=plugins, rounds=round_choices)


async def set_plugin_enabled(*, actor: SessionUser, edition_slug: str, plugin: str, enabled: bool) -> None:
    """Turn an outside plugin on or off for the edition; a broken one cannot be turned on."""
    edition = await edition_for_organiser(actor=actor, edition_slug=edition_slug)
    registry = active_registry()
    registry.rubrics(), registry.report_offers()
    info = registry.infos.get(plugin)
    if info is None or info.builtin:
        raise PluginRefused(_("There is no outside plugin of that name."))
    if enabled and info.error:
        raise PluginRefused(_("This plugin is disabled because it failed: {error}").format(error=info.error))
    async with db.write_transaction():
        row = await db.locked(Edition.select(Edition.enabled_plugins).output(load_json=True).where(
                Edition.id == edition.id)).first()
        current = list(row["enabled_plugins"] or [])
        if not enabled:
            offered = {n for n, o in registry.rubrics().items() if o.plugin == plugin}
            in_use = await Round.select(Round.code, Round.rubric).output(load_json=True).where(
                Round.edition == edition.id, Round.rubric_name.is_in(list(offered))) if offered else []
            pending = [r["code"] for r in in_use if not (r["rubric"] or {}).get("criteria")]
            if pending:
                raise PluginRefused(_("Rounds {rounds} use a rubric of this plugin: choose another rubric for "
                                      "them first.").format(rounds=", ".join(pending)))
        updated = sorted({*current, plugin}) if enabled else [p for p in current if p != plugin]
        if updated == current:
            return
        await Edition.update({Edition.enabled_plugins: updated}).where(Edition.id == edition.id)
        await audit.record("plugin.enabled" if enabled else "plugin.disabled", actor_id=actor.id,
                           edition_id=edition.id, subject_type="plugin", subject_id=plugin[:40],
                           data={"plugin": plugin, "version": info.version, "origin": info.origin})


async def choose_round_rubric(*, actor: SessionUser, edition_slug: str, round_code: str, rubric_name: str) -> None:
    """Set the rubric a round scores with, among the edition's enabled plugins', until scoring starts."""
    edition = await edition_for_organiser(actor=actor, edition_slug=edition_slug)
    async with db.write_transaction():
        row = await db.locked(Edition.select(Edition.enabled_plugins).output(load_json=True).where(
                Edition.id == edition.id)).first()
        enabled = list(row["enabled_plugins"] or [])
        offer = active_registry().rubrics(enabled=enabled).get(rubric_name)
        if offer is None:
            raise PluginRefused(_("Choose one of the rubrics offered by the edition's enabled plugins."))
        round_row = await db.locked(Round.select(Round.id, Round.rubric,
                                                 Round.rubric_name).output(load_json=True).where(
            Round.edition == edition.id, Round.code == round_code)).first()
        if round_row is None:
            raise EditionNotFound(round_code)
        if await _scoring_started(round_row):
            raise PluginRefused(_("Scoring has started in this round: its rubric can no longer change."))
        if round_row["rubric_name"] == rubric_name:
            return
        await Round.update({Round.rubric_name: rubric_name}).where(Round.id == round_row["id"])
        await audit.record("round.rubric_chosen", actor_id=actor.id, edition_id=edition.id, subject_type="round",
                           subject_id=round_row["id"],
                           data={"from": round_row["rubric_name"], "to": rubric_name, "plugin": offer.plugin})

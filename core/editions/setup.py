"""Setting an edition up: create it from a file, edit its file in place, and the commonest edits as forms.

Every change goes through `competitions.update_competition`, so the forms and the file editor share one set
of rules: codes match parts, what applications depend on stays, a round's rubric is frozen once a review
exists in it, and after the call opens each change is audited with the list of keys it changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import msgspec

from core.editions import access, competitions
from core.editions.access import EditionNotFound, edition_for_organiser
from core.editions.rubrics import rubric_from_mapping, rubric_to_mapping
from core.editions.schema import CompetitionSpec, RubricSpec, parse_moment
from core.platform.errors import Forbidden, Refused
from core.platform.i18n import gettext as _
from core.platform.i18n import pick
from core.platform.identity import SessionUser
from core.platform.tables import Edition, Review, Round
from core.platform.yaml_source import FileProblems, Problem
from core.plugins import active_registry
from scoring.rubric import Rubric

__all__ = [
    "EditionCreationForbidden", "EditionNotFound", "EditionStructure", "RubricFrozen", "SetupPage", "SetupRefused",
    "apply_edition_text",
    "create_edition", "edition_structure", "edition_yaml", "may_create_edition", "require_may_create_edition",
    "setup_page",
    "update_round_dates", "update_rubric_weights", "update_timeline",
]

LOCAL_INPUT = "%Y-%m-%dT%H:%M"


class SetupRefused(ValueError):
    """A form's values were refused; `errors` maps each field name to what is wrong with it."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


class RubricFrozen(Refused):
    """Scoring has started in the round, so its rubric can no longer change."""

    def __init__(self, round_code: str, round_name: str) -> None:
        super().__init__(_("The rubric of round {round} is frozen: jurors have already started scoring in it.").format(
            round=round_name or round_code))
        self.round_code = round_code


@dataclass(frozen=True)
class DatedItem:
    code: str
    name: dict[str, str]
    starts: str  # as a datetime-local input shows it, in the edition's time zone
    ends: str


@dataclass(frozen=True)
class CriterionWeight:
    code: str
    label: dict[str, str]
    weight: float


@dataclass(frozen=True)
class RubricForm:
    round_code: str
    round_name: dict[str, str]
    rubric_name: str
    criteria: tuple[CriterionWeight, ...]
    frozen: bool


@dataclass(frozen=True)
class SetupPage:
    slug: str
    status: str
    time_zone: str
    timeline: tuple[DatedItem, ...] = ()
    rounds: tuple[DatedItem, ...] = ()
    rubrics: tuple[RubricForm, ...] = ()
    audited: bool = False


@dataclass(frozen=True)
class RoundStructure:
    """A round as set up, with the rubric it scores with now (None for a round without scores)."""

    spec: Any  # the round's RoundSpec, as the edition's file says it
    status: str
    opens_at: datetime | None
    closes_at: datetime | None
    rubric: Rubric | None


@dataclass(frozen=True)
class EditionStructure:
    """The organiser's view of how an edition is built: its file's parts and each round's effective rubric."""

    spec: CompetitionSpec
    rounds: tuple[RoundStructure, ...]


class EditionCreationForbidden(Forbidden):
    """Someone who is neither an admin nor an organiser asked to start an edition."""

    def __init__(self) -> None:
        super().__init__(_("Only organisers and administrators may start a new edition."))


def may_create_edition(actor: SessionUser | None) -> bool:
    """Admins and organisers (of any edition, or of the platform) may start an edition."""
    return actor is not None and (actor.is_admin or actor.has_role("organiser"))


def require_may_create_edition(actor: SessionUser | None) -> None:
    """EditionCreationForbidden (403) unless `actor` may start an edition: a refusal, not a missing page."""
    if not may_create_edition(actor):
        raise EditionCreationForbidden()


async def create_edition(*, actor: SessionUser, text: str) -> str:
    """Import an edition file and make its creator an organiser of it; FileProblems name keys and lines."""
    require_may_create_edition(actor)
    edition_id = await competitions.import_competition_text(text, source="", actor_id=actor.id)
    row = await Edition.select(Edition.slug).where(Edition.id == edition_id).first()
    if not actor.is_admin:
        await access.grant_role(account_id=actor.id, role="organiser", edition_slug=row["slug"], actor_id=actor.id)
    return row["slug"]


async def edition_yaml(*, actor: SessionUser, edition_slug: str) -> str:
    """The edition as a file: what `create_edition` and `apply_edition_text` read back unchanged."""
    await edition_for_organiser(actor=actor, edition_slug=edition_slug)
    return competitions.competition_to_yaml(await competitions.export_competition(edition_slug))


async def apply_edition_text(*, actor: SessionUser, edition_slug: str, text: str) -> list[competitions.Change]:
    """Apply an edited file onto the edition; FileProblems name each refused key with its line."""
    await edition_for_organiser(actor=actor, edition_slug=edition_slug)
    return await competitions.update_competition_text(text, slug=edition_slug, actor_id=actor.id)


def _local(value: str | None, zone: ZoneInfo) -> str:
    if not value:
        return ""
    return parse_moment(value, zone).astimezone(zone).strftime(LOCAL_INPUT)


async def _scored_codes(edition_id: int) -> set[str]:
    rows = await Review.select(Review.assignment.round.code).where(Review.assignment.round.edition == edition_id)
    return {r["assignment.round.code"] for r in rows}


def _effective_rubric(round_row: dict[str, Any], enabled: list[str]):
    stored = round_row["rubric"] or {}
    if stored.get("criteria"):
        return rubric_from_mapping(stored, name=stored.get("name") or round_row["rubric_name"] or round_row["code"])
    if round_row["rubric_name"]:
        return active_registry().find_rubric(round_row["rubric_name"], enabled=enabled)
    return None


async def edition_structure(*, actor: SessionUser, edition_slug: str) -> EditionStructure:
    """Tracks, areas, rounds with their rubrics (criteria, weights, anchors) and prizes, for an organiser."""
    edition = await edition_for_organiser(actor=actor, edition_slug=edition_slug)
    spec = await competitions.export_competition(edition_slug)
    rows = {r["code"]: r for r in await Round.select().output(load_json=True).where(Round.edition == edition.id)}
    enabled = list(spec.plugins)
    return EditionStructure(spec=spec, rounds=tuple(
        RoundStructure(spec=r, status=rows[r.code]["status"], opens_at=rows[r.code]["opens_at"],
                       closes_at=rows[r.code]["closes_at"], rubric=_effective_rubric(rows[r.code], enabled))
        for r in spec.rounds if r.code in rows))


async def setup_page(*, actor: SessionUser, edition_slug: str) -> SetupPage:
    """The timeline, the rounds' dates and the rounds' rubric weights, as the set-up forms show them."""
    edition = await edition_for_organiser(actor=actor, edition_slug=edition_slug)
    spec = await competitions.export_competition(edition_slug)
    zone = ZoneInfo(spec.edition.time_zone)
    enabled = list(spec.plugins)
    scored = await _scored_codes(edition.id)
    rounds = await Round.select().output(load_json=True).where(Round.edition == edition.id).order_by(Round.position)
    rubrics = []
    for row in rounds:
        rubric = _effective_rubric(row, enabled)
        if rubric is None:
            continue
        rubrics.append(RubricForm(
            round_code=row["code"], round_name=row["name"] or {}, rubric_name=rubric.name,
            criteria=tuple(CriterionWeight(code=c.code, label=dict(c.label), weight=c.weight) for c in rubric.criteria),
            frozen=row["code"] in scored))
    return SetupPage(
        slug=edition_slug, status=spec.edition.status, time_zone=spec.edition.time_zone,
        timeline=tuple(DatedItem(code=t.code, name=competitions.label(t.label), starts=_local(t.starts_at, zone),
                                 ends=_local(t.ends_at, zone)) for t in spec.timeline),
        rounds=tuple(DatedItem(code=r.code, name=competitions.label(r.name), starts=_local(r.opens_at, zone),
                               ends=_local(r.closes_at, zone)) for r in spec.rounds),
        rubrics=tuple(rubrics), audited=spec.edition.status != "draft",
    )


def _moment_field(value: str, zone: ZoneInfo, name: str, errors: dict[str, str], *, required: bool) -> str | None:
    value = value.strip()
    if not value:
        if required:
            errors[name] = _("Give a date and time.")
        return None
    try:
        parse_moment(value, zone)
    except ValueError:
        errors[name] = _("Give a date and time such as 2026-05-01T09:00.")
        return None
    return value


def _order(starts: str | None, ends: str | None, zone: ZoneInfo, name: str, errors: dict[str, str]) -> None:
    if starts and ends and parse_moment(ends, zone) < parse_moment(starts, zone):
        errors[name] = _("The end comes before the start.")


async def _apply(actor: SessionUser, spec: CompetitionSpec, field_of) -> list[competitions.Change]:
    try:
        return await competitions.update_competition(spec, slug=spec.edition.slug, actor_id=actor.id)
    except FileProblems as refused:
        raise SetupRefused({field_of(p): p.reason for p in refused.problems}) from None


def _field_by_code(spec_list: list, prefix: str, names: dict[str, str]):
    def field_of(problem: Problem) -> str:
        parts = problem.path.split(".")
        for index, item in enumerate(spec_list):
            if problem.path.startswith(f"{prefix}[{index}]"):
                return f"{item.code}.{names.get(parts[-1], parts[-1])}"
        return "_form"
    return field_of


async def update_timeline(*, actor: SessionUser, edition_slug: str, values: dict[str, tuple[str, str]]
                          ) -> list[competitions.Change]:
    """New start and end for timeline entries by code (local date-times); other entries stay as they are."""
    await edition_for_organiser(actor=actor, edition_slug=edition_slug)
    spec = await competitions.export_competition(edition_slug)
    zone = ZoneInfo(spec.edition.time_zone)
    errors: dict[str, str] = {}
    timeline = []
    for entry in spec.timeline:
        if entry.code in values:
            starts_text, ends_text = values[entry.code]
            starts = _moment_field(starts_text, zone, f"{entry.code}.starts", errors, required=True)
            ends = _moment_field(ends_text, zone, f"{entry.code}.ends", errors, required=False)
            _order(starts, ends, zone, f"{entry.code}.ends", errors)
            entry = msgspec.structs.replace(entry, starts_at=starts or entry.starts_at, ends_at=ends)
        timeline.append(entry)
    if errors:
        raise SetupRefused(errors)
    spec = msgspec.structs.replace(spec, timeline=timeline)
    return await _apply(actor, spec, _field_by_code(timeline, "$.timeline", {"starts_at": "starts",
                                                                             "ends_at": "ends"}))


async def update_round_dates(*, actor: SessionUser, edition_slug: str, values: dict[str, tuple[str, str]]
                             ) -> list[competitions.Change]:
    """New opening and closing for rounds by code (local date-times; empty means not set)."""
    await edition_for_organiser(actor=actor, edition_slug=edition_slug)
    spec = await competitions.export_competition(edition_slug)
    zone = ZoneInfo(spec.edition.time_zone)
    errors: dict[str, str] = {}
    rounds = []
    for r in spec.rounds:
        if r.code in values:
            opens_text, closes_text = values[r.code]
            opens = _moment_field(opens_text, zone, f"{r.code}.starts", errors, required=False)
            closes = _moment_field(closes_text, zone, f"{r.code}.ends", errors, required=False)
            if opens and closes and parse_moment(closes, zone) <= parse_moment(opens, zone):
                errors[f"{r.code}.ends"] = _("The round must close after it opens.")
            r = msgspec.structs.replace(r, opens_at=opens, closes_at=closes)
        rounds.append(r)
    if errors:
        raise SetupRefused(errors)
    spec = msgspec.structs.replace(spec, rounds=rounds)
    return await _apply(actor, spec, _field_by_code(rounds, "$.rounds", {"opens_at": "starts",
                                                                         "closes_at": "ends"}))


async def update_rubric_weights(*, actor: SessionUser, edition_slug: str, round_code: str,
                                weights: dict[str, str]) -> list[competitions.Change]:
    """New weights for a round's criteria; refused with RubricFrozen once a review exists in the round.

    A rubric taken from a plugin becomes the round's own copy with the new weights (and keeps its name).
    """
    edition = await edition_for_organiser(actor=actor, edition_slug=edition_slug)
    row = await Round.select().output(load_json=True).where(Round.edition == edition.id,
                                                            Round.code == round_code).first()
    if row is None:
        raise EditionNotFound(round_code)
    if round_code in await _scored_codes(edition.id):
        raise RubricFrozen(round_code, pick(row["name"] or {}))
    spec = await competitions.export_competition(edition_slug)
    rubric = _effective_rubric(row, list(spec.plugins))
    if rubric is None:
        raise SetupRefused({"_form": _("This round has no rubric.")})
    mapping = rubric_to_mapping(rubric)
    errors: dict[str, str] = {}
    for criterion in mapping["criteria"]:
        text = weights.get(criterion["code"], "").strip().replace(",", ".")
        try:
            weight = float(text)
        except ValueError:
            errors[criterion["code"]] = _("Give a number, such as 1 or 0.25.")
            continue
        if not weight > 0 or weight > 1000:
            errors[criterion["code"]] = _("A weight must be more than 0.")
            continue
        criterion["weight"] = int(weight) if weight.is_integer() else weight
    if errors:
        raise SetupRefused(errors)
    rounds = [msgspec.structs.replace(r, rubric=msgspec.convert(mapping, RubricSpec)) if r.code == round_code else r
              for r in spec.rounds]
    spec = msgspec.structs.replace(spec, rounds=rounds)
    return await _apply(actor, spec, lambda problem: "_form")


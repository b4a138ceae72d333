"""Setting an edition up with forms alone: a new edition, then its tracks, areas, rounds, partners and prizes.

Each form changes one part of the edition's spec. The changed spec is written out as a competition file and
read back with the file's own rules (`competitions.read_competition_file`), so a form and a file can never
disagree; then `competitions.update_competition` applies it, which refuses removing what applications use and
changing a rubric once scoring started. Every change is audited, in draft too.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import msgspec

from core.editions import access, competitions
from core.editions.access import EditionNotFound, edition_for_organiser
from core.editions.geography import REGIONS
from core.editions.schema import (
    EDITION_STATUSES,
    ORGANISATION_KINDS,
    PARTNER_ROLES,
    PRIZE_KINDS,
    AreaSpec,
    CompetitionSpec,
    EditionSpec,
    PartnerSpec,
    PrizeSpec,
    PrizeTargetSpec,
    ProgrammeSpec,
    RoundSpec,
    SectionSpec,
    StatementSpec,
    TimelineSpec,
    TrackSpec,
    parse_moment,
)
from core.editions.setup import SetupRefused, require_may_create_edition
from core.platform.i18n import gettext as _
from core.platform.identity import SessionUser
from core.platform.yaml_source import FileProblems, load_yaml
from core.plugins import active_registry

__all__ = [
    "FORM_ROUND_KINDS", "PRIZE_CONDITIONS", "NewEdition", "SetupParts", "add_area", "add_partner", "add_prize",
    "add_round", "add_track", "edit_area", "edit_edition", "edit_partner", "edit_prize", "edit_round",
    "form_target", "new_edition", "remove_area", "remove_partner", "remove_prize", "remove_round", "remove_track",
    "rename_track", "setup_parts", "suggest_slug",
]

FORM_ROUND_KINDS = ("admissibility", "screening", "final_pitch", "mentoring")


def N_(message: str) -> str:
    return message


PRIZE_TARGETS = ("all_winners", "finalists", "track", "area")
# Conditions an award of a prize can carry, followed on the awards page (their labels are the awards page's).
PRIZE_CONDITIONS = {"credit_check": N_("Credit check by the bank"),
                    "incorporation": N_("Incorporation of the entity")}
MAX_TEXT = 4000
DEFAULT_FORM = Path(__file__).with_name("default_form.yaml")
MAX_NAME = 200


@dataclass(frozen=True)
class NewEdition:
    title_it: str = ""
    title_en: str = ""
    year: str = ""
    slug: str = ""
    time_zone: str = "Europe/Rome"
    opens: str = ""
    closes: str = ""


@dataclass(frozen=True)
class Choice:
    value: str
    label: dict[str, str]


@dataclass(frozen=True)
class SetupParts:
    """What the set-up sections list and offer; codes are kept for the forms, labels are what people see."""

    tracks: tuple[TrackSpec, ...]
    areas: tuple[AreaSpec, ...]
    rounds: tuple[RoundSpec, ...]
    partners: tuple[PartnerSpec, ...]
    prizes: tuple[PrizeSpec, ...]
    rubrics: tuple[Choice, ...]
    workflows: tuple[Choice, ...]
    round_names: dict[str, dict[str, str]]
    track_names: dict[str, dict[str, str]]
    area_names: dict[str, dict[str, str]]
    edition: EditionSpec
    prize_targets: dict[str, str]  # each prize's choice in its form (see `form_target`)
    regions: tuple[str, ...] = tuple(REGIONS)
    prize_conditions: dict[str, str] = dataclasses.field(default_factory=lambda: dict(PRIZE_CONDITIONS))


def suggest_slug(title: str, year: str | int) -> str:
    """Lower-case letters, digits and dashes from the title, then the year: `welfare-che-impresa-2027`."""
    plain = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode("ascii").lower()
    words = re.sub(r"[^a-z0-9]+", "-", plain).strip("-")[:60].strip("-")
    year_text = str(year).strip()
    if year_text and not words.endswith(year_text):
        words = f"{words}-{year_text}" if words else year_text
    return words


def _name_fields(name_it: str, name_en: str, errors: dict[str, str], prefix: str = "name") -> dict[str, str]:
    name = {"it": name_it.strip(), "en": name_en.strip()}
    for language, value in name.items():
        if not value:
            errors[f"{prefix}_{language}"] = _("Give a name in this language.")
        elif len(value) > MAX_NAME:
            errors[f"{prefix}_{language}"] = _("At most {count} characters.").format(count=MAX_NAME)
    return name


def _next_code(prefix: str, taken: set[str]) -> str:
    number = 1
    while f"{prefix}{number}" in taken:
        number += 1
    return f"{prefix}{number}"


def _default_form() -> dict[str, Any]:
    data = load_yaml(DEFAULT_FORM.read_text(encoding="utf-8")).data
    return {"application_form": msgspec.convert(data["application_form"], list[SectionSpec]),
            "declarations": msgspec.convert(data["declarations"], list[StatementSpec]),
            "consents": msgspec.convert(data["consents"], list[StatementSpec])}


def _moment(value: str, zone: ZoneInfo, name: str, errors: dict[str, str], *, required: bool) -> str | None:
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


def _checked(spec: CompetitionSpec, field_of: Callable[[str], str]) -> CompetitionSpec:
    """The spec read back as a file with the file's rules; a problem becomes an error on the field it concerns."""
    try:
        return competitions.read_competition_file(competitions.competition_to_yaml(spec))
    except FileProblems as refused:
        raise SetupRefused({field_of(p.path): p.reason for p in refused.problems}) from None


def _refusal(path: str) -> str:
    """What `update_competition` refused, said to people without codes."""
    if path.startswith("$.tracks"):
        return _("Applications use this track, so it cannot be removed.")
    if path.startswith("$.areas") and path.endswith(".regions"):
        return _("Applications of this area come from a region no longer listed.")
    if path.startswith("$.areas"):
        return _("Applications use this area, so it cannot be removed.")
    if path.startswith("$.prizes") and path.endswith(".target"):
        return _("This prize has been awarded, so who it is for cannot change.")
    if path.startswith("$.prizes") and path.endswith(".quantity"):
        return _("This prize has been awarded more times than that.")
    if path.startswith("$.prizes"):
        return _("This prize has been awarded, so it cannot be removed.")
    if path.startswith("$.rounds") and path.endswith(".jurors_per_entry"):
        return _("Some entries of this round already have more jurors than that.")
    if path.startswith("$.rounds") and path.endswith(".rubric"):
        return _("Jurors have started scoring in this round, so its rubric cannot change.")
    if path.startswith("$.rounds") and path.endswith((".workflow", ".blind", ".kind")):
        return _("Jurors have started scoring in this round, so this cannot change.")
    if path.startswith("$.rounds"):
        return _("This round has assignments or decisions, so it cannot be removed.")
    if path.startswith("$.application_form") and path.endswith(".type"):
        return _("Submitted applications answered this question, so its kind cannot change.")
    if path.startswith("$.application_form"):
        return _("Submitted applications answered this question, so it cannot be removed.")
    if path.startswith("$.edition.slug"):
        return _("The address of an edition cannot change.")
    return _("The edition's rules refuse this change.")


async def new_edition(*, actor: SessionUser, values: NewEdition) -> str:
    """Create a draft edition from the new-edition form with the default application form and one track."""
    require_may_create_edition(actor)
    errors: dict[str, str] = {}
    title = _name_fields(values.title_it, values.title_en, errors, prefix="title")
    year = 0
    try:
        year = int(values.year.strip())
        if not 2000 <= year <= 2100:
            raise ValueError
    except ValueError:
        errors["year"] = _("Give a year such as 2027.")
    slug = values.slug.strip().lower() or suggest_slug(title["it"] or title["en"], values.year)
    if not slug or not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", slug) or len(slug) > 80:
        errors["slug"] = _("Use lower-case letters, digits and dashes, such as welfare-2027.")
    zone = ZoneInfo("Europe/Rome")
    if values.time_zone not in available_timezones():
        errors["time_zone"] = _("Choose a time zone from the list.")
    else:
        try:
            zone = ZoneInfo(values.time_zone)
        except (ZoneInfoNotFoundError, ValueError):
            errors["time_zone"] = _("Choose a time zone from the list.")
    opens = _moment(values.opens, zone, "opens", errors, required=True)
    closes = _moment(values.closes, zone, "closes", errors, required=True)
    if opens and closes and parse_moment(closes, zone) <= parse_moment(opens, zone):
        errors["closes"] = _("The call must close after it opens.")
    if errors:
        raise SetupRefused(errors)
    programme = re.sub(r"-?\d{4}$", "", slug) or slug
    spec = CompetitionSpec(
        programme=ProgrammeSpec(slug=programme, name=dict(title)),
        edition=EditionSpec(slug=slug, year=year, title=dict(title), time_zone=values.time_zone),
        tracks=[TrackSpec(code="T1", name={"it": "Generale", "en": "General"})],
        timeline=[TimelineSpec(code="call_open", label={"it": "Apertura delle candidature", "en": "Applications open"},
                               starts_at=str(opens)),
                  TimelineSpec(code="call_close", label={"it": "Chiusura delle candidature",
                                                        "en": "Applications close"}, starts_at=str(closes))],
        **_default_form())
    spec = _checked(spec, lambda path: "slug" if path.startswith("$.edition.slug") else "_form")
    try:
        await competitions.import_competition(spec, actor_id=actor.id)
    except competitions.EditionExists:
        raise SetupRefused({"slug": _("An edition already has this address; choose another.")}) from None
    if not actor.is_admin:
        await access.grant_role(account_id=actor.id, role="organiser", edition_slug=slug, actor_id=actor.id)
    return slug


async def setup_parts(*, actor: SessionUser, edition_slug: str) -> SetupParts:
    await edition_for_organiser(actor=actor, edition_slug=edition_slug)
    spec = await competitions.export_competition(edition_slug)
    registry = active_registry()
    enabled = list(spec.plugins)
    return SetupParts(
        tracks=tuple(spec.tracks), areas=tuple(spec.areas), rounds=tuple(spec.rounds), partners=tuple(spec.partners),
        prizes=tuple(spec.prizes),
        rubrics=tuple(Choice(name, dict(offer.rubric.label) or {"it": name, "en": name})
                      for name, offer in registry.rubrics(enabled=enabled).items()),
        workflows=tuple(Choice(name, dict(w.label) or {"it": name, "en": name})
                        for name, w in registry.workflows(enabled=enabled).items()),
        round_names={r.code: competitions.label(r.name) for r in spec.rounds},
        track_names={t.code: competitions.label(t.name) for t in spec.tracks},
        area_names={a.code: competitions.label(a.name) for a in spec.areas},
        edition=spec.edition, prize_targets={p.code: form_target(p.target) for p in spec.prizes},
    )


async def _change(actor: SessionUser, edition_slug: str, change: Callable[[CompetitionSpec], CompetitionSpec],
                  field_of: Callable[[str], str] = lambda path: "_form") -> list[competitions.Change]:
    await edition_for_organiser(actor=actor, edition_slug=edition_slug)
    spec = _checked(change(await competitions.export_competition(edition_slug)), field_of)
    try:
        return await competitions.update_competition(spec, slug=edition_slug, actor_id=actor.id, audit_draft=True)
    except FileProblems as refused:
        raise SetupRefused({field_of(p.path): _refusal(p.path) for p in reversed(refused.problems)}) from None


def _require(found: bool, code: str) -> None:
    if not found:
        raise EditionNotFound(code)


# -- the edition's phase ----------------------------------------------------------------------------


async def set_phase(*, actor: SessionUser, edition_slug: str, status: str) -> None:
    """Move the edition to another phase of its year: its call page and applications open from "open" on."""
    if status not in EDITION_STATUSES:
        raise SetupRefused({"status": _("Choose one of the phases listed.")})

    def change(spec: CompetitionSpec) -> CompetitionSpec:
        return msgspec.structs.replace(spec, edition=msgspec.structs.replace(spec.edition, status=status))
    await _change(actor, edition_slug, change)


# -- tracks and areas -------------------------------------------------------------------------------


async def add_track(*, actor: SessionUser, edition_slug: str, name_it: str, name_en: str) -> str:
    errors: dict[str, str] = {}
    name = _name_fields(name_it, name_en, errors)
    if errors:
        raise SetupRefused(errors)
    code = ""

    def change(spec: CompetitionSpec) -> CompetitionSpec:
        nonlocal code
        code = _next_code("T", {t.code for t in spec.tracks})
        return msgspec.structs.replace(spec, tracks=[*spec.tracks, TrackSpec(code=code, name=name)])
    await _change(actor, edition_slug, change)
    return code


async def rename_track(*, actor: SessionUser, edition_slug: str, code: str, name_it: str, name_en: str,
                       description_it: str | None = None, description_en: str | None = None) -> None:
    """A track's names and, when given, its description in both languages (empty clears it)."""
    errors: dict[str, str] = {}
    name = _name_fields(name_it, name_en, errors)
    description = None
    if description_it is not None or description_en is not None:
        description = _texts({"description_it": description_it or "", "description_en": description_en or ""},
                             "description", errors)
    if errors:
        raise SetupRefused(errors)

    def change(spec: CompetitionSpec) -> CompetitionSpec:
        _require(any(t.code == code for t in spec.tracks), code)
        return msgspec.structs.replace(spec, tracks=[
            msgspec.structs.replace(t, name=name, **({} if description is None else {"description": description}))
            if t.code == code else t for t in spec.tracks])
    await _change(actor, edition_slug, change)


def _texts(values: dict[str, str], prefix: str, errors: dict[str, str]) -> dict[str, str]:
    """Optional text in both languages (`<prefix>_it`, `<prefix>_en`); languages left empty are left out."""
    text: dict[str, str] = {}
    for language in ("it", "en"):
        value = values.get(f"{prefix}_{language}", "").strip()
        if len(value) > MAX_TEXT:
            errors[f"{prefix}_{language}"] = _("At most {count} characters.").format(count=MAX_TEXT)
        elif value:
            text[language] = value
    return text


async def remove_track(*, actor: SessionUser, edition_slug: str, code: str) -> None:
    def change(spec: CompetitionSpec) -> CompetitionSpec:
        _require(any(t.code == code for t in spec.tracks), code)
        if len(spec.tracks) == 1:
            raise SetupRefused({"_form": _("An edition needs at least one track.")})
        if any(p.target.track == code for p in spec.prizes):
            raise SetupRefused({"_form": _("A prize is for this track: remove the prize first.")})
        return msgspec.structs.replace(spec, tracks=[t for t in spec.tracks if t.code != code])
    await _change(actor, edition_slug, change)


def _regions(regions: list[str], errors: dict[str, str]) -> list[str]:
    chosen = [r for r in dict.fromkeys(regions) if r]
    if not chosen:
        errors["regions"] = _("Choose at least one region.")
    elif any(r not in REGIONS for r in chosen):
        errors["regions"] = _("Choose regions from the list.")
    return chosen


def _regions_free(spec: CompetitionSpec, chosen: list[str], *, besides: str = "") -> None:
    taken = {r for a in spec.areas if a.code != besides for r in a.regions}
    if taken & set(chosen):
        raise SetupRefused({"regions": _("A region can belong to one area only: {regions}.").format(
            regions=", ".join(sorted(taken & set(chosen))))})


async def add_area(*, actor: SessionUser, edition_slug: str, name_it: str, name_en: str,
                   regions: list[str]) -> str:
    errors: dict[str, str] = {}
    name = _name_fields(name_it, name_en, errors)
    chosen = _regions(regions, errors)
    if errors:
        raise SetupRefused(errors)
    code = ""

    def change(spec: CompetitionSpec) -> CompetitionSpec:
        nonlocal code
        _regions_free(spec, chosen)
        code = _next_code("A", {a.code for a in spec.areas})
        return msgspec.structs.replace(spec, areas=[*spec.areas, AreaSpec(code=code, name=name, regions=chosen)])
    await _change(actor, edition_slug, change)
    return code


async def edit_area(*, actor: SessionUser, edition_slug: str, code: str, name_it: str, name_en: str,
                    regions: list[str]) -> None:
    """An area's names and regions; a region an application of the area comes from cannot leave it."""
    errors: dict[str, str] = {}
    name = _name_fields(name_it, name_en, errors)
    chosen = _regions(regions, errors)
    if errors:
        raise SetupRefused(errors)

    def change(spec: CompetitionSpec) -> CompetitionSpec:
        _require(any(a.code == code for a in spec.areas), code)
        _regions_free(spec, chosen, besides=code)
        return msgspec.structs.replace(spec, areas=[
            msgspec.structs.replace(a, name=name, regions=chosen) if a.code == code else a for a in spec.areas])
    await _change(actor, edition_slug, change, lambda path: "regions" if path.endswith(".regions") else "_form")


async def remove_area(*, actor: SessionUser, edition_slug: str, code: str) -> None:
    def change(spec: CompetitionSpec) -> CompetitionSpec:
        _require(any(a.code == code for a in spec.areas), code)
        if any(p.target.area == code for p in spec.prizes):
            raise SetupRefused({"_form": _("A prize is for this area: remove the prize first.")})
        if any(code in (r.advancement.get("min_per_area") or {}) for r in spec.rounds):
            raise SetupRefused({"_form": _("A round's advancement rule names this area.")})
        return msgspec.structs.replace(spec, areas=[a for a in spec.areas if a.code != code])
    await _change(actor, edition_slug, change)


# -- rounds -----------------------------------------------------------------------------------------


async def add_round(*, actor: SessionUser, edition_slug: str, values: dict[str, str]) -> str:
    """A round from the round form: name, kind, workflow, rubric, jurors per entry, blind, dates, combination.

    For a final pitch, `combine_with` names an earlier round and `weight` is this round's share in per cent
    (60 means final = 60% this round + 40% the earlier one).
    """
    await edition_for_organiser(actor=actor, edition_slug=edition_slug)
    spec = await competitions.export_competition(edition_slug)
    registry = active_registry()
    zone = ZoneInfo(spec.edition.time_zone)
    errors: dict[str, str] = {}
    name = _name_fields(values.get("name_it", ""), values.get("name_en", ""), errors)
    kind = values.get("kind", "")
    if kind not in FORM_ROUND_KINDS:
        errors["kind"] = _("Choose the kind of round.")
    workflow = values.get("workflow", "")
    if workflow and workflow not in registry.workflows(enabled=list(spec.plugins)):
        errors["workflow"] = _("Choose a workflow from the list.")
    if kind in ("admissibility", "screening", "final_pitch") and not workflow:
        errors["workflow"] = _("A round where jurors work needs a workflow.")
    rubric = values.get("rubric", "")
    if rubric and rubric not in registry.rubrics(enabled=list(spec.plugins)):
        errors["rubric"] = _("Choose a rubric from the list.")
    if kind in ("screening", "final_pitch") and not rubric:
        errors["rubric"] = _("A scoring round needs a rubric.")
    jurors = 0
    try:
        jurors = int(values.get("jurors_per_entry", "0").strip() or "0")
        if not 0 <= jurors <= 50:
            raise ValueError
    except ValueError:
        errors["jurors_per_entry"] = _("Give a whole number from 0 to 50.")
    opens = _moment(values.get("opens", ""), zone, "opens", errors, required=False)
    closes = _moment(values.get("closes", ""), zone, "closes", errors, required=False)
    if opens and closes and parse_moment(closes, zone) <= parse_moment(opens, zone):
        errors["closes"] = _("The round must close after it opens.")
    combination: dict[str, float] = {}
    earlier = values.get("combine_with", "")
    if earlier:
        if kind != "final_pitch":
            errors["combine_with"] = _("Only a final pitch is combined with an earlier round.")
        elif earlier not in {r.code for r in spec.rounds if r.rubric}:
            errors["combine_with"] = _("Choose an earlier round with a rubric.")
        try:
            weight = int(values.get("weight", "").strip())
            if not 1 <= weight <= 99:
                raise ValueError
        except ValueError:
            errors["weight"] = _("Give this round's share as a whole percentage from 1 to 99.")
        else:
            combination = {"": weight / 100, earlier: round((100 - weight) / 100, 2)}
    if errors:
        raise SetupRefused(errors)
    code = _next_code("R", {r.code for r in spec.rounds})
    if combination:  # this round first: final = 60% final pitch + 40% online jury
        combination = {(key or code): value for key, value in combination.items()}
    new_round = RoundSpec(code=code, name=name, kind=kind, workflow=workflow, opens_at=opens, closes_at=closes,
                          rubric=rubric or None, jurors_per_entry=jurors, blind=values.get("blind") == "1",
                          combination=combination)
    fields = {"opens_at": "opens", "closes_at": "closes", "rubric": "rubric", "workflow": "workflow",
              "jurors_per_entry": "jurors_per_entry", "kind": "kind"}
    await _change(actor, edition_slug, lambda current: msgspec.structs.replace(current, rounds=[
        *current.rounds, new_round]), lambda path: fields.get(path.rsplit(".", 1)[-1], "_form"))
    return code


async def edit_round(*, actor: SessionUser, edition_slug: str, code: str, values: dict[str, str]) -> None:
    """Change a round's names, jurors per entry, how many entries its advancement lets go on and, when the form
    sends them (`judging` is "1"), its workflow, rubric, blindness and combination with an earlier round.

    `top_n` empty means every ranked entry goes on; `rubric` "keep" leaves a rubric written in the edition's file
    as it is. Dates have their own form; once jurors have scored in the round its workflow, rubric and blindness
    stay, and the jurors per entry cannot drop below the jurors already assigned to one of the round's entries.
    """
    errors: dict[str, str] = {}
    name = _name_fields(values.get("name_it", ""), values.get("name_en", ""), errors)
    jurors = _whole(values.get("jurors_per_entry", ""), 0, 50, "jurors_per_entry", errors)
    top_n = _whole(values.get("top_n", ""), 1, 10_000, "top_n", errors)
    judging = values.get("judging") == "1"
    weight = _whole(values.get("weight", ""), 1, 99, "weight", errors) if judging else None
    if errors:
        raise SetupRefused(errors)

    def change(spec: CompetitionSpec) -> CompetitionSpec:
        _require(any(r.code == code for r in spec.rounds), code)
        rounds = []
        for r in spec.rounds:
            if r.code == code:
                advancement = {k: v for k, v in r.advancement.items() if k != "top_n"}
                if top_n:
                    advancement["top_n"] = top_n
                r = msgspec.structs.replace(r, name=name, jurors_per_entry=jurors or 0, advancement=advancement)
                if judging:
                    r = _judging_settings(spec, r, values, weight)
            rounds.append(r)
        return msgspec.structs.replace(spec, rounds=rounds)
    fields = {"jurors_per_entry": "jurors_per_entry", "top_n": "top_n", "workflow": "workflow", "rubric": "rubric",
              "blind": "blind", "combination": "combine_with"}
    await _change(actor, edition_slug, change, lambda path: fields.get(path.rsplit(".", 1)[-1], "_form"))


def _judging_settings(spec: CompetitionSpec, r: RoundSpec, values: dict[str, str], weight: int | None) -> RoundSpec:
    """The round form's workflow, rubric, blindness and combination, checked against the edition's plugins."""
    registry = active_registry()
    errors: dict[str, str] = {}
    workflow = values.get("workflow", "")
    if workflow and workflow not in registry.workflows(enabled=list(spec.plugins)):
        errors["workflow"] = _("Choose a workflow from the list.")
    if r.kind in ("admissibility", "screening", "final_pitch") and not workflow:
        errors["workflow"] = _("A round where jurors work needs a workflow.")
    rubric_name = values.get("rubric", "")
    rubric: str | Any = r.rubric if rubric_name == "keep" else (rubric_name or None)
    if rubric_name not in ("", "keep") and rubric_name not in registry.rubrics(enabled=list(spec.plugins)):
        errors["rubric"] = _("Choose a rubric from the list.")
    if r.kind in ("screening", "final_pitch") and not rubric:
        errors["rubric"] = _("A scoring round needs a rubric.")
    combination: dict[str, Any] = {}
    earlier = values.get("combine_with", "")
    if earlier:
        if r.kind != "final_pitch":  # the form offers no such field here: said above the forms
            errors["_form"] = _("Only a final pitch is combined with an earlier round.")
        elif earlier == r.code or earlier not in {x.code for x in spec.rounds if x.rubric}:
            errors["combine_with"] = _("Choose an earlier round with a rubric.")
        if weight is None:
            errors["weight"] = _("Give this round's share as a whole percentage from 1 to 99.")
        else:
            combination = {r.code: weight / 100, earlier: round((100 - weight) / 100, 2)}
    if errors:
        raise SetupRefused(errors)
    if combination and set(combination) == set(r.combination) and all(
            abs(float(r.combination[k]) - v) < 0.005 for k, v in combination.items()):
        combination = dict(r.combination)  # unchanged, whatever order or precision the file wrote it in
    return msgspec.structs.replace(r, workflow=workflow, rubric=rubric, blind=values.get("blind") == "1",
                                   combination=combination)


def _whole(raw: str, low: int, high: int, name: str, errors: dict[str, str]) -> int | None:
    """A whole number from low to high typed in a form, None when left empty; a problem goes to errors."""
    raw = raw.strip()
    if not raw:
        return None
    if not raw.isdigit() or not low <= int(raw) <= high:
        errors[name] = _("Give a whole number from {low} to {high}.").format(low=low, high=high)
        return None
    return int(raw)


async def remove_round(*, actor: SessionUser, edition_slug: str, code: str) -> None:
    def change(spec: CompetitionSpec) -> CompetitionSpec:
        _require(any(r.code == code for r in spec.rounds), code)
        if any(code in r.combination for r in spec.rounds if r.code != code):
            raise SetupRefused({"_form": _("Another round's score is combined with this one: remove that first.")})
        return msgspec.structs.replace(spec, rounds=[r for r in spec.rounds if r.code != code])
    await _change(actor, edition_slug, change)


# -- partners and prizes ----------------------------------------------------------------------------


def _partner_fields(organisation: str, role: str, kind: str, website: str) -> PartnerSpec:
    errors: dict[str, str] = {}
    organisation = " ".join(organisation.split())
    if not organisation:
        errors["organisation"] = _("Give the organisation's name.")
    elif len(organisation) > MAX_NAME:
        errors["organisation"] = _("At most {count} characters.").format(count=MAX_NAME)
    if role not in PARTNER_ROLES:
        errors["role"] = _("Choose a role from the list.")
    if kind not in ORGANISATION_KINDS:
        errors["kind"] = _("Choose a kind from the list.")
    website = website.strip()
    if website and not re.fullmatch(r"https?://\S+", website):
        errors["website"] = _("Give an address starting with https://.")
    if errors:
        raise SetupRefused(errors)
    return PartnerSpec(organisation=organisation, role=role, kind=kind, website=website)


async def add_partner(*, actor: SessionUser, edition_slug: str, organisation: str, role: str, kind: str,
                      website: str = "") -> None:
    partner = _partner_fields(organisation, role, kind, website)

    def change(spec: CompetitionSpec) -> CompetitionSpec:
        if any(p.organisation == partner.organisation and p.role == partner.role for p in spec.partners):
            raise SetupRefused({"organisation": _("This organisation already has this role.")})
        if any(p.organisation == partner.organisation and p.kind != partner.kind for p in spec.partners):
            raise SetupRefused({"kind": _("This organisation is already listed with another kind.")})
        listed = next((p for p in spec.partners if p.organisation == partner.organisation), None)
        added = partner if listed is None else msgspec.structs.replace(
            partner, email_domain=listed.email_domain, website=partner.website or listed.website)
        return msgspec.structs.replace(spec, partners=[*spec.partners, added])
    await _change(actor, edition_slug, change)


async def edit_partner(*, actor: SessionUser, edition_slug: str, position: int, organisation: str, role: str,
                       kind: str, website: str = "") -> None:
    """A partner's organisation, role, kind and website.

    Kind and website belong to the organisation (every edition listing it sees them), so its other roles in
    the edition follow; a renamed organisation keeps the prizes it gives, unless it is still listed under its
    old name in another role.
    """
    edited = _partner_fields(organisation, role, kind, website)

    def change(spec: CompetitionSpec) -> CompetitionSpec:
        _require(0 <= position < len(spec.partners), str(position))
        before = spec.partners[position]
        others = [p for i, p in enumerate(spec.partners) if i != position]
        if any(p.organisation == edited.organisation and p.role == edited.role for p in others):
            raise SetupRefused({"role": _("This organisation already has this role.")})
        partner = msgspec.structs.replace(edited, email_domain=before.email_domain if
                                          before.organisation == edited.organisation else
                                          next((p.email_domain for p in others
                                                if p.organisation == edited.organisation), ""))
        partners = [partner if i == position else
                    msgspec.structs.replace(p, kind=partner.kind, website=partner.website)
                    if p.organisation == partner.organisation else p for i, p in enumerate(spec.partners)]
        prizes = spec.prizes
        if before.organisation != partner.organisation and not any(
                p.organisation == before.organisation for p in others):
            prizes = [msgspec.structs.replace(z, sponsor=partner.organisation) if z.sponsor == before.organisation
                      else z for z in spec.prizes]
        return msgspec.structs.replace(spec, partners=partners, prizes=prizes)
    await _change(actor, edition_slug, change)


async def remove_partner(*, actor: SessionUser, edition_slug: str, position: int) -> None:
    def change(spec: CompetitionSpec) -> CompetitionSpec:
        _require(0 <= position < len(spec.partners), str(position))
        gone = spec.partners[position]
        partners = [p for i, p in enumerate(spec.partners) if i != position]
        if not any(p.organisation == gone.organisation for p in partners) and any(
                prize.sponsor == gone.organisation for prize in spec.prizes):
            raise SetupRefused({"_form": _("This organisation gives a prize: remove the prize first.")})
        return msgspec.structs.replace(spec, partners=partners)
    await _change(actor, edition_slug, change)


def _prize_fields(spec: CompetitionSpec, values: dict[str, str], conditions: list[str], current: PrizeSpec | None
                  ) -> dict[str, Any]:
    """The prize form's fields checked against the edition: names, sponsor, kind, amount, quantity, target,
    conditions. A target left as the form showed it stays as it was (see `form_target`)."""
    errors: dict[str, str] = {}
    name = _name_fields(values.get("name_it", ""), values.get("name_en", ""), errors)
    sponsor = values.get("sponsor", "")
    if sponsor and sponsor not in {p.organisation for p in spec.partners}:
        errors["sponsor"] = _("Choose a partner from the list.")
    kind = values.get("kind", "")
    if kind not in PRIZE_KINDS:
        errors["kind"] = _("Choose a kind from the list.")
    amount: float | None = None
    amount_text = values.get("amount", "").strip().replace(",", ".")
    if amount_text:
        try:
            amount = float(amount_text)
            if not 0 <= amount <= 1e9:
                raise ValueError
        except ValueError:
            errors["amount"] = _("Give an amount in euro, such as 20000.")
    quantity = _whole(values.get("quantity", ""), 1, 1000, "quantity", errors)
    target_text = values.get("target", "")
    target = PrizeTargetSpec()
    if current is not None and target_text == form_target(current.target):
        target = current.target  # unchanged, with what the form does not show (a rank, the best non-winner)
    elif target_text in ("all_winners", "finalists"):
        target = PrizeTargetSpec(scope=target_text)
    elif target_text.startswith("track:") and target_text[6:] in {t.code for t in spec.tracks}:
        target = PrizeTargetSpec(track=target_text[6:], rank=1)
    elif target_text.startswith("area:") and target_text[5:] in {a.code for a in spec.areas}:
        target = PrizeTargetSpec(area=target_text[5:], rank=1)
    else:
        errors["target"] = _("Choose who the prize is for.")
    chosen = [c for c in dict.fromkeys(conditions) if c]
    kept = [c for c in (current.conditions if current else []) if c not in PRIZE_CONDITIONS]
    if any(c not in PRIZE_CONDITIONS for c in chosen):
        errors["conditions"] = _("Choose conditions from the list.")
    if errors:
        raise SetupRefused(errors)
    return {"name": name, "kind": kind, "sponsor": sponsor or None, "target": target,
            "amount_eur": int(amount) if amount is not None and amount.is_integer() else amount,
            "quantity": quantity or 1, "conditions": [*kept, *chosen]}


def form_target(target: PrizeTargetSpec) -> str:
    """The prize form's choice for a target: `all_winners`, `finalists`, `track:T1`, `area:A1`, or `keep` for a
    target the form cannot show (a rank below the first, the best non-winner), which the form then keeps."""
    plain = target.rank in (None, 1) and not target.best_non_winner
    if target.scope in ("all_winners", "finalists") and not (target.track or target.area):
        return target.scope
    if plain and target.track and not (target.area or target.scope):
        return f"track:{target.track}"
    if plain and target.area and not (target.track or target.scope):
        return f"area:{target.area}"
    return "keep"


async def add_prize(*, actor: SessionUser, edition_slug: str, values: dict[str, str],
                    conditions: list[str] | None = None) -> str:
    """A prize: name (it/en), sponsor, kind, amount in euro, and who it is for (a track, an area, all winners or
    the finalists)."""
    await edition_for_organiser(actor=actor, edition_slug=edition_slug)
    spec = await competitions.export_competition(edition_slug)
    fields = _prize_fields(spec, values, conditions or [], None)
    code = _next_code("P", {p.code for p in spec.prizes})
    prize = PrizeSpec(code=code, **fields)
    await _change(actor, edition_slug, lambda current: msgspec.structs.replace(current, prizes=[
        *current.prizes, prize]))
    return code


async def edit_prize(*, actor: SessionUser, edition_slug: str, code: str, values: dict[str, str],
                     conditions: list[str]) -> None:
    """Change a prize's names, sponsor, kind, amount, quantity, target and conditions; its details stay.

    Once the prize is awarded, who it is for cannot change and its quantity cannot drop below its awards.
    """
    await edition_for_organiser(actor=actor, edition_slug=edition_slug)
    spec = await competitions.export_competition(edition_slug)
    current = next((p for p in spec.prizes if p.code == code), None)
    if current is None:
        raise EditionNotFound(code)
    fields = _prize_fields(spec, values, conditions, current)

    def change(latest: CompetitionSpec) -> CompetitionSpec:
        _require(any(p.code == code for p in latest.prizes), code)
        return msgspec.structs.replace(latest, prizes=[
            msgspec.structs.replace(p, **fields) if p.code == code else p for p in latest.prizes])
    await _change(actor, edition_slug, change, lambda path: path.rsplit(".", 1)[-1]
                  if path.rsplit(".", 1)[-1] in ("target", "quantity") else "_form")


# -- the edition's own texts ------------------------------------------------------------------------


async def edit_edition(*, actor: SessionUser, edition_slug: str, values: dict[str, str]) -> None:
    """The edition's title and summary in both languages and its regulation's version."""
    errors: dict[str, str] = {}
    title = _name_fields(values.get("title_it", ""), values.get("title_en", ""), errors, prefix="title")
    summary = _texts(values, "summary", errors)
    version = values.get("regulation_version", "").strip()
    if not version or len(version) > 40:
        errors["regulation_version"] = _("Give a version such as 1.0 (at most 40 characters).")
    if errors:
        raise SetupRefused(errors)

    def change(spec: CompetitionSpec) -> CompetitionSpec:
        return msgspec.structs.replace(spec, edition=msgspec.structs.replace(
            spec.edition, title=title, summary=summary, regulation_version=version))
    await _change(actor, edition_slug, change)


async def remove_prize(*, actor: SessionUser, edition_slug: str, code: str) -> None:
    def change(spec: CompetitionSpec) -> CompetitionSpec:
        _require(any(p.code == code for p in spec.prizes), code)
        return msgspec.structs.replace(spec, prizes=[p for p in spec.prizes if p.code != code])
    await _change(actor, edition_slug, change)


def new_edition_defaults(*, actor: SessionUser, today: date) -> NewEdition:
    """The new-edition form as first shown (next year, a call opening next month); EditionCreationForbidden for
    someone who may not start an edition."""
    require_may_create_edition(actor)
    opens, closes = default_dates(today)
    return NewEdition(year=str(today.year + 1), opens=opens, closes=closes)


def default_dates(today: date) -> tuple[str, str]:
    """A call opening next month and closing six weeks later, as the new-edition form suggests."""
    opens = date(today.year + (today.month == 12), today.month % 12 + 1, 1)
    closes = date.fromordinal(opens.toordinal() + 42)
    return f"{opens.isoformat()}T09:00", f"{closes.isoformat()}T12:00"

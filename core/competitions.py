"""Editions as files and as pages: import and export a competition, and read what the public sees."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import msgspec

from core import audit, db
from core.competition_schema import (
    AreaSpec,
    CompetitionSpec,
    EditionSpec,
    EligibilitySpec,
    KpiSpec,
    MilestoneSpec,
    PartnerSpec,
    PrizeSpec,
    PrizeTargetSpec,
    ProgrammeSpec,
    RoundSpec,
    RubricSpec,
    SectionSpec,
    StatementSpec,
    TimelineSpec,
    TrackSpec,
    label,
    parse_competition,
    parse_moment,
)
from core.db import json_value as _json
from core.plugins import active_registry
from core.tables import (
    Area,
    Edition,
    EditionPartner,
    KpiDefinition,
    Milestone,
    Organisation,
    Prize,
    Programme,
    Round,
    TimelineEntry,
    Track,
)
from core.yaml_source import FileProblems, Problem, dump_yaml

PUBLIC_STATUSES = ("open", "closed", "admissibility", "screening", "finalists", "mentoring", "final_pitch",
                   "winners", "follow_up")


class EditionExists(ValueError):
    """An import would overwrite an edition; editions are changed in the console, not replaced."""


class EditionNotFound(LookupError):
    pass


# -- import ------------------------------------------------------------------------------------


def read_competition_file(text: str, *, source: str = "") -> CompetitionSpec:
    """Parse and validate a competition file against the rubrics and workflows installed here."""
    registry = active_registry()
    return parse_competition(text, source=source, known_rubrics=set(registry.rubrics()),
                             known_workflows=set(registry.workflows()))


async def import_competition(spec: CompetitionSpec, *, actor_id: int | None = None) -> int:
    """Write the whole edition in one transaction and return its id; nothing is written on error."""
    zone = ZoneInfo(spec.edition.time_zone)
    async with db.write_transaction():
        if await Edition.exists().where(Edition.slug == spec.edition.slug):
            raise EditionExists(f"edition {spec.edition.slug!r} already exists")
        programme = await Programme.select(Programme.id).where(Programme.slug == spec.programme.slug).first()
        if programme is None:
            programme_id = (await Programme.insert(
                Programme(slug=spec.programme.slug, name=label(spec.programme.name))))[0]["id"]
        else:
            programme_id = programme["id"]
        e = spec.edition
        edition_id = (await Edition.insert(Edition(
            programme=programme_id, slug=e.slug, year=e.year, number=e.number, title=label(e.title),
            summary=label(e.summary), rules=label(e.rules), status=e.status, time_zone=e.time_zone,
            languages=list(e.languages), regulation_version=e.regulation_version,
            eligibility=msgspec.to_builtins(spec.eligibility),
            application_form=msgspec.to_builtins(spec.application_form),
            declarations=msgspec.to_builtins(spec.declarations),
            consents=msgspec.to_builtins(spec.consents),
            settings=dict(spec.settings), enabled_plugins=list(spec.plugins),
        )))[0]["id"]

        partner_ids: dict[str, int] = {}
        for position, partner in enumerate(spec.partners):
            organisation_id = await _organisation_id(partner)
            partner_id = (await EditionPartner.insert(EditionPartner(
                edition=edition_id, organisation=organisation_id, role=partner.role, position=position,
            )))[0]["id"]
            partner_ids.setdefault(partner.organisation, partner_id)

        for position, entry in enumerate(spec.timeline):
            await TimelineEntry.insert(TimelineEntry(
                edition=edition_id, code=entry.code, label=label(entry.label), position=position,
                starts_at=parse_moment(entry.starts_at, zone),
                ends_at=parse_moment(entry.ends_at, zone) if entry.ends_at else None,
            ))
        if spec.tracks:
            await Track.insert(*(
                Track(edition=edition_id, code=t.code, name=label(t.name), description=label(t.description),
                      position=i) for i, t in enumerate(spec.tracks)))
        if spec.areas:
            await Area.insert(*(
                Area(edition=edition_id, code=a.code, name=label(a.name), regions=list(a.regions), position=i)
                for i, a in enumerate(spec.areas)))
        for position, r in enumerate(spec.rounds):
            rubric_name = r.rubric if isinstance(r.rubric, str) else ""
            rubric = msgspec.to_builtins(r.rubric) if isinstance(r.rubric, RubricSpec) else {}
            await Round.insert(Round(
                edition=edition_id, code=r.code, name=label(r.name), kind=r.kind, workflow=r.workflow,
                position=position,
                opens_at=parse_moment(r.opens_at, zone) if r.opens_at else None,
                closes_at=parse_moment(r.closes_at, zone) if r.closes_at else None,
                rubric_name=rubric_name, rubric=rubric, jurors_per_entry=r.jurors_per_entry, blind=r.blind,
                normalisation=r.normalisation, advancement=r.advancement, combination=r.combination,
                settings=r.settings,
            ))
        for position, prize in enumerate(spec.prizes):
            await Prize.insert(Prize(
                edition=edition_id, code=prize.code, name=label(prize.name), kind=prize.kind,
                sponsor=partner_ids.get(prize.sponsor) if prize.sponsor else None,
                amount_eur=None if prize.amount_eur is None else Decimal(str(prize.amount_eur)),
                quantity=prize.quantity, target=msgspec.to_builtins(prize.target),
                conditions=list(prize.conditions), details=dict(prize.details), position=position,
            ))
        if spec.milestones:
            await Milestone.insert(*(
                Milestone(edition=edition_id, code=m.code, name=label(m.name),
                          due_on=date.fromisoformat(m.due_on) if m.due_on else None)
                for m in spec.milestones))
        if spec.kpis:
            await KpiDefinition.insert(*(
                KpiDefinition(edition=edition_id, code=k.code, name=label(k.name), unit=k.unit)
                for k in spec.kpis))
        await audit.record("edition.imported", actor_id=actor_id, edition_id=edition_id,
                           subject_type="edition", subject_id=edition_id, data={"slug": e.slug})
    return edition_id


async def import_competition_text(text: str, *, source: str = "", actor_id: int | None = None) -> int:
    spec = read_competition_file(text, source=source)
    try:
        return await import_competition(spec, actor_id=actor_id)
    except EditionExists as error:
        raise FileProblems([Problem(path="$.edition.slug", reason=str(error))], source=source) from None


async def _organisation_id(partner: PartnerSpec) -> int:
    row = await Organisation.select(Organisation.id).where(Organisation.name == partner.organisation).first()
    if row is not None:
        return row["id"]
    return (await Organisation.insert(Organisation(
        name=partner.organisation, kind=partner.kind, email_domain=partner.email_domain,
        website=partner.website)))[0]["id"]


# -- export ------------------------------------------------------------------------------------


def _moment_text(value: datetime | None, zone: ZoneInfo) -> str | None:
    return None if value is None else value.astimezone(zone).isoformat()


def _number(value: Decimal | float | None) -> float | None:
    if value is None:
        return None
    number = float(value)
    return int(number) if number.is_integer() else number


async def export_competition(slug: str) -> CompetitionSpec:
    """The edition as a spec that `import_competition` turns back into the same edition."""
    edition = await Edition.select().where(Edition.slug == slug).first()
    if edition is None:
        raise EditionNotFound(slug)
    zone = ZoneInfo(edition["time_zone"])
    edition_id = edition["id"]
    programme = await Programme.select().where(Programme.id == edition["programme"]).first()

    def rows(table):
        return table.select().where(table.edition == edition_id).order_by(table.position).order_by(table.id)

    partners = await EditionPartner.select(
        EditionPartner.id, EditionPartner.role, EditionPartner.organisation.name,
        EditionPartner.organisation.kind, EditionPartner.organisation.email_domain,
        EditionPartner.organisation.website,
    ).where(EditionPartner.edition == edition_id).order_by(EditionPartner.position)
    partner_names = {p["id"]: p["organisation.name"] for p in partners}

    def to(spec_type, value):
        return msgspec.convert(_json(value), spec_type)

    rounds = []
    for r in await rows(Round):
        rubric: str | RubricSpec | None = r["rubric_name"] or None
        if not rubric and _json(r["rubric"]):
            rubric = to(RubricSpec, r["rubric"])
        rounds.append(RoundSpec(
            code=r["code"], name=_json(r["name"]), kind=r["kind"], workflow=r["workflow"],
            opens_at=_moment_text(r["opens_at"], zone), closes_at=_moment_text(r["closes_at"], zone),
            rubric=rubric, jurors_per_entry=r["jurors_per_entry"], blind=r["blind"],
            normalisation=r["normalisation"], advancement=_json(r["advancement"]),
            combination=_json(r["combination"]), settings=_json(r["settings"]),
        ))
    prizes = [
        PrizeSpec(
            code=p["code"], name=_json(p["name"]), kind=p["kind"],
            sponsor=partner_names.get(p["sponsor"]), amount_eur=_number(p["amount_eur"]),
            quantity=p["quantity"], target=to(PrizeTargetSpec, p["target"]),
            conditions=_json(p["conditions"]), details=_json(p["details"]),
        )
        for p in await rows(Prize)
    ]
    return CompetitionSpec(
        programme=ProgrammeSpec(slug=programme["slug"], name=_json(programme["name"])),
        edition=EditionSpec(
            slug=edition["slug"], year=edition["year"], number=edition["number"], title=_json(edition["title"]),
            status=edition["status"], time_zone=edition["time_zone"], languages=_json(edition["languages"]),
            regulation_version=edition["regulation_version"], summary=_json(edition["summary"]),
            rules=_json(edition["rules"]),
        ),
        timeline=[
            TimelineSpec(code=t["code"], label=_json(t["label"]), starts_at=_moment_text(t["starts_at"], zone),
                         ends_at=_moment_text(t["ends_at"], zone))
            for t in await rows(TimelineEntry)
        ],
        partners=[
            PartnerSpec(organisation=p["organisation.name"], role=p["role"], kind=p["organisation.kind"],
                        email_domain=p["organisation.email_domain"], website=p["organisation.website"])
            for p in partners
        ],
        tracks=[TrackSpec(code=t["code"], name=_json(t["name"]), description=_json(t["description"]))
                for t in await rows(Track)],
        areas=[AreaSpec(code=a["code"], name=_json(a["name"]), regions=_json(a["regions"]))
               for a in await rows(Area)],
        eligibility=to(EligibilitySpec, edition["eligibility"]),
        application_form=to(list[SectionSpec], edition["application_form"]),
        declarations=to(list[StatementSpec], edition["declarations"]),
        consents=to(list[StatementSpec], edition["consents"]),
        rounds=rounds,
        prizes=prizes,
        milestones=[
            MilestoneSpec(code=m["code"], name=_json(m["name"]),
                          due_on=m["due_on"].isoformat() if m["due_on"] else None)
            for m in await Milestone.select().where(Milestone.edition == edition_id).order_by(Milestone.id)
        ],
        kpis=[
            KpiSpec(code=k["code"], name=_json(k["name"]), unit=k["unit"])
            for k in await KpiDefinition.select().where(KpiDefinition.edition == edition_id)
            .order_by(KpiDefinition.id)
        ],
        settings=_json(edition["settings"]),
        plugins=_json(edition["enabled_plugins"]),
    )


def competition_to_yaml(spec: CompetitionSpec) -> str:
    return dump_yaml(msgspec.to_builtins(spec))


# -- what the public sees ----------------------------------------------------------------------


@dataclass(frozen=True)
class EditionSummary:
    slug: str
    title: dict[str, str]
    year: int
    status: str
    summary: dict[str, str]
    deadline: datetime | None
    time_zone: str


@dataclass(frozen=True)
class PrizeView:
    code: str
    name: dict[str, str]
    kind: str
    sponsor: str | None
    amount_eur: float | None
    target: dict[str, Any]
    details: dict[str, Any]


@dataclass(frozen=True)
class EditionLanding:
    """Everything a call's public page shows: tracks, timeline, rules, prizes and sponsors."""

    summary: EditionSummary
    rules: dict[str, str]
    tracks: list[dict[str, Any]]
    areas: list[dict[str, Any]]
    timeline: list[dict[str, Any]]
    partners: list[dict[str, Any]]
    prizes: list[PrizeView] = field(default_factory=list)


def _deadline(timeline: list[dict[str, Any]]) -> datetime | None:
    close = next((t for t in timeline if t["code"] == "call_close"), None)
    if close:
        return close["starts_at"]
    opening = next((t for t in timeline if t["code"] == "call_open"), None)
    return opening["ends_at"] if opening else None


async def list_public_editions() -> list[EditionSummary]:
    """Editions the public may see, newest first, with their application deadline."""
    editions = await Edition.select(
        Edition.id, Edition.slug, Edition.title, Edition.year, Edition.status, Edition.summary,
        Edition.time_zone,
    ).where(Edition.status.is_in(list(PUBLIC_STATUSES))).order_by(Edition.year, ascending=False)
    if not editions:
        return []
    closes = await TimelineEntry.select(TimelineEntry.edition, TimelineEntry.code, TimelineEntry.starts_at,
                                        TimelineEntry.ends_at).where(
        TimelineEntry.edition.is_in([e["id"] for e in editions]),
        TimelineEntry.code.is_in(["call_close", "call_open"]),
    )
    by_edition: dict[int, list[dict[str, Any]]] = {}
    for row in closes:
        by_edition.setdefault(row["edition"], []).append(row)
    return [
        EditionSummary(slug=e["slug"], title=_json(e["title"]), year=e["year"], status=e["status"],
                       summary=_json(e["summary"]), deadline=_deadline(by_edition.get(e["id"], [])),
                       time_zone=e["time_zone"])
        for e in editions
    ]


async def edition_landing(slug: str) -> EditionLanding:
    """The public page of an edition; drafts and archived editions are not found."""
    edition = await Edition.select().where(Edition.slug == slug, Edition.status.is_in(list(PUBLIC_STATUSES))).first()
    if edition is None:
        raise EditionNotFound(slug)
    edition_id = edition["id"]
    timeline = await TimelineEntry.select().where(TimelineEntry.edition == edition_id).order_by(
        TimelineEntry.position)
    tracks = await Track.select(Track.code, Track.name, Track.description).where(
        Track.edition == edition_id).order_by(Track.position)
    areas = await Area.select(Area.code, Area.name, Area.regions).where(Area.edition == edition_id).order_by(
        Area.position)
    partners = await EditionPartner.select(EditionPartner.role, EditionPartner.organisation.name,
                                           EditionPartner.organisation.website).where(
        EditionPartner.edition == edition_id).order_by(EditionPartner.position)
    prizes = await Prize.select(Prize.code, Prize.name, Prize.kind, Prize.amount_eur, Prize.target,
                                Prize.details, Prize.sponsor.organisation.name).where(
        Prize.edition == edition_id).order_by(Prize.position)
    return EditionLanding(
        summary=EditionSummary(slug=edition["slug"], title=_json(edition["title"]), year=edition["year"],
                               status=edition["status"], summary=_json(edition["summary"]),
                               deadline=_deadline(timeline), time_zone=edition["time_zone"]),
        rules=_json(edition["rules"]),
        tracks=[{**t, "name": _json(t["name"]), "description": _json(t["description"])} for t in tracks],
        areas=[{**a, "name": _json(a["name"]), "regions": _json(a["regions"])} for a in areas],
        timeline=[{**t, "label": _json(t["label"])} for t in timeline],
        partners=[{"role": p["role"], "name": p["organisation.name"], "website": p["organisation.website"]}
                  for p in partners],
        prizes=[PrizeView(code=p["code"], name=_json(p["name"]), kind=p["kind"],
                          sponsor=p["sponsor.organisation.name"], amount_eur=_number(p["amount_eur"]),
                          target=_json(p["target"]), details=_json(p["details"])) for p in prizes],
    )

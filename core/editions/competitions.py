"""Editions as files and as pages: import and export a competition, and read what the public sees."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import msgspec

from core.editions import form_answers, landing_queries
from core.editions.rubrics import rubric_from_mapping, rubric_to_mapping
from core.editions.schema import (
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
from core.platform import audit, db
from core.platform.errors import NotFound
from core.platform.tables import (
    Application,
    Area,
    Assignment,
    Award,
    Decision,
    Edition,
    EditionPartner,
    KpiDefinition,
    KpiValue,
    Milestone,
    MilestoneSubmission,
    Organisation,
    Prize,
    Programme,
    Review,
    Round,
    TimelineEntry,
    Track,
)
from core.platform.yaml_source import FileProblems, Problem, YamlDocument, dump_yaml, load_yaml
from core.plugins import active_registry

PUBLIC_STATUSES = ("open", "closed", "admissibility", "screening", "finalists", "mentoring", "final_pitch",
                   "winners", "follow_up")


class EditionExists(ValueError):
    """An import would overwrite an edition; editions are changed in the console, not replaced."""


class EditionNotFound(NotFound):
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


async def edition_exists(slug: str) -> bool:
    return bool(await Edition.exists().where(Edition.slug == slug))


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
    edition = await Edition.select().output(load_json=True).where(Edition.slug == slug).first()
    if edition is None:
        raise EditionNotFound(slug)
    zone = ZoneInfo(edition["time_zone"])
    edition_id = edition["id"]
    programme = await Programme.select().output(load_json=True).where(Programme.id == edition["programme"]).first()

    def rows(table):
        return table.select().output(load_json=True).where(
            table.edition == edition_id).order_by(table.position).order_by(table.id)

    partners = await EditionPartner.select(
        EditionPartner.id, EditionPartner.role, EditionPartner.organisation.name,
        EditionPartner.organisation.kind, EditionPartner.organisation.email_domain,
        EditionPartner.organisation.website,
    ).output(load_json=True).where(EditionPartner.edition == edition_id).order_by(EditionPartner.position)
    partner_names = {p["id"]: p["organisation.name"] for p in partners}

    def to(spec_type, value):
        return msgspec.convert(value, spec_type)

    rounds = []
    for r in await rows(Round):
        rubric: str | RubricSpec | None = r["rubric_name"] or None
        if not rubric and r["rubric"]:
            rubric = to(RubricSpec, r["rubric"])
        rounds.append(RoundSpec(
            code=r["code"], name=r["name"], kind=r["kind"], workflow=r["workflow"],
            opens_at=_moment_text(r["opens_at"], zone), closes_at=_moment_text(r["closes_at"], zone),
            rubric=rubric, jurors_per_entry=r["jurors_per_entry"], blind=r["blind"],
            normalisation=r["normalisation"], advancement=r["advancement"],
            combination=r["combination"], settings=r["settings"],
        ))
    prizes = [
        PrizeSpec(
            code=p["code"], name=p["name"], kind=p["kind"],
            sponsor=partner_names.get(p["sponsor"]), amount_eur=_number(p["amount_eur"]),
            quantity=p["quantity"], target=to(PrizeTargetSpec, p["target"]),
            conditions=p["conditions"], details=p["details"],
        )
        for p in await rows(Prize)
    ]
    return CompetitionSpec(
        programme=ProgrammeSpec(slug=programme["slug"], name=programme["name"]),
        edition=EditionSpec(
            slug=edition["slug"], year=edition["year"], number=edition["number"], title=edition["title"],
            status=edition["status"], time_zone=edition["time_zone"], languages=edition["languages"],
            regulation_version=edition["regulation_version"], summary=edition["summary"],
            rules=edition["rules"],
        ),
        timeline=[
            TimelineSpec(code=t["code"], label=t["label"], starts_at=_moment_text(t["starts_at"], zone),
                         ends_at=_moment_text(t["ends_at"], zone))
            for t in await rows(TimelineEntry)
        ],
        partners=[
            PartnerSpec(organisation=p["organisation.name"], role=p["role"], kind=p["organisation.kind"],
                        email_domain=p["organisation.email_domain"], website=p["organisation.website"])
            for p in partners
        ],
        tracks=[TrackSpec(code=t["code"], name=t["name"], description=t["description"])
                for t in await rows(Track)],
        areas=[AreaSpec(code=a["code"], name=a["name"], regions=a["regions"])
               for a in await rows(Area)],
        eligibility=to(EligibilitySpec, edition["eligibility"]),
        application_form=to(list[SectionSpec], edition["application_form"]),
        declarations=to(list[StatementSpec], edition["declarations"]),
        consents=to(list[StatementSpec], edition["consents"]),
        rounds=rounds,
        prizes=prizes,
        milestones=[
            MilestoneSpec(code=m["code"], name=m["name"],
                          due_on=m["due_on"].isoformat() if m["due_on"] else None)
            for m in await Milestone.select().output(load_json=True).where(
                Milestone.edition == edition_id).order_by(Milestone.id)
        ],
        kpis=[
            KpiSpec(code=k["code"], name=k["name"], unit=k["unit"])
            for k in await KpiDefinition.select().output(load_json=True).where(KpiDefinition.edition == edition_id)
            .order_by(KpiDefinition.id)
        ],
        settings=edition["settings"],
        plugins=edition["enabled_plugins"],
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
    return [EditionSummary(slug=e["slug"], title=e["title"], year=e["year"], status=e["status"],
                           summary=e["summary"], deadline=_deadline(e["timeline"]), time_zone=e["time_zone"])
            for e in await landing_queries.public_editions(PUBLIC_STATUSES, ("call_close", "call_open"))]


async def edition_landing(slug: str) -> EditionLanding:
    """The public page of an edition; drafts and archived editions are not found."""
    edition = await landing_queries.public_edition(slug, PUBLIC_STATUSES)
    if edition is None:
        raise EditionNotFound(slug)
    lists = await landing_queries.landing_lists(edition["id"])
    timeline, tracks, areas, partners, prizes = (lists[name] for name in ("timeline", "tracks", "areas", "partners",
                                                                            "prizes"))
    return EditionLanding(
        summary=EditionSummary(slug=edition["slug"], title=edition["title"], year=edition["year"],
                               status=edition["status"], summary=edition["summary"],
                               deadline=_deadline(timeline), time_zone=edition["time_zone"]),
        rules=edition["rules"],
        tracks=[{**t, "name": t["name"], "description": t["description"]} for t in tracks],
        areas=[{**a, "name": a["name"], "regions": a["regions"]} for a in areas],
        timeline=[{**t, "label": t["label"]} for t in timeline],
        partners=[{"role": p["role"], "name": p["organisation.name"], "website": p["organisation.website"]}
                  for p in partners],
        prizes=[PrizeView(code=p["code"], name=p["name"], kind=p["kind"],
                          sponsor=p["sponsor.organisation.name"], amount_eur=_number(p["amount_eur"]),
                          target=p["target"], details=p["details"]) for p in prizes],
    )


# -- update in place ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """One changed key of an edition's file: its path by codes (`rounds[R1].closes_at`) and the two values."""

    path: str
    before: Any
    after: Any


def _short(value: Any) -> Any:
    text = value if isinstance(value, str | int | float | bool) or value is None else msgspec.json.encode(
        value).decode()
    return text[:197] + "…" if isinstance(text, str) and len(text) > 200 else text


def spec_changes(before: Any, after: Any, path: str = "") -> list[Change]:
    """What differs between two editions' plain data; lists of items with codes are matched by code."""
    if before == after:
        return []
    if isinstance(before, dict) and isinstance(after, dict):
        changes: list[Change] = []
        for key in list(before) + [k for k in after if k not in before]:
            changes += spec_changes(before.get(key), after.get(key), f"{path}.{key}" if path else str(key))
        return changes
    coded = (isinstance(before, list) and isinstance(after, list)
             and all(isinstance(i, dict) and "code" in i for i in before + after))
    if coded:
        old = {i["code"]: i for i in before}
        new = {i["code"]: i for i in after}
        changes = []
        for code in list(old) + [c for c in new if c not in old]:
            changes += spec_changes(old.get(code), new.get(code), f"{path}[{code}]")
        if not changes:  # same items, new order
            changes.append(Change(path=path, before=[i["code"] for i in before], after=[i["code"] for i in after]))
        return changes
    if (isinstance(before, list) and isinstance(after, list) and len(before) == len(after)
            and all(isinstance(i, dict) for i in before + after)):  # items without codes (partners): by position
        return [change for index, (old_item, new_item) in enumerate(zip(before, after, strict=True))
                for change in spec_changes(old_item, new_item, f"{path}[{index}]")]
    return [Change(path=path, before=_short(before), after=_short(after))]


def _rubric_identity(name: str, mapping: Any) -> tuple[str, Any]:
    """A round's rubric by plugin name, or as normalised inline criteria: equal when scores would not change."""
    if name:
        return ("name", name)
    mapping = mapping or {}
    if not mapping.get("criteria"):
        return ("none", None)
    normalised = rubric_to_mapping(rubric_from_mapping(mapping, name=""))
    return ("inline", [{k: v for k, v in c.items() if k in ("code", "weight", "min", "max", "step", "threshold",
                                                              "counted", "required")}
                       for c in normalised["criteria"]])


def _spec_rubric(round_spec: RoundSpec) -> tuple[str, dict[str, Any]]:
    if isinstance(round_spec.rubric, str):
        return round_spec.rubric, {}
    if isinstance(round_spec.rubric, RubricSpec):
        return "", msgspec.to_builtins(round_spec.rubric)
    return "", {}


async def _scored_round_ids(edition_id: int) -> set[int]:
    rows = await Review.select(Review.assignment.round).where(Review.assignment.round.edition == edition_id)
    return {r["assignment.round"] for r in rows}


async def _in_use(table, column, ids: list[int]) -> set[int]:
    if not ids:
        return set()
    rows = await table.select(column).where(column.is_in(ids))
    return {r[column._meta.name] for r in rows}


@dataclass(frozen=True)
class _Parts:
    """An edition's current parts, each by its code, as the update matches them against the file."""

    tracks: dict[str, dict]
    areas: dict[str, dict]
    rounds: dict[str, dict]
    prizes: dict[str, dict]
    timeline: dict[str, dict]
    milestones: dict[str, dict]
    kpis: dict[str, dict]


async def _current_parts(edition_id: int) -> _Parts:
    async def existing(table) -> dict[str, dict]:
        return {r["code"]: r for r in await table.select().output(load_json=True).where(table.edition == edition_id)}

    return _Parts(tracks=await existing(Track), areas=await existing(Area), rounds=await existing(Round),
                  prizes=await existing(Prize), timeline=await existing(TimelineEntry),
                  milestones=await existing(Milestone), kpis=await existing(KpiDefinition))


def _removed(current: dict[str, dict], wanted: list) -> dict[str, int]:
    """Ids of the current parts the file no longer lists, by code."""
    codes = {item.code for item in wanted}
    return {code: row["id"] for code, row in current.items() if code not in codes}


async def update_competition(spec: CompetitionSpec, *, slug: str, actor_id: int | None = None,
                             document: YamlDocument | None = None, audit_draft: bool = False) -> list[Change]:
    """Apply a whole edition file onto the existing edition `slug`, matching parts by their codes.

    Applications, reviews and decisions stay; a part something depends on cannot be removed; once a
    review exists in a round, its rubric (criteria and scales), kind, workflow and blind flag are frozen
    (normalisation, advancement and combination may change: results are recomputed from the reviews);
    and jurors_per_entry cannot drop below the jurors already assigned to one of the round's entries.
    Nothing is written if anything is refused.
    After the call opens (status not draft), or always with `audit_draft`, the change is audited with its list
    of changed keys.
    """
    zone = ZoneInfo(spec.edition.time_zone)
    async with db.write_transaction():
        edition = await Edition.select().output(load_json=True).where(Edition.slug == slug).first()
        if edition is None:
            raise EditionNotFound(slug)
        edition_id = edition["id"]
        before = msgspec.to_builtins(await export_competition(slug))
        parts = await _current_parts(edition_id)
        problems = await _update_refusals(spec, slug=slug, edition_id=edition_id, parts=parts, document=document)
        if problems:
            raise FileProblems(problems)
        await _write_edition_row(spec, edition_id)
        partner_ids = await _sync_partners(spec, edition_id)
        await _sync_parts(spec, edition_id, parts, partner_ids, zone)
        changes = spec_changes(before, msgspec.to_builtins(await export_competition(slug)))
        if changes and (audit_draft or edition["status"] != "draft" or spec.edition.status != "draft"):
            await audit.record("edition.changed", actor_id=actor_id, edition_id=edition_id, subject_type="edition",
                               subject_id=edition_id, data={"changes": [
                                   {"path": c.path, "before": c.before, "after": c.after} for c in changes[:100]],
                                   "count": len(changes)})
    return changes


async def _update_refusals(spec: CompetitionSpec, *, slug: str, edition_id: int, parts: _Parts,
                           document: YamlDocument | None) -> list[Problem]:
    """What the file would break: a changed address, a removed part in use, a frozen rubric changed."""
    def problem(path: str, reason: str) -> Problem:
        return document.problem(path, reason) if document is not None else Problem(path=path, reason=reason)

    problems: list[Problem] = []
    if spec.edition.slug != slug:
        problems.append(problem("$.edition.slug", f"the address of an edition cannot change (keep {slug!r})"))
    for name, current, wanted, column in (
        ("track", parts.tracks, spec.tracks, Application.track),
        ("area", parts.areas, spec.areas, Application.area),
        ("prize", parts.prizes, spec.prizes, Award.prize),
        ("milestone", parts.milestones, spec.milestones, MilestoneSubmission.milestone),
        ("kpi", parts.kpis, spec.kpis, KpiValue.kpi),
    ):
        gone = _removed(current, wanted)
        used = await _in_use(column._meta.table, column, list(gone.values()))
        problems += [problem(f"$.{name}s", f"{name} {code!r} is in use and cannot be removed")
                     for code, row_id in gone.items() if row_id in used]
    gone_rounds = _removed(parts.rounds, spec.rounds)
    used_rounds = (await _in_use(Assignment, Assignment.round, list(gone_rounds.values()))
                   | await _in_use(Decision, Decision.round, list(gone_rounds.values())))
    problems += [problem("$.rounds", f"round {code!r} has assignments or decisions and cannot be removed")
                 for code, row_id in gone_rounds.items() if row_id in used_rounds]
    problems += await _awarded_prize_refusals(spec, parts, problem)
    problems += await form_answers.answered_question_refusals(spec, edition_id=edition_id, problem=problem)
    for index, area in enumerate(spec.areas):
        current = parts.areas.get(area.code)
        if current is None:
            continue
        rows = await Application.select(Application.region).where(Application.area == current["id"])
        left_out = sorted({r["region"] for r in rows if r["region"]} - set(area.regions))
        if left_out:
            problems.append(problem(f"$.areas[{index}].regions",
                                    f"applications of area {area.code!r} come from {', '.join(left_out)}: "
                                    "keep those regions"))
    scored = await _scored_round_ids(edition_id)
    for index, r in enumerate(spec.rounds):
        current = parts.rounds.get(r.code)
        if current is None:
            continue
        most = await _most_jurors_per_entry(current["id"])
        if r.jurors_per_entry and r.jurors_per_entry < most:
            problems.append(problem(f"$.rounds[{index}].jurors_per_entry",
                                    f"round {r.code!r} already has entries assigned to {most} jurors: "
                                    f"jurors_per_entry cannot go below {most}"))
        if current["id"] not in scored:
            continue
        if _rubric_identity(*_spec_rubric(r)) != _rubric_identity(current["rubric_name"], current["rubric"]):
            problems.append(problem(f"$.rounds[{index}].rubric",
                                    f"the rubric of round {r.code!r} is frozen: scoring has started in it"))
        # What the reviews already given depend on; normalisation, advancement and combination only change
        # how results are computed from them, and results are recomputed, so those may still change.
        for key, value in (("kind", r.kind), ("workflow", r.workflow), ("blind", r.blind)):
            if value != current[key]:
                problems.append(problem(f"$.rounds[{index}].{key}",
                                        f"the {key} of round {r.code!r} is frozen: scoring has started in it"))
    return problems


async def _awarded_prize_refusals(spec: CompetitionSpec, parts: _Parts, problem) -> list[Problem]:
    """An awarded prize keeps who it is for, and never has fewer places than its awards."""
    problems: list[Problem] = []
    for index, prize in enumerate(spec.prizes):
        current = parts.prizes.get(prize.code)
        if current is None:
            continue
        awards = await Award.count().where(Award.prize == current["id"])
        if not awards:
            continue
        if msgspec.to_builtins(prize.target) != (current["target"] or {}):
            problems.append(problem(f"$.prizes[{index}].target",
                                    f"prize {prize.code!r} has been awarded: who it is for cannot change"))
        if prize.quantity < awards:
            problems.append(problem(f"$.prizes[{index}].quantity",
                                    f"prize {prize.code!r} has {awards} awards: quantity cannot go below {awards}"))
    return problems


async def _most_jurors_per_entry(round_id: int) -> int:
    """The largest number of jurors any one entry of the round is assigned to."""
    rows = await Assignment.select(Assignment.application).where(Assignment.round == round_id)
    counts: dict[int, int] = {}
    for row in rows:
        counts[row["application"]] = counts.get(row["application"], 0) + 1
    return max(counts.values(), default=0)


async def _write_edition_row(spec: CompetitionSpec, edition_id: int) -> None:
    """The programme (created when new) and the edition's own columns."""
    programme = await Programme.select(Programme.id).where(Programme.slug == spec.programme.slug).first()
    if programme is None:
        programme_id = (await Programme.insert(
            Programme(slug=spec.programme.slug, name=label(spec.programme.name))))[0]["id"]
    else:
        programme_id = programme["id"]
        await Programme.update({Programme.name: label(spec.programme.name)}).where(Programme.id == programme_id)
    e = spec.edition
    await Edition.update({
        Edition.programme: programme_id, Edition.year: e.year, Edition.number: e.number,
        Edition.title: label(e.title), Edition.summary: label(e.summary), Edition.rules: label(e.rules),
        Edition.status: e.status, Edition.time_zone: e.time_zone, Edition.languages: list(e.languages),
        Edition.regulation_version: e.regulation_version,
        Edition.eligibility: msgspec.to_builtins(spec.eligibility),
        Edition.application_form: msgspec.to_builtins(spec.application_form),
        Edition.declarations: msgspec.to_builtins(spec.declarations),
        Edition.consents: msgspec.to_builtins(spec.consents),
        Edition.settings: dict(spec.settings), Edition.enabled_plugins: list(spec.plugins),
        Edition.updated_at: datetime.now(ZoneInfo("UTC")),
    }).where(Edition.id == edition_id)


async def _sync_partners(spec: CompetitionSpec, edition_id: int) -> dict[str, int]:
    """Partners by organisation and role; returns each organisation's partner id, for the prizes' sponsors."""
    current_partners = await EditionPartner.select().output(load_json=True).where(EditionPartner.edition == edition_id)
    by_key = {(p["organisation"], p["role"]): p for p in current_partners}
    partner_ids: dict[str, int] = {}
    kept: set[int] = set()
    for position, partner in enumerate(spec.partners):
        organisation_id = await _organisation_id(partner)
        # Kind and website are the organisation's own: the file's say (an email domain is only ever added).
        changed = {Organisation.kind: partner.kind, Organisation.website: partner.website}
        if partner.email_domain:
            changed[Organisation.email_domain] = partner.email_domain
        await Organisation.update(changed).where(Organisation.id == organisation_id)
        row = by_key.get((organisation_id, partner.role))
        if row is None:
            partner_id = (await EditionPartner.insert(EditionPartner(
                edition=edition_id, organisation=organisation_id, role=partner.role, position=position,
            )))[0]["id"]
        else:
            partner_id = row["id"]
            await EditionPartner.update({EditionPartner.position: position}).where(
                EditionPartner.id == partner_id)
        kept.add(partner_id)
        partner_ids.setdefault(partner.organisation, partner_id)
    stale = [p["id"] for p in current_partners if p["id"] not in kept]
    if stale:
        await Prize.update({Prize.sponsor: None}).where(Prize.sponsor.is_in(stale))
        await EditionPartner.delete().where(EditionPartner.id.is_in(stale))
    return partner_ids


async def _sync(table, edition_id: int, current: dict[str, dict], rows: list[tuple[str, dict]], wanted: list) -> None:
    """Insert or update each (code, values) of the file, then delete the parts it no longer lists."""
    for code, values in rows:
        row = current.get(code)
        if row is None:
            await table.insert(table(edition=edition_id, code=code, **values))
        else:
            await table.update({getattr(table, k): v for k, v in values.items()}).where(table.id == row["id"])
    ids = list(_removed(current, wanted).values())
    if ids:
        await table.delete().where(table.id.is_in(ids))


def _round_values(r: RoundSpec, position: int, current: dict | None, zone: ZoneInfo) -> dict[str, Any]:
    values: dict[str, Any] = {
        "name": label(r.name), "kind": r.kind, "workflow": r.workflow, "position": position,
        "opens_at": parse_moment(r.opens_at, zone) if r.opens_at else None,
        "closes_at": parse_moment(r.closes_at, zone) if r.closes_at else None,
        "jurors_per_entry": r.jurors_per_entry, "blind": r.blind, "normalisation": r.normalisation,
        "advancement": r.advancement, "combination": r.combination, "settings": r.settings,
    }
    rubric_name, rubric = _spec_rubric(r)
    unchanged = current is not None and _rubric_identity(rubric_name, rubric) == _rubric_identity(
        current["rubric_name"], current["rubric"])
    if not unchanged:  # an unchanged rubric keeps its frozen copy
        values.update(rubric_name=rubric_name, rubric=rubric)
    return values


def _prize_values(prize: PrizeSpec, position: int, partner_ids: dict[str, int]) -> dict[str, Any]:
    return {"name": label(prize.name), "kind": prize.kind,
            "sponsor": partner_ids.get(prize.sponsor) if prize.sponsor else None,
            "amount_eur": None if prize.amount_eur is None else Decimal(str(prize.amount_eur)),
            "quantity": prize.quantity, "target": msgspec.to_builtins(prize.target),
            "conditions": list(prize.conditions), "details": dict(prize.details), "position": position}


async def _sync_parts(spec: CompetitionSpec, edition_id: int, parts: _Parts, partner_ids: dict[str, int],
                      zone: ZoneInfo) -> None:
    """Timeline, tracks, areas, rounds, prizes, milestones and KPIs, matched by code, in that order."""
    await _sync(TimelineEntry, edition_id, parts.timeline, [
        (entry.code, {"label": label(entry.label), "position": position,
                      "starts_at": parse_moment(entry.starts_at, zone),
                      "ends_at": parse_moment(entry.ends_at, zone) if entry.ends_at else None})
        for position, entry in enumerate(spec.timeline)], spec.timeline)
    await _sync(Track, edition_id, parts.tracks, [
        (t.code, {"name": label(t.name), "description": label(t.description), "position": position})
        for position, t in enumerate(spec.tracks)], spec.tracks)
    await _sync(Area, edition_id, parts.areas, [
        (a.code, {"name": label(a.name), "regions": list(a.regions), "position": position})
        for position, a in enumerate(spec.areas)], spec.areas)
    await _sync(Round, edition_id, parts.rounds, [
        (r.code, _round_values(r, position, parts.rounds.get(r.code), zone))
        for position, r in enumerate(spec.rounds)], spec.rounds)
    await _sync(Prize, edition_id, parts.prizes, [
        (prize.code, _prize_values(prize, position, partner_ids)) for position, prize in enumerate(spec.prizes)],
        spec.prizes)
    await _sync(Milestone, edition_id, parts.milestones, [
        (m.code, {"name": label(m.name), "due_on": date.fromisoformat(m.due_on) if m.due_on else None})
        for m in spec.milestones], spec.milestones)
    await _sync(KpiDefinition, edition_id, parts.kpis, [
        (k.code, {"name": label(k.name), "unit": k.unit}) for k in spec.kpis], spec.kpis)


async def update_competition_text(text: str, *, slug: str, actor_id: int | None = None, source: str = "",
                                  audit_draft: bool = False) -> list[Change]:
    """Validate a whole edition file and apply it onto edition `slug`; FileProblems name keys and lines."""
    spec = read_competition_file(text, source=source)
    return await update_competition(spec, slug=slug, actor_id=actor_id, document=load_yaml(text),
                                    audit_draft=audit_draft)

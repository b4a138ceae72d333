"""Awards: prizes allocated by their rules as a proposal, confirmed by the organiser, with conditions tracked.

The ranking comes from the last round that declares a combination of rounds (core.results.combined), else
the last round whose workflow computes results (core.results.rounds); without one,
winners and then finalists by their application status. Rules: a prize's target names a place (`rank`,
counted within its track or area when it names one), `best_non_winner`, or a scope (`all_winners`,
`finalists`); the edition's `max_cash_prizes_per_entity` setting caps cash prizes per entity, and the next
place takes a cash prize its holder cannot. A prize chosen by hand (a public vote) is left for the organiser.
The rules themselves are pure (`scoring.allocate`); this module gathers their inputs and records the awards.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from core.applications import lifecycle
from core.editions.access import EditionNotFound, edition_for_organiser
from core.messaging import events
from core.platform import audit, db
from core.platform.errors import NotFound, Refused
from core.platform.i18n import gettext as _
from core.platform.identity import SessionUser
from core.platform.settings import Settings, load_settings
from core.platform.tables import Application, Award, Edition, Prize, Round
from core.results.combined import combined_ranking
from core.results.rounds import NoResults, RoundNotFound, round_results
from scoring.allocate import Candidate, PrizeInfo, Slot, allocate

CONDITION_STATES = ("pending", "met", "failed")
# A proposed award is the organisers' draft; these statuses are not (or no longer) an award given.
NOT_GIVEN_STATUSES = ("proposed", "declined", "revoked", "withdrawn", "cancelled")
RANKED_STATUSES = (lifecycle.WINNER, lifecycle.FINALIST)


def N_(message: str) -> str:
    return message


CONDITION_LABELS = {
    "credit_check": N_("Credit check by the bank"),
    "incorporation": N_("Incorporation of the entity"),
}

__all__ = ["AwardsPage", "AwardsRefused", "EditionNotFound", "Slot", "awards_page", "confirm_awards",
           "propose_awards", "update_condition"]


class AwardsRefused(Refused):
    """The awards (or an award's condition) cannot change like this; `message` says why."""


class AwardNotFound(NotFound):
    pass


@dataclass(frozen=True)
class Proposal:
    source: str  # "combined:<code>", "round:<code>" or "statuses"
    ranking: tuple[Candidate, ...]
    slots: tuple[Slot, ...]
    cash_limit: int | None
    combined: str = ""  # the combined ranking used, in words


@dataclass(frozen=True)
class AwardView:
    id: int
    prize: PrizeInfo
    application_id: int
    entity_name: str
    title: str
    status: str
    conditions: tuple[dict[str, Any], ...]


@dataclass(frozen=True)
class AwardsPage:
    proposal: Proposal
    awards: tuple[AwardView, ...] = ()
    condition_labels: dict[str, str] = field(default_factory=lambda: dict(CONDITION_LABELS))


def _entity_key(row: dict[str, Any]) -> str:
    """One entity, one key: its tax code when it has one, else its name, else the application."""
    return (row["tax_code"] or "").strip().upper() or (row["entity_name"] or "").strip().lower() or f"#{row['id']}"


async def _ranking(actor: SessionUser, edition_slug: str, edition_id: int, settings: Settings
                   ) -> tuple[str, list[tuple[int, float | None]], str]:
    """(source, [(entry, score)] best first, the combined ranking used in words or "")."""
    rounds = await Round.select(Round.code).where(Round.edition == edition_id).order_by(Round.position,
                                                                                         ascending=False)
    for r in rounds:
        combined = await combined_ranking(actor=actor, edition_slug=edition_slug, round_code=r["code"],
                                          settings=settings)
        if combined is not None and combined.rows:
            return (f"combined:{r['code']}", [(row.entry, row.score) for row in combined.rows],
                    combined.description)
        try:
            results, _entries = await round_results(actor=actor, edition_slug=edition_slug, round_code=r["code"])
        except (NoResults, RoundNotFound, ValueError):
            continue
        ranked = [row for row in results.rows if row.rank is not None]
        if ranked:
            ranked.sort(key=lambda row: (row.rank, -(row.score or 0), row.entry))
            return f"round:{r['code']}", [(row.entry, row.score) for row in ranked], ""
    rows = await Application.select(Application.id, Application.status).where(
        Application.edition == edition_id, Application.status.is_in(list(RANKED_STATUSES))).order_by(Application.id)
    rows.sort(key=lambda row: (RANKED_STATUSES.index(row["status"]), row["id"]))
    return "statuses", [(row["id"], None) for row in rows], ""


async def _prizes(edition_id: int) -> list[PrizeInfo]:
    rows = await Prize.select(Prize.id, Prize.code, Prize.name, Prize.kind, Prize.amount_eur, Prize.quantity,
                              Prize.target, Prize.conditions,
                                      Prize.sponsor.organisation.name).output(load_json=True).where(
        Prize.edition == edition_id).order_by(Prize.position, Prize.id)
    return [PrizeInfo(id=p["id"], code=p["code"], name=p["name"] or {}, kind=p["kind"],
                      amount_eur=float(p["amount_eur"]) if isinstance(p["amount_eur"], Decimal | float | int) else None,
                      quantity=p["quantity"], target=p["target"] or {},
                      conditions=tuple(p["conditions"] or ()), sponsor=p["sponsor.organisation.name"])
            for p in rows]


async def _candidates(edition_id: int, ranked: list[tuple[int, float | None]]) -> list[Candidate]:
    ids = [entry for entry, _score in ranked]
    if not ids:
        return []
    rows = {r["id"]: r for r in await Application.select(
        Application.id, Application.entity_name, Application.tax_code, Application.title, Application.track.code,
        Application.area.code, Application.to_be_incorporated).where(
        Application.edition == edition_id, Application.id.is_in(ids))}
    return [Candidate(id=entry, entity=_entity_key(rows[entry]), entity_name=rows[entry]["entity_name"],
                      title=rows[entry]["title"], track=rows[entry]["track.code"] or "",
                      area=rows[entry]["area.code"] or "", place=place, score=score,
                      to_be_incorporated=bool(rows[entry]["to_be_incorporated"]))
            for place, (entry, score) in enumerate((r for r in ranked if r[0] in rows), start=1)]


async def propose_awards(*, actor: SessionUser, edition_slug: str, settings: Settings | None = None) -> Proposal:
    """Who each prize would go to under its rules, given the awards already confirmed."""
    edition = await edition_for_organiser(actor=actor, edition_slug=edition_slug)
    edition_settings = (await Edition.select(Edition.settings).output(load_json=True).where(
            Edition.id == edition.id).first())[
        "settings"] or {}
    limit = edition_settings.get("max_cash_prizes_per_entity")
    source, ranked, combined = await _ranking(actor, edition_slug, edition.id, settings or load_settings())
    ranking = await _candidates(edition.id, ranked)
    prizes = await _prizes(edition.id)
    held = await _held(edition.id, prizes, ranking)
    return Proposal(source=source, ranking=tuple(ranking), cash_limit=limit, combined=combined,
                    slots=tuple(allocate(prizes, ranking, cash_limit=limit, held=held)))


async def _held(edition_id: int, prizes: list[PrizeInfo], ranking: list[Candidate]
                ) -> list[tuple[PrizeInfo, Candidate]]:
    by_prize = {p.id: p for p in prizes}
    by_id = {c.id: c for c in ranking}
    rows = await Award.select(Award.prize, Award.application, Award.application.entity_name,
                              Award.application.tax_code, Award.application.title).where(
        Award.prize.edition == edition_id, Award.status != "withdrawn")
    held = []
    for row in rows:
        candidate = by_id.get(row["application"]) or Candidate(
            id=row["application"], entity=_entity_key({"tax_code": row["application.tax_code"],
                                                       "entity_name": row["application.entity_name"],
                                                       "id": row["application"]}),
            entity_name=row["application.entity_name"], title=row["application.title"], track="", area="",
            place=0, score=None, to_be_incorporated=False)
        held.append((by_prize[row["prize"]], candidate))
    return held


async def awards_page(*, actor: SessionUser, edition_slug: str, settings: Settings | None = None) -> AwardsPage:
    edition = await edition_for_organiser(actor=actor, edition_slug=edition_slug)
    proposal = await propose_awards(actor=actor, edition_slug=edition_slug, settings=settings)
    prizes = {p.id: p for p in await _prizes(edition.id)}
    rows = await Award.select(Award.id, Award.prize, Award.application, Award.status, Award.conditions,
                              Award.application.entity_name, Award.application.title).output(load_json=True).where(
        Award.prize.edition == edition.id).order_by(Award.id)
    return AwardsPage(proposal=proposal, awards=tuple(AwardView(
        id=r["id"], prize=prizes[r["prize"]], application_id=r["application"],
        entity_name=r["application.entity_name"], title=r["application.title"], status=r["status"],
        conditions=tuple(r["conditions"] or ())) for r in rows))


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)


async def confirm_awards(*, actor: SessionUser, edition_slug: str, choices: list[tuple[str, int]]) -> int:
    """Create confirmed awards for (prize code, application id) pairs, checking the rules again; audited.

    Conditions come from the prize (a credit check, say) and, for an entity still to be incorporated,
    incorporation within the months the edition's eligibility allows.
    """
    edition = await edition_for_organiser(actor=actor, edition_slug=edition_slug)
    if not choices:
        raise AwardsRefused(_("Choose at least one award to confirm."))
    now = datetime.now(UTC)
    created = 0
    async with db.write_transaction():
        row = await Edition.select(Edition.settings, Edition.eligibility).output(load_json=True).where(
                Edition.id == edition.id).first()
        limit = (row["settings"] or {}).get("max_cash_prizes_per_entity")
        months = (row["eligibility"] or {}).get("incorporation_deadline_months")
        prizes = {p.code: p for p in await _prizes(edition.id)}
        applications = {a["id"]: a for a in await Application.select(
            Application.id, Application.entity_name, Application.tax_code, Application.to_be_incorporated).where(
            Application.edition == edition.id, Application.id.is_in([a for _p, a in choices] or [0]))}
        existing = await Award.select(Award.prize, Award.application, Award.application.entity_name,
                                      Award.application.tax_code).where(
            Award.prize.edition == edition.id, Award.status != "withdrawn")
        by_code = {p.id: p for p in prizes.values()}
        cash: Counter[str] = Counter()
        count: Counter[int] = Counter()
        pairs = set()
        for award in existing:
            prize = by_code[award["prize"]]
            key = _entity_key({"tax_code": award["application.tax_code"],
                               "entity_name": award["application.entity_name"], "id": award["application"]})
            cash[key] += prize.cash
            count[prize.id] += 1
            pairs.add((prize.id, award["application"]))
        for code, application_id in choices:
            prize = prizes.get(code)
            application = applications.get(application_id)
            if prize is None or application is None:
                raise AwardsRefused(_("A chosen prize or application is not part of this edition."))
            if (prize.id, application_id) in pairs:
                continue
            key = _entity_key(application)
            if prize.cash and limit is not None and cash[key] >= limit:
                raise AwardsRefused(_("{entity} would receive more cash prizes than the edition allows.").format(
                    entity=application["entity_name"] or application_id))
            if prize.target.get("scope") != "all_winners" and count[prize.id] >= prize.quantity:
                raise AwardsRefused(_("Prize {prize} has no place left.").format(prize=code))
            conditions = [{"code": c, "status": "pending", "date": None, "note": ""} for c in prize.conditions]
            if application["to_be_incorporated"] and months:
                conditions.append({"code": "incorporation", "status": "pending", "date": None, "note": "",
                                   "due": _add_months(now.date(), int(months)).isoformat()})
            award_id = (await Award.insert(Award(prize=prize.id, application=application_id, status="confirmed",
                                                 conditions=conditions, created_at=now)))[0]["id"]
            await audit.record("award.confirmed", actor_id=actor.id, edition_id=edition.id, subject_type="award",
                               subject_id=award_id, data={"prize": code, "application": application_id,
                                                          "conditions": [c["code"] for c in conditions]})
            await events.emit("award.confirmed", edition_id=edition.id, subject_type="award", subject_id=award_id,
                              data={"prize": code, "application": application_id}, at=now)
            cash[key] += prize.cash
            count[prize.id] += 1
            pairs.add((prize.id, application_id))
            created += 1
    return created


async def update_condition(*, actor: SessionUser, edition_slug: str, award_id: int, code: str, status: str,
                           on: str = "", note: str = "") -> None:
    """Record where a condition of an award stands (pending, met, failed), when and with a note; audited."""
    edition = await edition_for_organiser(actor=actor, edition_slug=edition_slug)
    if status not in CONDITION_STATES:
        raise AwardsRefused(_("Choose pending, met or failed."))
    if on:
        try:
            date.fromisoformat(on)
        except ValueError:
            raise AwardsRefused(_("Give the date as 2026-10-31.")) from None
    async with db.write_transaction():
        owner = await Award.select(Award.prize.edition).where(Award.id == award_id).first()
        if owner is None or owner["prize.edition"] != edition.id:
            raise AwardNotFound(award_id)
        row = await db.locked(Award.select(Award.id, Award.conditions).output(load_json=True).where(
                Award.id == award_id)).first()
        conditions = list(row["conditions"] or [])
        index = next((i for i, c in enumerate(conditions) if c.get("code") == code), None)
        if index is None:
            raise AwardNotFound(code)
        before = dict(conditions[index])
        conditions[index] = {**before, "status": status, "date": on or None, "note": note.strip()}
        await Award.update({Award.conditions: conditions}).where(Award.id == award_id)
        await audit.record("award.condition_updated", actor_id=actor.id, edition_id=edition.id, subject_type="award",
                           subject_id=award_id, data={"code": code, "from": before.get("status"), "to": status,
                                                      "date": on or None, "note": note.strip()})

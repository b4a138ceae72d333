"""The organiser's view of an edition: which editions a person runs, and the edition's rounds at a glance.

Every organiser page starts from `edition_for_organiser`, so the per-edition check lives in one place:
anyone who is not an organiser of that edition (or an admin) gets "not found", never a hint it exists.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from core.accounts import SessionUser
from core.db import json_value
from core.tables import Application, Edition, Round


class EditionNotFound(LookupError):
    """No such edition, or not this person's to organise."""


@dataclass(frozen=True)
class RoundSummary:
    id: int
    code: str
    name: dict[str, str]
    kind: str
    workflow: str
    status: str
    opens_at: datetime | None
    closes_at: datetime | None


@dataclass(frozen=True)
class OrganisedEdition:
    id: int
    slug: str
    title: dict[str, str]
    status: str
    time_zone: str
    rounds: tuple[RoundSummary, ...] = ()
    applications_by_status: tuple[tuple[str, int], ...] = ()


def may_organise(actor: SessionUser | None, edition_slug: str) -> bool:
    return actor is not None and (actor.is_admin or actor.has_role("organiser", edition_slug))


async def organised_editions(*, actor: SessionUser) -> list[OrganisedEdition]:
    """The editions this person organises, newest first (all of them for an admin)."""
    rows = await Edition.select(Edition.id, Edition.slug, Edition.title, Edition.status, Edition.time_zone).order_by(
        Edition.year, ascending=False)
    return [OrganisedEdition(id=r["id"], slug=r["slug"], title=json_value(r["title"]) or {}, status=r["status"],
                             time_zone=r["time_zone"])
            for r in rows if may_organise(actor, r["slug"])]


async def edition_for_organiser(*, actor: SessionUser, edition_slug: str, with_overview: bool = False
                                ) -> OrganisedEdition:
    """The edition with its rounds, if `actor` organises it; otherwise EditionNotFound."""
    if not may_organise(actor, edition_slug):
        raise EditionNotFound(edition_slug)
    row = await Edition.select(Edition.id, Edition.slug, Edition.title, Edition.status, Edition.time_zone).where(
        Edition.slug == edition_slug).first()
    if row is None:
        raise EditionNotFound(edition_slug)
    rounds = await Round.select(
        Round.id, Round.code, Round.name, Round.kind, Round.workflow, Round.status, Round.opens_at, Round.closes_at,
    ).where(Round.edition == row["id"]).order_by(Round.position)
    counts: tuple[tuple[str, int], ...] = ()
    if with_overview:
        status_rows = await Application.raw(
            "SELECT status, COUNT(*) AS n FROM application WHERE edition = {} GROUP BY status ORDER BY status",
            row["id"])
        counts = tuple((r["status"], int(r["n"])) for r in status_rows)
    return OrganisedEdition(
        id=row["id"], slug=row["slug"], title=json_value(row["title"]) or {}, status=row["status"],
        time_zone=row["time_zone"],
        rounds=tuple(RoundSummary(id=r["id"], code=r["code"], name=json_value(r["name"]) or {}, kind=r["kind"],
                                  workflow=r["workflow"], status=r["status"], opens_at=r["opens_at"],
                                  closes_at=r["closes_at"]) for r in rounds),
        applications_by_status=counts,
    )

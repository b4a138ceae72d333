"""Applications a page at a time, for software that reads them through the API: an edition's for its
organisers, filtered by status and track, and a person's own in one edition.

Pages follow ids (`after_id`, the cursor), so rows added while a client pages through never shift a page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from core.applications.submission import ApplicationView, own_applications
from core.editions.access import edition_for_organiser
from core.platform.identity import SessionUser
from core.platform.tables import Application, Track

MAX_PAGE = 200


@dataclass(frozen=True)
class ApplicationLine:
    """One application in an organiser's list: what a CRM needs to match and follow it."""

    id: int
    status: str
    track: str | None
    entity_name: str
    receipt_number: str | None
    submitted_at: datetime | None
    updated_at: datetime | None


@dataclass(frozen=True)
class ApplicationsPage:
    lines: list[ApplicationLine]
    next_after_id: int | None


async def applications_for_organiser(*, actor: SessionUser, edition_slug: str, status: str | None = None,
                                     track: str | None = None, after_id: int = 0, limit: int = 50
                                     ) -> ApplicationsPage:
    """The edition's applications by id, after `after_id`; EditionNotFound for anyone who does not organise it."""
    edition = await edition_for_organiser(actor=actor, edition_slug=edition_slug)
    limit = max(1, min(limit, MAX_PAGE))
    query = Application.select(
        Application.id, Application.status, Application.track.code, Application.entity_name,
        Application.receipt_number, Application.submitted_at, Application.updated_at,
    ).where(Application.edition == edition.id, Application.id > after_id)
    if status:
        query = query.where(Application.status == status)
    if track:
        query = query.where(Application.track.is_in(
            Track.select(Track.id).where(Track.edition == edition.id, Track.code == track)))
    rows = await query.order_by(Application.id).limit(limit + 1)
    lines = [ApplicationLine(id=r["id"], status=r["status"], track=r["track.code"], entity_name=r["entity_name"],
                             receipt_number=r["receipt_number"], submitted_at=r["submitted_at"],
                             updated_at=r["updated_at"]) for r in rows[:limit]]
    return ApplicationsPage(lines=lines, next_after_id=lines[-1].id if len(rows) > limit else None)


async def own_applications_in(*, user: SessionUser, edition_slug: str) -> list[ApplicationView]:
    """The person's own applications to one edition."""
    return [view for view in await own_applications(user=user) if view.edition_slug == edition_slug]

"""Who may see what on the mentoring path: a mentor their own mentees, a startup itself, organisers their edition.

Every mentoring service starts from one of these functions; anything outside a person's reach reads
as "not found", so a guessed id tells nothing.
"""

from __future__ import annotations

from typing import Any

from core.applications.lifecycle import FINALIST_OUTCOMES
from core.editions.access import may_organise
from core.platform.errors import NotFound, Refused
from core.platform.identity import SessionUser
from core.platform.tables import Application, Edition, MentorMatch

# A match a mentor still works on; "proposed" ones wait for the organiser, "ended" ones were replaced.
ACTIVE_MATCH = ("confirmed", "rematch_requested")
# Applications on the path: finalists, and after the final the winners and the others, followed for a year.
ON_PATH = FINALIST_OUTCOMES


class MentoringNotFound(NotFound):
    """No such thing, or not this person's to see."""


class MentoringRefused(Refused):
    """A request the rules refuse; `message` is translated and says what to do."""

    def __init__(self, message: str, *, field: str = "") -> None:
        super().__init__(message)
        self.field = field


async def edition_row(edition_slug: str) -> dict[str, Any]:
    row = await Edition.select(Edition.id, Edition.slug, Edition.title, Edition.time_zone, Edition.status,
                               Edition.settings).output(load_json=True).where(Edition.slug == edition_slug).first()
    if row is None:
        raise MentoringNotFound(edition_slug)
    return row


async def edition_for_mentor(actor: SessionUser, edition_slug: str) -> dict[str, Any]:
    if not actor.has_role("mentor", edition_slug):
        raise MentoringNotFound(edition_slug)
    return await edition_row(edition_slug)


async def edition_for_organiser(actor: SessionUser, edition_slug: str) -> dict[str, Any]:
    if not may_organise(actor, edition_slug):
        raise MentoringNotFound(edition_slug)
    return await edition_row(edition_slug)


async def match_for_mentor(actor: SessionUser, match_id: int) -> dict[str, Any]:
    """The mentor's own active match; an ended or someone else's match reads as missing."""
    row = await MentorMatch.select(
        MentorMatch.id, MentorMatch.edition, MentorMatch.mentor, MentorMatch.application, MentorMatch.status,
        MentorMatch.edition.slug, MentorMatch.edition.time_zone,
    ).where(MentorMatch.id == match_id, MentorMatch.mentor == actor.id,
            MentorMatch.status.is_in(list(ACTIVE_MATCH))).first()
    if row is None:
        raise MentoringNotFound(match_id)
    return row


async def mentors_application(actor: SessionUser, application_id: int) -> dict[str, Any]:
    """The match through which this mentor follows the application, if they do."""
    row = await MentorMatch.select(MentorMatch.id).where(
        MentorMatch.application == application_id, MentorMatch.mentor == actor.id,
        MentorMatch.status.is_in(list(ACTIVE_MATCH))).first()
    if row is None:
        raise MentoringNotFound(application_id)
    return await match_for_mentor(actor, row["id"])


async def own_application_on_path(actor: SessionUser, application_id: int) -> dict[str, Any]:
    """The startup's own application, if it is on the path (the applicant account is the startup)."""
    row = await Application.select(
        Application.id, Application.edition, Application.applicant, Application.status, Application.title,
        Application.entity_name, Application.track, Application.edition.slug, Application.edition.title,
        Application.edition.time_zone,
    ).output(load_json=True).where(Application.id == application_id, Application.applicant == actor.id).first()
    if row is None or row["status"] not in ON_PATH:
        raise MentoringNotFound(application_id)
    return row


async def may_see_application(actor: SessionUser, application_id: int) -> bool:
    """The startup itself, its active mentor, or an organiser of its edition."""
    row = await Application.select(Application.applicant, Application.status, Application.edition.slug).where(
        Application.id == application_id).first()
    if row is None:
        return False
    if row["applicant"] == actor.id and row["status"] in ON_PATH:
        return True
    if may_organise(actor, row["edition.slug"]):
        return True
    return await MentorMatch.exists().where(
        MentorMatch.application == application_id, MentorMatch.mentor == actor.id,
        MentorMatch.status.is_in(list(ACTIVE_MATCH)))


def startup_label(row: dict[str, Any], prefix: str = "") -> str:
    """How an application is named on the path: its entity, then its project title."""
    entity = row.get(f"{prefix}entity_name") or ""
    title = row.get(f"{prefix}title") or ""
    return " – ".join(part for part in (entity, title) if part) or f"#{row.get(f'{prefix}id', '')}"

"""The organiser's view of an edition: which editions a person runs, and the edition's rounds at a glance.

Every organiser page starts from `edition_for_organiser`, so the per-edition check lives in one place:
anyone who is not an organiser of that edition (or an admin) gets "not found", never a hint it exists.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from core.editions.names import NO_NAMES, EditionNames, edition_names
from core.platform import audit, db
from core.platform.errors import NotFound
from core.platform.identity import SessionUser
from core.platform.tables import Application, Edition, RoleGrant, Round


class EditionNotFound(NotFound):
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
    blind: bool = False


@dataclass(frozen=True)
class OrganisedEdition:
    id: int
    slug: str
    title: dict[str, str]
    status: str
    time_zone: str
    rounds: tuple[RoundSummary, ...] = ()
    applications_by_status: tuple[tuple[str, int], ...] = ()
    names: EditionNames = NO_NAMES


def may_organise(actor: SessionUser | None, edition_slug: str) -> bool:
    return actor is not None and (actor.is_admin or actor.has_role("organiser", edition_slug))


async def organised_editions(*, actor: SessionUser) -> list[OrganisedEdition]:
    """The editions this person organises, newest first (all of them for an admin)."""
    rows = await Edition.select(Edition.id, Edition.slug, Edition.title, Edition.status, Edition.time_zone).output(
        load_json=True).order_by(Edition.year, ascending=False)
    return [OrganisedEdition(id=r["id"], slug=r["slug"], title=r["title"] or {}, status=r["status"],
                             time_zone=r["time_zone"])
            for r in rows if may_organise(actor, r["slug"])]


async def edition_for_organiser(*, actor: SessionUser, edition_slug: str, with_overview: bool = False
                                ) -> OrganisedEdition:
    """The edition with its rounds, if `actor` organises it; otherwise EditionNotFound."""
    if not may_organise(actor, edition_slug):
        raise EditionNotFound(edition_slug)
    row = await Edition.select(Edition.id, Edition.slug, Edition.title, Edition.status, Edition.time_zone,
                               Edition.enabled_plugins).output(load_json=True).where(
                                   Edition.slug == edition_slug).first()
    if row is None:
        raise EditionNotFound(edition_slug)
    rounds = await Round.select(
        Round.id, Round.code, Round.name, Round.kind, Round.workflow, Round.status, Round.opens_at, Round.closes_at,
        Round.blind,
    ).output(load_json=True).where(Round.edition == row["id"]).order_by(Round.position)
    counts: tuple[tuple[str, int], ...] = ()
    if with_overview:
        status_rows = await Application.raw(
            "SELECT status, COUNT(*) AS n FROM application WHERE edition = {} GROUP BY status ORDER BY status",
            row["id"])
        counts = tuple((r["status"], int(r["n"])) for r in status_rows)
    return OrganisedEdition(
        id=row["id"], slug=row["slug"], title=row["title"] or {}, status=row["status"],
        time_zone=row["time_zone"],
        rounds=tuple(RoundSummary(id=r["id"], code=r["code"], name=r["name"] or {}, kind=r["kind"],
                                  workflow=r["workflow"], status=r["status"], opens_at=r["opens_at"],
                                  closes_at=r["closes_at"], blind=bool(r["blind"])) for r in rounds),
        applications_by_status=counts,
        names=await edition_names(row["id"], enabled_plugins=row["enabled_plugins"] or []),
    )


ROLES = ("applicant", "juror", "organiser", "sponsor", "mentor", "admin")


class RoleRefused(ValueError):
    """A role could not be granted; `code` is a message id for translation."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


async def grant_role(*, account_id: int, role: str, edition_slug: str | None = None,
                     organisation_id: int | None = None, actor_id: int | None = None) -> None:
    """Give an account a role, in one edition or platform-wide; granting it twice changes nothing."""
    if role not in ROLES:
        raise RoleRefused("role_unknown")
    edition_id = None
    if edition_slug is not None:
        edition = await Edition.select(Edition.id).where(Edition.slug == edition_slug).first()
        if edition is None:
            raise RoleRefused("edition_unknown")
        edition_id = edition["id"]
    async with db.write_transaction():
        exists = await RoleGrant.exists().where(
            RoleGrant.account == account_id, RoleGrant.role == role,
            RoleGrant.edition.is_null() if edition_id is None else RoleGrant.edition == edition_id)
        if not exists:
            await RoleGrant.insert(RoleGrant(account=account_id, edition=edition_id, role=role,
                                             organisation=organisation_id))
            await audit.record("role.granted", actor_id=actor_id, edition_id=edition_id, subject_type="account",
                               subject_id=account_id, data={"role": role})

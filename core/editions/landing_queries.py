"""The reads behind an edition's public landing page, as plain parameterised SQL: one statement per list.

The page is the busiest one anyone can open; building its six queries through Piccolo cost more than running
them. Rows carry the keys the Piccolo queries gave, their JSON columns decoded as `output(load_json=True)` decodes
them, so `competitions.edition_landing` reads them unchanged.
"""

from __future__ import annotations

from typing import Any

from core.platform.db import decode_json
from core.platform.tables import Edition

EDITION_COLUMNS = "id, slug, title, year, status, summary, time_zone, rules"
EDITION_JSON = ("title", "summary", "rules")
TIMELINE_SQL = ("SELECT id, edition, code, label, starts_at, ends_at, position FROM timeline_entry"
                " WHERE edition = {} ORDER BY position")
TRACKS_SQL = "SELECT code, name, description FROM track WHERE edition = {} ORDER BY position"
AREAS_SQL = "SELECT code, name, regions FROM area WHERE edition = {} ORDER BY position"
PARTNERS_SQL = (
    'SELECT edition_partner.role, organisation.name AS "organisation.name",'
    ' organisation.website AS "organisation.website"'
    " FROM edition_partner LEFT JOIN organisation ON organisation.id = edition_partner.organisation"
    " WHERE edition_partner.edition = {} ORDER BY edition_partner.position"
)
PRIZES_SQL = (
    "SELECT prize.code, prize.name, prize.kind, prize.amount_eur, prize.target, prize.details,"
    ' organisation.name AS "sponsor.organisation.name"'
    " FROM prize LEFT JOIN edition_partner ON edition_partner.id = prize.sponsor"
    " LEFT JOIN organisation ON organisation.id = edition_partner.organisation"
    " WHERE prize.edition = {} ORDER BY prize.position"
)


async def public_edition(slug: str, statuses: tuple[str, ...]) -> dict[str, Any] | None:
    """The edition's page fields, when its status is one of `statuses`."""
    placeholders = ", ".join("{}" for _ in statuses)  # placeholders only: every value is a parameter
    rows = await Edition.raw(f"SELECT {EDITION_COLUMNS} FROM edition WHERE slug = {{}}"  # noqa: S608
                             f" AND status IN ({placeholders})", slug, *statuses)
    return decode_json(rows[0], *EDITION_JSON) if rows else None


async def landing_lists(edition_id: int) -> dict[str, list[dict[str, Any]]]:
    """The edition's timeline, tracks, areas, partners and prizes, each in its page order."""
    return {name: [decode_json(row, *json_columns) for row in await Edition.raw(sql, edition_id)]
            for name, sql, json_columns in (
                ("timeline", TIMELINE_SQL, ("label",)), ("tracks", TRACKS_SQL, ("name", "description")),
                ("areas", AREAS_SQL, ("name", "regions")), ("partners", PARTNERS_SQL, ()),
                ("prizes", PRIZES_SQL, ("name", "target", "details")))}

"""The reads behind an edition's public landing page, as plain parameterised SQL: the edition, then its lists.

The page is the busiest one anyone can open; building its six queries through Piccolo cost more than running
them, and each statement costs a round trip: two do the work. Rows carry the keys the Piccolo queries gave, their
JSON columns decoded as `output(load_json=True)` decodes them, so `competitions.edition_landing` reads them
unchanged.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from functools import lru_cache
from typing import Any

from piccolo.utils.encoding import load_json

from core.platform import db

EDITION_COLUMNS = "id, slug, title, year, status, summary, time_zone, rules"
EDITION_JSON = ("title", "summary", "rules")
# The five lists in one statement: each branch fills the columns its list has and leaves the others NULL, typed in
# the first branch (PostgreSQL settles a column's type branch by branch). The timeline comes first: SQLite takes the
# type of a compound select's column from its first branch, so the moments come back as datetimes on both engines.
LISTS_SQL = (
    "SELECT 'timeline' AS list, position, id, code, label AS name, CAST(NULL AS JSON) AS more,"
    " CAST(NULL AS JSON) AS details, starts_at, ends_at, CAST(NULL AS TEXT) AS kind,"
    " CAST(NULL AS TEXT) AS organisation, CAST(NULL AS TEXT) AS website, CAST(NULL AS NUMERIC) AS amount_eur"
    " FROM timeline_entry WHERE edition = {}"
    " UNION ALL SELECT 'tracks', position, NULL, code, name, description, NULL, NULL, NULL, NULL, NULL, NULL, NULL"
    " FROM track WHERE edition = {}"
    " UNION ALL SELECT 'areas', position, NULL, code, name, regions, NULL, NULL, NULL, NULL, NULL, NULL, NULL"
    " FROM area WHERE edition = {}"
    " UNION ALL SELECT 'partners', edition_partner.position, NULL, NULL, NULL, NULL, NULL, NULL, NULL,"
    " edition_partner.role, organisation.name, organisation.website, NULL"
    " FROM edition_partner LEFT JOIN organisation ON organisation.id = edition_partner.organisation"
    " WHERE edition_partner.edition = {}"
    " UNION ALL SELECT 'prizes', prize.position, NULL, prize.code, prize.name, prize.target, prize.details, NULL,"
    " NULL, prize.kind, organisation.name, NULL, prize.amount_eur"
    " FROM prize LEFT JOIN edition_partner ON edition_partner.id = prize.sponsor"
    " LEFT JOIN organisation ON organisation.id = edition_partner.organisation"
    " WHERE prize.edition = {}"
)


# A label is read on every visit and changes rarely: parsed once per distinct text, the value shared by every
# page that shows it, which only reads it.
LABELS_KEPT = 2048


@lru_cache(maxsize=LABELS_KEPT)
def _parsed(text: str) -> Any:
    return load_json(text)


def _json(value: Any) -> Any:
    """A JSON column's value decoded, as `output(load_json=True)` decodes it."""
    return _parsed(value) if isinstance(value, str) else value


def _amount(value: Any) -> Decimal | None:
    """A prize's amount as Piccolo gives a Numeric column: SQLite hands it back as a plain number here (the
    column is not in the statement's first branch, whose types SQLite goes by)."""
    return value if value is None or isinstance(value, Decimal) else Decimal(str(value))


async def public_editions(statuses: tuple[str, ...], close_codes: tuple[str, str]) -> list[dict[str, Any]]:
    """The editions whose status is one of `statuses`, newest first, each with its timeline entries of
    `close_codes` (the call's close and opening, which date its deadline) under "timeline"."""
    statuses_in = ", ".join("{}" for _ in statuses)  # placeholders only: every value is a parameter
    rows = await db.read_rows(
        "SELECT edition.id, edition.slug, edition.title, edition.year, edition.status, edition.summary,"  # noqa: S608
        " edition.time_zone, timeline_entry.code, timeline_entry.starts_at, timeline_entry.ends_at"
        " FROM edition LEFT JOIN timeline_entry ON timeline_entry.edition = edition.id"
        " AND timeline_entry.code IN ({}, {})"
        f" WHERE edition.status IN ({statuses_in}) ORDER BY edition.year DESC, edition.id, timeline_entry.id",
        *close_codes, *statuses)
    editions: dict[int, dict[str, Any]] = {}
    for row in rows:
        edition = editions.get(row["id"])
        if edition is None:
            edition = editions[row["id"]] = {
                **{key: row[key] for key in ("id", "slug", "year", "status", "time_zone")},
                "title": _json(row["title"]), "summary": _json(row["summary"]), "timeline": []}
        if row["code"] is not None:
            edition["timeline"].append({key: row[key] for key in ("code", "starts_at", "ends_at")})
    return list(editions.values())


async def public_edition(slug: str, statuses: tuple[str, ...]) -> dict[str, Any] | None:
    """The edition's page fields, when its status is one of `statuses`."""
    placeholders = ", ".join("{}" for _ in statuses)  # placeholders only: every value is a parameter
    rows = await db.read_rows(f"SELECT {EDITION_COLUMNS} FROM edition WHERE slug = {{}}"  # noqa: S608
                             f" AND status IN ({placeholders})", slug, *statuses)
    return {**rows[0], **{column: _json(rows[0][column]) for column in EDITION_JSON}} if rows else None


# Each list's rows with the keys (and JSON decoded) of the Piccolo query it replaced.
SHAPES: dict[str, Callable[[dict[str, Any], int], dict[str, Any]]] = {
    "timeline": lambda row, edition_id: {
        "id": row["id"], "edition": edition_id, "code": row["code"], "label": _json(row["name"]),
        "starts_at": row["starts_at"], "ends_at": row["ends_at"], "position": row["position"]},
    "tracks": lambda row, _: {"code": row["code"], "name": _json(row["name"]), "description": _json(row["more"])},
    "areas": lambda row, _: {"code": row["code"], "name": _json(row["name"]), "regions": _json(row["more"])},
    "partners": lambda row, _: {"role": row["kind"], "organisation.name": row["organisation"],
                                "organisation.website": row["website"]},
    "prizes": lambda row, _: {
        "code": row["code"], "name": _json(row["name"]), "kind": row["kind"],
        "amount_eur": _amount(row["amount_eur"]), "target": _json(row["more"]), "details": _json(row["details"]),
        "sponsor.organisation.name": row["organisation"]},
}


async def landing_lists(edition_id: int) -> dict[str, list[dict[str, Any]]]:
    """The edition's timeline, tracks, areas, partners and prizes, each in its page order."""
    lists: dict[str, list[dict[str, Any]]] = {name: [] for name in SHAPES}
    rows = await db.read_rows(LISTS_SQL, *[edition_id] * len(SHAPES))
    # Put in page order here: SQLite sorting each branch of the statement took longer than the rest of it.
    for row in sorted(rows, key=lambda row: row["position"]):
        lists[row["list"]].append(SHAPES[row["list"]](row, edition_id))
    return lists

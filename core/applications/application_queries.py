"""The reads behind the applicant's pages and autosave, as plain parameterised SQL: one statement per need.

Autosave runs every few seconds while someone types, and every section page reads the whole application;
building these reads through Piccolo cost more than running them. The ownership check stays in `submission`
(`applicant = …` here only narrows the one row fetched). JSON columns come back decoded, as
`output(load_json=True)` gives them, except the edition's form, declarations and consents: those stay text, which
`stored_form` and `submission._statements` parse once per distinct content.
"""

from __future__ import annotations

import functools
from typing import Any

from core.platform import db
from core.platform.db import decode_json
from core.platform.sql_lists import json_rows

OWNED_SQL = "SELECT * FROM application WHERE id = {} AND applicant = {}"
# What the applicant's pages read of the edition, with its call's close, in one statement.
EDITION_FOR_SAVE_SQL = (
    "SELECT edition.id, edition.slug, edition.title, edition.time_zone, edition.application_form,"
    " edition.eligibility, edition.declarations, edition.consents, edition.settings,"
    ' timeline_entry.starts_at AS "call_close"'
    " FROM edition LEFT JOIN timeline_entry ON timeline_entry.edition = edition.id AND timeline_entry.code = {}"
    " WHERE edition.id = {} ORDER BY timeline_entry.id"
)
AREAS_SQL = "SELECT id, code, regions FROM area WHERE edition = {} ORDER BY id"
TRACK_SQL = "SELECT id FROM track WHERE edition = {} AND code = {} ORDER BY id"
AREA_CODE_SQL = "SELECT code FROM area WHERE id = {}"
# The application with its edition, its call's close and its area's code, in one statement: what every applicant page
# and every autosave reads first. The edition's columns carry an "edition__" prefix (the application has its own
# `id` and `title`); `owned_with_edition` splits them off.
OWNED_WITH_EDITION_COLUMNS = (
    'application.*, edition.id AS "edition__id", edition.slug AS "edition__slug",'
    ' edition.title AS "edition__title", edition.time_zone AS "edition__time_zone",'
    ' edition.application_form AS "edition__application_form", edition.eligibility AS "edition__eligibility",'
    ' edition.declarations AS "edition__declarations", edition.consents AS "edition__consents",'
    ' edition.settings AS "edition__settings", timeline_entry.starts_at AS "edition__call_close",'
    ' area.code AS "area__code"'
)
OWNED_WITH_EDITION_FROM = (
    " FROM application JOIN edition ON edition.id = application.edition"
    " LEFT JOIN timeline_entry ON timeline_entry.edition = edition.id AND timeline_entry.code = {}"
    " LEFT JOIN area ON area.id = application.area"
    " WHERE application.id = {} AND application.applicant = {} ORDER BY timeline_entry.id LIMIT 1"
)
OWNED_WITH_EDITION_SQL = f"SELECT {OWNED_WITH_EDITION_COLUMNS}{OWNED_WITH_EDITION_FROM}"
FILE_COLUMNS = ("id", "field", "filename", "size_bytes", "content_type")
TRACK_COLUMNS = ("id", "code", "name")


@functools.cache
def _owned_page_sql(*, sqlite: bool) -> str:
    """`OWNED_WITH_EDITION_SQL` with the application's files and its edition's tracks, as `attachments_and_tracks`
    reads them, in the same statement: what an applicant's page reads (written once per engine)."""
    files = json_rows(columns=FILE_COLUMNS, order_by="id",
                      source="FROM attachment WHERE attachment.application = application.id")
    tracks = json_rows(columns=TRACK_COLUMNS, order_by="position, id", json_columns=("name",),
                       source="FROM track WHERE track.edition = edition.id")
    return (f'SELECT {OWNED_WITH_EDITION_COLUMNS}, {files} AS "lists__files", {tracks} AS "lists__tracks"'
            f"{OWNED_WITH_EDITION_FROM}")


# What an application page reads after the application itself: its files and its edition's tracks, in one statement
# (a round trip less). Each branch leaves the other's columns NULL, typed in the first branch as PostgreSQL needs.
FILES_AND_TRACKS_SQL = (
    "SELECT 'attachment' AS kind, id AS place, id, field, filename, size_bytes, content_type,"
    " CAST(NULL AS JSON) AS name FROM attachment WHERE application = {}"
    " UNION ALL SELECT 'track', position, id, code, NULL, NULL, NULL, name FROM track WHERE edition = {}"
    " ORDER BY 1, 2"
)


async def owned_application(application_id: int, applicant_id: int, *, lock: bool = False) -> dict[str, Any] | None:
    """Every column of the application, if it is this applicant's; locked for the transaction on PostgreSQL."""
    sql = OWNED_SQL + (" FOR UPDATE" if lock and not db.is_sqlite() else "")
    rows = await db.read_rows(sql, application_id, applicant_id)
    return decode_json(rows[0], "answers") if rows else None


async def owned_with_edition(application_id: int, applicant_id: int, close_code: str, *, lock: bool = False
                             ) -> tuple[dict[str, Any], dict[str, Any], str | None] | None:
    """(application, edition, area code) if the application is this applicant's: `owned_application`'s row,
    `edition_for_save`'s edition and `area_code`'s code in one round trip; the application row locked for the
    transaction on PostgreSQL."""
    sql = OWNED_WITH_EDITION_SQL + (" FOR UPDATE OF application" if lock and not db.is_sqlite() else "")
    rows = await db.read_rows(sql, close_code, application_id, applicant_id)
    return _split_owned(rows[0]) if rows else None


def _split_owned(row: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any], str | None]:
    application, edition = {}, {}
    for key, value in row.items():
        if key.startswith("edition__"):
            edition[key.removeprefix("edition__")] = value
        elif key != "area__code" and not key.startswith("lists__"):
            application[key] = value
    return (decode_json(application, "answers"), decode_json(edition, "title", "eligibility", "settings"),
            row["area__code"])


async def owned_page(application_id: int, applicant_id: int, close_code: str
                     ) -> tuple[dict[str, Any], dict[str, Any], str | None, list[dict[str, Any]],
                                list[dict[str, Any]]] | None:
    """`owned_with_edition`'s (application, edition, area code) with `attachments_and_tracks`' files and tracks, in
    one statement: what an applicant's page reads."""
    rows = await db.read_rows(_owned_page_sql(sqlite=db.is_sqlite()), close_code, application_id, applicant_id)
    if not rows:
        return None
    lists = decode_json(rows[0], "lists__files", "lists__tracks")
    return *_split_owned(rows[0]), lists["lists__files"], lists["lists__tracks"]


async def edition_for_save(edition_id: int, close_code: str) -> dict[str, Any] | None:
    rows = await db.read_rows(EDITION_FOR_SAVE_SQL, close_code, edition_id)
    return decode_json(rows[0], "title", "eligibility", "settings") if rows else None


async def areas(edition_id: int) -> list[dict[str, Any]]:
    return [decode_json(row, "regions") for row in await db.read_rows(AREAS_SQL, edition_id)]


async def track_id(edition_id: int, code: str) -> int | None:
    rows = await db.read_rows(TRACK_SQL, edition_id, code)
    return rows[0]["id"] if rows else None


async def area_code(area_id: int) -> str | None:
    rows = await db.read_rows(AREA_CODE_SQL, area_id)
    return rows[0]["code"] if rows else None


async def attachments_and_tracks(application_id: int, edition_id: int
                                 ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The application's files (by id) and its edition's tracks (by position), in one statement."""
    files: list[dict[str, Any]] = []
    tracks_: list[dict[str, Any]] = []
    for row in await db.read_rows(FILES_AND_TRACKS_SQL, application_id, edition_id):
        if row["kind"] == "attachment":
            files.append({"id": row["id"], "field": row["field"], "filename": row["filename"],
                          "size_bytes": row["size_bytes"], "content_type": row["content_type"]})
        else:
            tracks_.append(decode_json({"id": row["id"], "code": row["field"], "name": row["name"]}, "name"))
    return files, tracks_


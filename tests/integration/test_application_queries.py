"""The autosave's plain-SQL reads give what the Piccolo queries they replaced gave (the demo's applications in
both editions), on both engines; someone else's application is not found."""

from __future__ import annotations

from datetime import UTC, datetime

from core.applications import application_queries
from core.applications.submission import CALL_CLOSE
from core.cli.demo import load_demo
from core.platform.db import decode_json
from core.platform.tables import Application, Area, Attachment, Edition, TimelineEntry, Track
from tests.conftest import run

# The columns the plain reads leave as text for the parsers that keep one parse per distinct text.
TEXT_KEPT = ("application_form", "declarations", "consents")


async def _compare() -> int:
    applications = await Application.select().output(load_json=True).order_by(Application.id)
    assert len(applications) > 100
    with_files = 0
    for old in applications[::7]:
        new = await application_queries.owned_application(old["id"], old["applicant"])
        assert new == old
        assert await application_queries.owned_application(old["id"], old["applicant"] + 1) is None
        # The one-statement read of the application pages gives the three reads it replaces.
        joined = await application_queries.owned_with_edition(old["id"], old["applicant"], CALL_CLOSE)
        assert joined == (new, await application_queries.edition_for_save(old["edition"], CALL_CLOSE),
                          await application_queries.area_code(old["area"]) if old["area"] else None)
        assert await application_queries.owned_with_edition(old["id"], old["applicant"] + 1, CALL_CLOSE) is None
        # The application pages read both lists in one statement, as Piccolo reads them.
        files, tracks = await application_queries.attachments_and_tracks(old["id"], old["edition"])
        assert files == await Attachment.select(
            Attachment.id, Attachment.field, Attachment.filename, Attachment.size_bytes, Attachment.content_type,
        ).where(Attachment.application == old["id"]).order_by(Attachment.id)
        assert tracks == await Track.select(Track.id, Track.code, Track.name).output(load_json=True).where(
            Track.edition == old["edition"]).order_by(Track.position)
        # ... and, with the application itself, in one statement
        page = await application_queries.owned_page(old["id"], old["applicant"], CALL_CLOSE)
        assert page == (*joined, files, tracks)
        assert await application_queries.owned_page(old["id"], old["applicant"] + 1, CALL_CLOSE) is None
        with_files += bool(files)
        if old["area"]:
            assert await application_queries.area_code(old["area"]) == (
                await Area.select(Area.code).where(Area.id == old["area"]).first())["code"]
    assert with_files  # the demo's 2027 applications carry a pitch deck
    columns = ("id", "slug", "title", "time_zone", "application_form", "eligibility", "declarations", "consents",
               "settings")
    for edition in await Edition.select(*(getattr(Edition, c) for c in columns)).output(load_json=True):
        new = await application_queries.edition_for_save(edition["id"], CALL_CLOSE)
        close = await TimelineEntry.select(TimelineEntry.starts_at).where(
            TimelineEntry.edition == edition["id"], TimelineEntry.code == CALL_CLOSE).first()
        assert new["call_close"] == close["starts_at"] and new["call_close"] is not None
        assert decode_json({k: new[k] for k in columns}, *TEXT_KEPT) == edition
        old_areas = await Area.select(Area.id, Area.code, Area.regions).output(load_json=True).where(
            Area.edition == edition["id"]).order_by(
            Area.id)
        assert await application_queries.areas(edition["id"]) == old_areas
        for track in await Track.select(Track.id, Track.code).where(Track.edition == edition["id"]):
            assert await application_queries.track_id(edition["id"], track["code"]) == track["id"]
        assert await application_queries.track_id(edition["id"], "NOPE") is None
    assert await application_queries.edition_for_save(10_000, CALL_CLOSE) is None
    return len(applications)


def test_the_autosave_reads_match_the_piccolo_queries(settings):
    run(load_demo(now=datetime(2026, 11, 25, 9, 0, tzinfo=UTC), settings=settings))
    assert run(_compare()) > 100

"""An edition's landing page reads, as plain SQL, what the Piccolo queries they replaced read (the demo's
editions: partners, sponsored prizes, areas, a timeline), on both engines; a draft is still not found."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from core.cli.demo import load_demo
from core.editions import competitions, landing_queries
from core.editions.competitions import PUBLIC_STATUSES, EditionNotFound
from core.platform.tables import Area, Edition, EditionPartner, Prize, TimelineEntry, Track
from tests import factories
from tests.conftest import run


async def _old_lists(edition_id: int) -> dict[str, list[dict]]:
    return {
        "timeline": await TimelineEntry.select().output(load_json=True).where(
            TimelineEntry.edition == edition_id).order_by(
            TimelineEntry.position),
        "tracks": await Track.select(Track.code, Track.name, Track.description).output(load_json=True).where(
            Track.edition == edition_id).order_by(Track.position),
        "areas": await Area.select(Area.code, Area.name, Area.regions).output(load_json=True).where(
            Area.edition == edition_id).order_by(
            Area.position),
        "partners": await EditionPartner.select(EditionPartner.role, EditionPartner.organisation.name,
                                                EditionPartner.organisation.website).output(load_json=True).where(
            EditionPartner.edition == edition_id).order_by(EditionPartner.position),
        "prizes": await Prize.select(Prize.code, Prize.name, Prize.kind, Prize.amount_eur, Prize.target,
                                     Prize.details, Prize.sponsor.organisation.name).output(load_json=True).where(
            Prize.edition == edition_id).order_by(Prize.position),
    }


async def _old_public_editions() -> list[competitions.EditionSummary]:
    editions = await Edition.select(
        Edition.id, Edition.slug, Edition.title, Edition.year, Edition.status, Edition.summary, Edition.time_zone,
    ).output(load_json=True).where(Edition.status.is_in(list(PUBLIC_STATUSES))).order_by(Edition.year, ascending=False)
    closes = await TimelineEntry.select(TimelineEntry.edition, TimelineEntry.code, TimelineEntry.starts_at,
                                        TimelineEntry.ends_at).where(
        TimelineEntry.edition.is_in([e["id"] for e in editions]), TimelineEntry.code.is_in(["call_close", "call_open"]))
    return [competitions.EditionSummary(
        slug=e["slug"], title=e["title"], year=e["year"], status=e["status"], summary=e["summary"],
        deadline=competitions._deadline([c for c in closes if c["edition"] == e["id"]]), time_zone=e["time_zone"])
        for e in editions]


async def _compare() -> int:
    compared = 0
    for edition in await Edition.select().output(load_json=True).order_by(Edition.id):
        new = await landing_queries.public_edition(edition["slug"], PUBLIC_STATUSES)
        assert new is not None
        assert new == {key: edition[key] for key in new}
        new_lists = await landing_queries.landing_lists(edition["id"])
        old_lists = await _old_lists(edition["id"])
        for name, old_rows in old_lists.items():
            assert new_lists[name] == old_rows, name
        assert all(new_lists[name] for name in ("timeline", "tracks", "partners", "prizes"))
        assert any(p["sponsor.organisation.name"] for p in new_lists["prizes"])
        compared += 1
    return compared


def test_the_landing_page_reads_match_the_piccolo_queries(settings, client):
    run(load_demo(now=datetime(2026, 11, 25, 9, 0, tzinfo=UTC), settings=settings))
    assert run(_compare()) == 3  # the demo's 2025, 2026 and 2027 editions
    # The calls' list (the home page) in one statement, as its two Piccolo queries read it.
    listed = run(competitions.list_public_editions())
    assert listed == run(_old_public_editions()) and len(listed) == 3 and all(e.deadline for e in listed)
    page = client.get("/c/welfare-comunita-2026", headers={"accept-language": "it"})
    assert page.status_code == 200 and "Welfare &amp; Comunità 2026" in page.text
    factories.set_edition("welfare-comunita-2027", status="draft")
    assert run(landing_queries.public_edition("welfare-comunita-2027", PUBLIC_STATUSES)) is None
    with pytest.raises(EditionNotFound):
        run(competitions.edition_landing("welfare-comunita-2027"))
    assert client.get("/c/welfare-comunita-2027").status_code == 404

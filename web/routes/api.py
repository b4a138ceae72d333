"""The public JSON API (documented at /schema): the calls and their structure."""

from __future__ import annotations

from datetime import datetime

import msgspec
from litestar import get
from litestar.params import FromPath

from core.editions import competitions


class EditionOut(msgspec.Struct):
    slug: str
    title: dict[str, str]
    year: int
    status: str
    deadline: datetime | None
    time_zone: str


class TrackOut(msgspec.Struct):
    code: str
    name: dict[str, str]


class AreaOut(msgspec.Struct):
    code: str
    name: dict[str, str]
    regions: list[str]


class PrizeOut(msgspec.Struct):
    code: str
    name: dict[str, str]
    kind: str
    sponsor: str | None
    amount_eur: float | None


class MilestoneOut(msgspec.Struct):
    code: str
    label: dict[str, str]
    starts_at: datetime
    ends_at: datetime | None


class EditionDetailOut(msgspec.Struct):
    edition: EditionOut
    tracks: list[TrackOut]
    areas: list[AreaOut]
    timeline: list[MilestoneOut]
    prizes: list[PrizeOut]


def _edition_out(summary: competitions.EditionSummary) -> EditionOut:
    return EditionOut(slug=summary.slug, title=summary.title, year=summary.year, status=summary.status,
                      deadline=summary.deadline, time_zone=summary.time_zone)


@get("/api/v1/editions", tags=["editions"], summary="Public editions, newest first")
async def list_editions() -> list[EditionOut]:
    return [_edition_out(s) for s in await competitions.list_public_editions()]


@get("/api/v1/editions/{slug:str}", tags=["editions"], summary="One public edition with its structure")
async def edition_detail(slug: FromPath[str]) -> EditionDetailOut:
    page = await competitions.edition_landing(slug)
    return EditionDetailOut(
        edition=_edition_out(page.summary),
        tracks=[TrackOut(code=t["code"], name=t["name"]) for t in page.tracks],
        areas=[AreaOut(code=a["code"], name=a["name"], regions=a["regions"]) for a in page.areas],
        timeline=[MilestoneOut(code=t["code"], label=t["label"], starts_at=t["starts_at"], ends_at=t["ends_at"])
                  for t in page.timeline],
        prizes=[PrizeOut(code=p.code, name=p.name, kind=p.kind, sponsor=p.sponsor, amount_eur=p.amount_eur)
                for p in page.prizes],
    )

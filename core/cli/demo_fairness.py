"""Demo data for the fairness audit: age bands, the 2025 call some 2026 applicants entered, the sponsors' report.

The 2026 team members have birth years but no age band (the demo writes rows, not the form): each gets
the band of their age in the edition's year. A 2025 edition of the same programme, in its follow-up year, holds the
earlier applications of about a quarter of the 2026 applicants (same account and tax code), so the audit
can tell first-time from returning applicants; returning ones did a little better in 2026, as is usual.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta

from core.applications import lifecycle
from core.applications.demographics import age_band_of
from core.editions.competitions import import_competition
from core.editions.schema import CompetitionSpec
from core.platform import db
from core.platform.tables import Application, Area, Edition, TeamMember, Track

SEED = 2025
EARLIER_YEAR = 2025
FAIRNESS_PLUGIN = "giuria-fairness"


async def _earlier_edition(base: CompetitionSpec, edition_id: int, now: datetime,
                           rebase: Callable[..., CompetitionSpec]) -> int:
    """The programme's 2025 edition: the one the validity demo made, or one made by `rebase` from the example."""
    edition = await Edition.select(Edition.programme).where(Edition.id == edition_id).first()
    found = await Edition.select(Edition.id).where(Edition.programme == edition["programme"],
                                                   Edition.year == EARLIER_YEAR).first()
    if found is not None:
        return found["id"]
    slug = base.edition.slug.replace(str(base.edition.year), str(EARLIER_YEAR))
    return await import_competition(rebase(base, anchor_code="call_open", anchor_at=now - timedelta(days=420),
                                           slug=slug, year=EARLIER_YEAR, status="follow_up"))


async def add_fairness_data(*, base: CompetitionSpec, edition_id: int, now: datetime,
                            rebase: Callable[..., CompetitionSpec]) -> None:
    """Age bands for the edition's team members and earlier applications for some of its applicants."""
    rng = random.Random(SEED)
    earlier_edition_id = await _earlier_edition(base, edition_id, now, rebase)
    edition = await Edition.select(Edition.year, Edition.enabled_plugins).output(load_json=True).where(
        Edition.id == edition_id).first()
    async with db.write_transaction():
        # The organisers gave the edition's sponsors the fairness report.
        enabled = list(edition["enabled_plugins"] or [])
        if FAIRNESS_PLUGIN not in enabled:
            await Edition.update({Edition.enabled_plugins: [*enabled, FAIRNESS_PLUGIN]}).where(Edition.id == edition_id)
        members = await TeamMember.select(TeamMember.id, TeamMember.birth_year).where(
            TeamMember.application.edition == edition_id, TeamMember.birth_year.is_not_null(),
            TeamMember.age_band == "")
        for m in members:
            await TeamMember.update({TeamMember.age_band: age_band_of(edition["year"] - m["birth_year"])}).where(
                TeamMember.id == m["id"])
        tracks = {t["code"]: t["id"] for t in await Track.select(Track.id, Track.code).where(
            Track.edition == earlier_edition_id)}
        areas = {a["code"]: a["id"] for a in await Area.select(Area.id, Area.code).where(
            Area.edition == earlier_edition_id)}
        current = await Application.select(
            Application.id, Application.applicant, Application.entity_name, Application.legal_form,
            Application.region, Application.title, Application.status, Application.track.code,
            Application.area.code, Application.submitted_at,
        ).where(Application.edition == edition_id, Application.submitted_at.is_not_null()).order_by(Application.id)
        number = 0
        for row in current:
            went_on = row["status"] not in (lifecycle.NOT_ADMISSIBLE, lifecycle.SUBMITTED)
            if rng.random() >= (0.34 if went_on else 0.2):
                continue
            number += 1
            tax_code = f"9{row['id']:010d}"
            await Application.update({Application.tax_code: tax_code}).where(Application.id == row["id"])
            submitted_at = (row["submitted_at"] or now) - timedelta(days=365 + rng.randint(0, 20))
            await Application.insert(Application(
                edition=earlier_edition_id, applicant=row["applicant"], track=tracks.get(row["track.code"]),
                area=areas.get(row["area.code"]), entity_name=row["entity_name"], legal_form=row["legal_form"],
                tax_code=tax_code, region=row["region"], title=row["title"],
                answers={"title": row["title"], "abstract": f"{row['title']}: la prima versione del progetto."},
                status=rng.choice([lifecycle.NOT_ADMISSIBLE, lifecycle.NOT_ADVANCED, lifecycle.NOT_ADVANCED]),
                receipt_number=f"WC{EARLIER_YEAR % 100}-{100 + number:05d}", submitted_at=submitted_at))

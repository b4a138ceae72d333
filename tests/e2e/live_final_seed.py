"""A live final ready to run in the live server's database: `python -m tests.e2e.live_final_seed`.

The demo's 2026 edition is past its final, so this imports the example competition again as a 2027 edition with an
organiser, two jurors and three finalists, each already scored by both jurors in the online jury (the final combines
with it). It prints the final round's id. Like `mentoring_seed`, it runs outside pytest against the live server's
database, so it writes the entries and their online reviews itself, in one transaction, rather than through
tests/factories.py (whose helpers run each write on a loop of their own).
"""

from __future__ import annotations

import asyncio

from core.cli.main import _prepare
from core.editions import access
from core.editions.competitions import import_competition_text
from core.people import accounts
from core.platform import db
from core.platform.settings import load_settings
from core.platform.tables import Application, Assignment, CriterionScore, Review, Round, Track
from tests.factories import EXAMPLE

SLUG = "welfare-live-2027"
PASSWORD = "finale-dal-vivo-2027"
ORGANISER = "regia@finale.example"
JURORS = ("giurata.uno@finale.example", "giurato.due@finale.example")
# finalist, online-jury total of both jurors (1 to 5)
FINALISTS = (("Alfa APS", 5), ("Beta APS", 3), ("Gamma APS", 1))
ONLINE_CRITERIA = ("IMP", "INN", "SOS", "TEA", "RET")


async def seed() -> int:
    await _prepare(load_settings())
    # Its own slug and title: the demo's 2026 edition keeps its name alone on the landing page.
    edition = await import_competition_text(
        EXAMPLE.replace("slug: welfare-comunita-2026", f"slug: {SLUG}")
        .replace('it: "Welfare & Comunità 2026"', 'it: "Finale dal vivo 2027"')
        .replace('en: "Welfare & Community 2026"', 'en: "Live final 2027"'))
    organiser = await accounts.create_account(email=ORGANISER, password=PASSWORD, verified=True, locale="en",
                                              display_name="Regia")
    await access.grant_role(account_id=organiser, role="organiser", edition_slug=SLUG)
    jurors = []
    for email in JURORS:
        juror = await accounts.create_account(email=email, password=PASSWORD, verified=True, locale="en")
        await access.grant_role(account_id=juror, role="juror", edition_slug=SLUG)
        jurors.append(juror)
    rounds = {r["code"]: r["id"] for r in await Round.select(Round.id, Round.code).where(Round.edition == edition)}
    track = (await Track.select(Track.id).where(Track.edition == edition, Track.code == "AGR").first())["id"]
    async with db.write_transaction():
        for name, total in FINALISTS:
            owner = await accounts.create_account(email=f"{name.split()[0].lower()}@finale.example",
                                                  password=PASSWORD, verified=True)
            application = (await Application.insert(Application(
                edition=edition, applicant=owner, track=track, entity_name=name, title=f"Progetto {name.split()[0]}",
                status="finalist")))[0]["id"]
            for juror in jurors:
                assignment = (await Assignment.insert(Assignment(
                    round=rounds["R1"], application=application, juror=juror, status="submitted")))[0]["id"]
                review = (await Review.insert(Review(assignment=assignment, status="submitted", total=total)))[0]["id"]
                await CriterionScore.insert(*(CriterionScore(review=review, criterion=code, value=total)
                                              for code in ONLINE_CRITERIA))
    await db.close_pool()
    return rounds["R3"]


if __name__ == "__main__":
    print(asyncio.run(seed()))

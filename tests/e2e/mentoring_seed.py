"""Put one finalist on the demo mentor's path in the live server's database: `python -m tests.e2e.mentoring_seed`.

The demo's finalists already have their mentors and sessions; this adds one more startup, with an
account the test knows, matched with the demo mentor, without touching the demo's other data. It runs in the
live server's own process tree against its database, outside pytest, so it writes its rows itself in one
transaction rather than through tests/factories.py (whose helpers run each write on a loop of their own).
"""

from __future__ import annotations

import asyncio

from core.cli.demo import DEMO_LOGINS
from core.cli.main import _prepare
from core.mentoring.matching import MENTOR_RULE
from core.people import accounts
from core.platform import db
from core.platform.settings import load_settings
from core.platform.tables import Account, Application, ConflictOfInterest, Edition, MentorMatch, Track

STARTUP_EMAIL = "orti.aperti@example.org"
STARTUP_PASSWORD = "orti-aperti-path-2026"
SLUG = "welfare-comunita-2026"


async def seed() -> int:
    await _prepare(load_settings())
    mentor_email = next(login.email for login in DEMO_LOGINS if login.role == "mentor")
    mentor = (await Account.select(Account.id).where(Account.email == mentor_email).first())["id"]
    edition = (await Edition.select(Edition.id).where(Edition.slug == SLUG).first())["id"]
    track = (await Track.select(Track.id).where(Track.edition == edition, Track.code == "AGR").first())["id"]
    owner = await accounts.create_account(email=STARTUP_EMAIL, password=STARTUP_PASSWORD, verified=True,
                                          display_name="Rosa Verdi")
    async with db.write_transaction():
        application = (await Application.insert(Application(
            edition=edition, applicant=owner, track=track, entity_name="Orti Aperti APS",
            title="Orti che includono", status="finalist")))[0]["id"]
        await MentorMatch.insert(MentorMatch(edition=edition, mentor=mentor, application=application,
                                             status="confirmed"))
        await ConflictOfInterest.insert(ConflictOfInterest(application=application, juror=mentor, rule=MENTOR_RULE,
                                                           source="rule", kind="organisational", reason="mentor"))
    await db.close_pool()
    return application


if __name__ == "__main__":
    print(asyncio.run(seed()))

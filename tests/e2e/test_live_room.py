"""The live room in a real browser: twenty phones (390 px) vote on the pitch on stage, the big screen follows the
next pitch by itself (SSE, no reload) and reveals the results only when the organiser does."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack

import pytest

from core.cli.demo import DEMO_LOGINS
from core.live import control
from core.platform import db
from core.platform.settings import load_settings
from core.platform.tables import Account, Application, AudienceVote, Round
from tests import factories
from tests.conftest import run
from tests.e2e.conftest import LiveServer, serve, throwaway_postgres

pytestmark = pytest.mark.browser

ORGANISER = next(login for login in DEMO_LOGINS if login.role == "organiser")
PHONES = 20


def _stage_the_final() -> tuple[int, list[int], list[str]]:
    """The demo's 2026 final run live (as the control page leaves it): three finalists in order, the first on stage."""
    final = run(Round.select(Round.id, Round.edition).where(Round.kind == "final_pitch").order_by(
        Round.edition).first())
    finalists = run(Application.select(Application.id, Application.entity_name, Application.title).where(
        (Application.edition == final["edition"]) & (Application.status == "finalist")).order_by(
        Application.id).limit(3))
    slots = factories.live_final(final["id"], [row["id"] for row in finalists], pitch_seconds=300)
    factories.put_on_stage(final["id"], slots[0])
    return final["id"], slots, [row["entity_name"] or row["title"] for row in finalists]


def _next_pitch(round_id: int, slot_id: int, following: int) -> None:
    """The organiser ends the pitch on stage and starts the next one, as the control page's buttons do."""
    organiser = factories.user(run(Account.select(Account.id).where(Account.email == ORGANISER.email).first())["id"])
    final = run(Round.select(Round.code, Round.edition.slug).where(Round.id == round_id).first())
    for slot, action in ((slot_id, "end"), (following, "start")):
        run(control.move_clock(actor=organiser, edition_slug=final["edition.slug"], round_code=final["code"],
                               slot_id=slot, action=action))


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def room_server(request, tmp_path_factory) -> Iterator[tuple[LiveServer, int, list[int], list[str]]]:
    """The demo with its 2026 final staged live, served on SQLite and on PostgreSQL."""
    with ExitStack() as stack:
        database_url = stack.enter_context(throwaway_postgres()) if request.param == "postgres" else ""
        data_dir = tmp_path_factory.mktemp("live-room")
        env = {**os.environ, "GIURIA_DATA_DIR": str(data_dir), "GIURIA_SECRET_KEY": "e2e-secret-" + "k" * 40,
               "GIURIA_MAIL_INTERVAL_SECONDS": "0", "GIURIA_DATABASE_URL": database_url}
        env.pop("GIURIA_BASE_URL", None)
        env.pop("GIURIA_REDIS_URL", None)
        prepared = subprocess.run([sys.executable, "-m", "core", "demo", "--no-serve"], env=env,
                                  capture_output=True, text=True, timeout=300)
        assert prepared.returncode == 0, prepared.stderr
        db.configure(load_settings({"GIURIA_DATA_DIR": str(data_dir), "GIURIA_SECRET_KEY": env["GIURIA_SECRET_KEY"],
                                    "GIURIA_DATABASE_URL": database_url}))
        round_id, slots, names = _stage_the_final()
        if database_url:
            run(db.close_pool())
        server, url = serve(data_dir, env)
        yield LiveServer(url=url, data_dir=data_dir, database_url=database_url), round_id, slots, names
        server.terminate()
        server.wait(timeout=15)


def test_phones_vote_the_screen_follows_the_pitch_and_reveals_on_the_organisers_word(room_server, browser, tmp_path):
    server, round_id, slots, names = room_server
    organiser_context = browser.new_context(locale="it-IT", viewport={"width": 1280, "height": 900})
    organiser = organiser_context.new_page()
    organiser.goto(server.url + "/login")
    organiser.get_by_label("Email").fill(ORGANISER.email)
    organiser.get_by_label("Password").fill(ORGANISER.password)
    organiser.get_by_role("button", name="Accedi").click()
    organiser.goto(server.url + "/organise/welfare-comunita-2026")
    organiser.get_by_role("link", name="Schermo e voto del pubblico").click()
    screen_url = organiser.get_by_label("Link dello schermo in sala").input_value()
    vote_url = organiser.locator("a[href*=\"/vote/\"]").first.get_attribute("href")

    screen_context = browser.new_context(locale="it-IT", viewport={"width": 1280, "height": 720})
    screen = screen_context.new_page()
    screen.goto(screen_url)
    assert screen.get_by_text(names[0]).is_visible()
    assert screen.locator("svg").count() == 1  # the QR code
    assert "Classifica finale" not in screen.content()
    screen.evaluate("window.__notReloaded = true")

    for number in range(PHONES):
        context = browser.new_context(locale="it-IT", viewport={"width": 390, "height": 844}, is_mobile=True)
        phone = context.new_page()
        phone.goto(vote_url)
        assert phone.get_by_text(names[0]).is_visible()
        phone.get_by_text(str(1 + number % 5), exact=True).click()
        phone.get_by_role("button", name="Invia il mio voto").click()
        assert phone.get_by_role("status").first.inner_text().startswith("Grazie!")
        if number == 0:
            assert phone.evaluate("document.documentElement.scrollWidth") <= 390
            phone.screenshot(path=str(tmp_path / "vote-390.png"), full_page=True)
            assert phone.get_by_role("button", name="Invia il mio voto").count() == 0
        context.close()
    assert run(AudienceVote.count().where(AudienceVote.slot == slots[0])) == PHONES

    _next_pitch(round_id, slots[0], slots[1])
    screen.get_by_text(names[1]).wait_for(timeout=10_000)  # pushed, not reloaded
    assert screen.evaluate("window.__notReloaded") is True
    assert "Classifica finale" not in screen.content()

    organiser.reload()
    organiser.get_by_role("button", name="Rivela i risultati").click()
    organiser.get_by_text("I risultati sono sullo schermo in sala.").first.wait_for()
    screen.get_by_text("Classifica finale").wait_for(timeout=10_000)
    assert screen.evaluate("window.__notReloaded") is True
    assert screen.get_by_text("Premio del pubblico:").is_visible()
    screen.screenshot(path=str(tmp_path / "screen-revealed.png"))
    for context in (organiser_context, screen_context):
        context.close()

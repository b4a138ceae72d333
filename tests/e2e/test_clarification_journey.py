"""A juror's question reaches the applicant through the organiser, and the answer reaches the jury, in a real browser
on SQLite and PostgreSQL: the juror asks from the entry's page, the organiser approves it, the applicant answers on
their application's page without learning who asked, and the juror reads the answer. (The blind round's redaction
of the answer, both ways, is tested over HTTP in tests/integration/test_clarifications_appeals.py.)"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack

import pytest
from playwright.sync_api import expect

from core.platform import db
from core.platform.settings import load_settings
from core.platform.tables import Round
from tests import factories
from tests.conftest import run
from tests.e2e.conftest import SECRET, LiveServer, serve, throwaway_postgres
from tests.e2e.steps import sign_in

pytestmark = pytest.mark.browser

ORGANISER, JUROR, APPLICANT = "olga@foundation.example", "bruno.neri@jury.example", "anna@applicant.example"
JUROR_NAME = "Bruno Neri"
QUESTION = "Quante persone lavorano oggi nel progetto?"
ANSWER = "Siamo in quattro, due a tempo pieno."
NO_CONFLICT = "Non ho conflitti con questa proposta"


@pytest.fixture(params=["sqlite", "postgres"])
def jury_server(request, tmp_path) -> Iterator[tuple[LiveServer, int, int]]:
    """The example edition with one entry in its open online jury and one juror on it, served: (server, entry,
    assignment)."""
    with ExitStack() as stack:
        database_url = stack.enter_context(throwaway_postgres()) if request.param == "postgres" else ""
        data_dir = tmp_path / "data"
        data_dir.mkdir()
        env = {**os.environ, "GIURIA_DATA_DIR": str(data_dir), "GIURIA_SECRET_KEY": SECRET,
               "GIURIA_MAIL_INTERVAL_SECONDS": "1", "GIURIA_DATABASE_URL": database_url}
        env.pop("GIURIA_BASE_URL", None)
        migrated = subprocess.run([sys.executable, "-m", "core", "migrate"], env=env, capture_output=True,
                                  text=True, timeout=120)
        assert migrated.returncode == 0, migrated.stdout + migrated.stderr
        db.configure(load_settings({"GIURIA_DATA_DIR": str(data_dir), "GIURIA_SECRET_KEY": SECRET,
                                    "GIURIA_DATABASE_URL": database_url}))
        edition = factories.example_edition()
        factories.account(ORGANISER, role="organiser")
        juror = factories.account(JUROR, role="juror", display_name=JUROR_NAME, locale="it")
        owner = factories.account(APPLICANT, role=None, locale="it")
        entry = factories.application(edition, owner=owner, title="Orti condivisi", entity_name="Cooperativa Alfa")
        round_id = run(Round.select(Round.id).where(Round.code == "R1").first())["id"]
        factories.open_round(round_id, blind=False)
        assignment = factories.assignment(round_id, entry, juror)
        server, url = serve(data_dir, env)
        yield LiveServer(url=url, data_dir=data_dir, database_url=database_url), entry, assignment
        server.terminate()
        server.wait(timeout=10)


def test_a_question_goes_through_the_organiser_to_the_applicant_and_back_to_the_jury(jury_server, browser):
    server, entry, assignment = jury_server
    context = browser.new_context(locale="it-IT", viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        entry_page = f"/jury/assignments/{assignment}"
        sign_in(page, server, JUROR, factories.PASSWORD, "/jury")
        page.goto(server.url + entry_page)
        page.get_by_role("button", name=NO_CONFLICT).click()  # the conflict check comes first
        page.get_by_label("Fai una domanda al candidato").fill(QUESTION)
        page.get_by_role("button", name="Invia la domanda").click()
        expect(page.locator("#clarifications")).to_contain_text("in attesa dell'approvazione degli organizzatori")
        page.context.clear_cookies()

        sign_in(page, server, ORGANISER, factories.PASSWORD, f"/organise/{factories.SLUG}")
        page.goto(f"{server.url}/organise/{factories.SLUG}/redress")
        expect(page.locator(".redress-item").first).to_contain_text(JUROR_NAME)  # the organiser knows who asked
        page.get_by_role("button", name="Approva e invia").first.click()
        page.context.clear_cookies()

        sign_in(page, server, APPLICANT, factories.PASSWORD, "/me")
        page.goto(f"{server.url}/applications/{entry}")
        questions = page.locator("#clarifications")
        expect(questions).to_contain_text(QUESTION)
        assert JUROR_NAME not in page.content() and JUROR not in page.content()
        questions.get_by_role("textbox").first.fill(ANSWER)
        questions.get_by_role("button", name="Invia la risposta").click()
        expect(page.locator("#clarifications")).to_contain_text(ANSWER)
        assert page.evaluate("() => document.scrollingElement.scrollWidth <= window.innerWidth")
        page.context.clear_cookies()

        sign_in(page, server, JUROR, factories.PASSWORD, "/jury")
        page.goto(server.url + entry_page)
        answers = page.locator("#clarifications dl")
        expect(answers).to_contain_text(QUESTION)
        expect(answers).to_contain_text(ANSWER)
    finally:
        context.close()

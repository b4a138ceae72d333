"""The organiser reads whether the selection was fair and whether the jury picked well, on a laptop and a phone,
and a sponsor reads the shared reading: on the demo, on SQLite and on PostgreSQL. Nothing scrolls sideways,
axe-core finds nothing, and the sponsor's page names no finalist."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from core.cli.demo import DEMO_PASSWORD
from tests.e2e.steps import sign_in

pytestmark = pytest.mark.browser

SLUG = "welfare-comunita-2026"
ORGANISER = "organiser@giuria.example"
SPONSOR = "sponsor@fondazione-aurora.example"
FINALIST = "candidato001@giuria.example"


def clean(page) -> None:
    from axe_playwright_python.sync_playwright import Axe

    violations = Axe().run(page).response["violations"]
    assert [(v["id"], [n["target"] for n in v["nodes"]]) for v in violations] == []
    assert page.evaluate("() => document.scrollingElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize("width", [1280, 390])
def test_the_organiser_reads_fairness_and_validity_and_a_sponsor_the_shared_reading(demo_server, browser, width):
    context = browser.new_context(locale="it-IT", viewport={"width": width, "height": 900})
    page = context.new_page()
    try:
        sign_in(page, demo_server, ORGANISER, DEMO_PASSWORD, f"/organise/{SLUG}")
        page.get_by_role("link", name="Equità").first.click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Equità")
        expect(page.locator("main")).to_contain_text("0,8")  # the four-fifths threshold, in Italian numbers
        clean(page)
        page.get_by_role("link", name="La giuria ha scelto bene?").first.click()
        expect(page.get_by_role("heading", level=1)).to_have_text("La giuria ha scelto bene?")
        expect(page.locator("main")).to_contain_text("Con 12 finalisti non possiamo ancora dirlo.")
        assert page.locator("main figure img").count() >= 1  # the scatter charts
        clean(page)
        page.context.clear_cookies()

        sign_in(page, demo_server, SPONSOR, DEMO_PASSWORD, "/sponsor")
        page.goto(f"{demo_server.url}/sponsor/{SLUG}/validity")
        expect(page.get_by_role("heading", level=1)).to_have_text("La giuria ha scelto bene?")
        expect(page.locator("main")).to_contain_text("Con 12 finalisti non possiamo ancora dirlo.")
        finalist = demo_server.rows(
            "SELECT application.entity_name FROM application JOIN account ON account.id = application.applicant"
            " WHERE account.email = ?", FINALIST)[0][0]
        assert finalist not in page.content()
        clean(page)
    finally:
        context.close()

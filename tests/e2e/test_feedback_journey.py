"""A rejected applicant of the demo reads the jury's feedback on a phone: from their application's page to the
bands, the rubric's words and the comments, then the PDF; nothing scrolls sideways and axe-core finds nothing."""

import re

import pytest

from core.cli.demo import DEMO_PASSWORD
from tests.e2e.steps import as_person

pytestmark = pytest.mark.browser

REJECTED = "candidato002@giuria.example"  # a 2026 applicant of the demo who did not pass the online jury
PHONE = {"width": 390, "height": 844}


def test_a_rejected_applicant_reads_feedback_on_a_phone(demo_server, browser):
    from axe_playwright_python.sync_playwright import Axe

    with as_person(browser, locale="it-IT") as page:
        page.set_viewport_size(PHONE)
        page.goto(f"{demo_server.url}/login")
        page.get_by_label("Email").fill(REJECTED)
        page.get_by_label("Password").fill(DEMO_PASSWORD)
        page.locator("main").get_by_role("button").click()
        page.wait_for_load_state()
        page.goto(f"{demo_server.url}/me")
        page.locator('main a[href^="/applications/"]').first.click()
        assert page.get_by_text("non ammessa alla fase successiva").first.is_visible()
        page.get_by_role("link", name="Leggi il riscontro della giuria").click()
        page.wait_for_url(re.compile(r"/feedback/R1$"))

        assert page.get_by_role("heading", level=1).inner_text() == "Riscontro della giuria: Giuria online"
        criteria = page.locator(".feedback-criterion")
        assert criteria.count() == 5
        assert re.search(r"(Quarto|Fascia) .*dell'ambito", criteria.first.inner_text())
        assert re.search(r"Il tuo punteggio medio: \d,\d su 5", criteria.first.inner_text())
        assert page.locator(".feedback-comments li").count() >= 1
        scroll, width = page.evaluate("() => [document.scrollingElement.scrollWidth, window.innerWidth]")
        assert scroll <= width
        violations = Axe().run(page).response["violations"]
        assert violations == [], [v["id"] for v in violations]

        with page.expect_download() as download:
            page.get_by_role("link", name="Scarica in PDF").click()
        assert download.value.suggested_filename.endswith(".pdf")

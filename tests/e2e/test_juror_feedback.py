"""A juror of the demo's online jury reads their own feedback on a phone: sentences and ranges, nobody's name."""

import pytest

from core.cli.demo import DEMO_LOGINS

pytestmark = pytest.mark.browser

JUROR = next(login for login in DEMO_LOGINS if login.role == "juror")
PHONE = {"width": 390, "height": 844}


def test_a_juror_reads_their_feedback_at_390_px(demo_server, browser):
    context = browser.new_context(locale="en-GB", viewport=PHONE)
    page = context.new_page()
    try:
        page.goto(demo_server.url + "/login")
        page.get_by_label("Email").fill(JUROR.email)
        page.get_by_label("Password").fill(JUROR.password)
        page.locator("main").get_by_role("button").click()
        page.wait_for_load_state()
        page.get_by_role("button", name="English").click()
        page.wait_for_load_state()
        page.goto(demo_server.url + "/jury")
        section = page.get_by_role("region", name="How you score compared with the jury")
        assert section.is_visible()
        lines = section.locator("li")
        assert lines.count() >= 5  # one line per criterion against the other jurors, at least
        text = section.inner_text()
        assert "the other jurors of the same entries" in text and "likely between" in text
        for other in ("Alessandro Ricci", "Andrea Conti", "Marco Bellini"):  # other jurors of the demo
            assert other not in page.locator("main").inner_text()
        width, inner = page.evaluate("() => [document.scrollingElement.scrollWidth, window.innerWidth]")
        assert width <= inner
        box = section.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    finally:
        context.close()

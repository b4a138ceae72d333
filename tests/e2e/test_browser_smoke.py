"""A person in a real browser: the demo call, the language switch, signing in and out."""

import re

import pytest

from core.cli.demo import DEMO_LOGINS

pytestmark = pytest.mark.browser

JUROR = next(login for login in DEMO_LOGINS if login.role == "juror")


def test_landing_page_language_switch_and_sign_in(live_server, page):
    page.goto(live_server.url + "/")
    assert page.locator("html").get_attribute("lang") == "it"
    assert page.get_by_role("heading", level=1).inner_text() == "Concorsi"

    page.get_by_role("link", name="Welfare & Comunità 2026").click()
    page.wait_for_url(re.compile(r"/c/welfare-comunita-2026$"))
    assert page.get_by_role("heading", name="Ambiti").is_visible()
    assert page.get_by_text("Agricoltura sociale").first.is_visible()

    page.get_by_role("button", name="English").click()
    page.wait_for_url(re.compile(r"/c/welfare-comunita-2026$"))
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("heading", name="Tracks").is_visible()
    assert page.get_by_text("Social agriculture").first.is_visible()

    page.get_by_role("link", name="Sign in").click()
    page.get_by_label("Email").fill(JUROR.email)
    page.get_by_label("Password").fill("wrong password")
    page.get_by_role("button", name="Sign in").click()
    assert page.get_by_role("alert").inner_text() == "Email or password not recognised."
    assert page.get_by_label("Email").input_value() == JUROR.email

    page.get_by_label("Password").fill(JUROR.password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/me$"))
    assert page.get_by_text(f"Signed in as {JUROR.email}.").is_visible()
    assert "juror" in page.get_by_role("main").inner_text()

    page.get_by_role("button", name="Sign out", exact=True).click()
    page.wait_for_url(re.compile(r"/$"))
    assert page.get_by_role("link", name="Sign in").is_visible()

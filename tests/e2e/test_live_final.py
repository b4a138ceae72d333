"""A live final in a real browser: the organiser runs three slots from the control page, two jurors score on phones
(390 px), one loses its connection in the middle of a pitch, keeps tapping, and its scores arrive once it is back;
scoring closes slot by slot and the round's leaderboard shows the final combined with the online jury.

Pages update on reload here (the live updates by events come with the live final's event stream).
"""

from __future__ import annotations

import re
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.live_final_seed import FINALISTS, JURORS, ORGANISER, PASSWORD, SLUG
from tests.e2e.steps import sign_in

pytestmark = pytest.mark.browser

CRITERIA = ("IMP", "SOS", "TEA", "INN", "PIT")
LIVE_SCORES = {"Alfa APS": "2", "Beta APS": "9", "Gamma APS": "8"}


@contextmanager
def phone(browser):
    context = browser.new_context(locale="en-GB", viewport={"width": 390, "height": 844}, is_mobile=True,
                                  has_touch=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        yield context, page
    finally:
        context.close()


def no_axe_violations(page, shot: Path) -> None:
    """axe-core finds nothing on the page, and it does not scroll sideways; a screenshot is kept for a look."""
    from axe_playwright_python.sync_playwright import Axe

    violations = Axe().run(page).response["violations"]
    assert [(v["id"], [n["target"] for n in v["nodes"]]) for v in violations] == []
    width = page.evaluate("() => [document.scrollingElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], width
    page.screenshot(path=str(shot), full_page=True)


def tap(page, criterion: str, value: str) -> None:
    page.locator(f'#criterion-{criterion} label.live-point:has(input[value="{value}"])').click()


def control(page, finalist: str, button: str) -> None:
    page.locator("li.live-slot", has_text=finalist).get_by_role("button", name=button, exact=True).click()
    page.wait_for_load_state()


def test_an_organiser_runs_the_final_and_two_phones_score_it(demo_server, browser, tmp_path):
    env = {**demo_server.env, "PATH": "/usr/bin:/bin", "PYTHONPATH": "."}
    seeded = subprocess.run([sys.executable, "-m", "tests.e2e.live_final_seed"], env=env, capture_output=True,
                            text=True, timeout=120)
    assert seeded.returncode == 0, seeded.stderr
    round_id = int(seeded.stdout.strip().splitlines()[-1])
    live = f"/organise/{SLUG}/rounds/R3/live"
    phone_path = f"/jury/live/{round_id}"

    organiser_context = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 900})
    organiser = organiser_context.new_page()
    organiser.set_default_timeout(15_000)
    with phone(browser) as (_first_context, first), phone(browser) as (second_context, second):
        sign_in(organiser, demo_server, ORGANISER, PASSWORD, live)
        organiser.get_by_role("button", name="Set up the running order").click()
        expect(organiser.get_by_role("status")).to_have_text("The running order is set up.")
        expect(organiser.locator("li.live-slot")).to_have_count(3)
        no_axe_violations(organiser, tmp_path / "order.png")
        organiser.get_by_role("link", name="Open the control page").click()

        for page, email in ((first, JURORS[0]), (second, JURORS[1])):
            sign_in(page, demo_server, email, PASSWORD, phone_path)
            expect(page.get_by_text("No pitch is on stage yet.")).to_be_visible()

        for number, (finalist, _online) in enumerate(FINALISTS):
            value = LIVE_SCORES[finalist]
            control(organiser, finalist, "Start the pitch")
            control(organiser, finalist, "Open scoring")
            expect(organiser.locator("li.live-slot", has_text=finalist).locator(".live-clock")).to_be_visible()
            for page in (first, second):
                page.reload()
                expect(page.get_by_role("heading", name=finalist)).to_be_visible()
                expect(page.locator(".live-clock")).to_have_text(re.compile(r"^-?\d+:\d\d$"))
            if number == 0:
                no_axe_violations(organiser, tmp_path / "control.png")
                no_axe_violations(first, tmp_path / "phone.png")
            for criterion in CRITERIA:
                tap(first, criterion, value)
                expect(first.locator(f'[data-criterion-status$="-{criterion}"]')).to_have_text("Saved.")
            if number == 1:  # the second pitch: this phone's Wi-Fi drops after two taps
                for criterion in CRITERIA[:2]:
                    tap(second, criterion, value)
                    expect(second.locator(f'[data-criterion-status$="-{criterion}"]')).to_have_text("Saved.")
                second_context.set_offline(True)
                for criterion in CRITERIA[2:]:
                    tap(second, criterion, value)
                expect(second.locator("#live-queue")).to_contain_text("Offline: 3 scores kept on this phone")
                second_context.set_offline(False)
                expect(second.locator("#live-queue")).to_have_text("Every score is saved.", timeout=20_000)
                second.wait_for_timeout(4000)  # the phone's next rounds of sending find nothing left to send
            else:
                for criterion in CRITERIA:
                    tap(second, criterion, value)
                    expect(second.locator(f'[data-criterion-status$="-{criterion}"]')).to_have_text("Saved.")
            queued = second.evaluate(f"localStorage.getItem('giuria-live-scores-{round_id}')")
            assert queued == "[]"
            control(organiser, finalist, "Close scoring")
            expect(organiser.get_by_role("status")).to_contain_text("Scoring is closed for this pitch")
            control(organiser, finalist, "End")

        # the phones follow the stage by themselves: the close reaches the first phone without a reload, and its
        # score buttons stop taking taps (a late tap sent anyway is kept, never counted: tests/integration)
        expect(first.locator("#live-current")).to_contain_text("Scoring for this pitch is closed.")
        expect(first.locator("#criterion-IMP input[value=\"10\"]")).to_be_disabled()

        receipts = demo_server.rows(
            "SELECT account.email, live_score_receipt.outcome, COUNT(*) FROM live_score_receipt"
            " JOIN account ON account.id = live_score_receipt.juror GROUP BY 1, 2 ORDER BY 1, 2")
        scores = demo_server.rows(
            "SELECT COUNT(*) FROM criterion_score JOIN review ON review.id = criterion_score.review"
            " JOIN assignment ON assignment.id = review.assignment WHERE assignment.round = ?"
            " AND review.status = 'submitted'", round_id)
        assert receipts == [(JURORS[0], "applied", 15), (JURORS[1], "applied", 15)]
        assert scores == [(30,)]

        organiser.goto(f"{demo_server.url}/organise/{SLUG}/rounds/R3/results")
        combined = organiser.locator("#combined")
        expect(combined).to_contain_text("30% Online jury + 70% Final pitch")
        names = combined.locator("tbody th[scope=row]").all_inner_texts()
        assert names[:3] == ["Beta APS", "Gamma APS", "Alfa APS"]
    organiser_context.close()

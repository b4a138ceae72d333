"""One mapping for "not found": core's NotFound errors become the friendly 404 page on every route family,
and an id no row can have (2**63 and beyond) is a 404 too, never a 500 from the database driver."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.editions import access
from core.editions.competitions import import_competition_text
from core.people import accounts
from tests.conftest import csrf_token, run, sign_in

EXAMPLE = (Path(__file__).resolve().parents[2] / "examples" / "welfare-che-impresa.yaml").read_text(encoding="utf-8")
SLUG = "welfare-comunita-2026"
PASSWORD = "correct-horse-battery"
MISSING = 987654
HUGE = 2**63  # one past the largest id either engine can store

# Paths naming something that does not exist, by the family of pages they belong to.
UNKNOWN = {
    "organiser": [f"/organise/{SLUG}/applications/{MISSING}", f"/organise/{SLUG}/jobs/{MISSING}",
                  f"/organise/{SLUG}/rounds/NOPE/results", f"/organise/{SLUG}/rounds/NOPE/progress",
                  f"/organise/{SLUG}/rounds/NOPE/assignment", f"/organise/{SLUG}/mail-templates/en/no-such-mail",
                  "/organise/no-such-edition/setup"],
    "juror": [f"/jury/assignments/{MISSING}", f"/jury/rounds/{MISSING}/consensus",
              f"/jury/rounds/{MISSING}/consensus/{MISSING}", f"/jury/rounds/{MISSING}/pairwise",
              f"/jury/rounds/{MISSING}/ranking"],
    "applicant": [f"/applications/{MISSING}", f"/applications/{MISSING}/preview",
                  f"/applications/{MISSING}/files/budget", f"/files/{MISSING}", "/c/no-such-edition/apply"],
    "sponsor": ["/sponsor/no-such-edition", f"/sponsor/{SLUG}/reports/no-such-report"],
    "mentor": [f"/mentoring/sessions/{MISSING}", f"/mentoring/path/{MISSING}", f"/mentoring/mentees/{MISSING}",
               f"/mentoring/files/{MISSING}", "/mentoring/no-such-edition/profile"],
}
TOO_LARGE = [f"/applications/{HUGE}", f"/files/{10**30}", f"/jury/assignments/{HUGE}",
             f"/jury/rounds/{HUGE}/consensus/{HUGE}", f"/organise/{SLUG}/jobs/{HUGE}",
             f"/organise/{SLUG}/applications/{HUGE}", f"/mentoring/sessions/{HUGE}",
             f"/organise/{SLUG}/sponsors/{HUGE}/reports/no-such-report"]


@pytest.fixture
def everyone(client):
    """One signed-in account holding every role in the edition, so each family's guard lets it through."""
    run(import_competition_text(EXAMPLE))
    account = run(accounts.create_account(email="all@roles.example", password=PASSWORD, verified=True, locale="en"))
    for role in ("organiser", "juror", "sponsor", "mentor"):
        run(access.grant_role(account_id=account, role=role, edition_slug=SLUG))
    assert sign_in(client, "all@roles.example", PASSWORD).status_code == 302
    return client


def assert_friendly_404(response) -> None:
    assert response.status_code == 404, response.text[:300]
    assert "Page not found" in response.text
    assert "does not exist, or you are not allowed to see it" in response.text
    assert "Traceback" not in response.text


@pytest.mark.parametrize("family", sorted(UNKNOWN))
def test_unknown_ids_answer_the_friendly_404_in_every_family(everyone, family):
    for path in UNKNOWN[family]:
        assert_friendly_404(everyone.get(path))


def test_ids_beyond_64_bits_answer_404_not_500(everyone):
    for path in TOO_LARGE:
        assert_friendly_404(everyone.get(path))
    # A form sent to such a path is refused the same way, after its CSRF check.
    token = csrf_token(everyone, "/me")
    assert_friendly_404(everyone.post(f"/applications/{HUGE}/withdraw", data={"_csrf_token": token}))
    assert_friendly_404(everyone.post(f"/me/consents/{HUGE}/withdraw", data={"_csrf_token": token}))


def test_the_public_pages_and_the_api_answer_404_their_own_way(client):
    assert_friendly_404(client.get("/c/no-such-edition", headers={"accept-language": "en"}))
    # No route matches here (the outbox exists only in development): still the friendly page, in English.
    assert_friendly_404(client.get(f"/dev/outbox/{MISSING}", headers={"accept-language": "en"}))
    api = client.get("/api/v1/editions/no-such-edition", headers={"accept-language": "en"})
    assert api.status_code == 404
    assert api.json() == {"status": 404, "title": "Page not found",
                          "detail": "The page you asked for does not exist, or you are not allowed to see it."}


def test_someone_signed_out_is_sent_to_sign_in_before_any_lookup(client):
    response = client.get(f"/applications/{HUGE}", follow_redirects=False)
    assert response.status_code == 302
    assert response.headers["location"].startswith("/login")

"""The organiser console's entry: only an edition's organisers (and admins) reach it."""

from __future__ import annotations

from tests.conftest import sign_in
from tests.factories import PASSWORD, SLUG, account, example_edition


def person(email: str, role: str | None) -> None:
    account(email, role=role, locale="en")


def test_organiser_sees_the_edition_overview_with_its_rounds(client):
    example_edition()
    person("olga@foundation.example", "organiser")
    sign_in(client, "olga@foundation.example", PASSWORD)
    home = client.get("/organise")
    assert home.status_code == 200
    assert f'href="/organise/{SLUG}"' in home.text
    page = client.get(f"/organise/{SLUG}")
    assert page.status_code == 200
    assert f"/organise/{SLUG}/rounds/R1/results" in page.text
    assert 'aria-current="page"' in page.text


def test_a_juror_or_an_organiser_of_another_edition_gets_no_console(client):
    example_edition()
    person("juror@jury.example", "juror")
    sign_in(client, "juror@jury.example", PASSWORD)
    assert client.get("/organise").status_code == 403
    assert client.get(f"/organise/{SLUG}").status_code == 403
    client.cookies.clear()
    account("elsewhere@other.example", role="organiser", edition_slug=None)
    sign_in(client, "elsewhere@other.example", PASSWORD)
    response = client.get(f"/organise/{SLUG}")
    assert response.status_code == 404
    assert "Welfare" not in response.text

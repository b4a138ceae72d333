"""The organiser console's entry: only an edition's organisers (and admins) reach it."""

from __future__ import annotations

from pathlib import Path

from core.editions import access
from core.editions.competitions import import_competition_text
from core.people import accounts
from tests.conftest import run, sign_in

EXAMPLE = (Path(__file__).resolve().parents[2] / "examples" / "welfare-che-impresa.yaml").read_text(encoding="utf-8")
PASSWORD = "correct-horse-battery"
SLUG = "welfare-comunita-2026"


def person(email: str, role: str | None) -> None:
    account = run(accounts.create_account(email=email, password=PASSWORD, verified=True, locale="en"))
    if role:
        run(access.grant_role(account_id=account, role=role, edition_slug=SLUG))


def test_organiser_sees_the_edition_overview_with_its_rounds(client):
    run(import_competition_text(EXAMPLE))
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
    run(import_competition_text(EXAMPLE))
    person("juror@jury.example", "juror")
    sign_in(client, "juror@jury.example", PASSWORD)
    assert client.get("/organise").status_code == 403
    assert client.get(f"/organise/{SLUG}").status_code == 403
    client.cookies.clear()
    other = run(accounts.create_account(email="elsewhere@other.example", password=PASSWORD, verified=True))
    run(access.grant_role(account_id=other, role="organiser", edition_slug=None))
    sign_in(client, "elsewhere@other.example", PASSWORD)
    response = client.get(f"/organise/{SLUG}")
    assert response.status_code == 404
    assert "Welfare" not in response.text

"""Awards through HTTP on both engines: the proposal follows the prizes' rules, confirmation, conditions."""

from __future__ import annotations

import re

from core.platform.tables import (
    AuditEvent,
    Award,
)
from tests import factories
from tests.conftest import csrf_token, run, sign_in
from tests.factories import EN, EXAMPLE, PASSWORD, SLUG, account, application, assignment, example_edition, review

# A cash prize for the best AGR entry, after the area prizes: its natural holder already has one.
TRACK_PRIZE = """
  - {code: P-TRACK, name: {it: "Premio agricoltura", en: "Agriculture prize"}, sponsor: "Fondazione Aurora (demo)",
     kind: cash_grant, amount_eur: 5000, target: {track: AGR, rank: 1}}
milestones:"""
ENTRIES = (  # name, track, area, final score (best first)
    ("Alfa", "AGR", "NORD", 9.5), ("Beta", "AGR", "SUD", 9.0), ("Gamma", "PAT", "SUD", 8.5),
    ("Delta", "AGR", "NORD", 8.0), ("Epsilon", "PAT", "CENTRO", 7.5), ("Zeta", "AGR", "CENTRO", 7.0),
)


def seed(client, *, with_results: bool = True) -> dict[str, int]:
    edition = example_edition(EXAMPLE.replace("\nmilestones:", TRACK_PRIZE, 1))
    account("olga@foundation.example", role="organiser", locale="en")
    juror = account("giudice@jury.example")
    ids = {}
    for name, track, area, score in ENTRIES:
        owner = account(f"{name.lower()}@applicant.example")
        ids[name] = application(edition, owner=owner, track=track, area=area, entity_name=f"{name} APS",
                                title=f"Progetto {name}", status="finalist", to_be_incorporated=name == "Beta")
        if with_results:
            review(assignment(edition.rounds["R3"], ids[name], juror),
                   dict.fromkeys(("IMP", "SOS", "TEA", "INN", "PIT"), score), total=score * 10)
    sign_in(client, "olga@foundation.example", PASSWORD)
    return ids


def proposed(html: str) -> dict[str, list[str]]:
    """Prize code -> entity names preselected in the proposal form."""
    chosen: dict[str, list[str]] = {}
    for code, name in re.findall(r'<option value="([A-Z-]+):\d+" selected>\d+\. (\w+) APS', html):
        chosen.setdefault(code, []).append(name)
    return chosen


def test_the_proposal_follows_places_areas_tracks_and_one_cash_prize_per_entity(client):
    seed(client)
    page = client.get(f"/organise/{SLUG}/awards", headers=EN)
    assert page.status_code == 200
    assert "Ranking: results of round Final pitch." in page.text  # the round by its name, not its code
    assert "At most 1 cash prizes per entity." in page.text
    chosen = proposed(page.text)
    assert chosen["P-NORD"] == ["Alfa"]
    assert chosen["P-CENTRO"] == ["Epsilon"]
    assert chosen["P-SUD"] == ["Beta"]
    assert chosen["P-TRACK"] == ["Delta"]  # Alfa and Beta already hold a cash prize
    assert sorted(chosen["P-LOAN"]) == ["Alfa", "Beta", "Delta", "Epsilon"]
    assert chosen["P-AGR"] == ["Zeta"]  # the best AGR entry among non-winners
    assert "P-PUB" not in chosen  # the audience award is chosen by hand
    assert "to choose by hand" in page.text


def test_confirming_creates_awards_with_conditions_that_the_organiser_tracks(client):
    ids = seed(client)
    page = client.get(f"/organise/{SLUG}/awards", headers=EN)
    token = csrf_token(client, f"/organise/{SLUG}/awards")
    choices = re.findall(r'name="(choice\.\d+)">.*?<option value="([A-Z-]+:\d+)" selected>', page.text, re.S)
    data = {"_csrf_token": token, **dict(choices)}
    # A second cash prize for Alfa by hand is refused, and nothing is created.
    refused = client.post(f"/organise/{SLUG}/awards/confirm", headers=EN,
                          data={**data, "choice.99": f"P-PUB:{ids['Alfa']}"})
    assert refused.status_code == 400
    assert "Alfa APS would receive more cash prizes than the edition allows." in refused.text
    assert run(Award.count()) == 0
    done = client.post(f"/organise/{SLUG}/awards/confirm", data={**data, "choice.99": f"P-PUB:{ids['Gamma']}"},
                       follow_redirects=False)
    assert done.status_code == 302
    awards = run(Award.select(Award.id, Award.prize.code, Award.application, Award.status,
                              Award.conditions).output(load_json=True))
    assert len(awards) == len(choices) + 1
    assert {a["status"] for a in awards} == {"confirmed"}
    loan_beta = next(a for a in awards if a["prize.code"] == "P-LOAN" and a["application"] == ids["Beta"])
    conditions = loan_beta["conditions"]
    assert [c["code"] for c in conditions] == ["credit_check", "incorporation"]
    assert conditions[1]["due"]  # Beta is to be incorporated: within the months the rules allow
    assert run(AuditEvent.count().where(AuditEvent.action == "award.confirmed")) == len(awards)
    # Confirmed: the proposal has nothing left but what is still open.
    assert proposed(client.get(f"/organise/{SLUG}/awards").text) == {}

    response = client.post(f"/organise/{SLUG}/awards/{loan_beta['id']}/conditions", headers=EN, data={
        "_csrf_token": token, "code": "credit_check", "status": "met", "date": "31/10/2026", "note": ""})
    assert response.status_code == 400 and "Give the date as 2026-10-31." in response.text
    response = client.post(f"/organise/{SLUG}/awards/{loan_beta['id']}/conditions", data={
        "_csrf_token": token, "code": "credit_check", "status": "met", "date": "2026-10-31",
        "note": "Delibera del comitato crediti"}, follow_redirects=False)
    assert response.status_code == 302
    stored = run(Award.select(Award.conditions).output(load_json=True).where(Award.id == loan_beta["id"]).first())[
            "conditions"]
    assert stored[0] == {"code": "credit_check", "status": "met", "date": "2026-10-31",
                         "note": "Delibera del comitato crediti"}
    assert stored[1]["status"] == "pending"
    event = run(AuditEvent.select(AuditEvent.data).output(load_json=True).where(
            AuditEvent.action == "award.condition_updated").first())
    assert event["data"]["to"] == "met"


def test_without_results_the_ranking_is_winners_then_finalists(client):
    ids = seed(client, with_results=False)
    factories.set_application(ids["Zeta"], status="winner")
    page = client.get(f"/organise/{SLUG}/awards", headers=EN)
    assert "Ranking: winners, then finalists" in page.text
    assert proposed(page.text)["P-CENTRO"] == ["Zeta"]
    assert proposed(page.text)["P-TRACK"] == ["Delta"]  # Zeta, Alfa and Beta (AGR) each hold an area prize


def test_strangers_get_no_awards_pages(client):
    ids = seed(client, with_results=False)
    client.cookies.clear()
    account("x@other.example", role="organiser", edition_slug=None)
    sign_in(client, "x@other.example", PASSWORD)
    token = csrf_token(client, "/organise/new")
    assert client.get(f"/organise/{SLUG}/awards").status_code == 404
    assert client.post(f"/organise/{SLUG}/awards/confirm", data={
        "_csrf_token": token, "choice.1": f"P-NORD:{ids['Alfa']}"}).status_code == 404
    assert client.post(f"/organise/{SLUG}/awards/1/conditions", data={
        "_csrf_token": token, "code": "credit_check", "status": "met"}).status_code == 404
    assert run(Award.count()) == 0

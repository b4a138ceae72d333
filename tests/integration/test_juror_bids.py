"""Issue 13 point 2 over HTTP on both engines: the juror's profile (tracks, capacity) after an invitation, the
organiser's copy of it, bids in the round's window, a conflict bid as a declared conflict, and proposals that
prefer "yes" bids and experts."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from litestar.testing import TestClient

from core.platform import i18n
from core.platform.tables import (
    Account,
    AssignmentProposal,
    AuditEvent,
    ConflictOfInterest,
    JurorBid,
    JurorProfile,
    Round,
)
from tests.conftest import csrf_token, run, sign_in
from tests.integration.test_assignment import PASSWORD, SLUG, make_round
from tests.integration.test_people import as_person, deliver, invitation_link, invite, post_link, setup_edition

EN = {"accept-language": "en"}
BASE = f"/organise/{SLUG}/rounds/R1/assignment"
ZONE = ZoneInfo("Europe/Rome")


@pytest.fixture(autouse=True)
def english():
    with i18n.language("en"):
        yield


@pytest.fixture
def web(mail_settings):
    from web.app import create_app

    with TestClient(create_app(mail_settings), base_url="http://testserver.local") as test_client:
        yield test_client


def profile_of(juror: int) -> tuple[list[str], int | None]:
    row = run(JurorProfile.select(JurorProfile.tracks, JurorProfile.max_load).output(load_json=True).where(
        JurorProfile.juror == juror).first())
    return row["tracks"], row["max_load"]


def local(moment: datetime) -> str:
    return moment.astimezone(ZONE).strftime("%Y-%m-%dT%H:%M")


def set_window(client, opens: datetime, closes: datetime):
    return client.post(f"{BASE}/bidding", data={"_csrf_token": csrf_token(client, BASE), "bidding_opens": local(opens),
                                               "bidding_closes": local(closes)}, follow_redirects=False, headers=EN)


def round_id() -> int:
    return run(Round.select(Round.id).where(Round.code == "R1", Round.edition.slug == SLUG).first())["id"]


def test_an_invited_juror_lands_on_the_profile_and_the_organiser_edits_it(web, mail_settings, smtp):
    setup_edition()
    as_person(web, "olga@foundation.example")
    assert invite(web, emails="nuovo@jury.example", role="juror", language="en").status_code == 302
    [message] = deliver(mail_settings, smtp)
    link = invitation_link(message)
    web.cookies.clear()
    accepted = post_link(web, link, {"display_name": "Nino Nuovo", "password": "una-password-nuova"})
    assert accepted.status_code == 302 and accepted.headers["location"] == f"/jury/profile/{SLUG}"
    page = web.get(f"/jury/profile/{SLUG}", headers=EN)
    assert page.status_code == 200 and "Your juror profile" in page.text
    assert '<input type="checkbox" name="tracks" value="AGR"> Social agriculture' in page.text
    assert 'href="/jury/profile"' in web.get("/jury", headers=EN).text  # the dashboard links to it

    path = f"/jury/profile/{SLUG}"
    token = csrf_token(web, path)
    bad = web.post(path, data={"_csrf_token": token, "tracks": ["AGR", "PAT"], "capacity": "tanti"}, headers=EN)
    assert bad.status_code == 400
    assert 'id="error-capacity">Enter a whole number from 1 to 500, or leave it empty.' in bad.text
    assert 'value="AGR" checked' in bad.text and 'value="PAT" checked' in bad.text and 'value="tanti"' in bad.text
    juror = run(Account.select(Account.id).where(Account.email == "nuovo@jury.example").first())["id"]
    assert run(JurorProfile.count().where(JurorProfile.juror == juror)) == 0

    saved = web.post(path, data={"_csrf_token": token, "tracks": ["AGR", "PAT", "NOPE"], "capacity": "4"},
                     follow_redirects=False)
    assert saved.status_code == 302 and saved.headers["location"] == f"{path}?saved=1"
    assert profile_of(juror) == (["AGR", "PAT"], 4)
    assert "The profile was saved." in web.get(f"{path}?saved=1", headers=EN).text

    as_person(web, "olga@foundation.example")
    people = web.get(f"/organise/{SLUG}/people", headers=EN)
    edit = f"/organise/{SLUG}/people/jurors/{juror}"
    assert f'href="{edit}"' in people.text
    form = web.get(edit, headers=EN)
    assert "Juror profile of Nino Nuovo" in form.text and 'value="PAT" checked' in form.text
    assert 'name="capacity" inputmode="numeric" value="4"' in form.text
    changed = web.post(edit, data={"_csrf_token": csrf_token(web, edit), "tracks": ["WCI"], "capacity": ""},
                       follow_redirects=False)
    assert changed.status_code == 302
    assert profile_of(juror) == (["WCI"], None)
    audited = run(AuditEvent.select(AuditEvent.actor).where(AuditEvent.action == "juror_profile.set",
                                                               AuditEvent.subject_id == str(juror))
                  .order_by(AuditEvent.id))
    assert [a["actor"] for a in audited][-2:] == [juror, run(Account.select(Account.id).where(
        Account.email == "olga@foundation.example").first())["id"]]

    # a juror cannot open another juror's page, nor one of an edition that is not theirs
    web.cookies.clear()
    assert sign_in(web, "nuovo@jury.example", "una-password-nuova").status_code == 302
    assert web.get(edit).status_code == 403
    assert web.get("/jury/profile/altra-edizione-2026").status_code == 404


def test_bids_in_the_window_conflicts_and_the_proposal(settings, client):
    setup = make_round()
    rid = round_id()
    bids_path = f"/jury/rounds/{rid}/bids"
    now = datetime.now(UTC)

    # no window yet: the page says so and a post is refused
    sign_in(client, "tina@libero.it", PASSWORD)
    page = client.get(bids_path, headers=EN)
    assert page.status_code == 200 and "Bidding for this round is not open." in page.text
    assert "Save my bids" not in page.text
    refused = client.post(bids_path, data={"_csrf_token": csrf_token(client, "/me"),
                                           f"bid.{setup.entries['sole']}": "yes"}, headers=EN)
    assert refused.status_code == 409 and 'role="alert">Bidding for this round is not open.' in refused.text
    assert run(JurorBid.count()) == 0

    client.cookies.clear()
    sign_in(client, "olga@organise.example", PASSWORD)
    wrong = set_window(client, now + timedelta(hours=1), now - timedelta(hours=1))
    assert wrong.status_code == 400 and 'id="error-bidding_closes">The close must come after the opening.' in wrong.text
    past = set_window(client, now - timedelta(days=2), now - timedelta(days=1))
    assert past.status_code == 302 and past.headers["location"] == f"{BASE}?done=bidding"

    client.cookies.clear()
    sign_in(client, "tina@libero.it", PASSWORD)
    late = client.post(bids_path, data={"_csrf_token": csrf_token(client, "/me"),
                                        f"bid.{setup.entries['sole']}": "yes"}, headers=EN)
    assert late.status_code == 409 and run(JurorBid.count()) == 0

    client.cookies.clear()
    sign_in(client, "olga@organise.example", PASSWORD)
    assert set_window(client, now - timedelta(hours=1), now + timedelta(days=1)).status_code == 302
    assert f'value="{local(now - timedelta(hours=1))}"' in client.get(BASE, headers=EN).text

    def bid(email: str, choices: dict[str, str]):
        client.cookies.clear()
        sign_in(client, email, PASSWORD)
        listing = client.get(bids_path, headers=EN)
        # R1 is blind: entries go by their number, as on the review page, never by title or entity
        assert f"Entry #{setup.entries['sole']} <small>· Social agriculture</small>" in listing.text
        assert "Progetto sole" not in listing.text and "Cooperativa Sole" not in listing.text
        assert f'<a href="/jury/rounds/{rid}/bids">' in client.get("/jury/profile", headers=EN).text
        data = {f"bid.{setup.entries[name]}": value for name, value in choices.items()}
        saved = client.post(bids_path, data={"_csrf_token": csrf_token(client, bids_path), **data},
                            follow_redirects=False)
        assert saved.status_code == 302 and saved.headers["location"] == f"{bids_path}?saved=1"

    bid("tina@libero.it", {"sole": "yes", "verde": "maybe"})
    bid("marta@gmail.com", {"verde": "no"})
    bid("pia@ateneo.example", {"arte": "conflict", "casa": "yes"})
    stored = {(r["application"], r["juror"]): r["bid"] for r in run(JurorBid.select())}
    assert stored == {(setup.entries["sole"], setup.jurors["tina"]): "yes",
                      (setup.entries["verde"], setup.jurors["tina"]): "maybe",
                      (setup.entries["verde"], setup.jurors["marta"]): "no",
                      (setup.entries["casa"], setup.jurors["pia"]): "yes"}
    [declared] = run(ConflictOfInterest.select().where(ConflictOfInterest.juror == setup.jurors["pia"]))
    assert (declared["application"], declared["rule"], declared["source"], declared["round"]) == (
        setup.entries["arte"], "declared", "declared", rid)
    assert run(AuditEvent.count().where(AuditEvent.action == "conflict.declared",
                                        AuditEvent.actor == setup.jurors["pia"])) == 1
    assert run(AuditEvent.count().where(AuditEvent.action == "bid.set")) == 4
    # the conflict shows as such and cannot be bid away
    again = client.get(bids_path, headers=EN)
    assert f'name="bid.{setup.entries["arte"]}"' not in again.text and "Conflict of interest" in again.text
    client.post(bids_path, data={"_csrf_token": csrf_token(client, bids_path),
                                 f"bid.{setup.entries['arte']}": "yes"})
    assert run(JurorBid.count().where(JurorBid.juror == setup.jurors["pia"])) == 1

    client.cookies.clear()
    sign_in(client, "olga@organise.example", PASSWORD)
    assert "Bids received: 4." in client.get(BASE, headers=EN).text
    proposed = client.post(f"{BASE}/propose", data={"_csrf_token": csrf_token(client, BASE), "per_entry": "1",
                                                    "max_load": "2"}, follow_redirects=False)
    assert proposed.status_code == 302
    proposal_id = int(re.search(r"proposal=(\d+)", proposed.headers["location"]).group(1))
    raw = run(AssignmentProposal.select(AssignmentProposal.pairs).output(load_json=True).where(
        AssignmentProposal.id == proposal_id).first())["pairs"]
    pairs = raw
    chosen = {(entry, juror): {"affinity": affinity, "expert": expert}
              for entry, juror, affinity, expert, _kept in pairs}
    e, j = setup.entries, setup.jurors
    assert (e["sole"], j["tina"]) in chosen  # "yes" beats the AGR experts
    assert chosen[(e["sole"], j["tina"])]["expert"] is False
    assert (e["casa"], j["pia"]) in chosen  # "yes" and expert
    assert (e["arte"], j["pia"]) not in chosen  # the conflict bid
    assert (e["verde"], j["marta"]) not in chosen  # "no"
    # every other entry goes to an expert of its track
    assert all(p["expert"] for key, p in chosen.items() if key != (e["sole"], j["tina"]))
    assert len(chosen) == 8

    accepted = client.post(f"{BASE}/accept", data={"_csrf_token": csrf_token(client, BASE),
                                                   "proposal": str(proposal_id)}, follow_redirects=False)
    assert accepted.status_code == 302


def test_the_bids_page_pages_a_big_round_and_saving_one_page_keeps_the_others(settings, client, monkeypatch):
    from core.judging import bids

    monkeypatch.setattr(bids, "BIDS_PER_PAGE", 3)
    setup = make_round()
    rid = round_id()
    bids_path = f"/jury/rounds/{rid}/bids"
    now = datetime.now(UTC)
    sign_in(client, "olga@organise.example", PASSWORD)
    assert set_window(client, now - timedelta(hours=1), now + timedelta(days=1)).status_code == 302
    client.cookies.clear()
    sign_in(client, "tina@libero.it", PASSWORD)
    entries = sorted(setup.entries.values())
    pages = -(-len(entries) // 3)

    def shown(page: str) -> list[int]:
        return [int(n) for n in re.findall(r'name="bid\.(\d+)" value="yes"', page)]

    first = client.get(bids_path, headers=EN)
    assert shown(first.text) == entries[:3]
    assert f"Page 1 of {pages} ({len(entries)} entries)." in first.text
    assert f'href="{bids_path}?page=2" rel="next">Next entries' in first.text and 'rel="prev"' not in first.text
    second = client.get(f"{bids_path}?page=2", headers=EN)
    assert shown(second.text) == entries[3:6] and 'rel="prev">Previous entries' in second.text
    # a page past the end is the last page; anything else is the first
    assert shown(client.get(f"{bids_path}?page=999", headers=EN).text) == entries[(pages - 1) * 3:]
    assert shown(client.get(f"{bids_path}?page=abc", headers=EN).text) == entries[:3]

    def save(page: int, choices: dict[int, str]):
        return client.post(bids_path, data={"_csrf_token": csrf_token(client, bids_path), "page": str(page),
                                            **{f"bid.{entry}": value for entry, value in choices.items()}},
                           follow_redirects=False)

    assert save(1, {entries[0]: "yes"}).headers["location"] == f"{bids_path}?saved=1"
    back = save(2, {entries[3]: "maybe"})
    assert back.status_code == 302 and back.headers["location"] == f"{bids_path}?saved=1&page=2"
    stored = {r["application"]: r["bid"] for r in run(JurorBid.select().where(
        JurorBid.juror == setup.jurors["tina"]))}
    assert stored == {entries[0]: "yes", entries[3]: "maybe"}

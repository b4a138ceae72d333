"""The live room through HTTP on both engines: the audience vote (one per phone per pitch, badge codes, votes after
the close, flagged bursts), the big screen that shows nothing of results before the reveal, and the organiser's page.
"""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from litestar.testing import TestClient

from core.live import room
from core.platform.tables import AudienceBadge, AudienceVote, AuditEvent, LiveEvent, LiveStage
from tests.conftest import csrf_token, run, sign_in
from tests.factories import (
    EN,
    PASSWORD,
    SLUG,
    account,
    application,
    assignment,
    example_edition,
    live_final,
    put_on_stage,
    review,
)
from web.app import create_app

FINALISTS = (("Alfa", 9.0), ("Beta", 8.0), ("Gamma", 7.0))


def seed(*, scores: bool = True, **stage) -> dict:
    edition = example_edition()
    account("olga@foundation.example", role="organiser", locale="en")
    juror = account("giudice@jury.example")
    ids = {}
    for name, score in FINALISTS:
        owner = account(f"{name.lower()}@applicant.example")
        ids[name] = application(edition, owner=owner, entity_name=f"{name} APS", title=f"Progetto {name}",
                                status="finalist")
        if scores:
            review(assignment(edition.rounds["R3"], ids[name], juror),
                   dict.fromkeys(("IMP", "SOS", "TEA", "INN", "PIT"), score), total=score * 10)
    round_id = edition.rounds["R3"]
    slots = live_final(round_id, [ids[name] for name, _ in FINALISTS], **stage)
    return {"round": round_id, "slots": slots, "apps": ids}


def vote_path(settings, round_id: int) -> str:
    return f"/vote/{round_id}/{room.vote_token(settings, round_id)}"


def phone_vote(client, settings, round_id: int, slot: int, value: int | str, *, new_phone: bool = True,
               badge: str = "", agent: str = "phone"):
    """One phone opens the vote page (getting its cookies) and votes."""
    if new_phone:
        client.cookies.clear()
    path = vote_path(settings, round_id)
    token = csrf_token(client, path) if new_phone or not client.cookies.get("giuria_csrf") else None
    if token is None:
        token = csrf_token(client, path)
    return client.post(path, data={"slot": str(slot), "value": str(value), "badge": badge, "_csrf_token": token},
                       headers={**EN, "user-agent": agent})


def counted(slot: int) -> int:
    return run(AudienceVote.count().where((AudienceVote.slot == slot) & (AudienceVote.flag == "")))


def test_one_vote_per_phone_per_pitch_and_a_kind_refusal_the_second_time(client, settings):
    ids = seed(scores=False)
    put_on_stage(ids["round"], ids["slots"][0])
    first = phone_vote(client, settings, ids["round"], ids["slots"][0], 4)
    assert first.status_code == 200
    assert "Thank you! Your vote for Alfa APS is recorded." in first.text
    # the page no longer offers the form to this phone
    assert "You have voted on this pitch." in client.get(vote_path(settings, ids["round"]), headers=EN).text
    again = phone_vote(client, settings, ids["round"], ids["slots"][0], 5, new_phone=False)
    assert again.status_code == 409
    assert "You have already voted on this pitch from this phone. Thank you!" in again.text
    other = phone_vote(client, settings, ids["round"], ids["slots"][0], 2)
    assert other.status_code == 200
    assert counted(ids["slots"][0]) == 2
    values = sorted(r["value"] for r in run(AudienceVote.select(AudienceVote.value)))
    assert values == [2, 4]
    # the next pitch: the first phone may vote again, on it
    put_on_stage(ids["round"], ids["slots"][1])
    assert phone_vote(client, settings, ids["round"], ids["slots"][1], 3).status_code == 200


def test_a_forged_vote_link_or_a_round_not_run_live_is_not_found(client, settings):
    ids = seed(scores=False)
    put_on_stage(ids["round"], ids["slots"][0])
    assert client.get(f"/vote/{ids['round']}/not-a-signature", headers=EN).status_code == 404
    other_round = example_edition().rounds["R1"] if False else ids["round"] + 1000
    assert client.get(vote_path(settings, other_round), headers=EN).status_code == 404
    assert client.get(f"/live/{other_round}/events").status_code == 404
    # the short address leads on to the signed link
    short = client.get(f"/vote/{ids['round']}", follow_redirects=False)
    assert short.status_code in (301, 302, 303, 307)
    assert short.headers["location"] == vote_path(settings, ids["round"])


def test_no_vote_before_the_pitch_starts_or_after_the_organiser_closes_it(client, settings):
    ids = seed(scores=False)
    slot = ids["slots"][0]
    refused = phone_vote(client, settings, ids["round"], slot, 4)
    assert refused.status_code == 409
    assert "Voting on this pitch is closed." in refused.text
    put_on_stage(ids["round"], slot)
    assert phone_vote(client, settings, ids["round"], slot, 4).status_code == 200
    organiser = TestClient(client.app, base_url="http://testserver.local")
    with organiser:
        sign_in(organiser, "olga@foundation.example", PASSWORD)
        page = f"/organise/{SLUG}/live/{ids['round']}/room"
        token = csrf_token(organiser, page)
        closed = organiser.post(f"{page}/voting/{slot}", data={"action": "close", "_csrf_token": token},
                                follow_redirects=False)
        assert closed.status_code in (302, 303)
    late = phone_vote(client, settings, ids["round"], slot, 5)
    assert late.status_code == 409
    assert "Voting on this pitch is closed." in late.text
    assert counted(slot) == 1
    # the scoring's close closes the vote too, even when opened by hand before
    put_on_stage(ids["round"], ids["slots"][1], scoring="locked")
    assert phone_vote(client, settings, ids["round"], ids["slots"][1], 5).status_code == 409
    kinds = [r["kind"] for r in run(LiveEvent.select(LiveEvent.kind).order_by(LiveEvent.id))]
    assert kinds == ["vote.counted", "vote.closed"]
    assert run(AuditEvent.exists().where(AuditEvent.action == "live.voting_closed"))


def test_badge_codes_vote_once_per_pitch(client, settings):
    ids = seed(scores=False)
    sign_in(client, "olga@foundation.example", PASSWORD)
    page = f"/organise/{SLUG}/live/{ids['round']}/room"
    token = csrf_token(client, page)
    bad = client.post(f"{page}/badges", data={"count": "lots", "_csrf_token": token}, headers=EN)
    assert bad.status_code == 400
    assert "Ask for between 1 and 2000 codes." in bad.text
    assert 'value="lots"' in bad.text  # what was typed stays
    made = client.post(f"{page}/badges", data={"count": "3", "_csrf_token": token}, follow_redirects=False)
    assert made.status_code in (302, 303)
    options = client.post(f"{page}/options", data={"audience_vote": "1", "badge_codes_required": "1",
                                                   "_csrf_token": token}, follow_redirects=False)
    assert options.status_code in (302, 303)
    codes = [r["code"] for r in run(AudienceBadge.select(AudienceBadge.code))]
    assert len(codes) == 3 and all(re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}", code) for code in codes)
    sheet = client.get(f"{page}/badges", headers=EN)
    assert all(code in sheet.text for code in codes)
    put_on_stage(ids["round"], ids["slots"][0])
    slot = ids["slots"][0]
    missing = phone_vote(client, settings, ids["round"], slot, 4)
    assert missing.status_code == 409 and "not one of ours" in missing.text
    wrong = phone_vote(client, settings, ids["round"], slot, 4, badge="ZZZZ-ZZZZ")
    assert wrong.status_code == 409 and 'value="ZZZZ-ZZZZ"' in wrong.text
    # typed in lower case without the dash: the same code
    assert phone_vote(client, settings, ids["round"], slot, 4, badge=codes[0].replace("-", "").lower()
                      ).status_code == 200
    twice = phone_vote(client, settings, ids["round"], slot, 5, badge=codes[0])
    assert twice.status_code == 409
    assert "This badge code has already voted on this pitch." in twice.text
    assert phone_vote(client, settings, ids["round"], slot, 5, badge=codes[1]).status_code == 200
    assert counted(slot) == 2


def test_a_burst_from_one_address_is_flagged_not_counted_until_the_organiser_counts_it(settings):
    ids = seed(scores=False)
    strict = replace(settings, audience_burst_per_address=3, audience_burst_per_agent=100)
    put_on_stage(ids["round"], ids["slots"][0])
    slot = ids["slots"][0]
    with TestClient(create_app(strict), base_url="http://testserver.local") as client:
        for value in (5, 5, 5, 5, 5):
            assert phone_vote(client, strict, ids["round"], slot, value).status_code == 200
        assert counted(slot) == 3
        flagged = run(AudienceVote.count().where(AudienceVote.flag == "burst_address"))
        assert flagged == 2
        sign_in(client, "olga@foundation.example", PASSWORD)
        page = f"/organise/{SLUG}/live/{ids['round']}/room"
        html = client.get(page, headers=EN).text
        assert "2 votes: many votes from one network in a short time" in html
        token = csrf_token(client, page)
        done = client.post(f"{page}/flagged/{slot}", data={"flag": "burst_address", "action": "dismiss",
                                                           "_csrf_token": token}, follow_redirects=False)
        assert done.status_code in (302, 303)
        assert counted(slot) == 3
        assert run(AudienceVote.count().where(AudienceVote.flag == "dismissed")) == 2
        assert run(AuditEvent.exists().where(AuditEvent.action == "live.flagged_dismissed"))


def test_a_burst_from_one_browser_signature_can_be_counted(settings):
    ids = seed(scores=False)
    strict = replace(settings, audience_burst_per_address=100, audience_burst_per_agent=2)
    put_on_stage(ids["round"], ids["slots"][0])
    slot = ids["slots"][0]
    with TestClient(create_app(strict), base_url="http://testserver.local") as client:
        for _ in range(4):
            assert phone_vote(client, strict, ids["round"], slot, 3, agent="bot/1.0").status_code == 200
        assert phone_vote(client, strict, ids["round"], slot, 3, agent="phone/2").status_code == 200
        assert counted(slot) == 3
        sign_in(client, "olga@foundation.example", PASSWORD)
        page = f"/organise/{SLUG}/live/{ids['round']}/room"
        token = csrf_token(client, page)
        client.post(f"{page}/flagged/{slot}", data={"flag": "burst_agent", "action": "count", "_csrf_token": token})
        assert counted(slot) == 5
        assert run(AuditEvent.exists().where(AuditEvent.action == "live.flagged_counted"))


def test_the_big_screen_shows_nothing_of_results_before_the_reveal(client, settings):
    ids = seed()
    put_on_stage(ids["round"], ids["slots"][1])
    for value in (5, 4, 5):
        phone_vote(client, settings, ids["round"], ids["slots"][1], value)
    client.cookies.clear()
    key = room.screen_token(settings, ids["round"])
    assert client.get(f"/live/{ids['round']}/screen?key=forged").status_code == 404
    screen = client.get(f"/live/{ids['round']}/screen?key={key}", headers=EN)
    assert screen.status_code == 200
    assert "Beta APS" in screen.text  # on stage
    assert "<svg" in screen.text and "/vote/" in screen.text
    for name in ("Alfa APS", "Gamma APS", "Final ranking", "Audience prize"):
        assert name not in screen.text
    fragment = client.get(f"/live/{ids['round']}/screen/fragment?key={key}", headers=EN)
    assert "Alfa APS" not in fragment.text and "Final ranking" not in fragment.text
    # only the organiser reveals, once
    assert client.post(f"/organise/{SLUG}/live/{ids['round']}/room/reveal", data={"top": "3"}).status_code in (
        401, 403)
    sign_in(client, "olga@foundation.example", PASSWORD)
    page = f"/organise/{SLUG}/live/{ids['round']}/room"
    token = csrf_token(client, page)
    bad = client.post(f"{page}/reveal", data={"top": "0", "_csrf_token": token}, headers=EN)
    assert bad.status_code == 400 and "Show between 1 and 20 places." in bad.text
    assert run(LiveStage.select(LiveStage.revealed_at).first())["revealed_at"] is None
    revealed = client.post(f"{page}/reveal", data={"top": "2", "_csrf_token": token}, follow_redirects=False)
    assert revealed.status_code in (302, 303)
    client.cookies.clear()
    after = client.get(f"/live/{ids['round']}/screen/fragment?key={key}", headers=EN).text
    assert "Final ranking" in after
    assert after.index("Alfa APS") < after.index("Beta APS")
    assert "Gamma APS" not in after  # top 2 only
    assert "Audience prize:" in after and "<strong>Beta APS</strong>" in after
    kinds = [r["kind"] for r in run(LiveEvent.select(LiveEvent.kind, LiveEvent.payload).order_by(LiveEvent.id))]
    assert kinds[-1] == "results.revealed"
    payloads = run(LiveEvent.select(LiveEvent.payload).output(load_json=True))
    assert all(set(p["payload"]) <= {"slot", "round", "voting"} for p in payloads)  # ids only, never a result
    assert run(AuditEvent.exists().where(AuditEvent.action == "live.results_revealed"))


def test_the_organisers_page_is_theirs_alone_and_lists_the_audience_ranking(client, settings):
    ids = seed(scores=False)
    put_on_stage(ids["round"], ids["slots"][0])
    for value in (5, 5, 4):
        phone_vote(client, settings, ids["round"], ids["slots"][0], value)
    account("intruso@other.example", role="juror")
    client.cookies.clear()
    sign_in(client, "intruso@other.example", PASSWORD)
    assert client.get(f"/organise/{SLUG}/live/{ids['round']}/room").status_code in (403, 404)
    client.cookies.clear()
    sign_in(client, "olga@foundation.example", PASSWORD)
    html = client.get(f"/organise/{SLUG}/live/{ids['round']}/room", headers=EN).text
    assert "Audience ranking" in html
    assert "4.67" in html  # mean of 5, 5, 4
    assert "Screen and audience vote" in client.get(f"/organise/{SLUG}", headers=EN).text


@pytest.mark.parametrize("value", ["", "0", "6", "abc", "3.5", "9" * 40])
def test_no_500_for_any_vote_value(client, settings, value):
    ids = seed(scores=False)
    put_on_stage(ids["round"], ids["slots"][0])
    response = phone_vote(client, settings, ids["round"], ids["slots"][0], value)
    assert response.status_code in (400, 409)
    assert "Choose a vote from 1 to 5." in response.text
    assert counted(ids["slots"][0]) == 0

"""The live final over HTTP on both engines: the running order, the control page's clock and scoring per slot,
jurors' taps (applied once, late after the close, refused when invalid), reopening with a reason, who may see what,
and the final's scores in the round's leaderboard combined with the online jury."""

from __future__ import annotations

import io
import re

from pypdf import PdfReader

from core.platform.tables import (
    Assignment,
    AuditEvent,
    CriterionScore,
    LiveEvent,
    LiveScoreReceipt,
    PitchSlot,
    Review,
)
from tests import factories
from tests.conftest import csrf_token, run

EN = factories.EN
SLUG = factories.SLUG
CRITERIA = ("IMP", "SOS", "TEA", "INN", "PIT")


def seed(client, *, finalists=("Alfa", "Beta", "Gamma")) -> dict:
    edition = factories.example_edition()
    factories.account("olga@foundation.example", role="organiser", locale="en")
    jurors = [factories.account(f"j{i}@jury.example", role="juror", locale="en") for i in (1, 2)]
    owners = {name: factories.account(f"{name.lower()}@applicant.example", locale="en") for name in finalists}
    ids = {name: factories.application(edition, owner=owners[name], status="finalist", entity_name=f"{name} APS",
                                       title=f"Progetto {name}") for name in finalists}
    factories.as_person(client, "olga@foundation.example")
    return {"edition": edition, "jurors": jurors, "ids": ids, "round": edition.rounds["R3"]}


def base() -> str:
    return f"/organise/{SLUG}/rounds/R3/live"


def post(client, path: str, data: dict, page: str | None = None):
    token = csrf_token(client, page or base())
    return client.post(path, data={**data, "_csrf_token": token}, headers=EN, follow_redirects=False)


def slots(round_id: int) -> list[dict]:
    return run(PitchSlot.select().where(PitchSlot.round == round_id).order_by(PitchSlot.position))


def set_up(client, data) -> list[dict]:
    response = post(client, f"{base()}/setup", {})
    assert response.status_code == 302, response.text
    return slots(data["round"])


def control(client, slot_id: int, action: str, **extra):
    return post(client, f"{base()}/slots/{slot_id}/control", {"action": action, **extra}, page=f"{base()}/control")


def tap(client, round_id: int, *, client_id: str, slot: int, criterion: str, value):
    token = csrf_token(client, f"/jury/live/{round_id}")
    return client.post(f"/jury/live/{round_id}/score", json={"client_id": client_id, "slot": slot,
                                                             "criterion": criterion, "value": value},
                       headers={"x-csrftoken": token, **EN})


def test_the_running_order_is_set_up_reordered_timed_and_marks_an_absence(client, settings):
    data = seed(client)
    page = client.get(base(), headers=EN)
    assert page.status_code == 200 and "Set up the running order" in page.text
    rows = set_up(client, data)
    assert [r["application"] for r in rows] == list(data["ids"].values())
    assert all(r["pitch_seconds"] == 300 and r["qa_seconds"] == 600 for r in rows)  # the round's settings
    # every juror of the edition gets every finalist to score
    assert run(Assignment.count().where(Assignment.round == data["round"])) == 6
    # the jurors' link is the platform's public address, ready to read out or print at the venue
    juror_link = settings.base_url.rstrip("/") + f"/jury/live/{data['round']}"
    assert f'<a href="{juror_link}">{juror_link}</a>' in client.get(base(), headers=EN).text

    gamma = rows[2]["id"]
    assert post(client, f"{base()}/slots/{gamma}", {"action": "up"}).status_code == 302
    assert post(client, f"{base()}/slots/{gamma}", {"action": "up"}).status_code == 302
    assert [r["id"] for r in slots(data["round"])] == [gamma, rows[0]["id"], rows[1]["id"]]

    bad = post(client, f"{base()}/slots/{gamma}", {"action": "save", "pitch_minutes": "five", "qa_minutes": "3",
                                                    "room": "Sala A"})
    assert bad.status_code == 400 and "Enter whole minutes from 1 to 120." in bad.text
    assert 'value="five"' in bad.text and 'value="Sala A"' in bad.text  # what was typed stays
    assert post(client, f"{base()}/slots/{gamma}", {"action": "save", "pitch_minutes": "4", "qa_minutes": "3",
                                                     "room": "Sala A"}).status_code == 302
    saved = run(PitchSlot.select().where(PitchSlot.id == gamma).first())
    assert (saved["pitch_seconds"], saved["qa_seconds"], saved["room"]) == (240, 180, "Sala A")

    beta = rows[1]["id"]
    assert post(client, f"{base()}/slots/{beta}", {"action": "absent"}).status_code == 302
    assert run(PitchSlot.select(PitchSlot.status).where(PitchSlot.id == beta).first())["status"] == "absent"
    assert post(client, f"{base()}/slots/{beta}", {"action": "present"}).status_code == 302
    assert run(PitchSlot.select(PitchSlot.status).where(PitchSlot.id == beta).first())["status"] == "waiting"

    actions = [e["action"] for e in run(AuditEvent.select(AuditEvent.action).where(
        AuditEvent.action.like("live.%")).order_by(AuditEvent.id))]
    assert actions == ["live.order_set_up", "live.slot_moved", "live.slot_moved", "live.slot_changed",
                       "live.slot_absent", "live.slot_present"]
    kinds = [e["kind"] for e in run(LiveEvent.select(LiveEvent.kind).order_by(LiveEvent.id))]
    assert kinds == ["order.changed"] * 4 + ["slot.absent"] * 2


def test_the_clock_moves_through_pitch_pause_qa_and_end_and_events_carry_no_scores(client, settings):
    data = seed(client)
    first, second, _third = (r["id"] for r in set_up(client, data))
    assert control(client, first, "pause").status_code == 409  # not running yet
    assert control(client, first, "start").status_code == 302
    stage = client.get(f"{base()}/control", headers=EN)
    assert "Start Q&A" in stage.text and 'data-ends-at="' in stage.text
    refused = control(client, second, "start")
    assert refused.status_code == 409 and "Another pitch is on stage" in refused.text
    assert control(client, first, "pause").status_code == 302
    paused = run(PitchSlot.select().where(PitchSlot.id == first).first())
    assert paused["paused_remaining"] is not None and 270 <= paused["paused_remaining"] <= 300  # a slow machine
    assert control(client, first, "resume").status_code == 302
    assert control(client, first, "qa").status_code == 302
    assert control(client, first, "end").status_code == 302
    assert run(PitchSlot.select(PitchSlot.status).where(PitchSlot.id == first).first())["status"] == "done"
    events = run(LiveEvent.select(LiveEvent.kind, LiveEvent.payload).output(load_json=True).order_by(LiveEvent.id))
    assert [e["kind"] for e in events][1:] == ["slot.started", "slot.paused", "slot.resumed", "slot.qa", "slot.ended"]
    assert all(set(e["payload"]) <= {"slot", "status", "ends_at", "remaining", "slots", "position", "scoring"}
               for e in events)


def test_taps_apply_once_late_taps_are_kept_not_applied_and_closing_submits(client, settings):
    data = seed(client)
    first = set_up(client, data)[0]["id"]
    round_id = data["round"]
    assert control(client, first, "start").status_code == 302
    factories.as_person(client, "j1@jury.example")
    dashboard = client.get("/jury", headers=EN)  # the juror finds the live page from their list
    assert f'href="/jury/live/{round_id}"' in dashboard.text and "Score the live final" in dashboard.text
    before = tap(client, round_id, client_id="a0", slot=first, criterion="IMP", value=8)
    assert before.json()["outcome"] == "refused"  # scoring not open yet

    factories.as_person(client, "olga@foundation.example")
    assert control(client, first, "open_scoring").status_code == 302
    factories.as_person(client, "j1@jury.example")
    phone = client.get(f"/jury/live/{round_id}", headers=EN)
    assert phone.status_code == 200 and "Alfa APS" in phone.text and "Progetto Alfa" in phone.text
    assert tap(client, round_id, client_id="a1", slot=first, criterion="IMP", value=7).json()["outcome"] == "applied"
    again = tap(client, round_id, client_id="a1", slot=first, criterion="IMP", value=7)
    assert again.json() == {"outcome": "duplicate", "message": "Already saved."}
    assert tap(client, round_id, client_id="a2", slot=first, criterion="IMP", value=9).json()["outcome"] == "applied"
    assert tap(client, round_id, client_id="a3", slot=first, criterion="IMP", value=11).json()["outcome"] == "refused"
    assert tap(client, round_id, client_id="a4", slot=first, criterion="XYZ", value=5).json()["outcome"] == "refused"
    for i, code in enumerate(CRITERIA[1:]):
        assert tap(client, round_id, client_id=f"b{i}", slot=first, criterion=code, value=8).json()["outcome"] == \
            "applied"
    # j2 scores only part of the sheet: their review stays a draft when the slot closes
    factories.as_person(client, "j2@jury.example")
    assert tap(client, round_id, client_id="a1", slot=first, criterion="IMP", value=6).json()["outcome"] == "applied"

    factories.as_person(client, "olga@foundation.example")
    progress = client.get(f"{base()}/control", headers=EN).text.split(f'id="slot-{first}"', 1)[1].split("</li>")[0]
    assert "1 of 2 jurors have scored every criterion" in progress
    assert control(client, first, "close_scoring").status_code == 302
    factories.as_person(client, "j1@jury.example")
    late = tap(client, round_id, client_id="late-1", slot=first, criterion="PIT", value=2)
    assert late.json()["outcome"] == "late"
    receipts = run(LiveScoreReceipt.select(LiveScoreReceipt.client_id, LiveScoreReceipt.outcome).where(
        LiveScoreReceipt.juror == data["jurors"][0]).order_by(LiveScoreReceipt.id))
    assert [r["client_id"] for r in receipts] == ["a0", "a1", "a2", "a3", "a4", "b0", "b1", "b2", "b3", "late-1"]
    assert receipts[-1]["outcome"] == "late"
    reviews = run(Review.select(Review.assignment.juror, Review.status, Review.total, Review.id).where(
        Review.assignment.round == round_id).order_by(Review.assignment.juror))
    assert [(r["assignment.juror"], r["status"]) for r in reviews] == [(data["jurors"][0], "submitted"),
                                                                      (data["jurors"][1], "draft")]
    values = {s["criterion"]: s["value"] for s in run(CriterionScore.select(
        CriterionScore.criterion, CriterionScore.value).where(CriterionScore.review == reviews[0]["id"]))}
    assert values == {"IMP": 9.0, "SOS": 8.0, "TEA": 8.0, "INN": 8.0, "PIT": 8.0}  # the later tap won, late one not
    assert abs(reviews[0]["total"] - 8.3) < 1e-9

    # a plain form without JavaScript saves and comes back to the page
    factories.as_person(client, "olga@foundation.example")
    control(client, first, "reopen_scoring", reason="Juror 2 lost the connection")
    factories.as_person(client, "j2@jury.example")
    token = csrf_token(client, f"/jury/live/{round_id}")
    form = client.post(f"/jury/live/{round_id}/score", data={"client_id": "f1", "slot": first, "criterion": "SOS",
                                                             "value": "7.5", "_csrf_token": token},
                       headers=EN, follow_redirects=False)
    assert form.status_code == 302 and form.headers["location"] == f"/jury/live/{round_id}?saved=applied"


def test_reopening_needs_a_reason_that_is_audited_and_shown(client, settings):
    data = seed(client)
    first = set_up(client, data)[0]["id"]
    control(client, first, "open_scoring")
    control(client, first, "close_scoring")
    missing = control(client, first, "reopen_scoring", reason="  ")
    assert missing.status_code == 400 and "Say why scoring reopens" in missing.text
    assert run(PitchSlot.select(PitchSlot.scoring).where(PitchSlot.id == first).first())["scoring"] == "locked"
    assert control(client, first, "reopen_scoring", reason="Wrong slot <closed>").status_code == 302
    assert run(PitchSlot.select(PitchSlot.scoring).where(PitchSlot.id == first).first())["scoring"] == "open"
    event = run(AuditEvent.select(AuditEvent.data).output(load_json=True).where(
        AuditEvent.action == "live.scoring_reopened").first())
    assert event["data"] == {"reason": "Wrong slot <closed>"}
    page = client.get(f"{base()}/control", headers=EN)
    assert "Wrong slot &lt;closed&gt;" in page.text and "Wrong slot <closed>" not in page.text
    kinds = [e["kind"] for e in run(LiveEvent.select(LiveEvent.kind).order_by(LiveEvent.id))]
    assert kinds[-3:] == ["scoring.opened", "scoring.closed", "scoring.reopened"]


def test_only_the_rounds_jurors_and_organisers_reach_the_live_final(client, settings):
    data = seed(client)
    first = set_up(client, data)[0]["id"]
    control(client, first, "start")
    control(client, first, "open_scoring")
    factories.account("other@jury.example", role="juror", edition_slug=None, locale="en")
    factories.as_person(client, "other@jury.example")
    assert client.get(f"/jury/live/{data['round']}", headers=EN).status_code in (403, 404)
    factories.account("x@jury.example", role="juror", locale="en")  # a juror of the edition set up after the order
    factories.as_person(client, "x@jury.example")
    assert client.get(f"/jury/live/{data['round']}", headers=EN).status_code == 404
    token = csrf_token(client, "/jury")
    refused = client.post(f"/jury/live/{data['round']}/score", json={"client_id": "z", "slot": first,
                                                                     "criterion": "IMP", "value": 5},
                          headers={"x-csrftoken": token, **EN})
    assert refused.status_code == 404
    assert client.get(base(), headers=EN).status_code in (403, 404)
    factories.as_person(client, "alfa@applicant.example")
    assert client.get(f"/jury/live/{data['round']}", headers=EN).status_code == 403
    assert client.get(base(), headers=EN).status_code == 403
    assert client.get(f"{base()}/control", headers=EN).status_code == 403
    assert run(LiveScoreReceipt.count()) == 0
    factories.as_person(client, "olga@foundation.example")
    assert client.get(f"/organise/{SLUG}/rounds/R1/live", headers=EN).status_code == 404  # not a final pitch


def test_a_blind_round_names_no_finalist_on_the_phone(client, settings):
    data = seed(client)
    factories.set_round(data["round"], blind=True)
    first = set_up(client, data)[0]["id"]
    control(client, first, "start")
    factories.as_person(client, "j1@jury.example")
    phone = client.get(f"/jury/live/{data['round']}", headers=EN)
    assert phone.status_code == 200 and "Finalist 1" in phone.text
    assert "Alfa" not in phone.text and "Progetto" not in phone.text


def test_the_final_scored_live_combines_with_the_online_jury_in_the_leaderboard(client, settings):
    data = seed(client, finalists=("Alfa", "Beta"))
    online = data["edition"].rounds["R1"]
    for name, total in (("Alfa", 5), ("Beta", 3)):
        for juror in data["jurors"]:
            assignment = factories.assignment(online, data["ids"][name], juror)
            factories.review(assignment, dict.fromkeys(("IMP", "INN", "SOS", "TEA", "RET"), total), total=total)
    rows = set_up(client, data)
    for slot, value in zip(rows, (4, 9), strict=True):
        control(client, slot["id"], "start")
        control(client, slot["id"], "open_scoring")
        for email in ("j1@jury.example", "j2@jury.example"):
            factories.as_person(client, email)
            for code in CRITERIA:
                assert tap(client, data["round"], client_id=f"{slot['id']}-{code}", slot=slot["id"], criterion=code,
                           value=value).json()["outcome"] == "applied"
        factories.as_person(client, "olga@foundation.example")
        control(client, slot["id"], "close_scoring")
        control(client, slot["id"], "end")
    page = client.get(f"/organise/{SLUG}/rounds/R3/results", headers=EN)
    assert page.status_code == 200
    section = page.text.split('id="combined"', 1)[1].split("</section>", 1)[0]
    assert "30% Online jury + 70% Final pitch" in section
    names = re.findall(r'<th scope="row">(\w+) APS</th>', section)
    assert names == ["Beta", "Alfa"]  # Beta's final outweighs Alfa's online lead
    verbale = client.get(f"/organise/{SLUG}/exports/verbale.pdf?round=R3&lang=en")
    assert verbale.status_code == 200 and verbale.headers["content-type"].startswith("application/pdf")
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(verbale.content)).pages)
    assert "Final pitch" in text and "Alfa APS" in text and "Beta APS" in text

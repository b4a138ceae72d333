"""Lifecycle events over HTTP on both engines: each action queues its webhook deliveries and tells plugins.

A real plugin, enabled for the edition, records what `giuria_lifecycle_event` tells it; a second one,
not enabled, must hear nothing. A partner subscribed to every event gets one delivery per event.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import pytest

from core import plugins
from core.editions import access
from core.editions.plugins import set_plugin_enabled
from core.hookspecs import hookimpl
from core.messaging import events, mail, webhooks
from core.people import accounts
from core.platform import db
from core.platform.tables import (
    Account,
    Application,
    Award,
    MentorMatch,
    MilestoneSubmission,
    Organisation,
    OutgoingMail,
    Review,
    WebhookDelivery,
)
from core.plugin_api import LifecycleEvent
from tests.conftest import csrf_token, run, sign_in
from tests.integration.mentoring_setup import make_edition
from tests.integration.test_applicant import DECLARATIONS, PASSWORD, SLUG, applicant, fill, open_call
from tests.integration.test_jury import FULL, as_juror, clear_conflict, make_panel, score
from tests.integration.test_organise_awards import seed as seed_awards
from tests.integration.test_results_console import as_organiser, close_scoring, make_call, stage_with_changes
from tests.integration.test_webhooks import Receiver, genuine

BANK = "Banca di Comunità (demo)"
EN = {"accept-language": "en"}


class Recorder:
    """A plugin that keeps every event it is told of."""

    def __init__(self) -> None:
        self.told: list[LifecycleEvent] = []

    @hookimpl
    def giuria_lifecycle_event(self, event: LifecycleEvent) -> None:
        self.told.append(event)


@dataclass
class Listeners:
    enabled: Recorder
    bystander: Recorder


@pytest.fixture
def listeners() -> Listeners:
    return Listeners(enabled=Recorder(), bystander=Recorder())


@pytest.fixture
def app(settings, listeners, monkeypatch):
    """The app with two outside plugins loaded; the process's previous registry comes back after the test."""
    from web.app import create_app

    monkeypatch.setattr(plugins, "_active", plugins._active)
    registry = plugins.load_registry(settings, entry_points=False)
    registry.register(listeners.enabled, name="recorder", origin="test")
    registry.register(listeners.bystander, name="bystander", origin="test")
    return create_app(settings, registry=registry)


def listen(organiser_email: str, *, url: str = "http://127.0.0.1:9/giuria", chosen: list[str] | None = None) -> str:
    """As the edition's organiser: enable the recorder and subscribe the bank to `chosen` (all) events."""
    account = run(Account.select(Account.id).where(Account.email == organiser_email).first())["id"]
    organiser = run(accounts.load_session_user(account, 0))
    run(set_plugin_enabled(actor=organiser, edition_slug=SLUG, plugin="recorder", enabled=True))
    bank = run(Organisation.select(Organisation.id).where(Organisation.name == BANK).first())["id"]
    _subscription, secret = run(webhooks.add_subscription(
        actor=organiser, edition_slug=SLUG, organisation_id=bank, url=url, events=chosen or [], production=False))
    return secret


def delivered(name: str) -> list[dict]:
    """The bodies queued for partners for event `name`, without the moment (checked apart)."""
    bodies = []
    for row in run(WebhookDelivery.select(WebhookDelivery.body).where(WebhookDelivery.event == name).order_by(
            WebhookDelivery.id)):
        body = json.loads(row["body"])
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+\+00:00", body.pop("occurred_at")), body
        bodies.append(body)
    return bodies


def body(name: str, subject_type: str, subject_id: int, data: dict) -> dict:
    return {"version": 1, "event": name, "edition": SLUG, "subject": {"type": subject_type, "id": str(subject_id)},
            "data": data}


def told(listeners: Listeners, name: str) -> list[tuple[str, str, str, dict]]:
    assert listeners.bystander.told == []  # not enabled for the edition: told nothing
    return [(e.edition, e.subject_type, e.subject_id, dict(e.data)) for e in listeners.enabled.told if e.name == name]


def organiser_for(email: str, *, locale: str = "en") -> str:
    account = run(accounts.create_account(email=email, password=PASSWORD, verified=True, locale=locale))
    run(access.grant_role(account_id=account, role="organiser", edition_slug=SLUG))
    return email


# -- applications ------------------------------------------------------------------------------------


def submit_over_http(client, email: str, *, tax_code: str) -> int:
    user = applicant(email)
    client.cookies.clear()
    sign_in(client, email, PASSWORD)
    token = csrf_token(client, f"/c/{SLUG}/apply")
    location = client.post(f"/c/{SLUG}/apply", data={"track": "AGR", "_csrf_token": token},
                           follow_redirects=False).headers["location"]
    application_id = int(location.rsplit("/", 1)[1])
    fill(user, application_id, tax_code=tax_code)
    submitted = client.post(f"{location}/submit", data={"_csrf_token": csrf_token(client, location),
                                                        "declaration": list(DECLARATIONS)}, follow_redirects=False)
    assert submitted.status_code in (302, 303)
    return application_id


def test_application_events_from_submission_to_admissibility(client, listeners):
    open_call()
    organiser = organiser_for("olga@organisers.example")
    listen(organiser)

    anna = submit_over_http(client, "anna@example.org", tax_code="97000000011")
    bruno = submit_over_http(client, "bruno@example.org", tax_code="97000000022")
    carla = submit_over_http(client, "carla@example.org", tax_code="97000000033")
    submitted = {"status": "submitted", "track": "AGR"}
    assert delivered("application.submitted") == [body("application.submitted", "application", a, submitted)
                                                  for a in (anna, bruno, carla)]
    assert told(listeners, "application.submitted") == [(SLUG, "application", str(a), submitted)
                                                        for a in (anna, bruno, carla)]
    # The receipt is the mail submission causes: one per application, as before.
    assert run(OutgoingMail.count().where(OutgoingMail.kind == "receipt")) == 3

    location = f"/applications/{carla}"
    withdrawn = client.post(f"{location}/withdraw",
                            data={"_csrf_token": csrf_token(client, location), "confirm": "yes"},
                            follow_redirects=False)
    assert withdrawn.status_code in (302, 303)
    assert delivered("application.withdrawn") == [
        body("application.withdrawn", "application", carla, {"status": "withdrawn"})]
    assert told(listeners, "application.withdrawn") == [(SLUG, "application", str(carla), {"status": "withdrawn"})]

    client.cookies.clear()
    sign_in(client, organiser, PASSWORD)
    token = csrf_token(client, f"/organise/{SLUG}/admissibility")
    for application_id, outcome, reason in ((anna, "admissible", ""),
                                            (bruno, "not_admissible", "Costituita da più di cinque anni")):
        marked = client.post(f"/organise/{SLUG}/admissibility/mark", follow_redirects=False, data={
            "_csrf_token": token, "ids": [application_id], "outcome": outcome, "reason": reason})
        assert marked.status_code == 302
    assert delivered("application.admissible") == [
        body("application.admissible", "application", anna, {"status": "admissible", "round": "R0"})]
    assert delivered("application.inadmissible") == [
        body("application.inadmissible", "application", bruno, {"status": "not_admissible", "round": "R0"})]
    assert told(listeners, "application.inadmissible") == [
        (SLUG, "application", str(bruno), {"status": "not_admissible", "round": "R0"})]
    # The reason is for the applicant's notice, which the organiser sends later: not in the event, no mail yet.
    assert "cinque" not in json.dumps(delivered("application.inadmissible"))
    assert run(OutgoingMail.count().where(OutgoingMail.kind == "not_admissible")) == 0
    # Marking the same outcome again changes nothing and emits nothing.
    client.post(f"/organise/{SLUG}/admissibility/mark", data={
        "_csrf_token": token, "ids": [anna], "outcome": "admissible", "reason": ""})
    assert len(delivered("application.admissible")) == 1


# -- judging -----------------------------------------------------------------------------------------


def test_a_submitted_review_is_an_event_once_without_the_juror_or_the_scores(client, settings, listeners):
    panel = make_panel(settings)
    listen(organiser_for("olga@organisers.example"))
    assignment = panel.assignments[("anna", panel.entry)]
    as_juror(client, "anna")
    clear_conflict(client, assignment)
    assert score(client, assignment, {"IMP": "4"}).status_code == 302  # a draft is no event
    assert delivered("review.submitted") == []
    assert score(client, assignment, FULL, action="submit",
                           original={"IMP": "4"}).status_code == 302
    review = run(Review.select(Review.id).first())["id"]
    expected = {"round": "R1", "application": panel.entry}
    assert delivered("review.submitted") == [body("review.submitted", "review", review, expected)]
    assert told(listeners, "review.submitted") == [(SLUG, "review", str(review), expected)]
    # A change after submission is no second submission.
    assert score(client, assignment, {"RET": "3"}, action="submit",
                           original={"RET": "5"}).status_code == 302
    assert len(delivered("review.submitted")) == 1
    sent = run(WebhookDelivery.select(WebhookDelivery.body).first())["body"]
    for private in ("anna", "Cooperativa Segreta", "3.55", '"IMP"'):
        assert private not in sent


def test_a_partner_receives_a_submitted_review_on_its_server_signed(client, settings, listeners):
    receiver = Receiver()
    try:
        panel = make_panel(settings)
        secret = listen(organiser_for("olga@organisers.example"), url=receiver.url, chosen=["review.submitted"])
        assignment = panel.assignments[("bruno", panel.entry)]
        as_juror(client, "bruno")
        clear_conflict(client, assignment)
        assert score(client, assignment, FULL, action="submit").status_code == 302

        assert run(webhooks.deliver_webhooks()) == webhooks.WebhookReport(delivered=1)
    finally:
        receiver.close()
    [post] = receiver.posts
    assert genuine(secret, post["headers"], post["body"])
    assert post["headers"]["X-Giuria-Event"] == "review.submitted"
    review = run(Review.select(Review.id).first())["id"]
    payload = json.loads(post["body"])
    assert payload["subject"] == {"type": "review", "id": str(review)}
    assert payload["data"] == {"round": "R1", "application": panel.entry}
    assert run(WebhookDelivery.select(WebhookDelivery.status).first())["status"] == "delivered"


# -- results -----------------------------------------------------------------------------------------


def test_published_decisions_are_one_event_with_one_notice_per_applicant(client, listeners):
    call = make_call(advancement={"top_n": 3})
    listen("olga@foundation.example")
    as_organiser(client)
    _promoted, _dropped, path = stage_with_changes(client, call)
    assert delivered("decisions.published") == []
    close_scoring(client)
    published = client.post(f"{path}/publish", data={"_csrf_token": csrf_token(client, path)},
                            follow_redirects=False)
    assert published.status_code == 302
    data = {"round": "R1", "decisions": len(call.entries)}
    assert delivered("decisions.published") == [body("decisions.published", "round", call.round_id, data)]
    assert told(listeners, "decisions.published") == [(SLUG, "round", str(call.round_id), data)]
    # The notices go with the event, once each.
    notices = run(OutgoingMail.select(OutgoingMail.to_address).where(OutgoingMail.kind.like("decision.%")))
    assert sorted(n["to_address"] for n in notices) == sorted(
        f"applicant{i}@entity.example" for i in range(len(call.entries)))


def test_each_confirmed_award_is_an_event(client, listeners):
    seed_awards(client)
    listen("olga@foundation.example")
    page = client.get(f"/organise/{SLUG}/awards", headers=EN)
    choices = re.findall(r'name="(choice\.\d+)">.*?<option value="([A-Z-]+:\d+)" selected>', page.text, re.S)
    assert choices
    done = client.post(f"/organise/{SLUG}/awards/confirm", follow_redirects=False,
                       data={"_csrf_token": csrf_token(client, f"/organise/{SLUG}/awards"), **dict(choices)})
    assert done.status_code == 302
    awards = run(Award.select(Award.id, Award.prize.code, Award.application).order_by(Award.id))
    assert len(awards) == len(choices)
    expected = [body("award.confirmed", "award", a["id"], {"prize": a["prize.code"], "application": a["application"]})
                for a in awards]
    assert sorted(delivered("award.confirmed"), key=lambda b: int(b["subject"]["id"])) == expected
    assert sorted(told(listeners, "award.confirmed"), key=lambda t: int(t[2])) == [
        (SLUG, "award", str(a["id"]), {"prize": a["prize.code"], "application": a["application"]}) for a in awards]


# -- mentoring ---------------------------------------------------------------------------------------

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def test_mentoring_events_match_milestone_and_indicator(client, listeners):
    setup = make_edition()
    listen("olga@org.example")
    client.cookies.clear()
    sign_in(client, "olga@org.example", PASSWORD)
    token = csrf_token(client, f"/organise/{SLUG}/mentoring")
    assert client.post(f"/organise/{SLUG}/mentoring/propose", data={"_csrf_token": token},
                       follow_redirects=False).status_code == 302
    assert delivered("mentor_match.confirmed") == []  # a proposal is no event
    assert client.post(f"/organise/{SLUG}/mentoring/confirm", data={"_csrf_token": token, "scope": "all"},
                       follow_redirects=False).status_code == 302
    matches = run(MentorMatch.select(MentorMatch.id, MentorMatch.application).order_by(MentorMatch.id))
    expected = [body("mentor_match.confirmed", "mentor_match", m["id"], {"application": m["application"]})
                for m in matches]
    assert delivered("mentor_match.confirmed") == expected and len(expected) == 3
    assert len(told(listeners, "mentor_match.confirmed")) == 3
    assert "incubator.example" not in json.dumps(delivered("mentor_match.confirmed"))

    beta = setup.finalists["beta"]
    client.cookies.clear()
    sign_in(client, "beta@startup.example", PASSWORD)
    token = csrf_token(client, f"/mentoring/path/{beta}")
    assert client.post(f"/mentoring/path/{beta}/milestones/M1", follow_redirects=False,
                       data={"_csrf_token": token, "note": "First draft"},
                       files={"file": ("Business plan.pdf", PDF, "application/pdf")}).status_code == 302
    assert run(MilestoneSubmission.count()) == 1
    assert delivered("milestone.delivered") == [
        body("milestone.delivered", "application", beta, {"milestone": "M1"})]
    assert told(listeners, "milestone.delivered") == [(SLUG, "application", str(beta), {"milestone": "M1"})]

    reported = client.post(f"/mentoring/path/{beta}/kpis/report", follow_redirects=False, data={
        "_csrf_token": token, "kpi": "beneficiaries_reached", "period_end": "2026-06-30", "value": "120"})
    assert reported.status_code == 302
    data = {"kpi": "beneficiaries_reached", "period_end": "2026-06-30"}
    assert delivered("kpi.reported") == [body("kpi.reported", "application", beta, data)]
    assert told(listeners, "kpi.reported") == [(SLUG, "application", str(beta), data)]
    # A refused report stores nothing and emits nothing.
    client.post(f"/mentoring/path/{beta}/kpis/report", data={
        "_csrf_token": token, "kpi": "beneficiaries_reached", "period_end": "2026-06-30", "value": "many"})
    assert len(delivered("kpi.reported")) == 1


# -- emit itself -------------------------------------------------------------------------------------


def test_an_event_whose_transaction_rolls_back_leaves_no_delivery_no_mail_and_tells_no_one(client, listeners):
    open_call()
    listen(organiser_for("olga@organisers.example"))
    edition = run(Application.raw("SELECT id FROM edition WHERE slug = {}", SLUG))[0]["id"]
    notice = mail.MailRequest(to="anna@example.org", template="account/verify", language="en",
                              context={"name": "Anna", "link": "http://127.0.0.1:8000/verify"})

    async def emit_then_fail() -> None:
        async with db.write_transaction():
            await events.emit("award.confirmed", edition_id=edition, subject_type="award", subject_id=1,
                              data={"prize": "P-1"}, mails=[notice])
            assert await WebhookDelivery.count() == 1  # queued inside the transaction...
            raise RuntimeError("a later step failed")

    with pytest.raises(RuntimeError):
        run(emit_then_fail())
    assert run(WebhookDelivery.count()) == 0  # ...and gone with it
    assert run(OutgoingMail.count()) == 0
    assert listeners.enabled.told == []

    async def emit_and_commit() -> None:
        async with db.write_transaction():
            await events.emit("award.confirmed", edition_id=edition, subject_type="award", subject_id=1,
                              data={"prize": "P-1"}, mails=[notice])
            assert listeners.enabled.told == []  # told only once it has committed

    run(emit_and_commit())
    assert run(WebhookDelivery.count()) == 1 and run(OutgoingMail.count()) == 1
    assert [e.name for e in listeners.enabled.told] == ["award.confirmed"]


def test_only_known_event_names_can_be_emitted(settings):
    open_call()
    edition = run(Application.raw("SELECT id FROM edition WHERE slug = {}", SLUG))[0]["id"]
    with pytest.raises(events.UnknownEvent):
        run(events.emit("round.started", edition_id=edition, subject_type="round", subject_id=1))


def test_after_commit_waits_for_the_outermost_transaction_and_never_runs_after_a_rollback(settings):
    calls: list[str] = []

    async def scenario() -> None:
        async with db.write_transaction():
            async with db.write_transaction():
                db.after_commit(lambda: calls.append("nested"))
            assert calls == []
        assert calls == ["nested"]
        with pytest.raises(LookupError):
            async with db.write_transaction():
                db.after_commit(lambda: calls.append("rolled back"))
                raise LookupError("a later step failed")
        db.after_commit(lambda: calls.append("outside"))

    run(scenario())
    assert calls == ["nested", "outside"]


def test_the_webhook_form_offers_every_event_by_its_label_in_italian(client):
    open_call()
    organiser_for("olga@organisers.example", locale="it")
    sign_in(client, "olga@organisers.example", PASSWORD)
    page = client.get(f"/organise/{SLUG}/sponsors")
    assert page.status_code == 200
    offered = re.findall(r'<input type="checkbox" name="events" value="([a-z_.]+)"', page.text)
    assert offered == list(events.EVENTS)
    for label in ("Una candidatura risulta non ammissibile", "Un giurato invia una valutazione",
                  "Le decisioni di una fase vengono pubblicate", "Una startup consegna una tappa del percorso"):
        assert label in page.text

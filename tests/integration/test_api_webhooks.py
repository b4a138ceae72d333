"""Webhooks in the Standard Webhooks format, verified by its reference library (`standardwebhooks`) on a real
receiver on loopback: an event caused through the API, a secret rotated with an overlap, a delivery replayed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from core.messaging import webhooks
from core.platform.tables import AuditEvent, WebhookDelivery, WebhookSubscription
from tests import factories
from tests.conftest import csrf_token, run
from tests.factories import EN, SLUG, account, application, as_person, example_edition, user
from tests.integration.test_api_tokens import bearer, token_for
from tests.integration.test_webhooks import receiver  # noqa: F401 (a fixture)

BANK = "Banca di Comunità (demo)"


def verified(secret: str, post: dict) -> dict:
    """What the partner's stock library makes of a post: the payload, or WebhookVerificationError."""
    headers = {name.lower(): value for name, value in post["headers"].items()}
    return Webhook(secret).verify(post["body"], headers)


def admit_through_the_api(client, edition, olga: int) -> int:
    entry = application(edition, owner=account(f"owner{datetime.now(UTC).timestamp()}@coop.example"),
                        status="submitted")
    answer = client.post(f"/api/v1/editions/{SLUG}/admissibility", headers=bearer(token_for(olga, scope="write")),
                         json={"application_ids": [entry], "outcome": "admissible"})
    assert answer.status_code == 200, answer.text
    return entry


def test_deliveries_verify_with_the_reference_library_through_a_rotation_and_a_replay(client, receiver):  # noqa: F811
    edition = example_edition()
    olga = account("olga@foundation.example", role="organiser", locale="en")
    _id, secret = run(webhooks.add_subscription(
        actor=user(olga), edition_slug=SLUG, organisation_id=edition.organisations[BANK], url=receiver.url,
        events=["application.admissible"], production=False))
    assert secret.startswith("whsec_")

    entry = admit_through_the_api(client, edition, olga)
    assert run(webhooks.deliver_webhooks(production=False)) == webhooks.WebhookReport(delivered=1)
    [first] = receiver.posts
    payload = verified(secret, first)
    assert payload["event"] == "application.admissible" and payload["subject"]["id"] == str(entry)
    assert first["headers"]["webhook-signature"].startswith("v1,")
    with pytest.raises(WebhookVerificationError):
        verified(webhooks.new_secret(), first)
    with pytest.raises(WebhookVerificationError):
        verified(secret, {**first, "body": first["body"] + b" "})

    # The organiser rotates the secret on the webhook page: shown once, and the old one still verifies a while.
    as_person(client, "olga@foundation.example")
    page = f"/organise/{SLUG}/sponsors"
    subscription = run(WebhookSubscription.select(WebhookSubscription.id).first())["id"]
    rotated = client.post(f"{page}/webhooks/{subscription}/rotate", headers=EN,
                          data={"_csrf_token": csrf_token(client, page)})
    assert rotated.status_code == 200 and "for the next 24 hours" in rotated.text
    new = run(WebhookSubscription.select(WebhookSubscription.secret).first())["secret"]
    assert new != secret and f"<code>{new}</code>" in rotated.text and new not in client.get(page).text
    admit_through_the_api(client, edition, olga)
    run(webhooks.deliver_webhooks(production=False))
    during = receiver.posts[1]
    assert len(during["headers"]["webhook-signature"].split(" ")) == 2
    assert verified(new, during) == verified(secret, during)
    # Once the overlap is over, only the new secret signs.
    factories.set_webhook_subscriptions(previous_secret_until=datetime.now(UTC) - timedelta(1))
    admit_through_the_api(client, edition, olga)
    run(webhooks.deliver_webhooks(production=False))
    after = receiver.posts[2]
    verified(new, after)
    with pytest.raises(WebhookVerificationError):
        verified(secret, after)

    # The delivery log replays a delivery as it was: same id, same body, signed afresh.
    log = client.get(page, headers=EN).text
    first_delivery = run(WebhookDelivery.select(WebhookDelivery.id).order_by(WebhookDelivery.id).first())["id"]
    assert f"/webhooks/deliveries/{first_delivery}/replay" in log
    replayed = client.post(f"{page}/webhooks/deliveries/{first_delivery}/replay", follow_redirects=False,
                           data={"_csrf_token": csrf_token(client, page)})
    assert replayed.status_code == 302
    assert run(webhooks.deliver_webhooks(production=False)) == webhooks.WebhookReport(delivered=1)
    again = receiver.posts[3]
    assert again["headers"]["webhook-id"] == first["headers"]["webhook-id"] and again["body"] == first["body"]
    assert verified(new, again) == payload
    assert run(AuditEvent.count().where(AuditEvent.action.is_in(["webhook.secret_rotated", "webhook.replayed"]))) == 2


def test_another_editions_organiser_can_neither_rotate_nor_replay(client, receiver):  # noqa: F811
    edition = example_edition()
    olga = account("olga@foundation.example", role="organiser")
    run(webhooks.add_subscription(actor=user(olga), edition_slug=SLUG, organisation_id=edition.organisations[BANK],
                                  url=receiver.url, events=[], production=False))
    subscription = run(WebhookSubscription.select(WebhookSubscription.id, WebhookSubscription.secret).first())
    eve = user(account("eve2@elsewhere.example"))
    with pytest.raises(webhooks.WebhookNotFound):
        run(webhooks.rotate_secret(actor=eve, edition_slug=SLUG, subscription_id=subscription["id"]))
    with pytest.raises(webhooks.WebhookNotFound):
        run(webhooks.replay_delivery(actor=user(olga), edition_slug=SLUG, delivery_id=999))
    assert run(WebhookSubscription.select(WebhookSubscription.secret).first())["secret"] == subscription["secret"]


def test_opening_closing_and_reopening_a_round_reach_partners_without_the_reason(client, receiver):  # noqa: F811
    from core.judging import rounds

    edition = example_edition()
    olga = user(account("olga@foundation.example", role="organiser"))
    _id, secret = run(webhooks.add_subscription(
        actor=olga, edition_slug=SLUG, organisation_id=edition.organisations[BANK], url=receiver.url,
        events=["round.opened", "round.closed", "round.reopened"], production=False))
    for number in range(2):
        application(edition, owner=account(f"owner{number}@coop.example"), status="admissible")
    assert run(rounds.move_entries_in(actor=olga, edition_slug=SLUG, round_code="R1")) == 2
    run(rounds.close_scoring(actor=olga, edition_slug=SLUG, round_code="R1"))
    run(rounds.reopen_scoring(actor=olga, edition_slug=SLUG, round_code="R1", reason="Un giurato ha sbagliato."))
    assert run(webhooks.deliver_webhooks(production=False)) == webhooks.WebhookReport(delivered=3)
    opened, closed, reopened = (verified(secret, post) for post in receiver.posts)
    assert (opened["event"], opened["subject"], opened["data"]) == (
        "round.opened", {"type": "round", "id": str(edition.rounds["R1"])}, {"round": "R1", "entries": 2})
    assert (closed["event"], closed["subject"], closed["data"]) == (
        "round.closed", {"type": "round", "id": str(edition.rounds["R1"])}, {"round": "R1"})
    assert reopened["event"] == "round.reopened" and reopened["data"] == {"round": "R1", "decisions": 0}
    assert b"sbagliato" not in receiver.posts[2]["body"]


def test_every_event_core_emits_has_a_webhook_body_and_a_label():
    """A name added to EVENTS but not to the webhooks plugin would be queued for no one: none is left out."""
    from core.messaging.events import EVENTS
    from core.plugin_api import LifecycleEvent
    from plugins.notifiers.webhooks import SENT_EVENTS, giuria_webhook_payload

    assert set(EVENTS) == SENT_EVENTS
    for name in EVENTS:
        event = LifecycleEvent(name=name, edition=SLUG, at=datetime.now(UTC), subject_type="round", subject_id="1",
                               data={"round": "R1", "entries": 2, "reason": "secret"})
        body = giuria_webhook_payload(event)
        assert body["event"] == name and body["data"] == {"round": "R1", "entries": 2}, name

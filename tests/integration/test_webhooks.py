"""Webhooks on both engines, posted to a real HTTP receiver on loopback: signature, retries, one sender per row."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from core.applications import submission
from core.editions import access
from core.messaging import webhooks
from core.people import accounts
from core.platform.tables import AuditEvent, Organisation, WebhookDelivery, WebhookSubscription
from tests import factories
from tests.conftest import csrf_token, run, sign_in
from tests.integration.test_applicant import DECLARATIONS, PASSWORD, SLUG, applicant, fill, open_call
from tests.integration.test_cli import giuria  # noqa: F401 (a fixture)

BANK = "Banca di Comunità (demo)"
SECRET_ON_PAGE = re.compile(r"<code>([A-Za-z0-9_+/=\-]{40,})</code>")


class Receiver:
    """A tiny HTTP server on loopback that records each post and answers with the next planned status."""

    def __init__(self) -> None:
        self.posts: list[dict] = []
        self.statuses: list[int] = []
        self.delay = 0.0
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                time.sleep(receiver.delay)
                with receiver.lock:
                    receiver.posts.append({"headers": dict(self.headers), "body": body, "path": self.path})
                    status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/giuria/events"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.close()


def organiser(email: str = "olga@organisers.example"):
    account = run(accounts.create_account(email=email, password=PASSWORD, verified=True, locale="en"))
    run(access.grant_role(account_id=account, role="organiser", edition_slug=SLUG))
    return run(accounts.load_session_user(account, 0))


def bank() -> int:
    return run(Organisation.select(Organisation.id).where(Organisation.name == BANK).first())["id"]


def subscribe(url: str, events: list[str] | None = None) -> tuple[int, str]:
    return run(webhooks.add_subscription(actor=organiser(), edition_slug=SLUG, organisation_id=bank(), url=url,
                                         events=events or [], production=False))


def submit(email: str = "anna@example.org", *, now: datetime | None = None) -> int:
    user = applicant(email)
    application_id = run(submission.start_application(user=user, edition_slug=SLUG, track_code="SPW"))
    fill(user, application_id, tax_code=f"97{application_id:07d}11")  # one entity applies once
    run(submission.submit_application(user=user, application_id=application_id, declarations=DECLARATIONS,
                                        consents=set(), now=now))
    return application_id


def genuine(secret: str, headers: dict, body: bytes) -> bool:
    """The receiver's check, written from the documentation rather than from core.messaging.webhooks.sign."""
    expected = hmac.new(secret.encode(), headers["X-Giuria-Timestamp"].encode() + b"." + body,
                        hashlib.sha256).hexdigest()
    return hmac.compare_digest("sha256=" + expected, headers["X-Giuria-Signature"])


def test_a_submitted_application_is_posted_signed_and_without_personal_data(settings, receiver):
    open_call()
    _subscription, secret = subscribe(receiver.url, ["application.submitted"])
    application_id = submit()

    report = run(webhooks.deliver_webhooks())

    assert report == webhooks.WebhookReport(delivered=1)
    [post] = receiver.posts
    headers, body = post["headers"], post["body"]
    assert post["path"] == "/giuria/events"
    assert genuine(secret, headers, body)
    assert not genuine(secret, headers, body + b" ")
    assert not genuine("another-secret", headers, body)
    assert headers["X-Giuria-Event"] == "application.submitted"
    delivery = run(WebhookDelivery.select().first())
    assert headers["X-Giuria-Delivery"] == str(delivery["id"])
    assert abs(int(headers["X-Giuria-Timestamp"]) - time.time()) < 60
    payload = json.loads(body)
    assert payload["event"] == "application.submitted"
    assert payload["edition"] == SLUG
    assert payload["subject"] == {"type": "application", "id": str(application_id)}
    assert payload["data"] == {"status": "submitted", "track": "SPW"}
    for private in ("anna@", "Orti Aperti", "Anna Russo", "97123450011"):
        assert private not in body.decode()
    assert (delivery["status"], delivery["attempts"], delivery["last_status_code"]) == ("delivered", 1, 200)
    # Nothing left to send: a second pass posts nothing.
    assert run(webhooks.deliver_webhooks()) == webhooks.WebhookReport()
    assert len(receiver.posts) == 1


def test_events_not_chosen_and_inactive_subscriptions_get_nothing(settings, receiver):
    open_call()
    subscribe(receiver.url, ["application.withdrawn"])
    submit()
    assert run(WebhookDelivery.count()) == 0
    factories.set_webhook_subscriptions(events=[])
    factories.set_webhook_subscriptions(active=False)
    submit("bruno@example.org")
    assert run(WebhookDelivery.count()) == 0


def test_a_failing_receiver_is_retried_with_backoff_then_delivered(settings, receiver):
    open_call()
    _subscription, secret = subscribe(receiver.url)
    start = datetime.now(UTC)
    submit(now=start)
    receiver.statuses = [500, 503]

    first = run(webhooks.deliver_webhooks(now=start))
    assert first == webhooks.WebhookReport(retried=1)
    row = run(WebhookDelivery.select().first())
    assert (row["status"], row["attempts"], row["last_status_code"], row["last_error"]) == (
        "queued", 1, 500, "HTTP 500")
    assert row["next_attempt_at"] == start + timedelta(minutes=1)
    # Not due yet: a pass half a minute later leaves it alone.
    assert run(webhooks.deliver_webhooks(now=start + timedelta(seconds=30))) == webhooks.WebhookReport()
    assert len(receiver.posts) == 1

    assert run(webhooks.deliver_webhooks(now=start + timedelta(minutes=1))) == webhooks.WebhookReport(retried=1)
    row = run(WebhookDelivery.select().first())
    assert row["next_attempt_at"] == start + timedelta(minutes=1 + 5)

    later = start + timedelta(minutes=6)
    assert run(webhooks.deliver_webhooks(now=later)) == webhooks.WebhookReport(delivered=1)
    row = run(WebhookDelivery.select().first())
    assert (row["status"], row["attempts"], row["last_status_code"], row["last_error"]) == ("delivered", 3, 200, "")
    assert len(receiver.posts) == 3
    # Every attempt carries the same delivery id and body, each signed for its own timestamp.
    assert {p["headers"]["X-Giuria-Delivery"] for p in receiver.posts} == {str(row["id"])}
    assert {p["body"] for p in receiver.posts} == {row["body"].encode()}
    assert all(genuine(secret, p["headers"], p["body"]) for p in receiver.posts)
    assert receiver.posts[-1]["headers"]["X-Giuria-Timestamp"] == str(int(later.timestamp()))


def test_a_receiver_that_never_answers_well_is_given_up_after_the_last_attempt(settings, receiver):
    open_call()
    subscribe(receiver.url)
    moment = datetime.now(UTC)
    submit(now=moment)
    receiver.statuses = [410] * webhooks.MAX_ATTEMPTS
    for _attempt in range(webhooks.MAX_ATTEMPTS):
        run(webhooks.deliver_webhooks(now=moment))
        moment += webhooks.MAX_RETRY_SECONDS * timedelta(seconds=1)
    row = run(WebhookDelivery.select().first())
    assert (row["status"], row["attempts"]) == ("failed", webhooks.MAX_ATTEMPTS)
    assert run(webhooks.deliver_webhooks(now=moment + timedelta(days=1))) == webhooks.WebhookReport()
    assert len(receiver.posts) == webhooks.MAX_ATTEMPTS


def test_two_workers_passing_at_once_post_each_delivery_once(settings, receiver):
    open_call()
    subscribe(receiver.url)
    for i in range(6):
        submit(f"applicant{i}@example.org")
    receiver.delay = 0.05
    reports = []

    def worker() -> None:
        reports.append(run(webhooks.deliver_webhooks()))

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    ids = [p["headers"]["X-Giuria-Delivery"] for p in receiver.posts]
    assert len(ids) == 6
    assert len(set(ids)) == 6
    assert sum(r.delivered for r in reports) == 6
    assert run(WebhookDelivery.count().where(WebhookDelivery.status == "delivered")) == 6


def test_production_urls_must_be_https_and_public(settings):
    with pytest.raises(webhooks.WebhookRefused) as refused:
        webhooks.check_url("http://partner.example/hook", production=True)
    assert refused.value.field == "url"
    with pytest.raises(webhooks.WebhookRefused):
        webhooks.check_url("https://127.0.0.1/hook", production=True)
    with pytest.raises(webhooks.WebhookRefused):
        webhooks.check_url("ftp://partner.example/hook", production=False)
    assert webhooks.check_url(" https://partner.example/hook ", production=True) == "https://partner.example/hook"
    assert webhooks.check_url("http://127.0.0.1:9/hook", production=False) == "http://127.0.0.1:9/hook"


def test_the_organiser_adds_and_deactivates_a_webhook_on_the_sponsors_page(client, receiver):
    open_call()
    organiser()
    assert sign_in(client, "olga@organisers.example", PASSWORD).status_code in (302, 303)
    page = f"/organise/{SLUG}/sponsors"
    token = csrf_token(client, page)

    refused = client.post(f"{page}/webhooks", data={"_csrf_token": token, "organisation": str(bank()),
                                                    "url": "not a url", "events": ["application.submitted"]})
    assert refused.status_code == 400
    assert 'id="webhook-url-error"' in refused.text
    assert 'value="not a url"' in refused.text
    assert 'value="application.submitted" checked' in refused.text

    no_csrf = client.post(f"{page}/webhooks", data={"organisation": str(bank()), "url": receiver.url})
    assert no_csrf.status_code == 403
    assert run(WebhookSubscription.count()) == 0

    added = client.post(f"{page}/webhooks", data={"_csrf_token": token, "organisation": str(bank()),
                                                  "url": receiver.url, "events": ["application.submitted"]})
    assert added.status_code == 200
    [secret] = SECRET_ON_PAGE.findall(added.text)
    row = run(WebhookSubscription.select().output(load_json=True).first())
    assert (row["secret"], row["url"], row["events"]) == (secret, receiver.url, ["application.submitted"])
    # The secret is shown once: the page opened again does not carry it.
    assert secret not in client.get(page).text
    assert run(AuditEvent.count().where(AuditEvent.action == "webhook.subscribed")) == 1

    submit()
    run(webhooks.deliver_webhooks())
    assert genuine(secret, receiver.posts[0]["headers"], receiver.posts[0]["body"])
    shown = client.get(page).text
    assert receiver.url in shown
    assert "application.submitted" in shown and "delivered" in shown

    off = client.post(f"{page}/webhooks/{row['id']}/deactivate", data={"_csrf_token": token},
                      follow_redirects=False)
    assert off.status_code in (302, 303)
    assert run(WebhookSubscription.select(WebhookSubscription.active).first())["active"] is False
    assert run(AuditEvent.count().where(AuditEvent.action == "webhook.deactivated")) == 1
    submit("bruno@example.org")
    assert run(WebhookDelivery.count()) == 1


def test_a_non_organiser_cannot_manage_webhooks(client, receiver):
    open_call()
    subscription, _secret = subscribe(receiver.url)
    other = run(accounts.create_account(email="sponsor@bank.example", password=PASSWORD, verified=True))
    run(access.grant_role(account_id=other, role="sponsor", edition_slug=SLUG, organisation_id=bank()))
    assert sign_in(client, "sponsor@bank.example", PASSWORD).status_code in (302, 303)
    token = csrf_token(client, "/me")
    page = f"/organise/{SLUG}/sponsors"
    assert client.get(page).status_code in (403, 404)
    added = client.post(f"{page}/webhooks", data={"_csrf_token": token, "organisation": str(bank()),
                                                  "url": "http://127.0.0.1:9/x"})
    assert added.status_code in (403, 404)
    off = client.post(f"{page}/webhooks/{subscription}/deactivate", data={"_csrf_token": token})
    assert off.status_code in (403, 404)
    assert run(WebhookSubscription.count().where(WebhookSubscription.active.eq(True))) == 1
    # The service itself refuses too, whoever calls it.
    sponsor = run(accounts.load_session_user(other, 0))
    with pytest.raises(webhooks.WebhookNotFound):
        run(webhooks.deactivate_subscription(actor=sponsor, edition_slug=SLUG, subscription_id=subscription))
    with pytest.raises(webhooks.WebhookNotFound):
        run(webhooks.webhooks_overview(actor=sponsor, edition_slug=SLUG))


def test_the_cron_command_runs_one_pass(giuria, receiver):  # noqa: F811 (the imported fixture)
    open_call()
    _subscription, secret = subscribe(receiver.url)
    submit()
    result = giuria("webhooks", "send")
    assert result.exit_code == 0, result.output
    assert "Delivered 1, retrying 0, failed 0." in result.output
    assert genuine(secret, receiver.posts[0]["headers"], receiver.posts[0]["body"])

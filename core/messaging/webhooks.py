"""Webhooks: an edition's lifecycle events posted to partner organisations' URLs, signed, retried with backoff.

`core.messaging.events.emit` queues one delivery per matching active subscription in the transaction
that caused the event (the body shaped by the `giuria_webhook_payload` hook). Deliveries are a
`core.messaging.queue.Outbox`, like mail: a pass claims due deliveries under a lease, posts outside any
transaction and records the outcome only if it still holds the lease, so one worker sends each row.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import ipaddress
import logging
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import httpx

from core.editions.access import EditionNotFound, edition_for_organiser
from core.messaging import queue
from core.messaging.events import EVENTS
from core.platform import audit, db
from core.platform.db import json_value
from core.platform.errors import NotFound, Refused
from core.platform.i18n import gettext as _
from core.platform.identity import SessionUser
from core.platform.settings import Settings
from core.platform.tables import EditionPartner, WebhookDelivery, WebhookSubscription

log = logging.getLogger("giuria.webhooks")

QUEUED, DELIVERED, FAILED, CANCELLED = queue.QUEUED, "delivered", queue.FAILED, "cancelled"
MAX_ATTEMPTS = 8
FIRST_RETRY_SECONDS = 60
RETRY_FACTOR = 5  # 1, 5, 25 minutes, about 2 hours, then every 6 hours
MAX_RETRY_SECONDS = 6 * 3600
TIMEOUT_SECONDS = 10.0
LEASE = timedelta(minutes=5)
PASS_LIMIT = 50
MAX_URL_LENGTH = 500
SIGNATURE_HEADER = "X-Giuria-Signature"

DELIVERIES = queue.Outbox.of(
    WebhookDelivery, lease=LEASE, max_attempts=MAX_ATTEMPTS, log=log, label="webhook delivery",
    backoff=queue.Backoff(first_seconds=FIRST_RETRY_SECONDS, factor=RETRY_FACTOR, max_seconds=MAX_RETRY_SECONDS))


class WebhookNotFound(NotFound):
    """No such subscription in an edition the actor organises (the two look the same)."""


class WebhookRefused(Refused):
    """A subscription that cannot be saved; `field` names the form field the message belongs beside."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The value of X-Giuria-Signature: HMAC-SHA256 of "timestamp.body" with the subscription's secret."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def retry_delay(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failed attempt: growing fast, so a long outage costs few tries."""
    return DELIVERIES.backoff.delay(attempts)


# -- delivering --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WebhookReport:
    delivered: int = 0
    retried: int = 0
    failed: int = 0

    @property
    def attempted(self) -> int:
        return self.delivered + self.retried + self.failed


CLAIMED_COLUMNS = (
    WebhookDelivery.id, WebhookDelivery.event, WebhookDelivery.body, WebhookDelivery.attempts,
    WebhookDelivery.subscription.url, WebhookDelivery.subscription.secret, WebhookDelivery.subscription.active,
)


async def _post(client: httpx.AsyncClient, row: dict, now: datetime) -> tuple[int | None, str]:
    """One attempt: the status code (None when there was no answer) and an error ("" on success)."""
    body = row["body"].encode()
    timestamp = str(int(now.timestamp()))
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Giuria-Webhooks/1",
        "X-Giuria-Event": row["event"],
        "X-Giuria-Delivery": str(row["id"]),
        "X-Giuria-Timestamp": timestamp,
        SIGNATURE_HEADER: sign(row["subscription.secret"], timestamp, body),
    }
    try:
        response = await client.post(row["subscription.url"], content=body, headers=headers)
    except httpx.HTTPError as error:
        return None, f"{type(error).__name__}: {error}"[:500] or type(error).__name__
    if 200 <= response.status_code < 300:
        return response.status_code, ""
    return response.status_code, f"HTTP {response.status_code}"


async def deliver_webhooks(*, limit: int = PASS_LIMIT, now: datetime | None = None,
                           transport: httpx.AsyncBaseTransport | None = None) -> WebhookReport:
    """One pass: post what is due, schedule a retry with backoff for what fails, give up after MAX_ATTEMPTS."""
    now = now or datetime.now(UTC)
    claimed = await DELIVERIES.claim(limit=limit, now=now, columns=CLAIMED_COLUMNS)
    delivered = retried = failed = 0
    if not claimed:
        return WebhookReport()
    async with httpx.AsyncClient(timeout=TIMEOUT_SECONDS, follow_redirects=False, transport=transport) as client:
        for row in claimed:
            if not row["subscription.active"]:
                await DELIVERIES.settle(row, {WebhookDelivery.status: CANCELLED,
                                              WebhookDelivery.last_error: "subscription deactivated"})
                continue
            code, error = await _post(client, row, now)
            if not error:
                delivered += await DELIVERIES.settle(row, {
                    WebhookDelivery.status: DELIVERED, WebhookDelivery.delivered_at: now,
                    WebhookDelivery.last_status_code: code, WebhookDelivery.last_error: ""})
                continue
            outcome = await DELIVERIES.retry_or_give_up(row, error=error, now=now, what=row["event"],
                                                        values={WebhookDelivery.last_status_code: code})
            failed += outcome == FAILED
            retried += outcome == queue.RETRIED
    return WebhookReport(delivered=delivered, retried=retried, failed=failed)


async def run_sender(*, stop: asyncio.Event, interval_seconds: float) -> None:
    """Deliver due webhooks every few seconds until `stop` is set; a failed pass is logged, never fatal."""

    async def one_pass() -> bool:
        return (await deliver_webhooks()).attempted >= PASS_LIMIT

    await queue.run_loop(one_pass, stop=stop, interval=interval_seconds, log=log, name="webhook sender")


# -- the organiser's side ----------------------------------------------------------------------------


@dataclass(frozen=True)
class SubscriptionLine:
    id: int
    organisation_id: int
    organisation_name: str
    url: str
    events: tuple[str, ...]
    active: bool
    created_at: datetime


@dataclass(frozen=True)
class DeliveryLine:
    id: int
    organisation_name: str
    url: str
    event: str
    status: str
    attempts: int
    last_status_code: int | None
    last_error: str
    created_at: datetime
    next_attempt_at: datetime
    delivered_at: datetime | None


@dataclass(frozen=True)
class WebhooksOverview:
    subscriptions: list[SubscriptionLine]
    deliveries: list[DeliveryLine]
    events: dict[str, str]


async def _organised_edition_id(actor: SessionUser, edition_slug: str) -> int:
    try:
        return (await edition_for_organiser(actor=actor, edition_slug=edition_slug)).id
    except EditionNotFound:
        raise WebhookNotFound(edition_slug) from None


async def webhooks_overview(*, actor: SessionUser, edition_slug: str, deliveries: int = 20) -> WebhooksOverview:
    """The edition's subscriptions by partner, and its latest deliveries, for its organisers."""
    edition_id = await _organised_edition_id(actor, edition_slug)
    subscriptions = await WebhookSubscription.select(
        WebhookSubscription.id, WebhookSubscription.organisation, WebhookSubscription.organisation.name,
        WebhookSubscription.url, WebhookSubscription.events, WebhookSubscription.active,
        WebhookSubscription.created_at,
    ).where(WebhookSubscription.edition == edition_id).order_by(WebhookSubscription.organisation.name).order_by(
        WebhookSubscription.id)
    recent = await WebhookDelivery.select(
        WebhookDelivery.id, WebhookDelivery.subscription.organisation.name, WebhookDelivery.subscription.url,
        WebhookDelivery.event, WebhookDelivery.status, WebhookDelivery.attempts, WebhookDelivery.last_status_code,
        WebhookDelivery.last_error, WebhookDelivery.created_at, WebhookDelivery.next_attempt_at,
        WebhookDelivery.delivered_at,
    ).where(WebhookDelivery.subscription.edition == edition_id).order_by(
        WebhookDelivery.id, ascending=False).limit(deliveries)
    return WebhooksOverview(
        subscriptions=[SubscriptionLine(
            id=s["id"], organisation_id=s["organisation"], organisation_name=s["organisation.name"], url=s["url"],
            events=tuple(json_value(s["events"]) or ()), active=s["active"], created_at=s["created_at"])
            for s in subscriptions],
        deliveries=[DeliveryLine(
            id=d["id"], organisation_name=d["subscription.organisation.name"], url=d["subscription.url"],
            event=d["event"], status=d["status"], attempts=d["attempts"], last_status_code=d["last_status_code"],
            last_error=d["last_error"], created_at=d["created_at"], next_attempt_at=d["next_attempt_at"],
            delivered_at=d["delivered_at"]) for d in recent],
        events=EVENTS)


def check_url(url: str, *, production: bool) -> str:
    """A URL a webhook may post to: https in production (and not to a private address), http allowed otherwise."""
    url = url.strip()
    if not url:
        raise WebhookRefused("url", _("Enter the URL that receives the events."))
    if len(url) > MAX_URL_LENGTH:
        raise WebhookRefused("url", _("The URL is too long."))
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
    except ValueError:
        raise WebhookRefused("url", _("Enter a full URL such as https://example.org/giuria-events.")) from None
    if parts.scheme not in ("http", "https") or not host or parts.username or parts.password:
        raise WebhookRefused("url", _("Enter a full URL such as https://example.org/giuria-events."))
    if production:
        if parts.scheme != "https":
            raise WebhookRefused("url", _("The URL must start with https://."))
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            address = None
        if host == "localhost" or (address is not None and not address.is_global):
            raise WebhookRefused("url", _("The URL must point to a public server."))
    return url


async def add_subscription(*, actor: SessionUser, edition_slug: str, organisation_id: int, url: str,
                           events: list[str], production: bool) -> tuple[int, str]:
    """Subscribe a partner organisation of the edition; returns the id and the secret, shown to the organiser once."""
    edition_id = await _organised_edition_id(actor, edition_slug)
    partner = await EditionPartner.select(EditionPartner.id).where(
        EditionPartner.edition == edition_id, EditionPartner.organisation == organisation_id).first()
    if partner is None:
        raise WebhookRefused("organisation", _("Choose a partner organisation of this edition."))
    url = check_url(url, production=production)
    unknown = [e for e in events if e not in EVENTS]
    if unknown:
        raise WebhookRefused("events", _("Choose events from the list."))
    chosen = [e for e in EVENTS if e in events]
    secret = secrets.token_urlsafe(32)
    async with db.write_transaction():
        rows = await WebhookSubscription.insert(WebhookSubscription(
            edition=edition_id, organisation=organisation_id, url=url, secret=secret, events=chosen, active=True,
            created_by=actor.id))
        subscription_id = rows[0]["id"]
        await audit.record("webhook.subscribed", actor_id=actor.id, edition_id=edition_id,
                           subject_type="webhook_subscription", subject_id=subscription_id,
                           data={"organisation": organisation_id, "url": url, "events": chosen})
    return subscription_id, secret


async def deactivate_subscription(*, actor: SessionUser, edition_slug: str, subscription_id: int) -> None:
    """Stop a subscription: nothing more is queued for it, and what waits for it is cancelled."""
    edition_id = await _organised_edition_id(actor, edition_slug)
    async with db.write_transaction():
        row = await WebhookSubscription.select(WebhookSubscription.id, WebhookSubscription.active).where(
            WebhookSubscription.id == subscription_id, WebhookSubscription.edition == edition_id).first()
        if row is None:
            raise WebhookNotFound(subscription_id)
        if not row["active"]:
            return
        await WebhookSubscription.update({WebhookSubscription.active: False}).where(
            WebhookSubscription.id == subscription_id)
        await WebhookDelivery.update({WebhookDelivery.status: CANCELLED,
                                      WebhookDelivery.last_error: "subscription deactivated"}).where(
            WebhookDelivery.subscription == subscription_id, WebhookDelivery.status == QUEUED)
        await audit.record("webhook.deactivated", actor_id=actor.id, edition_id=edition_id,
                           subject_type="webhook_subscription", subject_id=subscription_id)


def settings_interval(settings: Settings) -> float:
    """The webhook pass runs as often as the mail sender; 0 leaves it to `giuria webhooks send` (cron)."""
    return settings.mail_interval_seconds

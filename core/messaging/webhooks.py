"""Webhooks: an edition's lifecycle events posted to partner organisations' URLs, signed, retried with backoff.

`core.messaging.events.emit` queues one delivery per matching active subscription in the transaction
that caused the event (the body shaped by the `giuria_webhook_payload` hook). Deliveries are a
`core.messaging.queue.Outbox`, like mail: a pass claims due deliveries under a lease, posts outside any
transaction and records the outcome only if it still holds the lease, so one worker sends each row.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import ipaddress
import logging
import re
import secrets
import socket
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import httpx

from core.editions.access import EditionNotFound, edition_for_organiser
from core.messaging import queue
from core.messaging.events import EVENTS
from core.platform import audit, db
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

    def __init__(self, field: str, message: str, detail: str = "") -> None:
        super().__init__(message)
        self.field = field
        self.detail = detail or "not an allowed URL"  # in English, for the delivery log


class NameNotResolved(WebhookRefused):
    """The URL's server name has no address (yet)."""


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The value of X-Giuria-Signature: HMAC-SHA256 of "timestamp.body" with the subscription's secret."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


STANDARD_PREFIX = "whsec_"
# After a rotation, deliveries carry a signature with the old secret too, for this long by default.
ROTATION_OVERLAP = timedelta(hours=24)


def new_secret() -> str:
    """A signing secret in the Standard Webhooks form (`whsec_` and base64), which stock libraries take as is."""
    return STANDARD_PREFIX + base64.b64encode(secrets.token_bytes(30)).decode()


def _standard_key(secret: str) -> bytes:
    """The HMAC key: a `whsec_` secret's decoded bytes; an older plain secret's own bytes (a partner passes it to a
    library as `whsec_` + its base64)."""
    if secret.startswith(STANDARD_PREFIX):
        return base64.b64decode(secret.removeprefix(STANDARD_PREFIX))
    return secret.encode()


def standard_signature(secrets_in_use: list[str], message_id: str, timestamp: str, body: bytes) -> str:
    """The webhook-signature header: "v1,<base64 HMAC-SHA256 of id.timestamp.body>" for each live secret,
    space-separated (two during a rotation's overlap, so the partner may switch secrets at any time in it)."""
    signed = message_id.encode() + b"." + timestamp.encode() + b"." + body
    return " ".join("v1," + base64.b64encode(hmac.new(_standard_key(secret), signed, hashlib.sha256).digest()).decode()
                    for secret in secrets_in_use)


def _secrets_in_use(row: dict, now: datetime) -> list[str]:
    until = row["subscription.previous_secret_until"]
    previous = row["subscription.previous_secret"]
    return [row["subscription.secret"], *([previous] if previous and until is not None and until > now else [])]


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
    WebhookDelivery.subscription.previous_secret, WebhookDelivery.subscription.previous_secret_until,
)


async def _post(client: httpx.AsyncClient, row: dict, now: datetime, *, production: bool) -> tuple[int | None, str]:
    """One attempt: the status code (None when there was no answer) and an error ("" on success).

    The address is checked at every attempt and the post goes to that very address, never to a fresh lookup.
    """
    try:
        target = await resolve_target(row["subscription.url"], production=production)
    except WebhookRefused as refused:
        return None, f"refused: {refused.detail}"[:500]
    body = row["body"].encode()
    timestamp = str(int(now.timestamp()))
    # The Standard Webhooks id stays the same on every retry and replay, so partners can drop duplicates.
    message_id = f"msg_giuria_{row['id']}"
    headers = {
        "webhook-id": message_id,
        "webhook-timestamp": timestamp,
        "webhook-signature": standard_signature(_secrets_in_use(row, now), message_id, timestamp, body),
        "Content-Type": "application/json",
        "User-Agent": "Giuria-Webhooks/1",
        "X-Giuria-Event": row["event"],
        "X-Giuria-Delivery": str(row["id"]),
        "X-Giuria-Timestamp": timestamp,
        SIGNATURE_HEADER: sign(row["subscription.secret"], timestamp, body),
        "Host": target.host_header,
    }
    extensions = {"sni_hostname": target.server_name} if target.server_name else {}
    try:
        response = await client.post(target.url, content=body, headers=headers, extensions=extensions)
    except httpx.HTTPError as error:
        return None, f"{type(error).__name__}: {error}"[:500] or type(error).__name__
    if 200 <= response.status_code < 300:
        return response.status_code, ""
    return response.status_code, f"HTTP {response.status_code}"


async def deliver_webhooks(*, limit: int = PASS_LIMIT, now: datetime | None = None,
                           transport: httpx.AsyncBaseTransport | None = None,
                           production: bool | None = None) -> WebhookReport:
    """One pass: post what is due, schedule a retry with backoff for what fails, give up after MAX_ATTEMPTS.

    Addresses are checked as `production` says, by default as the configured settings' environment does.
    """
    now = now or datetime.now(UTC)
    if production is None:
        production = db.configured_settings().is_production
    claimed = await DELIVERIES.claim(limit=limit, now=now, columns=CLAIMED_COLUMNS)
    delivered = retried = failed = 0
    if not claimed:
        return WebhookReport()
    # No proxy from the environment either: a proxy would resolve the name again, after the check.
    async with httpx.AsyncClient(timeout=TIMEOUT_SECONDS, follow_redirects=False, transport=transport,
                                 trust_env=False) as client:
        for row in claimed:
            if not row["subscription.active"]:
                await DELIVERIES.settle(row, {WebhookDelivery.status: CANCELLED,
                                              WebhookDelivery.last_error: "subscription deactivated"})
                continue
            code, error = await _post(client, row, now, production=production)
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
    ).output(load_json=True).where(WebhookSubscription.edition == edition_id).order_by(
            WebhookSubscription.organisation.name).order_by(
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
            events=tuple(s["events"] or ()), active=s["active"], created_at=s["created_at"])
            for s in subscriptions],
        deliveries=[DeliveryLine(
            id=d["id"], organisation_name=d["subscription.organisation.name"], url=d["subscription.url"],
            event=d["event"], status=d["status"], attempts=d["attempts"], last_status_code=d["last_status_code"],
            last_error=d["last_error"], created_at=d["created_at"], next_attempt_at=d["next_attempt_at"],
            delivered_at=d["delivered_at"]) for d in recent],
        events=EVENTS)


IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
NAT64 = ipaddress.ip_network("64:ff9b::/96")


def _literal_address(host: str) -> IPAddress | None:
    """The address a host names by itself, in any notation a resolver accepts: 127.1, 2130706433, 0x7f000001…"""
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    if not re.fullmatch(r"[0-9a-fA-FxX.]+", host):
        return None
    try:
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except OSError:
        return None


def _embedded(address: IPAddress) -> list[IPAddress]:
    """The address itself and every IPv4 address it carries (mapped, 6to4, Teredo, NAT64)."""
    found: list[IPAddress] = [address]
    if isinstance(address, ipaddress.IPv6Address):
        found += [a for a in (address.ipv4_mapped, address.sixtofour) if a is not None]
        if address.teredo is not None:
            found += list(address.teredo)
        if address in NAT64:
            found.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    return found


def address_allowed(address: IPAddress, *, production: bool) -> bool:
    """Production posts only to public addresses; elsewhere a receiver on loopback or a private network may be
    tested, but link-local (cloud metadata at 169.254.169.254), multicast and unspecified addresses never."""
    for candidate in _embedded(address):
        if candidate.is_link_local or candidate.is_multicast or candidate.is_unspecified or candidate.is_reserved:
            return False
        if production and not candidate.is_global:
            return False
    return True


def _refused_address(address: IPAddress) -> WebhookRefused:
    return WebhookRefused("url", _("The URL must point to a public server (it leads to {address}).").format(
        address=str(address)), detail=f"{address} is not a public address")


def check_url(url: str, *, production: bool) -> str:
    """A URL a webhook may post to: https in production, and never to an address `address_allowed` refuses.

    A name is resolved again at every delivery (see `resolve_target`): what it pointed to when the subscription
    was saved proves nothing about later.
    """
    url = url.strip()
    if not url:
        raise WebhookRefused("url", _("Enter the URL that receives the events."))
    if len(url) > MAX_URL_LENGTH:
        raise WebhookRefused("url", _("The URL is too long."))
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        parts.port  # noqa: B018 - raises ValueError when the port is not a number in range
    except ValueError:
        raise WebhookRefused("url", _("Enter a full URL such as https://example.org/giuria-events.")) from None
    if parts.scheme not in ("http", "https") or not host or parts.username or parts.password:
        raise WebhookRefused("url", _("Enter a full URL such as https://example.org/giuria-events."))
    if production and parts.scheme != "https":
        raise WebhookRefused("url", _("The URL must start with https://."))
    address = _literal_address(host)
    if address is not None and not address_allowed(address, production=production):
        raise _refused_address(address)
    if production and (host == "localhost" or host.endswith((".localhost", ".local", ".internal"))):
        raise WebhookRefused("url", _("The URL must point to a public server."), detail=f"{host} is not public")
    return url


@dataclass(frozen=True)
class Target:
    """Where one post goes: the checked address to connect to, and the name the server knows itself by."""

    url: str  # the URL with its host replaced by the checked address
    host_header: str
    server_name: str | None  # for TLS (SNI and the certificate check); None when the URL named an address


async def resolve_target(url: str, *, production: bool) -> Target:
    """Resolve the URL's host once, refuse it unless every address is allowed, and pin the post to one of them.

    Connecting to the very address that was checked (not resolving again) is what defeats DNS rebinding.
    """
    check_url(url, production=production)
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    literal = _literal_address(host)
    if literal is not None:
        addresses = [literal]
    else:
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError) as error:
            raise NameNotResolved("url", _("The server name does not resolve."),
                                  detail=f"{host} does not resolve") from error
        addresses = [ipaddress.ip_address(info[4][0].split("%", 1)[0]) for info in infos]
        if not addresses:
            raise NameNotResolved("url", _("The server name does not resolve."), detail=f"{host} does not resolve")
    for address in addresses:
        if not address_allowed(address, production=production):
            raise _refused_address(address)
    pinned = httpx.URL(url).copy_with(host=str(addresses[0]))
    default_port = parts.port is None
    host_header = host if default_port else f"{host}:{parts.port}"
    if ":" in host and not default_port:
        host_header = f"[{host}]:{parts.port}"
    elif ":" in host:
        host_header = f"[{host}]"
    return Target(url=str(pinned), host_header=host_header,
                  server_name=host if literal is None and parts.scheme == "https" else None)


async def add_subscription(*, actor: SessionUser, edition_slug: str, organisation_id: int, url: str,
                           events: list[str], production: bool) -> tuple[int, str]:
    """Subscribe a partner organisation of the edition; returns the id and the secret, shown to the organiser once."""
    edition_id = await _organised_edition_id(actor, edition_slug)
    partner = await EditionPartner.select(EditionPartner.id).where(
        EditionPartner.edition == edition_id, EditionPartner.organisation == organisation_id).first()
    if partner is None:
        raise WebhookRefused("organisation", _("Choose a partner organisation of this edition."))
    url = check_url(url, production=production)
    try:
        await resolve_target(url, production=production)
    except NameNotResolved:
        pass  # a name that does not resolve yet may be set up later; each delivery checks it again
    unknown = [e for e in events if e not in EVENTS]
    if unknown:
        raise WebhookRefused("events", _("Choose events from the list."))
    chosen = [e for e in EVENTS if e in events]
    secret = new_secret()
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


async def rotate_secret(*, actor: SessionUser, edition_slug: str, subscription_id: int,
                        overlap: timedelta = ROTATION_OVERLAP, now: datetime | None = None) -> str:
    """A new signing secret for the subscription, returned to be shown once; deliveries are signed with the old
    one too until `overlap` has passed, so the partner can switch without losing an event."""
    edition_id = await _organised_edition_id(actor, edition_slug)
    now = now or datetime.now(UTC)
    secret = new_secret()
    async with db.write_transaction():
        row = await WebhookSubscription.select(WebhookSubscription.secret).where(
            WebhookSubscription.id == subscription_id, WebhookSubscription.edition == edition_id,
            WebhookSubscription.active.eq(True)).first()
        if row is None:
            raise WebhookNotFound(subscription_id)
        await WebhookSubscription.update({
            WebhookSubscription.secret: secret, WebhookSubscription.previous_secret: row["secret"],
            WebhookSubscription.previous_secret_until: now + overlap,
        }).where(WebhookSubscription.id == subscription_id)
        await audit.record("webhook.secret_rotated", actor_id=actor.id, edition_id=edition_id,
                           subject_type="webhook_subscription", subject_id=subscription_id,
                           data={"overlap_hours": overlap.total_seconds() / 3600})
    return secret


async def replay_delivery(*, actor: SessionUser, edition_slug: str, delivery_id: int,
                          now: datetime | None = None) -> None:
    """Send a delivery again, as it was (same id and body, signed afresh): the partner lost or mishandled it."""
    edition_id = await _organised_edition_id(actor, edition_slug)
    now = now or datetime.now(UTC)
    async with db.write_transaction():
        row = await WebhookDelivery.select(WebhookDelivery.id, WebhookDelivery.status).where(
            WebhookDelivery.id == delivery_id, WebhookDelivery.subscription.edition == edition_id,
            WebhookDelivery.subscription.active.eq(True)).first()
        if row is None:
            raise WebhookNotFound(delivery_id)
        await WebhookDelivery.update({
            WebhookDelivery.status: QUEUED, WebhookDelivery.attempts: 0, WebhookDelivery.next_attempt_at: now,
            WebhookDelivery.last_error: "",
        }).where(WebhookDelivery.id == delivery_id)
        await audit.record("webhook.replayed", actor_id=actor.id, edition_id=edition_id,
                           subject_type="webhook_delivery", subject_id=delivery_id, data={"was": row["status"]})


def settings_interval(settings: Settings) -> float:
    """The webhook pass runs as often as the mail sender; 0 leaves it to `giuria webhooks send` (cron)."""
    return settings.mail_interval_seconds

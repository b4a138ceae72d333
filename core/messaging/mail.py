"""The outbox: mail is queued in the database with the change that causes it, and a sender delivers it with retries.

Every worker may run a sender. The outbox is a `core.messaging.queue.Outbox`: a pass claims due mail
(its next attempt pushed into the future as a lease), sends outside any transaction, then records the
outcome. A mail is therefore sent by one worker at a time, and a worker that dies mid-pass only delays
its mail until the lease ends.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from core.messaging import queue
from core.messaging.render import MailOverride, absolute_url, mail_language, render_mail
from core.messaging.smtp import (
    DeliveryError,
    MailFile,
    MailToSend,
    SmtpServer,
    SmtpSession,
    build_message,
    check_address,
    write_eml,
)
from core.platform.errors import NotFound
from core.platform.settings import Settings
from core.platform.tables import MailAttachment, MailTemplateOverride, OutgoingMail

if TYPE_CHECKING:  # accounts will queue mail (verification, reset): a run-time import would be circular
    from core.platform.identity import SessionUser

__all__ = [
    "DeliveryReport", "MailFile", "MailNotFound", "MailRequest", "OutboxEntry", "OutboxMail", "absolute_url",
    "deliver_due", "enqueue_mail", "get_outbox_mail", "list_outbox", "run_sender",
]

log = logging.getLogger("giuria.mail")

QUEUED, SENT, FAILED = queue.QUEUED, "sent", queue.FAILED
MAX_ATTEMPTS = 8
FIRST_RETRY_SECONDS = 60
RETRY_FACTOR = 5  # 1, 5, 25 minutes, then about 2 hours, then every 4 hours: about 14 hours in all
MAX_RETRY_SECONDS = 4 * 3600
LEASE = timedelta(minutes=10)
PASS_LIMIT = 50

OUTBOX = queue.Outbox.of(
    OutgoingMail, lease=LEASE, max_attempts=MAX_ATTEMPTS, log=log, label="mail",
    backoff=queue.Backoff(first_seconds=FIRST_RETRY_SECONDS, factor=RETRY_FACTOR, max_seconds=MAX_RETRY_SECONDS))


class MailNotFound(NotFound):
    """No such mail in the outbox, or not for this user to see (the two look the same)."""


@dataclass(frozen=True)
class DeliveryReport:
    """The outcome of one pass: `waiting` counts due mail left queued because nothing can deliver it."""

    sent: int = 0
    retried: int = 0
    failed: int = 0
    waiting: int = 0

    @property
    def attempted(self) -> int:
        return self.sent + self.retried + self.failed


@dataclass(frozen=True)
class OutboxEntry:
    id: int
    to_address: str
    subject: str
    kind: str
    language: str
    status: str
    attempts: int
    created_at: datetime
    next_attempt_at: datetime
    sent_at: datetime | None


@dataclass(frozen=True)
class OutboxMail(OutboxEntry):
    body_text: str
    body_html: str
    last_error: str


# -- Queueing ----------------------------------------------------------------------------------

_senders = queue.Wakers()


@dataclass(frozen=True)
class MailRequest:
    """A mail a change causes, described for `enqueue_mail` (see `core.messaging.events.emit`)."""

    to: str
    template: str
    language: str
    context: dict
    kind: str = ""
    edition_slug: str | None = None
    attachments: tuple[MailFile, ...] = field(default_factory=tuple)


async def mail_override(*, edition_slug: str, template: str, language: str) -> MailOverride | None:
    """The edition's own wording of `template` in `language`, if its organisers wrote one."""
    row = await MailTemplateOverride.select(
        MailTemplateOverride.subject, MailTemplateOverride.body_text, MailTemplateOverride.body_html,
    ).where(MailTemplateOverride.edition.slug == edition_slug, MailTemplateOverride.template == template,
            MailTemplateOverride.language == mail_language(language)).first()
    return MailOverride(**row) if row else None


async def enqueue_mail(*, to: str, template: str, language: str, context: dict, kind: str = "",
                       edition_slug: str | None = None, attachments: tuple[MailFile, ...] = ()) -> int:
    """Queue a mail in the recipient's language; inside the caller's transaction, it exists only if that commits.

    A mail about an edition (`edition_slug`) uses the wording its organisers set for it, if any.
    Attachments are kept in the database beside the mail, so any worker's sender can deliver it.
    """
    address = check_address(to)
    override = await mail_override(edition_slug=edition_slug, template=template, language=language) \
        if edition_slug else None
    rendered = render_mail(template=template, language=language, context=context, override=override)
    rows = await OutgoingMail.insert(OutgoingMail(
        to_address=address, subject=rendered.subject, body_text=rendered.text, body_html=rendered.html,
        language=rendered.language, kind=kind or template, status=QUEUED, attempts=0,
        next_attempt_at=datetime.now(UTC),
    ))
    if attachments:
        await MailAttachment.insert(*(
            MailAttachment(mail=rows[0]["id"], filename=a.filename, content_type=a.content_type, content=a.content)
            for a in attachments))
    _senders.wake()
    return rows[0]["id"]


async def enqueue(request: MailRequest) -> int:
    """Queue the mail `request` describes; inside the caller's transaction, like `enqueue_mail`."""
    return await enqueue_mail(to=request.to, template=request.template, language=request.language,
                              context=request.context, kind=request.kind, edition_slug=request.edition_slug,
                              attachments=request.attachments)


# -- Delivering --------------------------------------------------------------------------------


def retry_delay(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failed attempt: growing fast, so a long outage costs few tries."""
    return OUTBOX.backoff.delay(attempts)


async def _claim(*, limit: int, now: datetime) -> list[dict]:
    """Take up to `limit` due mails for this pass, with their attachments."""
    rows = await OUTBOX.claim(limit=limit, now=now)
    if not rows:
        return []
    files = await MailAttachment.select(MailAttachment.mail, MailAttachment.filename, MailAttachment.content_type,
                                        MailAttachment.content).where(
        MailAttachment.mail.is_in([row["id"] for row in rows])).order_by(MailAttachment.id)
    for row in rows:
        row["attachments"] = tuple(MailFile(filename=f["filename"], content_type=f["content_type"],
                                            content=bytes(f["content"])) for f in files if f["mail"] == row["id"])
    return rows


def _to_send(row: dict) -> MailToSend:
    return MailToSend(id=row["id"], to_address=row["to_address"], subject=row["subject"],
                      body_text=row["body_text"], body_html=row["body_html"], language=row["language"],
                      kind=row["kind"], created_at=row["created_at"], attachments=row.get("attachments", ()))


async def deliver_due(*, settings: Settings, limit: int = PASS_LIMIT, now: datetime | None = None) -> DeliveryReport:
    """One pass over the outbox: send what is due, schedule a retry for what fails, give up after MAX_ATTEMPTS.

    Without GIURIA_SMTP_URL, development and test write each mail as an .eml file in the data directory
    and count that as delivery; production leaves the mail queued and says so in the log.
    """
    now = now or datetime.now(UTC)
    if settings.is_production and not settings.smtp_url:
        waiting = await OutgoingMail.count().where(OUTBOX.due(now))
        if waiting:
            log.warning("%d mails wait in the outbox: set GIURIA_SMTP_URL to send them", waiting)
        return DeliveryReport(waiting=waiting)
    session = SmtpSession(SmtpServer.from_url(settings.smtp_url), base_url=settings.base_url) \
        if settings.smtp_url else None
    eml_dir = None if settings.is_production else settings.outbox_dir
    claimed = await _claim(limit=limit, now=now)
    started = time.monotonic()
    sent = retried = failed = 0
    try:
        for position, row in enumerate(claimed):
            if time.monotonic() - started > LEASE.total_seconds() / 2:
                # A slow server: hand the rest back before the lease lets another pass take them too.
                await OUTBOX.release(claimed[position:], now=now)
                break
            error = await _attempt(row, settings=settings, session=session, eml_dir=eml_dir, now=now)
            if error is None:
                sent += await OUTBOX.settle(row, {OutgoingMail.status: SENT, OutgoingMail.sent_at: now,
                                                  OutgoingMail.last_error: ""})
                continue
            # The id and kind in the log, not the address: logs outlive the outbox.
            outcome = await OUTBOX.retry_or_give_up(row, error=str(error), now=now, what=row["kind"],
                                                    permanent=error.permanent)
            failed += outcome == FAILED
            retried += outcome == queue.RETRIED
    finally:
        if session is not None:
            await session.close()
    return DeliveryReport(sent=sent, retried=retried, failed=failed)


async def _attempt(row: dict, *, settings: Settings, session: SmtpSession | None, eml_dir: Path | None,
                   now: datetime) -> DeliveryError | None:
    """Try one mail; the failure, if any, as a value so the pass goes on with the next."""
    if row["attempts"] > MAX_ATTEMPTS:
        # Only a sender that died while holding it gets here: stop it from taking the next one down too.
        return DeliveryError(f"gave up after {MAX_ATTEMPTS} attempts", permanent=True)
    mail = _to_send(row)
    try:
        message = build_message(mail, mail_from=settings.mail_from, now=now)
        if session is not None:
            await session.send(message)
        if eml_dir is not None:
            try:
                await asyncio.to_thread(write_eml, eml_dir, mail, message)
            except OSError as error:
                if session is None:  # the file is the delivery
                    raise DeliveryError(f"cannot write the .eml file: {error}") from error
                log.warning("mail %s was sent, but its .eml copy could not be written: %s", mail.id, error)
    except DeliveryError as error:
        return error
    except Exception as error:  # bad data or a bug in one mail must not hold up the others
        log.exception("mail %s could not be prepared or sent", mail.id)
        return DeliveryError(f"{type(error).__name__}: {error}")
    return None


async def run_sender(*, settings: Settings, stop: asyncio.Event, interval_seconds: float | None = None) -> None:
    """Deliver due mail every few seconds, and soon after this process queues one, until `stop` is set.

    An error in a pass is logged and the loop goes on: a database or SMTP hiccup must not stop mail for good.
    """
    interval = interval_seconds if interval_seconds is not None else settings.mail_interval_seconds
    if settings.is_production and not settings.smtp_url:
        log.warning("GIURIA_SMTP_URL is not set: mail stays in the outbox until it is")
        return

    async def one_pass() -> bool:
        report = await deliver_due(settings=settings, limit=PASS_LIMIT)
        return report.attempted >= PASS_LIMIT  # a full pass: more may be due now

    await queue.run_loop(one_pass, stop=stop, interval=interval, log=log, name="mail sender", wakers=_senders)


# -- Reading the outbox (development) ----------------------------------------------------------

ENTRY_COLUMNS = (
    OutgoingMail.id, OutgoingMail.to_address, OutgoingMail.subject, OutgoingMail.kind, OutgoingMail.language,
    OutgoingMail.status, OutgoingMail.attempts, OutgoingMail.created_at, OutgoingMail.next_attempt_at,
    OutgoingMail.sent_at,
)


# Links that act for whoever holds them (choose a password, confirm an address, accept an invitation).
ACTING_LINK = re.compile(r"(/(?:password/reset|verify|invitations|me/email/confirm)/)[^\s\"'<>]+")
MASKED = "•••••"


def _require_reader(user: SessionUser | None) -> None:
    # Every mail of every edition is here: platform administrators only (and the page exists only in development).
    if user is None or not user.is_admin:
        raise MailNotFound()


def mask_acting_links(text: str) -> str:
    """The text with the token of every acting link hidden, for a reader who is not the recipient."""
    return ACTING_LINK.sub(lambda match: match.group(1) + MASKED, text)


async def list_outbox(*, user: SessionUser | None, limit: int = 200) -> list[OutboxEntry]:
    """The latest mails, newest first, for an administrator checking what the platform sends."""
    _require_reader(user)
    rows = await OutgoingMail.select(*ENTRY_COLUMNS).order_by(OutgoingMail.id, ascending=False).limit(limit)
    return [OutboxEntry(**row) for row in rows]


async def get_outbox_mail(*, user: SessionUser | None, mail_id: int) -> OutboxMail:
    """One mail with its text, for the same readers as the list; acting links are masked unless it is theirs."""
    _require_reader(user)
    row = await OutgoingMail.select(
        *ENTRY_COLUMNS, OutgoingMail.body_text, OutgoingMail.body_html, OutgoingMail.last_error,
    ).where(OutgoingMail.id == mail_id).first()
    if row is None:
        raise MailNotFound()
    if row["to_address"].strip().lower() != user.email:
        row["body_text"], row["body_html"] = mask_acting_links(row["body_text"]), mask_acting_links(row["body_html"])
    return OutboxMail(**row)

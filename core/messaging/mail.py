"""The outbox: mail is queued in the database with the change that causes it, and a sender delivers it with retries.

Every worker may run a sender. A pass claims due mail in a short transaction that pushes its next
attempt into the future as a lease (PostgreSQL skips rows another worker has locked; SQLite has
one writer), sends outside any transaction, then records the outcome. A mail is therefore sent by
one worker at a time, and a worker that dies mid-pass only delays its mail until the lease ends.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from piccolo.engine.postgres import PostgresEngine

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
from core.platform import db
from core.platform.errors import NotFound
from core.platform.settings import Settings
from core.platform.tables import MailAttachment, MailTemplateOverride, OutgoingMail

if TYPE_CHECKING:  # accounts will queue mail (verification, reset): a run-time import would be circular
    from core.platform.identity import SessionUser

__all__ = [
    "DeliveryReport", "MailFile", "MailNotFound", "OutboxEntry", "OutboxMail", "absolute_url", "deliver_due",
    "enqueue_mail", "get_outbox_mail", "list_outbox", "run_sender",
]

log = logging.getLogger("giuria.mail")

QUEUED, SENT, FAILED = "queued", "sent", "failed"
MAX_ATTEMPTS = 8
FIRST_RETRY_SECONDS = 60
RETRY_FACTOR = 5  # 1, 5, 25 minutes, then about 2 hours, then every 4 hours: about 14 hours in all
MAX_RETRY_SECONDS = 4 * 3600
LEASE = timedelta(minutes=10)
PASS_LIMIT = 50
# How long after a wake-up the sender waits, so the transaction that queued the mail has committed.
WAKE_DELAY_SECONDS = 0.3


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

_wakers: set[Callable[[], None]] = set()


def _wake_senders() -> None:
    """Nudge the senders running in this process; only a shortcut, the periodic pass finds the mail anyway."""
    for wake in list(_wakers):
        with suppress(RuntimeError):  # the sender's loop has just closed
            wake()


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
    _wake_senders()
    return rows[0]["id"]


# -- Delivering --------------------------------------------------------------------------------


def retry_delay(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failed attempt: growing fast, so a long outage costs few tries."""
    return timedelta(seconds=min(FIRST_RETRY_SECONDS * RETRY_FACTOR ** (attempts - 1), MAX_RETRY_SECONDS))


def _due(now: datetime):
    return (OutgoingMail.status == QUEUED) & (OutgoingMail.next_attempt_at <= now)


async def _claim(*, limit: int, now: datetime) -> list[dict]:
    """Take up to `limit` due mails for this pass, counting the attempt now so a crash still counts."""
    async with db.write_transaction():
        query = OutgoingMail.select(OutgoingMail.id).where(_due(now)).order_by(
            OutgoingMail.next_attempt_at, OutgoingMail.id).limit(limit)
        if isinstance(db.engine(), PostgresEngine):
            query = query.lock_rows("UPDATE", skip_locked=True)
        ids = [row["id"] for row in await query]
        if not ids:
            return []
        await OutgoingMail.update({
            OutgoingMail.next_attempt_at: now + LEASE,
            OutgoingMail.attempts: OutgoingMail.attempts + 1,
        }).where(OutgoingMail.id.is_in(ids))
        rows = await OutgoingMail.select().where(OutgoingMail.id.is_in(ids)).order_by(OutgoingMail.id)
    files = await MailAttachment.select(MailAttachment.mail, MailAttachment.filename, MailAttachment.content_type,
                                        MailAttachment.content).where(MailAttachment.mail.is_in(ids)).order_by(
        MailAttachment.id)
    for row in rows:
        row["attachments"] = tuple(MailFile(filename=f["filename"], content_type=f["content_type"],
                                            content=bytes(f["content"])) for f in files if f["mail"] == row["id"])
    return rows


async def _settle(row: dict, values: dict) -> bool:
    """Record an outcome unless the lease ran out and another pass took the mail over meanwhile."""
    updated = await OutgoingMail.update(values).where(
        OutgoingMail.id == row["id"], OutgoingMail.status == QUEUED, OutgoingMail.attempts == row["attempts"],
    ).returning(OutgoingMail.id)
    if not updated:
        log.warning("mail %s was taken over by another sender before its outcome was recorded", row["id"])
    return bool(updated)


async def _release(rows: list[dict], *, now: datetime) -> None:
    """Give back mails claimed but not tried, without counting an attempt."""
    for row in rows:
        await _settle(row, {OutgoingMail.next_attempt_at: now, OutgoingMail.attempts: row["attempts"] - 1})


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
        waiting = await OutgoingMail.count().where(_due(now))
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
                await _release(claimed[position:], now=now)
                break
            error = await _attempt(row, settings=settings, session=session, eml_dir=eml_dir, now=now)
            if error is None:
                sent += await _settle(row, {OutgoingMail.status: SENT, OutgoingMail.sent_at: now,
                                            OutgoingMail.last_error: ""})
                continue
            give_up = error.permanent or row["attempts"] >= MAX_ATTEMPTS
            # The id, not the address: logs outlive the outbox and should not collect people's addresses.
            log.warning("mail %s (%s), attempt %d: %s%s", row["id"], row["kind"], row["attempts"], error,
                        " (giving up)" if give_up else "")
            if give_up:
                failed += await _settle(row, {OutgoingMail.status: FAILED, OutgoingMail.last_error: str(error)})
            else:
                retried += await _settle(row, {OutgoingMail.next_attempt_at: now + retry_delay(row["attempts"]),
                                               OutgoingMail.last_error: str(error)})
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
    loop = asyncio.get_running_loop()
    wake = asyncio.Event()

    def wake_up() -> None:
        loop.call_soon_threadsafe(wake.set)

    _wakers.add(wake_up)
    try:
        while not stop.is_set():
            wake.clear()
            try:
                report = await deliver_due(settings=settings, limit=PASS_LIMIT)
            except Exception:
                log.exception("the mail sender's pass failed; trying again in %s seconds", interval)
            else:
                if report.attempted >= PASS_LIMIT:
                    continue  # a full pass: more may be due now
            if await _first_of(stop, wake, seconds=interval) is wake:
                await _first_of(stop, seconds=WAKE_DELAY_SECONDS)
    finally:
        _wakers.discard(wake_up)


async def _first_of(*events: asyncio.Event, seconds: float) -> asyncio.Event | None:
    """Wait until one of `events` is set (returned) or `seconds` pass (None)."""
    waits = {asyncio.ensure_future(event.wait()): event for event in events}
    try:
        done, _pending = await asyncio.wait(waits, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in waits:
            task.cancel()
    return next((waits[task] for task in done), None)


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

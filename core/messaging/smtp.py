"""Getting one mail out: the MIME message, the SMTP server named by GIURIA_SMTP_URL, the development .eml copy.

The outbox (core.messaging.mail) decides what to send and when to try again; this module only knows how.
"""

from __future__ import annotations

import ipaddress
import os
import re
import tempfile
from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from pathlib import Path
from urllib.parse import unquote, urlsplit

import aiosmtplib

SMTP_TIMEOUT_SECONDS = 30
DEFAULT_PORTS = {"smtp": 25, "smtps": 465, "smtp+starttls": 587}


class DeliveryError(Exception):
    """A mail did not go out; `permanent` when trying again cannot help (the server refused the recipient)."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


@dataclass(frozen=True)
class MailFile:
    """A file attached to a mail: its name as the recipient sees it, its type and its bytes."""

    filename: str
    content_type: str
    content: bytes


@dataclass(frozen=True)
class MailToSend:
    """What the outbox hands over for one mail."""

    id: int
    to_address: str
    subject: str
    body_text: str
    body_html: str
    language: str
    kind: str
    created_at: datetime
    attachments: tuple[MailFile, ...] = ()


@dataclass(frozen=True)
class SmtpServer:
    """Where and how to connect, from `smtp://`, `smtps://` (TLS from the start) or `smtp+starttls://`."""

    hostname: str
    port: int
    username: str | None
    password: str | None
    use_tls: bool
    start_tls: bool

    @classmethod
    def from_url(cls, url: str) -> SmtpServer:
        parts = urlsplit(url)
        if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
            raise ValueError(f"not an SMTP URL: {parts.scheme}://{parts.hostname or ''}")
        return cls(
            hostname=parts.hostname,
            port=parts.port or DEFAULT_PORTS[parts.scheme],
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password is not None else None,
            use_tls=parts.scheme == "smtps",
            start_tls=parts.scheme == "smtp+starttls",
        )


def check_address(address: str) -> str:
    """The address alone, or ValueError: a malformed one would fail at every attempt, so refuse it at once."""
    address = address.strip()
    _name, parsed = parseaddr(address)
    if parsed != address or address.count("@") != 1 or len(address) > 254:
        raise ValueError(f"not a single email address: {address!r}")
    local, domain = address.split("@")
    if not local or not domain or any(c.isspace() or ord(c) < 32 for c in address):
        raise ValueError(f"not a single email address: {address!r}")
    return address


def _domain(mail_from: str) -> str:
    return parseaddr(mail_from)[1].rpartition("@")[2] or "localhost"


def build_message(mail: MailToSend, *, mail_from: str, now: datetime) -> EmailMessage:
    """A standard message: UTF-8 text, an HTML alternative when there is one, and headers that mark it automatic."""
    message = EmailMessage()
    message["From"] = mail_from
    message["To"] = Address(addr_spec=mail.to_address)
    message["Subject"] = mail.subject
    message["Date"] = format_datetime(now)
    # Stable across retries, so a copy that did arrive despite an error is recognised as the same mail.
    message["Message-ID"] = f"<giuria.{mail.id}.{int(mail.created_at.timestamp() * 1_000_000)}@{_domain(mail_from)}>"
    # RFC 3834: out-of-office replies and the like should not answer machine-sent mail.
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(mail.body_text, charset="utf-8")
    if mail.body_html:
        message.add_alternative(mail.body_html, subtype="html", charset="utf-8")
    for attachment in mail.attachments:
        maintype, _, subtype = attachment.content_type.partition("/")
        message.add_attachment(attachment.content, maintype=maintype, subtype=subtype or "octet-stream",
                               filename=attachment.filename)
    message["Content-Language"] = mail.language  # after the bodies: setting content drops Content-* headers
    return message


def _ehlo_name(base_url: str) -> str:
    """Our own name in the SMTP greeting; taken from the public address, not a DNS lookup at every connection."""
    host = urlsplit(base_url).hostname or "localhost"
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return host
    return f"[{host}]"


def _failure(error: Exception) -> DeliveryError:
    codes: list[int] = []
    if isinstance(error, aiosmtplib.SMTPRecipientsRefused):
        codes = [refusal.code for refusal in error.recipients]
    elif isinstance(error, aiosmtplib.SMTPRecipientRefused | aiosmtplib.SMTPDataError):
        codes = [error.code]
    # A 5xx about this recipient or this message will not change by waiting; anything else
    # (the server unreachable, busy, our credentials or sender refused) is about the setup and may.
    permanent = bool(codes) and all(500 <= code < 600 for code in codes)
    return DeliveryError(f"{type(error).__name__}: {error}", permanent=permanent)


class SmtpSession:
    """One connection for a whole pass over the outbox, opened at the first mail and reopened after an error."""

    def __init__(self, server: SmtpServer, *, base_url: str) -> None:
        self.server = server
        self.client: aiosmtplib.SMTP | None = None
        self.ehlo_name = _ehlo_name(base_url)

    async def send(self, message: EmailMessage) -> None:
        try:
            if self.client is None or not self.client.is_connected:
                self.client = aiosmtplib.SMTP(
                    hostname=self.server.hostname, port=self.server.port, username=self.server.username,
                    password=self.server.password, use_tls=self.server.use_tls, start_tls=self.server.start_tls,
                    timeout=SMTP_TIMEOUT_SECONDS, local_hostname=self.ehlo_name,
                )
                await self.client.connect()
            await self.client.send_message(message)
        except (aiosmtplib.SMTPException, OSError) as error:
            await self.close()
            raise _failure(error) from error

    async def close(self) -> None:
        client, self.client = self.client, None
        if client is not None and client.is_connected:
            try:
                await client.quit()
            except (aiosmtplib.SMTPException, OSError):
                client.close()


def eml_name(mail_id: int, kind: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", kind.lower()).strip("-") or "mail"
    return f"{mail_id}-{slug}.eml"


def write_eml(directory: Path, mail: MailToSend, message: EmailMessage) -> Path:
    """Write the message as `<id>-<kind>.eml`, whole or not at all (a reader never sees half a file)."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / eml_name(mail.id, mail.kind)
    with tempfile.NamedTemporaryFile(dir=directory, prefix=".", suffix=".tmp", delete=False) as handle:
        handle.write(message.as_bytes())
    os.replace(handle.name, path)
    return path

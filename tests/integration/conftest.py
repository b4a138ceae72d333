"""Fixtures for integration tests that need a real SMTP server on loopback."""

from __future__ import annotations

import email
import email.message
import email.policy
import socket
from dataclasses import replace

import pytest
from aiosmtpd.controller import Controller

REFUSED = "nobody@example.org"


class MailCollector:
    """An SMTP server's handler that keeps every message, and refuses one recipient as a real server would."""

    def __init__(self) -> None:
        self.envelopes = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address == REFUSED:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    def messages(self) -> list[email.message.EmailMessage]:
        return [email.message_from_bytes(envelope.content, policy=email.policy.default) for envelope in self.envelopes]


def content(part: email.message.EmailMessage) -> str:
    """A part's decoded text with the wire's CRLF line ends read as newlines."""
    return part.get_content().replace("\r\n", "\n")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server():
    collector = MailCollector()
    controller = Controller(collector, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield collector, controller.port
    controller.stop()


@pytest.fixture
def smtp(smtp_server):
    return smtp_server[0]


@pytest.fixture
def mail_settings(settings, smtp_server):
    return replace(settings, smtp_url=f"smtp://127.0.0.1:{smtp_server[1]}", env="test")



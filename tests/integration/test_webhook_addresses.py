"""Webhooks reach public servers only, whatever the notation, checked when subscribing and again at every post.

Names are resolved by the real resolver; a few test names are answered by a stand-in for `socket.getaddrinfo`
(the standard library's, not ours), so that a name can point at cloud metadata or change between lookups.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from dataclasses import replace

import pytest
from litestar.testing import TestClient

from core.messaging import webhooks
from core.platform.tables import WebhookDelivery, WebhookSubscription
from tests import factories
from tests.conftest import csrf_token, run, sign_in
from tests.integration.test_applicant import PASSWORD, SLUG, open_call
from tests.integration.test_webhooks import Receiver, bank, organiser, submit

# Each is a loopback, private, link-local or otherwise non-public address written so as to slip past a naive check.
NOT_PUBLIC = [
    "https://127.1/hook", "https://2130706433/hook", "https://0x7f000001/hook", "https://0177.0.0.1/hook",
    "https://[::1]/hook", "https://[::ffff:127.0.0.1]/hook", "https://[::ffff:7f00:1]/hook",
    "https://169.254.169.254/latest/meta-data/", "https://0251.0376.0251.0376/", "https://2852039166/",
    "https://[2002:7f00:1::1]/hook", "https://[64:ff9b::a9fe:a9fe]/", "https://10.0.0.5/hook",
    "https://100.64.0.1/hook", "https://0.0.0.0/hook", "https://224.0.0.1/hook", "https://[fe80::1]/hook",
    "https://localhost/hook", "https://metadata.partner.example/latest/meta-data/",
    "https://intranet.partner.example/hook", "https://loopback6.partner.example/hook",
]
DNS = {"metadata.partner.example": ["169.254.169.254"], "intranet.partner.example": ["93.184.216.34", "10.0.0.5"],
       "loopback6.partner.example": ["::ffff:127.0.0.1"], "partner.example": ["93.184.216.34"]}


class Resolver:
    """Answers for the test names (a list per name, taken in turn: a name can rebind), the real resolver otherwise."""

    def __init__(self, real) -> None:
        self.real, self.answers, self.asked = real, {k: [list(v)] for k, v in DNS.items()}, []

    def __call__(self, host, port, family=0, type=0, proto=0, flags=0):
        name = host.decode() if isinstance(host, bytes) else host
        if name not in self.answers:
            return self.real(host, port, family, type, proto, flags)
        self.asked.append(name)
        turns = self.answers[name]
        addresses = turns.pop(0) if len(turns) > 1 else turns[0]
        return [(socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "",
                 (a, port, 0, 0) if ":" in a else (a, port)) for a in addresses]


@pytest.fixture
def resolver(monkeypatch) -> Resolver:
    stand_in = Resolver(socket.getaddrinfo)
    monkeypatch.setattr(socket, "getaddrinfo", stand_in)
    return stand_in


class Listener:
    """A TCP port on loopback that counts connections: a refused post must not even knock."""

    def __init__(self) -> None:
        self.connections = 0
        self.socket = socket.create_server(("127.0.0.1", 0))
        self.port = self.socket.getsockname()[1]
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _address = self.socket.accept()
            except OSError:
                return
            self.connections += 1
            connection.close()

    def close(self) -> None:
        self.socket.close()


@pytest.fixture
def listener() -> Iterator[Listener]:
    opened = Listener()
    yield opened
    opened.close()


@pytest.fixture
def production_client(settings):
    from web.app import create_app

    with TestClient(create_app(replace(settings, env="production")), base_url="http://testserver.local") as client:
        yield client


def test_the_sponsors_page_refuses_every_non_public_address(production_client, resolver):
    open_call()
    organiser()
    assert sign_in(production_client, "olga@organisers.example", PASSWORD).status_code in (302, 303)
    page = f"/organise/{SLUG}/sponsors"
    token = csrf_token(production_client, page)
    for url in NOT_PUBLIC:
        response = production_client.post(f"{page}/webhooks", headers={"accept-language": "en"}, data={
            "_csrf_token": token, "organisation": str(bank()), "url": url, "events": ["application.submitted"]})
        assert response.status_code == 400, url
        assert "The URL must point to a public server" in response.text, url
    assert run(WebhookSubscription.count()) == 0
    added = production_client.post(f"{page}/webhooks", data={
        "_csrf_token": token, "organisation": str(bank()), "url": "https://partner.example/hook"})
    assert added.status_code == 200 and run(WebhookSubscription.count()) == 1


def test_link_local_is_refused_even_outside_production(settings, resolver):
    open_call()
    for url in ("http://169.254.169.254/latest/meta-data/", "http://metadata.partner.example/",
                "http://[fe80::1]/hook", "http://0251.0376.0251.0376/"):
        with pytest.raises(webhooks.WebhookRefused):
            run(webhooks.add_subscription(actor=organiser(f"o{len(resolver.asked)}-{url[7:12]}@organisers.example"),
                                          edition_slug=SLUG, organisation_id=bank(), url=url, events=[],
                                          production=False))


def stored(url: str) -> int:
    """A subscription as an older version (or a name that rebinds later) may have left it in the database."""
    return factories.webhook_subscription_as_stored(
        run(WebhookSubscription.raw(f"SELECT id FROM edition WHERE slug = '{SLUG}'"))[0]["id"], bank(), url)


def test_every_non_public_address_is_refused_at_send_time_without_a_connection(settings, resolver, listener):
    open_call()
    urls = [url.replace("/hook", f":{listener.port}/hook") if "/hook" in url else url for url in NOT_PUBLIC]
    for url in urls:
        stored(url)
    submit()
    assert run(WebhookDelivery.count()) == len(urls)

    report = run(webhooks.deliver_webhooks(production=True))

    assert report == webhooks.WebhookReport(retried=len(urls))
    errors = {row["subscription.url"]: row["last_error"] for row in run(WebhookDelivery.select(
        WebhookDelivery.subscription.url, WebhookDelivery.last_error))}
    for url in urls:
        assert (errors[url].startswith("refused: ") and errors[url].endswith(" is not a public address")) or \
            errors[url] == "refused: localhost is not public", (url, errors[url])
    assert listener.connections == 0


def test_a_name_that_rebinds_to_loopback_after_subscribing_is_refused(settings, resolver, listener):
    open_call()
    resolver.answers["rebinding.partner.example"] = [["93.184.216.34"], ["127.0.0.1"]]
    url = f"https://rebinding.partner.example:{listener.port}/hook"
    run(webhooks.add_subscription(actor=organiser(), edition_slug=SLUG, organisation_id=bank(), url=url, events=[],
                                  production=True))
    submit()
    run(webhooks.deliver_webhooks(production=True))
    delivery = run(WebhookDelivery.select(WebhookDelivery.last_error, WebhookDelivery.status).first())
    assert delivery["last_error"] == "refused: 127.0.0.1 is not a public address"
    assert delivery["status"] == "queued" and listener.connections == 0


def test_the_post_goes_to_the_address_that_was_checked(settings, resolver):
    """One lookup per attempt: the connection uses its answer, so a second lookup (rebinding) is never made."""
    receiver = Receiver()
    try:
        open_call()
        port = receiver.server.server_address[1]
        resolver.answers["pinned.partner.example"] = [["127.0.0.1"], ["10.255.255.1"]]
        stored(f"http://pinned.partner.example:{port}/giuria/events")
        submit()
        report = run(webhooks.deliver_webhooks(production=False))
        assert report == webhooks.WebhookReport(delivered=1)
        [post] = receiver.posts
        assert post["headers"]["Host"] == f"pinned.partner.example:{port}"
        assert resolver.asked.count("pinned.partner.example") == 1
    finally:
        receiver.close()

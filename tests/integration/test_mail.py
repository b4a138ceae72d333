"""Mail through real parts: the outbox on both engines, a real SMTP server on loopback (aiosmtpd), the app over HTTP."""

from __future__ import annotations

import asyncio
import email
import email.policy
import ipaddress
import logging
import os
import re
import signal
import ssl
import subprocess
import sys
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from litestar.testing import TestClient

from core.editions import access
from core.editions.competitions import import_competition_text
from core.messaging.mail import MAX_ATTEMPTS, absolute_url, deliver_due, enqueue_mail
from core.messaging.render import MailTemplateError
from core.people import accounts
from core.platform import db
from core.platform.tables import OutgoingMail
from tests.conftest import csrf_token, run, sign_in
from tests.factories import EXAMPLE, PASSWORD, SLUG
from tests.integration.conftest import REFUSED, MailCollector, content, free_port

ROOT = Path(__file__).resolve().parents[2]


def verify_context(settings, name: str = "Àda Lovelace") -> dict:
    return {"name": name, "link": absolute_url(settings.base_url, "/account/verify/tok-123")}


def receipt_context(settings, name: str = "Ada") -> dict:
    return {
        "name": name, "edition_title": "Welfare & Comunità 2026", "receipt_number": "WCI-2026-0042",
        "submitted_at_text": "30 aprile 2026, 11:58",
        "summary": [("Project title", "Orti <condivisi> & comunità"), ("Track", "Social agriculture")],
        "status_link": absolute_url(settings.base_url, "/c/welfare-comunita-2026/application"),
    }


def queue(settings, to: str = "ada@example.org", template: str = "account/verify", language: str = "it",
          context: dict | None = None, kind: str = "") -> int:
    return run(enqueue_mail(to=to, template=template, language=language, kind=kind,
                            context=context if context is not None else verify_context(settings)))


def outgoing(mail_id: int) -> dict:
    return run(OutgoingMail.select().where(OutgoingMail.id == mail_id).first())


def wait_until_sent(mail_id: int, seconds: float = 10) -> str:
    deadline = time.monotonic() + seconds
    while outgoing(mail_id)["status"] != "sent" and time.monotonic() < deadline:
        time.sleep(0.1)
    return outgoing(mail_id)["status"]


# -- Delivery over SMTP --------------------------------------------------------------------------


def test_a_queued_mail_reaches_the_smtp_server_in_the_recipients_language(mail_settings, smtp):
    mail_id = queue(mail_settings, to="Ada@Example.org")
    assert outgoing(mail_id)["status"] == "queued"
    assert smtp.envelopes == []  # queueing sends nothing by itself

    report = run(deliver_due(settings=mail_settings))

    assert (report.sent, report.retried, report.failed) == (1, 0, 0)
    [envelope] = smtp.envelopes
    assert envelope.mail_from == "no-reply@localhost"
    assert envelope.rcpt_tos == ["Ada@Example.org"]
    [message] = smtp.messages()
    assert message["To"] == "Ada@Example.org"
    assert message["From"] == "Giuria <no-reply@localhost>"
    assert message["Subject"] == "Conferma il tuo indirizzo email"
    assert message["Content-Language"] == "it"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["Message-ID"].startswith(f"<giuria.{mail_id}.") and message["Date"]
    assert message.get_content_type() == "text/plain"
    assert message.get_content_charset() == "utf-8"
    body = content(message)
    assert body.startswith("Ciao Àda Lovelace,\n\nPer completare la creazione del tuo account Giuria")
    assert "\nhttp://127.0.0.1:8000/account/verify/tok-123\n" in body
    row = outgoing(mail_id)
    assert (row["status"], row["attempts"], row["last_error"]) == ("sent", 1, "")
    assert row["sent_at"] is not None
    # Sent mail is not sent again.
    assert run(deliver_due(settings=mail_settings)).attempted == 0
    assert len(smtp.envelopes) == 1


def test_a_template_with_html_is_sent_as_text_with_an_html_alternative(mail_settings, smtp):
    queue(mail_settings, template="application/receipt", language="en",
          context=receipt_context(mail_settings, name="<b>Rossi & Figli</b>"))
    queue(mail_settings, template="account/verify", language="en")
    run(deliver_due(settings=mail_settings))

    receipt, verify = sorted(smtp.messages(), key=lambda message: message["Subject"])
    assert receipt["Subject"] == "Application received: Welfare & Comunità 2026 (no. WCI-2026-0042)"
    assert receipt.get_content_type() == "multipart/alternative"
    text = content(receipt.get_body(preferencelist=("plain",)))
    html = content(receipt.get_body(preferencelist=("html",)))
    # Text shows the data as typed; HTML escapes it, so a name cannot inject markup.
    assert text.startswith("Hello <b>Rossi & Figli</b>,\n")
    assert "- Project title: Orti <condivisi> & comunità\n" in text
    assert "<p>Hello &lt;b&gt;Rossi &amp; Figli&lt;/b&gt;,</p>" in html
    assert "Orti &lt;condivisi&gt; &amp; comunità</td>" in html
    assert '<a href="http://127.0.0.1:8000/c/welfare-comunita-2026/application"' in html
    assert '<html lang="en">' in html
    assert verify["Subject"] == "Confirm your email address"
    assert verify.get_content_type() == "text/plain"


def test_the_same_mail_reads_in_english_or_italian(mail_settings):
    english = outgoing(queue(mail_settings, template="account/reset", language="en",
                             context={**verify_context(mail_settings, "Ada"), "expires_minutes": 60}))
    italian = outgoing(queue(mail_settings, template="account/reset", language="it",
                             context={**verify_context(mail_settings, "Ada"), "expires_minutes": 1}))
    assert (english["language"], english["subject"]) == ("en", "Choose a new password")
    assert english["body_text"].startswith("Hello Ada,\n\nSomeone asked to reset the password")
    assert "The link works for 60 minutes.\n" in english["body_text"]
    assert (italian["language"], italian["subject"]) == ("it", "Scegli una nuova password")
    assert italian["body_text"].startswith("Ciao Ada,\n\nÈ stato chiesto di reimpostare la password")
    assert "Il link è valido per 1 minuto.\n" in italian["body_text"]
    # A language the platform does not speak falls back to the default one, and says so on the row.
    german = outgoing(queue(mail_settings, template="account/email_change", language="de"))
    assert (german["language"], german["subject"]) == ("it", "Conferma il tuo nuovo indirizzo email")


def test_an_unreachable_server_leaves_the_mail_queued_for_a_later_attempt(settings):
    down = replace(settings, smtp_url=f"smtp://127.0.0.1:{free_port()}", env="test")
    mail_id = queue(down)
    before = datetime.now(UTC)

    report = run(deliver_due(settings=down, now=before))

    assert (report.sent, report.retried, report.failed) == (0, 1, 0)
    row = outgoing(mail_id)
    assert (row["status"], row["attempts"], row["sent_at"]) == ("queued", 1, None)
    assert row["last_error"]
    assert row["next_attempt_at"] == before + timedelta(minutes=1)
    assert not down.outbox_dir.exists()  # nothing was delivered, so no .eml copy either
    # Not due yet: a pass now leaves it alone; a pass after the delay tries again and waits longer.
    assert run(deliver_due(settings=down, now=before + timedelta(seconds=30))).attempted == 0
    run(deliver_due(settings=down, now=before + timedelta(minutes=1)))
    row = outgoing(mail_id)
    assert row["attempts"] == 2
    assert row["next_attempt_at"] == before + timedelta(minutes=1 + 5)


def test_after_the_last_attempt_the_mail_is_marked_failed(settings, caplog):
    down = replace(settings, smtp_url=f"smtp://127.0.0.1:{free_port()}", env="test")
    mail_id = queue(down)
    moment = datetime.now(UTC)
    for _attempt in range(MAX_ATTEMPTS - 1):
        assert run(deliver_due(settings=down, now=moment)).retried == 1
        moment = outgoing(mail_id)["next_attempt_at"]
    assert outgoing(mail_id)["status"] == "queued"
    with caplog.at_level(logging.WARNING, logger="giuria.mail"):
        assert run(deliver_due(settings=down, now=moment)).failed == 1
    row = outgoing(mail_id)
    assert (row["status"], row["attempts"]) == ("failed", MAX_ATTEMPTS)
    assert "(giving up)" in caplog.text
    assert run(deliver_due(settings=down, now=moment + timedelta(days=30))).attempted == 0


def test_a_refused_recipient_fails_at_once_and_the_others_still_go(mail_settings, smtp):
    refused = queue(mail_settings, to=REFUSED)
    accepted = queue(mail_settings, to="ada@example.org")
    report = run(deliver_due(settings=mail_settings))
    assert (report.sent, report.retried, report.failed) == (1, 0, 1)
    row = outgoing(refused)
    assert (row["status"], row["attempts"]) == ("failed", 1)
    assert "550" in row["last_error"]
    assert outgoing(accepted)["status"] == "sent"
    assert [envelope.rcpt_tos for envelope in smtp.envelopes] == [["ada@example.org"]]


def test_concurrent_passes_never_send_a_mail_twice(mail_settings, smtp):
    ids = [queue(mail_settings, to=f"person{n}@example.org") for n in range(20)]

    async def four_workers():
        return await asyncio.gather(*(deliver_due(settings=mail_settings, limit=5) for _ in range(4)))

    reports = run(four_workers())

    assert sorted(report.sent for report in reports) == [5, 5, 5, 5]
    recipients = [envelope.rcpt_tos[0] for envelope in smtp.envelopes]
    assert sorted(recipients) == sorted(f"person{n}@example.org" for n in range(20))
    assert len({message["Message-ID"] for message in smtp.messages()}) == 20
    rows = run(OutgoingMail.select(OutgoingMail.status, OutgoingMail.attempts).where(OutgoingMail.id.is_in(ids)))
    assert {(row["status"], row["attempts"]) for row in rows} == {("sent", 1)}


@pytest.fixture
def tls(tmp_path, monkeypatch) -> ssl.SSLContext:
    """A server certificate for 127.0.0.1 that the client trusts through SSL_CERT_FILE, as an operator's CA would be."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "giuria test mail server")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                       critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp_path / "server.pem", tmp_path / "server.key"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    monkeypatch.setenv("SSL_CERT_FILE", str(cert_path))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_path, key_path)
    return context


@pytest.mark.parametrize("scheme", ["smtp+starttls", "smtps"])
@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
def test_tls_and_the_credentials_in_the_url_are_used(settings, tls, scheme):
    collector, logins = MailCollector(), []

    def authenticator(server, session, envelope, mechanism, auth_data):
        encrypted = server.transport.get_extra_info("ssl_object") is not None
        logins.append((encrypted, auth_data.login.decode(), auth_data.password.decode()))
        return AuthResult(success=auth_data.password == b"p@ss:word/1")

    # aiosmtpd's auth_require_tls only knows STARTTLS; on the smtps port every byte is encrypted anyway.
    options = {"tls_context": tls, "require_starttls": True} if scheme == "smtp+starttls" else \
        {"ssl_context": tls, "auth_require_tls": False}
    controller = Controller(collector, hostname="127.0.0.1", port=free_port(), authenticator=authenticator,
                            auth_required=True, **options)
    controller.start()
    try:
        secure = replace(settings, env="test",
                         smtp_url=f"{scheme}://giuria%40example.org:p%40ss%3Aword%2F1@127.0.0.1:{controller.port}")
        queue(secure)
        report = run(deliver_due(settings=secure))
    finally:
        controller.stop()
    assert report.sent == 1
    assert logins == [(True, "giuria@example.org", "p@ss:word/1")]
    assert collector.messages()[0]["Subject"] == "Conferma il tuo indirizzo email"


def test_starttls_asked_for_but_not_offered_sends_nothing_in_clear(settings, smtp_server):
    smtp, port = smtp_server
    insistent = replace(settings, env="test", smtp_url=f"smtp+starttls://user:secret@127.0.0.1:{port}")
    mail_id = queue(insistent)
    assert run(deliver_due(settings=insistent)).retried == 1
    assert "STARTTLS" in outgoing(mail_id)["last_error"]
    assert smtp.envelopes == []


# -- Development and production ------------------------------------------------------------------


def test_in_development_without_smtp_the_eml_file_is_the_delivery(settings):
    development = replace(settings, env="development", smtp_url="")
    verify = queue(development)
    receipt = queue(development, template="application/receipt", language="en",
                    context=receipt_context(development), kind="receipt")

    assert run(deliver_due(settings=development)).sent == 2

    files = sorted(path.name for path in development.outbox_dir.iterdir())
    assert files == sorted([f"{verify}-account-verify.eml", f"{receipt}-receipt.eml"])
    parsed = email.message_from_bytes((development.outbox_dir / f"{verify}-account-verify.eml").read_bytes(),
                                      policy=email.policy.default)
    assert parsed["To"] == "ada@example.org"
    assert parsed["Subject"] == "Conferma il tuo indirizzo email"
    assert "http://127.0.0.1:8000/account/verify/tok-123" in parsed.get_content()
    parsed = email.message_from_bytes((development.outbox_dir / f"{receipt}-receipt.eml").read_bytes(),
                                      policy=email.policy.default)
    assert parsed.get_content_type() == "multipart/alternative"
    assert outgoing(verify)["status"] == outgoing(receipt)["status"] == "sent"


def test_with_smtp_outside_production_an_eml_copy_is_kept_too(mail_settings, smtp):
    mail_id = queue(mail_settings, kind="account/verify")
    run(deliver_due(settings=mail_settings))
    copy = (mail_settings.outbox_dir / f"{mail_id}-account-verify.eml").read_bytes()
    assert email.message_from_bytes(copy, policy=email.policy.default)["Message-ID"] == \
        smtp.messages()[0]["Message-ID"]


def test_in_production_mail_goes_only_over_smtp(mail_settings, smtp):
    production = replace(mail_settings, env="production")
    queue(production)
    assert run(deliver_due(settings=production)).sent == 1
    assert len(smtp.envelopes) == 1
    assert not production.outbox_dir.exists()


def test_in_production_without_smtp_mail_stays_queued_and_the_log_says_why(settings, caplog):
    production = replace(settings, env="production", smtp_url="")
    mail_id = queue(production)
    with caplog.at_level(logging.WARNING, logger="giuria.mail"):
        report = run(deliver_due(settings=production))
    assert (report.sent, report.waiting) == (0, 1)
    row = outgoing(mail_id)
    assert (row["status"], row["attempts"]) == ("queued", 0)
    assert "1 mails wait in the outbox: set GIURIA_SMTP_URL" in caplog.text
    assert not production.outbox_dir.exists()


# -- Queueing ------------------------------------------------------------------------------------


def test_a_mail_queued_in_a_transaction_that_rolls_back_is_not_queued(mail_settings):
    class ChangeFailed(Exception):
        pass

    async def change(*, fail: bool) -> int:
        async with db.write_transaction():
            mail_id = await enqueue_mail(to="ada@example.org", template="account/verify", language="it",
                                         context=verify_context(mail_settings))
            if fail:
                raise ChangeFailed()
        return mail_id

    with pytest.raises(ChangeFailed):
        run(change(fail=True))
    assert run(OutgoingMail.count()) == 0
    committed = run(change(fail=False))
    assert run(OutgoingMail.select(OutgoingMail.id)) == [{"id": committed}]


@pytest.mark.parametrize(("to", "context", "problem"), [
    ("ada@example.org", {"name": "Ada", "link": "/account/verify/tok"}, "must be an absolute http(s) URL"),
    ("ada@example.org", {"link": "https://giuria.example.org/v/1"}, "'name' is undefined"),
    ("Ada <ada@example.org>", {"name": "Ada", "link": "https://giuria.example.org/v/1"}, "not a single email"),
    ("ada@example.org\nBcc: eve@example.org", {"name": "Ada", "link": "https://x.org/v"}, "not a single email"),
])
def test_a_mail_that_could_never_be_right_is_refused_when_queued(settings, to, context, problem):
    with pytest.raises(ValueError) as error:  # MailTemplateError is a ValueError too
        run(enqueue_mail(to=to, template="account/verify", language="en", context=context))
    assert problem in str(error.value)
    assert run(OutgoingMail.count()) == 0


def test_an_unknown_template_is_refused(settings):
    with pytest.raises(MailTemplateError, match=r"lacks account/welcome\.subject\.txt"):
        run(enqueue_mail(to="ada@example.org", template="account/welcome", language="en", context={}))
    with pytest.raises(MailTemplateError, match="not a mail template name"):
        run(enqueue_mail(to="ada@example.org", template="../../web/templates/base", language="en", context={}))


# -- The app: its sender and the development outbox page ---------------------------------------------


def test_the_app_sends_queued_mail_soon_after_it_is_queued(mail_settings, smtp):
    from web.app import create_app

    # A long interval: only the wake-up on queueing can deliver the mail within the few seconds allowed.
    app = create_app(replace(mail_settings, mail_interval_seconds=300))
    with TestClient(app, base_url="http://testserver.local"):
        time.sleep(0.5)  # the sender's first pass at start-up, on an empty outbox
        mail_id = queue(mail_settings)
        assert wait_until_sent(mail_id) == "sent"
    assert [envelope.rcpt_tos for envelope in smtp.envelopes] == [["ada@example.org"]]


def make_account(email_address: str, *, role: str | None = None) -> int:
    account_id = run(accounts.create_account(email=email_address, password=PASSWORD, display_name="Test",
                                             locale="en"))
    if role is not None:
        run(access.grant_role(account_id=account_id, role=role, edition_slug=SLUG))
    return account_id


@pytest.fixture
def people(settings):
    run(import_competition_text(EXAMPLE))
    make_account("olga@example.org", role="organiser")
    make_account("andrea@example.org", role="applicant")
    run(accounts.create_account(email="root@example.org", password=PASSWORD, display_name="Root", locale="en",
                                is_admin=True))


@pytest.fixture
def dev_client(settings):
    """The app as `GIURIA_ENV=development` serves it: the only set-up with an outbox page."""
    from web.app import create_app

    with TestClient(create_app(replace(settings, env="development")), base_url="http://testserver.local") as client:
        yield client


def test_the_outbox_page_shows_an_administrator_every_mail_newest_first(dev_client, settings, people):
    client = dev_client
    older = queue(settings, to="first@example.org", language="en")
    newer = queue(settings, to="second@example.org", template="application/receipt", language="en",
                  context=receipt_context(settings, name="<script>x</script>"))
    run(deliver_due(settings=replace(settings, env="development")))
    assert sign_in(client, "root@example.org", PASSWORD).status_code == 302

    page = client.get("/dev/outbox", headers={"accept-language": "en"})

    assert page.status_code == 200
    assert "<h1>Outbox</h1>" in page.text
    assert page.text.index("second@example.org") < page.text.index("first@example.org")
    assert f'<a href="/dev/outbox/{older}">Confirm your email address</a>' in page.text
    assert '<td class="mail-status mail-status-sent">sent</td>' in page.text
    one = client.get(f"/dev/outbox/{newer}", headers={"accept-language": "en"})
    assert one.status_code == 200
    assert "<h1>Application received: Welfare &amp; Comunità 2026 (no. WCI-2026-0042)</h1>" in one.text
    assert "Hello &lt;script&gt;x&lt;/script&gt;," in one.text and "<script>x" not in one.text
    assert '<a href="http://127.0.0.1:8000/c/welfare-comunita-2026/application"' in one.text
    assert client.get("/dev/outbox/999999").status_code == 404


def test_the_outbox_page_is_in_italian_for_an_italian_reader(dev_client, settings, people):
    queue(settings)
    sign_in(dev_client, "root@example.org", PASSWORD)
    dev_client.cookies.set("giuria_lang", "it")
    page = dev_client.get("/dev/outbox")
    assert "<h1>Posta in uscita</h1>" in page.text
    assert '<td class="mail-status mail-status-queued">in coda</td>' in page.text


def test_the_outbox_page_does_not_exist_for_organisers_applicants_or_strangers(dev_client, settings, people):
    mail_id = queue(settings)
    for path in ("/dev/outbox", f"/dev/outbox/{mail_id}"):
        assert dev_client.get(path, follow_redirects=False).status_code == 404
    for person in ("andrea@example.org", "olga@example.org"):
        sign_in(dev_client, person, PASSWORD)
        assert dev_client.get("/me").status_code == 200
        for path in ("/dev/outbox", f"/dev/outbox/{mail_id}"):
            response = dev_client.get(path, follow_redirects=False)
            assert response.status_code == 404
            assert "tok-123" not in response.text


@pytest.mark.parametrize("env", ["production", "test"])
def test_the_outbox_page_does_not_exist_outside_development_even_for_an_administrator(settings, people, env):
    from web.app import create_app

    mail_id = queue(settings)
    with TestClient(create_app(replace(settings, env=env)), base_url="http://testserver.local") as client:
        assert sign_in(client, "root@example.org", PASSWORD).status_code == 302
        assert client.get("/me").status_code == 200  # signed in as the administrator
        for path in ("/dev/outbox", f"/dev/outbox/{mail_id}"):
            assert client.get(path).status_code == 404


def test_the_outbox_masks_reset_verification_and_invitation_links_except_for_their_recipient(
        dev_client, settings, people):
    token = csrf_token(dev_client, "/password/forgot")
    for person in ("andrea@example.org", "root@example.org"):
        dev_client.post("/password/forgot", data={"email": person, "_csrf_token": token})
    invitation = queue(settings, to="newcomer@example.org", template="people/invitation", context={
        "name": "", "role": "juror", "inviter": "Olga", "edition": "Welfare", "round": "", "organisation": "",
        "expires": "tomorrow", "link": absolute_url(settings.base_url, "/invitations/secret-invitation-token")})
    verification = queue(settings, to="andrea@example.org")
    mails = {row["to_address"]: row for row in run(OutgoingMail.select().where(OutgoingMail.kind == "reset"))}
    andrea_token = re.search(r"/password/reset/(\S+)", mails["andrea@example.org"]["body_text"]).group(1)
    root_token = re.search(r"/password/reset/(\S+)", mails["root@example.org"]["body_text"]).group(1)
    sign_in(dev_client, "root@example.org", PASSWORD)

    others = [dev_client.get(f"/dev/outbox/{mail_id}") for mail_id in
              (mails["andrea@example.org"]["id"], invitation, verification)]
    own = dev_client.get(f"/dev/outbox/{mails['root@example.org']['id']}")

    assert [page.status_code for page in others] == [200, 200, 200]
    for page in others:
        assert "•••••" in page.text
    assert andrea_token not in others[0].text and "/password/reset/•••••" in others[0].text
    assert "secret-invitation-token" not in others[1].text and "/invitations/•••••" in others[1].text
    assert "tok-123" not in others[2].text
    assert own.status_code == 200 and f"/password/reset/{root_token}" in own.text
    assert "•••••" not in own.text


@pytest.fixture
def giuria_environment(settings, monkeypatch) -> None:
    """The environment `giuria` reads, naming this test's database, in development without an SMTP server."""
    monkeypatch.setenv("GIURIA_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("GIURIA_SECRET_KEY", settings.secret_key)
    monkeypatch.setenv("GIURIA_DB_POOL_SIZE", "0")
    monkeypatch.setenv("GIURIA_ENV", "development")
    monkeypatch.delenv("GIURIA_SMTP_URL", raising=False)
    if settings.database_url:
        monkeypatch.setenv("GIURIA_DATABASE_URL", settings.database_url)
    else:
        monkeypatch.delenv("GIURIA_DATABASE_URL", raising=False)


def test_giuria_mail_send_makes_one_pass_and_reports_it(settings, giuria_environment):
    from click.testing import CliRunner

    from core.cli.main import cli

    first, _second = queue(settings), queue(settings, to="bob@example.org")

    result = CliRunner().invoke(cli, ["mail", "send", "--limit", "1"], catch_exceptions=False)

    assert result.exit_code == 0, result.output
    assert result.output == "Sent 1, retrying 0, failed 0.\n"
    assert outgoing(first)["status"] == "sent"
    assert (settings.data_dir / "outbox" / f"{first}-account-verify.eml").exists()
    assert CliRunner().invoke(cli, ["mail", "send"]).output == "Sent 1, retrying 0, failed 0.\n"
    assert CliRunner().invoke(cli, ["mail", "send"]).output == "Sent 0, retrying 0, failed 0.\n"


def test_giuria_mail_send_every_runs_as_a_sender_until_it_is_told_to_stop(settings, giuria_environment):
    first = queue(settings)
    sender = subprocess.Popen([sys.executable, "-m", "core", "mail", "send", "--every", "1"],
                              cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert wait_until_sent(first) == "sent"
        second = queue(settings, to="bob@example.org")  # queued by another process: found by the next pass
        assert wait_until_sent(second, seconds=5) == "sent"
        sender.send_signal(signal.SIGTERM)
        _out, err = sender.communicate(timeout=10)
    finally:
        sender.kill()
    assert sender.returncode == 0, err
    assert "Sending mail every 1 seconds" in err

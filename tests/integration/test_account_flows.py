"""Sign-up, verification, reset, password and email change, uploads and the receipt mail, through HTTP.

Mail goes through the real outbox and a real SMTP server on loopback; links are taken from the
messages as a person would click them.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from litestar.testing import TestClient

from core.applications import submission as applications
from core.messaging import mail
from core.platform.tables import Account, Application, Attachment, OutgoingMail
from tests import factories
from tests.conftest import csrf_token, run, sign_in
from tests.factories import EN, account
from tests.integration.conftest import content
from tests.integration.test_applicant import DECLARATIONS, PASSWORD, SLUG, VALID, applicant, open_call

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def web(mail_settings):
    from web.app import create_app

    with TestClient(create_app(mail_settings), base_url="http://testserver.local") as test_client:
        yield test_client


def deliver(mail_settings, smtp):
    run(mail.deliver_due(settings=mail_settings))
    return smtp.messages()


def link_in(message, path_prefix: str) -> str:
    body = content(message.get_body(preferencelist=("plain",)))
    url = next(u for u in re.findall(r"https?://\S+", body) if urlsplit(u).path.startswith(path_prefix))
    return urlsplit(url).path


def post_form(client, page: str, action: str, data: dict, **kwargs):
    return client.post(action, data={**data, "_csrf_token": csrf_token(client, page)}, **kwargs)


def test_sign_up_verify_once_and_apply(web, mail_settings, smtp):
    open_call()
    fields = {"email": "Nuova@Example.org", "password": "una-password-lunga", "display_name": "Nuova Candidata"}
    response = post_form(web, "/signup", "/signup", fields, headers={"accept-language": "it"})
    assert response.status_code == 200 and "Controlla la tua email" in response.text
    [message] = deliver(mail_settings, smtp)
    assert message["To"] == "nuova@example.org" and message["Content-Language"] == "it"
    link = link_in(message, "/verify/")
    assert sign_in(web, "nuova@example.org", "una-password-lunga").status_code == 302
    blocked = post_form(web, f"/c/{SLUG}/apply", f"/c/{SLUG}/apply", {"track": "AGR"})
    assert (blocked.status_code == 400 and "confirm" in blocked.text.lower()) or "Conferma" in blocked.text
    assert web.get(link).status_code == 200
    assert web.get(link).status_code == 400  # a verification link works once
    started = post_form(web, f"/c/{SLUG}/apply", f"/c/{SLUG}/apply", {"track": "AGR"}, follow_redirects=False)
    assert started.status_code == 302 and started.headers["location"].startswith("/applications/")


def test_signing_up_with_a_known_email_looks_the_same_and_tells_the_owner(web, mail_settings, smtp):
    applicant("known@example.org")
    response = post_form(web, "/signup", "/signup", {"email": "known@example.org", "password": "another-long-pass"},
                         headers={"accept-language": "en"})
    assert response.status_code == 200 and "Check your email" in response.text
    [message] = deliver(mail_settings, smtp)
    assert message["To"] == "known@example.org"
    assert "already has one" in content(message.get_body(preferencelist=("plain",)))
    assert run(Account.count()) == 1


def test_a_bad_sign_up_keeps_what_was_typed(web):
    response = post_form(web, "/signup", "/signup", {"email": "ada@example.org", "password": "short",
                                                     "display_name": "Ada"}, headers={"accept-language": "en"})
    assert response.status_code == 400
    assert "The password needs at least 10 characters." in response.text
    assert 'value="ada@example.org"' in response.text and 'value="Ada"' in response.text


def test_password_reset_signs_out_everywhere_and_the_link_works_once(web, mail_settings, smtp):
    applicant("anna@example.org")
    other_device = TestClient(web.app, base_url="http://testserver.local")
    other_device.__enter__()
    sign_in(other_device, "anna@example.org", PASSWORD)
    assert other_device.get("/me", follow_redirects=False).status_code == 200

    unknown = post_form(web, "/password/forgot", "/password/forgot", {"email": "ghost@example.org"})
    known = post_form(web, "/password/forgot", "/password/forgot", {"email": "anna@example.org"})
    assert unknown.status_code == known.status_code == 200 and unknown.text == known.text
    note, message = deliver(mail_settings, smtp)
    assert note["To"] == "ghost@example.org" and "/password/reset/" not in note.get_body().get_content()
    assert message["To"] == "anna@example.org"
    link = link_in(message, "/password/reset/")
    changed = post_form(web, link, link, {"password": "brand-new-password"})
    assert changed.status_code == 200
    assert other_device.get("/me", follow_redirects=False).status_code == 302
    assert web.get(link).status_code == 400  # used
    assert sign_in(web, "anna@example.org", PASSWORD).status_code == 400
    assert sign_in(web, "anna@example.org", "brand-new-password").status_code == 302
    other_device.__exit__(None, None, None)


def test_reset_requests_are_rate_limited(web, mail_settings, smtp):
    applicant("anna@example.org")
    for _ in range(5):
        assert post_form(web, "/password/forgot", "/password/forgot", {"email": "anna@example.org"}).status_code == 200
    assert post_form(web, "/password/forgot", "/password/forgot", {"email": "anna@example.org"}).status_code == 429
    assert len(deliver(mail_settings, smtp)) == 5


def test_changing_the_password_keeps_this_session_and_ends_the_others(web):
    applicant("anna@example.org")
    sign_in(web, "anna@example.org", PASSWORD)
    other = TestClient(web.app, base_url="http://testserver.local")
    other.__enter__()
    sign_in(other, "anna@example.org", PASSWORD)
    wrong = post_form(web, "/me/password", "/me/password", {"current": "nope-nope-nope", "password": "new-password-1"},
                      headers={"accept-language": "en"})
    assert wrong.status_code == 400 and "The current password is not right." in wrong.text
    done = post_form(web, "/me/password", "/me/password", {"current": PASSWORD, "password": "new-password-1"})
    assert done.status_code == 200
    assert web.get("/me", follow_redirects=False).status_code == 200
    assert other.get("/me", follow_redirects=False).status_code == 302
    other.__exit__(None, None, None)


def test_changing_the_email_needs_the_link_sent_to_the_new_address(web, mail_settings, smtp):
    applicant("anna@example.org")
    sign_in(web, "anna@example.org", PASSWORD)
    post_form(web, "/me/email", "/me/email", {"email": "anna.nuova@example.org", "password": PASSWORD})
    [message] = deliver(mail_settings, smtp)
    assert message["To"] == "anna.nuova@example.org"
    assert run(Account.select(Account.email).first())["email"] == "anna@example.org"
    assert web.get(link_in(message, "/me/email/confirm/")).status_code == 200
    assert run(Account.select(Account.email).first())["email"] == "anna.nuova@example.org"


def test_uploads_are_checked_by_content_and_downloads_by_permission(web):
    open_call()
    owner = applicant("anna@example.org")
    application_id = run(applications.start_application(user=owner, edition_slug=SLUG, track_code="AGR"))
    sign_in(web, "anna@example.org", PASSWORD)
    page = f"/applications/{application_id}/files/pitch_deck"
    token = csrf_token(web, page)
    fake = web.post(page, data={"_csrf_token": token}, files={"file": ("deck.pdf", PNG, "application/pdf")},
                    headers={"accept-language": "en"})
    assert fake.status_code == 400 and "This file is PNG, but PDF is expected. Nothing was changed." in fake.text
    assert run(Attachment.count()) == 0
    stored = web.post(page, data={"_csrf_token": token}, files={"file": ("../../etc/deck.pdf", PDF, "text/plain")},
                      follow_redirects=False)
    assert stored.status_code == 302
    attachment = run(Attachment.select().first())
    assert attachment["filename"] == "deck.pdf" and attachment["content_type"] == "application/pdf"
    download = web.get(f"/files/{attachment['id']}")
    assert download.status_code == 200 and download.content == PDF
    assert download.headers["content-disposition"].startswith("attachment;")
    web.cookies.clear()
    applicant("intruder@example.org")
    sign_in(web, "intruder@example.org", PASSWORD)
    assert web.get(f"/files/{attachment['id']}").status_code == 404
    assert web.get(page).status_code == 404


def test_the_receipt_mail_follows_the_submission(web, mail_settings, smtp):
    open_call()
    owner = applicant("anna@example.org")
    application_id = run(applications.start_application(user=owner, edition_slug=SLUG, track_code="AGR"))
    for section, data in VALID.items():
        run(applications.save_section(user=owner, application_id=application_id, section_code=section, data=data))
    factories.attachment_record(application_id, field="pitch_deck", filename="deck.pdf", size_bytes=10)
    sign_in(web, "anna@example.org", PASSWORD)
    page = f"/applications/{application_id}"
    post_form(web, page, f"{page}/submit", {"declaration": list(DECLARATIONS)})
    receipt = run(Application.select(Application.receipt_number).first())["receipt_number"]
    [message] = deliver(mail_settings, smtp)
    body = content(message.get_body(preferencelist=("plain",)))
    assert message["To"] == "anna@example.org" and receipt in body
    assert "Orti che includono" in body and f"{mail_settings.base_url}/applications/{application_id}" in body


def test_an_unconfirmed_person_gets_the_link_again_and_a_confirmed_one_gets_no_mail(web, mail_settings, smtp):
    account("nuova@example.org", verified=False, locale="en")
    account("confermata@example.org", verified=True, locale="en")
    assert sign_in(web, "nuova@example.org", PASSWORD).status_code == 302
    me = web.get("/me", headers=EN)
    assert "Confirm your email address to apply" in me.text and 'action="/me/verify/resend"' in me.text
    sent = post_form(web, "/me", "/me/verify/resend", {}, headers=EN)
    assert sent.status_code == 200 and "Check your email" in sent.text
    [message] = deliver(mail_settings, smtp)
    assert message["To"] == "nuova@example.org"
    confirmed = web.get(link_in(message, "/verify/"), headers=EN)
    assert confirmed.status_code == 200 and "Email confirmed" in confirmed.text
    assert run(Account.select(Account.email_verified_at).where(
        Account.email == "nuova@example.org").first())["email_verified_at"] is not None
    assert "Confirm your email address to apply" not in web.get("/me", headers=EN).text

    web.cookies.clear()
    assert sign_in(web, "confermata@example.org", PASSWORD).status_code == 302
    again = post_form(web, "/me", "/me/verify/resend", {}, headers=EN)
    assert again.status_code == 200 and "Check your email" in again.text  # the same answer, and no mail
    assert [m["To"] for m in deliver(mail_settings, smtp)] == ["nuova@example.org"]
    assert run(OutgoingMail.count()) == 1

    web.cookies.clear()
    signed_out = post_form(web, "/login", "/me/verify/resend", {}, follow_redirects=False)
    assert signed_out.status_code == 302 and signed_out.headers["location"].startswith("/login")
    assert run(OutgoingMail.count()) == 1

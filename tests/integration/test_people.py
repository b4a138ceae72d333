"""Inviting people to an edition through HTTP on both engines, with mail through a real SMTP server on loopback.

Links are taken from the delivered messages, as the invited person would click them.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest
from litestar.testing import TestClient

from core.messaging import mail
from core.platform.tables import Account, AuditEvent, Edition, EditionPartner, Invitation, OutgoingMail, RoleGrant
from tests import factories
from tests.conftest import csrf_token, run, sign_in
from tests.factories import EXAMPLE, SLUG, account, as_person, example_edition
from tests.integration.conftest import content

OTHER_SLUG = "altra-edizione-2026"
ORGANISER = "olga@foundation.example"


@pytest.fixture
def web(mail_settings):
    from web.app import create_app

    with TestClient(create_app(mail_settings), base_url="http://testserver.local") as test_client:
        yield test_client


def person(email: str, role: str | None = None, slug: str = SLUG, locale: str = "en") -> int:
    return account(email, role=role, edition_slug=slug, locale=locale)


def setup_edition() -> int:
    example_edition()
    return person(ORGANISER, "organiser")


def invite(client, *, slug: str = SLUG, **fields):
    page = f"/organise/{slug}/people"
    data = {"emails": "", "role": "juror", "round_code": "", "partner_id": "", "language": "it", **fields}
    return client.post(f"{page}/invite", data={**data, "_csrf_token": csrf_token(client, "/me")},
                       follow_redirects=False, headers={"accept-language": "en"})


def deliver(mail_settings, smtp) -> list:
    run(mail.deliver_due(settings=mail_settings))
    return smtp.messages()


def invitation_link(message) -> str:
    body = content(message.get_body(preferencelist=("plain",)))
    [url] = [u for u in re.findall(r"https?://\S+", body) if "/invitations/" in u]
    return urlsplit(url).path


def post_link(client, link: str, data: dict | None = None):
    return client.post(link, data={**(data or {}), "_csrf_token": csrf_token(client, "/login")},
                       follow_redirects=False, headers={"accept-language": "en"})


def actions(name: str) -> int:
    return run(AuditEvent.count().where(AuditEvent.action == name))


def test_an_invited_juror_sets_a_password_and_the_link_works_once(web, mail_settings, smtp):
    setup_edition()
    as_person(web, ORGANISER)
    response = invite(web, emails="Nuovo.Giurato@Jury.example", role="juror", round_code="R1", language="it")
    assert response.status_code == 302
    page = web.get(response.headers["location"], headers={"accept-language": "en"})
    assert "Invitations sent: 1." in page.text and "nuovo.giurato@jury.example" in page.text
    assert "pending" in page.text

    [message] = deliver(mail_settings, smtp)
    assert message["To"] == "nuovo.giurato@jury.example" and message["Content-Language"] == "it"
    assert "giuria" in message["Subject"].lower()
    assert "Giuria online" in content(message.get_body(preferencelist=("plain",)))  # the round, in Italian
    link = invitation_link(message)

    web.cookies.clear()
    form = web.get(link, headers={"accept-language": "en"})
    assert form.status_code == 200 and "nuovo.giurato@jury.example" in form.text and "Choose a password" in form.text
    too_short = post_link(web, link, {"display_name": "Nino Nuovo", "password": "corta"})
    assert too_short.status_code == 400 and "at least 10 characters" in too_short.text
    assert 'value="Nino Nuovo"' in too_short.text
    accepted = post_link(web, link, {"display_name": "Nino Nuovo", "password": "una-password-nuova"})
    assert accepted.status_code == 302 and accepted.headers["location"] == f"/jury/profile/{SLUG}"
    assert web.get("/jury").status_code == 200  # signed in, as a juror

    account = run(Account.select().where(Account.email == "nuovo.giurato@jury.example").first())
    assert account["email_verified_at"] is not None and account["display_name"] == "Nino Nuovo"
    assert account["locale"] == "it"
    grants = run(RoleGrant.select(RoleGrant.role, RoleGrant.edition.slug).where(RoleGrant.account == account["id"]))
    assert grants == [{"role": "juror", "edition.slug": SLUG}]
    invitation = run(Invitation.select().first())
    assert (invitation["status"], invitation["account"]) == ("accepted", account["id"])
    assert (actions("invitation.sent"), actions("invitation.accepted"), actions("role.granted")) == (1, 1, 2)

    web.cookies.clear()
    assert web.get(link).status_code == 400  # a link works once
    again = post_link(web, link, {"password": "un-altra-password"})
    assert again.status_code == 400
    assert run(Account.count().where(Account.email == "nuovo.giurato@jury.example")) == 1
    assert sign_in(web, "nuovo.giurato@jury.example", "una-password-nuova").status_code == 302


def test_someone_with_an_account_signs_in_as_themselves_to_accept(web, mail_settings, smtp):
    setup_edition()
    mentor = person("monica@incubator.example")
    person("someone.else@example.org")
    as_person(web, ORGANISER)
    assert invite(web, emails="monica@incubator.example", role="mentor", language="it").status_code == 302
    [message] = deliver(mail_settings, smtp)
    assert message["Content-Language"] == "en"  # her account's language, not the form's
    link = invitation_link(message)

    web.cookies.clear()
    page = web.get(link, headers={"accept-language": "en"})
    assert "Sign in to accept" in page.text and "Choose a password" not in page.text
    assert post_link(web, link, {"password": "tentativo-di-furto"}).status_code == 403
    as_person(web, "someone.else@example.org")
    assert post_link(web, link).status_code == 403
    assert run(RoleGrant.count().where(RoleGrant.account == mentor)) == 0
    as_person(web, "monica@incubator.example")
    accepted = post_link(web, link)
    assert accepted.status_code == 302 and accepted.headers["location"] == "/me"
    assert run(RoleGrant.select(RoleGrant.role).where(RoleGrant.account == mentor)) == [{"role": "mentor"}]
    assert post_link(web, link).status_code == 400


def test_expired_replaced_and_revoked_links_are_refused(web, mail_settings, smtp):
    setup_edition()
    as_person(web, ORGANISER)
    invite(web, emails="tardi@jury.example")
    [first] = deliver(mail_settings, smtp)
    old_link = invitation_link(first)
    factories.expired_invitation("tardi@jury.example", expires_at=datetime.now(UTC) - timedelta(minutes=1))
    assert web.get(old_link).status_code == 400
    assert post_link(web, old_link, {"password": "una-password-nuova"}).status_code == 400
    page = web.get(f"/organise/{SLUG}/people", headers={"accept-language": "en"})
    assert "expired" in page.text

    invitation_id = run(Invitation.select(Invitation.id).first())["id"]
    resent = web.post(f"/organise/{SLUG}/people/invitations/{invitation_id}/resend",
                      data={"_csrf_token": csrf_token(web, "/me")}, follow_redirects=False)
    assert resent.status_code == 302
    second = deliver(mail_settings, smtp)[-1]
    new_link = invitation_link(second)
    assert new_link != old_link
    assert web.get(old_link).status_code == 400  # replaced by the newer link
    assert web.get(new_link).status_code == 200

    revoked = web.post(f"/organise/{SLUG}/people/invitations/{invitation_id}/revoke",
                       data={"_csrf_token": csrf_token(web, "/me")}, follow_redirects=False)
    assert revoked.status_code == 302
    web.cookies.clear()
    assert web.get(new_link).status_code == 400
    assert post_link(web, new_link, {"password": "una-password-nuova"}).status_code == 400
    assert run(Account.count().where(Account.email == "tardi@jury.example")) == 0
    assert (actions("invitation.resent"), actions("invitation.revoked")) == (1, 1)


def test_bad_input_is_named_beside_its_field_and_the_form_is_kept(client):
    setup_edition()
    as_person(client, ORGANISER)
    response = invite(client, emails="buona@jury.example\nnon-una-email", role="sponsor", language="en")
    assert response.status_code == 400
    assert "These are not valid email addresses: non-una-email" in response.text
    assert "A sponsor user belongs to a partner: choose which." in response.text
    assert "buona@jury.example\nnon-una-email</textarea>" in response.text
    assert '<option value="sponsor" selected>' in response.text
    assert 'aria-invalid="true" aria-describedby="error-emails"' in response.text
    assert run(Invitation.count()) == 0 and run(OutgoingMail.count()) == 0
    empty = invite(client, emails="  ", role="juror", round_code="R9")
    assert empty.status_code == 400 and "Enter at least one email address." in empty.text
    assert "Choose a round of this edition." in empty.text


def test_bulk_invitation_of_a_sponsor_team_with_its_partner(client):
    setup_edition()
    person("already@bank.example", "sponsor")
    partner = run(EditionPartner.select(EditionPartner.id, EditionPartner.organisation).where(
        EditionPartner.role == "financial_partner").first())
    as_person(client, ORGANISER)
    response = invite(client, emails="uno@bank.example\ndue@bank.example, already@bank.example\nuno@bank.example",
                      role="sponsor", partner_id=str(partner["id"]))
    assert response.status_code == 302
    query = urlsplit(response.headers["location"]).query
    assert query == "invited=2&renewed=0&already=1"
    rows = run(Invitation.select(Invitation.email, Invitation.organisation, Invitation.role).order_by(Invitation.email))
    assert rows == [{"email": e, "organisation": partner["organisation"], "role": "sponsor"}
                    for e in ("due@bank.example", "uno@bank.example")]
    again = invite(client, emails="uno@bank.example", role="sponsor", partner_id=str(partner["id"]))
    assert urlsplit(again.headers["location"]).query == "invited=0&renewed=1&already=0"
    assert run(Invitation.count()) == 2 and run(OutgoingMail.count()) == 3


def test_only_organisers_of_this_edition_invite(client):
    setup_edition()
    example_edition(EXAMPLE.replace(f"slug: {SLUG}", f"slug: {OTHER_SLUG}"))
    person("juror@jury.example", "juror")
    person("elsewhere@other.example", "organiser", slug=OTHER_SLUG)
    as_person(client, "juror@jury.example")
    assert client.get(f"/organise/{SLUG}/people").status_code == 403
    assert invite(client, emails="x@jury.example").status_code == 403
    as_person(client, "elsewhere@other.example")
    assert client.get(f"/organise/{OTHER_SLUG}/people").status_code == 200
    page = client.get(f"/organise/{SLUG}/people")
    assert page.status_code == 404 and ORGANISER not in page.text
    assert invite(client, emails="x@jury.example").status_code == 404
    edition = run(Edition.select(Edition.id).where(Edition.slug == SLUG).first())["id"]
    invitation = factories.invitation(edition, "y@jury.example", role="juror")
    token = csrf_token(client, "/me")
    for action in ("resend", "revoke"):
        assert client.post(f"/organise/{OTHER_SLUG}/people/invitations/{invitation}/{action}",
                           data={"_csrf_token": token}).status_code == 404
    assert run(Invitation.count()) == 1 and run(OutgoingMail.count()) == 0


def test_removing_a_role_is_audited_and_an_organiser_keeps_their_own(client):
    organiser = setup_edition()
    juror = person("juror@jury.example", "juror")
    as_person(client, ORGANISER)
    page = client.get(f"/organise/{SLUG}/people", headers={"accept-language": "en"})
    assert "juror@jury.example" in page.text
    grant = run(RoleGrant.select(RoleGrant.id).where(RoleGrant.account == juror).first())["id"]
    removed = client.post(f"/organise/{SLUG}/people/roles/{grant}/remove",
                          data={"_csrf_token": csrf_token(client, "/me")}, follow_redirects=False)
    assert removed.status_code == 302
    assert run(RoleGrant.count().where(RoleGrant.account == juror)) == 0
    event = run(AuditEvent.select().where(AuditEvent.action == "role.removed").first())
    assert (event["actor"], event["subject_id"]) == (organiser, str(juror))
    own = run(RoleGrant.select(RoleGrant.id).where(RoleGrant.account == organiser).first())["id"]
    refused = client.post(f"/organise/{SLUG}/people/roles/{own}/remove",
                          data={"_csrf_token": csrf_token(client, "/me")}, headers={"accept-language": "en"})
    assert refused.status_code == 409 and "cannot remove your own organiser role" in refused.text
    assert run(RoleGrant.count().where(RoleGrant.account == organiser)) == 1

"""The applicant's comfort, over HTTP on both engines: the verification link signs in (once, in a fresh session),
the form says where one is, tables grow a row at a time without JavaScript, a closed call shows no form, and
every "Attach a file" link says which file."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta
from html import unescape

import httpx
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from core.applications import submission as applications
from core.people.registration import VERIFY_MAX_AGE
from core.platform.tables import Account, AccountSession, Application
from tests import factories
from tests.conftest import csrf_token, run, sign_in
from tests.factories import EN, PASSWORD, SLUG, account
from tests.factories import user as session_user
from tests.integration.test_account_flows import deliver, link_in, post_form, web  # noqa: F401 - the fixture
from tests.integration.test_applicant import DECLARATIONS, VALID, applicant, fill, open_call

NEW = {"email": "nuova@example.org", "password": "una-password-lunga", "display_name": "Nuova Candidata"}


def signed_up_link(web, mail_settings, smtp) -> str:  # noqa: F811 - `web` is the fixture
    response = post_form(web, "/signup", "/signup", NEW, headers=EN)
    assert response.status_code == 200 and "Check your email" in response.text
    [message] = deliver(mail_settings, smtp)
    return link_in(message, "/verify/")


def sessions(email: str) -> list[dict]:
    account_id = run(Account.select(Account.id).where(Account.email == email).first())["id"]
    return run(AccountSession.select().where(AccountSession.account == account_id).order_by(AccountSession.id))


# -- the verification link signs in ----------------------------------------------------------------


def test_the_verification_link_signs_in_once_with_a_session_of_its_own(web, mail_settings, smtp):  # noqa: F811
    open_call()
    link = signed_up_link(web, mail_settings, smtp)
    assert sessions(NEW["email"]) == []
    followed = web.get(link, headers=EN, follow_redirects=False)
    assert followed.status_code == 302 and followed.headers["location"] == "/me?verified=1"
    me = web.get(followed.headers["location"], headers=EN, follow_redirects=False)
    assert me.status_code == 200
    assert "Email confirmed: you are signed in and can now apply." in me.text
    assert f"Signed in as {NEW['email']}." in me.text
    [session] = sessions(NEW["email"])  # a server-side session, like signing in with the password
    assert session["revoked_at"] is None
    started = post_form(web, f"/c/{SLUG}/apply", f"/c/{SLUG}/apply", {"track": "AGR"}, follow_redirects=False)
    assert started.status_code == 302 and started.headers["location"].startswith("/applications/")
    # Single use: the link opens nothing the second time, whoever follows it.
    again = web.get(link, headers=EN, follow_redirects=False)
    assert again.status_code == 400 and "Link not valid" in again.text
    web.cookies.clear()
    assert web.get(link, headers=EN, follow_redirects=False).status_code == 400
    assert web.get("/me", follow_redirects=False).headers["location"].startswith("/login")
    assert len(sessions(NEW["email"])) == 1


def test_following_the_link_in_a_signed_in_browser_replaces_its_session(web, mail_settings, smtp):  # noqa: F811
    account("nuova@example.org", verified=False, locale="en", edition_slug=None)
    assert sign_in(web, "nuova@example.org", PASSWORD).status_code == 302
    before = httpx.Cookies(web.cookies)
    [old] = sessions("nuova@example.org")
    post_form(web, "/me", "/me/verify/resend", {}, headers=EN)
    [message] = deliver(mail_settings, smtp)
    assert web.get(link_in(message, "/verify/"), headers=EN, follow_redirects=False).status_code == 302
    [new] = sessions("nuova@example.org")  # rotated: the old session ended (and, ended, was forgotten)
    assert new["token_hash"] != old["token_hash"] and new["revoked_at"] is None
    assert "Signed in as nuova@example.org." in web.get("/me", headers=EN).text
    web.cookies = before
    assert web.get("/me", follow_redirects=False).headers["location"].startswith("/login")


def test_an_expired_verification_link_neither_verifies_nor_signs_in(web, mail_settings, smtp):  # noqa: F811
    open_call()
    link = signed_up_link(web, mail_settings, smtp)
    token = link.rsplit("/", 1)[1]
    serializer = URLSafeTimedSerializer(mail_settings.secret_key, salt="giuria.verify")

    class MailedFourDaysAgo(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - VERIFY_MAX_AGE - 3600

    stale = URLSafeTimedSerializer(mail_settings.secret_key, salt="giuria.verify",
                                   signer=MailedFourDaysAgo).dumps(serializer.loads(token))
    expired = web.get(f"/verify/{stale}", headers=EN, follow_redirects=False)
    assert expired.status_code == 400 and "Link not valid" in expired.text
    assert sessions(NEW["email"]) == []
    assert run(Account.select(Account.email_verified_at).first())["email_verified_at"] is None


def test_a_deactivated_account_is_verified_but_not_signed_in(web, mail_settings, smtp):  # noqa: F811
    open_call()
    link = signed_up_link(web, mail_settings, smtp)
    factories.deactivated_account(NEW["email"])
    followed = web.get(link, headers=EN, follow_redirects=False)
    assert followed.status_code == 200 and "your email address is confirmed" in followed.text
    assert sessions(NEW["email"]) == [] and "giuria_session" not in followed.headers.get("set-cookie", "")


# -- where one is in the form ----------------------------------------------------------------------


def started(client) -> int:
    open_call()
    user = applicant()
    assert sign_in(client, "anna@example.org", PASSWORD).status_code == 302
    return run(applications.start_application(user=user, edition_slug=SLUG, track_code="AGR"))


def test_each_section_says_which_of_how_many_it_is_and_which_are_done(client):
    application_id = started(client)
    run(applications.save_section(user=applicant_user(), application_id=application_id, section_code="entity",
                                  data=VALID["entity"]))
    page = client.get(f"/applications/{application_id}/sections/team", headers=EN).text
    assert "Section 2 of 4" in page
    steps = re.search(r'<ol class="steps">(.*?)</ol>', page, re.S).group(1)
    items = re.findall(r"<li( class=\"done\")?><a href=\"[^\"]+/sections/(\w+)\"( aria-current=\"step\")?>", steps)
    assert [(code, bool(done), bool(current)) for done, code, current in items] == [
        ("entity", True, False), ("team", False, True), ("project", False, False), ("attachments", False, False)]
    assert "(complete)" in steps and steps.count("(not complete)") == 3
    assert "Section 1 of 4" in client.get(f"/applications/{application_id}/sections/entity", headers=EN).text


def applicant_user():
    return session_user(run(Account.select(Account.id).where(Account.email == "anna@example.org").first())["id"])


# -- "Add a row" -------------------------------------------------------------------------------------


def member_rows(html: str) -> int:
    return len(set(re.findall(r'name="members\.(\d+)\.name"', html)))


def test_add_a_row_saves_the_draft_and_shows_one_more_empty_row_without_javascript(client):
    application_id = started(client)
    page = f"/applications/{application_id}/sections/team"
    html = client.get(page, headers=EN).text
    assert member_rows(html) == 2
    assert re.search(r'<button type="submit" name="_add_row" value="members"[^>]*>Add a row'
                     r'<span class="visually-hidden">: Team members</span></button>', html)
    assert 'name="_add_row" value="kpis"' not in client.get(
        f"/applications/{application_id}/sections/project", headers=EN).text  # three indicators, no more
    added = client.post(page, data={"_csrf_token": csrf_token(client, page), "members.0.name": "Anna Russo",
                                    "members.0.age": "29", "_add_row": "members", "_shown.members": "2"},
                        follow_redirects=False)
    assert added.status_code == 302
    assert added.headers["location"] == f"{page}?saved=1&rows=members:3#field-members"
    answers = run(Application.select(Application.answers).output(load_json=True).first())["answers"]
    assert answers["values"]["members"][0]["name"] == "Anna Russo"  # saved as any button saves
    html = client.get(added.headers["location"].split("#")[0], headers=EN).text
    assert member_rows(html) == 3 and 'value="Anna Russo"' in html and "Saved." in html
    assert 'name="_shown.members" value="3"' in html
    # A wrong answer keeps what was typed and still grows the table.
    wrong = client.post(page, data={"_csrf_token": csrf_token(client, page), "members.0.name": "Anna Russo",
                                    "members.0.age": "ventinove", "_add_row": "members", "_shown.members": "3"})
    assert wrong.status_code == 400 and member_rows(wrong.text) == 4 and 'value="ventinove"' in wrong.text
    # Never past the question's max_rows (12), whatever the address asks.
    html = client.get(f"{page}?rows=members:999", headers=EN).text
    assert member_rows(html) == 12 and 'name="_add_row"' not in html
    assert member_rows(client.get(f"{page}?rows=members:x", headers=EN).text) == 3


# -- a closed call -----------------------------------------------------------------------------------


def close_the_call() -> None:
    factories.move_timeline("call_close", starts_at=datetime.now(UTC) - timedelta(hours=1))


def test_a_closed_call_shows_a_draft_to_read_and_no_form(client):
    application_id = started(client)
    run(applications.save_section(user=applicant_user(), application_id=application_id, section_code="entity",
                                  data=VALID["entity"]))
    close_the_call()
    overview = client.get(f"/applications/{application_id}", headers=EN).text
    assert "The call closed before this application was submitted" in overview
    assert f'action="/applications/{application_id}/submit"' not in overview
    section = client.get(f"/applications/{application_id}/sections/entity", headers=EN).text
    assert "The call closed before this application was submitted" in section
    assert 'value="Orti Aperti APS"' in section and 'name="_next"' not in section and "hx-post" not in section
    assert all("disabled" in field for field in re.findall(r'<input id="q-[^>]+>', section))
    attachments = client.get(f"/applications/{application_id}/sections/attachments", headers=EN).text
    assert f"/applications/{application_id}/files/" not in attachments
    upload_page = client.get(f"/applications/{application_id}/files/pitch_deck", headers=EN).text
    assert 'enctype="multipart/form-data"' not in upload_page
    assert "Orti Aperti APS" in client.get(f"/applications/{application_id}/preview", headers=EN).text


def test_a_closed_call_takes_no_one_to_a_start_form_and_keeps_a_submitted_application_readable(client):
    application_id = started(client)
    user = applicant_user()
    fill(user, application_id)
    run(applications.submit_application(user=user, application_id=application_id, declarations=DECLARATIONS,
                                        consents=set(), base_url="http://testserver.local"))
    close_the_call()
    overview = client.get(f"/applications/{application_id}", headers=EN).text
    assert "The call is closed: your application stays here to read and can no longer be changed." in overview
    assert "Orti che includono" in client.get(f"/applications/{application_id}/preview", headers=EN).text
    account("late@example.org", locale="en", edition_slug=None)
    client.cookies.clear()
    assert sign_in(client, "late@example.org", PASSWORD).status_code == 302
    start = client.get(f"/c/{SLUG}/apply", headers=EN)
    assert start.status_code == 200 and "The deadline for applications has passed." in start.text
    assert f'action="/c/{SLUG}/apply"' not in start.text and 'name="track"' not in start.text


# -- link texts --------------------------------------------------------------------------------------


def test_every_attach_a_file_link_says_which_file(client):
    application_id = started(client)
    html = client.get(f"/applications/{application_id}/sections/attachments", headers=EN).text
    links = [" ".join(unescape(re.sub(r"<[^>]+>", "", text)).split())
             for text in re.findall(r'<a href="/applications/\d+/files/\w+">(.*?)</a>', html, re.S)]
    assert links == ["Attach a file: Pitch deck (PDF, up to 10 MB)", "Attach a file: Statute and deed of incorporation",
                     "Attach a file: Team CVs"]

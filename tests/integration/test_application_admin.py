"""Organisers on one application: read it whole, give more time, reopen it with a reason the applicant reads."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from core.applications import submission as applications
from core.editions import access
from core.people import accounts
from core.platform.tables import Application, AuditEvent, OutgoingMail
from tests import factories
from tests.conftest import csrf_token, run, sign_in
from tests.factories import EN
from tests.integration.test_applicant import DECLARATIONS, PASSWORD, SLUG, applicant, fill, open_call

ROME = ZoneInfo("Europe/Rome")  # the example edition's time zone


def organiser(email: str = "olga@foundation.example") -> None:
    account = run(accounts.create_account(email=email, password=PASSWORD, verified=True, locale="en"))
    run(access.grant_role(account_id=account, role="organiser", edition_slug=SLUG))


def submitted_application() -> tuple[object, int]:
    open_call()
    user = applicant()
    application_id = run(applications.start_application(user=user, edition_slug=SLUG, track_code="AGR"))
    fill(user, application_id)
    run(applications.submit_application(user=user, application_id=application_id, declarations=DECLARATIONS,
                                        consents=set()))
    return user, application_id


def test_organiser_reopens_with_a_reason_and_the_applicant_submits_again(client):
    user, application_id = submitted_application()
    organiser()
    sign_in(client, "olga@foundation.example", PASSWORD)
    page = client.get(f"/organise/{SLUG}/applications/{application_id}")
    assert page.status_code == 200
    assert "anna@example.org" in page.text and "Reopen the application" in page.text
    token = csrf_token(client, f"/organise/{SLUG}/applications/{application_id}")
    refused = client.post(f"/organise/{SLUG}/applications/{application_id}/reopen",
                          data={"reason": "  ", "until": "", "_csrf_token": token})
    assert refused.status_code == 400
    assert "Say why the application is reopened" in refused.text
    assert run(Application.select(Application.status).first())["status"] == "submitted"

    done = client.post(f"/organise/{SLUG}/applications/{application_id}/reopen", follow_redirects=False,
                       data={"reason": "The statute uploaded is another entity's.", "until": "",
                             "_csrf_token": token})
    assert done.status_code in (302, 303)
    row = run(Application.select(Application.status, Application.receipt_number).first())
    assert row == {"status": "draft", "receipt_number": None}
    mail = run(OutgoingMail.select().where(OutgoingMail.kind == "application.reopened").first())
    assert mail["to_address"] == "anna@example.org"
    assert "The statute uploaded is another entity's." in mail["body_text"]
    event = run(AuditEvent.select().output(load_json=True).where(AuditEvent.action == "application.reopened").first())
    assert event["data"]["reason"] == "The statute uploaded is another entity's."

    again = run(applications.submit_application(user=user, application_id=application_id,
                                                declarations=DECLARATIONS, consents=set()))
    assert not again.already_submitted and again.receipt_number


def test_reopening_after_the_deadline_needs_a_date(client):
    user, application_id = submitted_application()
    factories.set_application(application_id, deadline_extended_until=None)
    factories.move_timeline("call_close", starts_at=datetime.now(UTC) - timedelta(days=3))
    organiser()
    sign_in(client, "olga@foundation.example", PASSWORD)
    token = csrf_token(client, f"/organise/{SLUG}/applications/{application_id}")
    refused = client.post(f"/organise/{SLUG}/applications/{application_id}/reopen",
                          data={"reason": "Platform fault", "until": "", "_csrf_token": token})
    assert refused.status_code == 400 and "give the applicant a date" in refused.text
    assert "Platform fault" in refused.text  # the reason typed is kept
    later = (datetime.now(UTC) + timedelta(days=2)).astimezone().strftime("%Y-%m-%dT%H:%M")
    done = client.post(f"/organise/{SLUG}/applications/{application_id}/reopen", follow_redirects=False,
                       data={"reason": "Platform fault", "until": later, "_csrf_token": token})
    assert done.status_code in (302, 303)
    assert run(applications.submit_application(user=user, application_id=application_id,
                                               declarations=DECLARATIONS, consents=set())).receipt_number


def test_only_the_editions_organisers_reach_an_application(client):
    _user, application_id = submitted_application()
    sign_in(client, "anna@example.org", PASSWORD)
    assert client.get(f"/organise/{SLUG}/applications/{application_id}").status_code == 403
    client.cookies.clear()
    organiser()
    sign_in(client, "olga@foundation.example", PASSWORD)
    assert client.get(f"/organise/{SLUG}/applications/{application_id + 999}").status_code == 404
    assert client.get(f"/organise/other-edition/applications/{application_id}").status_code == 404


def test_an_organiser_gives_one_applicant_more_time_after_the_deadline(client):
    application_id = open_draft_past_the_deadline()
    sign_in(client, "anna@example.org", PASSWORD)
    page = f"/applications/{application_id}"
    late = client.post(f"{page}/submit", headers=EN, follow_redirects=False,
                       data={"_csrf_token": csrf_token(client, page), "declaration": sorted(DECLARATIONS)})
    assert late.status_code == 400
    assert run(Application.select(Application.status).first())["status"] == "draft"
    assert client.post(f"/organise/{SLUG}/applications/{application_id}/extension", follow_redirects=False, data={
        "_csrf_token": csrf_token(client, page), "until": "2099-01-01T10:00"}).status_code == 403

    client.cookies.clear()
    organiser()
    sign_in(client, "olga@foundation.example", PASSWORD)
    console = f"/organise/{SLUG}/applications/{application_id}"
    token = csrf_token(client, console)
    refused = client.post(f"{console}/extension", headers=EN, data={"_csrf_token": token, "until": "next week"})
    assert refused.status_code == 400
    assert "Enter the date and time until which this applicant may submit." in refused.text
    assert run(Application.select(Application.deadline_extended_until).first())["deadline_extended_until"] is None
    until = (datetime.now(ROME) + timedelta(days=2)).replace(second=0, microsecond=0)
    granted = client.post(f"{console}/extension", follow_redirects=False,
                          data={"_csrf_token": token, "until": until.strftime("%Y-%m-%dT%H:%M")})
    assert granted.status_code == 302 and granted.headers["location"] == f"{console}?done=extended"
    assert "The extension was saved." in client.get(granted.headers["location"], headers=EN).text
    stored = run(Application.select(Application.deadline_extended_until).first())["deadline_extended_until"]
    assert stored == until and stored.utcoffset() is not None
    event = run(AuditEvent.select(AuditEvent.data).output(load_json=True).where(
            AuditEvent.action == "application.deadline_extended")
                .output(load_json=True).first())
    assert event == {"data": {"until": until.isoformat()}}

    client.cookies.clear()
    sign_in(client, "anna@example.org", PASSWORD)
    on_time = client.post(f"{page}/submit", follow_redirects=False,
                          data={"_csrf_token": csrf_token(client, page), "declaration": sorted(DECLARATIONS)})
    assert on_time.status_code == 302 and on_time.headers["location"] == f"{page}?submitted=1"
    assert run(Application.select(Application.status).first())["status"] == "submitted"


def open_draft_past_the_deadline() -> int:
    """A complete draft whose call closed three days ago."""
    open_call()
    user = applicant()
    application_id = run(applications.start_application(user=user, edition_slug=SLUG, track_code="AGR"))
    fill(user, application_id)
    factories.move_timeline("call_close", starts_at=datetime.now(UTC) - timedelta(days=3))
    return application_id

"""An applicant's status and own data, through HTTP on both engines."""

from __future__ import annotations

import io
import json
import re
import zipfile
from datetime import UTC, datetime

from core.applications import submission as applications
from core.applications.attachments import blob_path
from core.platform.tables import (
    Account,
    Application,
    Attachment,
    ConsentRecord,
    Round,
    TeamMember,
)
from tests import factories
from tests.conftest import csrf_token, run, sign_in
from tests.factories import account, assignment, decision, review
from tests.integration.test_applicant import DECLARATIONS, PASSWORD, SLUG, applicant, fill, open_call

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def submitted_application(settings):
    open_call()
    user = applicant()
    application_id = run(applications.start_application(user=user, edition_slug=SLUG, track_code="AGR"))
    fill(user, application_id)
    sha = run(Attachment.select(Attachment.sha256).first())["sha256"]
    path = blob_path(settings=settings, sha256=sha)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(PDF)
    run(applications.submit_application(user=user, application_id=application_id, declarations=DECLARATIONS,
                                        consents={"newsletter"}))
    return user, application_id


def test_status_shows_only_published_decisions_and_no_unreleased_feedback(settings, client):
    _user, application_id = submitted_application(settings)
    screening = run(Round.select(Round.id).where(Round.code == "R1").first())["id"]
    admissibility = run(Round.select(Round.id).where(Round.code == "R0").first())["id"]
    juror_id = account("juror.secret@example.org", display_name="Giurata Segreta", verified=False)
    review(assignment(screening, application_id, juror_id), {}, total=4.2, comment="Internal: weak team",
           feedback_to_applicant="Rafforzate il piano economico.")
    decision(admissibility, application_id, "admissible")
    decision(screening, application_id, "not_advanced")
    sign_in(client, "anna@example.org", PASSWORD)
    page = client.get(f"/applications/{application_id}")
    assert page.text.count("no decision published yet") == 4
    assert "Rafforzate" not in page.text

    factories.publish_decisions(published_at=datetime.now(UTC))
    page = client.get(f"/applications/{application_id}")
    assert re.search(r"<strong>Admissibility check</strong>:\s*admissible", page.text)
    assert "not advanced" in page.text
    # Jurors' comments are read on the feedback page once the organisers release it, not here.
    assert "Rafforzate" not in page.text and "/feedback/" not in page.text
    for secret in ("Giurata Segreta", "juror.secret@example.org", "Internal: weak team", "4.2"):
        assert secret not in page.text


def test_export_contains_the_answers_and_the_files(settings, client):
    _user, application_id = submitted_application(settings)
    sign_in(client, "anna@example.org", PASSWORD)
    response = client.post("/me/data/export", data={"_csrf_token": csrf_token(client, "/me/data")})
    assert response.status_code == 200 and response.headers["content-type"] == "application/zip"
    bundle = zipfile.ZipFile(io.BytesIO(response.content))
    data = json.loads(bundle.read("giuria-data.json"))
    assert data["account"]["email"] == "anna@example.org"
    assert data["applications"][0]["answers"]["values"]["entity_name"] == "Orti Aperti APS"
    assert {c["code"] for c in data["consents"]} == DECLARATIONS | {"newsletter"}
    assert bundle.read(f"attachments/{application_id}/pitch_deck-deck.pdf") == PDF


def test_only_optional_consents_of_ones_own_can_be_withdrawn(settings, client):
    submitted_application(settings)
    records = {r["code"]: r["id"] for r in run(ConsentRecord.select(ConsentRecord.id, ConsentRecord.code))}
    sign_in(client, "anna@example.org", PASSWORD)
    token = csrf_token(client, "/me/data")
    declaration = client.post(f"/me/consents/{records['truthfulness']}/withdraw", data={"_csrf_token": token})
    assert declaration.status_code == 404
    assert client.post(f"/me/consents/{records['newsletter']}/withdraw", data={"_csrf_token": token},
                       follow_redirects=False).status_code == 302
    withdrawn = {r["code"]: r["withdrawn_at"] for r in run(ConsentRecord.select(ConsentRecord.code,
                                                                                 ConsentRecord.withdrawn_at))}
    assert withdrawn["newsletter"] is not None and withdrawn["truthfulness"] is None
    factories.consent_given_again("newsletter")
    client.cookies.clear()
    applicant("other@example.org")
    sign_in(client, "other@example.org", PASSWORD)
    other_token = csrf_token(client, "/me/data")
    someone_elses = client.post(f"/me/consents/{records['newsletter']}/withdraw", data={"_csrf_token": other_token})
    assert someone_elses.status_code == 404
    assert run(ConsentRecord.select(ConsentRecord.withdrawn_at).where(ConsentRecord.code == "newsletter").first())[
        "withdrawn_at"] is None


def test_erasure_anonymises_what_is_kept_and_deletes_the_rest(settings, client):
    user, application_id = submitted_application(settings)
    sign_in(client, "anna@example.org", PASSWORD)
    token = csrf_token(client, "/me/data")
    refused = client.post("/me/erase", data={"_csrf_token": token, "confirm_email": "someone@else.org"})
    assert refused.status_code == 400 and run(Account.select(Account.is_active).first())["is_active"]

    erased = client.post("/me/erase", data={"_csrf_token": token, "confirm_email": "anna@example.org"})
    assert erased.status_code == 200 and "Account erased" in erased.text
    account = run(Account.select().where(Account.id == user.id).first())
    assert account["email"] == f"erased-{user.id}@erased.invalid" and not account["is_active"]
    assert account["password_hash"] == ""
    kept = run(Application.select().where(Application.id == application_id).first())
    assert kept["status"] == "submitted" and kept["receipt_number"]
    assert kept["entity_name"] == "" and kept["tax_code"] == ""
    values = kept["answers"] if isinstance(kept["answers"], dict) else json.loads(kept["answers"])
    assert "contact_email" not in values["values"] and "members" not in values["values"]
    assert values["values"]["title"] == "Orti che includono"
    assert {m["full_name"] for m in run(TeamMember.select(TeamMember.full_name))} == {""}
    assert client.get("/me", follow_redirects=False).status_code == 302
    assert sign_in(client, "anna@example.org", PASSWORD).status_code == 400

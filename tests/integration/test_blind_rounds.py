"""Blind means blind in every byte a juror receives: files are cleaned, free text is redacted, and a blind round
opens to its jurors only once no identifying text is left undecided. Through HTTP, on both engines."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pypdf import PdfReader

from core.editions import access
from core.editions.competitions import import_competition_text
from core.people import accounts
from core.platform.tables import Application, Assignment, Attachment, AuditEvent, Round
from tests import factories
from tests.conftest import csrf_token, run
from tests.unit.test_cleaning import every_byte, identifying_docx, identifying_pdf, zip_bomb
from tests.unit.test_files import minimal_pdf

EXAMPLE = (Path(__file__).resolve().parents[2] / "examples" / "welfare-che-impresa.yaml").read_text(encoding="utf-8")
# The statute may also be a Word document here, so that office files can be uploaded.
WITH_DOCX = EXAMPLE.replace("code: statute, type: file, accept: [pdf]",
                            "code: statute, type: file, accept: [pdf, docx]")
SLUG = "welfare-comunita-2026"
PASSWORD = "correct-horse-battery"
EN = {"accept-language": "en"}
ENTITY, TAX_CODE, EMAIL = "Cooperativa Segreta", "12345678901", "mario.rossi@segreta.example"
PEOPLE = ("Mario Rossi", "Giulia Bianchi")
SECRETS = (ENTITY, TAX_CODE, EMAIL, *PEOPLE)
ABSTRACT = (f"La {ENTITY} coltiva orti con i giovani del quartiere. Per saperne di più scrivete a {EMAIL} "
            "o chiamate il 333 1234567.")
SECTIONS = {
    "entity": {"entity_name": ENTITY, "legal_form": "cooperativa_sociale", "tax_code": TAX_CODE,
               "founded_on": "2024-02-10", "region": "Puglia", "website": "https://segreta.example",
               "training_completed": "yes"},
    "team": {"members.0.name": PEOPLE[0], "members.0.role": "Presidente", "members.0.age": "29",
             "members.1.name": PEOPLE[1], "members.1.age": "33", "contact_email": EMAIL},
    "project": {
        "title": "Orti che includono", "abstract": ABSTRACT,
        "social_need": "Disoccupazione giovanile nel quartiere.",
        "solution": f"Orti urbani condivisi, coordinati da {PEOPLE[1]}.",
        "technology": "Un'app per la filiera corta.", "network": "Comune e scuole.",
        "theory_of_change": "Dal lavoro all'autonomia.",
        "kpis.0.name": "Persone inserite", "kpis.0.baseline": "0", "kpis.0.target": "6",
        "kpis.1.name": "Ettari coltivati", "kpis.1.baseline": "0,5", "kpis.1.target": "2",
        "kpis.2.name": "Famiglie servite", "kpis.2.baseline": "10", "kpis.2.target": "80",
        "jobs_planned": "4", "jobs_disadvantaged": "2", "business_model": "Vendita diretta.",
        "stage": "prototype", "scalability": "Replicabile in altri comuni.", "use_of_prize": "Serre.",
    },
}
DECLARATIONS = ["truthfulness", "rules_accepted", "privacy_notice"]


@dataclass
class Blind:
    application_id: int
    assignment_id: int
    round_id: int


def open_call(text: str = EXAMPLE) -> None:
    run(import_competition_text(text))
    factories.move_timeline("call_close", starts_at=datetime.now(UTC) + timedelta(days=10))


def account(email: str, role: str | None = None) -> int:
    account_id = run(accounts.create_account(email=email, password=PASSWORD, verified=True, locale="en"))
    if role:
        run(access.grant_role(account_id=account_id, role=role, edition_slug=SLUG))
    return account_id


def upload(client, application_id: int, field: str, name: str, data: bytes, content_type: str):
    page = f"/applications/{application_id}/files/{field}"
    return client.post(page, data={"_csrf_token": csrf_token(client, page)}, headers=EN,
                       files={"file": (name, data, content_type)}, follow_redirects=False)


def start_application(client) -> int:
    """The applicant's own journey over HTTP: start, answer every section."""
    account(EMAIL, "applicant")
    factories.as_person(client, EMAIL)
    token = csrf_token(client, f"/c/{SLUG}/apply")
    location = client.post(f"/c/{SLUG}/apply", data={"track": "AGR", "_csrf_token": token},
                           follow_redirects=False).headers["location"]
    for section, data in SECTIONS.items():
        token = csrf_token(client, f"{location}/sections/{section}")
        response = client.post(f"{location}/sections/{section}", data=data | {"_csrf_token": token,
                                                                             "_next": "overview"},
                               follow_redirects=False)
        assert response.status_code == 302, (section, response.text[:500])
    return int(location.rsplit("/", 1)[1])


def blind_entry(client) -> Blind:
    """An entry whose PDF and free text name the entity, its tax code, two members and the email, submitted over
    HTTP; admitted to the blind online round R1, open now, with one juror assigned."""
    open_call()
    application_id = start_application(client)
    assert upload(client, application_id, "pitch_deck", f"Pitch {ENTITY}.pdf", identifying_pdf(),
                  "application/pdf").status_code == 302
    location = f"/applications/{application_id}"
    submitted = client.post(f"{location}/submit", data={"_csrf_token": csrf_token(client, location),
                                                        "declaration": DECLARATIONS}, follow_redirects=False)
    assert submitted.status_code in (302, 303), submitted.text[:500]
    # Admission is another feature: the entry is in the round, as after an admissibility check.
    factories.set_application(application_id, status="in_round")
    round_id = run(Round.select(Round.id).where(Round.code == "R1").first())["id"]
    factories.open_round(round_id, blind=True)
    juror = account("anna@jury.example", "juror")
    account("olga@foundation.example", "organiser")
    assignment_id = factories.assignment(round_id, application_id, juror)
    return Blind(application_id=application_id, assignment_id=assignment_id, round_id=round_id)


def redaction_form(client, page: str, choose=lambda key: "redact", texts: dict[str, str] | None = None) -> dict:
    """The organiser's form as a browser sends it, with a decision per suggestion."""
    html = client.get(page, headers=EN).text
    data = {"_csrf_token": re.search(r'name="_csrf_token" value="([^"]+)"', html).group(1)}
    for name, key in re.findall(r'name="key\.([^"]+)" value="([^"]*)"', html):
        data[f"key.{name}"] = key
        data[f"decision.{name}"] = choose(key)
    for path, text in (texts or {}).items():
        data[f"text.{path}"] = text
    return data


def leaks(texts: list[bytes | str]) -> list[tuple[str, str]]:
    found = []
    for text in texts:
        blob = text if isinstance(text, bytes) else text.encode()
        found += [(secret, blob[:60].decode("utf-8", "replace")) for secret in SECRETS if secret.encode() in blob]
    return found


def juror_crawl(client, entry: Blind) -> list[bytes | str]:
    """Every juror-facing response: the list, the conflict check, the entry, every file, an autosave, headers."""
    a = entry.assignment_id
    out: list[bytes | str] = []
    for path in ("/jury", f"/jury/assignments/{a}", f"/jury/assignments/{a}/files/pitch_deck",
                 f"/jury/assignments/{a}/files/statute", f"/jury/assignments/{a}/files/team_cv"):
        response = client.get(path, headers=EN)
        out.append(every_byte(response.content) if response.headers.get("content-type") == "application/pdf"
                   else response.content)
        out.append(str(dict(response.headers)))
    autosave = client.post(f"/jury/assignments/{a}/review", headers={"hx-request": "true", **EN}, data={
        "_csrf_token": csrf_token(client, f"/jury/assignments/{a}"), "score.IMP": "3"})
    out += [autosave.content, str(dict(autosave.headers))]
    return out


# -- the round's gate ------------------------------------------------------------------------------


def test_a_blind_round_stays_closed_while_identifying_text_is_undecided(client):
    entry = blind_entry(client)
    factories.as_person(client, "anna@jury.example")
    a = entry.assignment_id
    dashboard = client.get("/jury", headers=EN)
    assert "removing names from the entries of this blind round" in dashboard.text
    closed = client.get(f"/jury/assignments/{a}", headers=EN)
    assert closed.status_code == 409 and "This round is not open yet" in closed.text
    assert leaks([closed.text]) == [] and "coltiva orti" not in closed.text
    # Files open only after the conflict check, which this closed page does not offer.
    assert client.get(f"/jury/assignments/{a}/files/pitch_deck").status_code == 404
    token = re.search(r'name="_csrf_token" value="([^"]+)"', dashboard.text).group(1)
    refused = client.post(f"/jury/assignments/{a}/conflict", headers=EN, follow_redirects=False,
                          data={"_csrf_token": token, "decision": "none"})
    assert refused.status_code == 409 and "This round is not open yet" in refused.text
    assert run(Assignment.select(Assignment.conflict_checked_at).where(Assignment.id == a).first())[
        "conflict_checked_at"] is None

    factories.as_person(client, "olga@foundation.example")
    page = client.get(f"/organise/{SLUG}/rounds/R1/redaction", headers=EN)
    assert 'id="gate-closed"' in page.text and f"Entry #{entry.application_id}" in page.text


def test_accepting_the_remaining_suggestions_needs_a_reason_and_is_audited(client):
    entry = blind_entry(client)
    factories.as_person(client, "olga@foundation.example")
    page = f"/organise/{SLUG}/rounds/R1/redaction"
    empty = client.post(f"{page}/accept", headers=EN, data={"_csrf_token": csrf_token(client, page), "reason": " "})
    assert empty.status_code == 400 and "Write why the remaining suggestions may stay" in empty.text
    assert run(AuditEvent.count().where(AuditEvent.action == "redaction.accepted")) == 0
    accepted = client.post(f"{page}/accept", headers=EN, follow_redirects=False, data={
        "_csrf_token": csrf_token(client, page), "reason": "Il comitato ha deciso di lasciare i nomi dei partner."})
    assert accepted.status_code == 302
    event = run(AuditEvent.select().output(load_json=True).where(AuditEvent.action == "redaction.accepted").first())
    data = event["data"]
    assert data["reason"] == "Il comitato ha deciso di lasciare i nomi dei partner."
    assert data["entries"] == [entry.application_id] and data["suggestions"] >= 3
    assert 'id="gate-open"' in client.get(page, headers=EN).text
    # The round is open: the juror reads the entry as written, since the organiser chose to keep it so.
    factories.as_person(client, "anna@jury.example")
    opened = client.get(f"/jury/assignments/{entry.assignment_id}", headers=EN)
    assert opened.status_code == 200 and "any conflict of interest?" in opened.text


# -- what a juror receives -------------------------------------------------------------------------


def test_no_juror_facing_response_or_download_names_the_applicant_of_a_blind_round(client, settings):
    entry = blind_entry(client)
    factories.as_person(client, "olga@foundation.example")
    page = f"/organise/{SLUG}/rounds/R1/redaction/{entry.application_id}"
    review = client.get(page, headers=EN)
    assert review.status_code == 200 and "<mark" in review.text and ENTITY in review.text
    assert client.post(page, data=redaction_form(client, page), follow_redirects=False).status_code == 302
    assert 'id="gate-open"' in client.get(f"/organise/{SLUG}/rounds/R1/redaction", headers=EN).text
    # The organiser sees who applied, and what was taken out of the file, with the values.
    application = client.get(f"/organise/{SLUG}/applications/{entry.application_id}", headers=EN).text
    for secret in SECRETS:
        assert secret in application
    assert "Files as blind jurors receive them" in application and "Keywords" in application
    assert f"{EMAIL}, {PEOPLE[1]}" in application and "JavaScript" in application

    factories.as_person(client, "anna@jury.example")
    a = entry.assignment_id
    token = csrf_token(client, f"/jury/assignments/{a}")
    assert client.post(f"/jury/assignments/{a}/conflict", data={"_csrf_token": token, "decision": "none"},
                       follow_redirects=False).status_code == 302
    texts = juror_crawl(client, entry)
    assert leaks(texts) == []
    entry_page = client.get(f"/jury/assignments/{a}", headers=EN).text
    assert "coltiva orti con i giovani del quartiere" in entry_page and "[omissis]" in entry_page
    download = client.get(f"/jury/assignments/{a}/files/pitch_deck")
    assert download.status_code == 200
    assert PdfReader(io.BytesIO(download.content)).pages[0].extract_text() == "Il nostro progetto"
    assert b"app.alert" not in every_byte(download.content)


def test_the_same_crawl_finds_the_applicant_when_the_round_is_not_blind(client):
    """Proof that the crawl can fail: without blinding, the same responses name the applicant."""
    entry = blind_entry(client)
    factories.set_round(entry.round_id, blind=False)
    factories.as_person(client, "anna@jury.example")
    token = csrf_token(client, f"/jury/assignments/{entry.assignment_id}")
    client.post(f"/jury/assignments/{entry.assignment_id}/conflict", data={"_csrf_token": token, "decision": "none"})
    found = {secret for secret, _where in leaks(juror_crawl(client, entry))}
    assert found == set(SECRETS)


def test_the_organiser_redacts_keeps_and_edits_and_jurors_read_exactly_that(client):
    entry = blind_entry(client)
    factories.as_person(client, "olga@foundation.example")
    page = f"/organise/{SLUG}/rounds/R1/redaction/{entry.application_id}"
    # The phone number is the project's public help line: kept. Everything else suggested goes. The solution
    # text is rewritten by hand.
    form = redaction_form(client, page, choose=lambda key: "keep" if key.startswith("333") else "redact",
                          texts={"solution": "Orti urbani condivisi, coordinati da una socia."})
    assert client.post(page, data=form, follow_redirects=False).status_code == 302
    event = run(AuditEvent.select().output(load_json=True).where(AuditEvent.action == "redaction.saved").first())
    assert event["data"]["kept"] == 1 and event["data"]["edited"] == ["solution"]
    assert all(secret not in str(event["data"]) for secret in SECRETS)  # the audit log names nobody either
    factories.as_person(client, "anna@jury.example")
    token = csrf_token(client, f"/jury/assignments/{entry.assignment_id}")
    client.post(f"/jury/assignments/{entry.assignment_id}/conflict", data={"_csrf_token": token, "decision": "none"})
    text = client.get(f"/jury/assignments/{entry.assignment_id}", headers=EN).text
    assert ("La [omissis] coltiva orti con i giovani del quartiere. Per saperne di più scrivete a [omissis] "
            "o chiamate il 333 1234567.") in text.replace("&#39;", "'")
    assert "Orti urbani condivisi, coordinati da una socia." in text
    assert leaks([text]) == []


def test_an_answer_changed_after_the_review_closes_the_round_again(client):
    entry = blind_entry(client)
    factories.as_person(client, "olga@foundation.example")
    page = f"/organise/{SLUG}/rounds/R1/redaction/{entry.application_id}"
    client.post(page, data=redaction_form(client, page), follow_redirects=False)
    row = run(Application.select(Application.answers, Application.version).output(load_json=True).where(
        Application.id == entry.application_id).first())
    answers = row["answers"]
    answers["values"]["use_of_prize"] = f"Serre per la {ENTITY}."
    factories.set_application(entry.application_id, answers=answers, version=row["version"] + 1)
    factories.as_person(client, "anna@jury.example")
    assert client.get(f"/jury/assignments/{entry.assignment_id}", headers=EN).status_code == 409


# -- uploads ---------------------------------------------------------------------------------------


def test_a_docx_inflating_to_900_mb_is_refused_at_upload_and_nothing_is_kept(client, settings):
    open_call(WITH_DOCX)
    application_id = start_application(client)
    for bomb in (zip_bomb(900), zip_bomb(300, declared_mb=1)):
        refused = upload(client, application_id, "statute", "Statuto.docx", bomb,
                         "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
        assert refused.status_code == 400
        assert ("unpacks to more than" in refused.text or "This document is damaged" in refused.text), refused.text
    assert "unpacks to more than" in upload(client, application_id, "statute", "Statuto.docx", zip_bomb(900),
                                            "application/octet-stream").text
    assert run(Attachment.count()) == 0
    assert [p for p in settings.uploads_dir.rglob("*") if p.is_file()] == []
    accepted = upload(client, application_id, "statute", "Statuto.docx", identifying_docx(),
                      "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    assert accepted.status_code == 302 and run(Attachment.count()) == 1


def test_a_pdf_with_scripts_is_flagged_to_the_organiser_and_served_cleaned_to_everyone_but_its_author(client):
    open_call()
    application_id = start_application(client)
    assert upload(client, application_id, "pitch_deck", "deck.pdf", identifying_pdf(),
                  "application/pdf").status_code == 302
    event = run(AuditEvent.select().output(load_json=True).where(AuditEvent.action == "attachment.added").first())
    assert sorted(event["data"]["active_content"]) == ["embedded_file", "javascript", "launch"]
    attachment = run(Attachment.select(Attachment.id).first())["id"]
    own = client.get(f"/files/{attachment}")
    assert b"app.alert" in every_byte(own.content)  # the applicant gets back what they uploaded
    account("olga@foundation.example", "organiser")
    factories.as_person(client, "olga@foundation.example")
    page = client.get(f"/organise/{SLUG}/applications/{application_id}", headers=EN).text
    assert "Active content removed:" in page and "JavaScript" in page and "launches a program" in page
    served = client.get(f"/files/{attachment}")
    assert served.status_code == 200 and b"app.alert" not in every_byte(served.content)
    assert b"calc.exe" not in every_byte(served.content)


def test_a_plain_pdf_reaches_the_organiser_as_uploaded(client):
    open_call()
    application_id = start_application(client)
    plain = minimal_pdf("Pitch")
    assert upload(client, application_id, "pitch_deck", "deck.pdf", plain, "application/pdf").status_code == 302
    assert "active_content" not in run(AuditEvent.select(AuditEvent.data).output(load_json=True).where(
        AuditEvent.action == "attachment.added").first())["data"]
    account("olga@foundation.example", "organiser")
    factories.as_person(client, "olga@foundation.example")
    attachment = run(Attachment.select(Attachment.id).first())["id"]
    assert client.get(f"/files/{attachment}").content == plain


def test_redacting_every_remaining_suggestion_at_once_opens_the_round(client):
    entry = blind_entry(client)
    factories.as_person(client, "olga@foundation.example")
    page = f"/organise/{SLUG}/rounds/R1/redaction"
    assert client.post(f"{page}/redact-all", data={"_csrf_token": csrf_token(client, page)},
                       follow_redirects=False).status_code == 302
    event = run(AuditEvent.select(AuditEvent.data).output(load_json=True).where(
        AuditEvent.action == "redaction.redacted_remaining").first())["data"]
    assert event["entries"] == [entry.application_id] and event["suggestions"] >= 3
    assert 'id="gate-open"' in client.get(page, headers=EN).text
    factories.as_person(client, "anna@jury.example")
    token = csrf_token(client, f"/jury/assignments/{entry.assignment_id}")
    client.post(f"/jury/assignments/{entry.assignment_id}/conflict", data={"_csrf_token": token, "decision": "none"})
    text = client.get(f"/jury/assignments/{entry.assignment_id}", headers=EN).text
    assert "La [omissis] coltiva orti" in text and leaks([text]) == []

"""Admissibility in bulk with notices in each applicant's language, and an edition's own mail wording."""

from __future__ import annotations

from core.applications.admission import Suggestion, admission_page
from core.messaging.mail import deliver_due
from core.people import accounts
from core.platform.tables import (
    Application,
    AuditEvent,
    Decision,
    MailTemplateOverride,
    OutgoingMail,
)
from tests.conftest import csrf_token, run, sign_in
from tests.factories import EN, PASSWORD, SLUG, account, application, example_edition
from tests.integration.conftest import content


def seed(client) -> dict[str, int]:
    edition = example_edition()
    ids = {}
    for name, locale, track, area in (("anna", "it", "AGR", "SUD"), ("ben", "en", "AGR", "NORD"),
                                      ("carlo", "it", "PAT", "SUD")):
        owner = account(f"{name}@applicant.example", locale=locale, display_name=name.title())
        ids[name] = application(edition, owner=owner, track=track, area=area, entity_name=f"{name.title()} APS",
                                title=f"Progetto {name}", status="submitted", receipt_number=f"R-{name}")
    account("olga@foundation.example", role="organiser", locale="en")
    sign_in(client, "olga@foundation.example", PASSWORD)
    return ids


def test_bulk_marking_needs_a_reason_and_notices_reach_applicants_in_their_language(client, mail_settings, smtp):
    ids = seed(client)
    page = client.get(f"/organise/{SLUG}/admissibility?track=AGR", headers=EN)
    assert page.status_code == 200
    assert "Anna APS" in page.text and "Ben APS" in page.text and "Carlo APS" not in page.text
    token = csrf_token(client, f"/organise/{SLUG}/admissibility")
    refused = client.post(f"/organise/{SLUG}/admissibility/mark", headers=EN, data={
        "_csrf_token": token, "ids": [ids["anna"], ids["ben"]], "outcome": "not_admissible", "reason": " "})
    assert refused.status_code == 400
    assert "Give the reason" in refused.text
    assert refused.text.count("checked") >= 3  # both boxes and the outcome stay chosen
    assert run(Application.count().where(Application.status == "submitted")) == 3

    reason = "L'ente è stato costituito più di cinque anni fa <b>."
    done = client.post(f"/organise/{SLUG}/admissibility/mark", follow_redirects=False, data={
        "_csrf_token": token, "ids": [ids["anna"], ids["ben"]], "outcome": "not_admissible", "reason": reason,
        "track": "AGR"})
    assert done.status_code == 302
    assert "track=AGR" in done.headers["location"]
    client.post(f"/organise/{SLUG}/admissibility/mark", data={
        "_csrf_token": token, "ids": [ids["carlo"]], "outcome": "admissible", "reason": ""})
    statuses = {r["id"]: r["status"] for r in run(Application.select(Application.id, Application.status))}
    assert statuses == {ids["anna"]: "not_admissible", ids["ben"]: "not_admissible", ids["carlo"]: "admissible"}
    assert run(Decision.count().where(Decision.outcome == "not_admissible", Decision.reason == reason)) == 2
    assert run(AuditEvent.count().where(AuditEvent.action == "application.admissibility")) == 3
    page = client.get(f"/organise/{SLUG}/admissibility?status=not_admissible", headers=EN)
    assert "2 applicants found not admissible have not been told yet." in page.text

    sent = client.post(f"/organise/{SLUG}/admissibility/notices", data={"_csrf_token": token},
                       follow_redirects=False)
    assert sent.headers["location"].endswith("sent=2")
    again = client.post(f"/organise/{SLUG}/admissibility/notices", data={"_csrf_token": token},
                        follow_redirects=False)
    assert again.headers["location"].endswith("sent=0")
    assert run(deliver_due(settings=mail_settings)).sent == 2
    messages = {m["To"]: m for m in smtp.messages()}
    italian = content(messages["anna@applicant.example"].get_body(("plain",)))
    english = content(messages["ben@applicant.example"].get_body(("plain",)))
    assert "non è ammissibile" in messages["anna@applicant.example"]["Subject"]
    assert "not admissible" in messages["ben@applicant.example"]["Subject"]
    assert reason in italian and reason in english
    assert "Ciao Anna" in italian or "Gentile Anna" in italian or "Anna" in italian
    html = content(messages["ben@applicant.example"].get_body(("html",)))
    assert "&lt;b&gt;" in html and "<b>." not in html


def test_a_checklist_suggestion_is_shown_beside_the_entry(client):
    ids = seed(client)
    organiser = run(accounts.load_session_user(
        run(accounts.Account.select(accounts.Account.id).where(
            accounts.Account.email == "olga@foundation.example").first())["id"], 0))
    page = run(admission_page(actor=organiser, edition_slug=SLUG,
                              suggestions={ids["ben"]: Suggestion("disputed", "statuto mancante")}))
    assert [r.suggestion for r in page.rows if r.id == ids["ben"]] == [Suggestion("disputed", "statuto mancante")]
    assert all(r.suggestion is None for r in page.rows if r.id != ids["ben"])


OWN_SUBJECT = "News about {{ title }} at {{ edition_title }}"
OWN_TEXT = "Dear {{ name }},\nwe could not admit {{ title }}.\nWhy: {{ reason }}\n{{ status_link }}\n"


def test_an_editions_own_wording_is_previewed_saved_and_used_in_a_sent_mail(client, mail_settings, smtp):
    ids = seed(client)
    listing = client.get(f"/organise/{SLUG}/mail-templates", headers=EN)
    assert listing.status_code == 200 and "/mail-templates/en/application/not_admissible" in listing.text
    path = f"/organise/{SLUG}/mail-templates/en/application/not_admissible"
    token = csrf_token(client, path)
    preview = client.post(path, headers=EN, data={"_csrf_token": token, "action": "preview", "subject": OWN_SUBJECT,
                                                  "body_text": OWN_TEXT,
                                                  "body_html": "<p>Dear {{ name }}: {{ reason }}</p>"})
    assert preview.status_code == 200
    assert "News about Orti per tutti at Welfare &amp; Comunità 2026" in preview.text
    assert run(MailTemplateOverride.count()) == 0  # a preview stores nothing

    broken = client.post(path, headers=EN, data={"_csrf_token": token, "action": "save", "subject": OWN_SUBJECT,
                                                 "body_text": "Dear {{ name }},\n{% if reason %}\nno end"})
    assert broken.status_code == 400
    assert "Line 3" in broken.text
    assert "no end" in broken.text  # the text typed stays

    saved = client.post(path, data={"_csrf_token": token, "action": "save", "subject": OWN_SUBJECT,
                                    "body_text": OWN_TEXT, "body_html": "<p>Dear {{ name }}: {{ reason }}</p>"},
                        follow_redirects=False)
    assert saved.status_code == 302
    assert run(AuditEvent.count().where(AuditEvent.action == "mail_template.saved")) == 1

    token = csrf_token(client, f"/organise/{SLUG}/admissibility")
    client.post(f"/organise/{SLUG}/admissibility/mark", data={
        "_csrf_token": token, "ids": [ids["anna"], ids["ben"]], "outcome": "not_admissible",
        "reason": "<script>x</script> too old"})
    client.post(f"/organise/{SLUG}/admissibility/notices", data={"_csrf_token": token})
    run(deliver_due(settings=mail_settings))
    messages = {m["To"]: m for m in smtp.messages()}
    ben = messages["ben@applicant.example"]
    assert ben["Subject"] == "News about Progetto ben at Welfare & Community 2026"
    assert content(ben.get_body(("plain",))).startswith("Dear Ben,\nwe could not admit Progetto ben.")
    assert "&lt;script&gt;x&lt;/script&gt;" in content(ben.get_body(("html",)))
    # Italian has no override: the standard Italian text.
    assert "non è ammissibile" in messages["anna@applicant.example"]["Subject"]

    reset = client.post(path, data={"_csrf_token": token, "action": "reset"}, follow_redirects=False)
    assert reset.status_code == 302 and run(MailTemplateOverride.count()) == 0


def test_the_sandbox_refuses_unsafe_templates(client):
    seed(client)
    path = f"/organise/{SLUG}/mail-templates/it/application/receipt"
    token = csrf_token(client, path)
    for body in ("{{ name.__class__.__mro__[1].__subclasses__() }}",
                 "{{ summary.__init__.__globals__ }}",
                 "{{ ''.format.__self__ }}{{ cycler.__init__.__globals__.os }}"):
        response = client.post(path, headers=EN, data={"_csrf_token": token, "action": "save", "subject": "Ciao",
                                                       "body_text": body})
        assert response.status_code == 400, body
        assert "unsafe" in response.text or "no attribute" in response.text
    assert run(MailTemplateOverride.count()) == 0
    assert run(OutgoingMail.count()) == 0


def test_strangers_get_no_admissibility_or_mail_pages(client):
    ids = seed(client)
    client.cookies.clear()
    account("x@other.example", role="organiser", edition_slug=None)
    sign_in(client, "x@other.example", PASSWORD)
    token = csrf_token(client, "/organise/new")
    for path in ("/admissibility", "/mail-templates", "/mail-templates/en/application/receipt"):
        assert client.get(f"/organise/{SLUG}{path}").status_code == 404, path
    for path, data in (("/admissibility/mark", {"ids": [ids["anna"]], "outcome": "admissible"}),
                       ("/admissibility/notices", {}),
                       ("/mail-templates/en/application/receipt", {"action": "save", "subject": "x",
                                                                   "body_text": "y"})):
        assert client.post(f"/organise/{SLUG}{path}", data={"_csrf_token": token, **data}).status_code == 404, path
    assert run(Application.count().where(Application.status == "submitted")) == 3
    client.cookies.clear()
    sign_in(client, "anna@applicant.example", PASSWORD)
    assert client.get(f"/organise/{SLUG}/admissibility").status_code == 403
    assert client.get(f"/organise/{SLUG}/mail-templates").status_code == 403

"""The applicant's journey through HTTP and the applications service, on both engines."""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime, timedelta

import pytest

from core.applications import admin
from core.applications import submission as applications
from core.applications.submission import ApplicationClosed, ApplicationNotFound, SubmitRefused
from core.editions.competitions import import_competition_text
from core.platform import i18n
from core.platform.tables import Application, AuditEvent, ConsentRecord, Edition, TeamMember, TimelineEntry
from tests import factories
from tests.conftest import csrf_token, run, sign_in
from tests.factories import EXAMPLE, PASSWORD, SLUG, account
from tests.factories import user as session_user

ROME_NOON_BEFORE_DST = "2026-03-29T12:00:00"  # Europe/Rome moves to CEST at 02:00 that night

VALID = {
    "entity": {"entity_name": ["Orti Aperti APS"], "legal_form": ["aps"], "tax_code": ["97123450011"],
               "founded_on": ["2024-02-10"], "region": ["Puglia"], "website": ["ortiaperti.example"],
               "training_completed": ["yes"]},
    "team": {"members.0.name": ["Anna Russo"], "members.0.role": ["Presidente"], "members.0.age": ["29"],
             "members.1.name": ["Luca Bruno"], "members.1.age": ["33"], "members.2.name": ["Sara Leone"],
             "members.2.age": ["41"], "contact_email": ["anna@ortiaperti.example"]},
    "project": {
        "title": ["Orti che includono"], "abstract": ["Orti sociali per l'inserimento lavorativo."],
        "social_need": ["Disoccupazione giovanile."], "solution": ["Orti urbani condivisi."],
        "technology": ["App per la filiera corta."], "network": ["Comune e scuole."],
        "theory_of_change": ["Dal lavoro all'autonomia."],
        "kpis.0.name": ["Persone inserite"], "kpis.0.baseline": ["0"], "kpis.0.target": ["6"],
        "kpis.1.name": ["Ettari coltivati"], "kpis.1.baseline": ["0,5"], "kpis.1.target": ["2"],
        "kpis.2.name": ["Famiglie servite"], "kpis.2.baseline": ["10"], "kpis.2.target": ["80"],
        "jobs_planned": ["4"], "jobs_disadvantaged": ["2"], "business_model": ["Vendita diretta."],
        "stage": ["prototype"], "scalability": ["Replicabile in altri comuni."], "use_of_prize": ["Serre."],
    },
}
DECLARATIONS = {"truthfulness", "rules_accepted", "privacy_notice"}


def open_call(*, closes_in: timedelta = timedelta(days=10), text: str = EXAMPLE) -> None:
    run(import_competition_text(text))
    close = datetime.now(UTC) + closes_in
    factories.move_timeline("call_close", starts_at=close)


def applicant(email: str = "anna@example.org"):
    return session_user(account(email, locale="en", edition_slug=None))


def fill(user, application_id: int, *, now: datetime | None = None, tax_code: str = "97123450011") -> None:
    for section, data in VALID.items():
        if section == "entity":
            data = dict(data, tax_code=[tax_code])
        outcome = run(applications.save_section(user=user, application_id=application_id, section_code=section,
                                                        data=data, now=now))
        assert outcome.errors == {}, (section, outcome.errors)
    factories.attachment_record(application_id, field="pitch_deck", filename="deck.pdf", size_bytes=1000)


def test_starting_requires_sign_in_and_gives_one_draft_per_edition(client):
    open_call()
    assert client.get(f"/c/{SLUG}/apply", follow_redirects=False).headers["location"].startswith("/login")
    applicant()
    sign_in(client, "anna@example.org", PASSWORD)
    token = csrf_token(client, f"/c/{SLUG}/apply")
    first = client.post(f"/c/{SLUG}/apply", data={"track": "AGR", "_csrf_token": token}, follow_redirects=False)
    assert first.status_code == 302
    again = client.get(f"/c/{SLUG}/apply", follow_redirects=False)
    assert again.headers["location"] == first.headers["location"]
    assert run(Application.count()) == 1


def test_an_invalid_answer_keeps_every_other_answer_and_what_was_typed(client):
    open_call()
    user = applicant()
    application_id = run(applications.start_application(user=user, edition_slug=SLUG, track_code="AGR"))
    sign_in(client, "anna@example.org", PASSWORD)
    page = f"/applications/{application_id}/sections/team"
    token = csrf_token(client, page)
    response = client.post(page, data={"_csrf_token": token, "members.0.name": "Anna Russo", "members.0.age": "29",
                                       "members.1.name": "Luca Bruno", "members.1.age": "trenta",
                                       "contact_email": "anna@ortiaperti.example", "_next": "project"})
    assert response.status_code == 400
    assert "Row 2: Enter a number, such as 12 or 3,5." in response.text
    assert 'value="trenta"' in response.text and 'value="anna@ortiaperti.example"' in response.text
    stored = run(Application.select(Application.answers).output(load_json=True).where(
            Application.id == application_id).first())["answers"]
    stored = stored
    assert stored["values"]["contact_email"] == "anna@ortiaperti.example"
    assert stored["invalid"]["members"][1] == {"name": "Luca Bruno", "role": "", "age": "trenta", "gender": ""}
    # Coming back later shows the kept input and why it is refused.
    later = client.get(page)
    assert 'value="trenta"' in later.text and "Row 2: Enter a number" in later.text


def test_sections_saved_from_two_tabs_do_not_undo_each_other(settings):
    open_call()
    user = applicant()
    application_id = run(applications.start_application(user=user, edition_slug=SLUG, track_code="AGR"))
    run(applications.save_section(user=user, application_id=application_id, section_code="entity",
                                  data=VALID["entity"]))
    run(applications.save_section(user=user, application_id=application_id, section_code="team", data=VALID["team"]))
    view = run(applications.own_application(user=user, application_id=application_id))
    assert view.values["entity_name"] == "Orti Aperti APS" and view.values["contact_email"] == "anna@ortiaperti.example"
    assert view.area == "SUD"
    team = run(TeamMember.select(TeamMember.full_name, TeamMember.age_band).order_by(TeamMember.position))
    assert team == [{"full_name": "Anna Russo", "age_band": "25_34"}, {"full_name": "Luca Bruno", "age_band": "25_34"},
                    {"full_name": "Sara Leone", "age_band": "35_44"}]


def test_another_applicant_cannot_read_change_or_submit(client):
    open_call()
    owner = applicant()
    application_id = run(applications.start_application(user=owner, edition_slug=SLUG, track_code="AGR"))
    run(applications.save_section(user=owner, application_id=application_id, section_code="entity",
                                  data=VALID["entity"]))
    applicant("intruder@example.org")
    sign_in(client, "intruder@example.org", PASSWORD)
    token = csrf_token(client, "/me")
    base = f"/applications/{application_id}"
    for response in (client.get(base), client.get(f"{base}/preview"), client.get(f"{base}/sections/entity"),
                     client.post(f"{base}/sections/entity", data={"_csrf_token": token, "entity_name": "Mine now"}),
                     client.post(f"{base}/submit", data={"_csrf_token": token, "declaration": list(DECLARATIONS)}),
                     client.post(f"{base}/withdraw", data={"_csrf_token": token})):
        assert response.status_code == 404
        assert "Orti Aperti" not in response.text
    assert run(applications.own_application(user=owner, application_id=application_id)).values["entity_name"] == \
        "Orti Aperti APS"


def test_forms_need_the_csrf_token(client):
    open_call()
    user = applicant()
    application_id = run(applications.start_application(user=user, edition_slug=SLUG, track_code="AGR"))
    sign_in(client, "anna@example.org", PASSWORD)
    response = client.post(f"/applications/{application_id}/sections/entity", data={"entity_name": "X"})
    assert response.status_code == 403
    assert run(applications.own_application(user=user, application_id=application_id)).values == {}


def test_full_journey_over_http_to_the_receipt(client):
    open_call()
    user = applicant()
    sign_in(client, "anna@example.org", PASSWORD)
    token = csrf_token(client, f"/c/{SLUG}/apply")
    location = client.post(f"/c/{SLUG}/apply", data={"track": "AGR", "_csrf_token": token},
                           follow_redirects=False).headers["location"]
    application_id = int(location.rsplit("/", 1)[1])
    for section, data in VALID.items():
        token = csrf_token(client, f"{location}/sections/{section}")
        form = {key: values[0] for key, values in data.items()} | {"_csrf_token": token, "_next": "overview"}
        assert client.post(f"{location}/sections/{section}", data=form, follow_redirects=False).status_code == 302
    refused = client.post(f"{location}/submit", data={"_csrf_token": csrf_token(client, location),
                                                      "declaration": list(DECLARATIONS)})
    assert refused.status_code == 400
    assert re.search(r">Attachments</a>: one answer missing or to correct", refused.text)
    factories.attachment_record(application_id, field="pitch_deck", filename="deck.pdf", size_bytes=1000)
    submitted = client.post(f"{location}/submit", data={"_csrf_token": csrf_token(client, location),
                                                        "declaration": list(DECLARATIONS), "consent": "newsletter"},
                            follow_redirects=True)
    assert submitted.status_code == 200
    receipt = re.search(r"Your receipt number is (WC26-\d{5})", submitted.text).group(1)
    assert receipt == f"WC26-{application_id:05d}"
    records = run(ConsentRecord.select(ConsentRecord.code, ConsentRecord.kind, ConsentRecord.text_version))
    assert sorted((r["code"], r["kind"]) for r in records) == sorted(
        [(code, "declaration") for code in DECLARATIONS] + [("newsletter", "consent")])
    # Read-only afterwards.
    token = csrf_token(client, location)
    edit = client.post(f"{location}/sections/entity", data={"_csrf_token": token, "entity_name": "Changed"})
    assert edit.status_code == 409 and "can no longer be changed" in edit.text
    assert run(applications.own_application(user=user, application_id=application_id)).values["entity_name"] == \
        "Orti Aperti APS"


def test_submission_is_atomic_and_idempotent_under_concurrency(settings):
    open_call()
    user = applicant()
    application_id = run(applications.start_application(user=user, edition_slug=SLUG, track_code="SPW"))
    fill(user, application_id)
    results, errors = [], []

    def submit():
        try:
            results.append(run(applications.submit_application(user=user, application_id=application_id,
                                                                declarations=DECLARATIONS, consents=set())))
        except Exception as error:
            errors.append(error)

    threads = [threading.Thread(target=submit) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert {r.receipt_number for r in results} == {f"WC26-{application_id:05d}"}
    assert sum(not r.already_submitted for r in results) == 1
    assert run(AuditEvent.count().where(AuditEvent.action == "application.submitted")) == 1
    assert run(ConsentRecord.count()) == len(DECLARATIONS)


@pytest.mark.parametrize(("close_local", "offset"), [
    (ROME_NOON_BEFORE_DST, "+02:00"),        # the first day of summer time
    ("2026-10-25T12:00:00", "+01:00"),      # the first day of winter time
])
def test_deadline_one_second_before_and_after_across_daylight_saving(settings, close_local, offset):
    text = EXAMPLE.replace('starts_at: "2026-04-30T12:00:00+02:00"', f'starts_at: "{close_local}"')
    run(import_competition_text(text))
    deadline = datetime.fromisoformat(close_local + offset)
    user = applicant()
    start = deadline - timedelta(days=3)
    application_id = run(applications.start_application(user=user, edition_slug=SLUG, track_code="AGR", now=start))
    fill(user, application_id, now=start)
    with pytest.raises(ApplicationClosed):
        run(applications.save_section(user=user, application_id=application_id, section_code="entity",
                                      data=VALID["entity"], now=deadline + timedelta(seconds=1)))
    with pytest.raises(ApplicationClosed):
        run(applications.submit_application(user=user, application_id=application_id, declarations=DECLARATIONS,
                                            consents=set(), now=deadline + timedelta(seconds=1)))
    result = run(applications.submit_application(user=user, application_id=application_id, declarations=DECLARATIONS,
                                                 consents=set(), now=deadline - timedelta(seconds=1)))
    assert result.submitted_at == deadline - timedelta(seconds=1)


def test_grace_period_and_a_personal_extension(settings):
    text = EXAMPLE.replace("  max_cash_prizes_per_entity: 1", "  max_cash_prizes_per_entity: 1\n  grace_minutes: 15")
    run(import_competition_text(text))
    deadline = datetime.fromisoformat("2026-04-30T12:00:00+02:00")
    user = applicant()
    other = applicant("late@example.org")
    for person, tax_code in ((user, "97123450011"), (other, "97999990011")):
        application_id = run(applications.start_application(user=person, edition_slug=SLUG, track_code="AGR",
                                                            now=deadline - timedelta(days=1)))
        fill(person, application_id, now=deadline - timedelta(days=1), tax_code=tax_code)
    mine, late = (row["id"] for row in run(Application.select(Application.id).order_by(Application.id)))
    in_grace = deadline + timedelta(minutes=14)
    assert run(applications.submit_application(user=user, application_id=mine, declarations=DECLARATIONS,
                                               consents=set(), now=in_grace)).receipt_number
    organiser = session_user(account("org@example.org", role="organiser", verified=False))
    with pytest.raises(ApplicationNotFound):  # an applicant cannot extend anyone's deadline
        run(admin.grant_extension(actor=user, edition_slug=SLUG, application_id=late,
                                              until=deadline + timedelta(days=2)))
    run(admin.grant_extension(actor=organiser, edition_slug=SLUG, application_id=late,
                                          until=deadline + timedelta(days=2)))
    assert run(applications.submit_application(user=other, application_id=late, declarations=DECLARATIONS,
                                               consents=set(), now=deadline + timedelta(days=1))).receipt_number


def test_eligibility_is_checked_by_the_plugin_and_says_what_is_wrong(settings):
    open_call()
    user = applicant()
    application_id = run(applications.start_application(user=user, edition_slug=SLUG, track_code="AGR"))
    fill(user, application_id)
    old = dict(VALID["entity"], founded_on=["2015-01-01"], legal_form=["cooperativa_sociale"])
    run(applications.save_section(user=user, application_id=application_id, section_code="entity", data=old))
    older_team = dict(VALID["team"], **{"members.0.age": ["52"], "members.1.age": ["47"]})
    run(applications.save_section(user=user, application_id=application_id, section_code="team", data=older_team))
    with pytest.raises(SubmitRefused) as refused, i18n.language("en"):
        run(applications.submit_application(user=user, application_id=application_id, declarations=DECLARATIONS,
                                            consents=set()))
    assert refused.value.problems == ["The entity was incorporated more than 5 years before the deadline.",
                                      "Most members of the team must be under 35."]
    assert run(Application.select(Application.status).first())["status"] == "draft"


def test_withdrawal_before_the_deadline_only(settings):
    open_call()
    user = applicant()
    application_id = run(applications.start_application(user=user, edition_slug=SLUG, track_code="AGR"))
    fill(user, application_id)
    run(applications.submit_application(user=user, application_id=application_id, declarations=DECLARATIONS,
                                        consents=set()))
    close = run(TimelineEntry.select(TimelineEntry.starts_at).where(TimelineEntry.code == "call_close").first())
    with pytest.raises(ApplicationClosed):
        run(applications.withdraw_application(user=user, application_id=application_id,
                                              now=close["starts_at"] + timedelta(seconds=1)))
    run(applications.withdraw_application(user=user, application_id=application_id))
    assert run(Application.select(Application.status).first())["status"] == "withdrawn"


def test_a_closed_call_takes_no_new_applications(settings):
    run(import_competition_text(EXAMPLE.replace("status: open", "status: screening")))
    user = applicant()
    with pytest.raises(ApplicationClosed):
        run(applications.start_application(user=user, edition_slug=SLUG, track_code="AGR"))
    assert run(Edition.count()) == 1 and run(Application.count()) == 0


def test_the_incorporation_date_rule_shows_as_required_and_the_refusal_links_to_it(client):
    open_call()
    applicant()
    sign_in(client, "anna@example.org", PASSWORD)
    token = csrf_token(client, f"/c/{SLUG}/apply")
    location = client.post(f"/c/{SLUG}/apply", data={"track": "AGR", "_csrf_token": token},
                           follow_redirects=False).headers["location"]
    application_id = int(location.rsplit("/", 1)[1])
    for section, data in VALID.items():
        if section == "entity":
            data = {key: value for key, value in data.items() if key != "founded_on"}
        token = csrf_token(client, f"{location}/sections/{section}")
        form = {key: values[0] for key, values in data.items()} | {"_csrf_token": token, "_next": "overview"}
        assert client.post(f"{location}/sections/{section}", data=form, follow_redirects=False).status_code == 302
    factories.attachment_record(application_id, field="pitch_deck", filename="deck.pdf", size_bytes=1000)
    entity = client.get(f"{location}/sections/entity").text
    assert re.search(r'<label for="q-founded_on">Date of incorporation <span class="required" aria-hidden="true">\*'
                     r'</span><span class="visually-hidden"> \(required\)</span></label>', entity)
    overview = client.get(location).text
    assert re.search(r'>Applicant entity</a>\s*<span class="progress ">\s*4 of 5 required answers', overview)
    refused = client.post(f"{location}/submit", data={"_csrf_token": csrf_token(client, location),
                                                      "declaration": list(DECLARATIONS)})
    assert refused.status_code == 400
    assert f'<a href="/applications/{application_id}/sections/entity#field-founded_on">Date of incorporation</a>: ' \
           "This answer is required." in refused.text
    assert "Give the date of incorporation" not in refused.text
    # An entity yet to be incorporated needs no date: the section is complete and the submission goes through.
    token = csrf_token(client, f"{location}/sections/entity")
    form = {key: values[0] for key, values in VALID["entity"].items() if key != "founded_on"}
    client.post(f"{location}/sections/entity", data=form | {"legal_form": "da_costituire", "_csrf_token": token,
                                                          "_next": "overview"})
    entity = client.get(f"{location}/sections/entity").text
    assert '<label for="q-founded_on">Date of incorporation</label>' in entity
    submitted = client.post(f"{location}/submit", data={"_csrf_token": csrf_token(client, location),
                                                        "declaration": list(DECLARATIONS)}, follow_redirects=False)
    assert submitted.status_code == 302


def test_mandatory_training_answered_no_makes_the_section_incomplete(settings):
    open_call()
    user = applicant()
    application_id = run(applications.start_application(user=user, edition_slug=SLUG, track_code="AGR"))
    fill(user, application_id)
    run(applications.save_section(user=user, application_id=application_id, section_code="entity",
                                  data=dict(VALID["entity"], training_completed=["no"])))
    view = run(applications.own_application(user=user, application_id=application_id))
    assert "training_completed" in view.required_by_rule and not view.progress[0].complete
    with pytest.raises(SubmitRefused) as refused, i18n.language("en"):
        run(applications.submit_application(user=user, application_id=application_id, declarations=DECLARATIONS,
                                            consents=set()))
    assert refused.value.by_section == {"entity": {"training_completed": "The call requires this answer to be yes."}}


def test_withdrawal_asks_for_confirmation_and_the_applicant_may_start_again_while_open(client):
    open_call()
    user = applicant()
    application_id = run(applications.start_application(user=user, edition_slug=SLUG, track_code="AGR"))
    fill(user, application_id)
    first = run(applications.submit_application(user=user, application_id=application_id, declarations=DECLARATIONS,
                                                consents=set())).receipt_number
    sign_in(client, "anna@example.org", PASSWORD)
    location = f"/applications/{application_id}"
    assert f'<a href="{location}/withdraw">Withdraw the application</a>' in client.get(location).text
    # A post without the confirmation changes nothing and leads to the confirmation page.
    unconfirmed = client.post(f"{location}/withdraw", data={"_csrf_token": csrf_token(client, location)},
                              follow_redirects=False)
    assert (unconfirmed.status_code, unconfirmed.headers["location"]) == (302, f"{location}/withdraw")
    assert run(Application.select(Application.status).first())["status"] == "submitted"
    page = client.get(f"{location}/withdraw")
    assert page.status_code == 200 and "it will not be checked or judged" in page.text
    assert '<input type="hidden" name="confirm" value="yes">' in page.text
    confirmed = client.post(f"{location}/withdraw", data={"_csrf_token": csrf_token(client, f"{location}/withdraw"),
                                                          "confirm": "yes"}, follow_redirects=False)
    assert confirmed.status_code == 302
    assert run(Application.select(Application.status).first())["status"] == "withdrawn"
    overview = client.get(location).text
    assert f'<form method="post" action="{location}/start-again">' in overview
    again = client.post(f"{location}/start-again", data={"_csrf_token": csrf_token(client, location)},
                        follow_redirects=False)
    assert again.status_code == 302
    row = run(Application.select(Application.status, Application.receipt_number,
                                 Application.answers).output(load_json=True).first())
    assert (row["status"], row["receipt_number"]) == ("draft", None)
    assert row["answers"]["values"]["entity_name"] == "Orti Aperti APS"
    second = run(applications.submit_application(user=user, application_id=application_id, declarations=DECLARATIONS,
                                                 consents=set())).receipt_number
    assert (first, second) == (f"WC26-{application_id:05d}", f"WC26-{application_id:05d}-2")
    assert run(AuditEvent.select(AuditEvent.action).where(AuditEvent.subject_type == "application").order_by(
        AuditEvent.id).output(as_list=True)) == ["application.started", "application.submitted",
                                                 "application.withdrawn", "application.started_again",
                                                 "application.submitted"]


def test_starting_again_is_refused_once_the_call_has_closed(client):
    open_call()
    user = applicant()
    application_id = run(applications.start_application(user=user, edition_slug=SLUG, track_code="AGR"))
    run(applications.withdraw_application(user=user, application_id=application_id))
    factories.move_timeline("call_close", starts_at=datetime.now(UTC) - timedelta(hours=1))
    sign_in(client, "anna@example.org", PASSWORD)
    location = f"/applications/{application_id}"
    assert "start-again" not in client.get(location).text
    refused = client.post(f"{location}/start-again", data={"_csrf_token": csrf_token(client, location)})
    assert refused.status_code == 409
    assert "This application cannot be started again: the call is closed." in refused.text
    assert run(Application.select(Application.status).first())["status"] == "withdrawn"

"""The application form, the eligibility rules and the declarations changed with pages, over HTTP on both engines."""

from __future__ import annotations

import pytest

from core.applications import submission as applications
from core.applications.submission import SubmitRefused
from core.editions.competitions import competition_to_yaml, read_competition_file
from core.platform import i18n
from core.platform.tables import AuditEvent, Edition
from tests.conftest import csrf_token, run, sign_in
from tests.factories import PASSWORD, SLUG, account
from tests.integration.test_applicant import DECLARATIONS, applicant, fill, open_call

EN = {"accept-language": "en"}
PAGE = f"/organise/{SLUG}/setup/form"
QUESTION = {"label_it": "Impatto atteso", "label_en": "Expected impact", "help_it": "", "help_en": "",
            "kind": "single_choice", "required": "1", "choices_it": "Locale\nNazionale",
            "choices_en": "Local\nNational"}


def organiser(client) -> None:
    account("olga@foundation.example", role="organiser", locale="en")
    assert sign_in(client, "olga@foundation.example", PASSWORD).status_code == 302


def post(client, path: str, data: dict):
    token = csrf_token(client, PAGE)
    return client.post(f"{PAGE}{path}", data={"_csrf_token": token, **data}, headers=EN, follow_redirects=False)


def form_of() -> list[dict]:
    return run(Edition.select(Edition.application_form).output(load_json=True).where(
        Edition.slug == SLUG).first())["application_form"]


def test_a_section_and_a_question_added_with_pages_show_on_the_applicants_form(client):
    open_call()
    organiser(client)
    page = client.get(PAGE, headers=EN)
    assert page.status_code == 200 and "Legal form" in page.text and "One choice from a list" in page.text
    refused = post(client, "/sections", {"title_it": "Impatto", "title_en": ""})
    assert refused.status_code == 400
    assert "Give a name in this language." in refused.text and 'value="Impatto"' in refused.text
    added = post(client, "/sections", {"title_it": "Impatto", "title_en": "Impact", "help_it": "Chi ne beneficia",
                                       "help_en": ""})
    assert added.status_code == 302 and added.headers["location"] == f"{PAGE}?saved=sections#sections"
    code = form_of()[-1]["code"]
    assert form_of()[-1]["title"] == {"it": "Impatto", "en": "Impact"}
    # a wrong field keeps everything else that was typed
    wrong = post(client, f"/sections/{code}/questions", {**QUESTION, "choices_en": "Local", "label_en": ""})
    assert wrong.status_code == 400
    assert "Give a name in this language." in wrong.text
    assert 'value="Impatto atteso"' in wrong.text and "Locale\nNazionale</textarea>" in wrong.text
    assert post(client, f"/sections/{code}/questions", QUESTION).status_code == 302
    assert post(client, f"/sections/{code}/questions", {**QUESTION, "label_it": "Sito", "label_en": "Site",
                                                        "kind": "file", "accept": ["pdf", "png"], "max_mb": "5"}
                ).status_code == 302
    questions = form_of()[-1]["questions"]
    assert "Locale\nNazionale</textarea>" in client.get(PAGE, headers=EN).text  # one per line, as typed
    assert [q["type"] for q in questions] == ["single_choice", "file"]
    assert [c["label"] for c in questions[0]["choices"]] == [{"it": "Locale", "en": "Local"},
                                                             {"it": "Nazionale", "en": "National"}]
    assert questions[1]["accept"] == ["pdf", "png"] and questions[1]["max_mb"] == 5
    # moved: the new section goes up one place, its file question above the choice
    assert post(client, f"/sections/{code}/move", {"direction": "up"}).status_code == 302
    assert [s["code"] for s in form_of()][-2] == code
    first = questions[0]["code"]
    assert post(client, f"/sections/{code}/questions/{questions[1]['code']}/move", {"direction": "up"}
                ).status_code == 302
    assert [q["code"] for s in form_of() if s["code"] == code for q in s["questions"]][1] == first
    edited = post(client, f"/sections/{code}/questions/{first}/edit", {**QUESTION, "label_en": "Impact we expect",
                                                                        "choices_it": "Nazionale\nLocale",
                                                                        "choices_en": "National\nLocal"})
    assert edited.status_code == 302
    choice_codes = {c["label"]["it"]: c["code"] for c in questions[0]["choices"]}
    after = next(q for s in form_of() for q in s["questions"] if q["code"] == first)
    assert {c["label"]["it"]: c["code"] for c in after["choices"]} == choice_codes  # answers keep their meaning
    assert run(AuditEvent.count().where(AuditEvent.action == "edition.changed")) >= 6

    client.cookies.clear()
    user = applicant()
    sign_in(client, "anna@example.org", PASSWORD)
    application_id = run(applications.start_application(user=user, edition_slug=SLUG, track_code="AGR"))
    shown = client.get(f"/applications/{application_id}/sections/{code}", headers=EN)
    assert shown.status_code == 200 and "Impact we expect" in shown.text and "National" in shown.text
    # someone who does not organise the edition sees no such page and changes nothing
    assert client.get(PAGE).status_code in (403, 404)
    token = csrf_token(client, f"/applications/{application_id}")
    assert client.post(f"{PAGE}/sections", data={"_csrf_token": token, "title_it": "X", "title_en": "Y"}
                       ).status_code in (403, 404)
    assert client.post(f"{PAGE}/sections/{code}/remove", data={"_csrf_token": token}).status_code in (403, 404)
    assert any(s["code"] == code for s in form_of())


def test_a_question_a_submitted_application_answered_stays_with_its_kind(client):
    open_call()
    user = applicant()
    application_id = run(applications.start_application(user=user, edition_slug=SLUG, track_code="AGR"))
    fill(user, application_id)
    run(applications.submit_application(user=user, application_id=application_id, declarations=DECLARATIONS,
                                        consents=set()))
    organiser(client)
    removed = post(client, "/sections/project/questions/stage/remove", {})
    assert removed.status_code == 400
    assert "Submitted applications answered this question, so it cannot be removed." in removed.text
    kind = post(client, "/sections/project/questions/stage/edit", {**QUESTION, "kind": "short_text"})
    assert kind.status_code == 400
    assert "Submitted applications answered this question, so its kind cannot change." in kind.text
    assert post(client, "/sections/project/remove", {}).status_code == 400
    assert any(q["code"] == "stage" for s in form_of() for q in s["questions"])
    # the edition's file follows the same rule
    spec = read_competition_file(client.get(f"/organise/{SLUG}/setup/edition.yaml").text)
    spec.application_form[2].questions = [q for q in spec.application_form[2].questions if q.code != "stage"]
    token = csrf_token(client, f"/organise/{SLUG}/setup")
    by_file = client.post(f"/organise/{SLUG}/setup/yaml", headers=EN, data={
        "_csrf_token": token, "yaml": competition_to_yaml(spec)})
    assert by_file.status_code == 400 and "it cannot be removed" in by_file.text
    assert any(q["code"] == "stage" for s in form_of() for q in s["questions"])
    # its wording still changes, and a question nobody answered goes
    assert post(client, "/sections/project/questions/stage/edit", {
        **QUESTION, "label_en": "Stage of development", "choices_it": "Idea\nProof of concept\nPrototipo\nSul mercato",
        "choices_en": "Idea\nProof of concept\nPrototype\nOn the market"}).status_code == 302
    stage = next(q for s in form_of() for q in s["questions"] if q["code"] == "stage")
    assert [c["code"] for c in stage["choices"]] == ["idea", "proof_of_concept", "prototype", "on_market"]
    assert post(client, "/sections/attachments/questions/statute/remove", {}).status_code == 302
    assert not any(q["code"] == "statute" for s in form_of() for q in s["questions"])


def test_eligibility_and_declarations_changed_with_pages_apply_to_the_submission(client):
    open_call()
    organiser(client)
    wrong = post(client, "/eligibility", {"legal_forms": ["odv"], "max_entity_age_years": "five",
                                          "team_majority_under_age": "40", "allow_to_be_incorporated": "1"})
    assert wrong.status_code == 400
    assert "Give a whole number from 1 to 100." in wrong.text and 'value="40"' in wrong.text
    assert post(client, "/eligibility", {"legal_forms": ["odv"], "max_entity_age_years": "",
                                         "team_majority_under_age": "", "allow_to_be_incorporated": "1"}
                ).status_code == 302
    rules = run(Edition.select(Edition.eligibility).output(load_json=True).where(Edition.slug == SLUG).first())
    assert rules["eligibility"]["legal_forms"] == ["odv"] and "max_entity_age_years" not in rules["eligibility"]
    assert post(client, "/statements/declarations", {"text_it": "Non ho altri finanziamenti.", "text_en": ""}
                ).status_code == 400
    assert post(client, "/statements/declarations", {"text_it": "Non ho altri finanziamenti.",
                                                     "text_en": "I have no other funding.", "version": "1.0"}
                ).status_code == 302
    assert post(client, "/statements/consents/newsletter/remove", {}).status_code == 302
    assert post(client, "/statements/nonsense", {"text_it": "a", "text_en": "b"}).status_code == 404

    client.cookies.clear()
    user = applicant()
    sign_in(client, "anna@example.org", PASSWORD)
    application_id = run(applications.start_application(user=user, edition_slug=SLUG, track_code="AGR"))
    fill(user, application_id)
    overview = client.get(f"/applications/{application_id}", headers=EN)
    assert "I have no other funding." in overview.text and "newsletter" not in overview.text.lower()
    with pytest.raises(SubmitRefused) as refused, i18n.language("en"):
        run(applications.submit_application(user=user, application_id=application_id,
                                            declarations=DECLARATIONS | {"d1"}, consents=set()))
    assert "The legal form of the entity is not among those this call admits." in refused.value.problems

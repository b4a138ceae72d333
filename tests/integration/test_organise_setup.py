"""Setting an edition up through HTTP on both engines: create from a file, edit in place, forms, frozen rubrics."""

from __future__ import annotations

from datetime import date

import pytest

from core.editions import setup as edition_setup
from core.editions import setup_forms
from core.editions.competitions import import_competition_text
from core.editions.setup import EditionCreationForbidden
from core.people import accounts
from core.platform.errors import Forbidden
from core.platform.tables import (
    Application,
    AuditEvent,
    Edition,
    Round,
    TimelineEntry,
    Track,
)
from tests import factories
from tests.conftest import csrf_token, run, sign_in
from tests.factories import (
    EN,
    EXAMPLE,
    PASSWORD,
    SLUG,
    account,
    application,
    as_person,
    assignment,
    example_edition,
    review,
)


def organiser(client, email: str = "olga@foundation.example", *, edition: str | None = SLUG) -> int:
    account_id = account(email, role="organiser", edition_slug=edition, locale="en")
    as_person(client, email)
    return account_id


def test_a_new_edition_with_an_error_shows_the_line_and_keeps_the_text(client):
    organiser(client, edition=None)
    broken = EXAMPLE.replace("kind: screening", "kind: screenin")
    token = csrf_token(client, "/organise/new")
    response = client.post("/organise/new", data={"_csrf_token": token, "yaml": broken}, headers=EN)
    assert response.status_code == 400
    line = broken.splitlines().index("    kind: screenin") + 1
    assert f"Line {line}" in response.text
    assert "$.rounds[1].kind" in response.text
    assert "kind: screenin" in response.text  # the text stays in the box
    assert run(Edition.count()) == 0

    response = client.post("/organise/new", data={"_csrf_token": token, "yaml": EXAMPLE}, follow_redirects=False)
    assert response.status_code == 302
    assert response.headers["location"] == f"/organise/{SLUG}/setup?saved=created"
    page = client.get(response.headers["location"], headers=EN)
    assert page.status_code == 200
    assert "The edition was created." in page.text


def test_an_uploaded_file_creates_the_edition_and_the_creator_organises_it(client):
    example_edition(EXAMPLE.replace(SLUG, "older-edition-2025"))
    account("maker@foundation.example", role="organiser", edition_slug="older-edition-2025")
    sign_in(client, "maker@foundation.example", PASSWORD)
    token = csrf_token(client, "/organise/new")
    response = client.post("/organise/new", data={"_csrf_token": token},
                           files={"file": ("edition.yaml", EXAMPLE.encode(), "application/yaml")},
                           follow_redirects=False)
    assert response.status_code == 302
    assert client.get(f"/organise/{SLUG}/setup").status_code == 200


def test_editing_the_file_applies_and_is_audited_once_the_call_is_open(client):
    example_edition()
    organiser(client)
    download = client.get(f"/organise/{SLUG}/setup/edition.yaml")
    assert download.status_code == 200
    assert "attachment" in download.headers["content-disposition"]
    text = download.text
    assert "top_n: 12" in text
    token = csrf_token(client, f"/organise/{SLUG}/setup")
    edited = text.replace("top_n: 12", "top_n: 10").replace("Agricoltura sociale", "Agricoltura sociale e rurale")
    response = client.post(f"/organise/{SLUG}/setup/yaml", data={"_csrf_token": token, "yaml": edited},
                           follow_redirects=False)
    assert response.status_code == 302
    advancement = run(Round.select(Round.advancement).output(load_json=True).where(Round.code == "R1").first())[
            "advancement"]
    assert advancement["top_n"] == 10
    track = run(Track.select(Track.name).output(load_json=True).where(Track.code == "AGR").first())
    assert track["name"]["it"] == "Agricoltura sociale e rurale"
    event = run(AuditEvent.select().output(load_json=True).where(AuditEvent.action == "edition.changed").first())
    changes = event["data"]["changes"]
    assert {"path": "rounds[R1].advancement.top_n", "before": 12, "after": 10} in changes
    assert any(c["path"] == "tracks[AGR].name.it" for c in changes)

    bad = edited.replace("top_n: 10", "top_n: 10\n    bogus: 1").replace("jurors_per_entry: 3", "jurors_per_entry: -3")
    response = client.post(f"/organise/{SLUG}/setup/yaml", data={"_csrf_token": token, "yaml": bad}, headers=EN)
    assert response.status_code == 400
    assert "bogus: 1" in response.text and "Line " in response.text


def test_a_draft_edition_changes_without_audit_and_applications_survive(client):
    edition = example_edition(EXAMPLE.replace("status: open", "status: draft"))
    owner = organiser(client)
    application(edition, owner=owner, track="AGR", title="Orti", status="submitted")
    text = client.get(f"/organise/{SLUG}/setup/edition.yaml").text
    token = csrf_token(client, f"/organise/{SLUG}/setup")
    without_agr = text.replace("- code: AGR", "- code: AGX").replace("track: AGR", "track: AGX")
    response = client.post(f"/organise/{SLUG}/setup/yaml", data={"_csrf_token": token, "yaml": without_agr},
                           headers=EN)
    assert response.status_code == 400
    assert "track &#39;AGR&#39; is in use and cannot be removed" in response.text
    response = client.post(f"/organise/{SLUG}/setup/yaml", data={
        "_csrf_token": token, "yaml": text.replace("top_n: 12", "top_n: 8")}, follow_redirects=False)
    assert response.status_code == 302
    assert run(Application.count()) == 1
    assert run(AuditEvent.count().where(AuditEvent.action == "edition.changed")) == 0


def test_timeline_and_round_dates_forms(client):
    example_edition()
    organiser(client)
    token = csrf_token(client, f"/organise/{SLUG}/setup")
    response = client.post(f"/organise/{SLUG}/setup/timeline", data={
        "_csrf_token": token, "timeline.call_close.starts": "2026-05-04T12:00", "timeline.call_close.ends": "",
        "timeline.admissibility.starts": "2026-05-05T00:00", "timeline.admissibility.ends": "2026-05-01T00:00"},
        headers=EN)
    assert response.status_code == 400
    assert "The end comes before the start." in response.text
    assert 'value="2026-05-01T00:00"' in response.text  # what was typed stays
    response = client.post(f"/organise/{SLUG}/setup/timeline", data={
        "_csrf_token": token, "timeline.call_close.starts": "2026-05-04T12:00", "timeline.call_close.ends": ""},
        follow_redirects=False)
    assert response.status_code == 302
    close = run(TimelineEntry.select(TimelineEntry.starts_at).where(TimelineEntry.code == "call_close").first())
    assert close["starts_at"].isoformat().startswith("2026-05-04T10:00")  # 12:00 in Rome is 10:00 UTC
    response = client.post(f"/organise/{SLUG}/setup/rounds", data={
        "_csrf_token": token, "rounds.R1.starts": "2026-05-10T09:00", "rounds.R1.ends": "2026-06-01T18:00"},
        follow_redirects=False)
    assert response.status_code == 302
    r1 = run(Round.select(Round.opens_at, Round.closes_at).where(Round.code == "R1").first())
    assert r1["closes_at"].isoformat().startswith("2026-06-01T16:00")
    actions = [e["data"] for e in run(AuditEvent.select(AuditEvent.data).output(load_json=True).where(
            AuditEvent.action == "edition.changed"))]
    assert len(actions) == 2


def test_rubric_weights_change_until_a_review_exists_then_are_refused(client):
    edition = example_edition()
    organiser_id = organiser(client)
    token = csrf_token(client, f"/organise/{SLUG}/setup")
    weights = {"weight.IMP": "3", "weight.INN": "2", "weight.SOS": "2", "weight.TEA": "1", "weight.RET": "1"}
    response = client.post(f"/organise/{SLUG}/setup/rounds/R1/rubric", data={"_csrf_token": token, **weights,
                                                                           "weight.RET": "zero"}, headers=EN)
    assert response.status_code == 400
    assert "Give a number" in response.text
    response = client.post(f"/organise/{SLUG}/setup/rounds/R1/rubric", data={"_csrf_token": token, **weights},
                           follow_redirects=False)
    assert response.status_code == 302
    rubric = run(Round.select(Round.rubric).output(load_json=True).where(Round.code == "R1").first())["rubric"]
    assert {c["code"]: c["weight"] for c in rubric["criteria"]}["IMP"] == 3
    assert "weight: 3" in client.get(f"/organise/{SLUG}/setup/edition.yaml").text

    entry = application(edition, owner=organiser_id, track=None, title="Orti", status="in_round")
    review(assignment(edition.rounds["R1"], entry, organiser_id), {}, status="draft")
    response = client.post(f"/organise/{SLUG}/setup/rounds/R1/rubric", data={"_csrf_token": token, **weights,
                                                                           "weight.IMP": "5"}, headers=EN)
    assert response.status_code == 409
    assert "The rubric of round Online jury is frozen" in response.text
    text = client.get(f"/organise/{SLUG}/setup/edition.yaml").text
    response = client.post(f"/organise/{SLUG}/setup/yaml", data={
        "_csrf_token": token, "yaml": text.replace("weight: 3", "weight: 4", 1)}, headers=EN)
    assert response.status_code == 400
    assert "the rubric of round &#39;R1&#39; is frozen" in response.text
    # Other changes to the same round still apply.
    response = client.post(f"/organise/{SLUG}/setup/yaml", data={
        "_csrf_token": token, "yaml": text.replace("top_n: 12", "top_n: 11")}, follow_redirects=False)
    assert response.status_code == 302


def test_no_setup_route_for_a_stranger(client):
    example_edition()
    organiser(client, "other@elsewhere.example", edition=None)
    for path in (f"/organise/{SLUG}/setup", f"/organise/{SLUG}/setup/edition.yaml"):
        assert client.get(path).status_code == 404
    token = csrf_token(client, "/organise/new")
    for path in ("/setup/yaml", "/setup/timeline", "/setup/rounds", "/setup/rounds/R1/rubric"):
        assert client.post(f"/organise/{SLUG}{path}", data={"_csrf_token": token, "yaml": EXAMPLE}).status_code == 404
    client.cookies.clear()
    account("j@jury.example", role="juror")
    sign_in(client, "j@jury.example", PASSWORD)
    assert client.get("/organise/new").status_code == 403
    assert client.get(f"/organise/{SLUG}/setup").status_code == 403


def test_reimport_cannot_change_what_reviews_depend_on_once_scoring_started(client):
    run(import_competition_text(EXAMPLE))
    account = organiser(client)
    token = csrf_token(client, f"/organise/{SLUG}/setup")
    text = client.get(f"/organise/{SLUG}/setup/edition.yaml").text
    r1 = run(Round.select(Round.id).where(Round.code == "R1").first())["id"]
    application = factories.application_in(run(Edition.select(Edition.id).first())["id"], owner=account,
                                           title="Orti", status="in_round")
    jurors = [run(accounts.create_account(email=f"j{i}@jury.example", password=PASSWORD, verified=True))
              for i in range(3)]
    assignments = [factories.assignment(r1, application, juror)
                   for juror in jurors]
    # Assigned but not scored: the blind flag may still change, jurors per entry not below those assigned.
    fewer = text.replace("jurors_per_entry: 3", "jurors_per_entry: 2", 1)
    response = client.post(f"/organise/{SLUG}/setup/yaml", data={"_csrf_token": token, "yaml": fewer}, headers=EN)
    assert response.status_code == 400
    assert "$.rounds[1].jurors_per_entry" in response.text
    assert "round &#39;R1&#39; already has entries assigned to 3 jurors: jurors_per_entry cannot go below 3" \
        in response.text
    unblind = text.replace("blind: true", "blind: false", 1)
    response = client.post(f"/organise/{SLUG}/setup/yaml", data={"_csrf_token": token, "yaml": unblind},
                           follow_redirects=False)
    assert response.status_code == 302
    assert run(Round.select(Round.blind).where(Round.id == r1).first())["blind"] is False
    # Scoring started: workflow and blind flag are frozen, each refusal names its key; nothing is written.
    factories.review(assignments[0], {}, status="draft")
    changed = unblind.replace("blind: false", "blind: true", 1).replace("workflow: rubric", "workflow: checklist", 1)
    response = client.post(f"/organise/{SLUG}/setup/yaml", data={"_csrf_token": token, "yaml": changed}, headers=EN)
    assert response.status_code == 400
    assert "$.rounds[1].workflow" in response.text and "$.rounds[1].blind" in response.text
    assert "the workflow of round &#39;R1&#39; is frozen: scoring has started in it" in response.text
    assert "the blind of round &#39;R1&#39; is frozen: scoring has started in it" in response.text
    row = run(Round.select(Round.workflow, Round.blind).where(Round.id == r1).first())
    assert (row["workflow"], row["blind"]) == ("rubric", False)
    # Normalisation only changes how results are computed: still allowed.
    response = client.post(f"/organise/{SLUG}/setup/yaml", data={
        "_csrf_token": token, "yaml": unblind.replace("normalisation: additive", "normalisation: none", 1)},
        follow_redirects=False)
    assert response.status_code == 302


def test_starting_an_edition_is_forbidden_in_the_service_with_its_reason(client):
    example_edition()
    juror = account("j@jury.example", role="juror", locale="en")
    for start in (lambda: setup_forms.new_edition_defaults(actor=factories.user(juror), today=date(2026, 12, 3)),
                  lambda: run(setup_forms.new_edition(actor=factories.user(juror), values=setup_forms.NewEdition())),
                  lambda: run(edition_setup.create_edition(actor=factories.user(juror), text=EXAMPLE))):
        with pytest.raises(EditionCreationForbidden) as refused:
            start()
        assert isinstance(refused.value, Forbidden)
    assert run(Edition.count()) == 1
    as_person(client, "j@jury.example")
    page = client.get("/organise/new", headers=EN)
    assert page.status_code == 403
    assert "Your account is not allowed to do this." in page.text

"""The juror workspace through HTTP on both engines: assignments only, conflicts first, blind, scoring."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from pypdf import PdfReader

from core.platform.tables import (
    Assignment,
    AuditEvent,
    ConflictOfInterest,
    CriterionScore,
    Review,
    Round,
)
from tests.conftest import csrf_token, run, sign_in
from tests.factories import (
    PASSWORD,
    account,
    application,
    as_person,
    assignment,
    attachment,
    example_edition,
    open_round,
    set_round,
    team_member,
)
from tests.unit.test_files import minimal_pdf

PDF = minimal_pdf("Pitch deck")
IDENTIFYING = ("Cooperativa Segreta", "Mario Rossi", "mario.rossi@segreta.example", "12345678901",
               "segreta.example", "Rossi_CV_privato")


@dataclass
class Panel:
    round_id: int
    entry: int
    other_entry: int
    jurors: dict[str, int]
    assignments: dict[tuple[str, int], int]


def make_panel(settings, *, blind: bool = True, show_others: str = "after_own") -> Panel:
    edition = example_edition()
    round_id = edition.rounds["R1"]
    open_round(round_id, blind=blind, settings={"show_others": show_others})
    owner = account("mario.rossi@segreta.example")
    other_owner = account("luisa@altra.example")
    answers = {"values": {"entity_name": "Cooperativa Segreta", "tax_code": "12345678901",
                          "website": "https://segreta.example", "contact_email": "mario.rossi@segreta.example",
                          "members": [{"name": "Mario Rossi", "age": 30}], "title": "Orti per tutti",
                          "abstract": "Un progetto di agricoltura sociale."}, "invalid": {}}
    entry = application(edition, owner=owner, entity_name="Cooperativa Segreta", tax_code="12345678901",
                        title="Orti per tutti", answers=answers)
    other_entry = application(edition, owner=other_owner, entity_name="Altra APS", title="Altro progetto",
                              answers={"values": {"title": "Altro progetto"}, "invalid": {}})
    team_member(entry, "Mario Rossi", email="mario.rossi@segreta.example")
    for field, name in (("pitch_deck", "Segreta_pitch.pdf"), ("team_cv", "Rossi_CV_privato.pdf")):
        attachment(settings, entry, field=field, filename=name, content=PDF)
    jurors = {name: account(f"{name}@jury.example", role="juror", locale="en") for name in ("anna", "bruno", "carla")}
    assignments = {(name, application_id): assignment(round_id, application_id, jurors[name])
                   for name, application_id in (("anna", entry), ("bruno", entry), ("carla", other_entry))}
    return Panel(round_id=round_id, entry=entry, other_entry=other_entry, jurors=jurors, assignments=assignments)


def as_juror(client, name: str) -> None:
    as_person(client, f"{name}@jury.example")


def clear_conflict(client, assignment: int) -> None:
    token = csrf_token(client, f"/jury/assignments/{assignment}")
    response = client.post(f"/jury/assignments/{assignment}/conflict", data={"_csrf_token": token, "decision": "none"},
                           follow_redirects=False)
    assert response.status_code == 302


def score(client, assignment: int, values: dict[str, str], *, action: str = "draft", original: dict | None = None,
          **extra):
    token = csrf_token(client, f"/jury/assignments/{assignment}")
    data = {"_csrf_token": token, "action": action, **{f"score.{k}": v for k, v in values.items()},
            **{f"orig.score.{k}": v for k, v in (original or {}).items()}, **extra}
    return client.post(f"/jury/assignments/{assignment}/review", data=data, follow_redirects=False,
                       headers={"accept-language": "en"})


FULL = {"IMP": "4", "INN": "3", "SOS": "2", "TEA": "4", "RET": "5"}


def test_a_juror_sees_and_scores_only_their_assignments(client, settings):
    panel = make_panel(settings)
    as_juror(client, "anna")
    dashboard = client.get("/jury", headers={"accept-language": "en"})
    assert f"/jury/assignments/{panel.assignments[('anna', panel.entry)]}" in dashboard.text
    assert f"/jury/assignments/{panel.assignments[('carla', panel.other_entry)]}" not in dashboard.text
    carlas = panel.assignments[("carla", panel.other_entry)]
    assert client.get(f"/jury/assignments/{carlas}").status_code == 404
    assert score(client, carlas, FULL, action="submit").status_code == 404
    assert client.get(f"/jury/assignments/{carlas}/files/pitch_deck").status_code == 404
    assert run(Review.count()) == 0
    client.cookies.clear()
    sign_in(client, "mario.rossi@segreta.example", PASSWORD)
    assert client.get("/jury").status_code == 403


def test_nothing_of_the_entry_opens_before_the_conflict_check(client, settings):
    panel = make_panel(settings, blind=False)
    assignment = panel.assignments[("anna", panel.entry)]
    as_juror(client, "anna")
    page = client.get(f"/jury/assignments/{assignment}", headers={"accept-language": "en"})
    assert "any conflict of interest?" in page.text
    assert "Un progetto di agricoltura sociale." not in page.text and "Cooperativa Segreta" not in page.text
    assert client.get(f"/jury/assignments/{assignment}/files/pitch_deck").status_code == 404
    assert score(client, assignment, FULL).status_code == 404
    clear_conflict(client, assignment)
    page = client.get(f"/jury/assignments/{assignment}", headers={"accept-language": "en"})
    assert "Un progetto di agricoltura sociale." in page.text and "Cooperativa Segreta" in page.text


def test_declaring_a_conflict_releases_the_entry_and_leaves_a_record(client, settings):
    panel = make_panel(settings)
    assignment = panel.assignments[("anna", panel.entry)]
    as_juror(client, "anna")
    token = csrf_token(client, f"/jury/assignments/{assignment}")
    response = client.post(f"/jury/assignments/{assignment}/conflict", data={
        "_csrf_token": token, "decision": "conflict", "kind": "organisational", "reason": "Ex colleague"},
        follow_redirects=False)
    assert response.status_code == 302
    assert run(Assignment.select(Assignment.status).where(Assignment.id == assignment).first())["status"] == "recused"
    record = run(ConflictOfInterest.select().first())
    assert (record["kind"], record["reason"], record["source"], record["juror"]) == (
        "organisational", "Ex colleague", "declared", panel.jurors["anna"])
    assert run(AuditEvent.count().where(AuditEvent.action == "conflict.declared")) == 1
    assert client.get(f"/jury/assignments/{assignment}").status_code == 404
    assert f"/jury/assignments/{assignment}" not in client.get("/jury").text


BLIND_PAGES = ("/jury", "/jury/assignments/{a}", "/jury/assignments/{a}/files/pitch_deck")


def crawl(client, assignment: int) -> list[str]:
    """Every juror-facing response of an assignment: pages, the autosave answer, downloads and their headers."""
    texts = []
    for path in BLIND_PAGES:
        response = client.get(path.format(a=assignment))
        texts.append(response.text if "text" in response.headers.get("content-type", "") else "")
        texts.append(str(dict(response.headers)))
    autosave = client.post(f"/jury/assignments/{assignment}/review", headers={"hx-request": "true"}, data={
        "_csrf_token": csrf_token(client, f"/jury/assignments/{assignment}"), "score.IMP": "3"})
    texts += [autosave.text, str(dict(autosave.headers))]
    return texts


def test_a_blind_round_never_shows_who_applied(client, settings):
    panel = make_panel(settings, blind=True)
    assignment = panel.assignments[("anna", panel.entry)]
    as_juror(client, "anna")
    clear_conflict(client, assignment)
    texts = crawl(client, assignment)
    leaks = [(secret, text[:80]) for text in texts for secret in IDENTIFYING if secret in text]
    assert leaks == []
    assert client.get(f"/jury/assignments/{assignment}/files/team_cv").status_code == 404
    download = client.get(f"/jury/assignments/{assignment}/files/pitch_deck")
    # A blind round serves the cleaned copy: the same page, rewritten without the document's metadata.
    assert download.status_code == 200 and 'filename="pitch_deck.pdf"' in download.headers["content-disposition"]
    assert PdfReader(io.BytesIO(download.content)).pages[0].extract_text() == "Pitch deck"
    assert "Un progetto di agricoltura sociale." in texts[2]  # the entry itself is readable


def test_the_same_crawl_finds_the_identity_when_the_round_is_not_blind(client, settings):
    """Proof that the blind crawl can fail: without blinding the same responses name the applicant."""
    panel = make_panel(settings, blind=False)
    assignment = panel.assignments[("anna", panel.entry)]
    as_juror(client, "anna")
    clear_conflict(client, assignment)
    joined = "\n".join(crawl(client, assignment))
    assert "Cooperativa Segreta" in joined and "Mario Rossi" in joined and "Segreta_pitch.pdf" in joined


def test_scoring_draft_submit_total_and_frozen_rubric(client, settings):
    panel = make_panel(settings)
    assignment = panel.assignments[("anna", panel.entry)]
    as_juror(client, "anna")
    clear_conflict(client, assignment)
    assert score(client, assignment, {"IMP": "4"}).status_code == 302  # a draft may be incomplete
    page = client.get(f"/jury/assignments/{assignment}").text  # the stored score is the point shown as chosen
    assert re.findall(r'name="score\.(\w+)" value="(\d)" checked', page) == [("IMP", "4")]
    refused = score(client, assignment, {"IMP": "4", "INN": "3.5", "SOS": "9"}, action="submit",
                    original={"IMP": "4"})
    assert refused.status_code == 400
    assert "Give a score from 1 to 5 in steps of 1." in refused.text
    # The summary names each criterion as the juror reads it, never by its code.
    assert ">Economic sustainability: Give a score from 1 to 5" in refused.text and ">SOS:" not in refused.text
    assert score(client, assignment, FULL, action="submit", original={"IMP": "4"}).status_code == 302
    review = run(Review.select().output(load_json=True).first())
    assert review["status"] == "submitted" and review["total"] == pytest.approx(3.55)
    assert run(Assignment.select(Assignment.status).where(Assignment.id == assignment).first())["status"] == "submitted"
    frozen = run(Round.select(Round.rubric).output(load_json=True).where(Round.id == panel.round_id).first())["rubric"]
    assert [c["code"] for c in frozen["criteria"]] == ["IMP", "INN", "SOS", "TEA", "RET"]
    assert score(client, assignment, {"RET": "3"}, action="submit", original={"RET": "5"}).status_code == 302
    assert run(Review.select(Review.total).first())["total"] == pytest.approx(3.25)
    actions = [e["action"] for e in run(AuditEvent.select(AuditEvent.action).order_by(AuditEvent.id))]
    assert actions.count("review.submitted") == 1 and actions.count("review.changed") == 1


def test_scoring_is_refused_after_the_round_closes(client, settings):
    panel = make_panel(settings)
    assignment = panel.assignments[("anna", panel.entry)]
    as_juror(client, "anna")
    clear_conflict(client, assignment)
    set_round(panel.round_id, closes_at=datetime.now(UTC) - timedelta(seconds=1))
    response = score(client, assignment, FULL, action="submit")
    assert response.status_code == 409 and "Scoring for this round is closed." in response.text
    assert run(Review.count()) == 0


@pytest.mark.parametrize(("policy", "before_own", "after_own"), [
    ("after_own", False, True), ("never", False, False), ("always", True, True)])
def test_others_scores_follow_the_rounds_policy(client, settings, policy, before_own, after_own):
    panel = make_panel(settings, show_others=policy)
    as_juror(client, "bruno")
    bruno = panel.assignments[("bruno", panel.entry)]
    clear_conflict(client, bruno)
    score(client, bruno, {"IMP": "1", "INN": "1", "SOS": "1", "TEA": "1", "RET": "1"}, action="submit")
    as_juror(client, "anna")
    anna = panel.assignments[("anna", panel.entry)]
    clear_conflict(client, anna)
    page = client.get(f"/jury/assignments/{anna}", headers={"accept-language": "en"})
    assert ("The panel's reviews" in page.text) == before_own
    score(client, anna, FULL, action="submit")
    page = client.get(f"/jury/assignments/{anna}", headers={"accept-language": "en"})
    assert ("The panel's reviews" in page.text and "1.00" in page.text) == after_own
    assert "bruno" not in page.text.lower()


def test_two_tabs_never_lose_a_criterion(client, settings):
    panel = make_panel(settings)
    assignment = panel.assignments[("anna", panel.entry)]
    as_juror(client, "anna")
    clear_conflict(client, assignment)
    # Both tabs opened on an empty review; each scores a different criterion.
    assert score(client, assignment, {"IMP": "4"}, original={"IMP": "", "INN": ""}).status_code == 302
    assert score(client, assignment, {"INN": "2"}, original={"IMP": "", "INN": ""}).status_code == 302
    stored = {s["criterion"]: s["value"] for s in run(CriterionScore.select())}
    assert stored == {"IMP": 4.0, "INN": 2.0}
    # Now both change IMP: the second is told, and its other changes still land.
    assert score(client, assignment, {"IMP": "5"}, original={"IMP": "4"}).status_code == 302
    clash = score(client, assignment, {"IMP": "1", "SOS": "3"}, original={"IMP": "4", "SOS": ""})
    assert clash.status_code == 409
    assert re.search(r"Social and employment impact: changed in another tab or device \(saved value: 5\)", clash.text)
    stored = {s["criterion"]: s["value"] for s in run(CriterionScore.select())}
    assert stored == {"IMP": 5.0, "INN": 2.0, "SOS": 3.0}

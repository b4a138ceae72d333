"""Rounds as an organiser moves through them: the passage into a round, closing scoring before publishing,
the confirmation page, scores frozen after publication and reopening with a reason. HTTP, both engines."""

from __future__ import annotations

import html
from datetime import UTC, datetime, timedelta

from core.platform.tables import (
    Application,
    AuditEvent,
    CriterionScore,
    Decision,
    Edition,
    OutgoingMail,
    Review,
    Round,
    RoundEntry,
)
from tests import factories
from tests.conftest import csrf_token, run, sign_in
from tests.integration.test_jury import FULL, clear_conflict, score
from tests.integration.test_results_console import (
    EN,
    PASSWORD,
    SLUG,
    account,
    as_organiser,
    close_scoring,
    expected,
    make_call,
    stage_with_changes,
)

ROUND_PAGE = f"/organise/{SLUG}/rounds/{{code}}/progress"


def post(client, code: str, action: str, **data):
    token = csrf_token(client, ROUND_PAGE.format(code=code))
    return client.post(f"/organise/{SLUG}/rounds/{code}/{action}", data={"_csrf_token": token, **data},
                       follow_redirects=False, headers=EN)


def statuses() -> dict[int, str]:
    return {r["id"]: r["status"] for r in run(Application.select(Application.id, Application.status))}


def audits(action: str) -> list[dict]:
    return [r["data"] for r in run(AuditEvent.select(AuditEvent.data).output(load_json=True).where(
            AuditEvent.action == action))]


def with_applications(call_statuses: list[str]) -> tuple[list[int], int]:
    """The example edition with an organiser and one application per status, as the admissibility check left them."""
    from core.editions import access
    from core.editions.competitions import import_competition_text
    from tests.factories import EXAMPLE

    run(import_competition_text(EXAMPLE))
    edition = run(Edition.select(Edition.id).first())["id"]
    organiser = account("olga@foundation.example", locale="en", display_name="Olga")
    run(access.grant_role(account_id=organiser, role="organiser", edition_slug=SLUG))
    juror = account("anna@jury.example", display_name="Anna")
    run(access.grant_role(account_id=juror, role="juror", edition_slug=SLUG))
    ids = []
    for i, status in enumerate(call_statuses):
        owner = account(f"applicant{i}@entity.example")
        ids.append(factories.application_in(
            edition, owner=owner, entity_name=f"Impresa {i}", title=f"Progetto {i}", status=status,
            receipt_number=f"R-{i}", submitted_at=datetime.now(UTC)))
    return ids, juror


def counts_of(page: str) -> str:
    start = page.index('id="passage-counts">') + len('id="passage-counts">')
    return html.unescape(page[start:page.index("</p>", start)])


# -- 1. The passage between rounds ---------------------------------------------------------------------


def test_admissible_entries_move_into_the_first_jury_round_with_counts_and_the_passage_can_be_undone(client):
    ids, juror = with_applications(["admissible", "admissible", "admissible", "not_admissible", "submitted"])
    admissible = ids[:3]
    as_organiser(client)
    page = client.get(ROUND_PAGE.format(code="R1"), headers=EN)
    assert page.status_code == 200
    assert counts_of(page.text) == "3 entries ready to move in, 0 already in."
    assert "Move 3 entries into this round" in page.text
    assert 'id="passage"' not in client.get(ROUND_PAGE.format(code="R0"), headers=EN).text

    moved = post(client, "R1", "passage")
    assert moved.status_code == 302
    assert moved.headers["location"] == f"/organise/{SLUG}/rounds/R1/progress?done=moved"
    now = statuses()
    assert [now[i] for i in ids] == ["in_round", "in_round", "in_round", "not_admissible", "submitted"]
    round_id = run(Round.select(Round.id).where(Round.code == "R1").first())["id"]
    assert sorted(r["application"] for r in run(RoundEntry.select(RoundEntry.application).where(
        RoundEntry.round == round_id))) == admissible
    assert audits("round.entries_moved_in") == [
        {"round": "R1", "from": "admissible", "to": "in_round", "entries": admissible}]
    page = client.get(f"{ROUND_PAGE.format(code='R1')}?done=moved", headers=EN)
    assert "The entries were moved into this round." in page.text
    assert counts_of(page.text) == "0 entries ready to move in, 3 already in."
    assert "Undo the passage" in page.text

    again = post(client, "R1", "passage")
    assert again.status_code == 409
    assert "No entry is ready to move into this round." in again.text
    assert len(audits("round.entries_moved_in")) == 1

    undone = post(client, "R1", "passage/undo")
    assert undone.status_code == 302
    now = statuses()
    assert [now[i] for i in admissible] == ["admissible"] * 3
    assert run(RoundEntry.count()) == 0
    assert audits("round.passage_undone") == [{"round": "R1", "back_to": "admissible", "entries": admissible}]
    assert counts_of(client.get(ROUND_PAGE.format(code="R1"), headers=EN).text) == \
        "3 entries ready to move in, 0 already in."

    # Once a juror has an assignment in the round, the passage stays.
    assert post(client, "R1", "passage").status_code == 302
    factories.assignment(round_id, admissible[0], juror)
    refused = post(client, "R1", "passage/undo")
    assert refused.status_code == 409
    assert "Scoring has started in this round (jurors have assignments or reviews): the passage can no longer be " \
           "undone." in html.unescape(refused.text)
    assert [statuses()[i] for i in admissible] == ["in_round"] * 3
    assert run(RoundEntry.count()) == 3
    assert len(audits("round.passage_undone")) == 1
    page = client.get(ROUND_PAGE.format(code="R1"), headers=EN)
    assert "Undo the passage" not in page.text
    assert "Scoring has started in this round: the passage can no longer be undone." in page.text


def test_only_the_editions_organisers_move_entries(client):
    ids, _juror = with_applications(["admissible"])
    client.cookies.clear()
    sign_in(client, "anna@jury.example", PASSWORD)
    token = csrf_token(client, "/me")
    for action in ("passage", "passage/undo", "scoring/close", "scoring/reopen"):
        response = client.post(f"/organise/{SLUG}/rounds/R1/{action}", data={"_csrf_token": token, "reason": "x"},
                               follow_redirects=False)
        assert response.status_code == 403, action
    assert statuses()[ids[0]] == "admissible"
    assert run(RoundEntry.count()) == 0
    assert run(AuditEvent.count().where(AuditEvent.action.like("round.%"))) == 0


def test_advanced_entries_move_into_the_next_judged_round_and_finalists_into_mentoring_and_the_final(client):
    call = make_call(advancement={"top_n": 3})
    # A second judged round between the online jury and mentoring: R1's decisions now advance entries to it.
    factories.round_after("R1", code="R1B", name={"it": "Secondo turno", "en": "Second round"},
                          kind="screening", workflow="rubric")
    as_organiser(client)
    stage_with_changes_to = f"/organise/{SLUG}/rounds/R1/advancement"
    proposal = client.get(stage_with_changes_to)
    assert proposal.status_code == 200
    response = client.post(stage_with_changes_to, data={"_csrf_token": csrf_token(client, stage_with_changes_to)},
                           follow_redirects=False)
    assert response.status_code == 302
    close_scoring(client)
    assert client.post(f"{stage_with_changes_to}/publish", follow_redirects=False,
                       data={"_csrf_token": csrf_token(client, stage_with_changes_to)}).status_code == 302
    advanced = sorted(i for i, s in statuses().items() if s == "advanced")
    assert len(advanced) == 3

    page = client.get(ROUND_PAGE.format(code="R1B"), headers=EN)
    assert counts_of(page.text) == "3 entries ready to move in, 0 already in."
    assert "entries advanced from the previous round" in page.text
    assert counts_of(client.get(ROUND_PAGE.format(code="R2"), headers=EN).text) == \
        "0 entries ready to move in, 0 already in."
    assert post(client, "R1B", "passage").status_code == 302
    assert sorted(i for i, s in statuses().items() if s == "in_round") == advanced
    assert audits("round.entries_moved_in") == [
        {"round": "R1B", "from": "advanced", "to": "in_round", "entries": advanced}]
    # The second round's entries are the three moved in, not every entry of the first round.
    r1b = run(Round.select(Round.id).where(Round.code == "R1B").first())["id"]
    assert sorted(r["application"] for r in run(RoundEntry.select(RoundEntry.application).where(
        RoundEntry.round == r1b))) == advanced

    # Finalists (made by hand here) pass into mentoring and the final pitch; their status stays.
    finalists = advanced[:2]
    factories.set_application(finalists, status="finalist")
    for code in ("R2", "R3"):
        assert counts_of(client.get(ROUND_PAGE.format(code=code), headers=EN).text) == \
            "2 entries ready to move in, 0 already in."
        assert post(client, code, "passage").status_code == 302
    assert [statuses()[i] for i in finalists] == ["finalist", "finalist"]
    assert [a["to"] for a in audits("round.entries_moved_in")] == ["in_round", "finalist", "finalist"]
    assert len(call.entries) == 8


# -- 5. Publishing needs closed scoring and a confirmation ----------------------------------------------


def test_publishing_is_refused_while_scoring_is_open_and_the_confirmation_lists_gaps_uncertainty_and_mails(client):
    call = make_call(advancement={"top_n": 3}, unreviewed=1)
    unreviewed = call.entries[-1]
    as_organiser(client)
    _promoted, _dropped, path = stage_with_changes(client, call)

    refused = client.post(f"{path}/publish", data={"_csrf_token": csrf_token(client, path)},
                          follow_redirects=False, headers=EN)
    assert refused.status_code == 409
    assert "Jurors can still save scores in this round: close scoring before publishing." in refused.text
    assert run(Decision.count().where(Decision.published_at.is_not_null())) == 0
    assert run(OutgoingMail.count().where(OutgoingMail.kind.like("decision.%"))) == 0
    assert statuses()[unreviewed] == "in_round"

    check = client.get(f"{path}/publish", headers=EN)
    assert check.status_code == 200
    assert 'id="scoring-open"' in check.text
    assert f'action="{path}/publish"' not in check.text  # no publish button while scoring is open
    missing = check.text[check.text.index('id="missing-reviews"'):check.text.index('id="uncertain"')]
    assert f'data-entry="{unreviewed}"' in missing and "0 reviews in, 3 missing" in missing
    assert missing.count("data-entry=") == 1
    uncertain = check.text[check.text.index('id="uncertain"'):check.text.index('id="mails"')]
    contested = [r.entry for r in expected(call, method="additive", top=3) if "contested" in r.flags]
    assert contested
    for entry in contested:
        assert f'data-entry="{entry}"' in uncertain
    # Eight notices: even applicants read Italian, odd ones English; three finalists, five not advanced.
    decided = {d["application"]: d["outcome"] for d in run(Decision.select(Decision.application, Decision.outcome))}
    batches: dict[str, int] = {}
    for i, entry in enumerate(call.entries):
        key = f'{decided[entry]}-{"en" if i % 2 else "it"}'
        batches[key] = batches.get(key, 0) + 1
    mails = check.text[check.text.index('id="mails"'):]
    assert mails.count("data-mail=") == len(batches)
    for key, count in batches.items():
        row = mails[mails.index(f'data-mail="{key}"'):]
        row = row[:row.index("</tr>")]
        assert f"<td>{count}</td>" in row
        outcome, language = key.split("-")
        assert f"/organise/{SLUG}/mail-templates/{language}/decision/{outcome}" in row
    preview = client.get(f"/organise/{SLUG}/mail-templates/en/decision/finalist", headers=EN)
    assert preview.status_code == 200

    close_scoring(client)
    assert audits("round.scoring_closed") == [{"round": "R1"}]
    check = client.get(f"{path}/publish", headers=EN)
    assert 'id="scoring-open"' not in check.text and f'action="{path}/publish"' in check.text
    published = client.post(f"{path}/publish", data={"_csrf_token": csrf_token(client, path)},
                            follow_redirects=False)
    assert published.status_code == 302
    assert run(Decision.count().where(Decision.published_at.is_null())) == 0
    assert run(OutgoingMail.count().where(OutgoingMail.kind.like("decision.%"))) == len(call.entries)
    closed_twice = post(client, "R1", "scoring/close")
    assert closed_twice.status_code == 409 and "Scoring for this round is already closed." in closed_twice.text


# -- 6. Scores frozen after publication, reopening with a reason -----------------------------------------


def test_scores_are_frozen_after_publication_and_reopening_needs_a_reason_and_flags_the_decisions(client):
    call = make_call(advancement={"top_n": 3})
    now = datetime.now(UTC)
    factories.set_round(call.round_id, opens_at=now - timedelta(days=1), closes_at=now + timedelta(days=7))
    # Dario has no review of the first entry yet: his assignment to it is open.
    assignment = factories.assignment(call.round_id, call.entries[0], call.jurors[3])
    client.cookies.clear()
    sign_in(client, "dario@jury.example", PASSWORD)
    clear_conflict(client, assignment)
    assert score(client, assignment, FULL).status_code == 302

    as_organiser(client)
    _promoted, _dropped, path = stage_with_changes(client, call)
    close_scoring(client)
    assert client.post(f"{path}/publish", data={"_csrf_token": csrf_token(client, path)},
                       follow_redirects=False).status_code == 302
    assert run(Round.select(Round.status).where(Round.id == call.round_id).first())["status"] == "closed"

    client.cookies.clear()
    sign_in(client, "dario@jury.example", PASSWORD)
    refused = score(client, assignment, {**FULL, "IMP": "5"}, original=FULL)
    assert refused.status_code == 409
    # Dario reads Italian (his account's language).
    assert "Gli organizzatori hanno chiuso la valutazione di questo turno: la tua valutazione non può più essere " \
           "modificata." in html.unescape(refused.text)
    saved = run(Review.select(Review.id).where(Review.assignment == assignment).first())
    assert run(CriterionScore.select(CriterionScore.value).where(
        CriterionScore.review == saved["id"], CriterionScore.criterion == "IMP").first())["value"] == 4

    as_organiser(client)
    no_reason = post(client, "R1", "scoring/reopen", reason="   ")
    assert no_reason.status_code == 400
    assert "Give a reason for reopening scoring." in no_reason.text
    assert run(Round.select(Round.status).where(Round.id == call.round_id).first())["status"] == "closed"
    assert audits("round.scoring_reopened") == []
    assert run(Decision.count().where(Decision.needs_review.eq(True))) == 0

    reopened = post(client, "R1", "scoring/reopen", reason="Dario found an error in his review")
    assert reopened.status_code == 302
    assert audits("round.scoring_reopened") == [
        {"round": "R1", "reason": "Dario found an error in his review", "decisions_to_review": len(call.entries)}]
    assert run(Decision.count().where(Decision.needs_review.eq(True))) == len(call.entries)
    page = client.get(path, headers=EN)
    assert 'id="needs-review"' in page.text
    assert f"{len(call.entries)} published decisions need review" in page.text
    refused_confirm = client.post(f"{path}/confirm", data={"_csrf_token": csrf_token(client, path)},
                                  follow_redirects=False, headers=EN)
    assert refused_confirm.status_code == 409
    assert run(Decision.count().where(Decision.needs_review.eq(True))) == len(call.entries)

    client.cookies.clear()
    sign_in(client, "dario@jury.example", PASSWORD)
    assert score(client, assignment, {**FULL, "IMP": "5"}, original=FULL).status_code == 302
    assert run(CriterionScore.select(CriterionScore.value).where(
        CriterionScore.review == saved["id"], CriterionScore.criterion == "IMP").first())["value"] == 5

    as_organiser(client)
    close_scoring(client)
    confirmed = client.post(f"{path}/confirm", data={"_csrf_token": csrf_token(client, path)},
                            follow_redirects=False)
    assert confirmed.status_code == 302
    assert run(Decision.count().where(Decision.needs_review.eq(True))) == 0
    assert audits("decisions.reconfirmed") == [{"round": "R1", "decisions": len(call.entries)}]
    assert 'id="needs-review"' not in client.get(path, headers=EN).text

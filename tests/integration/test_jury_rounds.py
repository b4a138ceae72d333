"""Pairwise and ranked-vote rounds end to end through HTTP on both engines: jurors compare or rank, results follow."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from litestar.testing import TestClient

from core.judging.comparative import round_comparisons
from core.people import accounts
from core.platform.tables import (
    Assignment,
    AuditEvent,
    Comparison,
    ConflictOfInterest,
    RankingBallot,
)
from core.results.rounds import round_results
from scoring.pairwise import expected_information_gain, next_pair, pairwise_state, record_comparison
from scoring.votes import borda, schulze
from tests import factories
from tests.conftest import csrf_token, run
from tests.factories import (
    EN,
    SLUG,
    account,
    application,
    as_person,
    assignment,
    example_edition,
    open_round,
    set_round,
    team_member,
)

PAIR = re.compile(r'name="entry_a" value="(\d+)">\s*<input type="hidden" name="entry_b" value="(\d+)"')
IDENTIFYING = ("Cooperativa Segreta", "Mario Rossi", "mario.rossi@segreta.example", "12345678901", "segreta.example")


@dataclass
class Setup:
    round_id: int
    entries: list[int]  # in their true order of merit, best first
    jurors: dict[str, int]
    organiser: int


def make_round(settings, *, code: str, workflow: str, status: str, entries: int = 4, blind: bool = False,
               round_settings: dict | None = None, assign: dict[str, list[int]] | None = None) -> Setup:
    """An edition from the example file with `entries` applications and three jurors; `assign` maps a juror to
    the positions (in `entries`) assigned to them, all entries by default."""
    edition = example_edition()
    round_id = edition.rounds[code]
    open_round(round_id, workflow=workflow, blind=blind, settings=round_settings or {})
    ids = []
    for number in range(entries):
        owner = account(f"owner{number}@applicant.example", verified=False)
        name, title = f"Impresa {number}", f"Progetto {number}"
        answers = {"values": {"title": title, "abstract": f"Sintesi del progetto {number}."}, "invalid": {}}
        if number == 0:  # one entry carries every kind of identifying detail
            name = "Cooperativa Segreta"
            answers["values"] |= {"entity_name": name, "tax_code": "12345678901", "website": "https://segreta.example",
                                  "contact_email": "mario.rossi@segreta.example",
                                  "members": [{"name": "Mario Rossi", "age": 30}]}
        ids.append(application(edition, owner=owner, entity_name=name, title=title, answers=answers, status=status,
                               tax_code="12345678901" if number == 0 else ""))
    team_member(ids[0], "Mario Rossi", email="mario.rossi@segreta.example")
    jurors = {}
    for name in ("anna", "bruno", "carla"):
        jurors[name] = account(f"{name}@jury.example", role="juror", locale="en")
        for position in (assign or {}).get(name, range(entries)):
            assignment(round_id, ids[position], jurors[name])
    organiser = account("org@giuria.example", role="organiser", verified=False)
    return Setup(round_id=round_id, entries=ids, jurors=jurors, organiser=organiser)


def as_juror(client, name: str) -> None:
    as_person(client, f"{name}@jury.example")


def results_of(setup: Setup, code: str):
    organiser = run(accounts.load_session_user(setup.organiser, 0))
    return run(round_results(actor=organiser, edition_slug=SLUG, round_code=code))[0]


# -- pairwise ---------------------------------------------------------------------------------------


def shown_pair(client, round_id: int) -> tuple[int, int] | None:
    page = client.get(f"/jury/rounds/{round_id}/pairwise", headers=EN)
    assert page.status_code == 200
    match = PAIR.search(page.text)
    return (int(match.group(1)), int(match.group(2))) if match else None


def choose(client, round_id: int, pair: tuple[int, int], winner: int, token: str | None = None):
    token = token or csrf_token(client, f"/jury/rounds/{round_id}/pairwise")
    return client.post(f"/jury/rounds/{round_id}/pairwise", headers=EN, follow_redirects=False, data={
        "_csrf_token": token, "entry_a": pair[0], "entry_b": pair[1], "winner": winner})


def stored_state(round_id: int, pool: list[int]):
    state = pairwise_state(pool)
    for winner, loser, juror in run(round_comparisons(round_id)):
        state = record_comparison(state, juror, winner, loser)
    return state


def test_pairwise_jurors_compare_informative_pairs_and_the_ranking_follows_their_preferences(client, settings):
    setup = make_round(settings, code="R1", workflow="pairwise", status="in_round", entries=5)
    merit = {entry: place for place, entry in enumerate(setup.entries)}
    for name in ("anna", "bruno", "carla"):
        as_juror(client, name)
        assert f"/jury/rounds/{setup.round_id}/pairwise" in client.get("/jury", headers=EN).text
        juror = setup.jurors[name]
        token = csrf_token(client, f"/jury/rounds/{setup.round_id}/pairwise")
        seen: set[frozenset[int]] = set()
        while (pair := shown_pair(client, setup.round_id)) is not None:
            assert frozenset(pair) not in seen  # never the same pair twice
            # The pair shown is the most informative one left, from the comparisons stored so far.
            state = stored_state(setup.round_id, setup.entries)
            gains = {frozenset((a, b)): expected_information_gain(state, juror, a, b)
                     for a, b in itertools.combinations(setup.entries, 2) if frozenset((a, b)) not in seen}
            assert expected_information_gain(state, juror, *pair) == pytest.approx(max(gains.values()))
            assert set(pair) == set(next_pair(state, juror, setup.entries))
            response = choose(client, setup.round_id, pair, min(pair, key=merit.__getitem__), token)
            assert response.status_code == 302
            seen.add(frozenset(pair))
        assert len(seen) == 10  # every pair of five, once
        assert "You have compared every pair" in client.get(f"/jury/rounds/{setup.round_id}/pairwise",
                                                            headers=EN).text
    assert run(Comparison.count()) == 30
    assert run(AuditEvent.count().where(AuditEvent.action == "comparison.recorded")) == 30
    results = results_of(setup, "R1")
    assert results.method == "crowd_bt"
    assert [row.entry for row in results.rows] == setup.entries
    assert [row.rank for row in results.rows] == [1, 2, 3, 4, 5]
    assert all(row.low < row.score < row.high and row.n == 12 for row in results.rows)
    # Choosing confirmed that the juror has no conflict with the entries compared.
    assert run(Assignment.count().where(Assignment.conflict_checked_at.is_null())) == 0


def test_the_next_pair_comes_from_the_database_so_any_worker_serves_it(client, settings):
    setup = make_round(settings, code="R1", workflow="pairwise", status="in_round")
    as_juror(client, "anna")
    first = shown_pair(client, setup.round_id)
    assert choose(client, setup.round_id, first, first[0]).status_code == 302
    from web.app import create_app

    with TestClient(create_app(settings), base_url="http://testserver.local") as other_worker:
        other_worker.cookies.update(client.cookies)
        second = shown_pair(other_worker, setup.round_id)
    assert second is not None and set(second) != set(first)
    assert second == shown_pair(client, setup.round_id)


def test_a_juror_compares_only_their_own_entries_unless_the_pool_is_all(client, settings):
    setup = make_round(settings, code="R1", workflow="pairwise", status="in_round",
                       assign={"anna": [0, 1, 2], "bruno": [1, 2, 3], "carla": []})
    first, second, third, fourth = setup.entries
    as_juror(client, "anna")
    for _ in range(3):
        pair = shown_pair(client, setup.round_id)
        assert fourth not in pair
        assert choose(client, setup.round_id, pair, pair[0]).status_code == 302
    assert shown_pair(client, setup.round_id) is None
    assert choose(client, setup.round_id, (first, fourth), fourth).status_code == 404
    assert choose(client, setup.round_id, (first, second), first).status_code == 302  # a repeat: no new row
    assert run(Comparison.count()) == 3
    as_juror(client, "carla")  # no assignment in the round at all
    assert client.get(f"/jury/rounds/{setup.round_id}/pairwise").status_code == 404
    assert choose(client, setup.round_id, (first, second), first).status_code == 404
    set_round(setup.round_id, settings={"pairwise_pool": "all"})
    as_juror(client, "anna")
    assert choose(client, setup.round_id, (first, fourth), fourth).status_code == 302
    factories.set_application(third, status="not_admissible")
    assert choose(client, setup.round_id, (third, fourth), fourth).status_code == 404  # no longer in play
    assert run(Comparison.count()) == 4


def test_pairwise_choices_are_refused_after_the_close(client, settings):
    setup = make_round(settings, code="R1", workflow="pairwise", status="in_round")
    as_juror(client, "anna")
    pair = shown_pair(client, setup.round_id)
    set_round(setup.round_id, closes_at=datetime.now(UTC) - timedelta(seconds=1))
    page = client.get(f"/jury/rounds/{setup.round_id}/pairwise", headers=EN)
    assert "Judging is closed for this round." in page.text and PAIR.search(page.text) is None
    response = choose(client, setup.round_id, pair, pair[0])
    assert response.status_code == 409 and "Judging for this round is closed." in response.text
    assert run(Comparison.count()) == 0


def test_a_conflict_declared_on_one_entry_takes_it_out_of_the_jurors_pairs(client, settings):
    setup = make_round(settings, code="R1", workflow="pairwise", status="in_round")
    as_juror(client, "anna")
    conflicted = shown_pair(client, setup.round_id)[1]
    token = csrf_token(client, f"/jury/rounds/{setup.round_id}/pairwise")
    refused = client.post(f"/jury/rounds/{setup.round_id}/pairwise/conflict", headers=EN, data={
        "_csrf_token": token, "entry": conflicted, "reason": "My cousin"})
    assert refused.status_code == 400
    assert re.search(rf'name="entry" value="{conflicted}">\s*<fieldset>\s*<legend>Kind of conflict</legend>\s*'
                     r'<p class="error">Choose the kind of conflict.</p>', refused.text)
    response = client.post(f"/jury/rounds/{setup.round_id}/pairwise/conflict", follow_redirects=False, data={
        "_csrf_token": token, "entry": conflicted, "kind": "personal", "reason": "My cousin"})
    assert response.status_code == 302
    record = run(ConflictOfInterest.select().first())
    assert (record["application"], record["juror"], record["kind"], record["reason"], record["round"]) == (
        conflicted, setup.jurors["anna"], "personal", "My cousin", setup.round_id)
    assert run(Assignment.select(Assignment.status).where(
        Assignment.application == conflicted, Assignment.juror == setup.jurors["anna"]).first())["status"] == "recused"
    assert run(AuditEvent.count().where(AuditEvent.action == "conflict.declared")) == 1
    pairs = 0
    while (pair := shown_pair(client, setup.round_id)) is not None:
        assert conflicted not in pair
        choose(client, setup.round_id, pair, pair[0])
        pairs += 1
    assert pairs == 3  # the three other entries, pairwise
    others = [e for e in setup.entries if e != conflicted]
    assert choose(client, setup.round_id, (others[0], conflicted), conflicted).status_code == 404


def crawl_pairs(client, round_id: int) -> str:
    texts = [client.get("/jury", headers=EN).text]
    while (pair := shown_pair(client, round_id)) is not None:
        texts.append(client.get(f"/jury/rounds/{round_id}/pairwise", headers=EN).text)
        choose(client, round_id, pair, pair[0])
    return "\n".join(texts)


def test_a_blind_pairwise_round_never_names_the_applicants(client, settings):
    setup = make_round(settings, code="R1", workflow="pairwise", status="in_round", blind=True)
    as_juror(client, "anna")
    text = crawl_pairs(client, setup.round_id)
    assert f"Entry #{setup.entries[0]}" in text and "Sintesi del progetto 0." in text  # the entry itself is shown
    assert [secret for secret in IDENTIFYING if secret in text] == []


def test_the_same_pairwise_crawl_names_the_applicants_when_the_round_is_not_blind(client, settings):
    setup = make_round(settings, code="R1", workflow="pairwise", status="in_round", blind=False)
    as_juror(client, "anna")
    text = crawl_pairs(client, setup.round_id)
    assert "Cooperativa Segreta" in text and "Mario Rossi" in text


# -- ranked vote ------------------------------------------------------------------------------------


def rank(client, round_id: int, positions: dict[int, str], *, action: str = "submit"):
    token = csrf_token(client, f"/jury/rounds/{round_id}/ranking")
    version = re.search(r'name="version" value="(\d+)"', client.get(f"/jury/rounds/{round_id}/ranking").text)
    return client.post(f"/jury/rounds/{round_id}/ranking", headers=EN, follow_redirects=False, data={
        "_csrf_token": token, "action": action, "version": version.group(1),
        **{f"position.{entry}": value for entry, value in positions.items()}})


# Hand-checked: with 4 finalists Borda gives 3, 2, 1, 0 points. A: 3+3+0 = 6, B: 2+2+3 = 7, C: 1+1+2 = 4,
# D: 0+0+1 = 1, so Borda ranks B A C D. A beats every other finalist 2 to 1, so Schulze ranks A B C D.
BALLOTS = {"anna": "ABCD", "bruno": "ABCD", "carla": "BCDA"}


@pytest.mark.parametrize(("method", "expected", "scores"), [
    ("borda", "BACD", [7.0, 6.0, 4.0, 1.0]), ("schulze", "ABCD", [3.0, 2.0, 1.0, 0.0])])
def test_ranked_vote_three_jurors_rank_and_the_method_counts(client, settings, method, expected, scores):
    setup = make_round(settings, code="R3", workflow="ranked-vote", status="finalist", entries=4,
                       round_settings={"vote_method": method})
    letter = dict(zip("ABCD", setup.entries, strict=True))
    for name, ballot in BALLOTS.items():
        as_juror(client, name)
        assert f"/jury/rounds/{setup.round_id}/ranking" in client.get("/jury", headers=EN).text
        response = rank(client, setup.round_id, {letter[x]: str(i + 1) for i, x in enumerate(ballot)})
        assert response.status_code == 302
    results = results_of(setup, "R3")
    assert results.method == method and "tie_break=shared" in results.notes and "ballots=3" in results.notes
    assert [row.entry for row in results.rows] == [letter[x] for x in expected]
    assert [row.score for row in results.rows] == scores
    assert [row.rank for row in results.rows] == [1, 2, 3, 4]
    ballots = [tuple(letter[x] for x in BALLOTS[name]) for name in ("anna", "bruno", "carla")]
    counted = (borda if method == "borda" else schulze)(ballots, candidates=setup.entries)
    assert tuple(row.entry for row in results.rows) == counted.ranking


def test_a_ballot_with_a_position_twice_is_refused_and_keeps_what_was_typed(client, settings):
    setup = make_round(settings, code="R3", workflow="ranked-vote", status="finalist", entries=3)
    a, b, c = setup.entries
    as_juror(client, "anna")
    assert rank(client, setup.round_id, {a: "1"}, action="draft").status_code == 302  # a draft may be partial
    refused = rank(client, setup.round_id, {a: "2", b: "2", c: "1"})
    assert refused.status_code == 400
    assert refused.text.count("Position 2 is given to more than one entry.") == 4  # beside both, and in the summary
    for entry, value in ((a, "2"), (b, "2"), (c, "1")):
        assert re.search(rf'name="position\.{entry}".*?<option value="{value}" selected>', refused.text, re.S)
    assert rank(client, setup.round_id, {a: "1", b: "2"}).status_code == 400  # submit needs every entry
    stored = run(RankingBallot.select().first())
    assert stored["status"] == "draft"
    assert rank(client, setup.round_id, {a: "2", b: "3", c: "1"}).status_code == 302
    assert rank(client, setup.round_id, {a: "1", b: "3", c: "2"}, action="draft").status_code == 302  # editable
    stored = run(RankingBallot.select().first())
    assert stored["status"] == "submitted"
    assert run(AuditEvent.count().where(AuditEvent.action.is_in(["ballot.submitted", "ballot.changed"]))) == 2
    ranking = run(round_results(actor=run(accounts.load_session_user(setup.organiser, 0)), edition_slug=SLUG,
                                round_code="R3"))[0]
    assert [row.entry for row in ranking.rows] == [a, c, b]


def test_ranking_is_refused_after_the_close_and_to_jurors_of_other_rounds(client, settings):
    setup = make_round(settings, code="R3", workflow="ranked-vote", status="finalist", entries=3,
                       assign={"anna": [0], "bruno": [], "carla": [0]})
    a, b, c = setup.entries
    as_juror(client, "bruno")
    assert client.get(f"/jury/rounds/{setup.round_id}/ranking").status_code == 404
    as_juror(client, "anna")
    page = client.get(f"/jury/rounds/{setup.round_id}/ranking", headers=EN)
    assert all(f"Entry #{e}" in page.text for e in setup.entries)  # every finalist, not only assigned ones
    assert client.get(f"/jury/rounds/{setup.round_id}/pairwise").status_code == 404  # not a pairwise round
    set_round(setup.round_id, closes_at=datetime.now(UTC) - timedelta(seconds=1))
    response = rank(client, setup.round_id, {a: "1", b: "2", c: "3"})
    assert response.status_code == 409 and "Voting for this round is closed." in response.text
    assert re.search(rf'name="position\.{b}".*?<option value="2" selected>', response.text, re.S)
    assert run(RankingBallot.count()) == 0

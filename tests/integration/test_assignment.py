"""A round's assignment from the database on both engines: propose, accept, by hand, refill, and the page."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

import pytest

from core.judging import assignments, reviews
from core.judging.assignments import (
    AssignmentImpossible,
    AssignmentOptions,
    AssignmentRefused,
    RoundNotFound,
    StaleProposal,
)
from core.people import accounts
from core.platform import i18n
from core.platform.tables import (
    Assignment,
    AuditEvent,
    Round,
)
from tests.conftest import csrf_token, run, sign_in
from tests.factories import (
    PASSWORD,
    SLUG,
    account,
    application,
    declared_conflict,
    example_edition,
    mentor_match,
    review,
    user,
)

BASE = f"/organise/{SLUG}/rounds/R1/assignment"


@dataclass
class Setup:
    organiser: int
    entries: dict[str, int]
    jurors: dict[str, int]
    # the pairs the standard rules and the declaration must keep apart, with the rule
    forbidden: set[tuple[int, int, str]]


@pytest.fixture(autouse=True)
def english():
    """Services speak the current language; these tests read their messages in English."""
    with i18n.language("en"):
        yield


def make_round(*, jurors_per_track: int = 1) -> Setup:
    """Eight entries in R1 and eight jurors; one conflict of every kind, and webmail on both sides."""
    edition = example_edition()
    aurora = edition.organisations["Fondazione Aurora (demo)"]
    organiser = account("olga@organise.example", role="organiser", locale="en")
    specs = [  # name, applicant email, entity, track, area
        ("sole", "anna@mail.coopsole.it", "Cooperativa Sole", "AGR", "SUD"),
        ("verde", "bice@gmail.com", "Verde APS", "AGR", "CENTRO"),
        ("nord", "carlo@nordlab.example", "Nord Lab", "PAT", "NORD"),
        ("ponte", "dario@ponte.example", "Ponte ODV", "PAT", "SUD"),
        ("arte", "elsa@arte.example", "Arte Insieme", "WCI", "CENTRO"),
        ("casa", "fabio@casa.example", "Casa Aperta", "WCI", "SUD"),
        ("cura", "gina@cura.example", "Cura Vicina", "SPW", "CENTRO"),
        ("mensa", "ivo@mensa.example", "Mensa Comune", "SPW", "CENTRO"),
    ]
    entries = {name: application(edition, owner=account(email, locale="en"), track=track, area=area,
                                 entity_name=entity, title=f"Progetto {name}")
               for name, email, entity, track, area in specs}
    juror_specs = [  # name, email, organisation grant, tracks, profile organisation
        ("luca", "luca@coopsole.it", None, ["AGR"], ""),
        ("marta", "marta@gmail.com", None, ["AGR", "PAT"], ""),
        ("nina", "nina@fondazione-aurora.example", aurora, ["PAT"], ""),
        ("oscar", "oscar@ateneo.example", None, ["WCI"], "Arte Insieme"),
        ("pia", "pia@ateneo.example", None, ["WCI", "SPW"], ""),
        ("rita", "rita@incubatore.example", None, ["SPW"], ""),
        ("sara", "sara@studio.example", None, ["AGR", "SPW"], ""),
        ("tina", "tina@libero.it", None, ["PAT", "WCI"], ""),
    ]
    jurors = {}
    for name, email, organisation, juror_tracks, profile_org in juror_specs:
        juror = account(email, role="juror", organisation=organisation, display_name=name.title(), locale="en")
        run(assignments.set_juror_profile(actor=user(organiser), edition_slug=SLUG, juror_id=juror,
                                          tracks=juror_tracks, organisation=profile_org))
        jurors[name] = juror
    mentor_match(edition.id, jurors["rita"], entries["cura"], status="proposed")
    declared_conflict(entries["mensa"], jurors["sara"])
    forbidden = {
        (entries["sole"], jurors["luca"], "same_email_domain"),
        (entries["nord"], jurors["nina"], "sponsor_prize"),  # Aurora sponsors the North prize
        (entries["arte"], jurors["oscar"], "same_organisation"),
        (entries["cura"], jurors["rita"], "mentor"),
        (entries["mensa"], jurors["sara"], "declared"),
    }
    return Setup(organiser=organiser, entries=entries, jurors=jurors, forbidden=forbidden)


def active_pairs() -> list[tuple[int, int]]:
    return [(r["application"], r["juror"]) for r in run(Assignment.select(Assignment.application, Assignment.juror)
                                                          .where(Assignment.status != "recused"))]


def check_feasible(setup: Setup, k: int, *, low: int = 0, high: int | None = None) -> list[tuple[int, int]]:
    pairs = active_pairs()
    assert len(set(pairs)) == len(pairs)
    assert Counter(e for e, _ in pairs) == {e: k for e in setup.entries.values()}
    loads = Counter(j for _, j in pairs)
    for juror in setup.jurors.values():
        assert low <= loads.get(juror, 0) <= (high if high is not None else 99)
    assert not {(e, j) for e, j, _ in setup.forbidden} & set(pairs)
    return pairs


def test_conflict_rules_see_the_database_and_name_their_rule(settings):
    setup = make_round()
    organiser = user(setup.organiser)
    preview = run(assignments.propose_assignment(actor=organiser, edition_slug=SLUG, round_code="R1",
                                                 options=AssignmentOptions(per_entry=2)))
    avoided = dict(preview.conflicts_avoided)
    assert avoided["same_email_domain"] == 1
    assert avoided["same_organisation"] == 1
    assert avoided["mentor"] == 1
    assert avoided["declared"] == 1
    # Nina works for Aurora, sponsor of the North prize: only the one North entry competes for it
    assert avoided["sponsor_prize"] == 1
    # Marta (gmail) and Bice's entry (gmail), Tina (libero): webmail is never a conflict
    pairs = {(p.entry, p.juror) for p in preview.pairs}
    assert not {(e, j) for e, j, _ in setup.forbidden} & pairs


def test_propose_then_accept_stores_a_feasible_assignment(settings):
    setup = make_round()
    organiser = user(setup.organiser)
    options = AssignmentOptions(per_entry=3, min_load=2, max_load=4, expert_per_entry=True)
    preview = run(assignments.propose_assignment(actor=organiser, edition_slug=SLUG, round_code="R1",
                                                 options=options))
    assert run(Assignment.count()) == 0  # a proposal changes nothing yet
    assert preview.added == 24 and preview.kept == 0
    assert preview.gap == pytest.approx(0, abs=1e-9) and preview.objective == pytest.approx(preview.bound)
    assert 2 <= preview.load_min <= preview.load_median <= preview.load_max <= 4
    assert [s.name for s in preview.sides] == ["expert per entry"] and preview.sides[0].met
    assert all(experts >= 1 for experts, _ in preview.experts_per_entry)
    run(assignments.accept_assignment(actor=organiser, edition_slug=SLUG, round_code="R1",
                                      proposal_id=preview.proposal_id))
    pairs = check_feasible(setup, 3, low=2, high=4)
    assert set(pairs) == {(p.entry, p.juror) for p in preview.pairs}
    assert {r["origin"] for r in run(Assignment.select(Assignment.origin))} == {"engine"}
    round_row = run(Round.select(Round.jurors_per_entry, Round.settings).where(Round.code == "R1").first())
    assert round_row["jurors_per_entry"] == 3
    actions = [e["action"] for e in run(AuditEvent.select(AuditEvent.action).order_by(AuditEvent.id))]
    assert actions[-2:] == ["assignment.proposed", "assignment.accepted"]
    # accepted once: the proposal is gone, a second accept is refused
    with pytest.raises(StaleProposal):
        run(assignments.accept_assignment(actor=organiser, edition_slug=SLUG, round_code="R1",
                                          proposal_id=preview.proposal_id))


def test_a_proposal_made_before_a_change_is_refused_on_accept(settings):
    setup = make_round()
    organiser = user(setup.organiser)
    preview = run(assignments.propose_assignment(actor=organiser, edition_slug=SLUG, round_code="R1",
                                                 options=AssignmentOptions(per_entry=2)))
    run(assignments.add_assignment(actor=organiser, edition_slug=SLUG, round_code="R1",
                                   application_id=setup.entries["verde"], juror_id=setup.jurors["marta"]))
    with pytest.raises(StaleProposal):
        run(assignments.accept_assignment(actor=organiser, edition_slug=SLUG, round_code="R1",
                                          proposal_id=preview.proposal_id))
    assert active_pairs() == [(setup.entries["verde"], setup.jurors["marta"])]


def test_infeasibility_names_its_cause(settings):
    setup = make_round()
    organiser = user(setup.organiser)
    with pytest.raises(AssignmentImpossible) as capacity:
        run(assignments.propose_assignment(actor=organiser, edition_slug=SLUG, round_code="R1",
                                           options=AssignmentOptions(per_entry=3, max_load=2)))
    obstacle = capacity.value.obstacles[0]
    assert obstacle.constraint == "capacity"
    assert "total reviewer capacity 16 is below the 24 slots" in obstacle.detail
    assert obstacle.message.startswith("The jurors cannot take all the places")
    # eight jurors, one with a conflict on each of five entries: eight per entry cannot be
    with pytest.raises(AssignmentImpossible) as eligibility:
        run(assignments.propose_assignment(actor=organiser, edition_slug=SLUG, round_code="R1",
                                           options=AssignmentOptions(per_entry=8, max_load=8)))
    obstacle = next(o for o in eligibility.value.obstacles if o.constraint == "eligibility")
    assert "5 entries have fewer eligible reviewers than slots to fill" in obstacle.detail
    assert f"#{setup.entries['sole']} Cooperativa Sole" in obstacle.entries
    assert f"#{setup.entries['verde']} Verde APS" not in obstacle.entries
    assert run(Assignment.count()) == 0


def test_refill_after_a_recusal_keeps_every_untouched_assignment(settings):
    setup = make_round()
    organiser = user(setup.organiser)
    preview = run(assignments.propose_assignment(actor=organiser, edition_slug=SLUG, round_code="R1",
                                                 options=AssignmentOptions(per_entry=2, max_load=3)))
    run(assignments.accept_assignment(actor=organiser, edition_slug=SLUG, round_code="R1",
                                      proposal_id=preview.proposal_id))
    before = {(r["application"], r["juror"]): r["id"] for r in run(Assignment.select())}
    entry, juror = next(iter(before))
    recused_id = before.pop((entry, juror))
    run(reviews.declare_conflict(juror=user(juror), assignment_id=recused_id, kind="personal", reason="Cousin"))
    needs = run(assignments.entries_needing_refill(actor=organiser, edition_slug=SLUG, round_code="R1"))
    assert [(n.entry, n.assigned, n.needed) for n in needs] == [(entry, 1, 1)]
    assert needs[0].released == (run(accounts.load_session_user(juror, 0)).display_name,)
    refilled = run(assignments.refill_round(actor=organiser, edition_slug=SLUG, round_code="R1"))
    assert refilled.added == 1 and refilled.kept == len(before) and refilled.removed == 0
    after = {(r["application"], r["juror"]): r["id"] for r in run(Assignment.select().where(
        Assignment.status != "recused"))}
    assert {pair: after[pair] for pair in before} == before  # same rows, untouched
    new = set(after) - set(before)
    assert len(new) == 1 and next(iter(new))[0] == entry and next(iter(new))[1] != juror
    check_feasible(setup, 2, high=3)
    assert run(assignments.entries_needing_refill(actor=organiser, edition_slug=SLUG, round_code="R1")) == []


def test_changes_by_hand_are_checked(settings):
    setup = make_round()
    organiser = user(setup.organiser)

    def add(entry: str, juror: str) -> int:
        return run(assignments.add_assignment(actor=organiser, edition_slug=SLUG, round_code="R1",
                                              application_id=setup.entries[entry], juror_id=setup.jurors[juror]))

    first = add("verde", "marta")
    with pytest.raises(AssignmentRefused, match="already assigned"):
        add("verde", "marta")
    with pytest.raises(AssignmentRefused, match="conflict with this entry: same organisation") as refused:
        add("arte", "oscar")
    assert refused.value.field == "juror"
    with pytest.raises(AssignmentRefused, match="mentor of the entry"):
        add("cura", "rita")
    with pytest.raises(AssignmentRefused, match="not a juror"):
        run(assignments.add_assignment(actor=organiser, edition_slug=SLUG, round_code="R1",
                                       application_id=setup.entries["verde"], juror_id=setup.organiser))
    second = add("ponte", "tina")
    assert {r["origin"] for r in run(Assignment.select(Assignment.origin))} == {"manual"}
    review(second, {}, status="draft")
    with pytest.raises(AssignmentRefused, match="already written a review"):
        run(assignments.remove_assignment(actor=organiser, edition_slug=SLUG, round_code="R1", assignment_id=second))
    run(assignments.remove_assignment(actor=organiser, edition_slug=SLUG, round_code="R1", assignment_id=first))
    assert active_pairs() == [(setup.entries["ponte"], setup.jurors["tina"])]
    actions = [e["action"] for e in run(AuditEvent.select(AuditEvent.action).order_by(AuditEvent.id))]
    assert actions[-3:] == ["assignment.added", "assignment.added", "assignment.removed"]


def test_only_the_editions_organisers_may_assign(settings, client):
    setup = make_round()
    juror = user(setup.jurors["luca"])
    with pytest.raises(RoundNotFound):
        run(assignments.propose_assignment(actor=juror, edition_slug=SLUG, round_code="R1",
                                           options=AssignmentOptions(per_entry=2)))
    with pytest.raises(RoundNotFound):
        run(assignments.add_assignment(actor=juror, edition_slug=SLUG, round_code="R1",
                                       application_id=setup.entries["verde"], juror_id=setup.jurors["luca"]))
    sign_in(client, "luca@coopsole.it", PASSWORD)
    assert client.get(BASE).status_code == 403
    token = csrf_token(client, "/me")
    assert client.post(f"{BASE}/propose", data={"_csrf_token": token, "per_entry": "2"}).status_code == 403
    client.cookies.clear()
    account("elsewhere@other.example", role="organiser", edition_slug=None, locale="en")
    sign_in(client, "elsewhere@other.example", PASSWORD)
    token = csrf_token(client, "/me")
    assert client.get(BASE).status_code == 404
    assert client.post(f"{BASE}/propose", data={"_csrf_token": token, "per_entry": "2"}).status_code == 404
    assert run(Assignment.count()) == 0
    client.cookies.clear()
    sign_in(client, "olga@organise.example", PASSWORD)
    assert client.get(f"/organise/{SLUG}/rounds/R9/assignment").status_code == 404


def test_the_page_proposes_accepts_and_edits_by_hand(settings, client):
    setup = make_round()
    sign_in(client, "olga@organise.example", PASSWORD)
    page = client.get(BASE, headers={"accept-language": "en"})
    assert page.status_code == 200
    assert 'name="per_entry" inputmode="numeric" value="3"' in page.text  # the round's jurors per entry
    token = csrf_token(client, BASE)

    bad = client.post(f"{BASE}/propose", data={"_csrf_token": token, "per_entry": "two", "max_load": "1",
                                               "min_load": "2"}, headers={"accept-language": "en"})
    assert bad.status_code == 400
    assert 'id="error-per_entry">Enter a whole number.' in bad.text
    assert 'value="two"' in bad.text and 'name="max_load" inputmode="numeric" value="1"' in bad.text

    impossible = client.post(f"{BASE}/propose", data={"_csrf_token": token, "per_entry": "3", "max_load": "2"},
                             headers={"accept-language": "en"})
    assert impossible.status_code == 422
    assert "The jurors cannot take all the places" in impossible.text
    assert "total reviewer capacity 16 is below the 24 slots" in impossible.text

    proposed = client.post(f"{BASE}/propose", data={"_csrf_token": token, "per_entry": "2", "max_load": "3",
                                                    "expert_per_entry": "on"}, follow_redirects=False)
    assert proposed.status_code == 302
    location = proposed.headers["location"]
    assert re.fullmatch(rf"{BASE}\?proposal=\d+#preview", location)
    preview = client.get(location.split("#")[0], headers={"accept-language": "en"})
    assert "Proposed assignment" in preview.text and "Accept this assignment" in preview.text
    assert "same email domain: 1" in preview.text and "mentor of the entry: 1" in preview.text
    assert "works for the sponsor of a prize the entry competes for: 1" in preview.text
    assert run(Assignment.count()) == 0
    proposal = re.search(r'name="proposal" value="(\d+)"', preview.text).group(1)
    accepted = client.post(f"{BASE}/accept", data={"_csrf_token": token, "proposal": proposal},
                           follow_redirects=False)
    assert accepted.status_code == 302 and accepted.headers["location"] == f"{BASE}?done=accepted"
    check_feasible(setup, 2, high=3)
    page = client.get(f"{BASE}?done=accepted", headers={"accept-language": "en"})
    assert "The assignment was saved." in page.text
    assert page.text.count("/remove\"") == 16

    stale = client.post(f"{BASE}/accept", data={"_csrf_token": token, "proposal": proposal})
    assert stale.status_code == 409 and "Nothing was saved: propose again." in stale.text

    taken = run(Assignment.select().where(Assignment.application == setup.entries["verde"]).first())
    removed = client.post(f"{BASE}/{taken['id']}/remove", data={"_csrf_token": token}, follow_redirects=False)
    assert removed.status_code == 302
    page = client.get(BASE, headers={"accept-language": "en"})
    assert "Entries needing refill" in page.text and f"#{setup.entries['verde']} Verde APS" in page.text
    again = client.post(f"{BASE}/add", data={"_csrf_token": token, "entry": str(setup.entries["arte"]),
                                            "juror": str(setup.jurors["oscar"])}, headers={"accept-language": "en"})
    assert again.status_code == 400
    assert 'id="error-juror">This juror has a conflict with this entry: same organisation.' in again.text
    assert f'<option value="{setup.jurors["oscar"]}" selected>' in again.text
    refill = client.post(f"{BASE}/refill", data={"_csrf_token": token}, follow_redirects=False)
    assert refill.status_code == 302 and refill.headers["location"] == f"{BASE}?done=refilled&n=1"
    check_feasible(setup, 2, high=3)


def test_the_page_speaks_italian(settings, client):
    setup = make_round()
    run(accounts.set_locale(account_id=setup.organiser, locale="it"))
    sign_in(client, "olga@organise.example", PASSWORD)
    page = client.get(BASE, headers={"accept-language": "it"})
    assert page.status_code == 200
    assert "Calcola una proposta" in page.text

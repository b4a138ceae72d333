"""The checklist and consensus workflows end to end through HTTP, on both engines."""

from __future__ import annotations

import re

import pytest

from core.hookspecs import hookimpl
from core.people import accounts
from core.platform.tables import (
    Assignment,
    AuditEvent,
    ConsensusMessage,
    ConsensusThread,
    CriterionScore,
    Review,
)
from core.plugin_api import WorkflowDefinition
from core.plugins import active_registry
from core.results import rounds as results
from plugins.workflows.standard import compute_consensus
from tests import factories
from tests.conftest import csrf_token, run, sign_in
from tests.factories import (
    PASSWORD,
    account,
    application,
    assignment,
    example_edition,
    open_round,
    set_round,
    user,
)
from tests.integration.test_jury import (
    FULL,
    IDENTIFYING,
    as_juror,
    clear_conflict,
    make_panel,
    score,
)

EDITION = "welfare-comunita-2026"
ITEMS = ["legal_form_allowed", "registered_office_italy", "required_documents"]
LOW = {code: "1" for code in FULL}


def juror(name: str, *, role: str = "juror") -> int:
    return account(f"{name}@jury.example", role=role, locale="en")


def organiser():
    return user(juror("olga", role="organiser"))


def element(html: str, tag: str, element_id: str) -> str:
    """The markup of one element by id, up to its closing tag (fieldsets and sections here do not nest)."""
    match = re.search(rf'<{tag}[^>]*id="{element_id}".*?</{tag}>', html, re.S)
    assert match, f"no {tag}#{element_id}"
    return match.group(0)


# -- checklist -------------------------------------------------------------------------------------


def checklist_round(*, second_reviewer: bool = True):
    edition = example_edition()
    round_id = edition.rounds["R0"]
    open_round(round_id, settings={"checklist": ITEMS, "second_reviewer": second_reviewer})
    entries = []
    for name in ("Cooperativa Alfa", "Beta APS"):
        owner = account(f"{name.split()[-1].lower()}@applicant.example")
        entries.append(application(
            edition, owner=owner, entity_name=name, title=f"Progetto {name}", status="submitted",
            answers={"values": {"entity_name": name, "title": f"Progetto {name}"}, "invalid": {}}))
    jurors = {name: juror(name) for name in ("anna", "bruno")}
    assignments = {(name, entry): assignment(round_id, entry, jurors[name]) for name in jurors for entry in entries}
    return entries, assignments


def fill(client, assignment: int, answers: dict[str, str], *, outcome: str, reasons: dict[str, str] | None = None,
         action: str = "submit", **extra):
    path = f"/jury/assignments/{assignment}"
    page = client.get(path, headers={"accept-language": "en"})
    version = re.search(r'name="version" value="(\d+)"', page.text).group(1)
    data = {"_csrf_token": csrf_token(client, path), "action": action, "outcome": outcome, "version": version,
            **{f"item.{code}": value for code, value in answers.items()},
            **{f"reason.{code}": value for code, value in (reasons or {}).items()}, **extra}
    return client.post(f"{path}/checklist", data=data, follow_redirects=False, headers={"accept-language": "en"})


def outcomes(actor) -> dict[int, results.ChecklistOutcome]:
    return {o.entry.id: o for o in run(results.checklist_outcomes(actor=actor, edition_slug=EDITION,
                                                                   round_code="R0"))}


ALL_PASS = {code: "pass" for code in ITEMS}


def test_two_checklists_agreeing_decide_and_disagreeing_ones_are_disputed(client, settings):
    (alfa, beta), assignments = checklist_round(second_reviewer=True)
    olga = organiser()
    as_juror(client, "anna")
    clear_conflict(client, assignments[("anna", alfa)])
    page = client.get(f"/jury/assignments/{assignments[('anna', alfa)]}", headers={"accept-language": "en"})
    assert "Admissibility checklist" in page.text and "Registered office in Italy" in page.text
    assert "Cooperativa Alfa" in page.text  # the check is not blind: the reviewer sees who applied
    assert "Eligible legal form" in page.text and "Declarations signed" not in page.text  # the round's own items
    assert fill(client, assignments[("anna", alfa)], ALL_PASS, outcome="admissible").status_code == 302
    clear_conflict(client, assignments[("anna", beta)])
    refused = {**ALL_PASS, "legal_form_allowed": "fail"}
    assert fill(client, assignments[("anna", beta)], refused, outcome="not_admissible",
                reasons={"legal_form_allowed": "S.r.l. ordinaria, non ammessa"}).status_code == 302

    found = outcomes(olga)
    assert (found[alfa].outcome, found[alfa].flags) == ("pending", ("awaiting_second_reviewer",))
    assert found[beta].outcome == "pending"

    as_juror(client, "bruno")
    for entry in (alfa, beta):
        clear_conflict(client, assignments[("bruno", entry)])
        assert fill(client, assignments[("bruno", entry)], ALL_PASS, outcome="admissible").status_code == 302
    found = outcomes(olga)
    assert (found[alfa].outcome, found[alfa].reasons, found[alfa].reviews) == ("admissible", (), 2)
    assert found[beta].outcome == "disputed"
    assert found[beta].reasons == ("legal_form_allowed: S.r.l. ordinaria, non ammessa",)
    assert set(found[beta].flags) == {"failed:legal_form_allowed", "reviewers_disagree"}

    stored = run(Review.select(Review.checklist).output(load_json=True).where(
        Review.assignment == assignments[("anna", beta)]).first())["checklist"]
    assert stored["outcome"] == "not_admissible"
    assert stored["items"]["legal_form_allowed"] == {"passed": False, "reason": "S.r.l. ordinaria, non ammessa"}
    actions = [e["action"] for e in run(AuditEvent.select(AuditEvent.action))]
    assert actions.count("checklist.submitted") == 4
    # Someone who is not an organiser of the edition sees no outcomes.
    with pytest.raises(results.RoundNotFound):
        outcomes(run(accounts.load_session_user(run(Assignment.select(Assignment.juror).first())["juror"], 0)))


def test_one_reviewer_decides_and_a_second_look_is_disputed(client, settings):
    (alfa, beta), assignments = checklist_round(second_reviewer=False)
    as_juror(client, "anna")
    clear_conflict(client, assignments[("anna", alfa)])
    clear_conflict(client, assignments[("anna", beta)])
    assert fill(client, assignments[("anna", alfa)], ALL_PASS, outcome="admissible").status_code == 302
    assert fill(client, assignments[("anna", beta)], ALL_PASS, outcome="second_look").status_code == 302
    found = outcomes(organiser())
    assert found[alfa].outcome == "admissible"
    assert (found[beta].outcome, found[beta].flags) == ("disputed", ("second_look",))


def test_a_fail_without_reason_is_refused_beside_the_item_and_the_other_answers_stay(client, settings):
    (alfa, _beta), assignments = checklist_round()
    assignment = assignments[("anna", alfa)]
    as_juror(client, "anna")
    clear_conflict(client, assignment)
    answers = {"legal_form_allowed": "fail", "registered_office_italy": "pass", "required_documents": "fail"}
    response = fill(client, assignment, answers, outcome="not_admissible",
                    reasons={"required_documents": "Manca lo statuto"}, overall_comment="Da ricontrollare")
    assert response.status_code == 400
    item = element(response.text, "fieldset", "item-legal_form_allowed")
    assert "Say why this item fails." in item and 'value="fail" checked' in item
    assert "Say why this item fails." not in element(response.text, "fieldset", "item-required_documents")
    assert 'value="pass" checked' in element(response.text, "fieldset", "item-registered_office_italy")
    assert "Manca lo statuto" in element(response.text, "fieldset", "item-required_documents")
    assert 'value="not_admissible" checked' in element(response.text, "fieldset", "outcome")
    assert "Da ricontrollare" in response.text
    assert run(Review.count()) == 0
    assert client.post(f"/jury/assignments/{assignment}/review", data={
        "_csrf_token": csrf_token(client, f"/jury/assignments/{assignment}"), "score.IMP": "3"}).status_code == 404
    # The same refusal for a draft: a failed item always carries its reason.
    assert fill(client, assignment, answers, outcome="", action="draft").status_code == 400
    # An admissible outcome with a failed item is refused too, and an incomplete submission.
    contradiction = fill(client, assignment, {**ALL_PASS, "legal_form_allowed": "fail"}, outcome="admissible",
                         reasons={"legal_form_allowed": "Forma non ammessa"})
    assert contradiction.status_code == 400 and "An item failed" in element(contradiction.text, "fieldset", "outcome")
    incomplete = fill(client, assignment, {"legal_form_allowed": "pass"}, outcome="admissible")
    assert "Mark this item as passed or failed." in element(incomplete.text, "fieldset", "item-required_documents")
    assert run(Review.count()) == 0
    assert fill(client, assignment, ALL_PASS, outcome="admissible").status_code == 302
    assert run(Review.select(Review.status).first())["status"] == "submitted"


def test_a_checklist_saved_in_another_tab_is_not_overwritten(client, settings):
    (alfa, _beta), assignments = checklist_round()
    assignment = assignments[("anna", alfa)]
    as_juror(client, "anna")
    clear_conflict(client, assignment)
    assert fill(client, assignment, {"legal_form_allowed": "pass"}, outcome="", action="draft").status_code == 302
    stale = fill(client, assignment, ALL_PASS, outcome="admissible", version="0")
    assert stale.status_code == 409 and "changed in another tab or device" in stale.text
    assert run(Review.select(Review.status).first())["status"] == "draft"


# -- consensus -------------------------------------------------------------------------------------


def consensus_round(settings, *, threshold=None):
    panel = make_panel(settings, blind=True)
    round_settings = {"show_others": "after_own", "chairs": ["Dora@jury.example"]}
    if threshold is not None:
        round_settings["consensus_threshold"] = threshold
    set_round(panel.round_id, workflow="consensus", settings=round_settings)
    panel.jurors["dora"] = juror("dora")
    ezio = panel.jurors["ezio"] = juror("ezio")
    panel.assignments[("ezio", panel.entry)] = assignment(panel.round_id, panel.entry, ezio)
    panel.assignments[("anna", panel.other_entry)] = assignment(panel.round_id, panel.other_entry,
                                                                panel.jurors["anna"])
    return panel


def submit(client, panel, name: str, entry: int, values: dict[str, str]) -> None:
    assignment = panel.assignments[(name, entry)]
    clear_conflict(client, assignment)
    assert score(client, assignment, values, action="submit").status_code == 302


def chair_post(client, path: str, data: dict[str, str]):
    page = path.rsplit("/", 1)[0]
    return client.post(path, data={"_csrf_token": csrf_token(client, page), **data}, follow_redirects=False,
                       headers={"accept-language": "en"})


def standings(actor) -> dict[int, tuple]:
    found, _entries = run(results.round_results(actor=actor, edition_slug=EDITION, round_code="R1"))
    return {row.entry: (row.rank, row.score, row.flags) for row in found.rows}


def test_the_chair_discusses_disagreeing_entries_and_sets_a_consensus_score(client, settings):
    panel = consensus_round(settings)
    olga = organiser()
    as_juror(client, "anna")
    submit(client, panel, "anna", panel.entry, FULL)  # total 3.55
    submit(client, panel, "anna", panel.other_entry, FULL)
    as_juror(client, "bruno")
    submit(client, panel, "bruno", panel.entry, LOW)  # total 1.00: 2.55 apart, past the default 1.0
    as_juror(client, "carla")
    submit(client, panel, "carla", panel.other_entry, {**FULL, "RET": "4"})  # agrees with anna
    before = standings(olga)
    assert before[panel.entry][0] == 2 and before[panel.other_entry][0] == 1

    # Only the chair gets the list, and it holds the disagreeing entry alone, without the applicant's identity.
    rounds_path = f"/jury/rounds/{panel.round_id}/consensus"
    entry_path = f"{rounds_path}/{panel.entry}"
    for name in ("anna", "bruno", "ezio"):
        as_juror(client, name)
        assert client.get(rounds_path).status_code == 404
        assert client.get(entry_path).status_code == 404
        assert "/consensus" not in client.get("/jury").text
    client.cookies.clear()
    sign_in(client, "mario.rossi@segreta.example", PASSWORD)
    assert client.get(rounds_path).status_code == 403
    as_juror(client, "dora")
    assert rounds_path in client.get("/jury", headers={"accept-language": "en"}).text
    listing = client.get(rounds_path, headers={"accept-language": "en"})
    assert listing.status_code == 200
    assert f'href="{entry_path}"' in listing.text and f"{rounds_path}/{panel.other_entry}" not in listing.text
    assert "2.55" in listing.text and "Juror A: 3.55" in listing.text and "Juror B: 1.00" in listing.text
    assert client.get(f"{rounds_path}/{panel.other_entry}").status_code == 404

    # Jurors see nothing of a thread until it is opened, and then only once their own review is in.
    as_juror(client, "anna")
    anna_page = f"/jury/assignments/{panel.assignments[('anna', panel.entry)]}"
    assert "Panel discussion" not in client.get(anna_page, headers={"accept-language": "en"}).text
    as_juror(client, "dora")
    assert chair_post(client, f"{entry_path}/open", {}).status_code == 302
    assert chair_post(client, f"{entry_path}/messages", {"body": "<script>alert(1)</script> Perché 1 su IMP?"}
                      ).status_code == 302
    assert chair_post(client, f"{entry_path}/messages", {"body": "   "}).status_code == 400
    as_juror(client, "anna")
    page = client.get(anna_page, headers={"accept-language": "en"})
    discussion = element(page.text, "section", "discussion")
    assert "Panel chair" in discussion and "&lt;script&gt;alert(1)&lt;/script&gt;" in discussion
    assert "<script>alert(1)" not in page.text
    token = csrf_token(client, anna_page)
    assert client.post(f"{anna_page}/discussion", data={"_csrf_token": token, "body": "Il progetto è solido."},
                       follow_redirects=False).status_code == 302
    as_juror(client, "ezio")
    ezio_page = f"/jury/assignments/{panel.assignments[('ezio', panel.entry)]}"
    clear_conflict(client, panel.assignments[("ezio", panel.entry)])
    assert "Panel discussion" not in client.get(ezio_page, headers={"accept-language": "en"}).text
    refused = client.post(f"{ezio_page}/discussion", data={"_csrf_token": csrf_token(client, ezio_page),
                                                           "body": "Posso dire la mia?"}, follow_redirects=False)
    assert refused.status_code == 404
    as_juror(client, "bruno")
    bruno_view = client.get(f"/jury/assignments/{panel.assignments[('bruno', panel.entry)]}",
                            headers={"accept-language": "en"})
    thread = element(bruno_view.text, "section", "discussion")
    assert "Juror A" in thread and "Il progetto è solido." in thread and "(you)" not in thread
    messages = run(ConsensusMessage.select(ConsensusMessage.author, ConsensusMessage.by_chair).order_by(
        ConsensusMessage.id))
    assert [(m["author"], m["by_chair"]) for m in messages] == [(panel.jurors["dora"], True),
                                                               (panel.jurors["anna"], False)]

    # A consensus score needs a reason; a refused one keeps what was typed and changes nothing.
    as_juror(client, "dora")
    scores_before = sorted((s["review"], s["criterion"], s["value"]) for s in run(CriterionScore.select()))
    totals_before = sorted(r["total"] for r in run(Review.select(Review.total)))
    no_reason = chair_post(client, f"{entry_path}/score", {"score": "3.8", "reason": "  "})
    assert no_reason.status_code == 400
    assert "Write the reason for the consensus score" in no_reason.text and 'value="3.8"' in no_reason.text
    off_scale = chair_post(client, f"{entry_path}/score", {"score": "7", "reason": "Troppo alto"})
    assert off_scale.status_code == 400 and "Give a score from 1 to 5." in off_scale.text
    assert run(ConsensusThread.select(ConsensusThread.score).first())["score"] is None
    assert chair_post(client, f"{entry_path}/score", {"score": "4,5", "reason": "Il giurato B ha frainteso il "
                                                      "criterio IMP; la giuria concorda su 4,5."}).status_code == 302

    # The consensus replaces the calibrated score in the results; the original reviews are untouched.
    after = standings(olga)
    assert after[panel.entry][:2] == (1, 4.5) and "consensus" in after[panel.entry][2]
    assert after[panel.other_entry][0] == 2 and after[panel.other_entry][1] == before[panel.other_entry][1]
    assert sorted((s["review"], s["criterion"], s["value"]) for s in run(CriterionScore.select())) == scores_before
    assert sorted(r["total"] for r in run(Review.select(Review.total))) == totals_before
    events = run(AuditEvent.select(AuditEvent.action, AuditEvent.data).output(load_json=True).order_by(AuditEvent.id))
    actions = [e["action"] for e in events]
    assert actions.count("consensus.thread_opened") == 1 and actions.count("consensus.message_posted") == 2
    assert actions.count("consensus.set") == 1
    decided = next(e["data"] for e in events if e["action"] == "consensus.set")
    assert decided["score"] == 4.5 and decided["previous"] is None and decided["application"] == panel.entry

    # The chair's pages and the jurors' thread never name the applicant of this blind round.
    as_juror(client, "dora")
    texts = [client.get(rounds_path).text, client.get(entry_path).text]
    as_juror(client, "bruno")
    texts.append(client.get(f"/jury/assignments/{panel.assignments[('bruno', panel.entry)]}").text)
    assert [secret for text in texts for secret in IDENTIFYING if secret in text] == []


def test_the_round_threshold_decides_which_entries_go_to_the_chair(client, settings):
    panel = consensus_round(settings, threshold=3)
    as_juror(client, "anna")
    submit(client, panel, "anna", panel.entry, FULL)
    as_juror(client, "bruno")
    submit(client, panel, "bruno", panel.entry, LOW)
    as_juror(client, "dora")
    listing = client.get(f"/jury/rounds/{panel.round_id}/consensus", headers={"accept-language": "en"})
    assert "No entry needs discussing" in listing.text
    assert client.get(f"/jury/rounds/{panel.round_id}/consensus/{panel.entry}").status_code == 404


class PanelWorkflow:
    """An outside workflow with a consensus step under a name of its own."""

    @hookimpl
    def giuria_workflows(self):
        return [WorkflowDefinition(name="panel-review", label={"it": "Panel", "en": "Panel"},
                                   round_kinds=("screening",), juror_task="rubric", compute=compute_consensus,
                                   has_consensus_step=True)]


def test_a_workflow_declaring_a_consensus_step_gets_a_chair_whatever_its_name(client, settings):
    panel = consensus_round(settings)
    active_registry().register(PanelWorkflow(), name="panel-plugin", origin="test")
    factories.set_edition(EDITION, enabled_plugins=["panel-plugin"])
    factories.set_round(panel.round_id, workflow="panel-review")
    as_juror(client, "anna")
    submit(client, panel, "anna", panel.entry, FULL)
    as_juror(client, "bruno")
    submit(client, panel, "bruno", panel.entry, LOW)
    rounds_path = f"/jury/rounds/{panel.round_id}/consensus"
    as_juror(client, "dora")
    assert rounds_path in client.get("/jury", headers={"accept-language": "en"}).text
    listing = client.get(rounds_path, headers={"accept-language": "en"})
    assert listing.status_code == 200 and f'href="{rounds_path}/{panel.entry}"' in listing.text

    # Without the plugin enabled for the edition the round has no consensus step: the chair finds nothing.
    factories.set_edition(EDITION, enabled_plugins=[])
    assert client.get(rounds_path).status_code == 404
    assert rounds_path not in client.get("/jury", headers={"accept-language": "en"}).text


def test_the_admissibility_page_shows_each_reviewers_checklist_and_what_they_suggest(client, settings):
    (alfa, beta), assignments = checklist_round(second_reviewer=False)
    juror("olga", role="organiser")
    as_juror(client, "anna")
    for entry in (alfa, beta):
        clear_conflict(client, assignments[("anna", entry)])
    assert fill(client, assignments[("anna", alfa)], ALL_PASS, outcome="admissible").status_code == 302
    assert fill(client, assignments[("anna", beta)], {**ALL_PASS, "legal_form_allowed": "fail"},
                outcome="not_admissible", reasons={"legal_form_allowed": "S.r.l. ordinaria"}).status_code == 302
    as_juror(client, "bruno")
    clear_conflict(client, assignments[("bruno", beta)])
    assert fill(client, assignments[("bruno", beta)], ALL_PASS, outcome="admissible").status_code == 302

    client.cookies.clear()
    sign_in(client, "olga@jury.example", PASSWORD)
    page = client.get(f"/organise/{EDITION}/admissibility", headers={"accept-language": "en"})
    assert page.status_code == 200
    rows = {entry: element(page.text, "tr", f"row-{entry}") for entry in (alfa, beta)}
    assert "<strong>admissible</strong>" in rows[alfa] and "anna@jury.example: admissible" in rows[alfa]
    assert "<strong>disputed</strong>" in rows[beta]
    assert "anna@jury.example: not admissible" in rows[beta] and "bruno@jury.example: admissible" in rows[beta]
    assert "Eligible legal form — S.r.l. ordinaria" in rows[beta]
    assert "legal_form_allowed" not in page.text  # the item's label, never its code
    # A juror of the round does not get the organiser's page.
    as_juror(client, "anna")
    assert client.get(f"/organise/{EDITION}/admissibility").status_code in (403, 404)

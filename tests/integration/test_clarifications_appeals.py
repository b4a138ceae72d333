"""Clarifications during a round and appeals after publication, through HTTP on both engines: a blind question
never reveals who asked nor who answered, the organiser approves every question and clears every answer that may
name the applicant, deadlines and appeal windows hold, and an upheld appeal reassigns the entry with the audit
saying why."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from core.messaging import mail
from core.platform.tables import (
    Account,
    Appeal,
    Application,
    Assignment,
    AuditEvent,
    Clarification,
    ConflictOfInterest,
    CriterionScore,
    Decision,
    OutgoingMail,
    Review,
    Round,
)
from tests import factories
from tests.conftest import csrf_token, run
from tests.integration.conftest import content
from tests.integration.test_blind_rounds import (
    EMAIL,
    ENTITY,
    SLUG,
    blind_entry,
    leaks,
    redaction_form,
)

EN = {"accept-language": "en"}
JUROR_NAME, JUROR_EMAIL = "Bruno Neri", "bruno.neri@jury.example"
QUESTION = "How many people work on the project today, and who pays them?"
ANSWER = f"Oggi siamo in quattro alla {ENTITY}; per i dettagli scrivete a {EMAIL}. I salari li paga la vendita diretta."


def clear_round(client, application_id: int) -> None:
    """The organiser redacts every suggestion of the entry, so the blind round opens to its jurors."""
    factories.as_person(client, "olga@foundation.example")
    page = f"/organise/{SLUG}/rounds/R1/redaction/{application_id}"
    assert client.post(page, data=redaction_form(client, page), follow_redirects=False).status_code == 302


def no_conflict(client, assignment_id: int) -> None:
    page = f"/jury/assignments/{assignment_id}"
    assert client.post(f"{page}/conflict", data={"_csrf_token": csrf_token(client, page), "decision": "none"},
                       follow_redirects=False).status_code == 302


def post(client, path: str, page: str, **data):
    return client.post(path, headers=EN, follow_redirects=False,
                       data={"_csrf_token": csrf_token(client, page), **data})


def test_a_blind_clarification_reveals_nobody_in_either_direction(client, mail_settings, smtp):
    entry = blind_entry(client)
    clear_round(client, entry.application_id)
    bruno = factories.account(JUROR_EMAIL, role="juror", display_name=JUROR_NAME, locale="en")
    assignment = factories.assignment(entry.round_id, entry.application_id, bruno)
    factories.as_person(client, JUROR_EMAIL)
    no_conflict(client, assignment)
    page = f"/jury/assignments/{assignment}"
    empty = post(client, f"{page}/clarifications", page, question="  ")
    assert empty.status_code == 400 and "Write your question to the applicant." in empty.text
    asked = post(client, f"{page}/clarifications", page, question=QUESTION)
    assert asked.status_code == 302
    assert "waiting for the organisers" in client.get(page, headers=EN).text
    # The organisers learn by mail that a question waits for them, with the link to their queue.
    run(mail.deliver_due(settings=mail_settings))
    to_organiser = [m for m in smtp.messages() if m["To"] == "olga@foundation.example"]
    assert len(to_organiser) == 1  # Olga reads English
    assert to_organiser[0]["Subject"].endswith(": a juror's question waits for your approval")
    assert f"/organise/{SLUG}/redress" in content(to_organiser[0].get_body(("plain",)))

    # The approval gate: nothing reaches the applicant before an organiser approves the question.
    clarification_id = run(Clarification.select(Clarification.id).first())["id"]
    factories.as_person(client, EMAIL)
    overview = f"/applications/{entry.application_id}"
    assert QUESTION not in client.get(overview, headers=EN).text
    early = post(client, f"{overview}/clarifications/{clarification_id}", overview, answer="Troppo presto")
    assert early.status_code == 404
    assert run(OutgoingMail.count().where(OutgoingMail.kind == "clarification/asked")) == 0

    factories.as_person(client, "olga@foundation.example")
    queue = f"/organise/{SLUG}/redress"
    listed = client.get(queue, headers=EN)
    assert listed.status_code == 200 and QUESTION in listed.text and JUROR_NAME in listed.text
    bad_days = post(client, f"{queue}/clarifications/{clarification_id}/approve", queue, question=QUESTION,
                    days="many")
    assert bad_days.status_code == 400 and "from 1 to 60 days" in bad_days.text
    assert post(client, f"{queue}/clarifications/{clarification_id}/approve", queue, question=QUESTION,
                days="5").status_code == 302

    # The applicant reads the question, by page and by mail, never who asked it.
    factories.as_person(client, EMAIL)
    shown = client.get(overview, headers=EN).text
    assert QUESTION in shown and JUROR_NAME not in shown and JUROR_EMAIL not in shown and "Bruno" not in shown
    run(mail.deliver_due(settings=mail_settings))
    notices = [m for m in smtp.messages() if m["To"] == EMAIL and "a question from the jury" in m["Subject"]]
    assert len(notices) == 1
    body = content(notices[0].get_body(("plain",)))
    assert QUESTION in body and "Bruno" not in body and JUROR_EMAIL not in body
    assert "Bruno" not in notices[0]["Subject"]
    answered = post(client, f"{overview}/clarifications/{clarification_id}", overview, answer=ANSWER)
    assert answered.status_code == 302

    # The answer names the entity and its email: jurors of the blind round read nothing until it is cleared,
    # and the organisers are told an answer waits to be cleared.
    run(mail.deliver_due(settings=mail_settings))
    to_clear = [m["Subject"] for m in smtp.messages() if m["To"] == "olga@foundation.example"][1:]
    assert len(to_clear) == 1 and to_clear[0].endswith(": an answer to clear before the jurors read it")
    factories.as_person(client, JUROR_EMAIL)
    waiting = client.get(page, headers=EN).text
    assert "the organisers are removing names from the answer" in waiting and "quattro" not in waiting
    assert leaks([waiting]) == []

    factories.as_person(client, "olga@foundation.example")
    review = client.get(queue, headers=EN).text
    assert "<mark" in review and ENTITY in review
    form = {"_csrf_token": csrf_token(client, queue)}
    for index, key in re.findall(r'name="key\.(\d+)" value="([^"]*)"', review):
        form[f"key.{index}"] = key
        form[f"decision.{index}"] = "redact"
    assert client.post(f"{queue}/clarifications/{clarification_id}/show", data=form,
                       follow_redirects=False).status_code == 302

    # Every juror of the entry now reads the cleared answer, with no name of the applicant in it.
    for juror_email, assignment_id in ((JUROR_EMAIL, assignment), ("anna@jury.example", entry.assignment_id)):
        if juror_email == JUROR_EMAIL:
            factories.as_person(client, juror_email)
        else:
            factories.as_person(client, juror_email)
            no_conflict(client, assignment_id)
        read = client.get(f"/jury/assignments/{assignment_id}", headers=EN).text
        assert "Oggi siamo in quattro" in read and "[omissis]" in read and leaks([read]) == [], juror_email
    actions = [e["action"] for e in run(AuditEvent.select(AuditEvent.action).where(
        AuditEvent.subject_type == "clarification").order_by(AuditEvent.id))]
    assert actions == ["clarification.asked", "clarification.approved", "clarification.answered",
                       "clarification.answer_shown"]


def test_an_answer_after_the_deadline_is_refused_and_a_declined_question_tells_the_juror_why(client):
    entry = blind_entry(client)
    clear_round(client, entry.application_id)
    bruno = factories.account(JUROR_EMAIL, role="juror", display_name=JUROR_NAME, locale="en")
    late = factories.clarification(entry.round_id, entry.application_id, bruno, "Quanti volontari avete?",
                                   due_at=datetime.now(UTC) - timedelta(minutes=1))
    factories.as_person(client, EMAIL)
    overview = f"/applications/{entry.application_id}"
    page = client.get(overview, headers=EN).text
    assert "Quanti volontari avete?" in page and "The time to answer ended on" in page
    refused = post(client, f"{overview}/clarifications/{late}", overview, answer="Dodici.")
    assert refused.status_code == 400 and "The deadline for this answer has passed." in refused.text
    assert run(Clarification.select(Clarification.status).where(Clarification.id == late).first())["status"] == "sent"

    assignment = factories.assignment(entry.round_id, entry.application_id, bruno)
    factories.as_person(client, JUROR_EMAIL)
    no_conflict(client, assignment)
    jury_page = f"/jury/assignments/{assignment}"
    assert post(client, f"{jury_page}/clarifications", jury_page, question="Qual è il vostro fatturato?"
                ).status_code == 302
    asked = run(Clarification.select(Clarification.id).where(Clarification.status == "asked").first())["id"]
    factories.as_person(client, "olga@foundation.example")
    queue = f"/organise/{SLUG}/redress"
    no_reason = post(client, f"{queue}/clarifications/{asked}/decline", queue, reason="")
    assert no_reason.status_code == 400 and "Write why the question is declined" in no_reason.text
    assert post(client, f"{queue}/clarifications/{asked}/decline", queue,
                reason="Il fatturato è già nel piano economico.").status_code == 302
    factories.as_person(client, JUROR_EMAIL)
    assert "Il fatturato è già nel piano economico." in client.get(jury_page, headers=EN).text
    factories.as_person(client, EMAIL)
    assert "Qual è il vostro fatturato?" not in client.get(overview, headers=EN).text


# -- appeals -----------------------------------------------------------------------------------------


def appeal_setup(*, published_days_ago: float = 1, window: int | None = 10):
    """A screening round whose decision (not advanced) on Maria's entry was published `published_days_ago` days
    ago, reviewed by two jurors; three more jurors, one with a declared conflict with the entry."""
    edition = factories.example_edition()
    organiser = factories.account("olga@foundation.example", role="organiser", locale="en")
    maria = factories.account("maria@coop.example", role="applicant", display_name="Maria Rossi")
    other = factories.account("luca@altro.example", role="applicant", display_name="Luca Bianchi", locale="en")
    entry = factories.application(edition, owner=maria, status="not_advanced", title="Orti che includono")
    factories.application(edition, owner=other, status="not_advanced", title="Altro progetto")
    round_id = edition.rounds["R1"]
    jurors = [factories.account(f"juror{n}@jury.example", role="juror", display_name=f"Giurato {n}")
              for n in range(1, 6)]
    for juror in jurors[:2]:
        factories.review(factories.assignment(round_id, entry, juror, status="submitted"), {"IMP": 3}, total=3)
    factories.declared_conflict(entry, jurors[3])
    factories.set_round(round_id, status="closed", jurors_per_entry=2,
                        settings={"appeal_days": window} if window is not None else {})
    factories.decision(round_id, entry, "not_advanced",
                       published_at=datetime.now(UTC) - timedelta(days=published_days_ago))
    return edition, organiser, entry, round_id, jurors


def test_an_upheld_appeal_sends_the_entry_to_other_jurors_and_the_audit_says_why(client):
    _edition, _organiser, entry, round_id, jurors = appeal_setup()
    factories.as_person(client, "maria@coop.example")
    overview = f"/applications/{entry}"
    page = client.get(overview, headers=EN).text
    assert "Puoi presentare ricorso contro questa decisione fino al" in page  # Maria reads Italian
    no_ground = post(client, f"{overview}/appeals/{round_id}", overview, ground="", text="Un giurato conosceva il "
                     "nostro concorrente.")
    assert no_ground.status_code == 400 and "Scegli il motivo del ricorso." in no_ground.text
    assert "Un giurato conosceva il nostro concorrente." in no_ground.text  # what was typed stays
    filed = post(client, f"{overview}/appeals/{round_id}", overview, ground="conflict",
                 text="Un giurato conosceva il nostro concorrente.")
    assert filed.status_code == 302
    again = post(client, f"{overview}/appeals/{round_id}", overview, ground="conflict", text="Di nuovo.")
    assert again.status_code == 400 and run(Appeal.count()) == 1
    # Olga reads English: the notice of the new appeal names the entry and links the queue, in her language.
    filed_notice = run(OutgoingMail.select().where(OutgoingMail.kind == "appeal/filed"))
    assert [(m["to_address"], m["language"]) for m in filed_notice] == [("olga@foundation.example", "en")]
    assert "Orti che includono" in filed_notice[0]["body_text"] and "/redress" in filed_notice[0]["body_text"]
    assert "a new appeal to decide" in filed_notice[0]["subject"]

    factories.as_person(client, "olga@foundation.example")
    queue = f"/organise/{SLUG}/redress"
    listed = client.get(queue, headers=EN).text
    assert "Un giurato conosceva il nostro concorrente." in listed and "An undeclared conflict of interest" in listed
    appeal_id = run(Appeal.select(Appeal.id).first())["id"]
    no_reasons = post(client, f"{queue}/appeals/{appeal_id}", queue, verdict="uphold", effect="review", reasons="")
    assert no_reasons.status_code == 400 and "Write the reasons for the decision" in no_reasons.text
    reasons = "Il giurato 2 collabora con un concorrente e non l'aveva dichiarato."
    # Upheld on a conflict, the organiser names the juror in conflict among those whose review counts.
    assert f'<option value="{jurors[1]}">Giurato 2</option>' in listed
    unnamed = post(client, f"{queue}/appeals/{appeal_id}", queue, verdict="uphold", effect="review", reasons=reasons)
    assert unnamed.status_code == 400 and "Choose the juror whose undeclared conflict the appeal showed" in unnamed.text
    assert run(Assignment.count().where(Assignment.origin == "appeal")) == 0
    assert run(Assignment.count().where(Assignment.status == "recused")) == 0
    assert post(client, f"{queue}/appeals/{appeal_id}", queue, verdict="uphold", effect="review",
                reasons=reasons, conflicted_juror=str(jurors[1])).status_code == 302

    added = run(Assignment.select(Assignment.juror, Assignment.origin).where(
        Assignment.application == entry, Assignment.round == round_id, Assignment.origin == "appeal"))
    # Two new jurors (the round's panel size): neither of the two who reviewed it, nor the one in conflict.
    assert sorted(a["juror"] for a in added) == [jurors[2], jurors[4]]
    assert run(Decision.select(Decision.needs_review).where(Decision.application == entry).first())["needs_review"]
    decided = run(AuditEvent.select().output(load_json=True).where(AuditEvent.action == "appeal.decided").first())
    assert decided["data"]["reason"] == reasons and decided["data"]["kind"] == "review"
    assert decided["data"]["jurors"] == 2 and decided["data"]["verdict"] == "upheld"
    assert decided["data"]["excluded"] == jurors[1]
    # The organiser reads the two panels apart: the first without the excluded review, which is named.
    listed = client.get(queue, headers=EN).text
    assert "Without the review of Giurato 2, excluded for the conflict upheld on appeal." in listed
    assert "One review counts." in listed and "count the remaining first jurors' reviews" in listed
    for event in run(AuditEvent.select().output(load_json=True).where(AuditEvent.action == "assignment.added")):
        assert event["data"]["appeal"] == appeal_id and event["data"]["reason"] == reasons
    audit_page = client.get(f"/organise/{SLUG}/audit", headers=EN).text
    assert "Il giurato 2 collabora con un concorrente" in audit_page and f"appeal {appeal_id}: upheld" in audit_page
    notice = run(OutgoingMail.select().where(OutgoingMail.kind == "appeal/decided").first())
    assert notice["to_address"] == "maria@coop.example" and notice["language"] == "it"
    assert reasons in notice["body_text"] and "torna alla valutazione" in notice["body_text"]

    factories.as_person(client, "maria@coop.example")
    page = client.get(overview, headers=EN).text
    assert "accolto" in page and "torna alla valutazione di altri giurati" in page
    assert "Il giurato 2 collabora con un concorrente" in page
    assert "Giurato" not in page


def pending_appeal(entry: int, round_id: int, ground: str) -> int:
    """Maria's appeal as `file_appeal` leaves it (its own test goes through the page)."""
    applicant = run(Application.select(Application.applicant).where(Application.id == entry).first())["applicant"]
    return run(Appeal.insert(Appeal(round=round_id, application=entry, applicant=applicant, ground=ground,
                                    text="Un giurato collabora con un nostro concorrente.", status="pending")))[0]["id"]


def submitted_reviews(client) -> int:
    """The count of reviews the round's leaderboard is computed on, from its summary."""
    page = re.sub(r"\s+", " ", client.get(f"/organise/{SLUG}/rounds/R1/results", headers=EN).text)
    found = re.search(r'<span class="value">(\d+)</span> <span class="what">Submitted reviews</span>', page)
    assert found, page[:2000]
    return int(found.group(1))


def test_an_upheld_conflict_takes_the_jurors_review_out_of_every_figure_of_the_entry(client):
    _edition, _organiser, entry, round_id, jurors = appeal_setup()
    other = run(Application.select(Application.id).where(Application.title == "Altro progetto").first())["id"]
    reviews = {j: run(Review.select(Review.id).where(Review.assignment.juror == j).first())["id"]
               for j in jurors[:2]}
    run(Review.update({Review.feedback_to_applicant: "Commento del primo giurato."}).where(
        Review.id == reviews[jurors[0]]))
    run(Review.update({Review.feedback_to_applicant: "Commento del giurato in conflitto.", Review.total: 5}).where(
        Review.id == reviews[jurors[1]]))
    run(CriterionScore.update({CriterionScore.value: 5}).where(CriterionScore.review == reviews[jurors[1]]))
    factories.review(factories.assignment(round_id, other, jurors[2], status="submitted"), {"IMP": 4}, total=4)
    appeal_id = pending_appeal(entry, round_id, "conflict")
    factories.as_person(client, "olga@foundation.example")
    exports, preview = f"/organise/{SLUG}/exports", f"/organise/{SLUG}/rounds/R1/feedback/entries/{entry}"
    before = client.get(f"{exports}/scores-long.csv?round=R1").content.decode("utf-8-sig")
    assert "Giurato 2" in before and "Giurato 1" in before
    assert "Commento del giurato in conflitto." in client.get(preview, headers=EN).text
    assert submitted_reviews(client) == 3
    queue = f"/organise/{SLUG}/redress"
    listed = client.get(queue, headers=EN).text
    assert "Giurato 3" not in listed  # only the jurors of this entry can be named
    # Naming a juror who never reviewed this entry (here, one of the other entry's) is refused, and nothing changes.
    elsewhere = post(client, f"{queue}/appeals/{appeal_id}", queue, verdict="uphold", effect="change",
                     new_outcome="advanced", reasons="Conflitto.", conflicted_juror=str(jurors[2]))
    assert elsewhere.status_code == 400 and "Choose the juror whose undeclared conflict" in elsewhere.text
    assert run(Assignment.count().where(Assignment.status == "recused")) == 0
    for garbage in ("abc", str(2**70)):
        assert post(client, f"{queue}/appeals/{appeal_id}", queue, verdict="uphold", effect="change",
                    new_outcome="advanced", reasons="Conflitto.", conflicted_juror=garbage).status_code == 400
    reasons = "Il giurato 2 è consigliere di un'organizzazione concorrente."
    assert post(client, f"{queue}/appeals/{appeal_id}", queue, verdict="uphold", effect="change",
                new_outcome="advanced", reasons=reasons, conflicted_juror=str(jurors[1])).status_code == 302

    # Recorded as a conflict with the appeal's reasons, the assignment recused, the audit naming the appeal.
    excluded = run(Assignment.select(Assignment.id, Assignment.status).where(Assignment.juror == jurors[1]).first())
    assert excluded["status"] == "recused"
    conflict = run(ConflictOfInterest.select().where(ConflictOfInterest.juror == jurors[1]).first())
    assert (conflict["application"], conflict["round"], conflict["rule"], conflict["reason"]) == (
        entry, round_id, "appeal", reasons)
    event = run(AuditEvent.select().output(load_json=True).where(AuditEvent.action == "review.excluded").first())
    assert event["subject_id"] == str(excluded["id"]) and event["data"]["appeal"] == appeal_id
    assert event["data"]["reason"] == reasons and event["data"]["juror"] == jurors[1]
    audit_page = client.get(f"/organise/{SLUG}/audit", headers=EN).text
    assert (f"excluded the review of a juror with an undeclared conflict from entry {entry}, upholding appeal "
            f"{appeal_id}") in audit_page
    # From now on the review counts nowhere: exports, the applicant's feedback, the round's results.
    after = client.get(f"{exports}/scores-long.csv?round=R1").content.decode("utf-8-sig")
    assert "Giurato 2" not in after and "Giurato 1" in after and "Giurato 3" in after
    shown = client.get(preview, headers=EN).text
    assert "Commento del primo giurato." in shown and "Commento del giurato in conflitto." not in shown
    assert submitted_reviews(client) == 2  # Giurato 1's and Giurato 3's
    # The juror in conflict no longer opens the entry.
    factories.as_person(client, "juror2@jury.example")
    assert client.get(f"/jury/assignments/{excluded['id']}", headers=EN).status_code == 404


def test_an_appeal_upheld_on_another_ground_keeps_both_panels_and_shows_them_apart(client):
    _edition, _organiser, entry, round_id, _jurors = appeal_setup()
    appeal_id = pending_appeal(entry, round_id, "factual")
    factories.as_person(client, "olga@foundation.example")
    queue = f"/organise/{SLUG}/redress"
    assert 'name="conflicted_juror"' not in client.get(queue, headers=EN).text
    assert post(client, f"{queue}/appeals/{appeal_id}", queue, verdict="uphold", effect="review",
                reasons="La scheda ignorava i contratti allegati.").status_code == 302
    assert run(Assignment.count().where(Assignment.status == "recused")) == 0
    assert run(ConflictOfInterest.count().where(ConflictOfInterest.rule == "appeal")) == 0
    listed = client.get(queue, headers=EN).text
    assert "Mean total of the first jurors: 3.00. 2 reviews count." in listed
    assert "The entry's ranking and totals count the reviews of both panels." in listed
    assert "excluded for the conflict" not in listed


def test_the_new_jurors_of_an_upheld_appeal_score_the_entry_although_the_round_has_closed(client):
    _edition, _organiser, entry, round_id, jurors = appeal_setup()
    appeal_id = run(Appeal.insert(Appeal(round=round_id, application=entry, applicant=run(
        Decision.select(Decision.application.applicant).where(Decision.application == entry).first())[
            "application.applicant"], ground="conflict", text="Un giurato conosceva il nostro concorrente.",
        status="pending")))[0]["id"]
    factories.as_person(client, "olga@foundation.example")
    queue = f"/organise/{SLUG}/redress"
    assert post(client, f"{queue}/appeals/{appeal_id}", queue, verdict="uphold", effect="review",
                reasons="Conflitto non dichiarato.", conflicted_juror=str(jurors[1])).status_code == 302
    new = {a["juror"]: a["id"] for a in run(Assignment.select(Assignment.id, Assignment.juror).where(
        Assignment.application == entry, Assignment.origin == "appeal"))}
    # Each new juror is told, in their language, by the entry's number only: nothing of the appeal or the applicant.
    told = run(OutgoingMail.select().where(OutgoingMail.kind == "jury/appeal_review").order_by(OutgoingMail.id))
    assert [(m["to_address"], m["language"]) for m in told] == [("juror3@jury.example", "it"),
                                                              ("juror5@jury.example", "it")]
    assert "proposta n. " + str(entry) in told[0]["body_text"] and f"/jury/assignments/{new[jurors[2]]}" in (
        told[0]["body_text"])
    for secret in ("Orti che includono", "Maria", "Conflitto non dichiarato", "conosceva il nostro concorrente"):
        assert secret not in told[0]["body_text"] and secret not in told[0]["subject"], secret
    first = run(Assignment.select(Assignment.id).where(Assignment.juror == jurors[0]).first())["id"]
    run(Assignment.update({Assignment.conflict_checked_at: datetime.now(UTC)}).where(Assignment.id == first))
    sheet = {"action": "submit", **{f"score.{k}": "4" for k in ("IMP", "INN", "SOS", "TEA", "RET")}}

    # The new juror's list shows the entry open to them although the round has closed, and says why; the first
    # panel's juror reads the round as closed.
    factories.as_person(client, "juror3@jury.example")
    dashboard = client.get("/jury", headers=EN).text
    assert "Aperta per te per le proposte segnalate qui sotto: un ricorso le ha rimandate" in dashboard
    assert dashboard.count("riaperta dopo un ricorso") == 1 and "La valutazione si è chiusa il" not in dashboard
    run(Account.update({Account.locale: "en"}).where(Account.email == "juror5@jury.example"))
    factories.as_person(client, "juror5@jury.example")
    dashboard = client.get("/jury").text
    assert "Open to you for the entries marked below: an appeal sent them back" in dashboard
    assert "open again after an appeal" in dashboard and "Scoring closed on" not in dashboard
    factories.as_person(client, "juror1@jury.example")
    dashboard = client.get("/jury", headers=EN).text
    assert "La valutazione si è chiusa il" in dashboard and "riaperta dopo un ricorso" not in dashboard
    assert "Aperta per te" not in dashboard

    factories.as_person(client, "juror3@jury.example")
    no_conflict(client, new[jurors[2]])
    page = client.get(f"/jury/assignments/{new[jurors[2]]}", headers=EN).text
    assert "tornata in valutazione dopo un ricorso" in page and 'name="score.IMP" value="4"' in page
    assert 'name="score.IMP" value="4" disabled' not in page
    page = f"/jury/assignments/{new[jurors[2]]}"
    assert post(client, f"{page}/review", page, **sheet).status_code == 302
    assert run(Review.select(Review.status).where(Review.assignment == new[jurors[2]]).first())["status"] == "submitted"

    factories.as_person(client, "juror1@jury.example")  # a juror of the first panel: the round stays closed to them
    page = f"/jury/assignments/{first}"
    assert "tornata in valutazione" not in client.get(page, headers=EN).text
    assert post(client, f"{page}/review", page, **sheet).status_code == 409

    # The organiser reads how far the new panel has got, and cannot conclude before both have submitted.
    factories.as_person(client, "olga@foundation.example")
    listed = client.get(queue, headers=EN).text
    assert "Back in review after an appeal (1)" in listed and "New jurors' reviews submitted: 1 of 2." in listed
    assert "Mean total of the first jurors: 3.00." in listed and f"/appeals/{appeal_id}/conclude" not in listed
    early = post(client, f"{queue}/appeals/{appeal_id}/conclude", queue, outcome="advanced", reasons="Presto.")
    assert early.status_code == 400 and "Wait until the new jurors have submitted their reviews: 1 of 2" in early.text
    # The round's page sends the organiser here; confirming the round's decisions leaves this one in review.
    results = f"/organise/{SLUG}/rounds/R1/advancement"
    board = client.get(results, headers=EN).text
    assert "One entry is back in review after an appeal" in board and 'id="needs-review"' not in board
    confirmed = post(client, f"{results}/confirm", results)
    assert confirmed.status_code == 409 and "No published decision of this round needs review." in confirmed.text
    assert run(Decision.select(Decision.needs_review).where(Decision.application == entry).first())["needs_review"]

    factories.as_person(client, "juror5@jury.example")
    no_conflict(client, new[jurors[4]])
    page = f"/jury/assignments/{new[jurors[4]]}"
    assert post(client, f"{page}/review", page, **sheet).status_code == 302

    factories.as_person(client, "olga@foundation.example")
    listed = client.get(queue, headers=EN).text
    assert "New jurors' reviews submitted: 2 of 2." in listed and f"/appeals/{appeal_id}/conclude" in listed
    no_reasons = post(client, f"{queue}/appeals/{appeal_id}/conclude", queue, outcome="advanced", reasons=" ")
    assert no_reasons.status_code == 400 and "Write the reasons for the decision" in no_reasons.text
    reasons = "I nuovi giurati la collocano sopra la soglia."
    assert post(client, f"{queue}/appeals/{appeal_id}/conclude", queue, outcome="advanced",
                reasons=reasons).status_code == 302
    decision = run(Decision.select().where(Decision.application == entry).first())
    assert decision["outcome"] == "advanced" and not decision["needs_review"] and decision["reason"] == reasons
    assert run(Application.select(Application.status).where(Application.id == entry).first())["status"] == "advanced"
    concluded = run(AuditEvent.select().output(load_json=True).where(
        AuditEvent.action == "appeal.review_concluded").first())
    assert concluded["data"]["previous"] == "not_advanced" and concluded["data"]["to"] == "advanced"
    audit_page = client.get(f"/organise/{SLUG}/audit", headers=EN).text
    assert f"recorded the decision after the new jurors&#39; review of appeal {appeal_id}: advanced" in audit_page
    assert ">not_advanced<" not in audit_page and ">advanced<" not in audit_page  # words, never the codes
    assert "Back in review after an appeal" not in client.get(queue, headers=EN).text
    again = post(client, f"{queue}/appeals/{appeal_id}/conclude", queue, outcome="advanced", reasons=reasons)
    assert again.status_code == 400
    told = run(OutgoingMail.select().where(OutgoingMail.kind == "appeal/reviewed"))
    assert [(m["to_address"], m["language"]) for m in told] == [("maria@coop.example", "it")]
    assert "La decisione è stata cambiata" in told[0]["body_text"] and reasons in told[0]["body_text"]

    # The review closed with the decision; Maria reads the new decision on her page.
    factories.as_person(client, "juror5@jury.example")
    assert "tornata in valutazione" not in client.get(page).text
    assert post(client, f"{page}/review", page, **sheet).status_code == 409
    dashboard = client.get("/jury").text
    assert "Scoring closed on" in dashboard and "open again after an appeal" not in dashboard
    # Maria reads the new decision on her page, with the reasons for it (kept on the appeal), in her language.
    stored = run(Appeal.select(Appeal.review_reasons, Appeal.reviewed_at).where(Appeal.id == appeal_id).first())
    assert stored["review_reasons"] == reasons and stored["reviewed_at"] is not None
    factories.as_person(client, "maria@coop.example")
    mine = client.get(f"/applications/{entry}", headers=EN).text
    assert "Dopo la nuova valutazione di altri giurati, la decisione ora è" in mine
    assert "Le motivazioni degli organizzatori per la decisione dopo la nuova valutazione" in mine
    assert f'id="review-reasons-{round_id}">{reasons}<' in mine
    run(Account.update({Account.locale: "en"}).where(Account.email == "maria@coop.example"))
    mine = client.get(f"/applications/{entry}").text
    assert "The organisers' reasons for the decision after the new review" in mine and reasons in mine
    factories.as_person(client, "luca@altro.example")  # nobody else reads them
    assert reasons not in client.get(f"/applications/{entry}").text


def test_an_appeal_outside_the_window_or_on_another_entry_is_refused(client):
    _edition, _organiser, entry, round_id, _jurors = appeal_setup(published_days_ago=11)
    factories.as_person(client, "maria@coop.example")
    overview = f"/applications/{entry}"
    ended = "Il termine per il ricorso contro questa decisione è scaduto il"  # Maria reads Italian
    assert ended in client.get(overview, headers=EN).text
    late = post(client, f"{overview}/appeals/{round_id}", overview, ground="factual", text="Il punteggio è errato.")
    assert late.status_code == 400 and ended in late.text
    assert run(Appeal.count()) == 0

    # Another applicant sees nothing of Maria's entry and cannot appeal for it.
    factories.as_person(client, "luca@altro.example")
    assert client.get(overview, headers=EN).status_code == 404
    own = "/applications/" + str(entry + 1)
    foreign = post(client, f"{overview}/appeals/{round_id}", own, ground="factual", text="Non è mio.")
    assert foreign.status_code == 404 and run(Appeal.count()) == 0

    # A round without an appeal window takes no appeals.
    factories.set_round(round_id, settings={})
    factories.as_person(client, "maria@coop.example")
    assert 'id="appeals"' not in client.get(overview, headers=EN).text
    closed = post(client, f"{overview}/appeals/{round_id}", overview, ground="factual", text="Il punteggio è errato.")
    assert closed.status_code == 400
    assert "Contro le decisioni di questa fase non si può presentare ricorso." in closed.text


def test_the_organiser_sets_the_window_dismisses_one_appeal_and_changes_a_decision_on_another(client):
    edition, _organiser, entry, round_id, _jurors = appeal_setup(window=None)
    factories.as_person(client, "olga@foundation.example")
    queue = f"/organise/{SLUG}/redress"
    wrong = post(client, f"{queue}/windows/R1", queue, days="-3")
    assert wrong.status_code == 400 and "from 0 to 90 days" in wrong.text
    assert post(client, f"{queue}/windows/R1", queue, days="14").status_code == 302
    assert run(Round.select(Round.settings).output(load_json=True).where(Round.id == round_id).first())[
        "settings"]["appeal_days"] == 14
    factories.as_person(client, "maria@coop.example")
    overview = f"/applications/{entry}"
    assert post(client, f"{overview}/appeals/{round_id}", overview, ground="factual",
                text="La giuria ha letto il bilancio del 2023 e non quello del 2024.").status_code == 302
    factories.as_person(client, "olga@foundation.example")
    appeal_id = run(Appeal.select(Appeal.id).first())["id"]
    same = post(client, f"{queue}/appeals/{appeal_id}", queue, verdict="uphold", effect="change",
                new_outcome="not_advanced", reasons="Il bilancio corretto cambia il punteggio.")
    assert same.status_code == 400 and "Choose the new outcome" in same.text
    assert post(client, f"{queue}/appeals/{appeal_id}", queue, verdict="uphold", effect="change",
                new_outcome="advanced", reasons="Il bilancio corretto cambia il punteggio.").status_code == 302
    assert run(Decision.select(Decision.outcome).where(Decision.application == entry).first())["outcome"] == "advanced"
    changed = run(AuditEvent.select().output(load_json=True).where(
        AuditEvent.action == "application.status_changed").first())
    assert changed["data"]["appeal"] == appeal_id and changed["data"]["to"] == "advanced"
    again = post(client, f"{queue}/appeals/{appeal_id}", queue, verdict="dismiss", reasons="Ci ripensiamo.")
    assert again.status_code == 400 and "already been decided" in again.text

    # Luca's appeal on his own entry is dismissed, with reasons he reads in his language.
    factories.decision(round_id, entry + 1, "not_advanced", published_at=datetime.now(UTC))
    factories.as_person(client, "luca@altro.example")
    own = f"/applications/{entry + 1}"
    assert post(client, f"{own}/appeals/{round_id}", own, ground="procedural",
                text="Non abbiamo ricevuto la mail di convocazione.").status_code == 302
    factories.as_person(client, "olga@foundation.example")
    luca_appeal = run(Appeal.select(Appeal.id).where(Appeal.application == entry + 1).first())["id"]
    assert post(client, f"{queue}/appeals/{luca_appeal}", queue, verdict="dismiss",
                reasons="The invitation was sent on 3 May and delivered.").status_code == 302
    notice = run(OutgoingMail.select().where(OutgoingMail.to_address == "luca@altro.example").first())
    assert notice["language"] == "en" and "dismissed your appeal" in notice["body_text"]
    assert edition.slug == SLUG

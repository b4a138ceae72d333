"""Live juror calibration through HTTP on both engines: reference entries first and unmarked in a juror's list,
feedback after the first reviews when the round allows it, and drift with a note read from a real SMTP server."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from litestar.testing import TestClient

from core.messaging import mail
from core.platform.tables import Assignment, AuditEvent, OutgoingMail, ReferenceEntry, Round
from tests.conftest import csrf_token, run
from tests.factories import (
    SLUG,
    account,
    application,
    as_person,
    assignment,
    example_edition,
    open_round,
    review,
    set_assignment,
    set_round,
)
from tests.integration.conftest import content
from tests.integration.test_jury import clear_conflict, score
from web.app import create_app

ORGANISER = "olga@foundation.example"
EN = {"accept-language": "en"}
CRITERIA = ("IMP", "INN", "SOS", "TEA", "RET")
CALIBRATION = f"/organise/{SLUG}/rounds/R1/calibration"


@dataclass
class Jury:
    round_id: int
    entries: dict[str, int]
    jurors: dict[str, int]
    assignments: dict[tuple[str, str], int]


def make_jury(*, feedback: bool = False) -> Jury:
    """Entries A to F; anna has A, B, C; bruno and carla A to E between them; F is nobody's yet."""
    edition = example_edition()
    round_id = edition.rounds["R1"]
    open_round(round_id, blind=False, settings={"juror_feedback": feedback})
    account(ORGANISER, role="organiser", locale="en")
    entries = {}
    for name in "ABCDEF":
        owner = account(f"owner.{name.lower()}@entry.example", verified=False)
        entries[name] = application(edition, owner=owner, entity_name=f"Ente {name}", title=f"Progetto {name}",
                                    answers={"values": {"title": f"Progetto {name}"}, "invalid": {}})
    jurors = {name: account(f"{name}@jury.example", role="juror", locale=locale, display_name=name.capitalize())
              for name, locale in (("anna", "en"), ("bruno", "en"), ("carla", "it"))}
    pairs = (("anna", "A"), ("anna", "B"), ("anna", "C"), ("bruno", "A"), ("bruno", "B"), ("bruno", "C"),
             ("bruno", "D"), ("carla", "A"), ("carla", "D"), ("carla", "E"))
    assignments = {(juror, entry): assignment(round_id, entries[entry], jurors[juror]) for juror, entry in pairs}
    return Jury(round_id=round_id, entries=entries, jurors=jurors, assignments=assignments)


def mark(client, entry: int | str, *, scores: dict[str, str] | None = None, panel: tuple[int, ...] = (),
         source: str = "agreed"):
    data = {"_csrf_token": csrf_token(client, CALIBRATION), "entry": str(entry), "source": source,
            **{f"score.{k}": v for k, v in (scores or {}).items()}, "panel": [str(j) for j in panel]}
    return client.post(f"{CALIBRATION}/references", data=data, headers=EN, follow_redirects=False)


def dashboard_rows(client) -> list[str]:
    page = client.get("/jury", headers=EN).text
    return re.findall(r"<tr>\s*<th scope=\"row\">(.*?)</tr>", page, re.S)


def test_a_reference_entry_comes_first_in_every_jurors_list_and_nothing_marks_it(client):
    jury = make_jury()
    as_person(client, ORGANISER)
    agreed = {"IMP": "4", "INN": "3", "SOS": "3", "TEA": "4", "RET": "2"}
    assert mark(client, jury.entries["F"], scores=agreed).status_code == 302
    page = client.get(CALIBRATION, headers=EN)
    assert page.status_code == 200 and f'id="reference-{jury.entries["F"]}"' in page.text
    reference = run(ReferenceEntry.select().output(load_json=True).first())
    assert reference["agreed"] == {k: float(v) for k, v in agreed.items()} and reference["source"] == "agreed"
    owners = {r["juror"] for r in run(Assignment.select(Assignment.juror).where(
        Assignment.application == jury.entries["F"]))}
    assert owners == set(jury.jurors.values())
    assert run(AuditEvent.count().where(AuditEvent.action == "calibration.reference_marked")) == 1

    for name in ("anna", "bruno", "carla"):
        as_person(client, f"{name}@jury.example")
        rows = dashboard_rows(client)
        assert "Progetto F" in rows[0]
        # The reference entry's row reads like any other: the same markup once its number and title are set aside.
        shapes = {re.sub(r"\d+|Progetto [A-F]", "", row) for row in rows}
        assert len(shapes) == 1
    anna_f = run(Assignment.select(Assignment.id).where(Assignment.application == jury.entries["F"],
                                                        Assignment.juror == jury.jurors["anna"]).first())["id"]
    as_person(client, "anna@jury.example")
    clear_conflict(client, anna_f)
    for path in ("/jury", f"/jury/assignments/{anna_f}"):
        text = client.get(path, headers=EN).text.lower()
        for word in ("reference", "agreed", "calibration", "riferimento", "concordat"):
            assert word not in text, (path, word)
    # A reference entry is still a real entry: its review is saved and counts like any other.
    assert score(client, anna_f, dict.fromkeys(CRITERIA, "3"), action="submit").status_code == 302


def test_a_second_reference_entry_reaches_each_juror_once_and_conflicts_are_kept_apart(client):
    jury = make_jury()
    as_person(client, ORGANISER)
    four = dict.fromkeys(CRITERIA, "4")
    assert mark(client, jury.entries["F"], scores=four).status_code == 302
    assert mark(client, jury.entries["E"], scores=four).status_code == 302
    # E was carla's already: she keeps it, the others get it; nobody gets anything twice.
    for name, juror in jury.jurors.items():
        entries = [r["application"] for r in run(Assignment.select(Assignment.application).where(
            Assignment.juror == juror))]
        assert len(entries) == len(set(entries)) and {jury.entries["E"], jury.entries["F"]} <= set(entries), name
        as_person(client, f"{name}@jury.example")
        first_two = " ".join(dashboard_rows(client)[:2])
        assert "Progetto E" in first_two and "Progetto F" in first_two


def test_bad_scores_keep_what_was_typed_and_only_organisers_mark(client):
    jury = make_jury()
    as_person(client, ORGANISER)
    bad = mark(client, jury.entries["F"], scores={"IMP": "9", "INN": "tre", "SOS": "3", "TEA": "4", "RET": "2"})
    assert bad.status_code == 400 and "Give a score from 1 to 5." in bad.text
    assert 'value="9"' in bad.text and 'value="tre"' in bad.text
    assert mark(client, "", scores=dict.fromkeys(CRITERIA, "3")).status_code == 400
    assert mark(client, jury.entries["F"], source="panel").status_code == 400
    assert mark(client, jury.entries["F"], source="nonsense").status_code == 400
    assert run(ReferenceEntry.count()) == 0
    as_person(client, "anna@jury.example")
    assert client.get(CALIBRATION).status_code in (403, 404)
    response = client.post(f"{CALIBRATION}/references", data={
        "_csrf_token": csrf_token(client, "/me"), "entry": str(jury.entries["F"]), "source": "agreed",
        **{f"score.{k}": "3" for k in CRITERIA}})
    assert response.status_code in (403, 404) and run(ReferenceEntry.count()) == 0
    set_round(jury.round_id, closes_at=datetime.now(UTC) - timedelta(hours=1))
    as_person(client, ORGANISER)
    closed = mark(client, jury.entries["F"], scores=dict.fromkeys(CRITERIA, "3"))
    assert closed.status_code == 409 and "Scoring in this round is over" in closed.text


def test_a_calibration_panel_scores_first_and_the_organiser_confirms_its_mean(client):
    jury = make_jury()
    as_person(client, ORGANISER)
    panel = (jury.jurors["bruno"], jury.jurors["carla"])
    assert mark(client, jury.entries["F"], source="panel", panel=panel).status_code == 302
    owners = {r["juror"] for r in run(Assignment.select(Assignment.juror).where(
        Assignment.application == jury.entries["F"]))}
    assert owners == set(panel)  # anna waits for the confirmed scores
    for name, values in (("bruno", {"IMP": "4", "INN": "2", "SOS": "3", "TEA": "4", "RET": "5"}),
                         ("carla", {"IMP": "5", "INN": "3", "SOS": "3", "TEA": "2", "RET": "4"})):
        as_person(client, f"{name}@jury.example")
        own = run(Assignment.select(Assignment.id).where(Assignment.application == jury.entries["F"],
                                                         Assignment.juror == jury.jurors[name]).first())["id"]
        assert "Progetto F" in dashboard_rows(client)[0]
        clear_conflict(client, own)
        assert score(client, own, values, action="submit").status_code == 302
    as_person(client, ORGANISER)
    page = client.get(CALIBRATION, headers=EN).text
    row = re.search(rf'<tr id="reference-{jury.entries["F"]}">(.*?)</tr>', page, re.S).group(1)
    assert "2 reviews submitted" in row and "Social and employment impact: 4.5" in row
    confirmed = client.post(f"{CALIBRATION}/references/{jury.entries['F']}/confirm",
                            data={"_csrf_token": csrf_token(client, CALIBRATION)}, follow_redirects=False)
    assert confirmed.status_code == 302
    reference = run(ReferenceEntry.select().output(load_json=True).first())
    assert reference["agreed"] == {"IMP": 4.5, "INN": 2.5, "SOS": 3.0, "TEA": 3.0, "RET": 4.5}
    assert run(Assignment.exists().where(Assignment.application == jury.entries["F"],
                                         Assignment.juror == jury.jurors["anna"]))
    again = client.post(f"{CALIBRATION}/references/{jury.entries['F']}/confirm",
                        data={"_csrf_token": csrf_token(client, CALIBRATION)}, headers=EN)
    assert again.status_code == 409
    assert run(AuditEvent.count().where(AuditEvent.action == "calibration.reference_confirmed")) == 1


def others_score(jury: Jury, values: dict[str, float]) -> None:
    """bruno and carla's reviews of A to E, submitted before anna starts."""
    for (juror, _entry), assignment_id in jury.assignments.items():
        if juror != "anna":
            review(assignment_id, values, total=sum(values.values()) / len(values))
            set_assignment(assignment_id, status="submitted")


def test_feedback_appears_after_three_reviews_only_when_the_round_allows_it(client):
    jury = make_jury(feedback=False)
    others_score(jury, {"IMP": 3, "INN": 2, "SOS": 3, "TEA": 3, "RET": 3})
    anna = {"IMP": "3", "INN": "3", "SOS": "3", "TEA": "3", "RET": "3"}  # Innovation one point above, else equal
    as_person(client, "anna@jury.example")
    for entry in "AB":
        clear_conflict(client, jury.assignments[("anna", entry)])
        assert score(client, jury.assignments[("anna", entry)], anna, action="submit").status_code == 302
    assert "How you score compared with the jury" not in client.get("/jury", headers=EN).text

    set_round(jury.round_id, settings={"juror_feedback": True})
    waiting = client.get("/jury", headers=EN).text
    assert "After your first 3 submitted reviews you will see here" in waiting
    assert "about 1 point above" not in waiting

    clear_conflict(client, jury.assignments[("anna", "C")])
    assert score(client, jury.assignments[("anna", "C")], anna, action="submit").status_code == 302
    for path in ("/jury", f"/jury/assignments/{jury.assignments[('anna', 'A')]}"):
        text = client.get(path, headers=EN).text
        assert ("You score Innovation and use of technology about 1 point above the other jurors of the same "
                "entries.") in text
        assert "You score Social and employment impact in line with the other jurors of the same entries." in text
        assert "Difference +1.0, likely between +1.0 and +1.0." in text
    dashboard = client.get("/jury", headers=EN).text
    assert "Bruno" not in dashboard and "Carla" not in dashboard and "bruno@" not in dashboard

    set_round(jury.round_id, settings={"juror_feedback": False})
    assert "How you score compared with the jury" not in client.get("/jury", headers=EN).text


def test_feedback_against_the_agreed_scores_of_a_reference_entry(client):
    jury = make_jury(feedback=True)
    others_score(jury, {"IMP": 3, "INN": 3, "SOS": 3, "TEA": 3, "RET": 3})
    as_person(client, ORGANISER)
    assert mark(client, jury.entries["A"], scores=dict.fromkeys(CRITERIA, "2")).status_code == 302
    as_person(client, "anna@jury.example")
    for entry in "ABC":
        clear_conflict(client, jury.assignments[("anna", entry)])
        assert score(client, jury.assignments[("anna", entry)], dict.fromkeys(CRITERIA, "3"),
                     action="submit").status_code == 302
    text = client.get("/jury", headers=EN).text
    # One reference entry reviewed: a difference, but no interval yet.
    assert ("We cannot tell yet how you score Team and ability to deliver compared with the scores agreed for some "
            "entries.") in text
    assert "You score Team and ability to deliver in line with the other jurors of the same entries." in text


def test_the_organisers_switch_turns_feedback_on_and_is_audited(client):
    jury = make_jury()
    as_person(client, ORGANISER)
    response = client.post(f"{CALIBRATION}/feedback", data={"_csrf_token": csrf_token(client, CALIBRATION),
                                                            "feedback": "on"}, headers=EN)
    assert response.status_code == 200 and "Jurors now see how they score compared with the jury." in response.text
    settings = run(Round.select(Round.settings).output(load_json=True).where(Round.id == jury.round_id).first())
    assert settings["settings"] == {"juror_feedback": True}
    assert run(AuditEvent.count().where(AuditEvent.action == "calibration.feedback_set")) == 1


@pytest.fixture
def web(mail_settings):
    with TestClient(create_app(mail_settings), base_url="http://testserver.local") as test_client:
        yield test_client


def drifting_jury() -> Jury:
    """Everyone reviews A to E in that order; carla grows generous review after review (her gaps -0.5, 0, 0, 0.5,
    1: 0.35 a review, 1.4 over the five, past 0.15 of the 1-5 range); anna, bruno and dario give 3 throughout."""
    jury = make_jury()
    jury.jurors["dario"] = account("dario@jury.example", role="juror", locale="en", display_name="Dario")
    start = datetime.now(UTC) - timedelta(days=1)
    carla = {"A": 2.5, "B": 3.0, "C": 3.0, "D": 3.5, "E": 4.0}
    for name, juror in jury.jurors.items():
        for position, entry in enumerate("ABCDE"):
            if (name, entry) not in jury.assignments:
                jury.assignments[(name, entry)] = assignment(jury.round_id, jury.entries[entry], juror)
            total = carla[entry] if name == "carla" else 3.0
            review(jury.assignments[(name, entry)], dict.fromkeys(CRITERIA, round(total)), total=total,
                   submitted_at=start + timedelta(minutes=10 * position))
    return jury


def test_a_drifting_juror_is_flagged_and_the_note_reaches_them_in_their_language(web, mail_settings, smtp):
    jury = drifting_jury()
    as_person(web, ORGANISER)
    page = web.get(f"{CALIBRATION}/drift", headers=EN)
    assert page.status_code == 200 and "data:image/svg+xml;base64," in page.text
    carla_row = re.search(rf'<tr id="drift-{jury.jurors["carla"]}">(.*?)</tr>', page.text, re.S).group(1)
    anna_row = re.search(rf'<tr id="drift-{jury.jurors["anna"]}">(.*?)</tr>', page.text, re.S).group(1)
    assert "drifting" in carla_row and "Send Carla a note" in carla_row
    assert "in line" in anna_row and "Send" not in anna_row

    refused = web.post(f"{CALIBRATION}/drift/remind", data={
        "_csrf_token": csrf_token(web, "/me"), "juror": str(jury.jurors["anna"])}, headers=EN)
    assert refused.status_code == 409 and "This juror is not flagged in this round." in refused.text
    sent = web.post(f"{CALIBRATION}/drift/remind", data={
        "_csrf_token": csrf_token(web, "/me"), "juror": str(jury.jurors["carla"])}, headers=EN)
    assert sent.status_code == 200 and "Note sent to Carla." in sent.text
    run(mail.deliver_due(settings=mail_settings))
    [message] = smtp.messages()
    body = content(message.get_body(preferencelist=("plain",)))
    assert message["To"] == "carla@jury.example" and message["Content-Language"] == "it"
    assert "Anna" not in body and "Bruno" not in body and "http://127.0.0.1:8000/jury" in body
    assert run(OutgoingMail.count().where(OutgoingMail.kind == "jury_calibration")) == 1
    assert run(AuditEvent.count().where(AuditEvent.action == "calibration.reminder_sent")) == 1

    set_round(jury.round_id, closes_at=datetime.now(UTC) - timedelta(hours=1))
    closed_page = web.get(f"{CALIBRATION}/drift", headers=EN)
    assert "drifting" in closed_page.text and "Send Carla a note" not in closed_page.text
    closed = web.post(f"{CALIBRATION}/drift/remind", data={
        "_csrf_token": csrf_token(web, "/me"), "juror": str(jury.jurors["carla"])}, headers=EN)
    assert closed.status_code == 409 and run(OutgoingMail.count()) == 1


def test_the_demo_shows_drift_and_two_reference_entries_in_the_closed_online_jury(settings, client):
    from core.cli.demo import DEMO_LOGINS, load_demo
    from tests.conftest import sign_in

    run(load_demo(now=datetime.now(UTC), settings=settings))
    references = run(ReferenceEntry.select().output(load_json=True))
    assert len(references) == 2 and all(set(r["agreed"]) == set(CRITERIA) for r in references)
    organiser = next(login for login in DEMO_LOGINS if login.role == "organiser")
    assert sign_in(client, organiser.email, organiser.password).status_code == 302
    drift_page = client.get(f"{CALIBRATION}/drift", headers=EN)
    assert drift_page.status_code == 200 and "data:image/svg+xml;base64," in drift_page.text
    assert len(re.findall(r'<tr id="drift-\d+">', drift_page.text)) == 15
    assert "Questa fase è chiusa: le segnalazioni restano agli atti" in drift_page.text  # the organiser reads Italian
    calibration_page = client.get(CALIBRATION, headers=EN)
    assert calibration_page.status_code == 200
    assert len(re.findall(r'<tr id="reference-\d+">', calibration_page.text)) == 2
    # The 2027 call has jurors but no assignments yet: nothing to show, and nothing breaks.
    later = client.get("/organise/welfare-comunita-2027/rounds/R1/calibration/drift", headers=EN)
    assert later.status_code == 200 and "Nessun giurato ha inviato la valutazione" in later.text


def test_a_juror_who_joins_later_gets_the_reference_entries_with_a_button(client):
    jury = make_jury()
    as_person(client, ORGANISER)
    assert mark(client, jury.entries["F"], scores=dict.fromkeys(CRITERIA, "3")).status_code == 302
    dario = account("dario@jury.example", role="juror", locale="en", display_name="Dario")
    assignment(jury.round_id, jury.entries["A"], dario)  # assigned after the reference entry was marked
    assert not run(Assignment.exists().where(Assignment.juror == dario, Assignment.application == jury.entries["F"]))
    given = client.post(f"{CALIBRATION}/give", data={"_csrf_token": csrf_token(client, CALIBRATION)}, headers=EN)
    assert given.status_code == 200 and "1 reference entry given to jurors who lacked it." in given.text
    assert run(Assignment.exists().where(Assignment.juror == dario, Assignment.application == jury.entries["F"]))
    again = client.post(f"{CALIBRATION}/give", data={"_csrf_token": csrf_token(client, CALIBRATION)}, headers=EN)
    assert "0 reference entries given" in again.text
    assert run(AuditEvent.count().where(AuditEvent.action == "calibration.references_given")) == 2

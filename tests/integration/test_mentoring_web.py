"""The mentoring pages over HTTP on both engines, milestones with real uploads, reminders through real SMTP."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from click.testing import CliRunner
from icalendar import Calendar

from core.cli.main import cli
from core.mentoring import dashboards
from core.mentoring import matching as mentoring
from core.mentoring import sessions as mentoring_sessions
from core.mentoring.dashboards import organiser_overview
from core.mentoring.milestones import send_milestone_reminders
from core.messaging.mail import deliver_due
from core.platform.tables import (
    KpiValue,
    MentoringSession,
    MentorMatch,
    MentorProfile,
    Milestone,
    MilestoneReminder,
    MilestoneSubmission,
    OutgoingMail,
)
from tests import factories
from tests.conftest import csrf_token, run
from tests.factories import EN, PASSWORD, as_person, milestone_submission
from tests.integration.conftest import content
from tests.integration.mentoring_setup import SLUG, make_edition, match_all, user

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def mentor_email(setup, account_id: int) -> str:
    return next(f"{name}@incubator.example" for name, m in setup.mentors.items() if m == account_id)


def test_organiser_proposes_and_confirms_then_pages_are_fenced(client, settings):
    setup = make_edition(capacities={"marta": 2, "nico": 2}, judged=(("marta", "alfa"),))
    as_person(client, "olga@org.example")
    page = client.get(f"/organise/{SLUG}/mentoring", headers=EN)
    assert page.status_code == 200 and "No matches yet." in page.text
    token = csrf_token(client, f"/organise/{SLUG}/mentoring")
    assert client.post(f"/organise/{SLUG}/mentoring/propose", data={"_csrf_token": token},
                       follow_redirects=False).status_code == 302
    proposals = run(MentorMatch.select().where(MentorMatch.status == "proposed"))
    assert len(proposals) == 3
    assert all(not (p["application"] == setup.finalists["alfa"] and p["mentor"] == setup.mentors["marta"])
               for p in proposals)
    assert client.post(f"/organise/{SLUG}/mentoring/confirm", data={"_csrf_token": token, "scope": "all"},
                       follow_redirects=False).status_code == 302
    page = client.get(f"/organise/{SLUG}/mentoring", headers=EN)
    assert page.text.count(">confirmed<") == 3 and "Alfa APS" in page.text

    # A mentor and a startup cannot reach the console; a mentor sees only their mentees.
    by_app = {p["application"]: p["mentor"] for p in proposals}
    alfa_mentor = by_app[setup.finalists["alfa"]]
    as_person(client, mentor_email(setup, alfa_mentor))
    assert client.get(f"/organise/{SLUG}/mentoring").status_code in (403, 404)
    dashboard = client.get("/mentoring", headers=EN)
    for name, app in setup.finalists.items():
        shown = f"/mentoring/mentees/{app}" in dashboard.text
        assert shown == (by_app[app] == alfa_mentor), name
        expected = 200 if by_app[app] == alfa_mentor else 404
        assert client.get(f"/mentoring/mentees/{app}").status_code == expected
    as_person(client, "beta@startup.example")
    assert client.get(f"/mentoring/path/{setup.finalists['beta']}").status_code == 200
    assert client.get(f"/mentoring/path/{setup.finalists['alfa']}").status_code == 404
    assert client.get(f"/mentoring/mentees/{setup.finalists['beta']}").status_code == 403


def test_mentor_plans_records_a_session_and_the_startup_gets_its_ics(client, settings):
    setup = make_edition()
    matched = match_all(setup)
    gamma = setup.finalists["gamma"]
    match_id = run(MentorMatch.select(MentorMatch.id).where(MentorMatch.application == gamma,
                                                            MentorMatch.status == "confirmed").first())["id"]
    as_person(client, mentor_email(setup, matched["gamma"]))
    token = csrf_token(client, f"/mentoring/mentees/{gamma}")
    bad = client.post(f"/mentoring/matches/{match_id}/sessions", headers=EN, data={
        "_csrf_token": token, "application_id": str(gamma), "day": "31/07", "start": "10:00",
        "duration_minutes": "60", "mode": "online", "location": "meet.example", "agenda": "Pitch deck"})
    assert bad.status_code == 400
    assert "Enter a date such as 2026-07-15." in bad.text and "give the meeting link" in bad.text
    assert 'value="Pitch deck"' not in bad.text and ">Pitch deck</textarea>" in bad.text
    assert run(MentoringSession.count()) == 0
    ok = client.post(f"/mentoring/matches/{match_id}/sessions", follow_redirects=False, data={
        "_csrf_token": token, "application_id": str(gamma), "day": "2026-07-31", "start": "10:00",
        "duration_minutes": "60", "mode": "in_person", "location": "Via Roma 1, Milano", "agenda": "Pitch deck"})
    assert ok.status_code == 302
    session = run(MentoringSession.select().output(load_json=True).first())
    assert session["starts_at"] == datetime(2026, 7, 31, 8, 0, tzinfo=UTC)  # 10:00 in Rome, summer time
    record = client.post(f"/mentoring/sessions/{session['id']}/record", follow_redirects=False, data={
        "_csrf_token": token, "outcome": "held", "notes": "Deck reworked.", "mentor_present": "1",
        "startup_present": "1", "item.0.text": "Send the new deck", "item.0.owner": "startup",
        "item.0.due_on": "2026-08-05", "item.1.text": "", "item.1.owner": "", "item.1.due_on": ""})
    assert record.status_code == 302

    as_person(client, "gamma@startup.example")
    path = client.get(f"/mentoring/path/{gamma}", headers=EN)
    assert "Send the new deck" in path.text and f"/mentoring/sessions/{session['id']}" in path.text
    view = client.get(f"/mentoring/sessions/{session['id']}", headers=EN)
    assert "Deck reworked." in view.text and "Record the session" not in view.text
    ics = client.get(f"/mentoring/sessions/{session['id']}/calendar.ics")
    assert ics.status_code == 200 and ics.headers["content-type"].startswith("text/calendar")
    [event] = Calendar.from_ical(ics.content).walk("VEVENT")
    assert event.decoded("dtstart").isoformat() == "2026-07-31T10:00:00+02:00"
    assert str(event["location"]) == "Via Roma 1, Milano"
    as_person(client, "alfa@startup.example")
    assert client.get(f"/mentoring/sessions/{session['id']}/calendar.ics").status_code == 404
    assert client.get(f"/mentoring/sessions/{session['id']}").status_code == 404


def test_a_deliverable_is_uploaded_reviewed_and_fenced(client, settings):
    setup = make_edition()
    matched = match_all(setup)
    beta = setup.finalists["beta"]
    as_person(client, "beta@startup.example")
    token = csrf_token(client, f"/mentoring/path/{beta}")
    wrong = client.post(f"/mentoring/path/{beta}/milestones/M1", headers=EN, data={"_csrf_token": token},
                        files={"file": ("plan.png", b"\x89PNG\r\n\x1a\n" + b"0" * 64, "image/png")})
    assert wrong.status_code == 400 and "Nothing was changed" in wrong.text
    done = client.post(f"/mentoring/path/{beta}/milestones/M1", follow_redirects=False,
                       data={"_csrf_token": token, "note": "First draft"},
                       files={"file": ("Business plan.pdf", PDF, "application/pdf")})
    assert done.status_code == 302
    submission = run(MilestoneSubmission.select().first())
    assert (submission["status"], submission["note"]) == ("submitted", "First draft")
    page = client.get(f"/mentoring/path/{beta}", headers=EN)
    file_link = re.search(r'href="(/mentoring/files/\d+)"', page.text).group(1)
    assert client.get(file_link).content == PDF

    as_person(client, mentor_email(setup, matched["beta"]))
    token = csrf_token(client, f"/mentoring/mentees/{beta}")
    refused = client.post(f"/mentoring/submissions/{submission['id']}/review", headers=EN, data={
        "_csrf_token": token, "application_id": str(beta), "verdict": "needs_rework", "comment": ""})
    assert refused.status_code == 400 and "Say what needs rework." in refused.text
    assert client.post(f"/mentoring/submissions/{submission['id']}/review", follow_redirects=False, data={
        "_csrf_token": token, "application_id": str(beta), "verdict": "needs_rework",
        "comment": "Add the cash-flow plan."}).status_code == 302
    assert client.get(file_link).content == PDF
    row = run(MilestoneSubmission.select().first())
    assert (row["status"], row["comment"]) == ("needs_rework", "Add the cash-flow plan.")

    as_person(client, "alfa@startup.example")
    assert client.get(file_link).status_code == 404
    other_mentor = next(m for m in setup.mentors.values() if m != matched["beta"])
    as_person(client, mentor_email(setup, other_mentor))
    assert client.get(file_link).status_code == 404
    assert client.post(f"/mentoring/submissions/{submission['id']}/review", data={
        "_csrf_token": csrf_token(client, "/mentoring"), "application_id": str(beta), "verdict": "approved",
        "comment": ""}).status_code == 404


def test_startup_reports_kpis_over_http_with_errors_beside_fields(client, settings):
    setup = make_edition()
    match_all(setup)
    alfa = setup.finalists["alfa"]
    as_person(client, "alfa@startup.example")
    token = csrf_token(client, f"/mentoring/path/{alfa}")
    bad = client.post(f"/mentoring/path/{alfa}/kpis/report", headers=EN, data={
        "_csrf_token": token, "kpi": "beneficiaries_reached", "period_end": "2026-06-30", "value": "many",
        "note": "first quarter"})
    assert bad.status_code == 400 and "Enter a number." in bad.text and 'value="first quarter"' in bad.text
    good = client.post(f"/mentoring/path/{alfa}/kpis/report", follow_redirects=False, data={
        "_csrf_token": token, "kpi": "beneficiaries_reached", "period_end": "2026-06-30", "value": "120"})
    assert good.status_code == 302
    page = client.get(f"/mentoring/path/{alfa}", headers=EN)
    assert '<th scope="row">Beneficiaries reached</th><td>June 30, 2026</td><td>120</td>' in page.text


def _due_soon(days: int) -> None:
    due = (datetime.now(UTC) + timedelta(days=days)).date()
    factories.set_milestone("M1", due_on=due, remind_days_before=7)
    factories.set_other_milestones("M1", due_on=date(2099, 1, 1))


def test_reminders_fire_for_due_milestones_once_through_real_smtp(mail_settings, smtp):
    setup = make_edition()
    match_all(setup)
    _due_soon(3)
    # Alfa already delivered: no reminder for it.
    milestone_submission("M1", setup.finalists["alfa"], status="submitted")
    report = run(send_milestone_reminders(base_url="https://giuria.example"))
    assert (report.sent, report.already_sent) == (2, 0)
    again = run(send_milestone_reminders(base_url="https://giuria.example"))
    assert (again.sent, again.already_sent) == (0, 2)
    assert run(MilestoneReminder.count()) == 2
    assert run(deliver_due(settings=mail_settings)).sent == 2
    messages = sorted(smtp.messages(), key=lambda m: m["To"])
    assert [m["To"] for m in messages] == ["beta@startup.example", "gamma@startup.example"]
    assert messages[0]["Subject"].startswith("Due on ") and messages[0]["Subject"].endswith(
        "Updated business plan and financials")
    body = content(messages[0])
    assert f"https://giuria.example/mentoring/path/{setup.finalists['beta']}" in body
    assert run(deliver_due(settings=mail_settings)).attempted == 0 and len(smtp.envelopes) == 2


def test_the_remind_command_sends_each_reminder_once(settings, monkeypatch):
    setup = make_edition()
    match_all(setup)
    _due_soon(-2)  # overdue
    monkeypatch.setenv("GIURIA_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("GIURIA_SECRET_KEY", settings.secret_key)
    monkeypatch.setenv("GIURIA_DB_POOL_SIZE", "0")
    if settings.database_url:
        monkeypatch.setenv("GIURIA_DATABASE_URL", settings.database_url)
    else:
        monkeypatch.delenv("GIURIA_DATABASE_URL", raising=False)
    runner = CliRunner()
    first = runner.invoke(cli, ["mentoring", "remind"])
    assert first.exit_code == 0, first.output
    assert "Queued 3 reminders (0 already sent before)." in first.output
    second = runner.invoke(cli, ["mentoring", "remind"])
    assert "Queued 0 reminders (3 already sent before)." in second.output
    kinds = {r["kind"] for r in run(OutgoingMail.select(OutgoingMail.kind))}
    assert kinds == {"milestone_overdue"} and run(OutgoingMail.count()) == 3


def test_startup_ranks_mentors_and_organiser_records_event_attendance(client, settings):
    setup = make_edition()
    alfa = setup.finalists["alfa"]
    as_person(client, "alfa@startup.example")
    token = csrf_token(client, f"/mentoring/path/{alfa}/choices")
    assert client.post(f"/mentoring/path/{alfa}/choices", follow_redirects=False, data={
        "_csrf_token": token, f"rank.{setup.mentors['nico']}": "1", f"rank.{setup.mentors['marta']}": "2",
        "rank.999999": "3"}).status_code == 302
    page = client.get(f"/mentoring/path/{alfa}/choices")
    assert f'name="rank.{setup.mentors["nico"]}" inputmode="numeric" size="3" value="1"' in page.text
    assert client.get(f"/mentoring/path/{setup.finalists['beta']}/choices").status_code == 404
    match_all(setup)

    as_person(client, "olga@org.example")
    overview = run(organiser_overview(actor=user(setup.organiser), edition_slug=SLUG))
    workshop = next(e for e in overview.events if e.code == "workshop")
    token = csrf_token(client, f"/organise/{SLUG}/mentoring")
    assert client.post(f"/organise/{SLUG}/mentoring/events/{workshop.id}/attendance", follow_redirects=False, data={
        "_csrf_token": token, f"status.{alfa}": "attended", f"status.{setup.finalists['beta']}": "absent",
        f"status.{setup.finalists['gamma']}": ""}).status_code == 302
    [progress] = run(dashboards.mentoring_progress(application_ids=[alfa]))
    assert (progress.events_attended, progress.events_total) == (1, 2)
    assert "1 attended" in client.get(f"/organise/{SLUG}/mentoring", headers=EN).text
    as_person(client, "alfa@startup.example")
    assert client.post(f"/organise/{SLUG}/mentoring/events/{workshop.id}/attendance", data={
        "_csrf_token": csrf_token(client, "/mentoring"), f"status.{alfa}": "absent"}).status_code in (403, 404)
    assert "Two-day workshop · " in client.get(f"/mentoring/path/{alfa}", headers=EN).text
    conflicts = run(mentoring.mentor_conflicts(edition_id=setup.edition_id))
    assert len(conflicts) == 3 and {a for a, _m in conflicts} == set(setup.finalists.values())


def test_organiser_adds_and_corrects_milestones_and_indicators(client, settings):
    make_edition()
    as_person(client, "olga@org.example")
    token = csrf_token(client, f"/organise/{SLUG}/mentoring")
    bad = client.post(f"/organise/{SLUG}/mentoring/definitions/milestone", headers=EN, data={
        "_csrf_token": token, "code": "M 4", "name_it": "", "name_en": "Final report", "due_on": "soon",
        "remind_days_before": "5"})
    assert bad.status_code == 400
    assert "Use 1 to 40 letters, digits, - or _." in bad.text and "Enter a date such as 2026-07-15." in bad.text
    assert 'value="Final report"' in bad.text
    assert client.post(f"/organise/{SLUG}/mentoring/definitions/milestone", follow_redirects=False, data={
        "_csrf_token": token, "code": "M4", "name_it": "Relazione finale", "name_en": "Final report",
        "due_on": "2026-09-30", "remind_days_before": "5"}).status_code == 302
    assert client.post(f"/organise/{SLUG}/mentoring/definitions/milestone", follow_redirects=False, data={
        "_csrf_token": token, "code": "M1", "name_it": "Business plan", "name_en": "",
        "due_on": "2026-07-20", "remind_days_before": "10"}).status_code == 302
    assert client.post(f"/organise/{SLUG}/mentoring/definitions/kpi", follow_redirects=False, data={
        "_csrf_token": token, "code": "volunteers", "name_it": "Volontari coinvolti", "name_en": "",
        "unit": "people"}).status_code == 302
    other = client.post(f"/organise/{SLUG}/mentoring/definitions/prize", follow_redirects=False, data={
        "_csrf_token": token, "code": "P1", "name_it": "Premio", "name_en": "Prize"})
    assert other.status_code == 404
    rows = {m["code"]: m for m in run(Milestone.select().output(load_json=True))}
    assert (rows["M4"]["due_on"], rows["M4"]["remind_days_before"]) == (date(2026, 9, 30), 5)
    assert (rows["M1"]["due_on"], rows["M1"]["remind_days_before"]) == (date(2026, 7, 20), 10)
    page = client.get(f"/organise/{SLUG}/mentoring", headers=EN)
    assert "Final report" in page.text and "Volontari coinvolti" in page.text
    as_person(client, "alfa@startup.example")
    assert client.post(f"/organise/{SLUG}/mentoring/definitions/kpi", data={
        "_csrf_token": csrf_token(client, "/mentoring"), "code": "x", "name_it": "x"}).status_code in (403, 404)


# -- routes a person uses once in a while: the profile, the plan, a tick, another match -----------------------


def test_a_mentor_edits_their_profile_and_only_a_mentor_reaches_it(client, settings):
    setup = make_edition()
    as_person(client, "marta@incubator.example")
    page = client.get(f"/mentoring/{SLUG}/profile", headers=EN)
    assert page.status_code == 200
    assert 'name="organisation_name" value="Incubatore"' in page.text
    assert 'name="topics" value="fundraising" checked' in page.text
    token = csrf_token(client, f"/mentoring/{SLUG}/profile")
    typed = {"organisation_name": "Incubatore Sud", "tracks": ["AGR", "PAT", "NOPE"],
             "topics": ["business_plan", "marketing"], "availability": "Il martedì pomeriggio",
             "bio": "Vent'anni di cooperazione sociale."}
    refused = client.post(f"/mentoring/{SLUG}/profile", headers=EN,
                          data={"_csrf_token": token, "capacity": "tanti", **typed})
    assert refused.status_code == 400 and "Enter a whole number from 0 to 20." in refused.text
    assert 'value="Incubatore Sud"' in refused.text  # what was typed stays
    saved = client.post(f"/mentoring/{SLUG}/profile", follow_redirects=False,
                        data={"_csrf_token": token, "capacity": "3", **typed})
    assert saved.status_code == 302 and saved.headers["location"] == f"/mentoring/{SLUG}/profile?saved=1"
    row = run(MentorProfile.select(MentorProfile.organisation_name, MentorProfile.tracks, MentorProfile.topics,
                                   MentorProfile.capacity, MentorProfile.availability,
                                           MentorProfile.bio).output(load_json=True).where(
        MentorProfile.account == setup.mentors["marta"]).output(load_json=True).first())
    assert row == {"organisation_name": "Incubatore Sud", "tracks": ["AGR", "PAT"],
                   "topics": ["business_plan", "marketing"], "capacity": 3,
                   "availability": "Il martedì pomeriggio", "bio": "Vent'anni di cooperazione sociale."}
    assert "Profile saved." in client.get(f"/mentoring/{SLUG}/profile?saved=1", headers=EN).text

    as_person(client, "alfa@startup.example")
    assert client.get(f"/mentoring/{SLUG}/profile").status_code == 403
    assert client.post(f"/mentoring/{SLUG}/profile", data={
        "_csrf_token": csrf_token(client, "/mentoring"), "capacity": "9"}).status_code == 403
    assert run(MentorProfile.select(MentorProfile.capacity).where(
        MentorProfile.account == setup.mentors["marta"]).first())["capacity"] == 3


def test_a_startup_saves_its_kpi_plan_and_only_its_own(client, settings):
    setup = make_edition()
    match_all(setup)
    alfa = setup.finalists["alfa"]
    as_person(client, "alfa@startup.example")
    token = csrf_token(client, f"/mentoring/path/{alfa}")
    bad = client.post(f"/mentoring/path/{alfa}/kpis/plan", headers=EN, data={
        "_csrf_token": token, "baseline.fte_created": "due", "target.fte_created": "7"})
    assert bad.status_code == 400 and "Enter a number." in bad.text
    assert run(KpiValue.count()) == 0
    saved = client.post(f"/mentoring/path/{alfa}/kpis/plan", follow_redirects=False, data={
        "_csrf_token": token, "baseline.fte_created": "2", "target.fte_created": "7,5",
        "baseline.revenue_eur": "1.500", "target.revenue_eur": ""})
    assert saved.status_code == 302 and saved.headers["location"] == f"/mentoring/path/{alfa}?done=plan#kpis"
    plan = {(r["kpi.code"], r["kind"]): (r["value"], r["reported_by"]) for r in run(KpiValue.select(
        KpiValue.kpi.code, KpiValue.kind, KpiValue.value, KpiValue.reported_by).where(KpiValue.application == alfa))}
    owner = setup.owners["alfa"]
    assert plan == {("fte_created", "baseline"): (2.0, owner), ("fte_created", "target"): (7.5, owner),
                    ("revenue_eur", "baseline"): (1500.0, owner)}
    page = client.get(saved.headers["location"], headers=EN)
    assert "Baseline and targets saved." in page.text
    assert 'name="target.fte_created" id="target-fte_created" inputmode="decimal" size="8" value="7.5"' in page.text

    as_person(client, "beta@startup.example")
    stranger = client.post(f"/mentoring/path/{alfa}/kpis/plan", follow_redirects=False, data={
        "_csrf_token": csrf_token(client, "/mentoring"), "baseline.fte_created": "99"})
    assert stranger.status_code == 404
    assert run(KpiValue.count()) == 3


def test_the_startup_ticks_its_own_action_items_and_no_one_elses(client, settings):
    setup = make_edition()
    matched = match_all(setup)
    gamma = setup.finalists["gamma"]
    mentor = user(matched["gamma"])
    match_id = run(MentorMatch.select(MentorMatch.id).where(MentorMatch.application == gamma).first())["id"]
    session_id, errors = run(mentoring_sessions.schedule_session(actor=mentor, match_id=match_id, data=(
        mentoring_sessions.SessionInput(day="2026-07-31", start="10:00", mode="online",
                                        location="https://meet.example/gamma"))))
    assert errors == {}
    assert run(mentoring_sessions.record_session(actor=mentor, session_id=session_id, data=(
        mentoring_sessions.RecordInput(outcome="held", items=[
            {"text": "Send the new deck", "owner": "startup", "due_on": "2026-08-05"},
            {"text": "Introduce an investor", "owner": "mentor", "due_on": ""}])))) == {}

    def done() -> list[bool]:
        items = run(MentoringSession.select(MentoringSession.action_items).output(load_json=True).where(
            MentoringSession.id == session_id).output(load_json=True).first())["action_items"]
        return [item["done"] for item in items]

    assert done() == [False, False]
    as_person(client, "gamma@startup.example")
    token = csrf_token(client, f"/mentoring/sessions/{session_id}")
    ticked = client.post(f"/mentoring/sessions/{session_id}/items/0", follow_redirects=False,
                         data={"_csrf_token": token, "done": "1", "next": f"/mentoring/path/{gamma}"})
    assert ticked.status_code == 302 and ticked.headers["location"] == f"/mentoring/path/{gamma}"
    assert done() == [True, False]
    assert client.post(f"/mentoring/sessions/{session_id}/items/1", follow_redirects=False,
                       data={"_csrf_token": token, "done": "1"}).status_code == 404  # the mentor's item
    assert client.post(f"/mentoring/sessions/{session_id}/items/0", follow_redirects=False,
                       data={"_csrf_token": token, "done": "", "next": "https://elsewhere.example/"}
                       ).headers["location"] == f"/mentoring/sessions/{session_id}"
    assert done() == [False, False]

    as_person(client, "alfa@startup.example")
    assert client.post(f"/mentoring/sessions/{session_id}/items/0", follow_redirects=False, data={
        "_csrf_token": csrf_token(client, "/mentoring"), "done": "1"}).status_code == 404
    assert done() == [False, False]
    as_person(client, mentor_email(setup, matched["gamma"]))
    assert client.post(f"/mentoring/sessions/{session_id}/items/1", follow_redirects=False, data={
        "_csrf_token": csrf_token(client, "/mentoring"), "done": "1"}).status_code == 302
    assert done() == [False, True]


def test_a_startup_asks_for_another_mentor_with_a_reason_the_organisers_read(client, settings):
    setup = make_edition()
    match_all(setup)
    alfa = setup.finalists["alfa"]
    match_id = run(MentorMatch.select(MentorMatch.id).where(MentorMatch.application == alfa).first())["id"]
    as_person(client, "alfa@startup.example")
    token = csrf_token(client, f"/mentoring/path/{alfa}")
    form = {"_csrf_token": token, "application_id": str(alfa), "side": "startup"}
    refused = client.post(f"/mentoring/matches/{match_id}/rematch", headers=EN, data={**form, "reason": "  "})
    assert refused.status_code == 400 and "Say why you ask for a new match." in refused.text
    assert run(MentorMatch.select(MentorMatch.status).where(MentorMatch.id == match_id).first()) == {
        "status": "confirmed"}
    asked = client.post(f"/mentoring/matches/{match_id}/rematch", follow_redirects=False,
                        data={**form, "reason": "We need someone who knows agriculture."})
    assert asked.status_code == 302 and asked.headers["location"] == f"/mentoring/path/{alfa}?done=rematch"
    row = run(MentorMatch.select(MentorMatch.status, MentorMatch.rematch_reason,
                                 MentorMatch.rematch_requested_by).where(MentorMatch.id == match_id).first())
    assert row == {"status": "rematch_requested", "rematch_reason": "We need someone who knows agriculture.",
                   "rematch_requested_by": setup.owners["alfa"]}
    assert "Your request for a new match was sent." in client.get(asked.headers["location"], headers=EN).text
    as_person(client, "olga@org.example")
    assert "We need someone who knows agriculture." in client.get(f"/organise/{SLUG}/mentoring", headers=EN).text

    beta_match = run(MentorMatch.select(MentorMatch.id).where(
        MentorMatch.application == setup.finalists["beta"]).first())["id"]
    as_person(client, "alfa@startup.example")
    stranger = client.post(f"/mentoring/matches/{beta_match}/rematch", follow_redirects=False, data={
        "_csrf_token": csrf_token(client, "/mentoring"), "application_id": str(alfa), "side": "startup",
        "reason": "Not my match"})
    assert stranger.status_code == 404
    assert run(MentorMatch.select(MentorMatch.status).where(MentorMatch.id == beta_match).first()) == {
        "status": "confirmed"}


def test_organiser_sees_every_mentor_and_changes_a_capacity_audited(client, settings):
    from core.editions import access
    from core.people import accounts
    from core.platform.tables import AuditEvent, MentorProfile

    setup = make_edition(capacities={"marta": 2, "nico": 1})
    # a mentor with the role but no profile yet is listed too, with no places
    lia = run(accounts.create_account(email="lia@incubator.example", password=PASSWORD, verified=True,
                                      display_name="Lia", locale="en"))
    run(access.grant_role(account_id=lia, role="mentor", edition_slug=SLUG))
    as_person(client, "olga@org.example")
    page = client.get(f"/organise/{SLUG}/mentoring", headers=EN)
    assert page.status_code == 200
    assert "3 startups on the path, 2 mentors offering 3 places." in page.text
    for name in ("Marta", "Nico", "Lia"):
        assert f'<th scope="row">{name}' in page.text
    assert page.text.count("<td>fundraising</td>") == 2  # the label of the topic both profiles name
    token = csrf_token(client, f"/organise/{SLUG}/mentoring")
    nico = setup.mentors["nico"]
    done = client.post(f"/organise/{SLUG}/mentoring/mentors/{nico}/capacity",
                       data={"_csrf_token": token, "capacity": "4"}, follow_redirects=False)
    assert done.status_code == 302 and done.headers["location"] == f"/organise/{SLUG}/mentoring?done=capacity#mentors"
    assert run(MentorProfile.select(MentorProfile.capacity).where(MentorProfile.account == nico).first()) == {
        "capacity": 4}
    event = run(AuditEvent.select().output(load_json=True).where(
            AuditEvent.action == "mentor.capacity_changed").first())
    assert (event["actor"], event["subject_id"], event["data"]) == (
        setup.organiser, str(nico), {"from": 1, "to": 4})
    page = client.get(f"/organise/{SLUG}/mentoring?done=capacity", headers=EN)
    assert "The mentor&#39;s capacity is saved." in page.text
    assert "3 startups on the path, 2 mentors offering 6 places." in page.text
    # the mentor without a profile gets one with the organiser's number
    assert client.post(f"/organise/{SLUG}/mentoring/mentors/{lia}/capacity",
                       data={"_csrf_token": token, "capacity": "2"}, follow_redirects=False).status_code == 302
    assert run(MentorProfile.select(MentorProfile.capacity).where(MentorProfile.account == lia).first()) == {
        "capacity": 2}

    # a wrong number keeps what was typed, changes nothing
    bad = client.post(f"/organise/{SLUG}/mentoring/mentors/{nico}/capacity",
                      data={"_csrf_token": token, "capacity": "lots"}, headers=EN)
    assert bad.status_code == 400 and "Enter a whole number from 0 to 20." in bad.text and 'value="lots"' in bad.text
    too_many = client.post(f"/organise/{SLUG}/mentoring/mentors/{nico}/capacity",
                           data={"_csrf_token": token, "capacity": "21"}, headers=EN)
    assert too_many.status_code == 400
    # someone who is not a mentor of the edition
    assert client.post(f"/organise/{SLUG}/mentoring/mentors/{setup.owners['alfa']}/capacity",
                       data={"_csrf_token": token, "capacity": "2"}).status_code == 404
    assert client.post(f"/organise/{SLUG}/mentoring/mentors/{nico}/capacity",
                       data={"capacity": "2"}).status_code == 403
    assert run(MentorProfile.select(MentorProfile.capacity).where(MentorProfile.account == nico).first()) == {
        "capacity": 4}

    # a mentor cannot change capacities from the console, not even their own
    as_person(client, "nico@incubator.example")
    token = csrf_token(client, "/mentoring")
    refused = client.post(f"/organise/{SLUG}/mentoring/mentors/{nico}/capacity",
                          data={"_csrf_token": token, "capacity": "9"}, follow_redirects=False)
    assert refused.status_code == 403
    assert client.get(f"/organise/{SLUG}/mentoring").status_code == 403
    assert run(MentorProfile.select(MentorProfile.capacity).where(MentorProfile.account == nico).first()) == {
        "capacity": 4}
    assert run(AuditEvent.count().where(AuditEvent.action == "mentor.capacity_changed")) == 2

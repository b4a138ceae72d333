"""The mentoring path's services on both engines: matching, who sees what, sessions and their .ics, KPIs, progress."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from icalendar import Calendar

from core.mentoring import kpis as mentoring_kpis
from core.mentoring import matching as mentoring
from core.mentoring import sessions as mentoring_sessions
from core.mentoring.access import MentoringNotFound, MentoringRefused
from core.mentoring.dashboards import mentee_path, mentor_dashboard, mentoring_progress, startup_path
from core.platform import i18n
from core.platform.tables import AuditEvent, ConflictOfInterest, MentorChoice, MentorMatch
from tests.conftest import run
from tests.integration.mentoring_setup import SLUG, make_edition, match_all, user


def test_matching_honours_capacities_conflicts_and_mutual_choices(settings):
    setup = make_edition(capacities={"marta": 2, "nico": 1}, judged=(("marta", "alfa"),))
    alfa, beta, gamma = (setup.finalists[n] for n in ("alfa", "beta", "gamma"))
    marta, nico = setup.mentors["marta"], setup.mentors["nico"]
    # Alfa wants Marta most, but Marta judged Alfa; Gamma and Marta choose each other.
    run(mentoring.rank_mentors(actor=user(setup.owners["alfa"]), application_id=alfa, mentor_ids=[marta, nico]))
    run(mentoring.rank_mentors(actor=user(setup.owners["gamma"]), application_id=gamma, mentor_ids=[marta]))
    run(mentoring.rank_finalists(actor=user(marta), edition_slug=SLUG, application_ids=[gamma, alfa, beta]))
    proposal = run(mentoring.propose_matches(actor=user(setup.organiser), edition_slug=SLUG))
    assert proposal.proposed == 3
    pairs = {r["application"]: r["mentor"] for r in run(MentorMatch.select().where(MentorMatch.status == "proposed"))}
    assert pairs == {alfa: nico, beta: marta, gamma: marta}
    assert proposal.avoided == 1

    # Capacity too small for everyone: a clear refusal, and the proposals stay as they were.
    run(mentoring.save_profile(actor=user(nico), edition_slug=SLUG,
                               data=mentoring.ProfileInput(capacity="0")))
    with pytest.raises(MentoringRefused):
        run(mentoring.propose_matches(actor=user(setup.organiser), edition_slug=SLUG))
    assert run(MentorMatch.count().where(MentorMatch.status == "proposed")) == 3


def test_confirmed_match_becomes_a_jury_conflict_and_a_rematch_finds_another_mentor(settings):
    setup = make_edition(capacities={"marta": 3, "nico": 3})
    matched = match_all(setup)
    alfa = setup.finalists["alfa"]
    first_mentor = matched["alfa"]
    conflicts = run(ConflictOfInterest.select().where(ConflictOfInterest.application == alfa))
    assert [(c["juror"], c["rule"]) for c in conflicts] == [(first_mentor, mentoring.MENTOR_RULE)]

    match_id = run(MentorMatch.select(MentorMatch.id).where(MentorMatch.application == alfa).first())["id"]
    stranger = user(setup.owners["beta"])
    with pytest.raises(MentoringNotFound):
        run(mentoring.request_rematch(actor=stranger, match_id=match_id, reason="no"))
    with pytest.raises(MentoringRefused):
        run(mentoring.request_rematch(actor=user(setup.owners["alfa"]), match_id=match_id, reason="  "))
    run(mentoring.request_rematch(actor=user(setup.owners["alfa"]), match_id=match_id,
                                  reason="We need legal-form expertise."))
    run(mentoring.propose_matches(actor=user(setup.organiser), edition_slug=SLUG))
    run(mentoring.confirm_matches(actor=user(setup.organiser), edition_slug=SLUG))
    rows = run(MentorMatch.select().where(MentorMatch.application == alfa).order_by(MentorMatch.id))
    assert [(r["status"], r["mentor"] == first_mentor) for r in rows] == [("ended", True), ("confirmed", False)]
    assert rows[0]["rematch_reason"] == "We need legal-form expertise."
    actions = {r["action"] for r in run(AuditEvent.select(AuditEvent.action))}
    assert {"mentoring.proposed", "mentoring.confirmed", "mentoring.rematch_requested"} <= actions


def _plan(setup, matched, name, *, days=3):
    mentor = user(matched[name])
    match_id = run(MentorMatch.select(MentorMatch.id).where(
        MentorMatch.application == setup.finalists[name], MentorMatch.status == "confirmed").first())["id"]
    day = (datetime.now(UTC) + timedelta(days=days)).date().isoformat()
    session_id, errors = run(mentoring_sessions.schedule_session(
        actor=mentor, match_id=match_id, data=mentoring_sessions.SessionInput(
            day=day, start="15:30", duration_minutes="60", mode="online", location="https://meet.example/abc",
            agenda="Business plan, first pass")))
    assert errors == {}
    return match_id, session_id


def test_a_mentor_sees_only_their_mentees_and_a_startup_only_itself(settings):
    setup = make_edition(capacities={"marta": 2, "nico": 2})
    matched = match_all(setup)
    mentor_of = {name: matched[name] for name in setup.finalists}
    alfa_mentor = user(mentor_of["alfa"])
    other_mentor_id = next(m for m in setup.mentors.values() if m != mentor_of["alfa"])
    other_mentor = user(other_mentor_id)
    match_id, session_id = _plan(setup, matched, "alfa")

    dashboard = run(mentor_dashboard(actor=alfa_mentor))
    mine = {m.application_id for m in dashboard.mentees}
    assert mine == {setup.finalists[n] for n, m in mentor_of.items() if m == mentor_of["alfa"]}
    assert [s.id for s in dashboard.upcoming] == [session_id]
    theirs = {m.application_id for m in run(mentor_dashboard(actor=other_mentor)).mentees}
    assert setup.finalists["alfa"] not in theirs and theirs

    with pytest.raises(MentoringNotFound):
        run(mentee_path(actor=other_mentor, application_id=setup.finalists["alfa"]))
    with pytest.raises(MentoringNotFound):
        run(mentoring_sessions.session_for(actor=other_mentor, session_id=session_id))
    with pytest.raises(MentoringNotFound):
        run(mentoring_sessions.schedule_session(actor=other_mentor, match_id=match_id,
                                                data=mentoring_sessions.SessionInput(day="2026-07-01", start="10:00")))
    with pytest.raises(MentoringNotFound):
        run(mentoring_sessions.record_session(actor=user(setup.owners["alfa"]), session_id=session_id,
                                              data=mentoring_sessions.RecordInput(notes="forged")))

    path = run(startup_path(actor=user(setup.owners["alfa"]), application_id=setup.finalists["alfa"]))
    assert [s.id for s in path.sessions] == [session_id]
    assert path.mentor == alfa_mentor.display_name
    with pytest.raises(MentoringNotFound):
        run(startup_path(actor=user(setup.owners["beta"]), application_id=setup.finalists["alfa"]))
    with pytest.raises(MentoringNotFound):
        run(mentoring_sessions.session_for(actor=user(setup.owners["beta"]), session_id=session_id))
    with pytest.raises(MentoringNotFound):
        run(mentoring_kpis.report_value(actor=user(setup.owners["beta"]), application_id=setup.finalists["alfa"],
                                        code="revenue_eur", period_end="2026-01-31", value="10"))


def test_a_recorded_session_shows_its_action_items_and_its_ics_parses_back(settings):
    setup = make_edition()
    matched = match_all(setup)
    _match_id, session_id = _plan(setup, matched, "beta", days=-1)
    mentor = user(matched["beta"])
    bad = run(mentoring_sessions.record_session(
        actor=mentor, session_id=session_id,
        data=mentoring_sessions.RecordInput(notes="x", items=[{"text": "Rewrite the budget", "owner": "",
                                                                "due_on": "soon"}])))
    assert set(bad) == {"item.0.owner", "item.0.due_on"}
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    errors = run(mentoring_sessions.record_session(actor=mentor, session_id=session_id,
                                                   data=mentoring_sessions.RecordInput(
        outcome="held", notes="Good start.", mentor_present=True, startup_present=True,
        items=[{"text": "Rewrite the budget", "owner": "startup", "due_on": yesterday}, {"text": ""}])))
    assert errors == {}
    view, role = run(mentoring_sessions.session_for(actor=user(setup.owners["beta"]), session_id=session_id))
    assert role == "startup"
    assert (view.status, view.notes, view.attendance) == ("held", "Good start.", {"mentor": True, "startup": True})
    assert [(i.text, i.owner, i.due_on.isoformat(), i.done) for i in view.action_items] == [
        ("Rewrite the budget", "startup", yesterday, False)]
    dashboard = run(mentor_dashboard(actor=mentor))
    beta = next(m for m in dashboard.mentees if m.application_id == setup.finalists["beta"])
    assert [i.text for i in beta.overdue_items] == ["Rewrite the budget"] and beta.sessions_held == 1
    run(mentoring_sessions.mark_item_done(actor=user(setup.owners["beta"]), session_id=session_id, index=0, done=True))
    view, _ = run(mentoring_sessions.session_for(actor=mentor, session_id=session_id))
    assert view.action_items[0].done is True

    ics = run(mentoring_sessions.session_ics(actor=user(setup.owners["beta"]), session_id=session_id,
                                             base_url="https://giuria.example"))
    calendar = Calendar.from_ical(ics)
    events = calendar.walk("VEVENT")
    assert len(events) == 1
    event = events[0]
    start = event.decoded("dtstart")
    assert (start.hour, start.minute, str(start.tzinfo)) == (15, 30, "Europe/Rome")
    assert event.decoded("dtend") - start == timedelta(minutes=60)
    assert str(event["location"]) == "https://meet.example/abc"
    assert str(event["uid"]) == f"mentoring-session-{session_id}@giuria"
    assert "Business plan, first pass" in str(event["description"])
    assert f"https://giuria.example/mentoring/sessions/{session_id}" in str(event["description"])
    zones = calendar.walk("VTIMEZONE")
    assert [str(z["tzid"]) for z in zones] == ["Europe/Rome"]
    assert b"TZID=Europe/Rome:" in ics and zones[0].walk("DAYLIGHT") and zones[0].walk("STANDARD")


@pytest.fixture
def english():
    with i18n.language("en"):
        yield


def test_kpis_plan_and_reports_over_time_feed_the_progress_snapshot(settings, english):
    setup = make_edition()
    match_all(setup)
    owner = user(setup.owners["alfa"])
    alfa = setup.finalists["alfa"]
    errors = run(mentoring_kpis.save_plan(actor=owner, application_id=alfa, plan={
        "fte_created": {"baseline": "1", "target": "4,5"}, "revenue_eur": {"baseline": "x", "target": ""}}))
    assert errors == {"baseline.revenue_eur": "Enter a number."}
    assert run(mentoring_kpis.save_plan(actor=owner, application_id=alfa, plan={
        "fte_created": {"baseline": "1", "target": "4,5"}})) == {}
    assert run(mentoring_kpis.report_value(actor=owner, application_id=alfa, code="fte_created",
                                           period_end="2099-01-01", value="2")) == {
        "period_end": "The period cannot end in the future."}
    assert run(mentoring_kpis.report_value(actor=owner, application_id=alfa, code="fte_created",
                                           period_end="2026-09-30", value="2")) == {}
    assert run(mentoring_kpis.report_value(actor=owner, application_id=alfa, code="fte_created",
                                           period_end="2026-06-30", value="1,5")) == {}
    [progress] = run(mentoring_progress(application_ids=[alfa, 999_999]))
    assert progress.application_id == alfa and progress.sessions_planned == 2
    fte = next(k for k in progress.kpis if k.code == "fte_created")
    assert (fte.baseline, fte.target, fte.latest, fte.latest_period_end) == (1.0, 4.5, 2.0, date(2026, 9, 30))
    assert progress.milestones_total == 3 and progress.milestones_approved == 0


def test_rankings_ignore_what_is_not_on_offer(settings):
    setup = make_edition()
    alfa = setup.finalists["alfa"]
    run(mentoring.rank_mentors(actor=user(setup.owners["alfa"]), application_id=alfa,
                               mentor_ids=[setup.mentors["nico"], setup.organiser, setup.mentors["nico"]]))
    rows = run(MentorChoice.select(MentorChoice.mentor, MentorChoice.rank).where(MentorChoice.application == alfa))
    assert rows == [{"mentor": setup.mentors["nico"], "rank": 1}]

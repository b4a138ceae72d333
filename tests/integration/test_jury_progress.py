"""Jury progress for organisers and reminders to jurors, through HTTP on both engines.

The panel is small enough to count by hand: every figure below is checked exactly, after the jurors
did their part through the juror pages themselves.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import pytest
from litestar.testing import TestClient

from core.judging import progress as jury_progress
from core.messaging import mail
from core.platform.tables import (
    AuditEvent,
    JurorReminder,
    OutgoingMail,
)
from tests import factories
from tests.conftest import csrf_token, run
from tests.factories import (
    EXAMPLE,
    SLUG,
    account,
    application,
    as_person,
    assignment,
    example_edition,
    open_round,
    set_round,
    user,
)
from tests.integration.conftest import content
from tests.integration.test_jury import FULL, clear_conflict, score
from web.app import create_app

ORGANISER = "olga@foundation.example"
JURORS = ("anna", "bruno", "carla", "dario")


@dataclass
class Panel:
    organiser: int
    jurors: dict[str, int]
    entries: dict[str, int]
    assignments: dict[tuple[str, str], int]
    round_id: int


def make_panel(*, opened_days_ago: float = 1, closes_in_days: float = 7) -> Panel:
    """Entries A and B in track AGR, C in PAT; two reviews needed each; dario has C too."""
    edition = example_edition()
    round_id = edition.rounds["R1"]
    open_round(round_id, opened_days_ago=opened_days_ago, closes_in_days=closes_in_days, blind=False,
               jurors_per_entry=2)
    organiser = account(ORGANISER, role="organiser", locale="en")
    entries = {}
    for name, track in (("A", "AGR"), ("B", "AGR"), ("C", "PAT")):
        owner = account(f"owner.{name.lower()}@entry.example", verified=False)
        entries[name] = application(edition, owner=owner, track=track, entity_name=f"Ente {name}",
                                    title=f"Progetto {name}",
                                    answers={"values": {"title": f"Progetto {name}"}, "invalid": {}})
    jurors = {name: account(f"{name}@jury.example", role="juror", locale="en", display_name=name.capitalize())
              for name in JURORS}
    assignments = {(juror, entry): assignment(round_id, entries[entry], jurors[juror]) for juror, entry in (
        ("anna", "A"), ("anna", "B"), ("bruno", "A"), ("bruno", "C"), ("carla", "B"), ("carla", "C"), ("dario", "C"))}
    return Panel(organiser=organiser, jurors=jurors, entries=entries, assignments=assignments, round_id=round_id)


def submit(client, assignment: int) -> None:
    clear_conflict(client, assignment)
    assert score(client, assignment, FULL, action="submit").status_code == 302


def work_the_panel(client, panel: Panel) -> None:
    """anna: A submitted, B draft; bruno: A checked only, C submitted; carla: C submitted; dario: C recused."""
    a = panel.assignments
    as_person(client, "anna@jury.example")
    submit(client, a[("anna", "A")])
    clear_conflict(client, a[("anna", "B")])
    assert score(client, a[("anna", "B")], {"IMP": "3"}).status_code == 302
    as_person(client, "bruno@jury.example")
    clear_conflict(client, a[("bruno", "A")])
    submit(client, a[("bruno", "C")])
    as_person(client, "carla@jury.example")
    submit(client, a[("carla", "C")])
    as_person(client, "dario@jury.example")
    token = csrf_token(client, f"/jury/assignments/{a[('dario', 'C')]}")
    assert client.post(f"/jury/assignments/{a[('dario', 'C')]}/conflict", data={
        "_csrf_token": token, "decision": "conflict", "kind": "personal", "reason": "Cugino"},
        follow_redirects=False).status_code == 302


def organiser_view(panel: Panel):
    return user(panel.organiser)


def figures(report) -> dict[str, tuple[int, ...]]:
    return {j.email.split("@")[0]: (j.assigned, j.conflict_checked, j.started, j.submitted, j.recused)
            for j in report.jurors}


def test_progress_per_juror_and_per_track_is_exact(client):
    panel = make_panel()
    work_the_panel(client, panel)
    report = run(jury_progress.round_progress(actor=organiser_view(panel), edition_slug=SLUG, round_code="R1"))
    assert figures(report) == {
        "anna": (2, 2, 1, 1, 0), "bruno": (2, 2, 0, 1, 0), "carla": (2, 1, 0, 1, 0), "dario": (0, 0, 0, 0, 1)}
    tracks = {t.code: (t.entries, t.reviews_needed, t.reviews_submitted, t.missing) for t in report.tracks}
    assert tracks == {"AGR": (2, 4, 1, [panel.entries["A"], panel.entries["B"]]), "PAT": (1, 2, 2, [])}
    anna = next(j for j in report.jurors if j.name == "Anna")
    assert anna.last_activity is not None and anna.last_activity > datetime.now(UTC) - timedelta(minutes=5)
    assert next(j for j in report.jurors if j.name == "Dario").last_activity is None

    as_person(client, ORGANISER)
    page = client.get(f"/organise/{SLUG}/rounds/R1/progress", headers={"accept-language": "en"})
    assert page.status_code == 200 and "3 of 6 reviews submitted." in page.text
    anna_row = re.search(rf'<tr id="juror-{panel.jurors["anna"]}">(.*?)</tr>', page.text, re.S).group(1)
    assert re.findall(r"<td>(\d+)</td>", anna_row) == ["2", "2", "1", "1", "0"]
    track_row = re.search(r'<tr id="track-AGR">(.*?)</tr>', page.text, re.S).group(1)
    assert re.findall(r"<td>(\d+)", track_row) == ["2", "4", "1", "2"]

    overview = client.get(f"/organise/{SLUG}/progress", headers={"accept-language": "en"})
    summary = {r.code: r for r in run(jury_progress.edition_progress(actor=organiser_view(panel), edition_slug=SLUG))}
    r1 = summary["R1"]
    assert (r1.jurors, r1.assigned, r1.started, r1.submitted, r1.recused, r1.entries, r1.entries_missing) == (
        3, 6, 1, 3, 1, 3, 2)
    assert summary["R0"].assigned == 0
    assert f'href="/organise/{SLUG}/rounds/R1/progress"' in overview.text


def test_progress_is_for_the_editions_organisers_only(client):
    panel = make_panel()
    example_edition(EXAMPLE.replace(f"slug: {SLUG}", "slug: altra-2026"))
    account("elsewhere@other.example", role="organiser", edition_slug="altra-2026")
    as_person(client, "anna@jury.example")
    assert client.get(f"/organise/{SLUG}/rounds/R1/progress").status_code == 403
    as_person(client, "elsewhere@other.example")
    for path in (f"/organise/{SLUG}/progress", f"/organise/{SLUG}/rounds/R1/progress"):
        assert client.get(path).status_code == 404
    reminded = client.post(f"/organise/{SLUG}/rounds/R1/reminders", data={
        "_csrf_token": csrf_token(client, "/me"), "target": "selected", "juror": str(panel.jurors["anna"])})
    assert reminded.status_code == 404 and run(JurorReminder.count()) == 0
    as_person(client, ORGANISER)
    assert client.get(f"/organise/{SLUG}/rounds/R9/progress").status_code == 404


@pytest.fixture
def web(mail_settings):
    with TestClient(create_app(mail_settings), base_url="http://testserver.local") as test_client:
        yield test_client


def remind(client, *, behind: bool = False, jurors: tuple[int, ...] = ()):
    data = {"_csrf_token": csrf_token(client, "/me"), "target": "behind" if behind else "selected",
            "juror": [str(j) for j in jurors]}
    return client.post(f"/organise/{SLUG}/rounds/R1/reminders", data=data, headers={"accept-language": "en"})


def test_reminders_are_throttled_per_juror_and_round_in_the_database(web, mail_settings, smtp):
    # Three quarters of the round gone: two reviews each are due, one about now.
    panel = make_panel(opened_days_ago=6, closes_in_days=2)
    work_the_panel(web, panel)
    as_person(web, ORGANISER)
    report = run(jury_progress.round_progress(actor=organiser_view(panel), edition_slug=SLUG, round_code="R1"))
    assert {j.name for j in report.behind} == {"Anna", "Bruno", "Carla"}  # 1 of 2 submitted, 2 expected by now

    first = remind(web, jurors=(panel.jurors["bruno"], panel.jurors["dario"]))
    assert first.status_code == 200 and "Reminder sent to: Bruno." in first.text
    assert "Skipped, nothing left to review: Dario." in first.text
    run(mail.deliver_due(settings=mail_settings))
    [message] = smtp.messages()
    body = content(message.get_body(preferencelist=("plain",)))
    assert message["To"] == "bruno@jury.example" and message["Content-Language"] == "en"
    assert message["Subject"] == "Reminder: 1 review to complete for Online jury"
    for line in ("Entries assigned to you: 2", "Reviews submitted: 1", "Drafts in progress: 0",
                 "Still to complete: 1", "Scoring closes on", "http://127.0.0.1:8000/jury"):
        assert line in body

    second = remind(web, behind=True)
    assert second.status_code == 200 and "Reminder sent to: Anna, Carla." in second.text
    skipped = re.search(r'<ul id="skipped-recent">(.*?)</ul>', second.text, re.S).group(1)
    assert "Bruno" in skipped and "Anna" not in skipped
    rows = run(JurorReminder.select(JurorReminder.juror).order_by(JurorReminder.id))
    assert [r["juror"] for r in rows] == [panel.jurors[n] for n in ("bruno", "anna", "carla")]
    assert run(AuditEvent.count().where(AuditEvent.action == "reminder.sent")) == 3

    # Another worker (a new app on the same database) and the core service both see the throttle.
    with TestClient(create_app(mail_settings), base_url="http://testserver.local") as other_worker:
        as_person(other_worker, ORGANISER)
        again = remind(other_worker, jurors=(panel.jurors["bruno"],))
        assert "Reminder sent to" not in again.text and "Bruno" in re.search(
            r'<ul id="skipped-recent">(.*?)</ul>', again.text, re.S).group(1)
    outcome = run(jury_progress.send_reminders(settings=mail_settings, actor=organiser_view(panel), edition_slug=SLUG,
                                               round_code="R1", behind_only=True))
    assert (outcome.sent, sorted(j.name for j in outcome.skipped_recent)) == ([], ["Anna", "Bruno", "Carla"])
    assert run(JurorReminder.count()) == 3
    assert run(OutgoingMail.count().where(OutgoingMail.kind == "jury_reminder")) == 3

    # Once the interval has passed, Bruno can be reminded again; a shorter setting counts too.
    factories.juror_reminded(panel.jurors["bruno"], sent_at=datetime.now(UTC) - timedelta(hours=25))
    assert "Reminder sent to: Bruno." in remind(web, jurors=(panel.jurors["bruno"],)).text
    hourly = replace(mail_settings, reminder_interval_hours=1)
    factories.juror_reminded(panel.jurors["carla"], sent_at=datetime.now(UTC) - timedelta(hours=2))
    outcome = run(jury_progress.send_reminders(settings=hourly, actor=organiser_view(panel), edition_slug=SLUG,
                                               round_code="R1", juror_ids=[panel.jurors["carla"]]))
    assert [j.name for j in outcome.sent] == ["Carla"]
    assert run(JurorReminder.count()) == 5


def test_no_reminders_after_the_close_or_without_a_choice(client):
    panel = make_panel()
    as_person(client, ORGANISER)
    nobody = remind(client)
    assert nobody.status_code == 400 and "Choose at least one juror, or everyone behind schedule." in nobody.text
    set_round(panel.round_id, closes_at=datetime.now(UTC) - timedelta(hours=1))
    closed = remind(client, jurors=(panel.jurors["anna"],))
    assert closed.status_code == 409 and "This round is closed" in closed.text
    assert run(JurorReminder.count()) == 0 and run(OutgoingMail.count()) == 0


def test_the_jurors_dashboard_shows_counts_and_the_deadline(client):
    panel = make_panel()  # anna ends with A submitted and B a draft
    work_the_panel(client, panel)
    as_person(client, "anna@jury.example")
    dashboard = client.get("/jury", headers={"accept-language": "en"})
    assert "1 of 2 submitted, 1 in progress." in dashboard.text and "Closes on" in dashboard.text
    set_round(panel.round_id, closes_at=datetime.now(UTC) - timedelta(hours=1))
    assert "Scoring closed on" in client.get("/jury", headers={"accept-language": "en"}).text
    open_round(panel.round_id, opened_days_ago=-1, closes_in_days=9)
    upcoming = client.get("/jury", headers={"accept-language": "en"}).text
    assert "Scoring opens on" in upcoming and "Closes on" in upcoming

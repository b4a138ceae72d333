"""The demo: the example edition on its mentoring path, next year's call open with jurors, people for every role."""

from datetime import UTC, datetime, timedelta

from core.cli.demo import DEMO_LOGINS, MENTORING_DAYS, load_demo
from core.platform.tables import (
    Account,
    Appeal,
    Application,
    Assignment,
    Clarification,
    Decision,
    Edition,
    JurorProfile,
    MentoringSession,
    MentorMatch,
    MilestoneSubmission,
    Review,
    RoleGrant,
    Round,
    TeamMember,
)
from tests.conftest import run, sign_in


def test_demo_has_something_real_on_every_page(settings, client):
    now = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
    run(load_demo(now=now, settings=settings))
    editions = {e["slug"]: e for e in run(Edition.select(Edition.slug, Edition.status, Edition.id))}
    assert {slug: e["status"] for slug, e in editions.items()} == {
        "welfare-comunita-2025": "follow_up", "welfare-comunita-2026": "mentoring", "welfare-comunita-2027": "open"}
    current = editions["welfare-comunita-2026"]["id"]
    assert run(Application.count().where(Application.edition == current)) == 150
    judged = run(Application.count().where(Application.edition == current,
                                           Application.status.is_in(["finalist", "not_advanced"])))
    assert 40 <= judged <= 80
    assert run(Application.count().where(Application.edition == current, Application.status == "finalist")) == 12
    # The online jury closed with every review in; its decisions were published when the finalists were announced.
    # (Besides the jurors an upheld appeal sent the entry back to, see core/cli/demo_redress.py.)
    assert run(Assignment.count().where(Assignment.round.edition == current, Assignment.origin != "appeal")) == \
        3 * judged
    assert sorted(a["status"] for a in run(Appeal.select(Appeal.status))) == ["dismissed", "upheld"]
    assert run(Clarification.count().where(Clarification.status == "shown")) == 1
    assert run(Review.count().where(Review.status == "submitted",
                                    Review.assignment.round.edition == current)) == 3 * judged
    screening = run(Round.select().output(load_json=True).where(Round.edition == current, Round.code == "R1").first())
    assert screening["closes_at"] < now and screening["status"] == "closed"
    mentoring = run(Round.select().output(load_json=True).where(Round.edition == current, Round.code == "R2").first())
    assert mentoring["opens_at"] == now - timedelta(days=MENTORING_DAYS) < now < mentoring["closes_at"]
    published = run(Decision.select(Decision.published_at).where(Decision.round == screening["id"]))
    assert len(published) == judged and all(d["published_at"] < mentoring["opens_at"] for d in published)
    tracks = {row["track"] for row in run(Application.select(Application.track).where(
        Application.edition == current))}
    assert len(tracks) == 4
    assert run(RoleGrant.count().where(RoleGrant.role == "juror", RoleGrant.edition == current)) == 15
    # The fairness audit reads every member's age band, and some applicants entered the 2025 call before.
    assert not run(TeamMember.exists().where(TeamMember.application.edition == current, TeamMember.age_band == ""))
    assert 50 <= run(Application.count().where(Application.edition == editions["welfare-comunita-2025"]["id"])) <= 80

    for login in DEMO_LOGINS:
        response = sign_in(client, login.email, login.password)
        assert response.status_code == 302, login
        client.cookies.clear()
    home = client.get("/", headers={"accept-language": "it"})
    assert "Welfare &amp; Comunità 2026" in home.text and "Welfare &amp; Comunità 2027" in home.text
    assert "Percorso di accompagnamento" in home.text and "Candidature aperte" in home.text


def test_an_organiser_of_the_demo_sees_finalists_matched_with_mentors_sessions_and_milestones(settings, client):
    now = datetime.now(UTC)
    run(load_demo(now=now, settings=settings))
    slug = "welfare-comunita-2026"
    matches = run(MentorMatch.select(MentorMatch.application, MentorMatch.mentor, MentorMatch.status).where(
        MentorMatch.edition.slug == slug))
    assert len(matches) == 12 and {m["status"] for m in matches} == {"confirmed"}
    finalists = {r["id"] for r in run(Application.select(Application.id).where(
        Application.edition.slug == slug, Application.status == "finalist"))}
    assert {m["application"] for m in matches} == finalists
    per_mentor = [sum(1 for m in matches if m["mentor"] == mentor) for mentor in {m["mentor"] for m in matches}]
    assert max(per_mentor) <= 3
    held = run(MentoringSession.select(MentoringSession.status, MentoringSession.starts_at).where(
        MentoringSession.status == "held"))
    planned = run(MentoringSession.select(MentoringSession.starts_at).where(MentoringSession.status == "scheduled"))
    assert len(held) == 12 and all(s["starts_at"] < now for s in held)
    assert len(planned) == 12 and all(s["starts_at"] > now for s in planned)
    delivered = {r["status"] for r in run(MilestoneSubmission.select(MilestoneSubmission.status))}
    assert delivered == {"submitted", "approved"}
    finalist = run(Application.select(Application.status).where(
        Application.applicant.email == "candidato001@giuria.example").first())
    assert finalist["status"] == "finalist"

    sign_in(client, "organiser@giuria.example", "giuria-demo-2026")
    page = client.get(f"/organise/{slug}/mentoring")
    assert page.status_code == 200
    assert "Cortile" not in page.text  # 2027's applications stay on their own edition
    mentor_names = ("Monica Mentore", "Roberto Sala", "Irene Villa", "Tommaso Neri", "Laura Bassi")
    assert sum(name in page.text for name in mentor_names) >= 4
    # Did the jury pick well? Twelve finalists a few weeks in, pooled with the 2025 edition's year of follow-up.
    validity = client.get(f"/organise/{slug}/mentoring/validity")
    assert validity.status_code == 200
    assert "Con 12 finalisti non possiamo ancora dirlo." in validity.text
    assert "Con le edizioni precedenti del programma" in validity.text and "Comunità 2025" in validity.text
    client.cookies.clear()
    sign_in(client, "sponsor@fondazione-aurora.example", "giuria-demo-2026")
    assert "Con 12 finalisti" in client.get(f"/sponsor/{slug}/validity").text  # shared with the sponsors
    client.cookies.clear()
    sign_in(client, "mentor@incubatore-nord.example", "giuria-demo-2026")
    dashboard = client.get("/mentoring")
    assert dashboard.status_code == 200
    assert "Prossime sessioni" in dashboard.text and "(di persona)" in dashboard.text  # the planned second ones
    client.cookies.clear()
    sign_in(client, "candidato001@giuria.example", "giuria-demo-2026")
    assert client.get("/mentoring").status_code == 200


def test_the_2027_call_has_submitted_applications_an_organiser_takes_to_the_jury_with_pages(settings, client):
    """Six applications submitted through the applicants' services; admissibility and the passage are pages."""
    from tests.conftest import csrf_token

    run(load_demo(now=datetime.now(UTC), settings=settings))
    slug = "welfare-comunita-2027"
    rows = run(Application.select(Application.id, Application.status, Application.receipt_number,
                                  Application.tax_code).where(Application.edition.slug == slug,
                                                              Application.status == "submitted"))
    assert len(rows) == 6
    assert all(r["receipt_number"].startswith("WC27-") and r["tax_code"] for r in rows)
    sign_in(client, "organiser@giuria.example", "giuria-demo-2026")
    page = client.get(f"/organise/{slug}/admissibility")  # the demo organiser reads Italian
    assert "6 candidature" in page.text
    ids = [r["id"] for r in rows]
    token = csrf_token(client, f"/organise/{slug}/admissibility")
    marked = client.post(f"/organise/{slug}/admissibility/mark", follow_redirects=False, data={
        "_csrf_token": token, "ids": [str(i) for i in ids[:5]], "outcome": "admissible", "reason": ""})
    assert marked.status_code == 302
    progress = f"/organise/{slug}/rounds/R1/progress"
    assert "5 candidature pronte a entrare, 0 già dentro." in client.get(progress).text
    moved = client.post(f"/organise/{slug}/rounds/R1/passage", data={"_csrf_token": csrf_token(client, progress)},
                        follow_redirects=False)
    assert moved.status_code == 302
    statuses = {r["id"]: r["status"] for r in run(Application.select(Application.id, Application.status).where(
        Application.id.is_in(ids)))}
    assert [statuses[i] for i in ids] == ["in_round"] * 5 + ["submitted"]
    # Six jurors accepted their invitation and declared tracks and capacity: the assignment runs from the page.
    profiles = run(JurorProfile.select(JurorProfile.tracks, JurorProfile.max_load).output(load_json=True).where(
        JurorProfile.edition.slug == slug))
    assert len(profiles) == 6 and all(p["max_load"] for p in profiles)
    assert run(RoleGrant.count().where(RoleGrant.role == "juror", RoleGrant.edition.slug == slug)) == 6
    page = f"/organise/{slug}/rounds/R1/assignment"
    assert client.get(page).status_code == 200
    proposed = client.post(f"{page}/propose", follow_redirects=False, data={
        "_csrf_token": csrf_token(client, page), "per_entry": "3", "expert_per_entry": "on"})
    assert proposed.status_code == 302, proposed.text
    proposal = proposed.headers["location"].split("proposal=")[1].split("#")[0]
    accepted = client.post(f"{page}/accept", follow_redirects=False, data={
        "_csrf_token": csrf_token(client, page), "proposal": proposal})
    assert accepted.status_code == 302
    assert run(Assignment.count().where(Assignment.round.edition.slug == slug)) == 15


def test_demo_jury_comes_from_the_assignment_engine_without_conflicts(settings, client):
    from core.judging import assignments
    from core.people import accounts

    run(load_demo(now=datetime(2026, 11, 25, 9, 0, tzinfo=UTC), settings=settings))
    organiser = run(Account.select(Account.id).where(Account.email == "organiser@giuria.example").first())["id"]
    actor = run(accounts.load_session_user(organiser, 0))
    assert run(assignments.entries_needing_refill(actor=actor, edition_slug="welfare-comunita-2026",
                                                  round_code="R1")) == []
    origins = {row["origin"] for row in run(Assignment.select(Assignment.origin))}
    assert origins == {"engine", "appeal"}  # and the new jurors of the entry whose appeal was upheld
    # a fresh proposal keeps every demo assignment: none breaks a conflict rule
    preview = run(assignments.propose_assignment(actor=actor, edition_slug="welfare-comunita-2026", round_code="R1",
                                                 options=assignments.AssignmentOptions(per_entry=3)))
    assert preview.added == 0 and preview.removed == 0 and preview.released == ()
    assert dict(preview.conflicts_avoided)["sponsor_prize"] > 0
    sign_in(client, "organiser@giuria.example", "giuria-demo-2026")
    page = client.get("/organise/welfare-comunita-2026/rounds/R1/assignment")
    assert page.status_code == 200 and "Ogni candidatura ha i suoi giurati." in page.text


def test_demo_has_enough_mentors_for_the_finalists_the_example_advances(settings, client):
    from core.platform.tables import MentorProfile

    run(load_demo(now=datetime(2026, 11, 25, 9, 0, tzinfo=UTC), settings=settings))
    current = run(Edition.select(Edition.id).where(Edition.slug == "welfare-comunita-2026").first())["id"]
    rounds = run(Round.select(Round.advancement).output(load_json=True).where(Round.edition == current))
    finalists = max((r["advancement"] or {}).get("top_n", 0) for r in rounds)
    assert finalists == 12
    profiles = run(MentorProfile.select(MentorProfile.account, MentorProfile.capacity, MentorProfile.tracks,
                                        MentorProfile.topics).output(load_json=True).where(
                                            MentorProfile.edition == current))
    assert len(profiles) == 5 and [p["capacity"] for p in profiles] == [3] * 5
    assert sum(p["capacity"] for p in profiles) >= finalists
    assert len({tuple(p["tracks"]) for p in profiles}) == 5
    assert len({tuple(p["topics"]) for p in profiles}) == 5
    mentors = {p["account"] for p in profiles}
    granted = {g["account"] for g in run(RoleGrant.select(RoleGrant.account).where(
        RoleGrant.edition == current, RoleGrant.role == "mentor"))}
    assert granted == mentors
    sign_in(client, "organiser@giuria.example", "giuria-demo-2026")
    page = client.get("/organise/welfare-comunita-2026/mentoring")
    assert page.status_code == 200 and "5 mentor che offrono 15 posti." in page.text
    assert "Roberto Sala" in page.text and "Laura Bassi" in page.text


def test_the_readme_lists_every_demo_login_the_demo_prints(settings, client, monkeypatch):
    import re
    from pathlib import Path

    from click.testing import CliRunner

    from core.cli.main import cli

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    listed = re.findall(r"^\| (\w+) \| (\S+@\S+) \|", readme, flags=re.MULTILINE)
    assert listed == [(login.role, login.email) for login in DEMO_LOGINS]
    assert "`var/outbox/`" in readme and "/dev/outbox" in readme
    monkeypatch.setenv("GIURIA_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("GIURIA_SECRET_KEY", settings.secret_key)
    monkeypatch.setenv("GIURIA_DB_POOL_SIZE", "0")
    if settings.database_url:
        monkeypatch.setenv("GIURIA_DATABASE_URL", settings.database_url)
    else:
        monkeypatch.delenv("GIURIA_DATABASE_URL", raising=False)
    printed = CliRunner().invoke(cli, ["demo", "--no-serve"], catch_exceptions=False).output
    assert re.findall(r"^  (\w+) +(\S+@\S+)$", printed, flags=re.MULTILINE) == listed
    for _role, email in listed:
        assert sign_in(client, email, DEMO_LOGINS[0].password).status_code == 302, email
        client.cookies.clear()
    draft = run(Application.select(Application.status, Application.edition.slug).where(
        Application.applicant.email == "applicant@giuria.example").first())
    assert (draft["status"], draft["edition.slug"]) == ("draft", "welfare-comunita-2027")
    submitted = run(Application.select(Application.status).where(
        Application.applicant.email == "candidato001@giuria.example").first())
    assert submitted["status"] == "finalist"
    sponsors = run(RoleGrant.select(RoleGrant.organisation.email_domain).where(
        RoleGrant.role == "sponsor", RoleGrant.edition.slug == "welfare-comunita-2026"))
    assert sorted(s["organisation.email_domain"] for s in sponsors) == ["fondazione-aurora.example",
                                                                       "fondazione-radici.example"]

"""A mentoring edition for tests: the example competition with finalists, mentors, profiles and a judged entry."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from core.editions import access
from core.editions.competitions import import_competition_text
from core.mentoring import matching as mentoring
from core.people import accounts
from core.people.accounts import SessionUser, load_session_user
from core.platform.tables import Application, Assignment, Edition, Round, Track
from tests.conftest import run

EXAMPLE = (Path(__file__).resolve().parents[2] / "examples" / "welfare-che-impresa.yaml").read_text(encoding="utf-8")
SLUG = "welfare-comunita-2026"
PASSWORD = "correct-horse-battery"


@dataclass
class MentoringEdition:
    edition_id: int
    finalists: dict[str, int]  # name -> application id
    owners: dict[str, int]  # name -> account id
    mentors: dict[str, int]  # name -> account id
    organiser: int


def user(account_id: int) -> SessionUser:
    found = run(load_session_user(account_id, 0))
    assert found is not None
    return found


def make_edition(*, capacities: dict[str, int] | None = None, judged: tuple[tuple[str, str], ...] = ()
                 ) -> MentoringEdition:
    run(import_competition_text(EXAMPLE))
    edition_id = run(Edition.select(Edition.id).where(Edition.slug == SLUG).first())["id"]
    track = run(Track.select(Track.id).where(Track.edition == edition_id).first())["id"]
    organiser = run(accounts.create_account(email="olga@org.example", password=PASSWORD, verified=True, locale="en"))
    run(access.grant_role(account_id=organiser, role="organiser", edition_slug=SLUG))
    finalists, owners = {}, {}
    for name in ("alfa", "beta", "gamma"):
        owner = run(accounts.create_account(email=f"{name}@startup.example", password=PASSWORD, verified=True,
                                            display_name=name.title(), locale="en"))
        owners[name] = owner
        finalists[name] = run(Application.insert(Application(
            edition=edition_id, applicant=owner, track=track, entity_name=f"{name.title()} APS",
            title=f"Project {name}", status="finalist")))[0]["id"]
    mentors = {}
    for name, capacity in (capacities or {"marta": 2, "nico": 2}).items():
        account = run(accounts.create_account(email=f"{name}@incubator.example", password=PASSWORD, verified=True,
                                              display_name=name.title(), locale="en"))
        run(access.grant_role(account_id=account, role="mentor", edition_slug=SLUG))
        mentors[name] = account
        errors = run(mentoring.save_profile(actor=user(account), edition_slug=SLUG, data=mentoring.ProfileInput(
            organisation_name="Incubatore", capacity=str(capacity), topics=["fundraising"])))
        assert errors == {}
    round_id = run(Round.select(Round.id).where(Round.edition == edition_id, Round.code == "R1").first())["id"]
    for mentor, finalist in judged:
        run(Assignment.insert(Assignment(round=round_id, application=finalists[finalist], juror=mentors[mentor],
                                         status="submitted")))
    return MentoringEdition(edition_id=edition_id, finalists=finalists, owners=owners, mentors=mentors,
                            organiser=organiser)


def match_all(setup: MentoringEdition) -> dict[str, int]:
    """Propose and confirm; returns finalist name -> mentor account id."""
    organiser = user(setup.organiser)
    run(mentoring.propose_matches(actor=organiser, edition_slug=SLUG))
    run(mentoring.confirm_matches(actor=organiser, edition_slug=SLUG))
    lines = run(mentoring.edition_matches(setup.edition_id))
    by_app = {line.application_id: line.mentor_id for line in lines if line.status == "confirmed"}
    return {name: by_app[app] for name, app in setup.finalists.items()}

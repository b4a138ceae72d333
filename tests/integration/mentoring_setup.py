"""A mentoring edition for tests: the example competition with finalists, mentors, profiles and a judged entry."""

from __future__ import annotations

from dataclasses import dataclass

from core.mentoring import matching as mentoring
from tests.conftest import run
from tests.factories import PASSWORD, SLUG, account, application, assignment, example_edition, user

__all__ = ["PASSWORD", "SLUG", "MentoringEdition", "make_edition", "match_all", "user"]


@dataclass
class MentoringEdition:
    edition_id: int
    finalists: dict[str, int]  # name -> application id
    owners: dict[str, int]  # name -> account id
    mentors: dict[str, int]  # name -> account id
    organiser: int


def make_edition(*, capacities: dict[str, int] | None = None, judged: tuple[tuple[str, str], ...] = ()
                 ) -> MentoringEdition:
    edition = example_edition()
    organiser = account("olga@org.example", role="organiser", locale="en")
    finalists, owners = {}, {}
    for name in ("alfa", "beta", "gamma"):
        owners[name] = account(f"{name}@startup.example", display_name=name.title(), locale="en")
        finalists[name] = application(edition, owner=owners[name], entity_name=f"{name.title()} APS",
                                      title=f"Project {name}", status="finalist")
    mentors = {}
    for name, capacity in (capacities or {"marta": 2, "nico": 2}).items():
        mentors[name] = account(f"{name}@incubator.example", role="mentor", display_name=name.title(), locale="en")
        errors = run(mentoring.save_profile(actor=user(mentors[name]), edition_slug=SLUG, data=mentoring.ProfileInput(
            organisation_name="Incubatore", capacity=str(capacity), topics=["fundraising"])))
        assert errors == {}
    for mentor, finalist in judged:
        assignment(edition.rounds["R1"], finalists[finalist], mentors[mentor], status="submitted")
    return MentoringEdition(edition_id=edition.id, finalists=finalists, owners=owners, mentors=mentors,
                            organiser=organiser)


def match_all(setup: MentoringEdition) -> dict[str, int]:
    """Propose and confirm; returns finalist name -> mentor account id."""
    organiser = user(setup.organiser)
    run(mentoring.propose_matches(actor=organiser, edition_slug=SLUG))
    run(mentoring.confirm_matches(actor=organiser, edition_slug=SLUG))
    lines = run(mentoring.edition_matches(setup.edition_id))
    by_app = {line.application_id: line.mentor_id for line in lines if line.status == "confirmed"}
    return {name: by_app[app] for name, app in setup.finalists.items()}

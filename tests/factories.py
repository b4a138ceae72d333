"""Shared set-ups for the integration tests: the example edition, people with roles, entries in a given status,
their assignments, reviews and decisions, and signing in as someone.

A factory goes through the core service that does the same thing in the app wherever there is one (importing
the competition file, granting a role, a juror's or a mentor's profile, storing an upload). The few that write
rows themselves say why in their docstring: each makes a state that no page or service creates on its own,
short of playing the whole call (an entry already in a jury round, a round scored in bulk, a round whose
window is moved around "now").
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from core.applications import attachments
from core.editions import access
from core.editions.competitions import import_competition_text
from core.people.accounts import load_session_user, normalise_email
from core.platform import audit, db
from core.platform.identity import SessionUser
from core.platform.passwords import hash_password
from core.platform.tables import (
    ALL_TABLES,
    Account,
    AccountSession,
    ApiToken,
    Application,
    Area,
    Assignment,
    Attachment,
    Award,
    Clarification,
    ConflictOfInterest,
    ConsentRecord,
    CriterionScore,
    Decision,
    Edition,
    EditionPartner,
    Invitation,
    Job,
    JurorReminder,
    KpiDefinition,
    KpiValue,
    LiveStage,
    MentoringSession,
    MentorMatch,
    Milestone,
    MilestoneSubmission,
    Organisation,
    OutgoingMail,
    PitchSlot,
    Prize,
    Programme,
    RateLimitCounter,
    Review,
    Round,
    TeamMember,
    TimelineEntry,
    Track,
    WebhookSubscription,
)
from tests.conftest import TRUNCATE, run, sign_in

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE_FILE = ROOT / "examples" / "welfare-che-impresa.yaml"
EXAMPLE = EXAMPLE_FILE.read_text(encoding="utf-8")
SLUG = "welfare-comunita-2026"  # the example file's edition
PASSWORD = "correct-horse-battery"
EN = {"accept-language": "en"}


# -- the edition ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EditionIds:
    """An imported edition and the ids of what its file declares, by code (organisations by name)."""

    id: int
    slug: str
    tracks: dict[str, int]
    areas: dict[str, int]
    rounds: dict[str, int]
    prizes: dict[str, int]
    organisations: dict[str, int]


def empty_database(settings) -> None:
    """Every table emptied, as on a new installation (written directly: nothing in the product empties a
    database, while a round trip of export and import starts again from nothing)."""
    if settings.database_engine == "postgres":
        run(db.engine().run_ddl(TRUNCATE))
    else:
        for table in reversed(ALL_TABLES):
            run(table.delete(force=True))


def example_edition(text: str = EXAMPLE) -> EditionIds:
    """The example competition file (or a variant of its text), imported as `giuria competition import` does."""
    return edition_ids(run(import_competition_text(text)))


def edition_ids(edition_id: int) -> EditionIds:
    async def read() -> EditionIds:
        slug = (await Edition.select(Edition.slug).where(Edition.id == edition_id).first())["slug"]

        def by_code(table) -> dict[str, int]:
            return table.select(table.id, table.code).where(table.edition == edition_id)

        partners = await Organisation.select(Organisation.id, Organisation.name).where(Organisation.id.is_in(
            EditionPartner.select(EditionPartner.organisation).where(EditionPartner.edition == edition_id)))
        return EditionIds(
            id=edition_id, slug=slug,
            tracks={r["code"]: r["id"] for r in await by_code(Track)},
            areas={r["code"]: r["id"] for r in await by_code(Area)},
            rounds={r["code"]: r["id"] for r in await by_code(Round)},
            prizes={r["code"]: r["id"] for r in await by_code(Prize)},
            organisations={r["name"]: r["id"] for r in partners})

    return run(read())


def set_round(round_id: int, **columns: Any) -> None:
    """Change a round in place: its window, workflow, blindness or settings, e.g. `opens_at=...`, `blind=False`.

    Writes the row itself: the competition file and the set-up page set dates in whole minutes of the
    edition's time zone, while tests put a window around "now" (opened yesterday, closed a second ago).
    """
    run(Round.update({getattr(Round, name): value for name, value in columns.items()}).where(Round.id == round_id))


def round_after(previous_code: str, *, code: str, name: dict[str, str], kind: str = "screening",
                workflow: str = "rubric") -> int:
    """A round placed right after the round `previous_code`, the later rounds moved down to make room.

    Writes the rows itself: the competition file adds rounds only before the call opens, while a test of how
    entries pass from round to round adds one to an edition already judging.
    """
    previous = run(Round.select(Round.edition, Round.position).where(Round.code == previous_code).first())
    run(Round.update({Round.position: Round.position + 10}).where(Round.position > previous["position"]))
    return run(Round.insert(Round(edition=previous["edition"], code=code, name=name, kind=kind, workflow=workflow,
                                  position=previous["position"] + 1)))[0]["id"]


def open_round(round_id: int, *, opened_days_ago: float = 1, closes_in_days: float = 7, **columns: Any) -> None:
    """A round open since `opened_days_ago` and closing in `closes_in_days`, with any other columns changed too."""
    now = datetime.now(UTC)
    set_round(round_id, opens_at=now - timedelta(days=opened_days_ago), closes_at=now + timedelta(days=closes_in_days),
              **columns)


def set_edition(slug: str, **columns: Any) -> None:
    """Change an edition in place: its status, the plugins enabled for it, e.g. `status="draft"`.

    Writes the row itself: the set-up pages change an edition through its whole file, while a test needs one
    column moved (an edition back to draft, a test plugin enabled).
    """
    run(Edition.update({getattr(Edition, name): value for name, value in columns.items()}).where(Edition.slug == slug))


def move_timeline(code: str, *, starts_at: datetime) -> None:
    """Move a moment of every edition's timeline (`call_close`...) to `starts_at`, e.g. a call closed an hour ago.

    Writes the rows itself: the set-up page takes dates in whole minutes and refuses a call that closed in the
    past, while tests put the deadline around "now".
    """
    run(TimelineEntry.update({TimelineEntry.starts_at: starts_at}).where(TimelineEntry.code == code))


def set_milestone(code: str, **columns: Any) -> None:
    """Change a mentoring milestone of every edition in place (its `due_on`, `remind_days_before`), written directly
    as the round dates are: the reminders' tests put the due date a given number of days from today."""
    run(Milestone.update({getattr(Milestone, name): value for name, value in columns.items()}).where(
        Milestone.code == code))


def set_other_milestones(code: str, **columns: Any) -> None:
    """Change every mentoring milestone except `code` (as `set_milestone`), to keep them out of a reminder's way."""
    run(Milestone.update({getattr(Milestone, name): value for name, value in columns.items()}).where(
        Milestone.code != code))


# -- people -----------------------------------------------------------------------------------------------


@functools.cache
def _password_hash(password: str) -> str:
    return run(hash_password(password))


def account(email: str, *, role: str | None = None, edition_slug: str | None = SLUG, organisation: int | None = None,
            locale: str = "it", display_name: str = "", verified: bool = True, password: str = PASSWORD) -> int:
    """An account as `accounts.create_account` leaves it (the row and its audit event), with a role if given.

    Writes the row itself only to hash each password once per test session: Argon2 takes up to a second per
    hash on a busy machine and a test may need a dozen people. The role is granted by `access.grant_role`.
    """

    async def create() -> int:
        async with db.write_transaction():
            account_id = (await Account.insert(Account(
                email=normalise_email(email), password_hash=_password_hash(password), display_name=display_name,
                locale=locale, email_verified_at=datetime.now(UTC) if verified else None)))[0]["id"]
            await audit.record("account.created", actor_id=account_id, subject_type="account", subject_id=account_id)
        if role:
            await access.grant_role(account_id=account_id, role=role, edition_slug=edition_slug,
                                    organisation_id=organisation)
        return account_id

    return run(create())


def deactivated_account(email: str) -> None:
    """An account switched off as an administrator leaves it (written directly: no page switches one off yet)."""
    run(Account.update({Account.is_active: False}).where(Account.email == normalise_email(email)))


def renamed_account(account_id: int, display_name: str) -> None:
    """An account whose display name is `display_name`, whatever the profile page would accept (written directly:
    tests of exports store names a form would not let through)."""
    run(Account.update({Account.display_name: display_name}).where(Account.id == account_id))


def idle_sessions(*, last_seen_at: datetime) -> None:
    """Every open session last seen at `last_seen_at`: time passing without a request, which no page can make."""
    run(AccountSession.update({AccountSession.last_seen_at: last_seen_at}).where(AccountSession.id > 0))


def rate_limits_over() -> None:
    """Every sign-in rate-limit window over, its attempts forgotten: time passing, which no page can make (written
    directly, as the counters' own windows are)."""
    run(RateLimitCounter.delete(force=True))


def expired_invitation(email: str, *, expires_at: datetime) -> None:
    """The invitation sent to `email`, expiring at `expires_at` (in the past: time passing, written directly)."""
    run(Invitation.update({Invitation.expires_at: expires_at}).where(Invitation.email == email))


def invitation(edition_id: int, email: str, *, role: str = "juror") -> int:
    """An invitation to an edition, as its row alone (written directly: no mail goes with it)."""
    return run(Invitation.insert(Invitation(edition=edition_id, email=email, role=role)))[0]["id"]


def expired_api_tokens(*, expires_at: datetime) -> None:
    """Every live API token expiring at `expires_at` (in the past: time passing, written directly)."""
    run(ApiToken.update({ApiToken.expires_at: expires_at}).where(ApiToken.revoked_at.is_null()))


def user(account_id: int) -> SessionUser:
    """The signed-in user a service sees for this account."""
    found = run(load_session_user(account_id, 0))
    assert found is not None, account_id
    return found


def as_person(client, email: str, password: str = PASSWORD) -> None:
    """Sign the test client in as this person, forgetting whoever was signed in before."""
    client.cookies.clear()
    assert sign_in(client, email, password).status_code == 302


# -- entries and their judging ------------------------------------------------------------------------------


def application(edition: EditionIds, *, owner: int, track: str | None = "AGR", area: str | None = None,
                status: str = "in_round", **columns: Any) -> int:
    """An application in any status (`in_round`, `finalist`, `submitted`...), with the columns given.

    Writes the row itself: the applicant's pages make a draft and submit it only complete, with its files,
    and admission and the jury's decisions then move it on; a test about a later step starts there.
    """
    row = Application(edition=edition.id, applicant=owner, status=status,
                      track=edition.tracks[track] if track else None, area=edition.areas[area] if area else None,
                      **columns)
    return run(Application.insert(row))[0]["id"]


def application_in(edition_id: int, *, owner: int, status: str = "in_round", **columns: Any) -> int:
    """An application in the edition with this id, in any status, with the columns given as stored (`track` and
    `area` by id); written directly, as `application` explains."""
    return run(Application.insert(Application(edition=edition_id, applicant=owner, status=status,
                                              **columns)))[0]["id"]


def bare_application(email: str, *, edition_slug: str = "welfare-2026", status: str = "draft"
                     ) -> tuple[int, int, int]:
    """An application of a new account in a bare edition (no file behind it, made on first use), in `status`:
    (application id, applicant id, edition id). Enough for the upload rules, which look at nothing else.

    Writes the rows itself: an edition comes from a competition file, which brings a form these tests of files
    alone do not need.
    """

    async def create() -> tuple[int, int, int]:
        programme = await Programme.select(Programme.id).where(Programme.slug == "welfare").first()
        programme_id = programme["id"] if programme else (
            await Programme.insert(Programme(slug="welfare")))[0]["id"]
        edition = await Edition.select(Edition.id).where(Edition.slug == edition_slug).first()
        edition_id = edition["id"] if edition else (await Edition.insert(Edition(
            programme=programme_id, slug=edition_slug, year=2026, status="open")))[0]["id"]
        account_id = (await Account.insert(Account(email=email, display_name=email.split("@")[0])))[0]["id"]
        application_id = (await Application.insert(Application(
            edition=edition_id, applicant=account_id, entity_name="Cooperativa Alfa", status=status)))[0]["id"]
        return application_id, account_id, edition_id

    return run(create())


def set_application(application_id: int | list[int], **columns: Any) -> None:
    """Change one application (or several, given a list of ids) in place: its status or any column.

    Writes the rows itself, as `application` does: admission, the jury and the awards move an entry on through
    their own pages, while a test about a later step needs the entry in that state now.
    """
    ids = application_id if isinstance(application_id, list) else [application_id]
    run(Application.update({getattr(Application, name): value for name, value in columns.items()}).where(
        Application.id.is_in(ids)))


def set_applications_in_status(current: str, **columns: Any) -> None:
    """Change every application now in status `current` (as `set_application`), e.g. all submitted ones admitted."""
    run(Application.update({getattr(Application, name): value for name, value in columns.items()}).where(
        Application.status == current))


def attachment_record(application_id: int, *, field: str = "pitch_deck", filename: str = "deck.pdf",
                      content_type: str = "application/pdf", size_bytes: int = 1000, sha256: str = "0" * 64) -> int:
    """A file's row on an entry, without the file: enough for the form's completeness check and the submission.

    Writes the row itself: the upload (`attachment`, through the upload checks) needs real content, which a
    test about the form's other sections does not.
    """
    return run(Attachment.insert(Attachment(application=application_id, field=field, filename=filename,
                                            content_type=content_type, size_bytes=size_bytes,
                                            sha256=sha256)))[0]["id"]


def team_member(application_id: int, full_name: str, **columns: Any) -> int:
    """A member of an entry's team, as the team section of the form stores it (written directly, as the entry)."""
    return run(TeamMember.insert(TeamMember(application=application_id, full_name=full_name, **columns)))[0]["id"]


def attachment(settings, application_id: int, *, field: str, filename: str, content: bytes,
               accept: tuple[str, ...] = ("pdf",)) -> attachments.StoredFile:
    """A file on an entry in any status, through the upload checks (`store_checked_file`): its content sniffed,
    kept by hash under the data directory, the upload audited as the applicant's (the draft-only rule of the
    applicant's own upload aside)."""
    row = run(Application.select(Application.applicant, Application.edition).where(
        Application.id == application_id).first())

    async def chunks():
        yield content

    async def nothing_to_check() -> None:
        return None

    async def edition() -> int:
        return row["edition"]

    return run(attachments.store_checked_file(
        settings=settings, application_id=application_id, field=field, filename=filename, stream=chunks(),
        accept=list(accept), max_bytes=len(content) + 1, user_id=row["applicant"], precheck=nothing_to_check,
        claim=edition))


def assignment(round_id: int, application_id: int, juror: int, **columns: Any) -> int:
    """A juror on an entry in a round, in any status (`assigned`, `submitted`, `recused`).

    Writes the row itself: the organiser's assignment (`assignments.add_assignment` and the proposals) refuses
    pairs that a conflict rule forbids and records who assigned them, while tests need the pair as it stands.
    """
    return run(Assignment.insert(Assignment(round=round_id, application=application_id, juror=juror,
                                            **columns)))[0]["id"]


def review(assignment_id: int, scores: Mapping[str, float], *, status: str = "submitted", total: float | None = None,
           comment: str = "", criterion_comment: str = "", submitted_at: datetime | None = None,
           **columns: Any) -> int:
    """A juror's review with a score per criterion, `total` as the rubric computes it.

    Writes the rows itself: `reviews.save_review` (the juror's review page) saves one review at a time in an
    open round after the juror's conflict check, while results, awards and sponsor reports need a round
    scored in bulk, often closed. Tests of scoring itself use the page.
    """

    async def create() -> int:
        async with db.write_transaction():
            review_id = (await Review.insert(Review(
                assignment=assignment_id, status=status, total=total, overall_comment=comment,
                submitted_at=submitted_at, **columns)))[0]["id"]
            if scores:
                await CriterionScore.insert(*(CriterionScore(review=review_id, criterion=code, value=value,
                                                             comment=criterion_comment)
                                              for code, value in scores.items()))
        return review_id

    return run(create())


def set_review(review_id: int, **columns: Any) -> None:
    """Change a review in place, e.g. `submitted_at=...` (written directly: a review's submission time is the
    clock's when the juror submits, while a test of exports needs given times)."""
    run(Review.update({getattr(Review, name): value for name, value in columns.items()}).where(
        Review.id == review_id))


def rescored(review_ids: list[int], value: float) -> None:
    """These reviews changed to `value` on every criterion and in total, as jurors changing their scores leave them
    (written directly: the juror's page changes one review at a time through its sheet, which the jury's tests
    play, while a test of what follows a change of scores needs the new scores alone)."""

    async def change() -> None:
        async with db.write_transaction():
            await Review.update({Review.total: value}).where(Review.id.is_in(review_ids))
            await CriterionScore.update({CriterionScore.value: value}).where(CriterionScore.review.is_in(review_ids))

    run(change())


def set_assignment(assignment_id: int, **columns: Any) -> None:
    """Change an assignment in place, e.g. `status="submitted"` beside a review made by `review` (written directly,
    as `assignment` explains)."""
    run(Assignment.update({getattr(Assignment, name): value for name, value in columns.items()}).where(
        Assignment.id == assignment_id))


def decision(round_id: int, application_id: int, outcome: str, *, published_at: datetime | None = None,
             **columns: Any) -> int:
    """A round's decision on an entry (`admissible`, `advanced`, `not_advanced`...), published if `published_at`.

    Writes the row itself: admission and advancement decide from a round's checks and results and mail the
    applicants, while tests of what follows (status pages, sponsor reports) need the outcome alone.
    """
    return run(Decision.insert(Decision(round=round_id, application=application_id, outcome=outcome,
                                        published_at=published_at, **columns)))[0]["id"]


def publish_decisions(*, published_at: datetime) -> None:
    """Every decision not yet published, published at `published_at`, as if the organisers had published the
    results (written directly: publishing also mails the applicants, which these tests do not look at)."""
    run(Decision.update({Decision.published_at: published_at}).where(Decision.published_at.is_null()))


def juror_reminded(juror: int, *, sent_at: datetime) -> None:
    """The last reminder sent to a juror, moved to `sent_at`: time passing since it went out (written directly)."""
    run(JurorReminder.update({JurorReminder.sent_at: sent_at}).where(JurorReminder.juror == juror))


def consent(account_id: int, application_id: int, code: str, *, withdrawn_at: datetime | None = None) -> int:
    """A consent given with an application (`share_with_sponsors`...), withdrawn if `withdrawn_at`.

    Writes the row itself: submission records consents with the application, which these entries skipped.
    """
    return run(ConsentRecord.insert(ConsentRecord(account=account_id, application=application_id, code=code,
                                                  kind="consent", text_version="1.0",
                                                  withdrawn_at=withdrawn_at)))[0]["id"]


def consent_given_again(code: str) -> None:
    """Every consent with this code given again after a withdrawal (written directly: a withdrawn consent is given
    again only with a new application)."""
    run(ConsentRecord.update({ConsentRecord.withdrawn_at: None}).where(ConsentRecord.code == code))


def award(prize_id: int, application_id: int, *, status: str = "confirmed") -> int:
    """A prize given to an entry, `proposed` or `confirmed`.

    Writes the row itself: `awards.confirm_awards` allocates from the final round's results, which a test of
    what sponsors see after the awards does not need to play.
    """
    return run(Award.insert(Award(prize=prize_id, application=application_id, status=status)))[0]["id"]


# -- the mentoring path, as it stands later in the year -------------------------------------------------------
# Matching, sessions, deliverables and indicators each have their page (tests/integration/test_mentoring_web.py);
# reports and dashboards read them as they stand months later, which these write directly.


def mentor_match(edition_id: int, mentor: int, application_id: int, *, status: str = "active") -> int:
    return run(MentorMatch.insert(MentorMatch(edition=edition_id, mentor=mentor, application=application_id,
                                              status=status)))[0]["id"]


def mentoring_session(match_id: int, *, starts_at: datetime, status: str = "scheduled", notes: str = "") -> int:
    return run(MentoringSession.insert(MentoringSession(match=match_id, starts_at=starts_at, status=status,
                                                        notes=notes)))[0]["id"]


def milestone_submission(milestone_code: str, application_id: int, *, status: str = "submitted",
                         **columns: Any) -> int:
    edition = run(Application.select(Application.edition).where(Application.id == application_id).first())["edition"]
    milestone = run(Milestone.select(Milestone.id).where(Milestone.edition == edition,
                                                         Milestone.code == milestone_code).first())["id"]
    return run(MilestoneSubmission.insert(MilestoneSubmission(milestone=milestone, application=application_id,
                                                              status=status, **columns)))[0]["id"]


def kpi_value(kpi_code: str, application_id: int, *, kind: str, value: float, period_end: date) -> int:
    edition = run(Application.select(Application.edition).where(Application.id == application_id).first())["edition"]
    kpi = run(KpiDefinition.select(KpiDefinition.id).where(KpiDefinition.edition == edition,
                                                           KpiDefinition.code == kpi_code).first())["id"]
    return run(KpiValue.insert(KpiValue(application=application_id, kpi=kpi, kind=kind, value=value,
                                        period_end=period_end)))[0]["id"]


def declared_conflict(application_id: int, juror: int, *, kind: str = "personal", reason: str = "") -> int:
    """A conflict of interest a juror declared about an entry before any assignment.

    Writes the row itself: the juror's own declaration (`reviews.declare_conflict`) is made on an assignment,
    while this one must keep the assignment from ever being made.
    """
    return run(ConflictOfInterest.insert(ConflictOfInterest(application=application_id, juror=juror, kind=kind,
                                                            reason=reason, rule="declared",
                                                            source="declared")))[0]["id"]


def clarification(round_id: int, application_id: int, asked_by: int, question: str, *, status: str = "sent",
                  due_at: datetime | None = None, **columns: Any) -> int:
    """A juror's question about an entry, already approved and sent (`status`) with its deadline `due_at`.

    Writes the row itself: the organiser's approval gives the applicant at least a day, while a test of the
    deadline needs one that has already passed.
    """
    return run(Clarification.insert(Clarification(
        round=round_id, application=application_id, asked_by=asked_by, question=question, question_sent=question,
        status=status, due_at=due_at, **columns)))[0]["id"]


# -- partners' webhooks -------------------------------------------------------------------------------------


def webhook_subscription_as_stored(edition_id: int, organisation_id: int, url: str) -> int:
    """A subscription as an older version (or a name that rebinds later) may have left it in the database.

    Writes the row itself: `webhooks.add_subscription` refuses the addresses these tests need stored.
    """
    return run(WebhookSubscription.insert(WebhookSubscription(
        edition=edition_id, organisation=organisation_id, url=url, secret="s" * 40, events=[],
        active=True)))[0]["id"]


def set_webhook_subscriptions(**columns: Any) -> None:
    """Change every webhook subscription in place (`events=[]`, `active=False`, `previous_secret_until=...`).

    Writes the rows itself: the console's page changes one subscription's events at a time and a rotation's
    overlap ends only with time passing.
    """
    run(WebhookSubscription.update({getattr(WebhookSubscription, name): value for name, value in columns.items()},
                                   force=True))


# -- the outbox and the job queue, as the workers leave them -------------------------------------------------


def failed_and_retried_mail() -> None:
    """A mail given up on and one waiting for its second attempt, as the sender leaves them after SMTP refused them
    (written directly: the sender's retries are test_mail's subject)."""
    for status, attempts in (("failed", 8), ("queued", 1)):
        run(OutgoingMail.insert(OutgoingMail(to_address="someone@entry.example", subject="Ricevuta", body_text="-",
                                             status=status, attempts=attempts, last_error="550 refused")))


def running_job(edition_id: int) -> None:
    """An export at work with a fresh heartbeat, which no worker of the test app would claim (written directly)."""
    now = datetime.now(UTC)
    run(Job.insert(Job(kind="export", edition=edition_id, params={}, status="running", started_at=now,
                       heartbeat_at=now, created_at=now)))


# -- the live final ------------------------------------------------------------------------------------------


def live_final(round_id: int, application_ids: list[int], *, audience_vote: bool = True,
               badge_codes_required: bool = False, **slot_columns: Any) -> list[int]:
    """A round run live with these finalists in this order (their pitch slots, with any columns given, e.g.
    `pitch_seconds=300`), none started; the slot ids.

    Writes the rows itself: the running order is set on the organiser's control page (another part of the live
    final), and these tests only need the room it leaves behind.
    """

    async def make() -> list[int]:
        await LiveStage(round=round_id, audience_vote=audience_vote,
                        badge_codes_required=badge_codes_required).save()
        slots = []
        for position, application_id in enumerate(application_ids):
            slot = PitchSlot(round=round_id, application=application_id, position=position, **slot_columns)
            await slot.save()
            slots.append(slot.id)
        return slots

    return run(make())


def put_on_stage(round_id: int, slot_id: int, *, status: str = "pitch", **columns: Any) -> None:
    """The slot is on stage in `status` (its clock started now), as the control page's "start" leaves it."""

    async def change() -> None:
        now = datetime.now(UTC)
        await PitchSlot.update({PitchSlot.status: status, PitchSlot.phase_started_at: now,
                                **{getattr(PitchSlot, name): value for name, value in columns.items()}}).where(
            PitchSlot.id == slot_id)
        await LiveStage.update({LiveStage.current_slot: slot_id}).where(LiveStage.round == round_id)

    run(change())

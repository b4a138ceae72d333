"""Piccolo tables: the persistent shape of a competition, from programme to audit trail.

Translated labels are JSON objects keyed by language ("it", "en"). Timestamps are UTC.
Rows never leave core: services map them to plain dataclasses before web or plugins see them.
"""

from __future__ import annotations

from piccolo.columns import (
    JSON,
    BigInt,
    Boolean,
    Bytea,
    Date,
    DoublePrecision,
    ForeignKey,
    Integer,
    Numeric,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

# -- People and organisations -------------------------------------------------------------


class Account(Table, tablename="account"):
    """A person who signs in: applicant, juror, organiser, sponsor user, mentor or admin."""

    email = Varchar(length=254, unique=True)
    password_hash = Text(default="")
    display_name = Varchar(length=200, default="")
    locale = Varchar(length=8, default="it")
    is_admin = Boolean(default=False)
    is_active = Boolean(default=True)
    email_verified_at = Timestamptz(null=True, default=None)
    # No longer read: sign-outs revoke rows of account_session (kept so old databases need no column change).
    auth_epoch = Integer(default=0)
    created_at = Timestamptz(default=TimestamptzNow())
    last_login_at = Timestamptz(null=True, default=None)


class Organisation(Table, tablename="organisation"):
    """A foundation, bank, incubator, university or company taking part in editions."""

    name = Varchar(length=200, unique=True)
    kind = Varchar(length=40, default="other")
    email_domain = Varchar(length=200, default="")
    website = Varchar(length=300, default="")


# -- Programme, edition and their structure ------------------------------------------------


class Programme(Table, tablename="programme"):
    """A recurring call such as Welfare, che impresa!; each year is an edition."""

    slug = Varchar(length=80, unique=True)
    name = JSON(default={})


class Edition(Table, tablename="edition"):
    """One yearly instance of a programme; tracks, rounds, prizes and partners hang off it."""

    programme = ForeignKey(references=Programme)
    slug = Varchar(length=80, unique=True)
    year = Integer()
    number = Integer(default=1)
    title = JSON(default={})
    summary = JSON(default={})
    rules = JSON(default={})
    status = Varchar(length=30, default="draft")
    time_zone = Varchar(length=60, default="Europe/Rome")
    languages = JSON(default=["it", "en"])
    regulation_version = Varchar(length=40, default="1.0")
    eligibility = JSON(default={})
    application_form = JSON(default=[])
    declarations = JSON(default=[])
    consents = JSON(default=[])
    settings = JSON(default={})
    enabled_plugins = JSON(default=[])
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class EditionPartner(Table, tablename="edition_partner"):
    """An organisation's role in one edition: promoter, sponsor, bank, scientific partner, incubator."""

    edition = ForeignKey(references=Edition)
    organisation = ForeignKey(references=Organisation)
    role = Varchar(length=40)
    position = Integer(default=0)


class TimelineEntry(Table, tablename="timeline_entry"):
    """A dated phase of the edition (call open, online jury, final event…)."""

    edition = ForeignKey(references=Edition)
    code = Varchar(length=60)
    label = JSON(default={})
    starts_at = Timestamptz()
    ends_at = Timestamptz(null=True, default=None)
    position = Integer(default=0)


class Track(Table, tablename="track"):
    """A sector track (ambito) an application competes in."""

    edition = ForeignKey(references=Edition)
    code = Varchar(length=40)
    name = JSON(default={})
    description = JSON(default={})
    position = Integer(default=0)


class Area(Table, tablename="area"):
    """A geographic area (Nord, Centro, Sud e Isole) derived from the registered office's region."""

    edition = ForeignKey(references=Edition)
    code = Varchar(length=40)
    name = JSON(default={})
    regions = JSON(default=[])
    position = Integer(default=0)


class Round(Table, tablename="round"):
    """A selection step: admissibility, online jury, mentoring, final pitch."""

    edition = ForeignKey(references=Edition)
    code = Varchar(length=40)
    name = JSON(default={})
    kind = Varchar(length=30)
    workflow = Varchar(length=80, default="")
    position = Integer(default=0)
    opens_at = Timestamptz(null=True, default=None)
    closes_at = Timestamptz(null=True, default=None)
    rubric_name = Varchar(length=120, default="")
    # The rubric as it was when scoring started: later plugin upgrades cannot change past scores.
    rubric = JSON(default={})
    jurors_per_entry = Integer(default=0)
    blind = Boolean(default=False)
    normalisation = Varchar(length=30, default="")
    advancement = JSON(default={})
    combination = JSON(default={})
    settings = JSON(default={})
    status = Varchar(length=30, default="setup")
    # While now is between these, jurors bid on the round's entries (None: no bidding).
    bidding_opens_at = Timestamptz(null=True, default=None)
    bidding_closes_at = Timestamptz(null=True, default=None)


class Prize(Table, tablename="prize"):
    """Something a sponsor gives: a cash grant, a loan, incubation, a mention."""

    edition = ForeignKey(references=Edition)
    code = Varchar(length=40)
    name = JSON(default={})
    sponsor = ForeignKey(references=EditionPartner, null=True, on_delete=OnDelete.set_null)
    kind = Varchar(length=40)
    amount_eur = Numeric(digits=(12, 2), null=True, default=None)
    quantity = Integer(default=1)
    target = JSON(default={})
    conditions = JSON(default=[])
    details = JSON(default={})
    position = Integer(default=0)


class RoleGrant(Table, tablename="role_grant"):
    """What an account may do in an edition; an admin grant has no edition."""

    account = ForeignKey(references=Account)
    edition = ForeignKey(references=Edition, null=True)
    role = Varchar(length=20)
    organisation = ForeignKey(references=Organisation, null=True, on_delete=OnDelete.set_null)


# -- Applications ---------------------------------------------------------------------------


class Application(Table, tablename="application"):
    """An entity's entry in an edition: answers, team, attachments, declarations."""

    edition = ForeignKey(references=Edition)
    applicant = ForeignKey(references=Account)
    track = ForeignKey(references=Track, null=True, on_delete=OnDelete.set_null)
    area = ForeignKey(references=Area, null=True, on_delete=OnDelete.set_null)
    entity_name = Varchar(length=200, default="")
    legal_form = Varchar(length=60, default="")
    tax_code = Varchar(length=20, default="")
    founded_on = Date(null=True, default=None)
    to_be_incorporated = Boolean(default=False)
    region = Varchar(length=40, default="")
    title = Varchar(length=200, default="")
    answers = JSON(default={})
    status = Varchar(length=30, default="draft")
    # Optimistic concurrency: every save states the version it started from.
    version = Integer(default=1)
    receipt_number = Varchar(length=40, null=True, default=None, unique=True)
    submitted_at = Timestamptz(null=True, default=None)
    withdrawn_at = Timestamptz(null=True, default=None)
    # An organiser's extension of the deadline for this application only.
    deadline_extended_until = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class TeamMember(Table, tablename="team_member"):
    """A person in the applicant's team; gender and birth year feed only aggregate statistics."""

    application = ForeignKey(references=Application)
    full_name = Varchar(length=200)
    role = Varchar(length=200, default="")
    email = Varchar(length=254, default="")
    birth_year = Integer(null=True, default=None)
    age_band = Varchar(length=20, default="")
    gender = Varchar(length=20, default="")
    position = Integer(default=0)


class Attachment(Table, tablename="attachment"):
    """An uploaded file, stored by content hash under the data directory, never under a static route."""

    application = ForeignKey(references=Application)
    field = Varchar(length=80)
    filename = Varchar(length=255)
    content_type = Varchar(length=100)
    size_bytes = Integer()
    sha256 = Varchar(length=64)
    uploaded_by = ForeignKey(references=Account, null=True, on_delete=OnDelete.set_null)
    uploaded_at = Timestamptz(default=TimestamptzNow())


class ConsentRecord(Table, tablename="consent_record"):
    """A declaration or consent as given: which text version, when, and when withdrawn."""

    account = ForeignKey(references=Account)
    application = ForeignKey(references=Application, null=True)
    code = Varchar(length=60)
    kind = Varchar(length=20)
    text_version = Varchar(length=40)
    given_at = Timestamptz(default=TimestamptzNow())
    withdrawn_at = Timestamptz(null=True, default=None)


# -- Judging -------------------------------------------------------------------------------


class Assignment(Table, tablename="assignment"):
    """A juror asked to review an application in a round."""

    round = ForeignKey(references=Round)
    application = ForeignKey(references=Application)
    juror = ForeignKey(references=Account)
    status = Varchar(length=20, default="assigned")
    origin = Varchar(length=20, default="manual")
    affinity = DoublePrecision(default=0.0)
    conflict_checked_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())


class ConflictOfInterest(Table, tablename="conflict_of_interest"):
    """A conflict declared by a juror or detected by a rule; the rule that produced it is kept."""

    application = ForeignKey(references=Application)
    juror = ForeignKey(references=Account)
    round = ForeignKey(references=Round, null=True)
    kind = Varchar(length=30, default="other")
    reason = Text(default="")
    rule = Varchar(length=80, default="declared")
    source = Varchar(length=20, default="declared")
    created_at = Timestamptz(default=TimestamptzNow())


class Review(Table, tablename="review"):
    """A juror's scoring of one assignment; a draft until submitted."""

    assignment = ForeignKey(references=Assignment, unique=True)
    status = Varchar(length=20, default="draft")
    overall_comment = Text(default="")
    feedback_to_applicant = Text(default="")
    confidence = Integer(null=True, default=None)
    total = DoublePrecision(null=True, default=None)
    version = Integer(default=1)
    submitted_at = Timestamptz(null=True, default=None)
    updated_at = Timestamptz(default=TimestamptzNow())
    # A checklist round's answers: {"items": {code: {"passed": bool | None, "reason": str}}, "outcome": str}.
    checklist = JSON(default={})


class CriterionScore(Table, tablename="criterion_score"):
    """One criterion's value in a review, with the juror's comment on it."""

    review = ForeignKey(references=Review)
    criterion = Varchar(length=40)
    value = DoublePrecision(null=True, default=None)
    comment = Text(default="")


class Decision(Table, tablename="decision"):
    """An outcome for an application in a round; staged until published together with the others."""

    round = ForeignKey(references=Round)
    application = ForeignKey(references=Application)
    outcome = Varchar(length=30)
    reason = Text(default="")
    decided_by = ForeignKey(references=Account, null=True, on_delete=OnDelete.set_null)
    staged_at = Timestamptz(default=TimestamptzNow())
    published_at = Timestamptz(null=True, default=None)
    # Set when scoring reopens after publication: the scores may change under it until the organiser re-confirms.
    needs_review = Boolean(default=False)


class Award(Table, tablename="award"):
    """A prize given to an application, with its conditions (incorporation, credit check)."""

    prize = ForeignKey(references=Prize)
    application = ForeignKey(references=Application)
    status = Varchar(length=30, default="proposed")
    conditions = JSON(default=[])
    created_at = Timestamptz(default=TimestamptzNow())


# -- Mentoring -----------------------------------------------------------------------------


class MentorMatch(Table, tablename="mentor_match"):
    """A mentor following a finalist through the mentoring path."""

    edition = ForeignKey(references=Edition)
    mentor = ForeignKey(references=Account)
    application = ForeignKey(references=Application)
    status = Varchar(length=20, default="proposed")
    rationale = Text(default="")
    created_at = Timestamptz(default=TimestamptzNow())
    # Mutual-preference affinity the engine saw; the organiser confirms, either side may ask for a re-match.
    affinity = DoublePrecision(default=0.0)
    confirmed_at = Timestamptz(null=True, default=None)
    confirmed_by = ForeignKey(references=Account, null=True, on_delete=OnDelete.set_null)
    rematch_reason = Text(default="")
    rematch_requested_by = ForeignKey(references=Account, null=True, on_delete=OnDelete.set_null)
    rematch_requested_at = Timestamptz(null=True, default=None)
    ended_at = Timestamptz(null=True, default=None)


class MentoringSession(Table, tablename="mentoring_session"):
    """A meeting between a mentor and a finalist, with notes and attendance afterwards."""

    match = ForeignKey(references=MentorMatch)
    starts_at = Timestamptz()
    duration_minutes = Integer(default=90)
    mode = Varchar(length=20, default="online")
    location = Varchar(length=300, default="")
    agenda = Text(default="")
    notes = Text(default="")
    action_items = JSON(default=[])
    attendance = JSON(default={})
    status = Varchar(length=20, default="scheduled")
    recorded_at = Timestamptz(null=True, default=None)


class Milestone(Table, tablename="milestone"):
    """A deliverable finalists owe by a date (business plan, impact framework, pitch deck)."""

    edition = ForeignKey(references=Edition)
    code = Varchar(length=40)
    name = JSON(default={})
    due_on = Date(null=True, default=None)
    position = Integer(default=0)
    remind_days_before = Integer(default=7)


class MilestoneSubmission(Table, tablename="milestone_submission"):
    """A finalist's delivery of a milestone and the mentor's verdict on it."""

    milestone = ForeignKey(references=Milestone)
    application = ForeignKey(references=Application)
    attachment = ForeignKey(references=Attachment, null=True, on_delete=OnDelete.set_null)
    status = Varchar(length=20, default="planned")
    comment = Text(default="")
    updated_at = Timestamptz(default=TimestamptzNow())
    note = Text(default="")
    submitted_at = Timestamptz(null=True, default=None)
    reviewed_at = Timestamptz(null=True, default=None)
    reviewed_by = ForeignKey(references=Account, null=True, on_delete=OnDelete.set_null)


class KpiDefinition(Table, tablename="kpi_definition"):
    """An impact indicator tracked for finalists and winners (jobs created, beneficiaries…)."""

    edition = ForeignKey(references=Edition)
    code = Varchar(length=40)
    name = JSON(default={})
    unit = Varchar(length=20, default="")
    position = Integer(default=0)


class KpiValue(Table, tablename="kpi_value"):
    """A baseline, target or reported value of a KPI for one application."""

    application = ForeignKey(references=Application)
    kpi = ForeignKey(references=KpiDefinition)
    kind = Varchar(length=20)
    value = DoublePrecision()
    period_end = Date(null=True, default=None)
    reported_at = Timestamptz(default=TimestamptzNow())
    reported_by = ForeignKey(references=Account, null=True, on_delete=OnDelete.set_null)
    note = Text(default="")


# -- Trail, mail and limits ----------------------------------------------------------------


class AuditEvent(Table, tablename="audit_event"):
    """An append-only, hash-chained record of a change of score, decision or status."""

    at = Timestamptz(default=TimestamptzNow())
    actor = ForeignKey(references=Account, null=True, on_delete=OnDelete.set_null)
    edition = ForeignKey(references=Edition, null=True, on_delete=OnDelete.set_null)
    action = Varchar(length=80)
    subject_type = Varchar(length=40, default="")
    subject_id = Varchar(length=40, default="")
    data = JSON(default={})
    prev_hash = Varchar(length=64, default="")
    hash = Varchar(length=64, default="")


class OutgoingMail(Table, tablename="outgoing_mail"):
    """A mail in the outbox; the sender retries until it is delivered or gives up."""

    to_address = Varchar(length=254)
    subject = Varchar(length=300)
    body_text = Text()
    body_html = Text(default="")
    language = Varchar(length=8, default="it")
    kind = Varchar(length=60, default="")
    status = Varchar(length=20, default="queued")
    attempts = Integer(default=0)
    next_attempt_at = Timestamptz(default=TimestamptzNow())
    sent_at = Timestamptz(null=True, default=None)
    last_error = Text(default="")
    created_at = Timestamptz(default=TimestamptzNow())


class ConsensusThread(Table, tablename="consensus_thread"):
    """A panel chair's discussion of one entry in a consensus round, with the consensus score once set."""

    round = ForeignKey(references=Round)
    application = ForeignKey(references=Application)
    opened_by = ForeignKey(references=Account, null=True, on_delete=OnDelete.set_null)
    opened_at = Timestamptz(default=TimestamptzNow())
    score = DoublePrecision(null=True, default=None)
    reason = Text(default="")
    decided_by = ForeignKey(references=Account, null=True, on_delete=OnDelete.set_null)
    decided_at = Timestamptz(null=True, default=None)


class ConsensusMessage(Table, tablename="consensus_message"):
    """One message in a consensus thread, by the chair or a juror of the entry."""

    thread = ForeignKey(references=ConsensusThread)
    author = ForeignKey(references=Account, null=True, on_delete=OnDelete.set_null)
    by_chair = Boolean(default=False)
    body = Text()
    posted_at = Timestamptz(default=TimestamptzNow())


# -- People and jury progress (invitations, reminders) --------------------------------------------


class Invitation(Table, tablename="invitation"):
    """An organiser's invitation to take a role in an edition; its mailed link works once and expires.

    Resending draws a new nonce, so only the latest link works; an expired invitation is a pending one
    past `expires_at`.
    """

    edition = ForeignKey(references=Edition)
    email = Varchar(length=254)
    role = Varchar(length=20)
    round = ForeignKey(references=Round, null=True, on_delete=OnDelete.set_null)
    organisation = ForeignKey(references=Organisation, null=True, on_delete=OnDelete.set_null)
    language = Varchar(length=8, default="it")
    status = Varchar(length=20, default="pending")
    nonce = Varchar(length=40, default="")
    invited_by = ForeignKey(references=Account, null=True, on_delete=OnDelete.set_null)
    account = ForeignKey(references=Account, null=True, on_delete=OnDelete.set_null)
    sent_at = Timestamptz(default=TimestamptzNow())
    expires_at = Timestamptz(default=TimestamptzNow())
    accepted_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())


class JurorReminder(Table, tablename="juror_reminder"):
    """A reminder mailed to a juror about a round; the throttle reads these, so every worker sees them."""

    round = ForeignKey(references=Round)
    juror = ForeignKey(references=Account)
    sent_by = ForeignKey(references=Account, null=True, on_delete=OnDelete.set_null)
    sent_at = Timestamptz(default=TimestamptzNow())


# -- Assignment ------------------------------------------------------------------------------


class JurorProfile(Table, tablename="juror_profile"):
    """What the assignment engine knows of a juror in one edition: expertise, organisation, languages, load."""

    edition = ForeignKey(references=Edition)
    juror = ForeignKey(references=Account)
    tracks = JSON(default=[])
    organisation = Varchar(length=200, default="")
    languages = JSON(default=[])
    # None: the round's option applies
    min_load = Integer(null=True, default=None)
    max_load = Integer(null=True, default=None)
    updated_at = Timestamptz(default=TimestamptzNow())


class AssignmentProposal(Table, tablename="assignment_proposal"):
    """A computed assignment waiting for an organiser's accept; `basis` fingerprints the inputs it used."""

    round = ForeignKey(references=Round)
    created_by = ForeignKey(references=Account, null=True, on_delete=OnDelete.set_null)
    options = JSON(default={})
    basis = Varchar(length=64)
    pairs = JSON(default=[])
    summary = JSON(default={})
    created_at = Timestamptz(default=TimestamptzNow())


class MailAttachment(Table, tablename="mail_attachment"):
    """A file sent with an outgoing mail (a sponsor's report as PDF); deleted with the mail."""

    mail = ForeignKey(references=OutgoingMail, on_delete=OnDelete.cascade)
    filename = Varchar(length=255)
    content_type = Varchar(length=100)
    content = Bytea()
# -- Long operations -----------------------------------------------------------------------


class Job(Table, tablename="job"):
    """A long operation (a large export, a bootstrap) queued by a request and run by whichever worker claims it."""

    kind = Varchar(length=60)
    edition = ForeignKey(references=Edition, null=True, on_delete=OnDelete.cascade)
    params = JSON(default={})
    status = Varchar(length=20, default="queued", index=True)
    progress = Integer(default=0)
    result = JSON(default={})
    file_path = Varchar(length=500, default="")
    file_name = Varchar(length=200, default="")
    content_type = Varchar(length=100, default="")
    error = Text(default="")
    attempts = Integer(default=0)
    created_by = ForeignKey(references=Account, null=True, on_delete=OnDelete.set_null)
    created_at = Timestamptz(default=TimestamptzNow())
    started_at = Timestamptz(null=True, default=None)
    # Refreshed while a worker runs the job; a running job whose heartbeat is old was abandoned by a dead worker.
    heartbeat_at = Timestamptz(null=True, default=None)
    finished_at = Timestamptz(null=True, default=None)


# -- Mentoring path (2) -----------------------------------------------------------------------


class MentorProfile(Table, tablename="mentor_profile"):
    """A mentor's offer for one edition: organisation, expertise, how many finalists, when."""

    edition = ForeignKey(references=Edition)
    account = ForeignKey(references=Account)
    organisation_name = Varchar(length=200, default="")
    tracks = JSON(default=[])
    topics = JSON(default=[])
    capacity = Integer(default=2)
    availability = Text(default="")
    bio = Text(default="")
    updated_at = Timestamptz(default=TimestamptzNow())


class MentorChoice(Table, tablename="mentor_choice"):
    """One ranked preference: a finalist ranking a mentor (side "startup") or a mentor a finalist."""

    edition = ForeignKey(references=Edition)
    side = Varchar(length=10)
    application = ForeignKey(references=Application)
    mentor = ForeignKey(references=Account)
    rank = Integer()


class MilestoneReminder(Table, tablename="milestone_reminder"):
    """A reminder sent for a milestone to one finalist; its unique key makes a second run send nothing."""

    milestone = ForeignKey(references=Milestone)
    application = ForeignKey(references=Application)
    kind = Varchar(length=20, default="before_due")
    sent_at = Timestamptz(default=TimestamptzNow())
    mail_id = Integer(null=True, default=None)


class EventAttendance(Table, tablename="event_attendance"):
    """Whether a finalist took part in an event of the path (the workshop, the final event)."""

    event = ForeignKey(references=TimelineEntry)
    application = ForeignKey(references=Application)
    status = Varchar(length=20, default="attended")
    recorded_by = ForeignKey(references=Account, null=True, on_delete=OnDelete.set_null)
    recorded_at = Timestamptz(default=TimestamptzNow())


class MailTemplateOverride(Table, tablename="mail_template_override"):
    """An edition's own wording of a mail in one language, used instead of the file template."""

    edition = ForeignKey(references=Edition)
    template = Varchar(length=120)
    language = Varchar(length=8)
    subject = Text(default="")
    body_text = Text(default="")
    body_html = Text(default="")
    updated_by = ForeignKey(references=Account, null=True, on_delete=OnDelete.set_null)
    updated_at = Timestamptz(default=TimestamptzNow())


ALL_TABLES: tuple[type[Table], ...] = (
    Account, Organisation, Programme, Edition, EditionPartner, TimelineEntry, Track, Area, Round,
    Prize, RoleGrant, Application, TeamMember, Attachment, ConsentRecord, Assignment,
    ConflictOfInterest, Review, CriterionScore, Decision, Award, MentorMatch, MentoringSession,
    Milestone, MilestoneSubmission, KpiDefinition, KpiValue, AuditEvent, OutgoingMail,
    ConsensusThread, ConsensusMessage,
    Invitation, JurorReminder,
    JurorProfile, AssignmentProposal,
    MailAttachment,
    MentorProfile, MentorChoice, MilestoneReminder, EventAttendance,
    MailTemplateOverride,
    Job,
)

# Composite uniqueness, created as unique indexes by the migrations (SQLite cannot add constraints
# to an existing table, and an index serves both engines the same way).
UNIQUE_TOGETHER: dict[str, tuple[tuple[str, ...], ...]] = {
    'edition_partner': (('edition', 'organisation', 'role'),),
    'timeline_entry': (('edition', 'code'),),
    'track': (('edition', 'code'),),
    'area': (('edition', 'code'),),
    'round': (('edition', 'code'),),
    'prize': (('edition', 'code'),),
    'role_grant': (('account', 'edition', 'role'),),
    'application': (('edition', 'applicant'),),
    'assignment': (('round', 'application', 'juror'),),
    'attachment': (('application', 'field'),),
    'criterion_score': (('review', 'criterion'),),
    'decision': (('round', 'application'),),
    'milestone': (('edition', 'code'),),
    'kpi_definition': (('edition', 'code'),),
    'consensus_thread': (('round', 'application'),),
    'juror_profile': (('edition', 'juror'),),
    'mentor_profile': (('edition', 'account'),),
    'mentor_choice': (('side', 'application', 'mentor'),),
    'milestone_submission': (('milestone', 'application'),),
    'milestone_reminder': (('milestone', 'application', 'kind'),),
    'event_attendance': (('event', 'application'),),
    'mail_template_override': (('edition', 'template', 'language'),),
}


# -- Pairwise and ranked rounds ------------------------------------------------------------


class Comparison(Table, tablename="comparison"):
    """A juror's choice between two entries in a pairwise round; the pair is stored lower id first."""

    round = ForeignKey(references=Round)
    juror = ForeignKey(references=Account)
    entry_a = ForeignKey(references=Application)
    entry_b = ForeignKey(references=Application)
    winner = ForeignKey(references=Application)
    created_at = Timestamptz(default=TimestamptzNow())


class RankingBallot(Table, tablename="ranking_ballot"):
    """A juror's ranking of a round's finalists: {entry id: position}, a draft until submitted."""

    round = ForeignKey(references=Round)
    juror = ForeignKey(references=Account)
    positions = JSON(default={})
    status = Varchar(length=20, default="draft")
    version = Integer(default=1)
    updated_at = Timestamptz(default=TimestamptzNow())
    submitted_at = Timestamptz(null=True, default=None)


ALL_TABLES += (Comparison, RankingBallot)
UNIQUE_TOGETHER["comparison"] = (("round", "juror", "entry_a", "entry_b"),)
UNIQUE_TOGETHER["ranking_ballot"] = (("round", "juror"),)


# -- Webhooks ------------------------------------------------------------------------------


class WebhookSubscription(Table, tablename="webhook_subscription"):
    """A partner organisation's URL that receives an edition's lifecycle events, signed with its secret."""

    edition = ForeignKey(references=Edition)
    organisation = ForeignKey(references=Organisation)
    url = Varchar(length=500)
    # Kept readable: every delivery is signed with it (HMAC), so it cannot be stored as a hash.
    secret = Varchar(length=100)
    events = JSON(default=[])  # empty: every event the webhooks plugin sends
    active = Boolean(default=True)
    # The secret before the last rotation: deliveries are signed with it too until `previous_secret_until`.
    previous_secret = Varchar(length=100, default="")
    previous_secret_until = Timestamptz(null=True, default=None)
    created_by = ForeignKey(references=Account, null=True, on_delete=OnDelete.set_null)
    created_at = Timestamptz(default=TimestamptzNow())


class WebhookDelivery(Table, tablename="webhook_delivery"):
    """One event for one subscription in the outbox; the body is stored as sent, so every retry signs the same bytes."""

    subscription = ForeignKey(references=WebhookSubscription)
    event = Varchar(length=80)
    body = Text()
    status = Varchar(length=20, default="queued")
    attempts = Integer(default=0)
    next_attempt_at = Timestamptz(default=TimestamptzNow())
    delivered_at = Timestamptz(null=True, default=None)
    last_status_code = Integer(null=True, default=None)
    last_error = Text(default="")
    created_at = Timestamptz(default=TimestamptzNow())


ALL_TABLES += (WebhookSubscription, WebhookDelivery)


# -- Sign-in: sessions and attempt counters ----------------------------------------------------


class AccountSession(Table, tablename="account_session"):
    """One signed-in browser: the session cookie names it, and signing out, a password change or reset,
    erasure or the owner ending it from their page revokes it.

    Only a hash of the cookie's token is kept, so a copy of the database signs nobody in.
    """

    token_hash = Varchar(length=64, unique=True)
    account = ForeignKey(references=Account, on_delete=OnDelete.cascade)
    created_at = Timestamptz(default=TimestamptzNow())
    last_seen_at = Timestamptz(default=TimestamptzNow())
    user_agent = Varchar(length=300, default="")
    address = Varchar(length=64, default="")
    revoked_at = Timestamptz(null=True, default=None)


class RateLimitCounter(Table, tablename="rate_limit_counter"):
    """Attempts counted under one key (an account, an address, both) since `window_start`, in epoch seconds.

    One row per key, counted up by a single atomic upsert, so parallel requests and workers cannot
    slip past the limit between a check and a count.
    """

    key = Varchar(length=100, unique=True)
    window_start = BigInt(default=0)
    attempts = Integer(default=0)


ALL_TABLES += (AccountSession, RateLimitCounter)


# -- Blind rounds: the answers as blind jurors read them -------------------------------------


class AnswerRedaction(Table, tablename="answer_redaction"):
    """An application's answers as jurors of a blind round read them: the organiser's decisions and edited copies."""

    application = ForeignKey(references=Application)
    # {answer path: {"source": the answer as written, "text": the copy jurors read, "edited": typed by hand}}
    texts = JSON(default={})
    # {answer path: {suggestion key: {"action": "redact" | "keep", "reason": str, "by": account id, "at": iso}}}
    decisions = JSON(default={})
    # Suggestions nobody decided on, as counted for `checked_version` of the application and for `detector`
    # (a fingerprint of the detector's version and the form): a blind round opens to jurors only when this
    # is 0 for each of its entries.
    unreviewed = Integer(default=0)
    checked_version = Integer(default=0)
    detector = Integer(default=0)
    updated_by = ForeignKey(references=Account, null=True, on_delete=OnDelete.set_null)
    updated_at = Timestamptz(default=TimestamptzNow())


ALL_TABLES += (AnswerRedaction,)
UNIQUE_TOGETHER["answer_redaction"] = (("application",),)


# -- Juror bids -------------------------------------------------------------------------------------


class JurorBid(Table, tablename="juror_bid"):
    """A juror's interest in reviewing an entry of a round: yes, maybe, no (a conflict becomes a declared conflict)."""

    round = ForeignKey(references=Round)
    application = ForeignKey(references=Application)
    juror = ForeignKey(references=Account)
    bid = Varchar(length=16)
    updated_at = Timestamptz(default=TimestamptzNow())


ALL_TABLES += (JurorBid,)
UNIQUE_TOGETHER["juror_bid"] = (("round", "application", "juror"),)


# -- Round passage ---------------------------------------------------------------------------


class RoundEntry(Table, tablename="round_entry"):
    """An application moved into a round by the organiser: the round's entries once any was moved in."""

    round = ForeignKey(references=Round)
    application = ForeignKey(references=Application)
    moved_by = ForeignKey(references=Account, null=True, on_delete=OnDelete.set_null)
    moved_at = Timestamptz(default=TimestamptzNow())


ALL_TABLES += (RoundEntry,)
UNIQUE_TOGETHER["round_entry"] = (("round", "application"),)


# -- API tokens -------------------------------------------------------------------------------


class ApiToken(Table, tablename="api_token"):
    """A personal API token: it acts as its owner, within its scope and, if set, one edition.

    Only a hash of the secret is kept, so a copy of the database opens no API call; `prefix` lets the owner
    tell their tokens apart.
    """

    account = ForeignKey(references=Account, on_delete=OnDelete.cascade)
    name = Varchar(length=100, default="")
    token_hash = Varchar(length=64, unique=True)
    prefix = Varchar(length=16, default="")
    scope = Varchar(length=10, default="read")  # read | write (write includes read)
    edition = ForeignKey(references=Edition, null=True, on_delete=OnDelete.cascade)
    created_at = Timestamptz(default=TimestamptzNow())
    expires_at = Timestamptz(null=True, default=None)
    last_used_at = Timestamptz(null=True, default=None)
    revoked_at = Timestamptz(null=True, default=None)


ALL_TABLES += (ApiToken,)


# -- The live final ------------------------------------------------------------------------------


class PitchSlot(Table, tablename="pitch_slot"):
    """One finalist's turn at a live final (a final-pitch round run live): its place, its clock, its scoring.

    The clock is stored, not kept in a worker: `phase_started_at` is when the running phase (pitch or Q&A) started
    and `paused_remaining` the seconds it had left when paused (None while it runs), so every worker and every
    page computes the same countdown.
    """

    round = ForeignKey(references=Round)
    application = ForeignKey(references=Application)
    position = Integer(default=0)
    pitch_seconds = Integer(default=300)
    qa_seconds = Integer(default=300)
    room = Varchar(length=120, default="")  # a room or a stream's address
    status = Varchar(length=20, default="waiting")  # waiting | pitch | qa | done | absent
    phase_started_at = Timestamptz(null=True, default=None)
    paused_remaining = Integer(null=True, default=None)
    scoring = Varchar(length=10, default="closed")  # closed (not yet) | open | locked (closed by the organiser)
    scoring_opened_at = Timestamptz(null=True, default=None)
    scoring_closed_at = Timestamptz(null=True, default=None)
    voting = Varchar(length=10, default="closed")  # the audience vote on this pitch: closed | open | locked
    version = Integer(default=1)


class LiveStage(Table, tablename="live_stage"):
    """Where a live final stands: the slot on stage, the audience vote's settings, whether results are revealed."""

    round = ForeignKey(references=Round, unique=True)
    current_slot = ForeignKey(references=PitchSlot, null=True, on_delete=OnDelete.set_null)
    audience_vote = Boolean(default=False)
    badge_codes_required = Boolean(default=False)
    revealed_at = Timestamptz(null=True, default=None)
    updated_at = Timestamptz(default=TimestamptzNow())


class LiveScoreReceipt(Table, tablename="live_score_receipt"):
    """A score tapped on a juror's phone, under the id the phone gave it: a resend is recognised and applied once."""

    juror = ForeignKey(references=Account)
    client_id = Varchar(length=64)
    slot = ForeignKey(references=PitchSlot)
    criterion = Varchar(length=40)
    value = DoublePrecision(null=True, default=None)
    outcome = Varchar(length=20, default="applied")  # applied | late (scoring was locked) | refused
    received_at = Timestamptz(default=TimestamptzNow())


class AudienceBadge(Table, tablename="audience_badge"):
    """A code printed on a badge: when the final asks for one, each code votes once per pitch."""

    round = ForeignKey(references=Round)
    code = Varchar(length=40)
    created_at = Timestamptz(default=TimestamptzNow())


class AudienceVote(Table, tablename="audience_vote"):
    """One device's vote on one pitch (1 to 5). Votes that look stuffed keep a `flag` and are not counted."""

    slot = ForeignKey(references=PitchSlot)
    device_hash = Varchar(length=64)
    value = Integer(default=0)
    address_hash = Varchar(length=64, default="")
    agent_hash = Varchar(length=64, default="")
    badge_code = Varchar(length=40, default="")
    flag = Varchar(length=40, default="")  # "" counted | burst_address | burst_agent | ...
    created_at = Timestamptz(default=TimestamptzNow())


class LiveEvent(Table, tablename="live_event"):
    """What happened at a live final, in order: a page that reconnects reads on from the last event it saw."""

    round = ForeignKey(references=Round)
    kind = Varchar(length=40)
    payload = JSON(default={})
    created_at = Timestamptz(default=TimestamptzNow())


ALL_TABLES += (PitchSlot, LiveStage, LiveScoreReceipt, AudienceBadge, AudienceVote, LiveEvent)
UNIQUE_TOGETHER["pitch_slot"] = (("round", "application"),)
UNIQUE_TOGETHER["live_score_receipt"] = (("juror", "client_id"),)
UNIQUE_TOGETHER["audience_badge"] = (("round", "code"),)
UNIQUE_TOGETHER["audience_vote"] = (("slot", "device_hash"),)


# -- Feedback to applicants ---------------------------------------------------------------------------


class FeedbackRelease(Table, tablename="feedback_release"):
    """A round whose feedback its organisers released to every applicant at once; before it, applicants see none."""

    round = ForeignKey(references=Round, unique=True)
    released_by = ForeignKey(references=Account, null=True, on_delete=OnDelete.set_null)
    released_at = Timestamptz(default=TimestamptzNow())


class FeedbackComment(Table, tablename="feedback_comment"):
    """An organiser's edit of a juror's comment to the applicant, or its withholding, with the reason why; the
    juror's own words stay in the review."""

    review = ForeignKey(references=Review, unique=True)
    text = Text(default="")
    withheld = Boolean(default=False)
    reason = Text(default="")
    edited_by = ForeignKey(references=Account, null=True, on_delete=OnDelete.set_null)
    edited_at = Timestamptz(default=TimestamptzNow())


ALL_TABLES += (FeedbackRelease, FeedbackComment)


# -- Clarifications and appeals ---------------------------------------------------------------------


class Clarification(Table, tablename="clarification"):
    """A juror's question to an applicant during a round: the organiser approves it, the applicant answers by
    `due_at`, and every juror of the entry reads the answer (in a blind round, the copy cleared of names).

    status: asked (waiting for an organiser) | declined | sent (waiting for the answer) | answered (a blind
    round's answer waiting for the organiser's review of its suggested redactions) | shown (jurors read it).
    The applicant never learns who asked: nothing of `asked_by` leaves the organisers' pages.
    """

    round = ForeignKey(references=Round)
    application = ForeignKey(references=Application)
    asked_by = ForeignKey(references=Account, null=True, on_delete=OnDelete.set_null)
    question = Text(default="")  # as the juror wrote it
    question_sent = Text(default="")  # as the organiser approved (or edited) it: what the applicant reads
    status = Varchar(length=20, default="asked")
    decline_reason = Text(default="")
    reviewed_by = ForeignKey(references=Account, null=True, on_delete=OnDelete.set_null)
    reviewed_at = Timestamptz(null=True, default=None)
    due_at = Timestamptz(null=True, default=None)
    answer = Text(default="")
    answered_at = Timestamptz(null=True, default=None)
    answer_shown = Text(default="")  # the answer as jurors read it
    # {suggestion key: "redact" | "keep"}: the organiser's review of a blind round's answer.
    answer_decisions = JSON(default={})
    shown_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())


class Appeal(Table, tablename="appeal"):
    """An applicant's appeal against a published decision of a round, within the round's appeal window, and the
    organisers' decision on it: dismissed, or upheld with an effect (sent back for review, or the outcome changed).
    """

    round = ForeignKey(references=Round)
    application = ForeignKey(references=Application)
    applicant = ForeignKey(references=Account, null=True, on_delete=OnDelete.set_null)
    ground = Varchar(length=30)  # procedural | conflict | factual
    text = Text(default="")
    status = Varchar(length=20, default="pending")  # pending | dismissed | upheld
    effect = Varchar(length=20, default="")  # "" | review | change
    new_outcome = Varchar(length=30, default="")
    reasons = Text(default="")
    decided_by = ForeignKey(references=Account, null=True, on_delete=OnDelete.set_null)
    decided_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    # After an upheld appeal's re-review: the reasons for the decision the organisers then took (the applicant
    # reads them), and when.
    review_reasons = Text(default="")
    reviewed_at = Timestamptz(null=True, default=None)


ALL_TABLES += (Clarification, Appeal)
UNIQUE_TOGETHER["appeal"] = (("round", "application"),)


# -- live juror calibration (issue 17 B) ----------------------------------------------------------------------


class ReferenceEntry(Table, tablename="reference_entry"):
    """An entry of a round that every juror meets early, with agreed scores per criterion to compare against.

    `source` "agreed": the organiser typed the scores; "panel": the calibration panel (`panel`, account ids)
    scores it first and the organiser confirms the mean of their reviews (`confirmed_at`). Jurors are never told.
    """

    round = ForeignKey(references=Round)
    application = ForeignKey(references=Application)
    source = Varchar(length=20, default="agreed")
    agreed = JSON(default={})
    panel = JSON(default=[])
    confirmed_at = Timestamptz(null=True, default=None)
    created_by = ForeignKey(references=Account, null=True, on_delete=OnDelete.set_null)
    created_at = Timestamptz(default=TimestamptzNow())


ALL_TABLES += (ReferenceEntry,)
UNIQUE_TOGETHER["reference_entry"] = (("round", "application"),)


class LiveReveal(Table, tablename="live_reveal"):
    """The final ranking and the audience ranking as they stood when the organiser revealed them on the big screen.

    Kept as revealed, so the screen shows exactly what was announced, whoever opens it and whatever changes after.
    """

    round = ForeignKey(references=Round, unique=True)
    jury = JSON(default=[])  # [{"place", "title", "entity_name", "score"}], best first
    audience = JSON(default=[])  # [{"place", "title", "entity_name", "mean", "low", "high", "votes", "p_first"}]
    revealed_by = ForeignKey(references=Account, null=True, on_delete=OnDelete.set_null)
    created_at = Timestamptz(default=TimestamptzNow())


ALL_TABLES += (LiveReveal,)


class ComputedResult(Table, tablename="computed_result"):
    """A costly computation's result (a round's bootstrap ranking, for one view of it), kept with the fingerprint
    of the data it was computed on: every worker reuses it while the data is the same, and computes it again,
    replacing it, once anything it reads has changed. Never a source of truth, only saved work."""

    kind = Varchar(length=40)
    edition = ForeignKey(references=Edition, on_delete=OnDelete.cascade)
    view = Varchar(length=200)  # what was computed, as a key, e.g. "round=12&method=zscore&group=all&top="
    fingerprint = Varchar(length=64)
    result = JSON(default={})
    computed_at = Timestamptz(default=TimestamptzNow())


ALL_TABLES += (ComputedResult,)
UNIQUE_TOGETHER["computed_result"] = (("kind", "edition", "view"),)

"""What the API sends and takes: msgspec structs that are the OpenAPI document's schemas (never tables)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

import msgspec


class MeOut(msgspec.Struct):
    """The token's owner and what the token allows."""

    id: int
    email: str
    name: str
    scope: Literal["read", "write"]
    edition: str | None
    roles: dict[str, list[str]]


class ApplicationLineOut(msgspec.Struct):
    id: int
    status: str
    track: str | None
    entity_name: str
    receipt_number: str | None
    submitted_at: datetime | None
    updated_at: datetime | None


class ApplicationsPageOut(msgspec.Struct):
    """One page of applications; pass `next_cursor` as `cursor` for the next (null: no more)."""

    items: list[ApplicationLineOut]
    next_cursor: str | None


class AttachmentOut(msgspec.Struct):
    """A file's metadata; the file itself is downloaded from the organiser's page."""

    field: str
    filename: str
    content_type: str
    size_bytes: int


class ApplicationOut(msgspec.Struct):
    id: int
    status: str
    track: str
    area: str | None
    entity_name: str
    applicant_email: str
    applicant_name: str
    receipt_number: str | None
    submitted_at: datetime | None
    answers: dict[str, Any]
    attachments: list[AttachmentOut]


class OwnApplicationOut(msgspec.Struct):
    """An applicant's own application as their pages show it."""

    id: int
    status: str
    track: str
    receipt_number: str | None
    submitted_at: datetime | None
    answers: dict[str, Any]
    attachments: list[AttachmentOut]


class AdmissibilityIn(msgspec.Struct, forbid_unknown_fields=True):
    """The outcome for some submitted applications; a reason is required for not admissible (applicants read it)."""

    application_ids: list[int]
    outcome: Literal["admissible", "not_admissible"]
    reason: str = ""


class ChangedOut(msgspec.Struct):
    changed: int


class DecisionOut(msgspec.Struct):
    """One entry's place in the ranking, with its intervals, and the decision proposed and staged for it."""

    application_id: int
    rank: int | None
    score: float | None
    score_low: float | None
    score_high: float | None
    rank_low: int | None
    rank_high: int | None
    proposed: str
    decided: str
    reason: str
    basis: str


class DecisionsOut(msgspec.Struct):
    """A round's proposal with the staged decisions; `published_at` once they were published."""

    round: str
    positive: str
    negative: str
    staged: bool
    published_at: datetime | None
    decisions: list[DecisionOut]


class DecisionIn(msgspec.Struct, forbid_unknown_fields=True):
    application_id: int
    outcome: str
    reason: str = ""


class StageIn(msgspec.Struct, forbid_unknown_fields=True):
    """Decisions that differ from the proposal (each with a reason); every other entry is staged as proposed."""

    decisions: list[DecisionIn] = []


class AssignmentOut(msgspec.Struct):
    id: int
    round: str
    label: str
    status: str
    closes_at: datetime | None


class JurorAttachmentOut(msgspec.Struct):
    field: str
    content_type: str
    size_bytes: int


class TeamMemberOut(msgspec.Struct):
    full_name: str
    role: str


class OwnReviewOut(msgspec.Struct):
    values: dict[str, float | None]
    comments: dict[str, str]
    overall_comment: str
    feedback_to_applicant: str
    confidence: int | None
    version: int
    total: float | None
    submitted: bool


class EntryOut(msgspec.Struct):
    """An assigned entry as the juror's page shows it: in a blind round nothing says who the applicants are,
    and before the juror rules out a conflict nothing of the entry is shown."""

    assignment_id: int
    round: str
    blind: bool
    open: bool
    conflict_cleared: bool
    label: str
    entity_name: str
    answers: dict[str, Any]
    attachments: list[JurorAttachmentOut]
    team: list[TeamMemberOut]
    review: OwnReviewOut


class ReviewIn(msgspec.Struct, forbid_unknown_fields=True):
    """Scores by criterion code (null clears one); `submit` makes the review final if the sheet is complete."""

    values: dict[str, float | None] = {}
    comments: dict[str, str] = {}
    overall_comment: str | None = None
    feedback_to_applicant: str | None = None
    confidence: int | None = None
    submit: bool = False


class SavedOut(msgspec.Struct):
    submitted: bool
    version: int
    total: float | None


class PrizeOut(msgspec.Struct):
    code: str
    name: dict[str, str]
    kind: str
    amount_eur: float | None
    target: str


class SponsorOut(msgspec.Struct):
    """A sponsor's own place in the edition: its organisation and its prizes, nothing else."""

    organisation: str
    prizes: list[PrizeOut]


class AwardOut(msgspec.Struct):
    """A prize given (or proposed) to an entry, with the conditions the winner must meet."""

    id: int
    prize: str
    application_id: int
    entity_name: str
    status: str
    conditions: list[dict[str, Any]]


# -- an edition's structure ---------------------------------------------------------------------------------


class AnchorOut(msgspec.Struct):
    """A labelled point of a criterion's scale, as jurors see it beside the input."""

    value: float
    label: dict[str, str]


class CriterionOut(msgspec.Struct):
    """One scored aspect: its weight in the total (`counted` false: shown, not counted) and its scale."""

    code: str
    label: dict[str, str]
    weight: float
    min: float
    max: float
    step: float
    anchors: list[AnchorOut]
    threshold: float | None
    counted: bool
    required: bool


class RubricOut(msgspec.Struct):
    name: str
    label: dict[str, str]
    criteria: list[CriterionOut]


class RoundStructureOut(msgspec.Struct):
    """A round as set up; `rubric` is what it scores with now (null for a round without scores)."""

    code: str
    name: dict[str, str]
    kind: str
    workflow: str
    status: str
    opens_at: datetime | None
    closes_at: datetime | None
    blind: bool
    jurors_per_entry: int
    rubric: RubricOut | None


class TrackStructureOut(msgspec.Struct):
    code: str
    name: dict[str, str]


class AreaStructureOut(msgspec.Struct):
    code: str
    name: dict[str, str]
    regions: list[str]


class PrizeStructureOut(msgspec.Struct):
    """A prize as set up: who gives it, how many, which entries it targets and the winner's conditions."""

    code: str
    name: dict[str, str]
    kind: str
    sponsor: str | None
    amount_eur: float | None
    quantity: int
    target: dict[str, Any]
    conditions: list[str]


class EditionStructureOut(msgspec.Struct):
    """How an edition is built, for its organisers."""

    slug: str
    title: dict[str, str]
    year: int
    status: str
    time_zone: str
    tracks: list[TrackStructureOut]
    areas: list[AreaStructureOut]
    rounds: list[RoundStructureOut]
    prizes: list[PrizeStructureOut]


# -- a round's assignment -----------------------------------------------------------------------------------


class RoundAssignmentOut(msgspec.Struct):
    """A juror on an entry; `reviewed`: a review exists, so it can no longer be removed."""

    id: int
    application_id: int
    entry_label: str
    juror_id: int
    juror_name: str
    status: str
    origin: str
    reviewed: bool


class RoundJurorOut(msgspec.Struct):
    id: int
    name: str
    organisation: str
    tracks: list[str]
    load: int


class RoundEntryOut(msgspec.Struct):
    application_id: int
    label: str


class RoundAssignmentsOut(msgspec.Struct):
    """The round's assignment as the organiser's page shows it: the pairs, the jurors and the entries in play."""

    round: str
    jurors_per_entry: int
    assignments: list[RoundAssignmentOut]
    jurors: list[RoundJurorOut]
    entries: list[RoundEntryOut]


class AssignmentIn(msgspec.Struct, forbid_unknown_fields=True):
    """Put this juror on this entry by hand (refused for a conflict, a release or a duplicate)."""

    application_id: int
    juror_id: int


class CreatedOut(msgspec.Struct):
    id: int


# -- publication --------------------------------------------------------------------------------------------


class MailBatchOut(msgspec.Struct):
    outcome: str
    language: str
    count: int


class PublicationOut(msgspec.Struct):
    """What publishing would do now: pass `staged` and `fingerprint` back to publish exactly these decisions."""

    round: str
    scoring_closed: bool
    staged: int
    fingerprint: str
    can_publish: bool
    published_at: datetime | None
    missing_reviews: list[int]
    uncertain: list[int]
    mails: list[MailBatchOut]


class PublishIn(msgspec.Struct, forbid_unknown_fields=True):
    """The confirmation: the count and fingerprint of the staged decisions, as the publication check gave them."""

    expected_count: int
    expected_fingerprint: str


class PublishedOut(msgspec.Struct):
    published: int


# -- the audit log ------------------------------------------------------------------------------------------


class AuditEventOut(msgspec.Struct):
    id: int
    at: datetime
    actor: str
    action: str
    subject_type: str
    subject_id: str
    data: dict[str, Any]


class AuditPageOut(msgspec.Struct):
    """One page of audit events, oldest first; pass `next_cursor` as `cursor` for the next (null: no more)."""

    items: list[AuditEventOut]
    next_cursor: str | None


# -- mentoring ----------------------------------------------------------------------------------------------


class MatchOut(msgspec.Struct):
    id: int
    application_id: int
    startup: str
    mentor_id: int
    mentor: str
    status: str


class ActionItemOut(msgspec.Struct):
    text: str
    owner: str
    due_on: date | None
    done: bool


class SessionOut(msgspec.Struct):
    """A mentoring session; its notes, agenda and action items are for mentor and startup (empty for organisers)."""

    id: int
    match_id: int
    starts_at: datetime
    duration_minutes: int
    mode: str
    location: str
    agenda: str
    notes: str
    status: str
    attendance: dict[str, bool]
    action_items: list[ActionItemOut]


class PathMilestoneOut(msgspec.Struct):
    code: str
    name: dict[str, str]
    due_on: date | None
    status: str
    note: str
    comment: str
    filename: str
    submitted_at: datetime | None


class KpiPointOut(msgspec.Struct):
    period_end: date | None
    value: float
    note: str
    reported_at: datetime


class KpiOut(msgspec.Struct):
    code: str
    name: dict[str, str]
    unit: str
    baseline: float | None
    target: float | None
    values: list[KpiPointOut]


class PathOut(msgspec.Struct):
    """A startup's mentoring path; `role` is the reader's part in it: startup, mentor or organiser."""

    application_id: int
    label: str
    role: str
    match_status: str
    mentor: str
    sessions: list[SessionOut]
    milestones: list[PathMilestoneOut]
    kpis: list[KpiOut]


class KpiReportIn(msgspec.Struct, forbid_unknown_fields=True):
    """A value of an indicator for the period ending on `period_end` (not in the future)."""

    kpi: str
    period_end: date
    value: float
    note: str = ""

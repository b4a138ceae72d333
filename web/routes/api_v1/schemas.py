"""What the API sends and takes: msgspec structs that are the OpenAPI document's schemas (never tables)."""

from __future__ import annotations

from datetime import datetime
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

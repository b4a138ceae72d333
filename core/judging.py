"""The juror's work: assigned entries only, conflicts first, blind where the round says, rubric scoring.

Every function checks that the assignment is the juror's own (someone else's is "not found"),
that a conflict was ruled out before an entry opens, and that the round is open for scoring.
Two tabs saving one review never lose a criterion: a save changes only the criteria the person
changed, and a criterion changed in both places is reported, not overwritten.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import msgspec

from core import audit, db, files
from core.accounts import SessionUser
from core.application_form import sections_of
from core.competition_schema import SectionSpec
from core.db import json_value
from core.i18n import gettext as _
from core.plugins import active_registry
from core.rubrics import rubric_from_mapping, rubric_to_mapping
from core.tables import (
    Application,
    Assignment,
    Attachment,
    ConflictOfInterest,
    CriterionScore,
    Review,
    Round,
    TeamMember,
)
from scoring.rubric import Rubric, validate_sheet, value_error, weighted_total

CONFLICT_KINDS = ("personal", "financial", "organisational", "other")
SHOW_OTHERS = ("never", "after_own", "always")
# What a blind round never shows, whatever the form says: the entity and the people.
ALWAYS_IDENTIFYING = {"entity_name", "tax_code", "website", "members", "contact_email"}


class AssignmentNotFound(LookupError):
    """Not assigned to this juror, released, or missing: all look the same."""


class ScoringClosed(ValueError):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ConflictNotCleared(PermissionError):
    """The juror has not yet said whether they have a conflict with this entry."""


@dataclass(frozen=True)
class AssignmentLine:
    """One entry on a juror's list."""

    assignment_id: int
    round_code: str
    round_name: dict[str, str]
    edition_title: dict[str, str]
    label: str
    track: dict[str, str]
    status: str
    closes_at: datetime | None
    time_zone: str


@dataclass(frozen=True)
class RoundProgress:
    round_id: int
    juror_task: str
    round_code: str
    round_name: dict[str, str]
    edition_slug: str
    edition_title: dict[str, str]
    closes_at: datetime | None
    time_zone: str
    assigned: int
    started: int
    submitted: int
    lines: list[AssignmentLine]
    opens_at: datetime | None = None
    # "upcoming" before the round opens, "open", or "closed" after its deadline.
    state: str = "open"


@dataclass
class ReviewInput:
    """What the scoring form sent: values and comments per criterion, and what the form started from."""

    values: dict[str, str] = field(default_factory=dict)
    comments: dict[str, str] = field(default_factory=dict)
    original_values: dict[str, str] = field(default_factory=dict)
    original_comments: dict[str, str] = field(default_factory=dict)
    overall_comment: str | None = None
    feedback_to_applicant: str | None = None
    confidence: str | None = None
    version: int | None = None


@dataclass(frozen=True)
class OtherReview:
    label: str
    total: float | None
    values: dict[str, float | None]
    overall_comment: str


@dataclass
class ReviewPage:
    """Everything the juror's entry page shows, already filtered for a blind round."""

    assignment_id: int
    status: str
    conflict_cleared: bool
    juror_task: str
    round_code: str
    round_name: dict[str, str]
    edition_title: dict[str, str]
    blind: bool
    open: bool
    closes_at: datetime | None
    time_zone: str
    rubric: Rubric
    entry_label: str
    track: dict[str, str]
    sections: list[SectionSpec]
    answers: dict[str, Any]
    attachments: list[dict[str, Any]]
    team: list[dict[str, Any]]
    entity_name: str
    values: dict[str, float | None]
    comments: dict[str, str]
    overall_comment: str
    feedback_to_applicant: str
    confidence: int | None
    version: int
    total: float | None
    submitted: bool
    others: list[OtherReview] | None = None


@dataclass
class SaveOutcome:
    """What a save did: the errors per criterion, the criteria changed elsewhere, the new state."""

    errors: dict[str, str] = field(default_factory=dict)
    conflicts: dict[str, float | None] = field(default_factory=dict)
    submitted: bool = False
    version: int = 0
    total: float | None = None

    @property
    def ok(self) -> bool:
        return not self.errors and not self.conflicts


def entry_label(application_id: int) -> str:
    return _("Entry #{number}").format(number=application_id)


def _is_open(round_row: dict[str, Any], now: datetime) -> bool:
    opens, closes = round_row["opens_at"], round_row["closes_at"]
    return (opens is None or opens <= now) and (closes is None or now <= closes)


# -- the juror's list ------------------------------------------------------------------------------


async def juror_dashboard(*, juror: SessionUser, now: datetime | None = None) -> list[RoundProgress]:
    """The juror's rounds with their entries and how far along they are; one statement."""
    now = now or datetime.now(UTC)
    rows = await Assignment.select(
        Assignment.id, Assignment.status, Assignment.conflict_checked_at, Assignment.application,
        Assignment.round, Assignment.round.code, Assignment.round.name, Assignment.round.closes_at,
        Assignment.round.opens_at,
        Assignment.round.blind, Assignment.round.workflow, Assignment.round.edition.enabled_plugins,
        Assignment.round.edition.slug, Assignment.round.edition.title, Assignment.round.edition.time_zone,
        Assignment.application.title, Assignment.application.track.name,
    ).where(Assignment.juror == juror.id, Assignment.status != "recused").order_by(Assignment.round).order_by(
        Assignment.application)
    rounds: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for row in rows:
        rounds.setdefault((row["round.edition.slug"], row["round.code"]), []).append(row)
    result = []
    for (edition_slug, round_code), group in rounds.items():
        first = group[0]
        lines = [
            AssignmentLine(
                assignment_id=row["id"], round_code=round_code, round_name=json_value(row["round.name"]),
                edition_title=json_value(row["round.edition.title"]),
                label=entry_label(row["application"]) if row["round.blind"] or not row["application.title"]
                else f"{entry_label(row['application'])} – {row['application.title']}",
                track=json_value(row["application.track.name"]) or {},
                status=row["status"] if row["conflict_checked_at"] or row["status"] != "assigned" else "to_check",
                closes_at=row["round.closes_at"], time_zone=row["round.edition.time_zone"],
            )
            for row in group
        ]
        result.append(RoundProgress(
            round_id=first["round"], juror_task=juror_task(first["round.workflow"],
                                                           json_value(first["round.edition.enabled_plugins"])),
            round_code=round_code, round_name=json_value(first["round.name"]), edition_slug=edition_slug,
            edition_title=json_value(first["round.edition.title"]), closes_at=first["round.closes_at"],
            time_zone=first["round.edition.time_zone"], assigned=len(group),
            started=sum(r["status"] == "started" for r in group),
            submitted=sum(r["status"] == "submitted" for r in group), lines=lines,
            opens_at=first["round.opens_at"],
            state="upcoming" if first["round.opens_at"] and now < first["round.opens_at"]
            else "closed" if first["round.closes_at"] and now > first["round.closes_at"] else "open",
        ))
    return result


def juror_task(workflow: str, enabled: list[str] | None) -> str:
    """What the round's workflow asks jurors to do: score a rubric, fill a checklist, compare, rank."""
    definition = active_registry().workflows(enabled=enabled or []).get(workflow or "rubric")
    return definition.juror_task if definition else "rubric"


# -- one assignment ---------------------------------------------------------------------------------


async def _assignment(juror: SessionUser, assignment_id: int, *, lock: bool = False) -> dict[str, Any]:
    query = Assignment.select(
        Assignment.id, Assignment.status, Assignment.conflict_checked_at, Assignment.application,
        Assignment.round, Assignment.juror,
    ).where(Assignment.id == assignment_id, Assignment.juror == juror.id, Assignment.status != "recused")
    row = await (db.locked(query) if lock else query).first()
    if row is None:
        raise AssignmentNotFound(assignment_id)
    return row


async def _round(round_id: int) -> dict[str, Any]:
    return await Round.select(
        Round.id, Round.code, Round.name, Round.kind, Round.workflow, Round.blind, Round.opens_at, Round.closes_at,
        Round.rubric,
        Round.rubric_name, Round.settings, Round.edition, Round.edition.slug, Round.edition.title,
        Round.edition.time_zone, Round.edition.application_form, Round.edition.enabled_plugins,
    ).where(Round.id == round_id).first()


def round_rubric(round_row: dict[str, Any]) -> Rubric:
    """The round's frozen rubric if scoring started, else the one its plugin offers now."""
    frozen = json_value(round_row["rubric"]) or {}
    if frozen.get("criteria"):
        return rubric_from_mapping(frozen, name=frozen.get("name") or round_row["rubric_name"] or round_row["code"])
    rubric = active_registry().find_rubric(round_row["rubric_name"],
                                           enabled=json_value(round_row["edition.enabled_plugins"]) or [])
    if rubric is None:
        raise ScoringClosed(_("This round has no rubric yet; the organisers have been told."))
    return rubric


async def _freeze_rubric(round_row: dict[str, Any], rubric: Rubric) -> None:
    if not (json_value(round_row["rubric"]) or {}).get("criteria"):
        await Round.update({Round.rubric: rubric_to_mapping(rubric)}).where(Round.id == round_row["id"])


def _identifying(sections: list[SectionSpec]) -> set[str]:
    return ALWAYS_IDENTIFYING | {q.code for s in sections for q in s.questions if q.identifying}


async def review_page(*, juror: SessionUser, assignment_id: int, now: datetime | None = None) -> ReviewPage:
    now = now or datetime.now(UTC)
    assignment = await _assignment(juror, assignment_id)
    round_row = await _round(assignment["round"])
    rubric = round_rubric(round_row)
    blind = bool(round_row["blind"])
    sections = sections_of(json_value(round_row["edition.application_form"]))
    cleared = assignment["conflict_checked_at"] is not None
    application = await Application.select(
        Application.id, Application.entity_name, Application.answers, Application.track.name).where(
        Application.id == assignment["application"]).first()
    review = await Review.select().where(Review.assignment == assignment_id).first()
    scores = await CriterionScore.select(CriterionScore.criterion, CriterionScore.value, CriterionScore.comment).where(
        CriterionScore.review == review["id"]) if review else []
    hidden = _identifying(sections) if blind else set()
    answers = {}
    attachments: list[dict[str, Any]] = []
    team: list[dict[str, Any]] = []
    if cleared:
        stored = json_value(application["answers"]) or {}
        values = stored.get("values", stored) if isinstance(stored, dict) else {}
        answers = {code: value for code, value in values.items() if code not in hidden}
        attachments = [a for a in await Attachment.select(
            Attachment.id, Attachment.field, Attachment.content_type, Attachment.size_bytes).where(
            Attachment.application == assignment["application"]) if a["field"] not in hidden]
        if not blind:
            team = await TeamMember.select(TeamMember.full_name, TeamMember.role).where(
                TeamMember.application == assignment["application"]).order_by(TeamMember.position)
    submitted = bool(review and review["status"] == "submitted")
    page = ReviewPage(
        assignment_id=assignment_id, status=assignment["status"], conflict_cleared=cleared,
        juror_task=juror_task(round_row["workflow"], json_value(round_row["edition.enabled_plugins"])),
        round_code=round_row["code"], round_name=json_value(round_row["name"]),
        edition_title=json_value(round_row["edition.title"]), blind=blind, open=_is_open(round_row, now),
        closes_at=round_row["closes_at"], time_zone=round_row["edition.time_zone"], rubric=rubric,
        entry_label=entry_label(assignment["application"]), track=json_value(application["track.name"]) or {},
        sections=[_visible_section(s, hidden) for s in sections], answers=answers, attachments=attachments,
        team=team, entity_name="" if blind or not cleared else application["entity_name"],
        values={s["criterion"]: s["value"] for s in scores}, comments={s["criterion"]: s["comment"] for s in scores},
        overall_comment=review["overall_comment"] if review else "",
        feedback_to_applicant=review["feedback_to_applicant"] if review else "",
        confidence=review["confidence"] if review else None, version=review["version"] if review else 0,
        total=review["total"] if review else None, submitted=submitted,
    )
    policy = (json_value(round_row["settings"]) or {}).get("show_others", "after_own")
    if cleared and (policy == "always" or (policy == "after_own" and submitted)):
        page.others = await _other_reviews(round_row["id"], assignment["application"], assignment_id, rubric)
    return page


def _visible_section(spec: SectionSpec, hidden: set[str]) -> SectionSpec:
    return msgspec.structs.replace(spec, questions=[q for q in spec.questions if q.code not in hidden])


async def _other_reviews(round_id: int, application_id: int, own_assignment: int, rubric: Rubric) -> list[OtherReview]:
    """The panel's submitted reviews, labelled by position: jurors see scores, not each other's names."""
    reviews = await Review.select(Review.id, Review.total, Review.overall_comment).where(
        Review.assignment.round == round_id, Review.assignment.application == application_id,
        Review.assignment != own_assignment, Review.status == "submitted").order_by(Review.id)
    if not reviews:
        return []
    scores = await CriterionScore.select(CriterionScore.review, CriterionScore.criterion, CriterionScore.value).where(
        CriterionScore.review.is_in([r["id"] for r in reviews]))
    by_review: dict[int, dict[str, float | None]] = {}
    for score in scores:
        by_review.setdefault(score["review"], {})[score["criterion"]] = score["value"]
    return [OtherReview(label=_("Juror {letter}").format(letter=chr(ord("A") + index)), total=r["total"],
                        values=by_review.get(r["id"], {}), overall_comment=r["overall_comment"])
            for index, r in enumerate(reviews)]


async def assignment_attachment(*, settings, juror: SessionUser, assignment_id: int, field: str) -> files.Download:
    """A file of an assigned entry; in a blind round identifying files stay hidden and names are neutral."""
    assignment = await _assignment(juror, assignment_id)
    if assignment["conflict_checked_at"] is None:
        raise AssignmentNotFound(assignment_id)
    round_row = await _round(assignment["round"])
    blind = bool(round_row["blind"])
    if blind and field in _identifying(sections_of(json_value(round_row["edition.application_form"]))):
        raise AssignmentNotFound(assignment_id)
    row = await Attachment.select(Attachment.id).where(Attachment.application == assignment["application"],
                                                        Attachment.field == field).first()
    if row is None:
        raise AssignmentNotFound(assignment_id)
    found = await files.attachment_for_download(settings=settings, attachment_id=row["id"], user=juror,
                                                can_view=lambda **_: True)
    if blind:
        extension = found.download_name.rsplit(".", 1)[-1] if "." in found.download_name else "bin"
        found = dataclasses.replace(found, download_name=f"{field}.{extension}")
    return found


# -- conflicts --------------------------------------------------------------------------------------


async def declare_no_conflict(*, juror: SessionUser, assignment_id: int) -> None:
    async with db.write_transaction():
        assignment = await _assignment(juror, assignment_id, lock=True)
        if assignment["conflict_checked_at"] is None:
            await Assignment.update({Assignment.conflict_checked_at: datetime.now(UTC)}).where(
                Assignment.id == assignment_id)
            round_row = await Round.select(Round.edition).where(Round.id == assignment["round"]).first()
            await audit.record("conflict.none_declared", actor_id=juror.id, edition_id=round_row["edition"],
                               subject_type="assignment", subject_id=assignment_id)


async def declare_conflict(*, juror: SessionUser, assignment_id: int, kind: str, reason: str) -> None:
    """Release the assignment and leave a record; the assignment engine refills the place."""
    if kind not in CONFLICT_KINDS:
        raise ValueError(kind)
    async with db.write_transaction():
        assignment = await _assignment(juror, assignment_id, lock=True)
        if assignment["status"] == "submitted":
            raise ScoringClosed(_("This review was already submitted; ask the organisers to withdraw it."))
        round_row = await Round.select(Round.edition).where(Round.id == assignment["round"]).first()
        await Assignment.update({Assignment.status: "recused"}).where(Assignment.id == assignment_id)
        await ConflictOfInterest.insert(ConflictOfInterest(
            application=assignment["application"], juror=juror.id, round=assignment["round"], kind=kind,
            reason=reason.strip()[:2000], rule="declared", source="declared"))
        await audit.record("conflict.declared", actor_id=juror.id, edition_id=round_row["edition"],
                           subject_type="assignment", subject_id=assignment_id, data={"kind": kind})


# -- scoring ----------------------------------------------------------------------------------------


def _parse_value(raw: str) -> float | None:
    text = raw.strip().replace(",", ".")
    if not text:
        return None
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(raw)
    return value


async def save_review(*, juror: SessionUser, assignment_id: int, data: ReviewInput, submit: bool,
                      now: datetime | None = None) -> SaveOutcome:
    """Save a draft or submit; editable until the round closes, submitted or not."""
    now = now or datetime.now(UTC)
    outcome = SaveOutcome()
    async with db.write_transaction():
        assignment = await _assignment(juror, assignment_id, lock=True)
        if assignment["conflict_checked_at"] is None:
            raise ConflictNotCleared(assignment_id)
        round_row = await _round(assignment["round"])
        if not _is_open(round_row, now):
            raise ScoringClosed(_("Scoring for this round is closed."))
        rubric = round_rubric(round_row)
        review = await db.locked(Review.select().where(Review.assignment == assignment_id)).first()
        stored = {}
        stored_comments = {}
        if review:
            for score in await CriterionScore.select().where(CriterionScore.review == review["id"]):
                stored[score["criterion"]] = score["value"]
                stored_comments[score["criterion"]] = score["comment"]
        values = dict(stored)
        comments = dict(stored_comments)
        for criterion in rubric.criteria:
            code = criterion.code
            if code in data.values:
                try:
                    new = _parse_value(data.values[code])
                except ValueError:
                    outcome.errors[code] = _("Enter a number.")
                    continue
                try:
                    original = _parse_value(data.original_values.get(code, ""))
                except ValueError:
                    original = None
                if new != original or code not in stored:
                    if code in stored and stored[code] != original and stored[code] != new:
                        outcome.conflicts[code] = stored[code]  # changed here and elsewhere: keep theirs, say so
                        continue
                    if new is not None and (problem := value_error(criterion, new)):
                        outcome.errors[code] = _scale_message(criterion, problem)
                        continue
                    values[code] = new
            if code in data.comments:
                new_comment = data.comments[code].strip()
                original_comment = data.original_comments.get(code, "").strip()
                if new_comment != original_comment:
                    if stored_comments.get(code, "") not in (original_comment, new_comment):
                        outcome.conflicts.setdefault(code, stored.get(code))
                    else:
                        comments[code] = new_comment
        sheet = {code: value for code, value in values.items() if value is not None}
        if submit and not outcome.errors and not outcome.conflicts:
            for error in validate_sheet(rubric, sheet):
                outcome.errors[error.criterion] = _scale_message(rubric.criterion(error.criterion), error.reason)
        total = weighted_total(rubric, sheet) if not validate_sheet(rubric, sheet) else None
        confidence = None
        if data.confidence not in (None, ""):
            try:
                confidence = max(1, min(5, int(data.confidence)))
            except ValueError:
                outcome.errors["confidence"] = _("Choose a confidence from 1 to 5.")
        finalise = submit and outcome.ok
        review_values = {
            Review.total: total, Review.updated_at: now,
            Review.version: (review["version"] if review else 0) + 1,
        }
        if data.overall_comment is not None:
            review_values[Review.overall_comment] = data.overall_comment.strip()
        if data.feedback_to_applicant is not None:
            review_values[Review.feedback_to_applicant] = data.feedback_to_applicant.strip()
        if data.confidence is not None and "confidence" not in outcome.errors:
            review_values[Review.confidence] = confidence
        if finalise:
            review_values[Review.status] = "submitted"
            review_values[Review.submitted_at] = now
        if review is None:
            review_id = (await Review.insert(Review(assignment=assignment_id, version=0)))[0]["id"]
        else:
            review_id = review["id"]
        await Review.update(review_values).where(Review.id == review_id)
        changed = [code for code in set(values) | set(comments)
                   if values.get(code) != stored.get(code) or comments.get(code, "") != stored_comments.get(code, "")]
        if changed:
            await CriterionScore.delete().where(CriterionScore.review == review_id,
                                                CriterionScore.criterion.is_in(changed))
            await CriterionScore.insert(*(
                CriterionScore(review=review_id, criterion=code, value=values.get(code), comment=comments.get(code, ""))
                for code in changed))
        status = "submitted" if finalise or (review and review["status"] == "submitted") else "started"
        if status != assignment["status"]:
            await Assignment.update({Assignment.status: status}).where(Assignment.id == assignment_id)
        await _freeze_rubric(round_row, rubric)
        if finalise or (review and review["status"] == "submitted" and changed):
            await audit.record("review.submitted" if finalise and not (review and review["status"] == "submitted")
                               else "review.changed", actor_id=juror.id, edition_id=round_row["edition"],
                               subject_type="review", subject_id=review_id,
                               data={"total": total, "values": {k: v for k, v in values.items()}})
        outcome.submitted = status == "submitted"
        outcome.version = review_values[Review.version]
        outcome.total = total
    return outcome


def _scale_message(criterion, reason: str) -> str:
    if criterion is None:
        return reason
    if "missing" in reason:
        return _("Give a score from {low} to {high}.").format(low=f"{criterion.min:g}", high=f"{criterion.max:g}")
    if criterion.step > 0:
        return _("Give a score from {low} to {high} in steps of {step}.").format(
            low=f"{criterion.min:g}", high=f"{criterion.max:g}", step=f"{criterion.step:g}")
    return _("Give a score from {low} to {high}.").format(low=f"{criterion.min:g}", high=f"{criterion.max:g}")

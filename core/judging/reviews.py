"""The juror's work: assigned entries only, conflicts first, blind where the round says, rubric scoring.

Every function checks that the assignment is the juror's own (someone else's is "not found"),
that a conflict was ruled out before an entry opens, and that the round is open for scoring.
Two tabs saving one review never lose a criterion: a save changes only the criteria the person
changed, and a criterion changed in both places is reported, not overwritten.
"""

from __future__ import annotations

import dataclasses
import functools
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import msgspec

from core.applications import attachments as files
from core.applications.checklist import OUTCOMES, ChecklistInput, ChecklistItem, check_answers, checklist_items
from core.applications.form import stored_form
from core.editions.rubrics import rubric_from_mapping, rubric_to_mapping
from core.editions.schema import SectionSpec
from core.judging import clarifications, redaction, review_queries
from core.judging.assignments import APPEAL_ORIGIN
from core.judging.entry_reading import AnswerSection, answer_sections, file_labels
from core.judging.redaction import identifying_codes
from core.judging.review_sheet import CriterionField, criterion_fields
from core.judging.sheet_merge import ReviewInput, SheetMerge, merge_sheet, scale_message
from core.messaging import events
from core.platform import audit, db
from core.platform.db import decode_json
from core.platform.errors import NotFound, Refused
from core.platform.files_content import previewable
from core.platform.i18n import gettext as _
from core.platform.identity import SessionUser
from core.platform.tables import (
    Assignment,
    Attachment,
    ConflictOfInterest,
    ConsensusMessage,
    ConsensusThread,
    CriterionScore,
    Decision,
    LiveStage,
    Review,
    Round,
)
from core.plugin_api import WorkflowDefinition
from core.plugins import active_registry
from scoring.rubric import Rubric, validate_sheet, weighted_total

CONFLICT_KINDS = ("personal", "financial", "organisational", "other")
SHOW_OTHERS = ("never", "after_own", "always")
MAX_MESSAGE = 5000
# A review's status once its juror submits it, and the assignment's; an assignment with a draft review is started.
SUBMITTED, STARTED = "submitted", "started"


class AssignmentNotFound(NotFound):
    """Not assigned to this juror, released, or missing: all look the same."""


class ScoringClosed(Refused):
    """The review or check cannot change now (round closed, already submitted, no rubric); `message` says why."""


class RoundNotReady(LookupError):
    """A blind round whose entries still carry undecided identifying text: its jurors wait for the organisers."""


class ConflictNotCleared(NotFound):
    """The juror has not yet said whether they have a conflict with this entry: its form is not theirs yet."""


class DiscussionClosed(NotFound):
    """No consensus thread is open for this entry, or the juror has not submitted their own review yet."""


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
    # Open to this juror after the round closed: an upheld appeal sent the entry back for review.
    reopened: bool = False


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
    chair: bool = False
    opens_at: datetime | None = None
    # "upcoming" before the round opens, "open", or "closed" after its deadline; "reopened": closed, but some entry
    # is open to this juror again after an upheld appeal (its line says so).
    state: str = "open"
    # A blind round whose entries the organisers are still clearing of names: nothing opens yet.
    preparing: bool = False
    # A final run live: the juror scores it on the live page, pitch by pitch.
    live: bool = False


@dataclass(frozen=True)
class OtherReview:
    label: str
    total: float | None
    values: dict[str, float | None]
    overall_comment: str
    # The values in the rubric's order, one per column of the panel's table.
    in_order: tuple[float | None, ...] = ()


@dataclass(frozen=True)
class ThreadMessage:
    author: str
    own: bool
    body: str
    posted_at: datetime


@dataclass(frozen=True)
class Discussion:
    """A consensus thread as one reader sees it: authors by panel letter, never by name."""

    messages: list[ThreadMessage]
    consensus: float | None
    reason: str


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
    rubric: Rubric | None
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
    workflow: str = ""
    checklist_items: list[ChecklistItem] = field(default_factory=list)
    checklist: dict[str, dict[str, Any]] = field(default_factory=dict)
    outcome: str = ""
    discussion: Discussion | None = None
    # Questions to the applicant about this entry: the answers shown to its jurors, the juror's own on the way.
    clarifications: list[clarifications.JurorClarification] = field(default_factory=list)
    # The scoring form's criteria as shown (see `review_sheet`); empty for a checklist.
    criteria: list[CriterionField] = field(default_factory=list)
    # The entry's answers in words, section by section (see `entry_reading`).
    reading: list[AnswerSection] = field(default_factory=list)
    # Open after the round closed: an upheld appeal sent the entry back to this juror (`reopened_by_appeal`).
    appeal: bool = False

    @property
    def criterion_names(self) -> dict[str, str]:
        """Each criterion's name by code, for the summary of a refused save."""
        return {c.code: c.name for c in self.criteria}


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


async def reopened_by_appeal(assignment: dict[str, Any]) -> bool:
    """An upheld appeal sent the entry back to new jurors (core.results.appeals): their review stays open after the
    round closed, until the organisers confirm the round's decisions again."""
    if assignment.get("origin") != APPEAL_ORIGIN:
        return False
    return await Decision.exists().where(Decision.round == assignment["round"],
                                         Decision.application == assignment["application"],
                                         Decision.needs_review.eq(True))


def _is_open(round_row: dict[str, Any], now: datetime) -> bool:
    if round_row.get("status") == "closed":  # closed by the organiser, or by publishing the round's decisions
        return False
    opens, closes = round_row["opens_at"], round_row["closes_at"]
    return (opens is None or opens <= now) and (closes is None or now <= closes)


# -- the juror's list ------------------------------------------------------------------------------


async def juror_dashboard(*, juror: SessionUser, now: datetime | None = None) -> list[RoundProgress]:
    """The juror's rounds with their entries and how far along they are."""
    return (await juror_dashboard_and_rounds(juror=juror, now=now))[0]


async def juror_dashboard_and_rounds(*, juror: SessionUser, now: datetime | None = None,
                                     ) -> tuple[list[RoundProgress], dict[int, dict[str, Any]]]:
    """`juror_dashboard` with the round rows of the juror's assigned rounds by id (as `_round` reads them), so
    callers needing them do not read each again; three statements (and a gate per blind round)."""
    now = now or datetime.now(UTC)
    rows = await review_queries.dashboard_rows(juror.id)
    rounds: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for row in rows:
        rounds.setdefault((row["round.edition.slug"], row["round.code"]), []).append(row)
    result = []
    round_rows = await review_queries.rounds(sorted({row["round"] for row in rows}))
    live_rounds = {row["round"] for row in await LiveStage.select(LiveStage.round).where(
        LiveStage.round.is_in(sorted(round_rows)))} if rows else set()
    for (edition_slug, round_code), group in rounds.items():
        first = group[0]
        lines = [
            AssignmentLine(
                assignment_id=row["id"], round_code=round_code, round_name=row["round.name"],
                edition_title=row["round.edition.title"],
                label=entry_label(row["application"]) if row["round.blind"] or not row["application.title"]
                else f"{entry_label(row['application'])} – {row['application.title']}",
                track=row["application.track.name"] or {},
                status=row["status"] if row["conflict_checked_at"] or row["status"] != "assigned" else "to_check",
                closes_at=row["round.closes_at"], time_zone=row["round.edition.time_zone"],
                reopened=bool(row["reopened"]),
            )
            for row in group
        ]
        closed = bool(first["round.closes_at"] and now > first["round.closes_at"]) or first["round.status"] == "closed"
        result.append(RoundProgress(
            round_id=first["round"], juror_task=juror_task(first["round.workflow"],
                                                           first["round.edition.enabled_plugins"]),
            round_code=round_code, round_name=first["round.name"], edition_slug=edition_slug,
            edition_title=first["round.edition.title"], closes_at=first["round.closes_at"],
            time_zone=first["round.edition.time_zone"], assigned=len(group),
            started=sum(r["status"] == STARTED for r in group),
            submitted=sum(r["status"] == SUBMITTED for r in group), lines=lines,
            opens_at=first["round.opens_at"],
            state="upcoming" if first["round.opens_at"] and now < first["round.opens_at"]
            else ("reopened" if any(line.reopened for line in lines) else "closed") if closed else "open",
            preparing=bool(first["round.blind"]) and not (await redaction.round_gate(round_rows[first["round"]])).open,
            live=first["round"] in live_rounds,
        ))
    return await _with_chaired_rounds(juror, result), round_rows


async def _with_chaired_rounds(juror: SessionUser, rounds: list[RoundProgress]) -> list[RoundProgress]:
    """Mark the consensus rounds this juror chairs, adding those where no entry is assigned to them."""
    editions = [slug for slug, roles in juror.roles.items() if "juror" in roles]
    if not editions:
        return rounds
    chaired = [r for r in await review_queries.chaired_rounds(workflows=consensus_workflows(), edition_slugs=editions)
        if has_consensus_step(r["workflow"], r["edition.enabled_plugins"])
        and is_chair(juror, r["settings"] or {}, r["edition.slug"])]
    known = {r.round_id: index for index, r in enumerate(rounds)}
    for row in chaired:
        if row["id"] in known:
            rounds[known[row["id"]]] = dataclasses.replace(rounds[known[row["id"]]], chair=True)
        else:
            rounds.append(RoundProgress(
                round_id=row["id"], juror_task="rubric", round_code=row["code"], round_name=row["name"],
                edition_slug=row["edition.slug"], edition_title=row["edition.title"],
                closes_at=row["closes_at"], time_zone=row["edition.time_zone"], assigned=0, started=0, submitted=0,
                lines=[], chair=True))
    return rounds


def is_chair(user: SessionUser, settings: dict[str, Any], edition_slug: str) -> bool:
    """Named in the round's `chairs` (by account id or email) and a juror of the edition."""
    named = settings.get("chairs") or []
    if not isinstance(named, list) or not user.has_role("juror", edition_slug):
        return False
    return any((isinstance(c, int) and c == user.id) or (isinstance(c, str) and c.strip().lower() == user.email.lower())
               for c in named)


def round_workflow(workflow: str, enabled: list[str] | None) -> WorkflowDefinition | None:
    """The workflow a round names (`rubric` when it names none), among the edition's enabled plugins."""
    return active_registry().workflows(enabled=enabled or []).get(workflow or "rubric")


def juror_task(workflow: str, enabled: list[str] | None) -> str:
    """What the round's workflow asks jurors to do: score a rubric, fill a checklist, compare, rank."""
    definition = round_workflow(workflow, enabled)
    return definition.juror_task if definition else "rubric"


def has_consensus_step(workflow: str, enabled: list[str] | None) -> bool:
    """Whether the round's workflow has a panel chair and consensus threads after the independent reviews."""
    definition = round_workflow(workflow, enabled)
    return bool(definition and definition.has_consensus_step)


def consensus_workflows() -> list[str]:
    """Names of every loaded workflow with a consensus step, to find such rounds in one query."""
    return [name for name, w in active_registry().workflows().items() if w.has_consensus_step] or [""]


# -- one assignment ---------------------------------------------------------------------------------


ASSIGNMENT_SQL = (
    "SELECT id, status, conflict_checked_at, application, round, juror FROM assignment"
    " WHERE id = {} AND juror = {} AND status != 'recused'"
)


async def _assignment(juror: SessionUser, assignment_id: int, *, lock: bool = False) -> dict[str, Any]:
    # Plain SQL on the hot paths: building this query through Piccolo cost more than running it.
    sql = ASSIGNMENT_SQL + (" FOR UPDATE" if lock and not db.is_sqlite() else "")
    rows = await Assignment.raw(sql, assignment_id, juror.id)
    if not rows:
        raise AssignmentNotFound(assignment_id)
    return rows[0]


ROUND_SQL = review_queries.ROUND_SQL


async def _round(round_id: int) -> dict[str, Any]:
    rows = await Round.raw(ROUND_SQL, round_id)
    return decode_json(rows[0], *review_queries.ROUND_JSON) if rows else None


def round_rubric(round_row: dict[str, Any]) -> Rubric:
    """The round's frozen rubric if scoring started, else the one its plugin offers now."""
    frozen = frozen_rubric(round_row)
    if frozen is not None:
        return frozen
    rubric = active_registry().find_rubric(round_row["rubric_name"],
                                           enabled=round_row["edition.enabled_plugins"] or [])
    if rubric is None:
        raise ScoringClosed(_("This round has no rubric yet; the organisers have been told."))
    return rubric


def frozen_rubric(round_row: dict[str, Any]) -> Rubric | None:
    """The rubric frozen when scoring started, or None; the plain-SQL reads hand it as text (parsed once per
    distinct content), Piccolo's decoded."""
    stored = round_row["rubric"]
    fallback_name = round_row["rubric_name"] or round_row["code"]
    if isinstance(stored, str):
        return _frozen_rubric(stored, fallback_name)
    return _rubric_of(stored or {}, fallback_name)


def _rubric_of(frozen: dict[str, Any], fallback_name: str) -> Rubric | None:
    if not frozen.get("criteria"):
        return None
    return rubric_from_mapping(frozen, name=frozen.get("name") or fallback_name)


@functools.lru_cache(maxsize=64)
def _frozen_rubric(text: str, fallback_name: str) -> Rubric | None:
    """A frozen rubric's text parsed once per distinct content (a Rubric is immutable, so it is shared)."""
    return _rubric_of(json.loads(text) or {}, fallback_name)


async def _freeze_rubric(round_row: dict[str, Any], rubric: Rubric) -> None:
    if frozen_rubric(round_row) is None:
        await Round.update({Round.rubric: rubric_to_mapping(rubric)}).where(Round.id == round_row["id"])


def _identifying(sections: list[SectionSpec]) -> set[str]:
    return identifying_codes(sections)


async def require_ready(round_row: dict[str, Any]) -> None:
    """A blind round opens to its jurors only once no identifying text in its entries is left undecided."""
    if round_row["blind"] and not (await redaction.round_gate(round_row)).open:
        raise RoundNotReady(round_row["id"])


async def _require_ready_to_score(round_row: dict[str, Any]) -> None:
    try:
        await require_ready(round_row)
    except RoundNotReady:
        raise ScoringClosed(_("This blind round is not open yet: the organisers are removing names from the "
                              "entries.")) from None


identifying_fields = _identifying  # what a blind round hides, for the other juror pages (bids)


async def review_page(*, juror: SessionUser, assignment_id: int, now: datetime | None = None,
                      typed: ReviewInput | None = None) -> ReviewPage:
    """The juror's entry page; `typed` is what a refused save sent, shown back in the form instead of the stored."""
    return (await review_page_and_round(juror=juror, assignment_id=assignment_id, now=now, typed=typed))[0]


async def review_page_and_round(*, juror: SessionUser, assignment_id: int, now: datetime | None = None,
                                typed: ReviewInput | None = None) -> tuple[ReviewPage, dict[str, Any]]:
    """The entry page and the round row it was built from, so a caller needing the round reads it only once."""
    now = now or datetime.now(UTC)
    found = await review_queries.assignment_entry(assignment_id, juror.id)
    if found is None:
        raise AssignmentNotFound(assignment_id)
    assignment, round_row, application = found
    await require_ready(round_row)
    enabled = round_row["edition.enabled_plugins"]
    task = juror_task(round_row["workflow"], enabled)
    rubric = None if task == "checklist" else round_rubric(round_row)
    round_settings = round_row["settings"] or {}
    blind = bool(round_row["blind"])
    sections = stored_form(round_row["edition.application_form"])
    cleared = assignment["conflict_checked_at"] is not None
    hidden = _identifying(sections) if blind else set()
    own = _own_review(*assignment["own_review"])
    appeal = await reopened_by_appeal(assignment)
    page = ReviewPage(
        assignment_id=assignment_id, status=assignment["status"], conflict_cleared=cleared, juror_task=task,
        round_code=round_row["code"], round_name=round_row["name"],
        edition_title=round_row["edition.title"], blind=blind, open=appeal or _is_open(round_row, now),
        appeal=appeal, closes_at=round_row["closes_at"], time_zone=round_row["edition.time_zone"], rubric=rubric,
        entry_label=entry_label(assignment["application"]), track=application["track.name"] or {},
        sections=_visible_sections(sections, hidden),
        **(await _entry_content(application, hidden, blind=blind, sections=sections)
           if cleared else _NOTHING_SHOWN),
        **own, workflow=round_row["workflow"] or "",
        checklist_items=checklist_items(round_settings) if task == "checklist" else [],
    )
    page.reading = answer_sections(page.sections, page.answers)
    if rubric is not None:
        page.criteria = criterion_fields(rubric, values=page.values, comments=page.comments, typed=typed)
    if cleared:
        page.clarifications = clarifications.for_juror(application["clarifications"], juror_id=juror.id)
    policy = round_settings.get("show_others", "after_own")
    if rubric is not None and cleared and (policy == "always" or (policy == "after_own" and page.submitted)):
        page.others = await _other_reviews(round_row["id"], assignment["application"], assignment_id,
                                           codes=[c.code for c in rubric.criteria])
    if page.submitted and has_consensus_step(round_row["workflow"], enabled):
        page.discussion = await thread_for(round_id=round_row["id"], application_id=assignment["application"],
                                           reader_id=juror.id)
    return page, round_row


# Before a juror rules out a conflict, the entry's page shows nothing of it.
_NOTHING_SHOWN: dict[str, Any] = {"answers": {}, "attachments": [], "team": [], "entity_name": ""}


async def _entry_content(application: dict[str, Any], hidden: set[str], *, blind: bool,
                         sections: list[SectionSpec]) -> dict[str, Any]:
    """The entry's answers, files and team as the juror may see them: a blind round hides who they are, and its
    jurors read the answers as the organisers redacted them."""
    if blind:
        answers = (await redaction.blind_answers(application_ids=[application["id"]], sections=sections)).get(
            application["id"], {})
    else:
        stored = application["answers"] or {}
        values = stored.get("values", stored) if isinstance(stored, dict) else {}
        answers = {code: value for code, value in values.items() if code not in hidden}
    labels = file_labels(sections)
    attachments = [dict(a, label=labels.get(a["field"], ""), size_kb=round(a["size_bytes"] / 1024),
                        previewable=previewable(a["content_type"]))
                   for a in application["attachments"] if a["field"] not in hidden]
    team = [] if blind else application["team"]
    return {"answers": answers, "attachments": attachments, "team": team,
            "entity_name": "" if blind else application["entity_name"]}


def _own_review(review: dict[str, Any] | None, scores: list[dict[str, Any]]) -> dict[str, Any]:
    """The juror's own review as the page's fields: scores and comments, or a checklist; empty before the first save."""
    if review is None:
        return {"values": {}, "comments": {}, "overall_comment": "", "feedback_to_applicant": "", "confidence": None,
                "version": 0, "total": None, "submitted": False, "checklist": {}, "outcome": ""}
    checklist = review["checklist"] or {}
    return {"values": {s["criterion"]: s["value"] for s in scores},
            "comments": {s["criterion"]: s["comment"] for s in scores},
            "overall_comment": review["overall_comment"], "feedback_to_applicant": review["feedback_to_applicant"],
            "confidence": review["confidence"], "version": review["version"], "total": review["total"],
            "submitted": review["status"] == SUBMITTED, "checklist": dict(checklist.get("items") or {}),
            "outcome": checklist.get("outcome", "")}


def _visible_sections(sections: list[SectionSpec], hidden: set[str]) -> list[SectionSpec]:
    """The form as a juror sees it; the same form and hidden set give the same (immutable-by-use) specs."""
    if not hidden:
        return sections
    return [_visible_section(s, hidden) for s in sections]


def _visible_section(spec: SectionSpec, hidden: set[str]) -> SectionSpec:
    return msgspec.structs.replace(spec, questions=[q for q in spec.questions if q.code not in hidden])


async def panel_labels(round_id: int, application_id: int) -> dict[int, str]:
    """Juror A, B, C… by assignment order, the same for every reader, so no name is ever needed."""
    return (await panels_labels(round_id, [application_id])).get(application_id, {})


async def panels_labels(round_id: int, application_ids: list[int]) -> dict[int, dict[int, str]]:
    """`panel_labels` for several entries of a round in one query."""
    if not application_ids:
        return {}
    rows = await Assignment.select(Assignment.application, Assignment.juror).where(
        Assignment.round == round_id, Assignment.application.is_in(application_ids)).order_by(Assignment.id)
    labels: dict[int, dict[int, str]] = {}
    for row in rows:
        panel = labels.setdefault(row["application"], {})
        panel.setdefault(row["juror"], _("Juror {letter}").format(letter=chr(ord("A") + len(panel) % 26)))
    return labels


async def _other_reviews(round_id: int, application_id: int, own_assignment: int, *,
                         codes: list[str] | tuple[str, ...] = ()) -> list[OtherReview]:
    """The panel's submitted reviews, labelled by panel letter: jurors see scores, not each other's names."""
    reviews = await Review.select(Review.id, Review.total, Review.overall_comment, Review.assignment.juror).where(
        Review.assignment.round == round_id, Review.assignment.application == application_id,
        Review.assignment != own_assignment, Review.assignment.status != "recused",
        Review.status == SUBMITTED).order_by(Review.assignment)
    if not reviews:
        return []
    labels = await panel_labels(round_id, application_id)
    scores = await CriterionScore.select(CriterionScore.review, CriterionScore.criterion, CriterionScore.value).where(
        CriterionScore.review.is_in([r["id"] for r in reviews]))
    by_review: dict[int, dict[str, float | None]] = {}
    for score in scores:
        by_review.setdefault(score["review"], {})[score["criterion"]] = score["value"]
    return [OtherReview(label=labels.get(r["assignment.juror"], _("Juror")), total=r["total"],
                        values=by_review.get(r["id"], {}), overall_comment=r["overall_comment"],
                        in_order=tuple(by_review.get(r["id"], {}).get(code) for code in codes))
            for r in reviews]


async def thread_for(*, round_id: int, application_id: int, reader_id: int) -> Discussion | None:
    """The entry's consensus thread for one reader, or None when no thread was opened."""
    thread = await ConsensusThread.select().output(load_json=True).where(ConsensusThread.round == round_id,
                                                  ConsensusThread.application == application_id).first()
    if thread is None:
        return None
    labels = await panel_labels(round_id, application_id)
    rows = await ConsensusMessage.select(ConsensusMessage.author, ConsensusMessage.by_chair, ConsensusMessage.body,
                                         ConsensusMessage.posted_at).where(
        ConsensusMessage.thread == thread["id"]).order_by(ConsensusMessage.id)
    messages = [ThreadMessage(
        author=_("Panel chair") if m["by_chair"] else labels.get(m["author"], _("A former member of the panel")),
        own=m["author"] == reader_id, body=m["body"], posted_at=m["posted_at"]) for m in rows]
    return Discussion(messages=messages, consensus=thread["score"], reason=thread["reason"])


async def assignment_attachment(*, settings, juror: SessionUser, assignment_id: int, field: str) -> files.Download:
    """A file of an assigned entry; in a blind round identifying files stay hidden and names are neutral."""
    assignment = await _assignment(juror, assignment_id)
    if assignment["conflict_checked_at"] is None:
        raise AssignmentNotFound(assignment_id)
    round_row = await _round(assignment["round"])
    await require_ready(round_row)
    blind = bool(round_row["blind"])
    if blind and field in _identifying(stored_form(round_row["edition.application_form"])):
        raise AssignmentNotFound(assignment_id)
    row = await Attachment.select(Attachment.id).where(Attachment.application == assignment["application"],
                                                        Attachment.field == field).first()
    if row is None:
        raise AssignmentNotFound(assignment_id)
    # In a blind round the cleaned copy, or nothing (FileWithheld) when none could be made.
    found = await files.attachment_for_download(settings=settings, attachment_id=row["id"], user=juror,
                                                can_view=lambda **_: True, blind=blind)
    if blind:
        extension = found.download_name.rsplit(".", 1)[-1] if "." in found.download_name else "bin"
        found = dataclasses.replace(found, download_name=f"{field}.{extension}")
    return found


# -- conflicts --------------------------------------------------------------------------------------


async def declare_no_conflict(*, juror: SessionUser, assignment_id: int) -> None:
    """The juror has no conflict with the entry, which opens to them; not before a blind round is cleared of names."""
    async with db.write_transaction():
        assignment = await _assignment(juror, assignment_id, lock=True)
        if assignment["conflict_checked_at"] is None:
            round_row = await _round(assignment["round"])
            await require_ready(round_row)
            await Assignment.update({Assignment.conflict_checked_at: datetime.now(UTC)}).where(
                Assignment.id == assignment_id)
            await audit.record("conflict.none_declared", actor_id=juror.id, edition_id=round_row["edition"],
                               subject_type="assignment", subject_id=assignment_id)


async def declare_conflict(*, juror: SessionUser, assignment_id: int, kind: str, reason: str) -> None:
    """Release the assignment and leave a record; the assignment engine refills the place."""
    if kind not in CONFLICT_KINDS:
        raise ValueError(kind)
    async with db.write_transaction():
        assignment = await _assignment(juror, assignment_id, lock=True)
        if assignment["status"] == SUBMITTED:
            raise ScoringClosed(_("This review was already submitted; ask the organisers to withdraw it."))
        round_row = await Round.select(Round.edition).where(Round.id == assignment["round"]).first()
        await Assignment.update({Assignment.status: "recused"}).where(Assignment.id == assignment_id)
        await ConflictOfInterest.insert(ConflictOfInterest(
            application=assignment["application"], juror=juror.id, round=assignment["round"], kind=kind,
            reason=reason.strip()[:2000], rule="declared", source="declared"))
        await audit.record("conflict.declared", actor_id=juror.id, edition_id=round_row["edition"],
                           subject_type="assignment", subject_id=assignment_id, data={"kind": kind})


# -- scoring ----------------------------------------------------------------------------------------


async def _scoring_assignment(juror: SessionUser, assignment_id: int, now: datetime) -> tuple[dict, dict]:
    """The juror's own cleared assignment in an open rubric round, locked, with its round (one statement)."""
    found = await review_queries.assignment_round(assignment_id, juror.id, lock=True)
    if found is None:
        raise AssignmentNotFound(assignment_id)
    assignment, round_row = found
    if assignment["conflict_checked_at"] is None:
        raise ConflictNotCleared(assignment_id)
    if juror_task(round_row["workflow"], round_row["edition.enabled_plugins"]) == "checklist":
        raise AssignmentNotFound(assignment_id)  # a checklist is saved by save_checklist, never scored
    if await reopened_by_appeal(assignment):
        pass  # the round closed, but this entry came back for review after an appeal
    elif round_row["status"] == "closed":
        raise ScoringClosed(_("The organisers have closed scoring for this round: your review can no longer be "
                              "changed. Ask them to reopen scoring if it must."))
    elif not _is_open(round_row, now):
        raise ScoringClosed(_("Scoring for this round is closed."))
    await _require_ready_to_score(round_row)
    return assignment, round_row


def _confidence(raw: str | None, errors: dict[str, str]) -> tuple[bool, int | None]:
    """Whether to store a confidence, and which: not when the form sent none, or one that is not 1 to 5."""
    if raw is None:
        return False, None
    if raw == "":
        return True, None
    try:
        return True, max(1, min(5, int(raw)))
    except ValueError:
        errors["confidence"] = _("Choose a confidence from 1 to 5.")
        return False, None


def _review_columns(data: ReviewInput, review: dict | None, *, total: float | None,
                    confidence: tuple[bool, int | None], finalise: bool, now: datetime) -> dict:
    columns = {Review.total: total, Review.updated_at: now, Review.version: (review["version"] if review else 0) + 1}
    if data.overall_comment is not None:
        columns[Review.overall_comment] = data.overall_comment.strip()
    if data.feedback_to_applicant is not None:
        columns[Review.feedback_to_applicant] = data.feedback_to_applicant.strip()
    if confidence[0]:
        columns[Review.confidence] = confidence[1]
    if finalise:
        columns[Review.status] = SUBMITTED
        columns[Review.submitted_at] = now
    return columns


async def _write_scores(review_id: int, merged: SheetMerge, changed: list[str]) -> None:
    """Only the changed criteria are rewritten, so another tab's save of other criteria stands."""
    if changed:
        await CriterionScore.delete().where(CriterionScore.review == review_id,
                                            CriterionScore.criterion.is_in(changed))
        await CriterionScore.insert(*(
            CriterionScore(review=review_id, criterion=code, value=merged.values.get(code),
                           comment=merged.comments.get(code, ""))
            for code in changed))


async def save_review(*, juror: SessionUser, assignment_id: int, data: ReviewInput, submit: bool,
                      now: datetime | None = None) -> SaveOutcome:
    """Save a draft or submit; editable until the round closes, submitted or not."""
    now = now or datetime.now(UTC)
    async with db.write_transaction():
        assignment, round_row = await _scoring_assignment(juror, assignment_id, now)
        rubric = round_rubric(round_row)
        review, scores = await review_queries.own_review(assignment_id, lock=True)
        was_submitted = bool(review and review["status"] == SUBMITTED)
        stored = {score["criterion"]: score["value"] for score in scores}
        stored_comments = {score["criterion"]: score["comment"] for score in scores}
        merged = merge_sheet(rubric, stored_values=stored, stored_comments=stored_comments, sent=data)
        outcome = SaveOutcome(errors=merged.errors, conflicts=merged.conflicts)
        sheet = {code: value for code, value in merged.values.items() if value is not None}
        if submit and not outcome.errors and not outcome.conflicts:
            for error in validate_sheet(rubric, sheet):
                outcome.errors[error.criterion] = scale_message(rubric.criterion(error.criterion), error.reason)
        total = weighted_total(rubric, sheet) if not validate_sheet(rubric, sheet) else None
        confidence = _confidence(data.confidence, outcome.errors)
        finalise = submit and outcome.ok
        columns = _review_columns(data, review, total=total, confidence=confidence, finalise=finalise, now=now)
        if review is None:
            review_id = (await Review.insert(Review(assignment=assignment_id, version=0)))[0]["id"]
        else:
            review_id = review["id"]
        await Review.update(columns).where(Review.id == review_id)
        changed = merged.changed(stored, stored_comments)
        await _write_scores(review_id, merged, changed)
        status = SUBMITTED if finalise or was_submitted else STARTED
        if status != assignment["status"]:
            await Assignment.update({Assignment.status: status}).where(Assignment.id == assignment_id)
        await _freeze_rubric(round_row, rubric)
        first_submission = finalise and not was_submitted
        if finalise or (was_submitted and changed):
            await audit.record("review.submitted" if first_submission else "review.changed",
                               actor_id=juror.id, edition_id=round_row["edition"], subject_type="review",
                               subject_id=review_id, data={"total": total, "values": dict(merged.values)})
        if first_submission:
            await _emit_review_submitted(round_row, assignment, review_id, now)
        outcome.submitted = status == SUBMITTED
        outcome.version = columns[Review.version]
        outcome.total = total
    return outcome


async def _emit_review_submitted(round_row: dict[str, Any], assignment: dict[str, Any], review_id: int,
                                 now: datetime) -> None:
    # Which entry and round, never who reviewed it nor the scores.
    await events.emit("review.submitted", edition_id=round_row["edition"], subject_type="review",
                      subject_id=review_id, data={"round": round_row["code"], "application": assignment["application"]},
                      at=now)


# -- the admissibility checklist --------------------------------------------------------------------


@dataclass
class ChecklistSave:
    """What a checklist save did: errors by item (or "outcome"), whether another tab saved first, the new state."""

    errors: dict[str, str] = field(default_factory=dict)
    stale: bool = False
    submitted: bool = False
    version: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors and not self.stale


async def save_checklist(*, juror: SessionUser, assignment_id: int, data: ChecklistInput, submit: bool,
                         now: datetime | None = None) -> ChecklistSave:
    """Save a draft or submit the checklist; a refused answer stores nothing, so the form can keep every answer.

    Once submitted, every save is checked as a submission: a submitted checklist stays complete.
    """
    now = now or datetime.now(UTC)
    outcome = ChecklistSave()
    async with db.write_transaction():
        assignment = await _assignment(juror, assignment_id, lock=True)
        if assignment["conflict_checked_at"] is None:
            raise ConflictNotCleared(assignment_id)
        round_row = await _round(assignment["round"])
        if juror_task(round_row["workflow"], round_row["edition.enabled_plugins"]) != "checklist":
            raise AssignmentNotFound(assignment_id)
        if not _is_open(round_row, now):
            raise ScoringClosed(_("The check for this round is closed."))
        await _require_ready_to_score(round_row)
        review = await db.locked(Review.select().output(load_json=True).where(
            Review.assignment == assignment_id)).first()
        was_submitted = bool(review and review["status"] == SUBMITTED)
        if review and data.version is not None and review["version"] != data.version:
            outcome.stale = True
            return outcome
        items = checklist_items(round_row["settings"] or {})
        answers, outcome.errors = check_answers(items, data, submit=submit or was_submitted)
        if outcome.errors:
            return outcome
        finalise = submit and not was_submitted
        chosen = data.outcome if data.outcome in OUTCOMES else ""
        values = {Review.checklist: {"items": answers, "outcome": chosen}, Review.updated_at: now,
                  Review.version: (review["version"] if review else 0) + 1}
        if data.overall_comment is not None:
            values[Review.overall_comment] = data.overall_comment.strip()
        if finalise:
            values[Review.status] = SUBMITTED
            values[Review.submitted_at] = now
        if review is None:
            review_id = (await Review.insert(Review(assignment=assignment_id, version=0)))[0]["id"]
        else:
            review_id = review["id"]
        await Review.update(values).where(Review.id == review_id)
        status = SUBMITTED if finalise or was_submitted else STARTED
        if status != assignment["status"]:
            await Assignment.update({Assignment.status: status}).where(Assignment.id == assignment_id)
        if finalise or was_submitted:
            await audit.record("checklist.submitted" if finalise else "checklist.changed", actor_id=juror.id,
                               edition_id=round_row["edition"], subject_type="review", subject_id=review_id,
                               data={"outcome": chosen,
                                     "failed": sorted(code for code, a in answers.items() if a["passed"] is False)})
        if finalise:
            await _emit_review_submitted(round_row, assignment, review_id, now)
        outcome.submitted = status == SUBMITTED
        outcome.version = values[Review.version]
    return outcome


# -- the consensus thread, as a juror of the entry takes part ---------------------------------------


class MessageRefused(Refused):
    """A discussion message that cannot be posted (empty or too long); `message` says why."""


def message_text(body: str) -> str:
    """A message as stored: trimmed, not empty, not longer than a long email."""
    text = body.strip()
    if not text:
        raise MessageRefused(_("Write a message first."))
    if len(text) > MAX_MESSAGE:
        raise MessageRefused(_("A message can have at most {count} characters.").format(count=MAX_MESSAGE))
    return text


async def post_discussion_message(*, juror: SessionUser, assignment_id: int, body: str) -> None:
    """A juror's message in the entry's consensus thread: only once the chair opened it and their review is in."""
    text = message_text(body)
    async with db.write_transaction():
        assignment = await _assignment(juror, assignment_id)
        review = await Review.select(Review.status).where(Review.assignment == assignment_id).first()
        round_row = await Round.select(Round.workflow, Round.edition, Round.edition.enabled_plugins).output(
            load_json=True).where(Round.id == assignment["round"]).first()
        thread = await ConsensusThread.select(ConsensusThread.id).where(
            ConsensusThread.round == assignment["round"],
            ConsensusThread.application == assignment["application"]).first()
        if (not has_consensus_step(round_row["workflow"], round_row["edition.enabled_plugins"])
                or not review or review["status"] != SUBMITTED or thread is None):
            raise DiscussionClosed(assignment_id)
        message_id = (await ConsensusMessage.insert(ConsensusMessage(
            thread=thread["id"], author=juror.id, by_chair=False, body=text)))[0]["id"]
        await audit.record("consensus.message_posted", actor_id=juror.id, edition_id=round_row["edition"],
                           subject_type="consensus_message", subject_id=message_id,
                           data={"thread": thread["id"], "as": "juror"})

"""Clarifications during a round: a juror asks the applicant a question, an organiser approves (or edits, or
declines) it, the applicant answers by a deadline, and every juror of the entry reads the answer.

Blind both ways: the applicant never learns who asked (no juror's name reaches their pages or mails), and in a
blind round jurors read the answer only once it is cleared of names: the suggestions of
`core.platform.identifying` for the entry are reviewed by an organiser first, as for the entry's answers.
Every step is audited.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from core.applications.form import stored_form
from core.editions import access
from core.judging import redaction, review_queries
from core.messaging import mail
from core.messaging.organiser_notices import TO_APPROVE, TO_CLEAR, mail_organisers
from core.platform import audit, db
from core.platform.errors import NotFound, Refused
from core.platform.i18n import gettext as _
from core.platform.i18n import pick
from core.platform.identifying import Hit, find_identifying, redact, segments
from core.platform.identity import SessionUser
from core.platform.tables import Application, Clarification, Edition, Round

ASKED, DECLINED, SENT, ANSWERED, SHOWN = "asked", "declined", "sent", "answered", "shown"
STATUSES = (ASKED, DECLINED, SENT, ANSWERED, SHOWN)
MAX_QUESTION = 2000
MAX_ANSWER = 5000
MAX_REASON = 2000
DEFAULT_DAYS, MAX_DAYS = 7, 60
ACTIONS = ("redact", "keep")


class ClarificationNotFound(NotFound):
    """No such clarification, or not this person's to see."""


class ClarificationRefused(Refused):
    """The rules refuse this step now (an empty question, a passed deadline…); `message` says why."""


def _text(value: str, *, limit: int, empty: str) -> str:
    text = (value or "").replace("\r\n", "\n").strip()
    if not text:
        raise ClarificationRefused(empty)
    if len(text) > limit:
        raise ClarificationRefused(_("A text can have at most {count} characters.").format(count=limit))
    return text


# -- the juror ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class JurorClarification:
    """A question about the entry as a juror of it reads it: the answer once shown, their own pending questions."""

    id: int
    question: str
    status: str
    own: bool
    answer: str
    due_at: datetime | None
    decline_reason: str


async def ask_clarification(*, juror: SessionUser, assignment_id: int, question: str, base_url: str = "") -> int:
    """The juror's question to the applicant of an assigned entry; it waits for an organiser's approval (the
    organisers are mailed)."""
    text = _text(question, limit=MAX_QUESTION, empty=_("Write your question to the applicant."))
    async with db.write_transaction():
        found = await review_queries.assignment_entry(assignment_id, juror.id)
        if found is None:
            raise ClarificationNotFound(assignment_id)
        assignment, round_row, _application = found
        if assignment["conflict_checked_at"] is None:
            raise ClarificationNotFound(assignment_id)
        if round_row.get("status") == "closed":
            raise ClarificationRefused(_("Scoring is closed for this round: questions can no longer be asked."))
        clarification_id = (await Clarification.insert(Clarification(
            round=round_row["id"], application=assignment["application"], asked_by=juror.id, question=text,
            question_sent="", status=ASKED)))[0]["id"]
        await audit.record("clarification.asked", actor_id=juror.id, edition_id=round_row["edition"],
                           subject_type="clarification", subject_id=clarification_id,
                           data={"round": round_row["code"], "entry": assignment["application"]})
        await mail_organisers(template=TO_APPROVE, round_id=round_row["id"], application_id=assignment["application"],
                              base_url=base_url)
    return clarification_id


def for_juror(rows: list[dict[str, Any]], *, juror_id: int) -> list[JurorClarification]:
    """What a juror of the entry reads of its questions (`rows`, as the entry's read gives them): every shown
    answer, and their own questions still on the way."""
    out = []
    for row in rows:
        own = row["asked_by"] == juror_id
        if row["status"] != SHOWN and not own:
            continue
        out.append(JurorClarification(
            id=row["id"], question=row["question_sent"] or row["question"], status=row["status"], own=own,
            answer=row["answer_shown"] if row["status"] == SHOWN else "", due_at=row["due_at"],
            decline_reason=row["decline_reason"] if own else ""))
    return out


# -- the applicant ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ApplicantClarification:
    """A question of the jury as the applicant reads it: never who asked."""

    id: int
    round_name: dict[str, str]
    question: str
    due_at: datetime | None
    answer: str
    answered_at: datetime | None
    can_answer: bool
    overdue: bool


async def _own_application(user: SessionUser, application_id: int) -> dict[str, Any]:
    row = await Application.select(Application.id, Application.edition, Application.applicant,
                                   Application.edition.time_zone).where(Application.id == application_id).first()
    if row is None or row["applicant"] != user.id:
        raise ClarificationNotFound(application_id)
    return row


async def applicant_clarifications(*, user: SessionUser, application_id: int,
                                   now: datetime | None = None) -> list[ApplicantClarification]:
    """The questions of the jury an organiser approved for this application, with their answers."""
    now = now or datetime.now(UTC)
    await _own_application(user, application_id)
    rows = await Clarification.select(
        Clarification.id, Clarification.round.name, Clarification.question_sent, Clarification.due_at,
        Clarification.answer, Clarification.answered_at, Clarification.status,
    ).output(load_json=True).where(Clarification.application == application_id,
                                    Clarification.status.is_in([SENT, ANSWERED, SHOWN])).order_by(Clarification.id)
    return [ApplicantClarification(
        id=r["id"], round_name=r["round.name"] or {}, question=r["question_sent"], due_at=r["due_at"],
        answer=r["answer"], answered_at=r["answered_at"],
        can_answer=r["status"] == SENT and (r["due_at"] is None or now <= r["due_at"]),
        overdue=r["status"] == SENT and r["due_at"] is not None and now > r["due_at"]) for r in rows]


async def _hits(round_id: int, application_id: int, text: str) -> list[Hit]:
    """What in `text` could name the entry, by the same rules as its answers in a blind round."""
    form = await Round.select(Round.edition.application_form).where(Round.id == round_id).first()
    sections = stored_form((form or {}).get("edition.application_form") or [])
    identity = await redaction.entry_identity(application_id=application_id, sections=sections)
    return find_identifying(text, identity)


async def answer_clarification(*, user: SessionUser, application_id: int, clarification_id: int, answer: str,
                               now: datetime | None = None, base_url: str = "") -> str:
    """The applicant's answer, by the deadline; returns the status it leaves: shown to the jurors, or (in a blind
    round, when it may name the entry) waiting for an organiser to clear it, and the organisers are mailed."""
    now = now or datetime.now(UTC)
    text = _text(answer, limit=MAX_ANSWER, empty=_("Write your answer."))
    async with db.write_transaction():
        application = await _own_application(user, application_id)
        row = await Clarification.select(
            Clarification.id, Clarification.due_at, Clarification.round, Clarification.round.blind,
            Clarification.round.code,
        ).where(Clarification.id == clarification_id, Clarification.application == application_id,
                Clarification.status.is_in([SENT, ANSWERED, SHOWN])).first()
        if row is None:
            raise ClarificationNotFound(clarification_id)
        row["status"] = await _locked_status(clarification_id)
        if row["status"] != SENT:
            raise ClarificationRefused(_("This question has already been answered."))
        if row["due_at"] is not None and now > row["due_at"]:
            raise ClarificationRefused(_("The deadline for this answer has passed."))
        hits = await _hits(row["round"], application_id, text) if row["round.blind"] else []
        status = ANSWERED if hits else SHOWN
        await Clarification.update({
            Clarification.answer: text, Clarification.answered_at: now, Clarification.status: status,
            Clarification.answer_shown: "" if hits else text, Clarification.shown_at: None if hits else now,
        }).where(Clarification.id == clarification_id)
        await audit.record("clarification.answered", actor_id=user.id, edition_id=application["edition"],
                           subject_type="clarification", subject_id=clarification_id,
                           data={"round": row["round.code"], "entry": application_id, "suggestions": len(hits)})
        if status == ANSWERED:
            await mail_organisers(template=TO_CLEAR, round_id=row["round"], application_id=application_id,
                                  base_url=base_url)
    return status


# -- the organiser ------------------------------------------------------------------------------------


@dataclass
class QueueItem:
    """A clarification as an organiser of the edition sees it: who asked, what, and where it stands."""

    id: int
    round_id: int
    round_code: str
    round_name: dict[str, str]
    blind: bool
    application_id: int
    entry_title: str
    juror: str
    question: str
    question_sent: str
    status: str
    due_at: datetime | None
    answer: str
    answer_shown: str
    decline_reason: str
    created_at: datetime
    suggestions: list[Hit] = field(default_factory=list)

    @property
    def segments(self) -> list[tuple[str, Hit | None]]:
        return segments(self.answer, self.suggestions)

    @property
    def keys(self) -> list[Hit]:
        seen: dict[str, Hit] = {}
        for hit in self.suggestions:
            seen.setdefault(hit.key, hit)
        return list(seen.values())


QUEUE_COLUMNS = (
    Clarification.id, Clarification.round, Clarification.round.code, Clarification.round.name,
    Clarification.round.blind,
    Clarification.application, Clarification.application.title, Clarification.asked_by.display_name,
    Clarification.asked_by.email, Clarification.question, Clarification.question_sent, Clarification.status,
    Clarification.due_at, Clarification.answer, Clarification.answer_shown, Clarification.decline_reason,
    Clarification.created_at,
)


def _item(r: dict[str, Any]) -> QueueItem:
    return QueueItem(
        id=r["id"], round_id=r["round"], round_code=r["round.code"], round_name=r["round.name"] or {},
        blind=bool(r["round.blind"]),
        application_id=r["application"], entry_title=r["application.title"] or "",
        juror=r["asked_by.display_name"] or r["asked_by.email"] or _("A former juror"), question=r["question"],
        question_sent=r["question_sent"], status=r["status"], due_at=r["due_at"], answer=r["answer"],
        answer_shown=r["answer_shown"], decline_reason=r["decline_reason"], created_at=r["created_at"])


async def edition_clarifications(*, edition_id: int) -> list[QueueItem]:
    """Every clarification of the edition, newest first; a blind round's answers waiting for review carry their
    suggestions. The caller has checked that the reader organises the edition."""
    rows = await Clarification.select(*QUEUE_COLUMNS).output(load_json=True).where(
        Clarification.round.edition == edition_id).order_by(Clarification.id, ascending=False)
    items = [_item(r) for r in rows]
    for item in items:
        if item.status == ANSWERED:
            item.suggestions = await _hits(item.round_id, item.application_id, item.answer)
    return items


async def _organised(actor: SessionUser, edition_slug: str, clarification_id: int) -> dict[str, Any]:
    """The clarification, locked for the transaction, if `actor` organises its edition."""
    try:
        edition = await access.edition_for_organiser(actor=actor, edition_slug=edition_slug)
    except access.EditionNotFound:
        raise ClarificationNotFound(clarification_id) from None
    row = await Clarification.select(
        Clarification.id, Clarification.round, Clarification.round.code, Clarification.round.name,
        Clarification.application, Clarification.answer, Clarification.question,
    ).output(load_json=True).where(Clarification.id == clarification_id,
                                   Clarification.round.edition == edition.id).first()
    if row is None:
        raise ClarificationNotFound(clarification_id)
    row["edition"] = edition.id
    row["status"] = await _locked_status(clarification_id)
    return row


async def _locked_status(clarification_id: int) -> str:
    """The clarification's status, its row locked for the transaction (a plain select: PostgreSQL locks no
    outer join)."""
    row = await db.locked(Clarification.select(Clarification.status).where(
        Clarification.id == clarification_id)).first()
    return row["status"]


async def approve_clarification(*, actor: SessionUser, edition_slug: str, clarification_id: int, question: str,
                                days: int, base_url: str, now: datetime | None = None) -> None:
    """Send the question (as the organiser left it) to the applicant, who answers within `days` days."""
    now = now or datetime.now(UTC)
    text = _text(question, limit=MAX_QUESTION, empty=_("The question cannot be empty."))
    if not 1 <= days <= MAX_DAYS:
        raise ClarificationRefused(_("Give the applicant from 1 to {count} days to answer.").format(count=MAX_DAYS))
    due_at = now + timedelta(days=days)
    async with db.write_transaction():
        row = await _organised(actor, edition_slug, clarification_id)
        if row["status"] != ASKED:
            raise ClarificationRefused(_("This question has already been dealt with."))
        await Clarification.update({
            Clarification.status: SENT, Clarification.question_sent: text, Clarification.reviewed_by: actor.id,
            Clarification.reviewed_at: now, Clarification.due_at: due_at,
        }).where(Clarification.id == clarification_id)
        applicant = await Application.select(
            Application.applicant.email, Application.applicant.locale, Application.applicant.display_name,
        ).where(Application.id == row["application"]).first()
        edition = await Edition.select(Edition.title, Edition.time_zone).output(load_json=True).where(
            Edition.id == row["edition"]).first()
        if applicant and applicant["applicant.email"]:
            language = applicant["applicant.locale"] or "it"
            # Only the question and its deadline: nothing says which juror asked.
            await mail.enqueue_mail(
                to=applicant["applicant.email"], template="clarification/asked", language=language,
                kind="clarification/asked", edition_slug=edition_slug, context={
                    "name": applicant["applicant.display_name"], "edition_title": pick(edition["title"], language),
                    "round_name": pick(row["round.name"] or {}, language), "question": text, "due_at": due_at,
                    "time_zone": edition["time_zone"],
                    "status_link": mail.absolute_url(base_url, f"/applications/{row['application']}#clarifications"),
                })
        await audit.record("clarification.approved", actor_id=actor.id, edition_id=row["edition"],
                           subject_type="clarification", subject_id=clarification_id,
                           data={"round": row["round.code"], "entry": row["application"],
                                 "edited": text != row["question"], "until": due_at.isoformat()})


async def decline_clarification(*, actor: SessionUser, edition_slug: str, clarification_id: int,
                                reason: str) -> None:
    """The question does not go to the applicant; the juror who asked reads why."""
    text = _text(reason, limit=MAX_REASON, empty=_("Write why the question is declined; the juror reads it."))
    async with db.write_transaction():
        row = await _organised(actor, edition_slug, clarification_id)
        if row["status"] != ASKED:
            raise ClarificationRefused(_("This question has already been dealt with."))
        await Clarification.update({
            Clarification.status: DECLINED, Clarification.decline_reason: text, Clarification.reviewed_by: actor.id,
            Clarification.reviewed_at: datetime.now(UTC),
        }).where(Clarification.id == clarification_id)
        await audit.record("clarification.declined", actor_id=actor.id, edition_id=row["edition"],
                           subject_type="clarification", subject_id=clarification_id,
                           data={"round": row["round.code"], "entry": row["application"], "reason": text})


async def show_answer(*, actor: SessionUser, edition_slug: str, clarification_id: int,
                      decisions: dict[str, str]) -> str:
    """Show a blind round's answer to the jurors with each suggestion redacted or kept as the organiser decided
    (a suggestion left undecided is redacted); returns the copy jurors read."""
    async with db.write_transaction():
        row = await _organised(actor, edition_slug, clarification_id)
        if row["status"] != ANSWERED:
            raise ClarificationRefused(_("This answer is not waiting for a review."))
        hits = await _hits(row["round"], row["application"], row["answer"])
        decided = {hit.key: decisions.get(hit.key) if decisions.get(hit.key) in ACTIONS else "redact"
                   for hit in hits}
        shown = redact(row["answer"], [hit for hit in hits if decided[hit.key] == "redact"])
        now = datetime.now(UTC)
        await Clarification.update({
            Clarification.status: SHOWN, Clarification.answer_shown: shown,
            Clarification.answer_decisions: decided, Clarification.shown_at: now,
        }).where(Clarification.id == clarification_id)
        await audit.record("clarification.answer_shown", actor_id=actor.id, edition_id=row["edition"],
                           subject_type="clarification", subject_id=clarification_id,
                           data={"round": row["round.code"], "entry": row["application"],
                                 "redacted": sum(1 for a in decided.values() if a == "redact"),
                                 "kept": sum(1 for a in decided.values() if a == "keep")})
    return shown


__all__ = [
    "ApplicantClarification",
    "ClarificationNotFound",
    "ClarificationRefused",
    "JurorClarification",
    "QueueItem",
    "answer_clarification",
    "applicant_clarifications",
    "approve_clarification",
    "ask_clarification",
    "decline_clarification",
    "edition_clarifications",
    "for_juror",
    "show_answer",
]

"""Feedback to every applicant of a judged round, rejected ones included, once its organisers release it.

Per criterion, an applicant reads where their entry stands in its track as a band (a quarter of the track,
ranked on scores calibrated criterion by criterion by the round's own method), the rubric's words for their
mean, and the comments jurors wrote for them. Nothing else: no other entry's score, no juror's name, no order
that follows the jurors, and no band in a track too small to keep the others anonymous.

Organisers preview any entry's feedback exactly as its applicant will read it, edit or withhold a comment with
a reason (audited; the juror's own words stay in the review), and release the whole round's feedback in one
step, which mails every applicant in their language.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np

from core.editions.access import edition_for_organiser
from core.messaging import mail
from core.platform import audit, db, i18n
from core.platform.errors import NotFound, Refused
from core.platform.i18n import format_decimal, pick
from core.platform.i18n import gettext as _
from core.platform.identity import SessionUser
from core.platform.settings import Settings
from core.platform.tables import (
    Application,
    Decision,
    Edition,
    FeedbackComment,
    FeedbackRelease,
    Review,
    Round,
)
from core.results.rounds import gather_round
from scoring.feedback_bands import (
    BOTTOM_QUARTER,
    LOWER_MIDDLE,
    MIN_ENTRIES_FOR_BANDS,
    TOP_QUARTER,
    UPPER_MIDDLE,
    bands_within_groups,
    calibrated_scores,
    entry_means,
    matching_anchor,
)
from scoring.normalise import DEFAULT_METHOD


def N_(message: str) -> str:
    """Mark a message for extraction; it is translated where it is shown."""
    return message


BAND_LABELS = {
    TOP_QUARTER: N_("Top quarter of the track"),
    UPPER_MIDDLE: N_("Upper middle of the track"),
    LOWER_MIDDLE: N_("Lower middle of the track"),
    BOTTOM_QUARTER: N_("Bottom quarter of the track"),
}
# The same words the applicant's overview uses for each outcome.
OUTCOME_LABELS = {
    "admissible": N_("admissible"), "not_admissible": N_("not admissible"),
    "advanced": N_("advanced to the next round"), "not_advanced": N_("not advanced"), "finalist": N_("finalist"),
    "winner": N_("winner"), "not_winner": N_("not among the winners"),
}
MAIL_TEMPLATE = "feedback/released"


class FeedbackNotFound(NotFound):
    """No feedback of this entry in this round for this person: not theirs, not judged, or not released yet."""


class FeedbackRefused(Refused):
    """The round's feedback cannot be released now (decisions unpublished, or released already)."""


class CommentInvalid(Refused):
    """An edit of a comment the form must show again: `errors` by field name."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(next(iter(errors.values())))
        self.errors = errors


@dataclass(frozen=True)
class CriterionFeedback:
    """One criterion as the applicant reads it; `band` None where the track is too small or nothing was scored."""

    code: str
    label: dict[str, str]
    band: str | None
    anchor: dict[str, str] | None
    mean: float | None
    scale_min: float
    scale_max: float


@dataclass(frozen=True)
class SharedComment:
    text: str
    edited: bool


@dataclass(frozen=True)
class EntryFeedback:
    """Everything an applicant reads about one round, and nothing about anyone else."""

    application_id: int
    title: str
    entity_name: str
    edition_title: dict[str, str]
    round_code: str
    round_name: dict[str, str]
    track_name: dict[str, str]
    outcome: str
    overall_band: str | None
    criteria: tuple[CriterionFeedback, ...]
    comments: tuple[SharedComment, ...]
    small_track: bool
    minimum: int
    released_at: datetime | None


# -- computing ------------------------------------------------------------------------------------------------


async def _round_row(edition_id: int, round_code: str) -> dict[str, Any] | None:
    return await Round.select(
        Round.id, Round.code, Round.name, Round.kind, Round.workflow, Round.rubric, Round.rubric_name,
        Round.normalisation, Round.settings, Round.advancement, Round.edition, Round.edition.slug,
        Round.edition.enabled_plugins, Round.edition.title,
    ).output(load_json=True).where(Round.edition == edition_id, Round.code == round_code).first()


def _calibrated(records, *, method: str, tracks) -> dict:
    try:
        return calibrated_scores(records, method=method, tracks=tracks)
    except (ValueError, np.linalg.LinAlgError):
        # Too few reviews for the round's model on this criterion: the jurors' plain means still rank the track.
        return calibrated_scores(records, method="none")


async def _comments(round_id: int, application_id: int) -> list[dict[str, Any]]:
    """The comments written for the applicant in this round, each with the organiser's edit if there is one."""
    reviews = await Review.select(Review.id, Review.feedback_to_applicant).where(
        Review.assignment.round == round_id, Review.assignment.application == application_id,
        Review.assignment.status != "recused", Review.status == "submitted", Review.feedback_to_applicant != "",
    ).order_by(Review.id)
    edits = {e["review"]: e for e in await FeedbackComment.select().where(
        FeedbackComment.review.is_in([r["id"] for r in reviews]))} if reviews else {}
    return [{"review": r["id"], "original": r["feedback_to_applicant"], "edit": edits.get(r["id"])} for r in reviews]


def _shared(comments: list[dict[str, Any]]) -> tuple[SharedComment, ...]:
    shown = []
    for comment in comments:
        edit = comment["edit"]
        if edit is not None and edit["withheld"]:
            continue
        text = edit["text"] if edit is not None else comment["original"]
        shown.append(SharedComment(text=text, edited=edit is not None and text != comment["original"]))
    # In the order of their words, not of the reviews: the order must not tell jurors apart.
    return tuple(sorted(shown, key=lambda c: (c.text.casefold(), c.text)))


async def _compute(round_row: dict[str, Any], application_id: int, outcome: str,
                   released_at: datetime | None) -> EntryFeedback:
    data, entries = await gather_round(round_row)
    if data.rubric is None or application_id not in entries:
        raise FeedbackNotFound(application_id)
    submitted = [r for r in data.reviews if r.status == "submitted"]
    method = data.settings.get("normalisation") or DEFAULT_METHOD
    tracks = dict(data.groups) if data.settings.get("by_group") else None
    groups = dict(data.groups)
    own_track = groups.get(application_id)
    criteria = []
    for criterion in data.rubric.criteria:
        records = [(r.entry, r.juror, float(r.values[criterion.code])) for r in submitted
                   if r.values.get(criterion.code) is not None]
        bands = bands_within_groups(_calibrated(records, method=method, tracks=tracks), groups)
        mean = entry_means(records).get(application_id)
        anchor = matching_anchor(criterion, mean)
        criteria.append(CriterionFeedback(
            code=criterion.code, label=criterion.label, band=bands.get(application_id),
            anchor=anchor.label if anchor else None, mean=mean, scale_min=criterion.min, scale_max=criterion.max))
    totals = [(r.entry, r.juror, float(r.total)) for r in submitted if r.total is not None]
    overall = bands_within_groups(_calibrated(totals, method=method, tracks=tracks), groups)
    scored_in_track = {e for e, _j, _v in totals if groups.get(e) == own_track}
    entry = entries[application_id]
    return EntryFeedback(
        application_id=application_id, title=entry.title, entity_name=entry.entity_name,
        edition_title=round_row["edition.title"] or {}, round_code=round_row["code"],
        round_name=round_row["name"] or {}, track_name=entry.track, outcome=outcome,
        overall_band=overall.get(application_id), criteria=tuple(criteria),
        comments=_shared(await _comments(round_row["id"], application_id)),
        small_track=len(scored_in_track) < MIN_ENTRIES_FOR_BANDS, minimum=MIN_ENTRIES_FOR_BANDS,
        released_at=released_at)


async def _released_at(round_id: int) -> datetime | None:
    row = await FeedbackRelease.select(FeedbackRelease.released_at).where(FeedbackRelease.round == round_id).first()
    return row["released_at"] if row else None


# -- the applicant ----------------------------------------------------------------------------------------------


async def applicant_feedback(*, user: SessionUser, application_id: int, round_code: str) -> EntryFeedback:
    """The applicant's own feedback of a round, once its decisions are published and its feedback released."""
    application = await Application.select(Application.applicant, Application.edition).where(
        Application.id == application_id).first()
    if application is None or application["applicant"] != user.id:
        raise FeedbackNotFound(application_id)
    round_row = await _round_row(application["edition"], round_code)
    if round_row is None:
        raise FeedbackNotFound(round_code)
    released_at = await _released_at(round_row["id"])
    decision = await Decision.select(Decision.outcome).where(
        Decision.round == round_row["id"], Decision.application == application_id,
        Decision.published_at.is_not_null()).first()
    if released_at is None or decision is None:
        raise FeedbackNotFound(round_code)
    return await _compute(round_row, application_id, decision["outcome"], released_at)


# -- the organiser ------------------------------------------------------------------------------------------------


async def _organiser_round(actor: SessionUser, edition_slug: str, round_code: str) -> dict[str, Any]:
    edition = await edition_for_organiser(actor=actor, edition_slug=edition_slug)
    round_row = await _round_row(edition.id, round_code)
    if round_row is None or not (round_row["rubric_name"] or round_row["rubric"]):
        raise FeedbackNotFound(round_code)
    return round_row


@dataclass(frozen=True)
class RoundFeedbackRow:
    application_id: int
    title: str
    entity_name: str
    track_name: dict[str, str]
    outcome: str
    published: bool
    comments: int
    edited: int
    withheld: int


@dataclass(frozen=True)
class RoundFeedback:
    """The organiser's view of a round's feedback: each entry with a decision, and whether it is released."""

    round_code: str
    round_name: dict[str, str]
    released_at: datetime | None
    unpublished: int
    rows: tuple[RoundFeedbackRow, ...]

    @property
    def published(self) -> int:
        return sum(1 for r in self.rows if r.published)

    @property
    def releasable(self) -> bool:
        return self.released_at is None and self.unpublished == 0 and self.published > 0


async def round_feedback(*, actor: SessionUser, edition_slug: str, round_code: str) -> RoundFeedback:
    round_row = await _organiser_round(actor, edition_slug, round_code)
    decisions = await Decision.select(
        Decision.application, Decision.outcome, Decision.published_at, Decision.application.title,
        Decision.application.entity_name, Decision.application.track.name,
    ).output(load_json=True).where(Decision.round == round_row["id"]).order_by(Decision.application.entity_name,
                                                                              Decision.application)
    reviews = await Review.select(Review.id, Review.assignment.application).where(
        Review.assignment.round == round_row["id"], Review.assignment.status != "recused",
        Review.status == "submitted", Review.feedback_to_applicant != "")
    edits = {e["review"]: e["withheld"] for e in await FeedbackComment.select(
        FeedbackComment.review, FeedbackComment.withheld).where(
        FeedbackComment.review.is_in([r["id"] for r in reviews]))} if reviews else {}
    counts: dict[int, list[int]] = {}
    for review in reviews:
        tally = counts.setdefault(review["assignment.application"], [0, 0, 0])
        tally[0] += 1
        if review["id"] in edits:
            tally[2 if edits[review["id"]] else 1] += 1
    rows = tuple(RoundFeedbackRow(
        application_id=d["application"], title=d["application.title"], entity_name=d["application.entity_name"],
        track_name=d["application.track.name"] or {}, outcome=d["outcome"], published=d["published_at"] is not None,
        comments=counts.get(d["application"], [0, 0, 0])[0], edited=counts.get(d["application"], [0, 0, 0])[1],
        withheld=counts.get(d["application"], [0, 0, 0])[2]) for d in decisions)
    return RoundFeedback(round_code=round_row["code"], round_name=round_row["name"] or {},
                         released_at=await _released_at(round_row["id"]),
                         unpublished=sum(1 for r in rows if not r.published), rows=rows)


@dataclass(frozen=True)
class ModeratedComment:
    """A comment as the juror wrote it and as the applicant will read it, for the organiser."""

    review_id: int
    original: str
    text: str
    withheld: bool
    reason: str
    edited: bool


@dataclass(frozen=True)
class FeedbackPreview:
    feedback: EntryFeedback
    comments: tuple[ModeratedComment, ...]


async def preview_feedback(*, actor: SessionUser, edition_slug: str, round_code: str,
                           application_id: int) -> FeedbackPreview:
    """Exactly what the applicant reads (or will read once released), with each comment's original beside it."""
    round_row = await _organiser_round(actor, edition_slug, round_code)
    decision = await Decision.select(Decision.outcome).where(
        Decision.round == round_row["id"], Decision.application == application_id).first()
    if decision is None:
        raise FeedbackNotFound(application_id)
    feedback = await _compute(round_row, application_id, decision["outcome"], await _released_at(round_row["id"]))
    comments = tuple(
        ModeratedComment(review_id=c["review"], original=c["original"],
                         text=c["edit"]["text"] if c["edit"] else c["original"],
                         withheld=bool(c["edit"] and c["edit"]["withheld"]),
                         reason=c["edit"]["reason"] if c["edit"] else "", edited=c["edit"] is not None)
        for c in await _comments(round_row["id"], application_id))
    return FeedbackPreview(feedback=feedback, comments=comments)


MAX_COMMENT = 5000
MAX_REASON = 500


async def moderate_comment(*, actor: SessionUser, edition_slug: str, round_code: str, application_id: int,
                           review_id: int, text: str, withheld: bool, reason: str) -> None:
    """Edit or withhold one comment to the applicant, with the reason; the review keeps the juror's words.
    Giving back the juror's words, shown, removes the edit (still audited)."""
    round_row = await _organiser_round(actor, edition_slug, round_code)
    text, reason = text.strip(), reason.strip()
    errors = {}
    if not withheld and not text:
        errors["text"] = _("Write the comment the applicant should read, or withhold it.")
    if len(text) > MAX_COMMENT:
        errors["text"] = _("The comment is too long: {count} characters at most.").format(count=MAX_COMMENT)
    if not reason:
        errors["reason"] = _("Give the reason for the change: it is kept in the audit log.")
    elif len(reason) > MAX_REASON:
        errors["reason"] = _("The reason is too long: {count} characters at most.").format(count=MAX_REASON)
    async with db.write_transaction():
        review = await Review.select(Review.id, Review.feedback_to_applicant).where(
            Review.id == review_id, Review.assignment.round == round_row["id"],
            Review.assignment.application == application_id, Review.status == "submitted",
            Review.feedback_to_applicant != "").first()
        if review is None:
            raise FeedbackNotFound(review_id)
        if errors:
            raise CommentInvalid(errors)
        restored = not withheld and text == review["feedback_to_applicant"]
        await FeedbackComment.delete().where(FeedbackComment.review == review_id)
        if not restored:
            await FeedbackComment.insert(FeedbackComment(
                review=review_id, text="" if withheld else text, withheld=withheld, reason=reason,
                edited_by=actor.id, edited_at=datetime.now(UTC)))
        action = ("feedback.comment_restored" if restored else
                  "feedback.comment_withheld" if withheld else "feedback.comment_edited")
        await audit.record(action, actor_id=actor.id, edition_id=round_row["edition"], subject_type="review",
                           subject_id=review_id,
                           data={"round": round_code, "application": application_id,
                                 "original": review["feedback_to_applicant"],
                                 "text": "" if withheld else text, "reason": reason})


@dataclass(frozen=True)
class ReleaseCheck:
    """What releasing the round's feedback will do: how many applicants are mailed, in which languages."""

    round: RoundFeedback
    by_language: tuple[tuple[str, int], ...]


async def _recipients(round_id: int) -> list[dict[str, Any]]:
    return await Decision.select(
        Decision.application, Decision.application.applicant.email, Decision.application.applicant.locale,
        Decision.application.applicant.display_name,
    ).where(Decision.round == round_id, Decision.published_at.is_not_null()).order_by(Decision.application)


async def release_check(*, actor: SessionUser, edition_slug: str, round_code: str) -> ReleaseCheck:
    summary = await round_feedback(actor=actor, edition_slug=edition_slug, round_code=round_code)
    round_row = await _organiser_round(actor, edition_slug, round_code)
    languages: dict[str, int] = {}
    for person in await _recipients(round_row["id"]):
        if person["application.applicant.email"]:
            language = person["application.applicant.locale"] or "it"
            languages[language] = languages.get(language, 0) + 1
    return ReleaseCheck(round=summary, by_language=tuple(sorted(languages.items())))


async def release_feedback(*, actor: SessionUser, edition_slug: str, round_code: str, settings: Settings,
                           now: datetime | None = None) -> int:
    """Release the round's feedback to every applicant with a published decision and mail each in their language;
    returns how many were mailed."""
    round_row = await _organiser_round(actor, edition_slug, round_code)
    now = now or datetime.now(UTC)
    edition = await Edition.select(Edition.title, Edition.slug).output(load_json=True).where(
        Edition.id == round_row["edition"]).first()
    async with db.write_transaction():
        if await FeedbackRelease.exists().where(FeedbackRelease.round == round_row["id"]):
            raise FeedbackRefused(_("The feedback of this round is already released."))
        if await Decision.exists().where(Decision.round == round_row["id"], Decision.published_at.is_null()):
            raise FeedbackRefused(_("Publish the round's decisions before releasing its feedback."))
        recipients = await _recipients(round_row["id"])
        if not recipients:
            raise FeedbackRefused(_("This round has no published decisions: there is no feedback to release."))
        await FeedbackRelease.insert(FeedbackRelease(round=round_row["id"], released_by=actor.id, released_at=now))
        mailed = 0
        for person in recipients:
            if not person["application.applicant.email"]:
                continue
            language = person["application.applicant.locale"] or "it"
            await mail.enqueue(mail.MailRequest(
                to=person["application.applicant.email"], template=MAIL_TEMPLATE, language=language,
                kind="feedback.released", edition_slug=edition["slug"],
                context={"name": person["application.applicant.display_name"],
                         "edition_title": pick(edition["title"] or {}, language),
                         "round_name": pick(round_row["name"] or {}, language),
                         "feedback_link": mail.absolute_url(
                             settings.base_url,
                             f"/applications/{person['application']}/feedback/{round_row['code']}")}))
            mailed += 1
        await audit.record("feedback.released", actor_id=actor.id, edition_id=round_row["edition"],
                           subject_type="round", subject_id=round_row["id"],
                           data={"round": round_code, "recipients": mailed})
    return mailed


# -- the PDF ------------------------------------------------------------------------------------------------------


def feedback_pdf(feedback: EntryFeedback, *, language: str) -> bytes:
    """The feedback page as an A4 document in the reader's language: the same words, nothing more."""
    from core.platform.documents.pdf import PdfDocument  # fpdf and matplotlib's fonts: only for a PDF

    with i18n.language(language):
        title = _("Jury feedback: {round}").format(round=pick(feedback.round_name, language))
        subtitle = " · ".join(part for part in (
            pick(feedback.edition_title, language), feedback.entity_name, feedback.title,
            pick(feedback.track_name, language)) if part)
        document = PdfDocument(title=title, subtitle=subtitle, language=language,
                               footer=_("Giuria — feedback to the applicant"))
        outcome = OUTCOME_LABELS.get(feedback.outcome)
        if outcome:
            document.paragraph(_("Outcome of the round: {outcome}").format(outcome=_(outcome)))
        if feedback.small_track:
            document.paragraph(_("Your track had fewer than {count} scored entries in this round: to keep every "
                                 "entry anonymous, no band is shown.").format(count=feedback.minimum), italic=True)
        elif feedback.overall_band:
            document.paragraph(_("Overall: {band}").format(band=_(BAND_LABELS[feedback.overall_band])))
        document.heading(_("Criterion by criterion"))
        document.table(
            columns=[_("Criterion"), _("Where you stand"), _("Your mean score"), _("What the rubric says")],
            rows=[[pick(c.label, language),
                   _(BAND_LABELS[c.band]) if c.band else "—",
                   _("{mean} of {max}").format(mean=format_decimal(c.mean, 1), max=format_decimal(c.scale_max, 0))
                   if c.mean is not None else "—",
                   pick(c.anchor, language) if c.anchor else "—"] for c in feedback.criteria],
            widths=[56, 52, 28, 54], size=9)
        document.heading(_("Comments from the jury"))
        if feedback.comments:
            for comment in feedback.comments:
                document.paragraph("– " + comment.text)
        else:
            document.paragraph(_("The jurors left no comment for you in this round."), italic=True)
        document.paragraph(_("Bands compare your entry only with the other entries of its track in this round, "
                             "on scores adjusted for how strict or lenient each juror was. No other entry's score "
                             "and no juror's name is shared."), size=8, italic=True)
        return document.output()

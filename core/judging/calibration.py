"""Live juror calibration in an online-jury round: reference entries, feedback to jurors while they judge, and
drift for the organisers.

Reference entries are real entries of the round with agreed scores per criterion (typed by the organiser, or the
mean of a calibration panel's reviews that the organiser confirms). Every juror of the round gets one or two of
them first in their list, and nothing tells a juror which they are. Feedback compares a juror with the other
jurors of the same entries and with the agreed scores, per criterion, in whole blocks of reviews so that a change
never isolates one entry; it never names anyone nor shows an entry's other scores. Drift follows each juror's gap
from the other jurors over the order of their reviews. The maths is in `scoring.juror_feedback` and
`scoring.drift`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from core.judging import assignments as assignment_service
from core.judging import review_queries
from core.judging.progress import RoundNotFound
from core.judging.review_queries import decode_json
from core.judging.reviews import (
    ROUND_SQL,
    ReviewPage,
    RoundProgress,
    ScoringClosed,
    juror_dashboard_and_rounds,
    review_page_and_round,
    round_rubric,
)
from core.messaging.mail import absolute_url, enqueue_mail
from core.platform import audit, db, i18n
from core.platform.errors import Refused
from core.platform.i18n import gettext as _
from core.platform.i18n import ngettext
from core.platform.identity import SessionUser
from core.platform.settings import Settings
from core.platform.tables import Account, Assignment, Edition, ReferenceEntry, Round
from scoring import drift as drift_maths
from scoring import juror_feedback as feedback_maths
from scoring.rubric import Criterion, Rubric, total_range

ONLINE_JURY = "screening"  # the round kind calibration works in
REFERENCES_PER_JUROR = 2
FEEDBACK_SETTING = "juror_feedback"
AGREED, PANEL = "agreed", "panel"
SUBMITTED = "submitted"


class CalibrationRefused(Refused):
    """The calibration change cannot be made now, or the form has a mistake; nothing was changed."""


# -- reading the round ----------------------------------------------------------------------------------------


async def _round_row(round_id: int) -> dict[str, Any] | None:
    rows = await Round.raw(ROUND_SQL, round_id)
    return decode_json(rows[0], *review_queries.ROUND_JSON) if rows else None


def _is_open(round_row: dict[str, Any], now: datetime) -> bool:
    if round_row.get("status") == "closed":
        return False
    closes = round_row.get("closes_at")
    return closes is None or now <= closes


def feedback_on(round_row: dict[str, Any]) -> bool:
    return bool((round_row.get("settings") or {}).get(FEEDBACK_SETTING))


REVIEWS_SQL = (
    "SELECT review.id, review.total, review.submitted_at, assignment.application, assignment.juror,"
    " criterion_score.criterion, criterion_score.value"
    " FROM review JOIN assignment ON assignment.id = review.assignment"
    " LEFT JOIN criterion_score ON criterion_score.review = review.id"
    " WHERE assignment.round = {} AND review.status = 'submitted' AND assignment.status != 'recused'"
)
# A juror's feedback compares them only on the entries they have: the reviews of those entries are all it reads.
OF_JUROR_ENTRIES = (" AND assignment.application IN (SELECT mine.application FROM assignment AS mine"
                    " WHERE mine.round = {} AND mine.juror = {})")


@dataclass
class _Review:
    review_id: int
    entry: int
    juror: int
    total: float | None
    submitted_at: datetime | None
    values: dict[str, float] = field(default_factory=dict)

    @property
    def order(self) -> tuple[float, int]:
        at = self.submitted_at
        if isinstance(at, str):
            at = datetime.fromisoformat(at)
        return (at.timestamp() if at else math.inf, self.review_id)


async def _submitted_reviews(round_id: int, *, juror_id: int | None = None) -> list[_Review]:
    """The round's submitted reviews with their scores, in the order they were submitted; with `juror_id`, only
    those of the entries the juror has."""
    query = (REVIEWS_SQL + " ORDER BY review.id", round_id) if juror_id is None else (
        REVIEWS_SQL + OF_JUROR_ENTRIES + " ORDER BY review.id", round_id, round_id, juror_id)
    reviews: dict[int, _Review] = {}
    for row in await Round.raw(*query):
        review = reviews.setdefault(row["id"], _Review(
            row["id"], row["application"], row["juror"], row["total"], row["submitted_at"]))
        if row["criterion"] is not None and row["value"] is not None:
            review.values[row["criterion"]] = float(row["value"])
    return sorted(reviews.values(), key=lambda r: r.order)


async def _references(round_id: int) -> list[dict[str, Any]]:
    return await ReferenceEntry.select().output(load_json=True).where(
        ReferenceEntry.round == round_id).order_by(ReferenceEntry.application)


def _agreed(reference: dict[str, Any]) -> dict[str, float] | None:
    """A reference entry's agreed scores once they stand (typed, or the panel's mean confirmed), else None."""
    if reference["source"] == PANEL and reference["confirmed_at"] is None:
        return None
    return {code: float(value) for code, value in (reference["agreed"] or {}).items() if value is not None}


# -- feedback to a juror ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CriterionFeedback:
    """One line a juror reads: a criterion, against whom, the difference with its interval and a sentence."""

    criterion: str
    label: dict[str, str]
    against: str  # "panel": the other jurors of the same entries; "reference": the agreed scores
    pairs: int
    mean: float | None
    low: float | None
    high: float | None
    verdict: str
    sentence: str


@dataclass(frozen=True)
class JurorFeedback:
    """What a juror sees of their own calibration in a round: nothing yet (`waiting`), or lines per criterion."""

    round_id: int
    round_name: dict[str, str]
    submitted: int
    counted: int
    needed: int
    lines: list[CriterionFeedback]

    @property
    def waiting(self) -> bool:
        return self.counted == 0


def _sentence(criterion: str, against: str, verdict: str, mean: float | None) -> str:
    if verdict in (feedback_maths.ABOVE, feedback_maths.BELOW) and mean is not None:
        points = feedback_maths.rounded_points(mean)
        number = i18n.format_number(points, 1)
        count = 1 if points == 1 else 2
        if against == "panel":
            text = (ngettext("You score {criterion} about {points} point above the other jurors of the same entries.",
                             "You score {criterion} about {points} points above the other jurors of the same entries.",
                             count) if verdict == feedback_maths.ABOVE else
                    ngettext("You score {criterion} about {points} point below the other jurors of the same entries.",
                             "You score {criterion} about {points} points below the other jurors of the same entries.",
                             count))
        else:
            text = (ngettext("You score {criterion} about {points} point above the scores agreed for some entries.",
                             "You score {criterion} about {points} points above the scores agreed for some entries.",
                             count) if verdict == feedback_maths.ABOVE else
                    ngettext("You score {criterion} about {points} point below the scores agreed for some entries.",
                             "You score {criterion} about {points} points below the scores agreed for some entries.",
                             count))
        return text.format(criterion=criterion, points=number)
    if verdict == feedback_maths.IN_LINE:
        return (_("You score {criterion} in line with the other jurors of the same entries.") if against == "panel"
                else _("You score {criterion} in line with the scores agreed for some entries.")).format(
            criterion=criterion)
    return (_("We cannot tell yet how you score {criterion} compared with the other jurors of the same entries.")
            if against == "panel" else
            _("We cannot tell yet how you score {criterion} compared with the scores agreed for some entries.")
            ).format(criterion=criterion)


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _feedback_lines(rubric: Rubric, own: list[_Review], others: dict[int, list[_Review]],
                    agreed: dict[int, dict[str, float]]) -> list[CriterionFeedback]:
    lines = []
    for criterion in rubric.criteria:
        code = criterion.code
        panel_gaps, reference_gaps = [], []
        for review in own:
            mine = review.values.get(code)
            if mine is None:
                continue
            theirs = [o.values[code] for o in others.get(review.entry, []) if code in o.values]
            if theirs:
                panel_gaps.append(mine - sum(theirs) / len(theirs))
            if code in agreed.get(review.entry, {}):
                reference_gaps.append(mine - agreed[review.entry][code])
        for against, gaps in (("panel", panel_gaps), ("reference", reference_gaps)):
            if against == "reference" and not gaps:
                continue  # no reference entry among the reviews counted: no line, rather than an empty one
            comparison = feedback_maths.paired_difference(gaps)
            verdict = feedback_maths.verdict(comparison, scale_range=criterion.max - criterion.min)
            label = i18n.pick(criterion.label)
            lines.append(CriterionFeedback(
                criterion=code, label=criterion.label, against=against, pairs=comparison.pairs,
                mean=_rounded(comparison.mean) if comparison.low is not None else None,
                low=_rounded(comparison.low), high=_rounded(comparison.high), verdict=verdict,
                sentence=_sentence(label, against, verdict, comparison.mean)))
    return lines


async def _feedback(juror_id: int, round_row: dict[str, Any]) -> JurorFeedback | None:
    """The juror's feedback in the round, or None when the round does not give any."""
    if round_row["kind"] != ONLINE_JURY or not feedback_on(round_row):
        return None
    try:
        rubric = round_rubric(round_row)
    except ScoringClosed:  # no rubric yet: nothing to compare, and the juror's list must still open
        return None
    reviews = await _submitted_reviews(round_row["id"], juror_id=juror_id)
    own_all = [r for r in reviews if r.juror == juror_id]
    counted = feedback_maths.pairs_counted(len(own_all))
    own = own_all[:counted]
    others: dict[int, list[_Review]] = {}
    for review in reviews:
        if review.juror != juror_id:
            others.setdefault(review.entry, []).append(review)
    agreed = {}
    for reference in await _references(round_row["id"]):
        scores = _agreed(reference)
        if scores:
            agreed[reference["application"]] = scores
    lines = _feedback_lines(rubric, own, others, agreed) if counted else []
    return JurorFeedback(round_id=round_row["id"], round_name=round_row["name"], submitted=len(own_all),
                         counted=counted, needed=feedback_maths.FIRST_REVIEWS, lines=lines)


async def dashboard_with_feedback(*, juror: SessionUser) -> tuple[list[RoundProgress], dict[int, JurorFeedback]]:
    """The juror's list (reference entries first, unmarked) with their own feedback per round that gives it."""
    rounds, round_rows = await juror_dashboard_and_rounds(juror=juror)
    feedback = {}
    for progress in rounds:
        if not progress.lines:
            continue
        round_row = round_rows.get(progress.round_id)
        found = await _feedback(juror.id, round_row) if round_row else None
        if found is not None:
            feedback[progress.round_id] = found
    return rounds, feedback


async def review_page_with_feedback(*, juror: SessionUser, assignment_id: int) -> tuple[ReviewPage,
                                                                                           JurorFeedback | None]:
    """The juror's entry page and their own feedback in its round (None when the round gives none)."""
    page, round_row = await review_page_and_round(juror=juror, assignment_id=assignment_id)
    return page, await _feedback(juror.id, round_row)


# -- the organiser's calibration page ----------------------------------------------------------------------


@dataclass(frozen=True)
class ReferenceLine:
    application_id: int
    label: str
    source: str
    agreed: dict[str, float]
    confirmed: bool
    panel: list[str]
    panel_submitted: int
    panel_means: dict[str, float]
    jurors: int  # jurors who have it in their list


@dataclass(frozen=True)
class CalibrationPage:
    round_id: int
    round_code: str
    round_name: dict[str, str]
    is_open: bool
    feedback_on: bool
    criteria: tuple[Criterion, ...]
    references: list[ReferenceLine]
    candidates: list[tuple[int, str]]
    edition_jurors: list[tuple[int, str]]
    round_jurors: int


async def _organised(actor: SessionUser, edition_slug: str, round_code: str) -> dict[str, Any]:
    """The round with the columns the reviews read, for an organiser of its edition, if it is an online jury."""
    basic = await assignment_service.organised_round(actor=actor, edition_slug=edition_slug, round_code=round_code)
    if basic["kind"] != ONLINE_JURY:
        raise RoundNotFound(round_code)
    row = await _round_row(basic["id"])
    return {**row, "jurors_per_entry": basic["jurors_per_entry"]}


async def calibration_page(*, actor: SessionUser, edition_slug: str, round_code: str,
                           now: datetime | None = None) -> CalibrationPage:
    """The round's reference entries, the panel's means waiting to be confirmed, and the feedback setting."""
    now = now or datetime.now(UTC)
    round_row = await _organised(actor, edition_slug, round_code)
    rubric = round_rubric(round_row)
    entry_labels, juror_names, _conflicts, active = await assignment_service.round_pairs(round_row)
    reviews = await _submitted_reviews(round_row["id"])
    references = []
    for reference in await _references(round_row["id"]):
        entry = reference["application"]
        panel = [int(j) for j in reference["panel"] or []]
        panel_reviews = [r for r in reviews if r.entry == entry and r.juror in panel]
        means = {}
        for criterion in rubric.criteria:
            values = [r.values[criterion.code] for r in panel_reviews if criterion.code in r.values]
            if values:
                means[criterion.code] = round(sum(values) / len(values), 2)
        references.append(ReferenceLine(
            application_id=entry, label=entry_labels.get(entry, f"#{entry}"), source=reference["source"],
            agreed=_agreed(reference) or {}, confirmed=_agreed(reference) is not None,
            panel=[juror_names.get(j, "") for j in panel], panel_submitted=len(panel_reviews), panel_means=means,
            jurors=sum(1 for (e, _j) in active if e == entry)))
    marked = {r.application_id for r in references}
    return CalibrationPage(
        round_id=round_row["id"], round_code=round_row["code"], round_name=round_row["name"],
        is_open=_is_open(round_row, now), feedback_on=feedback_on(round_row), criteria=rubric.criteria,
        references=references,
        candidates=[(e, label) for e, label in sorted(entry_labels.items()) if e not in marked],
        edition_jurors=sorted(juror_names.items(), key=lambda item: item[1].lower()),
        round_jurors=len({j for (_e, j) in active}))


async def set_feedback(*, actor: SessionUser, edition_slug: str, round_code: str, on: bool) -> None:
    """Switch the jurors' feedback on or off for the round."""
    round_row = await _organised(actor, edition_slug, round_code)
    async with db.write_transaction():
        current = await Round.select(Round.settings).output(load_json=True).where(
            Round.id == round_row["id"]).first()
        settings = dict(current["settings"] or {})
        settings[FEEDBACK_SETTING] = bool(on)
        await Round.update({Round.settings: settings}).where(Round.id == round_row["id"])
        await audit.record("calibration.feedback_set", actor_id=actor.id, edition_id=round_row["edition"],
                           subject_type="round", subject_id=round_row["id"],
                           data={"round": round_row["code"], "value": bool(on)})


def parse_agreed(rubric: Rubric, raw: dict[str, str]) -> tuple[dict[str, float], dict[str, str]]:
    """Agreed scores typed per criterion, checked against the criterion's scale; errors by criterion code."""
    values, errors = {}, {}
    for criterion in rubric.criteria:
        text = (raw.get(criterion.code) or "").strip().replace(",", ".")
        try:
            value = float(text)
        except ValueError:
            errors[criterion.code] = _("Give a score from {low} to {high}.").format(
                low=i18n.format_number(criterion.min), high=i18n.format_number(criterion.max))
            continue
        if not math.isfinite(value) or not criterion.min <= value <= criterion.max:
            errors[criterion.code] = _("Give a score from {low} to {high}.").format(
                low=i18n.format_number(criterion.min), high=i18n.format_number(criterion.max))
            continue
        values[criterion.code] = value
    return values, errors


@dataclass
class MarkOutcome:
    errors: dict[str, str] = field(default_factory=dict)
    assigned: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors


async def mark_reference(*, actor: SessionUser, edition_slug: str, round_code: str, application_id: int | None,
                         source: str, agreed: dict[str, str], panel: list[int],
                         now: datetime | None = None) -> MarkOutcome:
    """Mark an entry of the round as a reference entry, with agreed scores or a calibration panel to score it.

    With agreed scores, the entry goes at once to the front of every juror's list that lacks its reference
    entries; with a panel, the panel's jurors get it first, and the others once the organiser confirms the mean.
    """
    now = now or datetime.now(UTC)
    round_row = await _organised(actor, edition_slug, round_code)
    if not _is_open(round_row, now):
        raise CalibrationRefused(_("Scoring in this round is over: reference entries can no longer reach the "
                                   "jurors."))
    rubric = round_rubric(round_row)
    outcome = MarkOutcome()
    entry_labels, juror_names, conflicts, _active = await assignment_service.round_pairs(round_row)
    if application_id not in entry_labels:
        outcome.errors["entry"] = _("Choose an entry of this round.")
    values: dict[str, float] = {}
    if source == AGREED:
        values, criterion_errors = parse_agreed(rubric, agreed)
        outcome.errors.update(criterion_errors)
    elif source == PANEL:
        unknown = [j for j in panel if j not in juror_names]
        if not panel or unknown:
            outcome.errors["panel"] = _("Choose at least one juror of the edition for the calibration panel.")
        elif application_id is not None:
            blocked = [juror_names[j] for j in panel if (application_id, j) in conflicts]
            if blocked:
                outcome.errors["panel"] = _("These jurors have a conflict with this entry: {names}.").format(
                    names=", ".join(blocked))
    else:
        outcome.errors["source"] = _("Choose agreed scores or a calibration panel.")
    if outcome.errors:
        return outcome
    async with db.write_transaction():
        await db.locked(Round.select(Round.id).where(Round.id == round_row["id"])).first()
        if await ReferenceEntry.exists().where(ReferenceEntry.round == round_row["id"],
                                               ReferenceEntry.application == application_id):
            outcome.errors["entry"] = _("This entry is already a reference entry.")
            return outcome
        await ReferenceEntry.insert(ReferenceEntry(
            round=round_row["id"], application=application_id, source=source, agreed=values,
            panel=sorted(set(panel)) if source == PANEL else [], created_by=actor.id,
            confirmed_at=now if source == AGREED else None))
        if source == PANEL:
            outcome.assigned = await _assign(round_row["id"], [(application_id, j) for j in sorted(set(panel))])
        await audit.record("calibration.reference_marked", actor_id=actor.id, edition_id=round_row["edition"],
                           subject_type="application", subject_id=application_id,
                           data={"round": round_row["code"], "values": values, "count": len(set(panel))})
        outcome.assigned += await _distribute(round_row, conflicts)
    return outcome


async def confirm_panel(*, actor: SessionUser, edition_slug: str, round_code: str, application_id: int,
                        now: datetime | None = None) -> int:
    """Make the calibration panel's mean the reference entry's agreed scores, and give it to the other jurors."""
    now = now or datetime.now(UTC)
    page = await calibration_page(actor=actor, edition_slug=edition_slug, round_code=round_code, now=now)
    line = next((r for r in page.references if r.application_id == application_id and r.source == PANEL), None)
    if line is None or line.confirmed:
        raise CalibrationRefused(_("This entry has no calibration panel waiting to be confirmed."))
    if not page.is_open:
        raise CalibrationRefused(_("Scoring in this round is over: reference entries can no longer reach the "
                                   "jurors."))
    if len(line.panel_means) < len(page.criteria):
        raise CalibrationRefused(_("The calibration panel has not scored every criterion of this entry yet."))
    round_row = await _organised(actor, edition_slug, round_code)
    _labels, _names, conflicts, _active = await assignment_service.round_pairs(round_row)
    async with db.write_transaction():
        await db.locked(Round.select(Round.id).where(Round.id == round_row["id"])).first()
        await ReferenceEntry.update({ReferenceEntry.agreed: line.panel_means, ReferenceEntry.confirmed_at: now}).where(
            ReferenceEntry.round == round_row["id"], ReferenceEntry.application == application_id)
        await audit.record("calibration.reference_confirmed", actor_id=actor.id, edition_id=round_row["edition"],
                           subject_type="application", subject_id=application_id,
                           data={"round": round_row["code"], "values": line.panel_means,
                                 "count": line.panel_submitted})
        return await _distribute(round_row, conflicts)


async def give_references(*, actor: SessionUser, edition_slug: str, round_code: str,
                          now: datetime | None = None) -> int:
    """Give the reference entries to jurors who joined the round after they were marked; how many were given."""
    now = now or datetime.now(UTC)
    round_row = await _organised(actor, edition_slug, round_code)
    if not _is_open(round_row, now):
        raise CalibrationRefused(_("Scoring in this round is over: reference entries can no longer reach the "
                                   "jurors."))
    _labels, _names, conflicts, _active = await assignment_service.round_pairs(round_row)
    async with db.write_transaction():
        await db.locked(Round.select(Round.id).where(Round.id == round_row["id"])).first()
        given = await _distribute(round_row, conflicts)
        await audit.record("calibration.references_given", actor_id=actor.id, edition_id=round_row["edition"],
                           subject_type="round", subject_id=round_row["id"],
                           data={"round": round_row["code"], "count": given})
    return given


async def remove_reference(*, actor: SessionUser, edition_slug: str, round_code: str, application_id: int) -> None:
    """The entry is no longer a reference entry; the assignments made stay, since their reviews count."""
    round_row = await _organised(actor, edition_slug, round_code)
    async with db.write_transaction():
        found = await ReferenceEntry.exists().where(ReferenceEntry.round == round_row["id"],
                                                    ReferenceEntry.application == application_id)
        if not found:
            raise CalibrationRefused(_("This entry is not a reference entry."))
        await ReferenceEntry.delete().where(ReferenceEntry.round == round_row["id"],
                                            ReferenceEntry.application == application_id)
        await audit.record("calibration.reference_removed", actor_id=actor.id, edition_id=round_row["edition"],
                           subject_type="application", subject_id=application_id, data={"round": round_row["code"]})


async def _assign(round_id: int, pairs: list[tuple[int, int]]) -> int:
    """Assignments for the pairs that have none yet (in any status, so a released entry stays released)."""
    existing = {(r["application"], r["juror"]) for r in await Assignment.select(
        Assignment.application, Assignment.juror).where(Assignment.round == round_id)}
    new = [p for p in pairs if p not in existing]
    if new:
        await Assignment.insert(*(Assignment(round=round_id, application=entry, juror=juror, origin="manual",
                                             status="assigned") for entry, juror in new))
    return len(new)


async def _distribute(round_row: dict[str, Any], conflicts: set[tuple[int, int]]) -> int:
    """Give every juror of the round up to REFERENCES_PER_JUROR reference entries with agreed scores: those they
    have count, the least used go first, and never one the juror has a conflict with."""
    ready = [r["application"] for r in await _references(round_row["id"]) if _agreed(r) is not None]
    if not ready:
        return 0
    rows = await Assignment.select(Assignment.application, Assignment.juror, Assignment.status).where(
        Assignment.round == round_row["id"])
    jurors = sorted({r["juror"] for r in rows if r["status"] != "recused"})
    existing = {(r["application"], r["juror"]) for r in rows}
    use = {entry: sum(1 for (e, _j) in existing if e == entry) for entry in ready}
    wanted = min(REFERENCES_PER_JUROR, len(ready))
    pairs = []
    for juror in jurors:
        have = sum(1 for entry in ready if (entry, juror) in existing)
        free = sorted((e for e in ready if (e, juror) not in existing and (e, juror) not in conflicts),
                      key=lambda e: (use[e], e))
        for entry in free[:max(0, wanted - have)]:
            pairs.append((entry, juror))
            use[entry] += 1
    return await _assign(round_row["id"], pairs)


# -- drift, for the organiser -------------------------------------------------------------------------------


@dataclass(frozen=True)
class JurorDrift:
    juror_id: int
    name: str
    reviews: int
    gaps: tuple[float, ...]
    rolling: tuple[float, ...]
    mean: float | None
    slope: float | None
    drift_flag: bool
    distance_flag: bool

    @property
    def flagged(self) -> bool:
        return self.drift_flag or self.distance_flag


@dataclass(frozen=True)
class DriftReport:
    round_code: str
    round_name: dict[str, str]
    is_open: bool
    scale: tuple[float, float]
    jurors: list[JurorDrift]

    @property
    def flagged(self) -> list[JurorDrift]:
        return [j for j in self.jurors if j.flagged]

    @property
    def drift_limit(self) -> float:
        return drift_maths.DRIFT_SHARE * (self.scale[1] - self.scale[0])

    @property
    def distance_limit(self) -> float:
        return drift_maths.DISTANCE_SHARE * (self.scale[1] - self.scale[0])


async def drift_report(*, actor: SessionUser, edition_slug: str, round_code: str,
                       now: datetime | None = None) -> DriftReport:
    """Each juror's gap from the other jurors of the same entries over their submitted reviews, on the total."""
    now = now or datetime.now(UTC)
    round_row = await _organised(actor, edition_slug, round_code)
    return await _drift(round_row, now)


async def _drift(round_row: dict[str, Any], now: datetime) -> DriftReport:
    low, high = total_range(round_rubric(round_row))
    reviews = [r for r in await _submitted_reviews(round_row["id"]) if r.total is not None]
    drifts = drift_maths.round_drift(((r.entry, r.juror, float(r.total), i) for i, r in enumerate(reviews)),
                                     scale_range=high - low)
    names = {a["id"]: a["display_name"] or a["email"] for a in await Account.select(
        Account.id, Account.display_name, Account.email).where(Account.id.is_in([d.juror for d in drifts] or [0]))}
    jurors = sorted((JurorDrift(juror_id=d.juror, name=names.get(d.juror, ""), reviews=len(d.gaps), gaps=d.gaps,
                                rolling=d.rolling, mean=_shown(d.mean), slope=_shown(d.slope), drift_flag=d.drift_flag,
                                distance_flag=d.distance_flag) for d in drifts),
                    key=lambda j: j.name.lower())
    return DriftReport(round_code=round_row["code"], round_name=round_row["name"], is_open=_is_open(round_row, now),
                       scale=(low, high), jurors=jurors)


def _shown(value: float | None) -> float | None:
    """Two decimals, and no "-0.00" for a value that rounds to nothing."""
    return None if value is None else round(value, 2) + 0.0


def _nudge_sentences(juror: JurorDrift) -> list[str]:
    """What the reminder tells a juror about their own scoring, in the current language; nobody else's figures."""
    lines = []
    if juror.distance_flag and juror.mean is not None:
        points = i18n.format_number(feedback_maths.rounded_points(juror.mean), 1)
        lines.append((_("Your totals are about {points} points above those of the other jurors of the same entries.")
                      if juror.mean > 0 else
                      _("Your totals are about {points} points below those of the other jurors of the same entries."))
                     .format(points=points))
    if juror.drift_flag and juror.slope is not None:
        lines.append(_("Your recent totals have grown more generous than your first ones.") if juror.slope > 0
                     else _("Your recent totals have grown stricter than your first ones."))
    return lines


async def send_drift_reminder(*, settings: Settings, actor: SessionUser, edition_slug: str, round_code: str,
                              juror_id: int, now: datetime | None = None) -> str:
    """Mail a flagged juror, in their language, how their scoring compares, and ask them to look at the rubric's
    anchors again; returns the juror's name."""
    now = now or datetime.now(UTC)
    round_row = await _organised(actor, edition_slug, round_code)
    report = await _drift(round_row, now)
    if not report.is_open:
        raise CalibrationRefused(_("This round is closed: there is nothing left to remind jurors of."))
    juror = next((j for j in report.jurors if j.juror_id == juror_id and j.flagged), None)
    if juror is None:
        raise CalibrationRefused(_("This juror is not flagged in this round."))
    account = await Account.select(Account.email, Account.locale, Account.display_name).where(
        Account.id == juror_id).first()
    edition = await _edition_title(round_row["edition"])
    language = account["locale"] or settings.default_language
    with i18n.language(language):
        sentences = _nudge_sentences(juror)
    async with db.write_transaction():
        await enqueue_mail(to=account["email"], template="jury/calibration", language=language,
                           kind="jury_calibration", edition_slug=edition_slug,
                           context={"name": account["display_name"] or "", "edition": i18n.pick(edition, language),
                                    "round": i18n.pick(round_row["name"], language), "sentences": sentences,
                                    "link": absolute_url(settings.base_url, "/jury")})
        await audit.record("calibration.reminder_sent", actor_id=actor.id, edition_id=round_row["edition"],
                           subject_type="account", subject_id=juror_id, data={"round": round_row["code"]})
    return juror.name


async def _edition_title(edition_id: int) -> dict[str, str]:
    row = await Edition.select(Edition.title).output(load_json=True).where(Edition.id == edition_id).first()
    return row["title"] if row else {}

"""Jurors scoring from their phones at a live final: the current pitch with the round's rubric, and each tap saved
under the id the phone gave it, so a tap sent twice (a retry, a queue replayed after the Wi-Fi dropped) counts once.

A tap becomes a criterion's value in the juror's ordinary review of that finalist, so the round's leaderboard,
calibration and the combination with the online jury see it like any review. When the organiser closes a slot's
scoring, every review of it with all required criteria is submitted; taps after that are kept as "late" receipts
and never applied.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from core.editions.rubrics import rubric_to_mapping
from core.judging.reviews import STARTED, SUBMITTED, round_rubric
from core.live import clock
from core.live.events import publish
from core.live.running_order import SLOT_COLUMNS, SlotView, current_slot_id, slot_view
from core.platform import db
from core.platform.errors import NotFound
from core.platform.i18n import gettext as _
from core.platform.identity import SessionUser
from core.platform.tables import Assignment, CriterionScore, LiveScoreReceipt, PitchSlot, Review, Round
from scoring.rubric import Rubric, validate_sheet, weighted_total

APPLIED, DUPLICATE, LATE, REFUSED = "applied", "duplicate", "late", "refused"
MAX_CLIENT_ID = 64


MAX_POINTS = 41


def scale_points(criterion) -> list[float]:
    """Every value of a criterion's scale from its minimum by its step; empty when too many to tap."""
    step = criterion.step or 1.0
    count = round((criterion.max - criterion.min) / step) + 1
    if count < 1 or count > MAX_POINTS:
        return []
    return [round(criterion.min + i * step, 6) for i in range(count)]


class LiveRoundClosedToJuror(NotFound):
    """Not a live final this juror is assigned in (or no such round): it looks the same as none at all."""


@dataclass(frozen=True)
class ScoreOutcome:
    outcome: str
    message: str


@dataclass(frozen=True)
class PhonePage:
    """What a juror's phone shows: the pitch on stage (named unless the round is blind), its clock, the rubric."""

    round_id: int
    round_name: dict[str, str]
    blind: bool
    slot: SlotView | None
    rubric: Rubric
    values: dict[str, float | None] = field(default_factory=dict)
    scoring: str = clock.SCORING_CLOSED

    @property
    def finalist_label(self) -> str:
        if self.slot is None:
            return ""
        if self.blind:
            return _("Finalist {number}").format(number=self.slot.position)
        return self.slot.entity_name

    def points(self, criterion) -> list[float]:
        """The values a juror taps for a criterion: every step of its scale (a number box past MAX_POINTS)."""
        return scale_points(criterion)

    @property
    def project(self) -> str:
        return "" if self.blind or self.slot is None else self.slot.title


async def _round_for_juror(juror: SessionUser, round_id: int) -> dict[str, Any]:
    row = await Round.select(Round.id, Round.code, Round.name, Round.kind, Round.blind, Round.rubric, Round.status,
                             Round.rubric_name, Round.edition.enabled_plugins).output(load_json=True).where(
        Round.id == round_id).first()
    if row is None or row["kind"] != "final_pitch" or not await Assignment.exists().where(
            Assignment.round == round_id, Assignment.juror == juror.id, Assignment.status != "recused"):
        raise LiveRoundClosedToJuror(round_id)
    return row


ASSIGNMENT_SQL = ("SELECT id, status FROM assignment WHERE round = {} AND application = {} AND juror = {}"
                  " AND status != 'recused'")
ASSIGNMENT_LOCK_SQL = ASSIGNMENT_SQL + " FOR UPDATE"


async def _juror_assignment(juror: SessionUser, round_id: int, application_id: int, *,
                            lock: bool = False) -> dict[str, Any] | None:
    sql = ASSIGNMENT_LOCK_SQL if lock and not db.is_sqlite() else ASSIGNMENT_SQL
    rows = await Assignment.raw(sql, round_id, application_id, juror.id)
    return rows[0] if rows else None


async def phone_page(*, juror: SessionUser, round_id: int, now: datetime | None = None) -> PhonePage:
    """The current pitch for a juror assigned in the round; other people get "not found"."""
    now = now or datetime.now(UTC)
    row = await _round_for_juror(juror, round_id)
    rubric = round_rubric(row)
    slot_id = await current_slot_id(round_id)
    slot = None
    values: dict[str, float | None] = {}
    if slot_id is not None:
        slot_row = await PitchSlot.select(*SLOT_COLUMNS).where(PitchSlot.id == slot_id).first()
        slot = slot_view(slot_row, now) if slot_row else None
    if slot is not None:
        assignment = await _juror_assignment(juror, round_id, slot.application)
        if assignment is None:
            slot = None  # a finalist this juror does not score (a declared conflict): nothing of it is shown
        else:
            review = await Review.select(Review.id).where(Review.assignment == assignment["id"]).first()
            if review:
                values = {s["criterion"]: s["value"] for s in await CriterionScore.select(
                    CriterionScore.criterion, CriterionScore.value).where(CriterionScore.review == review["id"])}
    return PhonePage(round_id=round_id, round_name=row["name"] or {}, blind=bool(row["blind"]), slot=slot,
                     rubric=rubric, values=values, scoring=slot.scoring if slot else clock.SCORING_CLOSED)


def _value_problem(rubric: Rubric, criterion: str, value: float | None) -> str:
    spec = rubric.criterion(criterion)
    if spec is None:
        return _("This criterion is not in the round's rubric.")
    if value is None:
        return ""
    if not math.isfinite(value) or not spec.min <= value <= spec.max:
        return _("Choose a value from the scale.")
    steps = (value - spec.min) / spec.step if spec.step else 0
    if spec.step and abs(steps - round(steps)) > 1e-6:
        return _("Choose a value from the scale.")
    return ""


async def record_score(*, juror: SessionUser, round_id: int, client_id: str, slot_id: int, criterion: str,
                       value: float | None) -> ScoreOutcome:
    """Apply one tap once: a client id seen before is a duplicate, a tap on a closed slot is late, kept, not applied."""
    client_id = (client_id or "").strip()
    row = await _round_for_juror(juror, round_id)
    if not client_id or len(client_id) > MAX_CLIENT_ID:
        return ScoreOutcome(REFUSED, _("This score came without a valid id; reload the page."))
    rubric = round_rubric(row)
    async with db.write_transaction():
        slot = await PitchSlot.select(PitchSlot.id, PitchSlot.application, PitchSlot.scoring).where(
            PitchSlot.id == slot_id, PitchSlot.round == round_id).first()
        assignment = await _juror_assignment(juror, round_id, slot["application"], lock=True) if slot else None
        if assignment is None:
            raise LiveRoundClosedToJuror(round_id)
        # The assignment's lock makes two sends of one id wait for each other: the second finds the receipt.
        if await LiveScoreReceipt.exists().where(LiveScoreReceipt.juror == juror.id,
                                                 LiveScoreReceipt.client_id == client_id):
            return ScoreOutcome(DUPLICATE, _("Already saved."))
        problem = _value_problem(rubric, criterion, value)
        if problem:
            outcome = ScoreOutcome(REFUSED, problem)
        elif slot["scoring"] == clock.SCORING_LOCKED or row["status"] == "closed":  # the slot or the whole round
            outcome = ScoreOutcome(LATE, _("Scoring for this pitch is closed: this score was not counted."))
        elif slot["scoring"] != clock.SCORING_OPEN:
            outcome = ScoreOutcome(REFUSED, _("Scoring for this pitch is not open yet."))
        else:
            outcome = ScoreOutcome(APPLIED, _("Saved."))
        await LiveScoreReceipt.insert(LiveScoreReceipt(
            juror=juror.id, client_id=client_id, slot=slot_id, criterion=criterion[:40],
            value=value if value is not None and math.isfinite(value) else None,
            outcome=outcome.outcome))
        if outcome.outcome == APPLIED:
            if not (row["rubric"] or {}).get("criteria"):  # the rubric as it was when scoring started stays
                await _freeze_rubric(round_id, rubric)
                row["rubric"] = rubric_to_mapping(rubric)
            await _apply(assignment, rubric, criterion, value)
            await publish(round_id=round_id, kind="score.saved", payload={"slot": slot_id})
    return outcome


# Only while no rubric is frozen: the jurors' first taps of the day all come here at once, and a juror that waited
# for the first one's commit finds the rubric frozen and goes on without taking the round's row (it would otherwise
# hold it to its own commit, and the next juror would wait for that one too, and so on down the jury).
FREEZE_RUBRIC = {
    "postgres": "UPDATE round SET rubric = CAST({} AS json) WHERE id = {}"
                " AND COALESCE(json_array_length(rubric -> 'criteria'), 0) = 0",
    "sqlite": "UPDATE round SET rubric = {} WHERE id = {} AND COALESCE(json_array_length(rubric, '$.criteria'), 0) = 0",
}


async def _freeze_rubric(round_id: int, rubric: Rubric) -> None:
    await Round.raw(FREEZE_RUBRIC["sqlite" if db.is_sqlite() else "postgres"],
                    json.dumps(rubric_to_mapping(rubric)), round_id)


async def _apply(assignment: dict[str, Any], rubric: Rubric, criterion: str, value: float | None) -> None:
    now = datetime.now(UTC)
    review = await Review.select(Review.id, Review.status, Review.version).where(
        Review.assignment == assignment["id"]).first()
    if review is None:
        review_id = (await Review.insert(Review(assignment=assignment["id"], version=0)))[0]["id"]
        review = {"id": review_id, "status": "draft", "version": 0}
    await CriterionScore.delete().where(CriterionScore.review == review["id"], CriterionScore.criterion == criterion)
    await CriterionScore.insert(CriterionScore(review=review["id"], criterion=criterion, value=value))
    sheet = await _sheet(review["id"])
    total = weighted_total(rubric, sheet) if not validate_sheet(rubric, sheet) else None
    await Review.update({Review.total: total, Review.updated_at: now, Review.version: review["version"] + 1}).where(
        Review.id == review["id"])
    if assignment["status"] == "assigned":
        await Assignment.update({Assignment.status: STARTED}).where(Assignment.id == assignment["id"])


async def _sheet(review_id: int) -> dict[str, float]:
    return {s["criterion"]: s["value"] for s in await CriterionScore.select(
        CriterionScore.criterion, CriterionScore.value).where(CriterionScore.review == review_id)
        if s["value"] is not None}


async def submit_slot_reviews(*, round_row: dict[str, Any], application_id: int) -> int:
    """Submit every review of the slot's finalist that has all required criteria (inside the caller's transaction);
    the number submitted. Reviews missing a criterion stay drafts, out of the leaderboard."""
    rubric = round_rubric(round_row)
    now = datetime.now(UTC)
    submitted = 0
    rows = await Review.select(Review.id, Review.assignment, Review.status).where(
        Review.assignment.round == round_row["id"], Review.assignment.application == application_id)
    for review in rows:
        sheet = await _sheet(review["id"])
        if validate_sheet(rubric, sheet):
            continue
        columns = {Review.total: weighted_total(rubric, sheet), Review.status: SUBMITTED, Review.updated_at: now}
        if review["status"] != SUBMITTED:
            columns[Review.submitted_at] = now
        await Review.update(columns).where(Review.id == review["id"])
        await Assignment.update({Assignment.status: SUBMITTED}).where(Assignment.id == review["assignment"])
        submitted += 1
    return submitted

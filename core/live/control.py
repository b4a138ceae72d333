"""The organiser's control of a live final: the clock of the pitch on stage and its Q&A, and scoring per slot.

Each move checks that the actor organises the edition, changes the slot in one transaction, leaves an audit
record and publishes its event (with ids, statuses and times only) in that same transaction.
"""

from __future__ import annotations

from datetime import UTC, datetime

from core.live import clock
from core.live.events import publish
from core.live.phone_scores import submit_slot_reviews
from core.live.running_order import LiveRound, RunningOrderRefused, live_round, slot_clock, slot_row
from core.platform import audit, db
from core.platform.i18n import gettext as _
from core.platform.identity import SessionUser
from core.platform.tables import LiveStage, PitchSlot, Round

MAX_REASON = 1000


class ReasonMissing(RunningOrderRefused):
    """Reopening a slot's scoring needs a reason; nothing was changed."""


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


async def move_clock(*, actor: SessionUser, edition_slug: str, round_code: str, slot_id: int, action: str,
                     now: datetime | None = None) -> None:
    """Start the pitch, go to Q&A, pause, resume or end: the clock's columns change, every page reads them."""
    now = now or datetime.now(UTC)
    live = await live_round(actor, edition_slug, round_code)
    if action not in clock.CLOCK_ACTIONS:
        raise RunningOrderRefused(_("This control is not available for this pitch now."))
    async with db.write_transaction():
        row = await slot_row(live, slot_id, lock=True)
        if action == "start" and await PitchSlot.exists().where(
                PitchSlot.round == live.id, PitchSlot.status.is_in([clock.PITCH, clock.QA]), PitchSlot.id != slot_id):
            raise RunningOrderRefused(_("Another pitch is on stage: end it before starting this one."))
        try:
            change = clock.apply_move(slot_clock(row), action, now)
        except clock.MoveRefused:
            raise RunningOrderRefused(_("This control is not available for this pitch now.")) from None
        await PitchSlot.update({PitchSlot.status: change.status, PitchSlot.phase_started_at: change.phase_started_at,
                                PitchSlot.paused_remaining: change.paused_remaining,
                                PitchSlot.version: PitchSlot.version + 1}).where(PitchSlot.id == slot_id)
        if action == "start":
            await LiveStage.update({LiveStage.current_slot: slot_id, LiveStage.updated_at: now}).where(
                LiveStage.round == live.id)
        after = clock.Clock(change.status, row["pitch_seconds"], row["qa_seconds"], change.phase_started_at,
                            change.paused_remaining)
        await audit.record(f"live.slot_{action}", actor_id=actor.id, edition_id=live.edition_id,
                           subject_type="pitch_slot", subject_id=slot_id, data={"status": change.status})
        await publish(round_id=live.id, kind=clock.CLOCK_ACTIONS[action], payload={
            "slot": slot_id, "status": change.status, "ends_at": _iso(after.ends_at()),
            "remaining": after.remaining(now)})


async def _scoring_row(live: LiveRound) -> dict:
    return await Round.select(Round.id, Round.code, Round.rubric, Round.rubric_name,
                              Round.edition.enabled_plugins).output(load_json=True).where(Round.id == live.id).first()


async def set_scoring(*, actor: SessionUser, edition_slug: str, round_code: str, slot_id: int, open_: bool,
                      now: datetime | None = None) -> int:
    """Open a slot's scoring, or close it: closing locks it and submits its complete reviews (their number)."""
    now = now or datetime.now(UTC)
    live = await live_round(actor, edition_slug, round_code)
    submitted = 0
    async with db.write_transaction():
        row = await slot_row(live, slot_id, lock=True)
        slot = await PitchSlot.select(PitchSlot.scoring).where(PitchSlot.id == slot_id).first()
        if open_:
            if slot["scoring"] != clock.SCORING_CLOSED or row["status"] == clock.ABSENT:
                raise RunningOrderRefused(_("Scoring for this pitch cannot be opened now."))
            columns = {PitchSlot.scoring: clock.SCORING_OPEN, PitchSlot.scoring_opened_at: now}
        else:
            if slot["scoring"] != clock.SCORING_OPEN:
                raise RunningOrderRefused(_("Scoring for this pitch is not open."))
            columns = {PitchSlot.scoring: clock.SCORING_LOCKED, PitchSlot.scoring_closed_at: now}
            submitted = await submit_slot_reviews(round_row=await _scoring_row(live),
                                                  application_id=row["application"])
        await PitchSlot.update({**columns, PitchSlot.version: PitchSlot.version + 1}).where(PitchSlot.id == slot_id)
        await audit.record("live.scoring_opened" if open_ else "live.scoring_closed", actor_id=actor.id,
                           edition_id=live.edition_id, subject_type="pitch_slot", subject_id=slot_id,
                           data={} if open_ else {"reviews_submitted": submitted})
        await publish(round_id=live.id, kind="scoring.opened" if open_ else "scoring.closed",
                      payload={"slot": slot_id, "scoring": columns[PitchSlot.scoring]})
    return submitted


async def reopen_scoring(*, actor: SessionUser, edition_slug: str, round_code: str, slot_id: int, reason: str,
                         now: datetime | None = None) -> None:
    """Open a closed slot's scoring again, for a reason that the audit log and the control page keep."""
    now = now or datetime.now(UTC)
    live = await live_round(actor, edition_slug, round_code)
    reason = (reason or "").strip()
    if not reason:
        raise ReasonMissing(_("Say why scoring reopens: the reason is kept in the audit log."))
    if len(reason) > MAX_REASON:
        raise ReasonMissing(_("Keep the reason to {count} characters.").format(count=MAX_REASON))
    async with db.write_transaction():
        await slot_row(live, slot_id, lock=True)
        slot = await PitchSlot.select(PitchSlot.scoring).where(PitchSlot.id == slot_id).first()
        if slot["scoring"] != clock.SCORING_LOCKED:
            raise RunningOrderRefused(_("Only a pitch whose scoring was closed can be reopened."))
        await PitchSlot.update({PitchSlot.scoring: clock.SCORING_OPEN, PitchSlot.scoring_opened_at: now,
                                PitchSlot.scoring_closed_at: None, PitchSlot.version: PitchSlot.version + 1}).where(
            PitchSlot.id == slot_id)
        await audit.record("live.scoring_reopened", actor_id=actor.id, edition_id=live.edition_id,
                           subject_type="pitch_slot", subject_id=slot_id, data={"reason": reason})
        await publish(round_id=live.id, kind="scoring.reopened", payload={"slot": slot_id, "scoring": "open"})

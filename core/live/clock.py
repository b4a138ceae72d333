"""The live final's rules without the database: a pitch's countdown from its stored clock, which control moves a
slot allows in each state, and moving a slot up or down the running order.

Every worker and every page computes the same countdown from the same stored columns, so none of this keeps state.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

WAITING, PITCH, QA, DONE, ABSENT = "waiting", "pitch", "qa", "done", "absent"
SLOT_STATUSES = (WAITING, PITCH, QA, DONE, ABSENT)
SCORING_CLOSED, SCORING_OPEN, SCORING_LOCKED = "closed", "open", "locked"
# The control page's buttons on the clock, and the event each publishes.
CLOCK_ACTIONS = {"start": "slot.started", "qa": "slot.qa", "pause": "slot.paused", "resume": "slot.resumed",
                 "end": "slot.ended"}


class MoveRefused(ValueError):
    """The control move does not apply to the slot as it stands (e.g. pausing a pitch that is not running)."""


@dataclass(frozen=True)
class Clock:
    """A slot's clock as stored: its phase, when that phase (re)started, and the seconds left if paused."""

    status: str
    pitch_seconds: int
    qa_seconds: int
    phase_started_at: datetime | None
    paused_remaining: int | None

    @property
    def running(self) -> bool:
        return self.status in (PITCH, QA) and self.paused_remaining is None and self.phase_started_at is not None

    @property
    def paused(self) -> bool:
        return self.status in (PITCH, QA) and self.paused_remaining is not None

    def phase_seconds(self) -> int:
        return self.pitch_seconds if self.status == PITCH else self.qa_seconds if self.status == QA else 0

    def remaining(self, now: datetime) -> int | None:
        """Seconds left in the running or paused phase (below zero once over time); None outside a phase."""
        if self.status not in (PITCH, QA):
            return None
        if self.paused_remaining is not None:
            return self.paused_remaining
        if self.phase_started_at is None:
            return self.phase_seconds()
        elapsed = (now - self.phase_started_at).total_seconds()
        return round(self.phase_seconds() - elapsed)

    def ends_at(self) -> datetime | None:
        """When the running phase runs out, for the pages' countdown; None when paused or outside a phase."""
        if not self.running:
            return None
        return self.phase_started_at + timedelta(seconds=self.phase_seconds())


@dataclass(frozen=True)
class ClockChange:
    """The columns a control move writes."""

    status: str
    phase_started_at: datetime | None
    paused_remaining: int | None


def apply_move(clock: Clock, action: str, now: datetime) -> ClockChange:
    """The slot's clock after `action` at `now`, or MoveRefused when the action does not apply."""
    if action == "start" and clock.status == WAITING:
        return ClockChange(PITCH, now, None)
    if action == "qa" and clock.status == PITCH:
        return ClockChange(QA, now, None)
    if action == "pause" and clock.running:
        return ClockChange(clock.status, None, max(0, clock.remaining(now) or 0))
    if action == "resume" and clock.paused:
        started = now - timedelta(seconds=clock.phase_seconds() - clock.paused_remaining)
        return ClockChange(clock.status, started, None)
    if action == "end" and clock.status in (PITCH, QA):
        return ClockChange(DONE, None, None)
    raise MoveRefused(action)


def allowed_moves(clock: Clock) -> tuple[str, ...]:
    """The clock buttons the control page offers for this slot, in the order they are pressed."""
    if clock.status == WAITING:
        return ("start",)
    if clock.status in (PITCH, QA):
        moves = ["resume"] if clock.paused else ["pause"]
        if clock.status == PITCH:
            moves.append("qa")
        moves.append("end")
        return tuple(moves)
    return ()


def moved(order: list[int], item: int, direction: str) -> list[int]:
    """`order` with `item` moved one place "up" (earlier) or "down"; unchanged at either end or if not there."""
    if item not in order or direction not in ("up", "down"):
        return list(order)
    result = list(order)
    index = result.index(item)
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(result):
        result[index], result[other] = result[other], result[index]
    return result


def format_clock(seconds: int | None) -> str:
    """A countdown as the pages print it: "4:05", "-0:12" once over time, "" when there is none."""
    if seconds is None:
        return ""
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    return f"{sign}{seconds // 60}:{seconds % 60:02d}"

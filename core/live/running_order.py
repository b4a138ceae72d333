"""The running order of a live final: one slot per finalist of a final-pitch round, its place, its times, its room.

Only the edition's organisers see or change it (every function checks, whatever page calls it). Setting it up also
gives the round's jurors an assignment for every finalist when the round has none, so their phones have something to
score and their reviews land in the round's leaderboard like any other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from core.editions import access
from core.judging.reviews import ScoringClosed, round_rubric
from core.judging.rounds import entries_in_play
from core.live import clock
from core.live.events import publish
from core.platform import audit, db
from core.platform.errors import NotFound, Refused
from core.platform.i18n import gettext as _
from core.platform.identity import SessionUser
from core.platform.tables import (
    Application,
    Assignment,
    AuditEvent,
    ConflictOfInterest,
    CriterionScore,
    LiveStage,
    PitchSlot,
    RoleGrant,
    Round,
)

LIVE_KIND = "final_pitch"
MAX_MINUTES = 120
MAX_ROOM = 120


class LiveRoundNotFound(NotFound):
    """No final-pitch round by that code in an edition this person organises."""


class SlotNotFound(NotFound):
    """No such slot in this round."""


class RunningOrderRefused(Refused):
    """The running order cannot change as asked; nothing was changed."""


class SlotInputRefused(Refused):
    """A slot's times or room are not valid; `errors` by field name, `typed` what was sent."""

    def __init__(self, errors: dict[str, str], typed: dict[str, str]) -> None:
        super().__init__(next(iter(errors.values())))
        self.errors = errors
        self.typed = typed


@dataclass(frozen=True)
class LiveRound:
    id: int
    code: str
    name: dict[str, str]
    edition_id: int
    edition_slug: str
    blind: bool
    settings: dict[str, Any]


@dataclass(frozen=True)
class SlotView:
    id: int
    position: int
    application: int
    entity_name: str
    title: str
    pitch_seconds: int
    qa_seconds: int
    room: str
    status: str
    scoring: str
    remaining: int | None
    ends_at: datetime | None
    paused: bool
    moves: tuple[str, ...]
    version: int

    @property
    def pitch_minutes(self) -> int:
        return self.pitch_seconds // 60

    @property
    def qa_minutes(self) -> int:
        return self.qa_seconds // 60

    @property
    def clock_text(self) -> str:
        return clock.format_clock(self.remaining)


@dataclass(frozen=True)
class RunningOrder:
    round: LiveRound
    slots: list[SlotView]
    current_slot: int | None
    finalists_waiting: int  # finalists of the round without a slot yet
    jurors: int  # jurors with an assignment in the round
    reopenings: list[dict[str, Any]] = field(default_factory=list)
    # By slot: (jurors who scored every required criterion, jurors assigned to the finalist)
    scored: dict[int, tuple[int, int]] = field(default_factory=dict)

    @property
    def current(self) -> SlotView | None:
        return next((s for s in self.slots if s.id == self.current_slot), None)


async def live_round(actor: SessionUser, edition_slug: str, round_code: str) -> LiveRound:
    """The final-pitch round `round_code` if `actor` organises its edition; LiveRoundNotFound otherwise."""
    try:
        edition = await access.edition_for_organiser(actor=actor, edition_slug=edition_slug)
    except access.EditionNotFound:
        raise LiveRoundNotFound(round_code) from None
    row = await Round.select(Round.id, Round.code, Round.name, Round.kind, Round.blind, Round.settings).output(
        load_json=True).where(Round.edition == edition.id, Round.code == round_code).first()
    if row is None or row["kind"] != LIVE_KIND:
        raise LiveRoundNotFound(round_code)
    return LiveRound(id=row["id"], code=row["code"], name=row["name"] or {}, edition_id=edition.id,
                     edition_slug=edition.slug, blind=bool(row["blind"]), settings=row["settings"] or {})


def slot_clock(row: dict[str, Any]) -> clock.Clock:
    return clock.Clock(status=row["status"], pitch_seconds=row["pitch_seconds"], qa_seconds=row["qa_seconds"],
                       phase_started_at=row["phase_started_at"], paused_remaining=row["paused_remaining"])


SLOT_COLUMNS = (PitchSlot.id, PitchSlot.position, PitchSlot.application, PitchSlot.application.entity_name,
                PitchSlot.application.title, PitchSlot.pitch_seconds, PitchSlot.qa_seconds, PitchSlot.room,
                PitchSlot.status, PitchSlot.scoring, PitchSlot.phase_started_at, PitchSlot.paused_remaining,
                PitchSlot.version)


def slot_view(row: dict[str, Any], now: datetime) -> SlotView:
    state = slot_clock(row)
    return SlotView(
        id=row["id"], position=row["position"], application=row["application"],
        entity_name=row.get("application.entity_name") or "", title=row.get("application.title") or "",
        pitch_seconds=row["pitch_seconds"], qa_seconds=row["qa_seconds"], room=row["room"] or "",
        status=row["status"], scoring=row["scoring"], remaining=state.remaining(now), ends_at=state.ends_at(),
        paused=state.paused, moves=clock.allowed_moves(state), version=row["version"])


async def slots_of(round_id: int, now: datetime | None = None) -> list[SlotView]:
    now = now or datetime.now(UTC)
    rows = await PitchSlot.select(*SLOT_COLUMNS).where(PitchSlot.round == round_id).order_by(
        PitchSlot.position).order_by(PitchSlot.id)
    return [slot_view(r, now) for r in rows]


async def current_slot_id(round_id: int) -> int | None:
    stage = await LiveStage.select(LiveStage.current_slot).where(LiveStage.round == round_id).first()
    return stage["current_slot"] if stage else None


async def _finalists(round_id: int) -> list[int]:
    row = await Round.select(Round.id, Round.edition, Round.kind).where(Round.id == round_id).first()
    return [a["id"] for a in await Application.select(Application.id).where(
        await entries_in_play(row)).order_by(Application.id)]


async def running_order(*, actor: SessionUser, edition_slug: str, round_code: str) -> RunningOrder:
    """The round's slots in order with their clocks, for the organiser's running-order and control pages."""
    live = await live_round(actor, edition_slug, round_code)
    slots = await slots_of(live.id)
    slotted = {s.application for s in slots}
    waiting = [a for a in await _finalists(live.id) if a not in slotted]
    jurors = len({r["juror"] for r in await Assignment.select(Assignment.juror).where(
        Assignment.round == live.id, Assignment.status != "recused")})
    reopenings = await AuditEvent.select(AuditEvent.at, AuditEvent.subject_id, AuditEvent.data).output(
        load_json=True).where(AuditEvent.edition == live.edition_id, AuditEvent.action == "live.scoring_reopened",
                              AuditEvent.subject_id.is_in([str(s.id) for s in slots] or ["-"])).order_by(
        AuditEvent.id)
    return RunningOrder(round=live, slots=slots, current_slot=await current_slot_id(live.id),
                        finalists_waiting=len(waiting), jurors=jurors, reopenings=reopenings,
                        scored=await _scored(live.id, slots))


async def _scored(round_id: int, slots: list[SlotView]) -> dict[int, tuple[int, int]]:
    """How far the jury is with each slot: complete score sheets against the jurors assigned (counts only)."""
    row = await Round.select(Round.id, Round.code, Round.rubric, Round.rubric_name,
                             Round.edition.enabled_plugins).output(load_json=True).where(Round.id == round_id).first()
    try:
        required = {c.code for c in round_rubric(row).criteria if c.required}
    except ScoringClosed:
        return {}
    assigned: dict[int, int] = {}
    for a in await Assignment.select(Assignment.application).where(Assignment.round == round_id,
                                                                   Assignment.status != "recused"):
        assigned[a["application"]] = assigned.get(a["application"], 0) + 1
    filled: dict[int, tuple[int, set[str]]] = {}  # review: (its finalist, the criteria with a value)
    for score in await CriterionScore.select(CriterionScore.review, CriterionScore.review.assignment.application,
                                             CriterionScore.criterion).where(
            CriterionScore.review.assignment.round == round_id, CriterionScore.value.is_not_null()):
        filled.setdefault(score["review"], (score["review.assignment.application"], set()))[1].add(score["criterion"])
    complete: dict[int, int] = {}
    for application, criteria in filled.values():
        if required <= criteria:
            complete[application] = complete.get(application, 0) + 1
    return {s.id: (complete.get(s.application, 0), assigned.get(s.application, 0)) for s in slots}


def _default_seconds(live: LiveRound) -> tuple[int, int]:
    def minutes(key: str, default: int) -> int:
        try:
            return max(1, min(MAX_MINUTES, int(live.settings.get(key, default))))
        except (TypeError, ValueError):
            return default
    return minutes("pitch_minutes", 5) * 60, minutes("qa_minutes", 5) * 60


async def _jurors_of(edition_id: int) -> list[int]:
    rows = await RoleGrant.select(RoleGrant.account).where(
        RoleGrant.edition == edition_id, RoleGrant.role == "juror", RoleGrant.account.is_active.eq(True)).order_by(
        RoleGrant.account)
    return sorted({r["account"] for r in rows})


async def _assign_jurors(live: LiveRound, entries: list[int]) -> int:
    """Every juror of the edition on every finalist, save declared conflicts, when the round has no assignments."""
    if await Assignment.exists().where(Assignment.round == live.id):
        return 0
    conflicts = {(c["application"], c["juror"]) for c in await ConflictOfInterest.select(
        ConflictOfInterest.application, ConflictOfInterest.juror).where(
        ConflictOfInterest.application.is_in(entries or [0]))}
    jurors = await _jurors_of(live.edition_id)
    rows = [Assignment(round=live.id, application=entry, juror=juror, origin="live")
            for entry in entries for juror in jurors if (entry, juror) not in conflicts]
    if rows:
        await Assignment.insert(*rows)
    return len(rows)


async def set_up_running_order(*, actor: SessionUser, edition_slug: str, round_code: str) -> int:
    """Give every finalist of the round without a slot one at the end of the order; the number of slots added."""
    live = await live_round(actor, edition_slug, round_code)
    pitch_seconds, qa_seconds = _default_seconds(live)
    async with db.write_transaction():
        existing = await PitchSlot.select(PitchSlot.application, PitchSlot.position).where(
            PitchSlot.round == live.id)
        slotted = {r["application"] for r in existing}
        finalists = await _finalists(live.id)
        new = [a for a in finalists if a not in slotted]
        if not new and existing:
            raise RunningOrderRefused(_("Every finalist of this round already has a slot."))
        if not finalists:
            raise RunningOrderRefused(_("This round has no finalists yet: move the finalists into the round first."))
        start = max((r["position"] for r in existing), default=0)
        if new:
            await PitchSlot.insert(*(PitchSlot(round=live.id, application=a, position=start + i + 1,
                                               pitch_seconds=pitch_seconds, qa_seconds=qa_seconds)
                                     for i, a in enumerate(new)))
        if not await LiveStage.exists().where(LiveStage.round == live.id):
            await LiveStage.insert(LiveStage(round=live.id))
        assigned = await _assign_jurors(live, finalists)
        await audit.record("live.order_set_up", actor_id=actor.id, edition_id=live.edition_id, subject_type="round",
                           subject_id=live.id, data={"slots_added": len(new), "assignments_added": assigned})
        await publish(round_id=live.id, kind="order.changed", payload={"slots": len(existing) + len(new)})
    return len(new)


async def slot_row(live: LiveRound, slot_id: int, *, lock: bool = False) -> dict[str, Any]:
    if lock and not db.is_sqlite():
        await PitchSlot.raw("SELECT id FROM pitch_slot WHERE id = {} FOR UPDATE", slot_id)
    row = await PitchSlot.select(*SLOT_COLUMNS).where(PitchSlot.id == slot_id, PitchSlot.round == live.id).first()
    if row is None:
        raise SlotNotFound(slot_id)
    return row


async def move_slot(*, actor: SessionUser, edition_slug: str, round_code: str, slot_id: int, direction: str) -> None:
    """Move a slot one place earlier ("up") or later ("down") in the running order."""
    live = await live_round(actor, edition_slug, round_code)
    async with db.write_transaction():
        await slot_row(live, slot_id)
        rows = await PitchSlot.select(PitchSlot.id).where(PitchSlot.round == live.id).order_by(
            PitchSlot.position).order_by(PitchSlot.id)
        before = [r["id"] for r in rows]
        after = clock.moved(before, slot_id, direction)
        if after == before:
            return
        for position, sid in enumerate(after, start=1):
            await PitchSlot.update({PitchSlot.position: position, PitchSlot.version: PitchSlot.version + 1}).where(
                PitchSlot.id == sid)
        await audit.record("live.slot_moved", actor_id=actor.id, edition_id=live.edition_id, subject_type="pitch_slot",
                           subject_id=slot_id, data={"direction": direction, "position": after.index(slot_id) + 1})
        await publish(round_id=live.id, kind="order.changed", payload={"slot": slot_id,
                                                                       "position": after.index(slot_id) + 1})


def parse_slot_input(typed: dict[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """Minutes of pitch and Q&A (whole, 1 to 120, Q&A may be 0) and a room; errors by field."""
    errors, values = {}, {}
    for name, low in (("pitch_minutes", 1), ("qa_minutes", 0)):
        raw = (typed.get(name) or "").strip()
        try:
            number = int(raw)
        except ValueError:
            number = None
        if number is None or not low <= number <= MAX_MINUTES:
            errors[name] = _("Enter whole minutes from {low} to {high}.").format(low=low, high=MAX_MINUTES)
        else:
            values[name] = number
    room = (typed.get("room") or "").strip()
    if len(room) > MAX_ROOM:
        errors["room"] = _("Keep the room or stream to {count} characters.").format(count=MAX_ROOM)
    values["room"] = room
    return values, errors


async def update_slot(*, actor: SessionUser, edition_slug: str, round_code: str, slot_id: int,
                      typed: dict[str, str]) -> None:
    """Change a slot's pitch and Q&A minutes and its room; a running clock keeps its start."""
    live = await live_round(actor, edition_slug, round_code)
    values, errors = parse_slot_input(typed)
    if errors:
        raise SlotInputRefused(errors, typed)
    async with db.write_transaction():
        await slot_row(live, slot_id, lock=True)
        await PitchSlot.update({PitchSlot.pitch_seconds: values["pitch_minutes"] * 60,
                                PitchSlot.qa_seconds: values["qa_minutes"] * 60, PitchSlot.room: values["room"],
                                PitchSlot.version: PitchSlot.version + 1}).where(PitchSlot.id == slot_id)
        await audit.record("live.slot_changed", actor_id=actor.id, edition_id=live.edition_id,
                           subject_type="pitch_slot", subject_id=slot_id, data=values)
        await publish(round_id=live.id, kind="order.changed", payload={"slot": slot_id})


async def mark_absent(*, actor: SessionUser, edition_slug: str, round_code: str, slot_id: int,
                      absent: bool) -> None:
    """Mark a waiting finalist absent, or back as waiting; a pitch already given cannot be marked absent."""
    live = await live_round(actor, edition_slug, round_code)
    async with db.write_transaction():
        row = await slot_row(live, slot_id, lock=True)
        wanted, needed = (clock.ABSENT, clock.WAITING) if absent else (clock.WAITING, clock.ABSENT)
        if row["status"] != needed:
            raise RunningOrderRefused(_("Only a finalist who has not pitched yet can be marked absent.") if absent
                                      else _("This finalist is not marked absent."))
        await PitchSlot.update({PitchSlot.status: wanted, PitchSlot.version: PitchSlot.version + 1}).where(
            PitchSlot.id == slot_id)
        await audit.record("live.slot_absent" if absent else "live.slot_present", actor_id=actor.id,
                           edition_id=live.edition_id, subject_type="pitch_slot", subject_id=slot_id)
        await publish(round_id=live.id, kind="slot.absent", payload={"slot": slot_id, "status": wanted})


async def live_rounds(*, actor: SessionUser, edition_slug: str) -> list[dict[str, Any]]:
    """The edition's final-pitch rounds, for the console's "Live final" link."""
    edition = await access.edition_for_organiser(actor=actor, edition_slug=edition_slug)
    return [{"code": r.code, "name": r.name} for r in edition.rounds if r.kind == LIVE_KIND]

"""Rounds as the organiser moves through them: entries passed into a round, scoring closed and reopened.

Once an organiser has moved entries into a round, those entries are the round's; a round nobody moved entries
into falls back to the statuses its kind plays with (editions loaded before the passage existed).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from core.applications import lifecycle
from core.editions.access import edition_for_organiser
from core.judging.progress import RoundNotFound, RoundProgressReport, round_progress
from core.messaging import events
from core.platform import audit, db
from core.platform.errors import Refused
from core.platform.i18n import gettext as _
from core.platform.identity import SessionUser
from core.platform.tables import Application, Assignment, Decision, Review, Round, RoundEntry

SCORING_CLOSED = "closed"
SCORING_OPEN = "open"
# Rounds that follow the finalists rather than score them: finalists pass in, their status stays.
FINALIST_ROUNDS = ("mentoring", "final_pitch")
# Rounds no entry is moved into: the admissibility check works on every submitted application.
NO_PASSAGE = ("admissibility",)
MAX_REASON = 1000


class PassageRefused(Refused):
    """The passage cannot be made or undone now; nothing was changed."""


class ScoringStateRefused(Refused):
    """Scoring cannot be closed or reopened as asked; nothing was changed."""


@dataclass(frozen=True)
class Passage:
    """What moving entries into a round would do, for the round's page."""

    round_id: int
    round_code: str
    source: str  # the status entries come from: admissible, advanced or finalist
    from_round: dict[str, str]  # the previous judged round's name, when entries come from its decisions
    ready: int  # entries that would move in now
    already_in: int
    scoring_started: bool
    scoring_closed: bool

    @property
    def can_move(self) -> bool:
        return self.ready > 0

    @property
    def can_undo(self) -> bool:
        return self.already_in > 0 and not self.scoring_started


@dataclass(frozen=True)
class RoundPage:
    """The round's page in the console: the jury's progress, the passage into the round, and its scoring state."""

    report: RoundProgressReport
    passage: Passage | None
    scoring_closed: bool


def scoring_closed(round_row: dict[str, Any]) -> bool:
    """Whether the organiser has closed the round's scoring (by hand, or by publishing its decisions)."""
    return round_row.get("status") == SCORING_CLOSED


async def round_entry_ids(round_id: int) -> list[int] | None:
    """The entries moved into the round, or None when none was (the round then plays by statuses)."""
    rows = await RoundEntry.select(RoundEntry.application).where(RoundEntry.round == round_id).order_by(
        RoundEntry.application)
    return [r["application"] for r in rows] if rows else None


async def entries_in_play(round_row: dict[str, Any]) -> Any:
    """A where-clause for the round's entries among the edition's applications."""
    where = Application.edition == round_row["edition"]
    moved = await round_entry_ids(round_row["id"])
    if moved is not None:
        return where & Application.id.is_in(moved)
    statuses = list(lifecycle.IN_PLAY.get(round_row["kind"], lifecycle.DEFAULT_IN_PLAY))
    return where & Application.status.is_in(statuses)


async def _round(actor: SessionUser, edition_slug: str, round_code: str) -> dict[str, Any]:
    edition = await edition_for_organiser(actor=actor, edition_slug=edition_slug)
    row = await Round.select(
        Round.id, Round.code, Round.name, Round.kind, Round.position, Round.status, Round.edition,
    ).output(load_json=True).where(Round.edition == edition.id, Round.code == round_code).first()
    if row is None:
        raise RoundNotFound(round_code)
    return row


async def _previous_judged(round_row: dict[str, Any]) -> dict[str, Any] | None:
    return await Round.select(Round.id, Round.name).output(load_json=True).where(
        Round.edition == round_row["edition"], Round.position < round_row["position"],
        Round.kind.not_in([*NO_PASSAGE, *FINALIST_ROUNDS])).order_by(Round.position, ascending=False).first()


async def _source(round_row: dict[str, Any]) -> tuple[str, dict[str, Any] | None]:
    """The status entries pass in from, and the judged round whose decisions made it (if any)."""
    if round_row["kind"] in NO_PASSAGE:
        raise PassageRefused(_("Every submitted application is checked in this round: there is nothing to move."))
    if round_row["kind"] in FINALIST_ROUNDS:
        return lifecycle.FINALIST, None
    previous = await _previous_judged(round_row)
    return (lifecycle.ADVANCED, previous) if previous else (lifecycle.ADMISSIBLE, None)


async def _ready(round_row: dict[str, Any], source: str, previous: dict[str, Any] | None) -> list[dict[str, Any]]:
    query = Application.select(Application.id, Application.status).where(
        Application.edition == round_row["edition"], Application.status == source)
    if previous is not None:
        advanced = await Decision.select(Decision.application).where(
            Decision.round == previous["id"], Decision.outcome == lifecycle.ADVANCED,
            Decision.published_at.is_not_null())
        query = query.where(Application.id.is_in([d["application"] for d in advanced] or [0]))
    inside = {r["application"] for r in await RoundEntry.select(RoundEntry.application).where(
        RoundEntry.round == round_row["id"])}
    return [a for a in await query.order_by(Application.id) if a["id"] not in inside]


async def _scoring_started(round_id: int) -> bool:
    return (await Assignment.exists().where(Assignment.round == round_id)
            or await Review.exists().where(Review.assignment.round == round_id))


async def _passage(round_row: dict[str, Any]) -> Passage | None:
    if round_row["kind"] in NO_PASSAGE:
        return None
    source, previous = await _source(round_row)
    return Passage(
        round_id=round_row["id"], round_code=round_row["code"], source=source,
        from_round=(previous or {}).get("name") or {}, ready=len(await _ready(round_row, source, previous)),
        already_in=await RoundEntry.count().where(RoundEntry.round == round_row["id"]),
        scoring_started=await _scoring_started(round_row["id"]), scoring_closed=scoring_closed(round_row))


async def round_passage(*, actor: SessionUser, edition_slug: str, round_code: str) -> Passage | None:
    """Entries ready to move into the round and those already in; None for a round nobody moves entries into."""
    return await _passage(await _round(actor, edition_slug, round_code))


async def round_page(*, actor: SessionUser, edition_slug: str, round_code: str) -> RoundPage:
    """Everything the round's page shows, for an organiser of its edition."""
    report = await round_progress(actor=actor, edition_slug=edition_slug, round_code=round_code)
    round_row = await _round(actor, edition_slug, round_code)
    return RoundPage(report=report, passage=await _passage(round_row), scoring_closed=scoring_closed(round_row))


def _moved_status(round_row: dict[str, Any]) -> str | None:
    """The status an entry takes in the round: being judged, or unchanged for the finalists' rounds."""
    return None if round_row["kind"] in FINALIST_ROUNDS else lifecycle.IN_ROUND


async def move_entries_in(*, actor: SessionUser, edition_slug: str, round_code: str) -> int:
    """Move every ready entry into the round; returns how many moved. Refused when none is ready."""
    round_row = await _round(actor, edition_slug, round_code)
    source, previous = await _source(round_row)
    target = _moved_status(round_row)
    async with db.write_transaction():
        ready = await _ready(round_row, source, previous)
        if not ready:
            raise PassageRefused(_("No entry is ready to move into this round."))
        ids = [a["id"] for a in ready]
        await RoundEntry.insert(*(RoundEntry(round=round_row["id"], application=i, moved_by=actor.id) for i in ids))
        if target is not None:
            for application in ready:
                lifecycle.transition(application["status"], target)
            # Only rows still in the source status move: a change in between makes the count differ, and we stop.
            moved = await Application.update({Application.status: target}).where(
                Application.id.is_in(ids), Application.status == source).returning(Application.id)
            if len(moved) != len(ids):
                raise lifecycle.IllegalTransition(source, target)
        await audit.record("round.entries_moved_in", actor_id=actor.id, edition_id=round_row["edition"],
                           subject_type="round", subject_id=round_row["id"],
                           data={"round": round_code, "from": source, "to": target or source, "entries": ids})
        # The organiser's act that opens the round to its entries; jurors' dates are not events.
        await events.emit("round.opened", edition_id=round_row["edition"], subject_type="round",
                          subject_id=round_row["id"], data={"round": round_code, "entries": len(ids)})
    return len(ids)


async def undo_passage(*, actor: SessionUser, edition_slug: str, round_code: str) -> int:
    """Take the moved entries back out of the round, while no juror has an assignment or a review in it."""
    round_row = await _round(actor, edition_slug, round_code)
    source, _previous = await _source(round_row)
    target = _moved_status(round_row)
    async with db.write_transaction():
        if await _scoring_started(round_row["id"]):
            raise PassageRefused(_("Scoring has started in this round (jurors have assignments or reviews): "
                                   "the passage can no longer be undone."))
        inside = [r["application"] for r in await RoundEntry.select(RoundEntry.application).where(
            RoundEntry.round == round_row["id"])]
        if not inside:
            raise PassageRefused(_("No entry has been moved into this round."))
        if target is not None:
            for application in await Application.select(Application.id, Application.status).where(
                    Application.id.is_in(inside), Application.status == target):
                lifecycle.transition(application["status"], source)
            await Application.update({Application.status: source}).where(
                Application.id.is_in(inside), Application.status == target)
        await RoundEntry.delete().where(RoundEntry.round == round_row["id"])
        await audit.record("round.passage_undone", actor_id=actor.id, edition_id=round_row["edition"],
                           subject_type="round", subject_id=round_row["id"],
                           data={"round": round_code, "back_to": source, "entries": inside})
    return len(inside)


# -- scoring closed and reopened ----------------------------------------------------------------------


async def close_scoring(*, actor: SessionUser, edition_slug: str, round_code: str) -> None:
    """Jurors can no longer save or submit in the round; decisions may then be published."""
    round_row = await _round(actor, edition_slug, round_code)
    async with db.write_transaction():
        closed = await Round.update({Round.status: SCORING_CLOSED}).where(
            Round.id == round_row["id"], Round.status != SCORING_CLOSED).returning(Round.id)
        if not closed:
            raise ScoringStateRefused(_("Scoring for this round is already closed."))
        await audit.record("round.scoring_closed", actor_id=actor.id, edition_id=round_row["edition"],
                           subject_type="round", subject_id=round_row["id"], data={"round": round_code})
        await events.emit("round.closed", edition_id=round_row["edition"], subject_type="round",
                          subject_id=round_row["id"], data={"round": round_code})


async def reopen_scoring(*, actor: SessionUser, edition_slug: str, round_code: str, reason: str) -> int:
    """Jurors may save again; published decisions of the round are marked as needing review. Returns how many."""
    reason = " ".join(reason.split())[:MAX_REASON]
    if not reason:
        raise ScoringStateRefused(_("Give a reason for reopening scoring."))
    round_row = await _round(actor, edition_slug, round_code)
    async with db.write_transaction():
        reopened = await Round.update({Round.status: SCORING_OPEN}).where(
            Round.id == round_row["id"], Round.status == SCORING_CLOSED).returning(Round.id)
        if not reopened:
            raise ScoringStateRefused(_("Scoring for this round is open already."))
        flagged = await Decision.update({Decision.needs_review: True}).where(
            Decision.round == round_row["id"], Decision.published_at.is_not_null()).returning(Decision.id)
        await audit.record("round.scoring_reopened", actor_id=actor.id, edition_id=round_row["edition"],
                           subject_type="round", subject_id=round_row["id"],
                           data={"round": round_code, "reason": reason, "decisions_to_review": len(flagged)})
        # The reason stays out of the event: it is the organisers' note, not for partners.
        await events.emit("round.reopened", edition_id=round_row["edition"], subject_type="round",
                          subject_id=round_row["id"], data={"round": round_code, "decisions": len(flagged)})
    return len(flagged)


async def close_after_publication(round_id: int) -> None:
    """Publishing keeps the round closed; called inside the publishing transaction."""
    await Round.update({Round.status: SCORING_CLOSED}).where(Round.id == round_id)

"""The panel chair's side of the consensus workflow: disagreeing entries, their threads, consensus scores.

A round running the `consensus` workflow names its chairs in `settings["chairs"]` (account ids
or email addresses); a chair must also be a juror of the edition. Anyone else, the entry's own
jurors included, gets "not found" here; jurors take part from their own review page, once their
review is submitted. The original reviews are never changed: a consensus score sits beside them,
is audited, and replaces the calibrated score in the round's results.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from core.judging.reviews import (
    Discussion,
    OtherReview,
    _other_reviews,
    _round,
    entry_label,
    has_consensus_step,
    is_chair,
    message_text,
    panels_labels,
    round_rubric,
    thread_for,
)
from core.platform import audit, db
from core.platform.errors import NotFound
from core.platform.i18n import gettext as _
from core.platform.identity import SessionUser
from core.platform.tables import Application, ConflictOfInterest, ConsensusMessage, ConsensusThread, Review
from scoring.consensus import disagreement_threshold, disagreements
from scoring.rubric import Rubric, total_range


class NotChair(NotFound):
    """Not a consensus round, not this person's to chair, or an entry they may not discuss: all look the same."""


@dataclass(frozen=True)
class PanelTotal:
    label: str
    total: float


@dataclass(frozen=True)
class DisagreeingEntry:
    application_id: int
    label: str
    track: dict[str, str]
    totals: list[PanelTotal]
    spread: float
    thread_open: bool
    consensus: float | None


@dataclass(frozen=True)
class ConsensusOverview:
    """What the chair's list shows: the threshold in use and the entries past it, widest spread first."""

    round_id: int
    round_name: dict[str, str]
    edition_title: dict[str, str]
    blind: bool
    threshold: float
    low: float
    high: float
    entries: list[DisagreeingEntry]


@dataclass(frozen=True)
class ConsensusEntry:
    """One entry as its chair discusses it: the panel's submitted reviews, the thread, the consensus so far."""

    round_id: int
    round_name: dict[str, str]
    application_id: int
    label: str
    track: dict[str, str]
    blind: bool
    rubric: Rubric
    reviews: list[OtherReview]
    spread: float | None
    threshold: float
    low: float
    high: float
    discussion: Discussion | None
    time_zone: str


@dataclass(frozen=True)
class _ChairRound:
    row: dict[str, Any]
    rubric: Rubric
    threshold: float
    low: float
    high: float


async def _chair_round(chair: SessionUser, round_id: int) -> _ChairRound:
    row = await _round(round_id)
    if row is None or not has_consensus_step(row["workflow"], row["edition.enabled_plugins"]):
        raise NotChair(round_id)
    settings = row["settings"] or {}
    if not is_chair(chair, settings, row["edition.slug"]):
        raise NotChair(round_id)
    try:
        rubric = round_rubric(row)
    except ValueError:
        raise NotChair(round_id) from None
    try:
        threshold = disagreement_threshold(rubric, settings.get("consensus_threshold"))
    except (TypeError, ValueError):
        threshold = disagreement_threshold(rubric)  # a mistyped setting falls back to the documented default
    low, high = total_range(rubric)
    return _ChairRound(row=row, rubric=rubric, threshold=threshold, low=low, high=high)


async def _submitted_totals(round_id: int) -> dict[int, list[tuple[int, float]]]:
    rows = await Review.select(Review.total, Review.assignment.application, Review.assignment.juror).where(
        Review.assignment.round == round_id, Review.assignment.status != "recused", Review.status == "submitted",
        Review.total.is_not_null()).order_by(Review.assignment)
    totals: dict[int, list[tuple[int, float]]] = {}
    for row in rows:
        totals.setdefault(row["assignment.application"], []).append((row["assignment.juror"], row["total"]))
    return totals


async def _conflicted(chair: SessionUser, round_id: int) -> set[int]:
    """Entries the chair may not discuss: a conflict they declared or that was detected for them."""
    rows = await ConflictOfInterest.select(ConflictOfInterest.application, ConflictOfInterest.round).where(
        ConflictOfInterest.juror == chair.id)
    return {r["application"] for r in rows if r["round"] in (None, round_id)}


def _label(application_id: int, title: str, blind: bool) -> str:
    return entry_label(application_id) if blind or not title else f"{entry_label(application_id)} – {title}"


async def consensus_overview(*, chair: SessionUser, round_id: int) -> ConsensusOverview:
    """The entries whose submitted totals disagree beyond the round's threshold, and those already discussed."""
    found = await _chair_round(chair, round_id)
    totals = await _submitted_totals(round_id)
    spreads = disagreements({e: [t for _j, t in ts] for e, ts in totals.items()}, threshold=found.threshold)
    threads = {t["application"]: t for t in await ConsensusThread.select(
        ConsensusThread.application, ConsensusThread.score).where(ConsensusThread.round == round_id)}
    shown = (set(spreads) | set(threads)) - await _conflicted(chair, round_id)
    applications = {a["id"]: a for a in await Application.select(
        Application.id, Application.title, Application.track.name).output(load_json=True).where(Application.id.is_in(
                list(shown)))
    } if shown else {}
    panels = await panels_labels(round_id, list(shown))
    entries = []
    for application_id in shown:
        labels = panels.get(application_id, {})
        given = totals.get(application_id, [])
        values = [t for _j, t in given]
        application = applications[application_id]
        entries.append(DisagreeingEntry(
            application_id=application_id, label=_label(application_id, application["title"], found.row["blind"]),
            track=application["track.name"] or {},
            totals=[PanelTotal(label=labels.get(juror, _("Juror")), total=total) for juror, total in given],
            spread=max(values) - min(values) if values else 0.0, thread_open=application_id in threads,
            consensus=threads[application_id]["score"] if application_id in threads else None))
    entries.sort(key=lambda e: (-e.spread, e.application_id))
    return ConsensusOverview(round_id=round_id, round_name=found.row["name"],
                             edition_title=found.row["edition.title"], blind=bool(found.row["blind"]),
                             threshold=found.threshold, low=found.low, high=found.high, entries=entries)


async def _chair_entry(chair: SessionUser, round_id: int, application_id: int) -> tuple[_ChairRound, float | None]:
    """The round and the entry's spread, if the chair may discuss this entry: past the threshold or already open."""
    found = await _chair_round(chair, round_id)
    if application_id in await _conflicted(chair, round_id):
        raise NotChair(application_id)
    given = [t for _j, t in (await _submitted_totals(round_id)).get(application_id, [])]
    spread = max(given) - min(given) if given else None
    if application_id not in disagreements({application_id: given}, threshold=found.threshold):
        opened = await ConsensusThread.exists().where(ConsensusThread.round == round_id,
                                                      ConsensusThread.application == application_id)
        if not opened:
            raise NotChair(application_id)
    return found, spread


async def consensus_entry(*, chair: SessionUser, round_id: int, application_id: int) -> ConsensusEntry:
    found, spread = await _chair_entry(chair, round_id, application_id)
    application = await Application.select(Application.title, Application.track.name).output(load_json=True).where(
        Application.id == application_id).first()
    return ConsensusEntry(
        round_id=round_id, round_name=found.row["name"], application_id=application_id,
        label=_label(application_id, application["title"], found.row["blind"]),
        track=application["track.name"] or {}, blind=bool(found.row["blind"]), rubric=found.rubric,
        reviews=await _other_reviews(round_id, application_id, own_assignment=-1), spread=spread,
        threshold=found.threshold, low=found.low, high=found.high,
        discussion=await thread_for(round_id=round_id, application_id=application_id, reader_id=chair.id),
        time_zone=found.row["edition.time_zone"])


async def _open(chair: SessionUser, found: _ChairRound, application_id: int) -> int:
    """The entry's thread, opened now if it was not (inside the caller's write transaction)."""
    round_id = found.row["id"]
    thread = await db.locked(ConsensusThread.select(ConsensusThread.id).where(
        ConsensusThread.round == round_id, ConsensusThread.application == application_id)).first()
    if thread:
        return thread["id"]
    thread_id = (await ConsensusThread.insert(ConsensusThread(
        round=round_id, application=application_id, opened_by=chair.id)))[0]["id"]
    await audit.record("consensus.thread_opened", actor_id=chair.id, edition_id=found.row["edition"],
                       subject_type="consensus_thread", subject_id=thread_id, data={"application": application_id})
    return thread_id


async def open_thread(*, chair: SessionUser, round_id: int, application_id: int) -> None:
    """Open the entry's discussion: from now on its jurors who submitted can read and post."""
    async with db.write_transaction():
        found, _spread = await _chair_entry(chair, round_id, application_id)
        await _open(chair, found, application_id)


async def post_chair_message(*, chair: SessionUser, round_id: int, application_id: int, body: str) -> None:
    text = message_text(body)
    async with db.write_transaction():
        found, _spread = await _chair_entry(chair, round_id, application_id)
        thread_id = await _open(chair, found, application_id)
        message_id = (await ConsensusMessage.insert(ConsensusMessage(
            thread=thread_id, author=chair.id, by_chair=True, body=text)))[0]["id"]
        await audit.record("consensus.message_posted", actor_id=chair.id, edition_id=found.row["edition"],
                           subject_type="consensus_message", subject_id=message_id,
                           data={"thread": thread_id, "as": "chair"})


async def set_consensus(*, chair: SessionUser, round_id: int, application_id: int, score: str,
                        reason: str) -> dict[str, str]:
    """Record the panel's consensus score with its written reason; the errors by field, empty when it was set."""
    errors: dict[str, str] = {}
    async with db.write_transaction():
        found, _spread = await _chair_entry(chair, round_id, application_id)
        value = None
        try:
            value = float(score.strip().replace(",", "."))
        except ValueError:
            errors["score"] = _("Enter the consensus score as a number.")
        if value is not None and (not math.isfinite(value) or not found.low <= value <= found.high):
            errors["score"] = _("Give a score from {low} to {high}.").format(low=f"{found.low:g}",
                                                                            high=f"{found.high:g}")
        text = reason.strip()
        if not text:
            errors["reason"] = _("Write the reason for the consensus score; it goes in the record.")
        if errors:
            return errors
        thread_id = await _open(chair, found, application_id)
        previous = await ConsensusThread.select(ConsensusThread.score, ConsensusThread.reason).where(
            ConsensusThread.id == thread_id).first()
        await ConsensusThread.update({ConsensusThread.score: value, ConsensusThread.reason: text[:4000],
                                      ConsensusThread.decided_by: chair.id,
                                      ConsensusThread.decided_at: datetime.now(UTC)}).where(
            ConsensusThread.id == thread_id)
        await audit.record("consensus.set", actor_id=chair.id, edition_id=found.row["edition"],
                           subject_type="consensus_thread", subject_id=thread_id,
                           data={"application": application_id, "score": value, "reason": text[:4000],
                                 "previous": previous["score"], "previous_reason": previous["reason"]})
    return errors

"""Rounds judged by comparing entries: pairwise choices and ranked ballots.

A juror reaches a round only through an assignment in it; someone else's round is "not found".
In a pairwise round the juror picks the better of two entries (their own assigned entries, or every
entry in play when the round says `pairwise_pool: all`) and the next pair is the one that teaches
the model most, worked out on each request from the choices stored so far, so any worker serves any
juror. In a ranked round each juror ranks the finalists, a draft until submitted, editable until the
round closes. Blind rounds show neither the entity, nor the people, nor answers marked identifying.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from core.applications.form import stored_form
from core.editions.schema import SectionSpec
from core.judging import redaction
from core.judging.entry_reading import AnswerSection, answer_sections
from core.judging.reviews import (
    CONFLICT_KINDS,
    ScoringClosed,
    _identifying,
    _is_open,
    _require_ready_to_score,
    _round,
    _visible_section,
    entry_label,
    juror_task,
    require_ready,
)
from core.judging.rounds import entries_in_play
from core.platform import audit, db
from core.platform.errors import NotFound, Refused
from core.platform.i18n import gettext as _
from core.platform.identity import SessionUser
from core.platform.tables import Application, Assignment, Comparison, ConflictOfInterest, RankingBallot, TeamMember
from scoring.pairwise import next_pair, pairwise_state, record_comparison


class RoundNotFound(NotFound):
    """Not a round this juror has assignments in, or not one judged this way."""


class EntryNotAllowed(NotFound):
    """An entry the juror may not compare: not theirs, not in play, or one they declared a conflict with."""


class ConflictKindMissing(Refused):
    """A conflict declared without one of the kinds the juror must choose from."""


class AlreadyCompared(ValueError):
    """The juror already chose between these two entries."""


@dataclass(frozen=True)
class EntryView:
    """An entry as the juror sees it; in a blind round title, entity, people and identifying answers are empty."""

    id: int
    label: str
    title: str
    entity_name: str
    track: dict[str, str]
    answers: dict[str, Any] = field(default_factory=dict)
    team: list[dict[str, Any]] = field(default_factory=list)
    # The answers in words, section by section (see `entry_reading`).
    reading: list[AnswerSection] = field(default_factory=list)


@dataclass(frozen=True)
class RoundHeader:
    round_id: int
    round_name: dict[str, str]
    edition_title: dict[str, str]
    blind: bool
    open: bool
    closes_at: datetime | None
    time_zone: str


@dataclass(frozen=True)
class PairPage:
    header: RoundHeader
    sections: list[SectionSpec]
    pair: tuple[EntryView, EntryView] | None
    pool: int
    compared: int


@dataclass(frozen=True)
class RankingPage:
    header: RoundHeader
    entries: list[EntryView]
    positions: dict[int, int]
    status: str
    version: int


@dataclass
class BallotOutcome:
    """A ballot save: errors per entry (the form shows them beside the field), or the new state."""

    errors: dict[int, str] = field(default_factory=dict)
    message: str = ""
    submitted: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors and not self.message


# -- fences -----------------------------------------------------------------------------------------


async def _juror_round(juror: SessionUser, round_id: int, task: str) -> dict[str, Any]:
    if not await Assignment.exists().where(Assignment.round == round_id, Assignment.juror == juror.id):
        raise RoundNotFound(round_id)
    row = await _round(round_id)
    if row is None or juror_task(row["workflow"], row["edition.enabled_plugins"]) != task:
        raise RoundNotFound(round_id)
    return row


def _header(round_row: dict[str, Any], now: datetime) -> RoundHeader:
    return RoundHeader(round_id=round_row["id"], round_name=round_row["name"],
                       edition_title=round_row["edition.title"], blind=bool(round_row["blind"]),
                       open=_is_open(round_row, now), closes_at=round_row["closes_at"],
                       time_zone=round_row["edition.time_zone"])


async def _conflicted(juror_id: int) -> set[int]:
    return {c["application"] for c in await ConflictOfInterest.select(ConflictOfInterest.application).where(
        ConflictOfInterest.juror == juror_id)}


async def _in_play(round_row: dict[str, Any]) -> list[int]:
    return [a["id"] for a in await Application.select(Application.id).where(
        await entries_in_play(round_row)).order_by(Application.id)]


async def _comparable(round_row: dict[str, Any], juror_id: int) -> list[int]:
    """The entries this juror may compare: assigned ones (or all in play), never one they have a conflict with."""
    in_play = await _in_play(round_row)
    if (round_row["settings"] or {}).get("pairwise_pool") != "all":
        assigned = {a["application"] for a in await Assignment.select(Assignment.application).where(
            Assignment.round == round_row["id"], Assignment.juror == juror_id, Assignment.status != "recused")}
        in_play = [e for e in in_play if e in assigned]
    conflicted = await _conflicted(juror_id)
    return [e for e in in_play if e not in conflicted]


async def _views(round_row: dict[str, Any], ids: list[int], *, with_answers: bool) -> dict[int, EntryView]:
    """Entries as the juror may see them; in a blind round nothing that names the applicants."""
    if not ids:
        return {}
    blind = bool(round_row["blind"])
    sections = stored_form(round_row["edition.application_form"])
    hidden = _identifying(sections) if blind else set()
    visible = [_visible_section(s, hidden) for s in sections]
    # Jurors of a blind round read the answers as the organisers cleared them of names.
    cleared = await redaction.blind_answers(application_ids=ids, sections=sections) if blind and with_answers else {}
    rows = await Application.select(Application.id, Application.title, Application.entity_name,
                                    Application.answers, Application.track.name).output(load_json=True).where(
                                        Application.id.is_in(ids))
    team: dict[int, list[dict[str, Any]]] = {}
    if with_answers and not blind:
        for member in await TeamMember.select(TeamMember.application, TeamMember.full_name, TeamMember.role).where(
                TeamMember.application.is_in(ids)).order_by(TeamMember.position):
            team.setdefault(member["application"], []).append(member)
    views = {}
    for row in rows:
        answers = {}
        if with_answers and blind:
            answers = cleared.get(row["id"], {})
        elif with_answers:
            stored = row["answers"] or {}
            values = stored.get("values", stored) if isinstance(stored, dict) else {}
            answers = {code: value for code, value in values.items() if code not in hidden}
        views[row["id"]] = EntryView(
            id=row["id"], label=entry_label(row["id"]), title="" if blind else row["title"],
            entity_name="" if blind else row["entity_name"], track=row["track.name"] or {},
            answers=answers, team=team.get(row["id"], []),
            reading=answer_sections(visible, answers) if with_answers else [])
    return views


# -- pairwise ---------------------------------------------------------------------------------------


async def pairwise_page(*, juror: SessionUser, round_id: int, now: datetime | None = None) -> PairPage:
    """The two entries whose comparison by this juror is expected to teach the model most, or none left."""
    now = now or datetime.now(UTC)
    round_row = await _juror_round(juror, round_id, "pairwise")
    await require_ready(round_row)
    pool = await _comparable(round_row, juror.id)
    state = pairwise_state(pool)
    in_pool = set(pool)
    compared = 0
    for winner, loser, who in await round_comparisons(round_id):
        state = record_comparison(state, who, winner, loser)
        if who == juror.id and winner in in_pool and loser in in_pool:
            compared += 1
    pair = next_pair(state, juror.id, pool) if len(pool) > 1 else None
    views = None
    if pair is not None:
        found = await _views(round_row, list(pair), with_answers=True)
        # Alternate sides from one choice to the next, so neither side is always the model's first pick.
        first, second = (pair[1], pair[0]) if compared % 2 else pair
        views = (found[first], found[second])
    sections = stored_form(round_row["edition.application_form"])
    hidden = _identifying(sections) if round_row["blind"] else set()
    return PairPage(header=_header(round_row, now), sections=[_visible_section(s, hidden) for s in sections],
                    pair=views, pool=len(pool),
                    compared=compared)


async def record_choice(*, juror: SessionUser, round_id: int, winner: int, loser: int,
                        now: datetime | None = None) -> None:
    """Store "winner is better than loser"; choosing also confirms no conflict with either entry."""
    now = now or datetime.now(UTC)
    async with db.write_transaction():
        round_row = await _juror_round(juror, round_id, "pairwise")
        if not _is_open(round_row, now):
            raise ScoringClosed(_("Judging for this round is closed."))
        await _require_ready_to_score(round_row)
        pool = await _comparable(round_row, juror.id)
        if winner == loser or winner not in pool or loser not in pool:
            raise EntryNotAllowed((winner, loser))
        entry_a, entry_b = sorted((winner, loser))
        if await Comparison.exists().where(Comparison.round == round_id, Comparison.juror == juror.id,
                                           Comparison.entry_a == entry_a, Comparison.entry_b == entry_b):
            raise AlreadyCompared((winner, loser))
        row = (await Comparison.insert(Comparison(round=round_id, juror=juror.id, entry_a=entry_a, entry_b=entry_b,
                                                  winner=winner, created_at=now)))[0]
        await Assignment.update({Assignment.conflict_checked_at: now}).where(
            Assignment.round == round_id, Assignment.juror == juror.id,
            Assignment.application.is_in([winner, loser]), Assignment.conflict_checked_at.is_null())
        await audit.record("comparison.recorded", actor_id=juror.id, edition_id=round_row["edition"],
                           subject_type="comparison", subject_id=row["id"],
                           data={"round": round_id, "winner": winner, "loser": loser})


async def declare_pair_conflict(*, juror: SessionUser, round_id: int, entry: int | None, kind: str,
                                reason: str) -> None:
    """The entry leaves this juror's pairs (and their assignment, if any, is released); the conflict is kept.

    EntryNotAllowed when no entry is named; ConflictKindMissing when the kind is not one of CONFLICT_KINDS.
    """
    if entry is None:
        raise EntryNotAllowed(entry)
    if kind not in CONFLICT_KINDS:
        raise ConflictKindMissing(_("Choose the kind of conflict."))
    async with db.write_transaction():
        round_row = await _juror_round(juror, round_id, "pairwise")
        if entry not in await _comparable(round_row, juror.id):
            raise EntryNotAllowed(entry)
        await ConflictOfInterest.insert(ConflictOfInterest(
            application=entry, juror=juror.id, round=round_id, kind=kind, reason=reason.strip()[:2000],
            rule="declared", source="declared"))
        await Assignment.update({Assignment.status: "recused"}).where(
            Assignment.round == round_id, Assignment.juror == juror.id, Assignment.application == entry)
        await audit.record("conflict.declared", actor_id=juror.id, edition_id=round_row["edition"],
                           subject_type="application", subject_id=entry, data={"kind": kind, "round": round_id})


# -- ranked vote ------------------------------------------------------------------------------------


async def _candidates(round_row: dict[str, Any], juror_id: int) -> list[int]:
    conflicted = await _conflicted(juror_id)
    return [e for e in await _in_play(round_row) if e not in conflicted]


async def ranking_page(*, juror: SessionUser, round_id: int, now: datetime | None = None) -> RankingPage:
    now = now or datetime.now(UTC)
    round_row = await _juror_round(juror, round_id, "ranking")
    await require_ready(round_row)
    candidates = await _candidates(round_row, juror.id)
    views = await _views(round_row, candidates, with_answers=False)
    ballot = await RankingBallot.select().output(load_json=True).where(RankingBallot.round == round_id,
                                                RankingBallot.juror == juror.id).first()
    stored = {int(e): int(p) for e, p in (ballot["positions"] or {}).items()} if ballot else {}
    return RankingPage(header=_header(round_row, now), entries=[views[e] for e in candidates if e in views],
                       positions={e: p for e, p in stored.items() if e in views},
                       status=ballot["status"] if ballot else "new", version=ballot["version"] if ballot else 0)


def check_positions(candidates: list[int], typed: dict[int, str], *, complete: bool) -> tuple[dict[int, int],
                                                                                                dict[int, str]]:
    """Positions 1..n, each given once; on submit every entry needs one. Errors are keyed by entry."""
    count = len(candidates)
    positions: dict[int, int] = {}
    errors: dict[int, str] = {}
    for entry in candidates:
        text = typed.get(entry, "").strip()
        if not text:
            if complete:
                errors[entry] = _("Give this entry a position.")
            continue
        try:
            value = int(text)
        except ValueError:
            value = 0
        if not 1 <= value <= count:
            errors[entry] = _("Choose a position from 1 to {count}.").format(count=count)
            continue
        positions[entry] = value
    for entry, value in positions.items():
        if sum(v == value for v in positions.values()) > 1:
            errors[entry] = _("Position {position} is given to more than one entry.").format(position=value)
    return positions, errors


async def save_ballot(*, juror: SessionUser, round_id: int, typed: dict[int, str], submit: bool,
                      version: int | None = None, now: datetime | None = None) -> BallotOutcome:
    """Save a draft or submit; a submitted ballot stays submitted (and complete) through later changes."""
    now = now or datetime.now(UTC)
    outcome = BallotOutcome()
    async with db.write_transaction():
        round_row = await _juror_round(juror, round_id, "ranking")
        if not _is_open(round_row, now):
            raise ScoringClosed(_("Voting for this round is closed."))
        await _require_ready_to_score(round_row)
        ballot = await db.locked(RankingBallot.select().output(load_json=True).where(RankingBallot.round == round_id,
                                                              RankingBallot.juror == juror.id)).first()
        if version is not None and ballot is not None and ballot["version"] != version:
            outcome.message = _("Your ranking was changed in another tab or device; check it and save again.")
            return outcome
        was_submitted = bool(ballot and ballot["status"] == "submitted")
        candidates = await _candidates(round_row, juror.id)
        positions, outcome.errors = check_positions(candidates, typed, complete=submit or was_submitted)
        if outcome.errors:
            return outcome
        values = {RankingBallot.positions: {str(e): p for e, p in sorted(positions.items())},
                  RankingBallot.updated_at: now,
                  RankingBallot.status: "submitted" if submit or was_submitted else "draft"}
        if submit and not was_submitted:
            values[RankingBallot.submitted_at] = now
        if ballot is None:
            ballot_id = (await RankingBallot.insert(RankingBallot(round=round_id, juror=juror.id, version=0)))[0]["id"]
            values[RankingBallot.version] = 1
        else:
            ballot_id = ballot["id"]
            values[RankingBallot.version] = ballot["version"] + 1
        await RankingBallot.update(values).where(RankingBallot.id == ballot_id)
        if submit or was_submitted:
            await audit.record("ballot.changed" if was_submitted else "ballot.submitted", actor_id=juror.id,
                               edition_id=round_row["edition"], subject_type="ranking_ballot", subject_id=ballot_id,
                               data={"positions": {str(e): p for e, p in sorted(positions.items())}})
        outcome.submitted = submit or was_submitted
    return outcome


async def round_comparisons(round_id: int) -> tuple[tuple[int, int, int], ...]:
    """The round's pairwise choices as (winner, loser, juror), oldest first; a juror's choices about an
    entry they later declared a conflict with do not count."""
    rows = await Comparison.select(Comparison.juror, Comparison.entry_a, Comparison.entry_b, Comparison.winner).where(
        Comparison.round == round_id).order_by(Comparison.id)
    if not rows:
        return ()
    conflicts = await _conflicts({r["juror"] for r in rows})
    return tuple(
        (r["winner"], r["entry_b"] if r["winner"] == r["entry_a"] else r["entry_a"], r["juror"]) for r in rows
        if (r["juror"], r["entry_a"]) not in conflicts and (r["juror"], r["entry_b"]) not in conflicts)


async def round_rankings(round_id: int, *, entries: tuple[int, ...]) -> dict[int, tuple[int, ...]]:
    """Each juror's submitted ballot as entries from first to last; entries no longer in play, or that the
    juror has a conflict with, are dropped (the ballot then ranks them below the others, as left off)."""
    ballots = await RankingBallot.select(RankingBallot.juror, RankingBallot.positions).output(load_json=True).where(
        RankingBallot.round == round_id, RankingBallot.status == "submitted").order_by(RankingBallot.juror)
    conflicts = await _conflicts({b["juror"] for b in ballots})
    rankings = {}
    for ballot in ballots:
        positions = {int(entry): int(place) for entry, place in (ballot["positions"] or {}).items()}
        rankings[ballot["juror"]] = tuple(
            e for e in sorted(positions, key=lambda e: (positions[e], e))
            if e in entries and (ballot["juror"], e) not in conflicts)
    return rankings


async def _conflicts(jurors: set[int]) -> set[tuple[int, int]]:
    if not jurors:
        return set()
    return {(c["juror"], c["application"]) for c in await ConflictOfInterest.select(
        ConflictOfInterest.juror, ConflictOfInterest.application).where(ConflictOfInterest.juror.is_in(list(jurors)))}

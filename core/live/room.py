"""The live room: the big screen, the audience vote's settings and its suspicious votes, and the results reveal.

The organiser's side of the room is fenced per edition (`edition_for_organiser`) and audited; the screen is opened
by a link signed with the app's secret, and it shows nothing of results until the organiser reveals them, when the
final and the audience rankings are frozen as announced (LiveReveal).

Audience voting on a pitch opens by itself when the pitch starts and stays open through its Q&A; the organiser can
close it earlier, or open it again later; it closes for good once the slot's scoring is closed by the organiser.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from itsdangerous import BadSignature, URLSafeSerializer

from core.editions.access import edition_for_organiser
from core.live.clock import PITCH, QA, Clock
from core.live.events import publish
from core.platform import audit, db
from core.platform.errors import NotFound, Refused
from core.platform.i18n import gettext as _
from core.platform.identity import SessionUser
from core.platform.settings import Settings
from core.platform.tables import (
    AudienceBadge,
    AudienceVote,
    LiveReveal,
    LiveStage,
    PitchSlot,
    Round,
)
from core.results.combined import combined_ranking
from core.results.rounds import NoResults, round_results
from scoring.audience import audience_ranking

__all__ = ["BADGE_ALPHABET", "FLAGS", "RoomPage", "RoomRefused", "ScreenView", "badge_sheet", "count_or_dismiss",
           "ensure_stage", "generate_badges", "live_round_id_for_vote", "reveal_results", "room_page",
           "screen_token", "screen_view", "set_audience_options", "set_voting", "vote_token", "vote_url",
           "voting_is_open"]

FLAGS = ("burst_address", "burst_agent")
DISMISSED = "dismissed"
BADGE_ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"  # no look-alikes (0/O, 1/I/L, 2/Z, 5/S, 8/B)
MAX_BADGES = 2000
DEFAULT_TOP = 3
RUNNING = (PITCH, QA)


class RoomRefused(Refused):
    """The room cannot change like this; `message` says why."""


class LiveRoomNotFound(NotFound):
    """No such live round, not this person's, or a link whose signature does not hold."""


# -- links ---------------------------------------------------------------------------------------------------


def _serializer(settings: Settings, purpose: str) -> URLSafeSerializer:
    return URLSafeSerializer(settings.secret_key, salt=f"giuria-live-{purpose}")


def screen_token(settings: Settings, round_id: int) -> str:
    return _serializer(settings, "screen").dumps(round_id)


def vote_token(settings: Settings, round_id: int) -> str:
    return _serializer(settings, "vote").dumps(round_id)


def _check_token(settings: Settings, purpose: str, round_id: int, token: str) -> None:
    try:
        signed = _serializer(settings, purpose).loads(token)
    except BadSignature:
        raise LiveRoomNotFound(round_id) from None
    if signed != round_id:
        raise LiveRoomNotFound(round_id)


def live_round_id_for_vote(settings: Settings, round_id: int, token: str) -> int:
    """The round a vote link opens, if its signature holds; LiveRoomNotFound otherwise."""
    _check_token(settings, "vote", round_id, token)
    return round_id


def vote_url(settings: Settings, round_id: int) -> str:
    return f"{settings.base_url}/vote/{round_id}/{vote_token(settings, round_id)}"


def keyed_hash(settings: Settings, purpose: str, value: str) -> str:
    """A device id, an address or a browser signature as stored: keyed, so the list of them cannot be reversed."""
    key = hashlib.sha256(f"giuria:{purpose}:{settings.secret_key}".encode()).digest()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


# -- the vote's state ------------------------------------------------------------------------------------------


def voting_is_open(slot: dict[str, Any]) -> bool:
    """Open from the pitch's start to the end of its Q&A unless closed, or opened by hand; never once scoring locks."""
    if slot["voting"] == "locked" or slot["scoring"] == "locked":
        return False
    return slot["voting"] == "open" or slot["status"] in RUNNING


def ends_at(slot: dict[str, Any]) -> datetime | None:
    """When the running phase ends, by the same stored clock the control page reads (None when paused or idle)."""
    return Clock(status=slot["status"], pitch_seconds=slot["pitch_seconds"], qa_seconds=slot["qa_seconds"],
                 phase_started_at=slot["phase_started_at"], paused_remaining=slot["paused_remaining"]).ends_at()


SLOT_COLUMNS = (PitchSlot.id, PitchSlot.application, PitchSlot.position, PitchSlot.status, PitchSlot.voting,
                PitchSlot.scoring, PitchSlot.phase_started_at, PitchSlot.paused_remaining, PitchSlot.pitch_seconds,
                PitchSlot.qa_seconds, PitchSlot.application.title, PitchSlot.application.entity_name)


def _finalist(slot: dict[str, Any]) -> str:
    return slot["application.entity_name"] or slot["application.title"]


async def _slots(round_id: int) -> list[dict[str, Any]]:
    return await PitchSlot.select(*SLOT_COLUMNS).where(PitchSlot.round == round_id).order_by(PitchSlot.position)


async def _stage(round_id: int) -> dict[str, Any] | None:
    return await LiveStage.select().where(LiveStage.round == round_id).first()


async def current_slot(round_id: int) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """The stage and the slot on it (either may be None)."""
    stage = await _stage(round_id)
    if stage is None or stage["current_slot"] is None:
        return stage, None
    slot = await PitchSlot.select(*SLOT_COLUMNS).where(PitchSlot.id == stage["current_slot"]).first()
    return stage, slot


# -- the organiser's page ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SlotRow:
    id: int
    finalist: str
    status: str
    voting_open: bool
    voting: str
    counted: int
    flagged: tuple[tuple[str, int], ...]  # (flag, votes) awaiting a decision


@dataclass(frozen=True)
class StandingRow:
    place: int | None
    finalist: str
    votes: int
    mean: float | None
    low: float | None
    high: float | None
    p_first: float


@dataclass(frozen=True)
class RoomPage:
    round_id: int
    round_name: dict[str, str]
    live: bool  # a stage exists
    round_code: str = ""
    audience_vote: bool = False
    badge_codes_required: bool = False
    badges: int = 0
    revealed: bool = False
    current: str = ""
    slots: tuple[SlotRow, ...] = ()
    standings: tuple[StandingRow, ...] = ()
    screen_path: str = ""
    screen_url: str = ""
    vote_url: str = ""
    flags: tuple[str, ...] = field(default=FLAGS)


async def _organised_round(actor: SessionUser, edition_slug: str, round_id: int) -> dict[str, Any]:
    edition = await edition_for_organiser(actor=actor, edition_slug=edition_slug)
    row = await Round.select(Round.id, Round.code, Round.name, Round.kind).output(load_json=True).where(
        (Round.id == round_id) & (Round.edition == edition.id)).first()
    if row is None or row["kind"] != "final_pitch":
        raise LiveRoomNotFound(round_id)
    row["edition_id"] = edition.id
    return row


async def _standings(round_id: int, slots: list[dict[str, Any]]) -> list[StandingRow]:
    votes = await AudienceVote.select(AudienceVote.slot, AudienceVote.value).where(
        (AudienceVote.slot.round == round_id) & (AudienceVote.flag == ""))
    by_slot: dict[int, list[float]] = {slot["id"]: [] for slot in slots if slot["status"] != "absent"}
    for vote in votes:
        by_slot.setdefault(vote["slot"], []).append(vote["value"])
    names = {slot["id"]: _finalist(slot) for slot in slots}
    return [StandingRow(place=s.place, finalist=names.get(s.entry, ""), votes=s.votes, mean=s.mean, low=s.low,
                        high=s.high, p_first=s.p_first) for s in audience_ranking(by_slot)]


async def room_page(*, actor: SessionUser, edition_slug: str, round_id: int, settings: Settings) -> RoomPage:
    round_row = await _organised_round(actor, edition_slug, round_id)
    stage = await _stage(round_id)
    if stage is None:
        return RoomPage(round_id=round_id, round_name=round_row["name"] or {}, live=False, round_code=round_row["code"])
    slots = await _slots(round_id)
    counts = await AudienceVote.select(AudienceVote.slot, AudienceVote.flag).where(AudienceVote.slot.round == round_id)
    tally = Counter((row["slot"], row["flag"]) for row in counts)
    rows = tuple(SlotRow(
        id=slot["id"], finalist=_finalist(slot), status=slot["status"], voting_open=voting_is_open(slot),
        voting=slot["voting"], counted=tally[(slot["id"], "")],
        flagged=tuple((flag, tally[(slot["id"], flag)]) for flag in FLAGS if tally[(slot["id"], flag)]))
        for slot in slots)
    current = next((_finalist(slot) for slot in slots if slot["id"] == stage["current_slot"]), "")
    return RoomPage(
        round_id=round_id, round_name=round_row["name"] or {}, live=True, round_code=round_row["code"],
        audience_vote=stage["audience_vote"],
        badge_codes_required=stage["badge_codes_required"],
        badges=await AudienceBadge.count().where(AudienceBadge.round == round_id),
        revealed=stage["revealed_at"] is not None, current=current, slots=rows,
        standings=tuple(await _standings(round_id, slots)),
        screen_path=f"/live/{round_id}/screen?key={screen_token(settings, round_id)}",
        screen_url=f"{settings.base_url}/live/{round_id}/screen?key={screen_token(settings, round_id)}",
        vote_url=vote_url(settings, round_id))


async def ensure_stage(*, actor: SessionUser, edition_slug: str, round_id: int) -> None:
    """Run the round live: give it a stage (once); audited."""
    round_row = await _organised_round(actor, edition_slug, round_id)
    async with db.write_transaction():
        if await _stage(round_id) is not None:
            return
        await LiveStage(round=round_id, audience_vote=True).save()
        await audit.record("live.stage_created", actor_id=actor.id, edition_id=round_row["edition_id"],
                           subject_type="round", subject_id=round_id)


async def _stage_for_change(actor: SessionUser, edition_slug: str, round_id: int) -> dict[str, Any]:
    round_row = await _organised_round(actor, edition_slug, round_id)
    stage = await db.locked(LiveStage.select().where(LiveStage.round == round_id)).first()
    if stage is None:
        raise RoomRefused(_("This round is not run live yet."))
    stage["edition_id"] = round_row["edition_id"]
    stage["round_code"] = round_row["code"]
    return stage


async def set_audience_options(*, actor: SessionUser, edition_slug: str, round_id: int, audience_vote: bool,
                               badge_codes_required: bool) -> None:
    async with db.write_transaction():
        stage = await _stage_for_change(actor, edition_slug, round_id)
        if badge_codes_required and not await AudienceBadge.exists().where(AudienceBadge.round == round_id):
            raise RoomRefused(_("Generate the badge codes before asking for them."))
        await LiveStage.update({LiveStage.audience_vote: audience_vote,
                                LiveStage.badge_codes_required: badge_codes_required,
                                LiveStage.updated_at: datetime.now(UTC)}).where(LiveStage.id == stage["id"])
        await audit.record("live.audience_options", actor_id=actor.id, edition_id=stage["edition_id"],
                           subject_type="round", subject_id=round_id,
                           data={"audience_vote": audience_vote, "badge_codes_required": badge_codes_required})
        await publish(round_id=round_id, kind="vote.opened" if audience_vote else "vote.closed",
                      payload={"round": round_id})


async def set_voting(*, actor: SessionUser, edition_slug: str, round_id: int, slot_id: int, open_: bool) -> None:
    """Open the audience vote on a pitch by hand, or close it; audited, and the room is told."""
    async with db.write_transaction():
        stage = await _stage_for_change(actor, edition_slug, round_id)
        slot = await db.locked(PitchSlot.select(PitchSlot.id, PitchSlot.scoring).where(
            (PitchSlot.id == slot_id) & (PitchSlot.round == round_id))).first()
        if slot is None:
            raise LiveRoomNotFound(slot_id)
        if open_ and slot["scoring"] == "locked":
            raise RoomRefused(_("The jury's scoring of this pitch is closed: the audience vote cannot open again."))
        state = "open" if open_ else "locked"
        await PitchSlot.update({PitchSlot.voting: state, PitchSlot.version: PitchSlot.version + 1}).where(
            PitchSlot.id == slot_id)
        await audit.record("live.voting_opened" if open_ else "live.voting_closed", actor_id=actor.id,
                           edition_id=stage["edition_id"], subject_type="pitch_slot", subject_id=slot_id)
        await publish(round_id=round_id, kind="vote.opened" if open_ else "vote.closed",
                      payload={"slot": slot_id, "voting": state})


def badge_count_message() -> str:
    return _("Ask for between 1 and {most} codes.").format(most=MAX_BADGES)


def top_message() -> str:
    return _("Show between 1 and 20 places.")


def _badge_code() -> str:
    raw = "".join(secrets.choice(BADGE_ALPHABET) for _ in range(8))
    return f"{raw[:4]}-{raw[4:]}"


def normalise_badge(code: str) -> str:
    cleaned = "".join(ch for ch in code.upper() if ch.isalnum())
    return f"{cleaned[:4]}-{cleaned[4:]}" if len(cleaned) == 8 else cleaned[:40]


async def generate_badges(*, actor: SessionUser, edition_slug: str, round_id: int, count: int) -> int:
    """Add `count` new badge codes to the round (1 to MAX_BADGES in all); audited. Returns how many were added."""
    if not 1 <= count <= MAX_BADGES:
        raise RoomRefused(badge_count_message())
    async with db.write_transaction():
        stage = await _stage_for_change(actor, edition_slug, round_id)
        existing = {row["code"] for row in await AudienceBadge.select(AudienceBadge.code).where(
            AudienceBadge.round == round_id)}
        if len(existing) + count > MAX_BADGES:
            raise RoomRefused(_("Ask for between 1 and {most} codes.").format(most=MAX_BADGES - len(existing)))
        codes: set[str] = set()
        while len(codes) < count:
            code = _badge_code()
            if code not in existing:
                codes.add(code)
        await AudienceBadge.insert(*(AudienceBadge(round=round_id, code=code) for code in sorted(codes)))
        await audit.record("live.badges_generated", actor_id=actor.id, edition_id=stage["edition_id"],
                           subject_type="round", subject_id=round_id, data={"count": count})
    return count


async def badge_sheet(*, actor: SessionUser, edition_slug: str, round_id: int) -> tuple[dict[str, str], list[str]]:
    """The round's name and its badge codes, for a printable sheet."""
    round_row = await _organised_round(actor, edition_slug, round_id)
    rows = await AudienceBadge.select(AudienceBadge.code).where(AudienceBadge.round == round_id).order_by(
        AudienceBadge.id)
    return round_row["name"] or {}, [row["code"] for row in rows]


async def count_or_dismiss(*, actor: SessionUser, edition_slug: str, round_id: int, slot_id: int, flag: str,
                           count: bool) -> int:
    """Count the flagged votes of one kind on a pitch, or set them aside for good; audited. Returns how many."""
    if flag not in FLAGS:
        raise RoomRefused(_("Choose which flagged votes to decide on."))
    async with db.write_transaction():
        stage = await _stage_for_change(actor, edition_slug, round_id)
        if not await PitchSlot.exists().where((PitchSlot.id == slot_id) & (PitchSlot.round == round_id)):
            raise LiveRoomNotFound(slot_id)
        which = (AudienceVote.slot == slot_id) & (AudienceVote.flag == flag)
        number = await AudienceVote.count().where(which)
        await AudienceVote.update({AudienceVote.flag: "" if count else DISMISSED}).where(which)
        await audit.record("live.flagged_counted" if count else "live.flagged_dismissed", actor_id=actor.id,
                           edition_id=stage["edition_id"], subject_type="pitch_slot", subject_id=slot_id,
                           data={"flag": flag, "votes": number})
        await publish(round_id=round_id, kind="vote.counted", payload={"slot": slot_id})
    return number


async def _jury_ranking(actor: SessionUser, edition_slug: str, round_code: str, settings: Settings,
                        top: int) -> list[dict[str, Any]]:
    """The final's ranking as the organiser's results page computes it: combined with earlier rounds if declared."""
    combined = await combined_ranking(actor=actor, edition_slug=edition_slug, round_code=round_code,
                                      settings=settings, top=top)
    if combined is not None and combined.rows:
        return [{"place": row.rank, "finalist": row.entity_name or row.title, "score": row.score}
                for row in sorted(combined.rows, key=lambda r: r.rank)[:top]]
    try:
        results, entries = await round_results(actor=actor, edition_slug=edition_slug, round_code=round_code)
    except NoResults:
        return []
    ranked = sorted((row for row in results.rows if row.rank is not None), key=lambda row: row.rank)
    return [{"place": row.rank, "score": row.score,
             "finalist": entries[row.entry].entity_name or entries[row.entry].title if row.entry in entries else ""}
            for row in ranked[:top]]


async def reveal_results(*, actor: SessionUser, edition_slug: str, round_id: int, settings: Settings,
                         top: int = DEFAULT_TOP) -> None:
    """Show the final ranking (its top `top`) and the audience prize on the big screen, frozen as shown; audited."""
    if not 1 <= top <= 20:
        raise RoomRefused(top_message())
    round_row = await _organised_round(actor, edition_slug, round_id)
    jury = await _jury_ranking(actor, edition_slug, round_row["code"], settings, top)
    async with db.write_transaction():
        stage = await _stage_for_change(actor, edition_slug, round_id)
        if stage["revealed_at"] is not None:
            raise RoomRefused(_("The results are already on the screen."))
        standings = await _standings(round_id, await _slots(round_id))
        audience = [{"place": s.place, "finalist": s.finalist, "mean": s.mean, "low": s.low, "high": s.high,
                     "votes": s.votes, "p_first": s.p_first} for s in standings if s.place is not None]
        now = datetime.now(UTC)
        await LiveReveal.delete().where(LiveReveal.round == round_id)
        await LiveReveal(round=round_id, jury=jury, audience=audience, revealed_by=actor.id).save()
        await LiveStage.update({LiveStage.revealed_at: now, LiveStage.updated_at: now}).where(
            LiveStage.id == stage["id"])
        await audit.record("live.results_revealed", actor_id=actor.id, edition_id=stage["edition_id"],
                           subject_type="round", subject_id=round_id, data={"top": top})
        await publish(round_id=round_id, kind="results.revealed", payload={"round": round_id})


# -- the big screen ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScreenView:
    round_id: int
    round_name: dict[str, str]
    finalist: str
    status: str
    ends_at: datetime | None
    paused_remaining: int | None
    voting_open: bool
    audience_vote: bool
    vote_url: str
    vote_words: str
    qr_svg: str
    revealed: bool
    jury: tuple[dict[str, Any], ...] = ()
    audience: tuple[dict[str, Any], ...] = ()


def _qr_svg(url: str) -> str:
    """The QR code as inline SVG, white on the dark screen, scaled by CSS (segno writes only paths, no script).

    segno is imported here: only the audience screen draws a code, and a worker need not load it to start.
    """
    import segno

    return segno.make(url, error="m").svg_inline(dark="#ffffff", light="#0b0f19", scale=1, border=2, omitsize=True)


async def screen_view(*, round_id: int, key: str, settings: Settings) -> ScreenView:
    """What the venue's big screen shows now, if `key` is the round's signed screen link."""
    _check_token(settings, "screen", round_id, key)
    stage, slot = await current_slot(round_id)
    if stage is None:
        raise LiveRoomNotFound(round_id)
    round_row = await Round.select(Round.name).output(load_json=True).where(Round.id == round_id).first()
    url = vote_url(settings, round_id)
    revealed = stage["revealed_at"] is not None
    jury: list[dict[str, Any]] = []
    audience: list[dict[str, Any]] = []
    if revealed:
        reveal = await LiveReveal.select().output(load_json=True).where(LiveReveal.round == round_id).first()
        if reveal is not None:
            jury, audience = list(reveal["jury"] or []), list(reveal["audience"] or [])
    return ScreenView(
        round_id=round_id, round_name=(round_row or {}).get("name") or {},
        finalist=_finalist(slot) if slot else "", status=slot["status"] if slot else "",
        ends_at=ends_at(slot) if slot else None, paused_remaining=slot["paused_remaining"] if slot else None,
        voting_open=bool(slot and stage["audience_vote"] and voting_is_open(slot)),
        audience_vote=stage["audience_vote"], vote_url=url,
        vote_words=url.split("://", 1)[-1].split("/vote/", 1)[0] + "/vote/" + str(round_id),
        qr_svg=_qr_svg(url), revealed=revealed, jury=tuple(jury), audience=tuple(audience[:1]))


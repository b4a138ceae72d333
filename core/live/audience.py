"""The audience vote from a phone: one vote (1 to 5) per device per pitch, while the pitch's vote is open.

A device is a random id in a cookie signed by the server (the web layer keeps it); only a keyed hash of it is
stored. When the final asks for badge codes, each code votes once per pitch too. Votes beyond the burst thresholds
from one address or one browser signature within the window are kept with a flag and not counted, for the organiser
to count or dismiss. Refusals say kindly why; a stuffed vote is thanked like any other (the flag is the
organiser's business).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from core.live.events import publish
from core.live.room import LiveRoomNotFound, current_slot, keyed_hash, live_round_id_for_vote, normalise_badge
from core.live.room import voting_is_open as _voting_is_open
from core.platform import db, ratelimit
from core.platform.errors import Refused
from core.platform.i18n import gettext as _
from core.platform.settings import Settings
from core.platform.tables import AudienceBadge, AudienceVote, Round

__all__ = ["VoteCast", "VotePage", "VoteRefused", "cast_vote", "vote_page"]

INSERT_VOTE = """
INSERT INTO audience_vote (slot, device_hash, value, address_hash, agent_hash, badge_code, flag, created_at)
VALUES ({}, {}, {}, {}, {}, {}, {}, {})
ON CONFLICT DO NOTHING
RETURNING id
"""

# The recent votes on the pitch from this address and from this browser signature, in one pass over the window.
RECENT_VOTES = """
SELECT COUNT(*) FILTER (WHERE address_hash = {}) AS by_address, COUNT(*) FILTER (WHERE agent_hash = {}) AS by_agent
FROM audience_vote WHERE slot = {} AND created_at > {}
"""


class VoteRefused(Refused):
    """This vote cannot be taken; `message` says why, kindly."""


@dataclass(frozen=True)
class VotePage:
    round_id: int
    round_name: dict[str, str]
    slot_id: int | None
    finalist: str
    voting_open: bool
    already_voted: bool
    badge_required: bool


@dataclass(frozen=True)
class VoteCast:
    slot_id: int
    finalist: str
    counted: bool  # False: kept aside with a flag
    page: VotePage  # the vote page as it stands after this vote (the stage and slot it was cast on)


async def vote_page(*, round_id: int, token: str, device_id: str, settings: Settings) -> VotePage:
    """The pitch on stage and whether this device may vote on it (not found unless the link is the round's)."""
    live_round_id_for_vote(settings, round_id, token)
    stage, slot = await current_slot(round_id)
    if stage is None:
        raise LiveRoomNotFound(round_id)
    voted = False
    if slot is not None and device_id:
        voted = await AudienceVote.exists().where(
            (AudienceVote.slot == slot["id"]) & (AudienceVote.device_hash == keyed_hash(settings, "device", device_id)))
    return await _page(round_id, stage, slot, already_voted=voted)


async def _page(round_id: int, stage: dict, slot: dict | None, *, already_voted: bool) -> VotePage:
    round_row = await Round.select(Round.name).output(load_json=True).where(Round.id == round_id).first()
    return VotePage(round_id=round_id, round_name=(round_row or {}).get("name") or {},
                    slot_id=slot["id"] if slot else None,
                    finalist=(slot["application.entity_name"] or slot["application.title"]) if slot else "",
                    voting_open=bool(slot and stage["audience_vote"] and _voting_is_open(slot)),
                    already_voted=already_voted, badge_required=stage["badge_codes_required"])


async def cast_vote(*, round_id: int, token: str, device_id: str, slot_id: int | None, value: int | None,
                    badge_code: str, address: str, agent: str, settings: Settings) -> VoteCast:
    """Take one vote; VoteRefused (with a kind message) when it cannot count: closed, twice, a bad code, too fast."""
    live_round_id_for_vote(settings, round_id, token)
    if value is None or not 1 <= value <= 5:
        raise VoteRefused(_("Choose a vote from 1 to 5."))
    if not device_id:
        raise VoteRefused(_("Your browser did not keep our cookie: allow cookies for this site to vote."))
    try:
        await ratelimit.consume(ratelimit.Limit(ratelimit.key("audience_vote", address),
                                                settings.audience_votes_per_address_minute, 60))
    except ratelimit.RateLimited as limited:
        raise VoteRefused(_("Too many votes from this network right now: try again in {seconds} seconds.").format(
            seconds=limited.retry_after)) from None
    device_hash = keyed_hash(settings, "device", device_id)
    address_hash = keyed_hash(settings, "address", address)
    agent_hash = keyed_hash(settings, "agent", agent or "-")
    async with db.write_transaction():
        stage, slot = await current_slot(round_id)
        if stage is None:
            raise LiveRoomNotFound(round_id)
        if slot is None or slot["id"] != slot_id or not stage["audience_vote"] or not _voting_is_open(slot):
            raise VoteRefused(_("Voting on this pitch is closed. Thank you for taking part!"))
        code = ""
        if stage["badge_codes_required"]:
            code = normalise_badge(badge_code)
            if not code or not await AudienceBadge.exists().where(
                    (AudienceBadge.round == round_id) & (AudienceBadge.code == code)):
                raise VoteRefused(_("This badge code is not one of ours: check the code printed on your badge."))
        now = datetime.now(UTC)
        since = now - timedelta(seconds=settings.audience_burst_seconds)
        recent = (await AudienceVote.raw(RECENT_VOTES, address_hash, agent_hash, slot_id, since))[0]
        flag = ""
        if recent["by_address"] >= settings.audience_burst_per_address:
            flag = "burst_address"
        elif recent["by_agent"] >= settings.audience_burst_per_agent:
            flag = "burst_agent"
        stored = await AudienceVote.raw(INSERT_VOTE, slot_id, device_hash, value, address_hash, agent_hash, code,
                                        flag, now)
        if not stored:
            if code and await AudienceVote.exists().where(
                    (AudienceVote.slot == slot_id) & (AudienceVote.badge_code == code)):
                raise VoteRefused(_("This badge code has already voted on this pitch. Thank you!"))
            raise VoteRefused(_("You have already voted on this pitch from this phone. Thank you!"))
        if not flag:
            await publish(round_id=round_id, kind="vote.counted", payload={"slot": slot_id})
    return VoteCast(slot_id=slot_id, finalist=slot["application.entity_name"] or slot["application.title"],
                    counted=not flag, page=await _page(round_id, stage, slot, already_voted=True))

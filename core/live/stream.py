"""A round's events as a stream for one page: what it missed first, then each new event as it is published.

The stream holds no state of the day: it reads the event log after the last id the page saw, waits for a
wake-up (or the poll interval), and reads on. It ends when the worker shuts down or after `MAX_SECONDS`, and
the browser reconnects with the last id it saw, so a long-lived connection never pins a worker's shutdown.

Pages that are caught up all ask for the same events at the same wake-up (three hundred audience phones at a
venue): one read of the worker serves every page asking for the same round after the same id at that moment, and
nothing is kept once that read is done.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

from core.live.events import LiveEventView, events_after, wait_for_event, wake_all_listeners
from core.platform.errors import NotFound
from core.platform.tables import LiveEvent, LiveStage

KEEP_ALIVE_SECONDS = 15.0
MAX_SECONDS = 300.0

_stopping = False
# The reads running now, per event loop and (round, after id): awaited by every page asking the same.
_reads: dict[tuple[int, int, int], asyncio.Future] = {}


class LiveRoundNotFound(NotFound):
    """No such round, or it is not run live (no stage)."""


@dataclass(frozen=True, slots=True)
class KeepAlive:
    pass


def stop_streams() -> None:
    """Shutting down: every open stream of this process ends at its next wake-up (woken now)."""
    global _stopping
    _stopping = True
    wake_all_listeners()


def streams_allowed() -> None:
    global _stopping
    _stopping = False
# The reads running now, per event loop and (round, after id): awaited by every page asking the same.
_reads: dict[tuple[int, int, int], asyncio.Future] = {}


async def require_live_round(round_id: int) -> None:
    """The round's events are public-safe, but only a round run live has a stream; anything else is not found."""
    if not await LiveStage.exists().where(LiveStage.round == round_id):
        raise LiveRoundNotFound(round_id)


async def latest_event_id(*, round_id: int) -> int:
    """The id of the round's newest event (0 before any): where a page that was just rendered starts following."""
    newest = await LiveEvent.select(LiveEvent.id).where(LiveEvent.round == round_id).order_by(
        LiveEvent.id, ascending=False).first()
    return newest["id"] if newest else 0


async def shared_events_after(*, round_id: int, after_id: int) -> list[LiveEventView]:
    """The round's events after `after_id`, from the read already running for the same question if there is one."""
    key = (id(asyncio.get_running_loop()), round_id, after_id)
    read = _reads.get(key)
    if read is None:
        read = _reads[key] = asyncio.ensure_future(events_after(round_id=round_id, after_id=after_id))
        read.add_done_callback(lambda _read: _reads.pop(key, None))
    # A page that goes away stops waiting; the read goes on for the others.
    return await asyncio.shield(read)


async def round_stream(*, round_id: int, after_id: int, keep_alive: float = KEEP_ALIVE_SECONDS,
                       max_seconds: float = MAX_SECONDS) -> AsyncIterator[LiveEventView | KeepAlive]:
    """Events of `round_id` after `after_id`, then as they come, with a KeepAlive when nothing came for a while."""
    last = after_id
    started = time.monotonic()
    quiet_since = started
    while not _stopping and time.monotonic() - started < max_seconds:
        events = await shared_events_after(round_id=round_id, after_id=last)
        for event in events:
            last = event.id
            yield event
        if events:
            quiet_since = time.monotonic()
            if len(events) >= 200:
                continue  # more are waiting
        elif time.monotonic() - quiet_since >= keep_alive:
            quiet_since = time.monotonic()
            yield KeepAlive()
        await wait_for_event(round_id=round_id, seconds=min(keep_alive, 5.0))

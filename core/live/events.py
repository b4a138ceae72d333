"""The live final's event log: every change of the day is a row that pages read on from, and a wake-up for listeners.

Pages never hold the state themselves: they ask for the events after the last one they saw, so a page that lost
its connection catches up, and any worker can serve it. `publish` writes inside the caller's write transaction and
wakes listeners only once it commits. The wake-up travels in-process here; across workers it goes through
PostgreSQL LISTEN/NOTIFY or Redis pub/sub (see `wake_listeners`), and a listener also looks every few seconds, so a
lost wake-up delays a page but never loses an event.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from core.platform import db
from core.platform.tables import LiveEvent

__all__ = ["CHANNEL", "LiveEventView", "events_after", "publish", "wait_for_event", "wake_all_listeners",
           "wake_listeners"]

# The PostgreSQL NOTIFY channel and the Redis pub/sub channel that carry a round id to every worker.
CHANNEL = "giuria_live"

# Waiters of this process by round: a wake-up, not state (the events are in the database).
_waiters: dict[int, asyncio.Event] = {}
_send_to_other_workers: Callable[[int], None] | None = None

POLL_SECONDS = 5.0
PUBLISH_LOCK_CLASS = 1717  # the first key of the transaction-scoped advisory lock that orders a round's events

# One publisher per round at a time until it commits, so a round's events commit in the order of their ids: a
# reader that saw id N never misses a smaller id committed later. The lock is taken in the statement that inserts
# the event (the materialised CTE runs before its row reaches the INSERT, so before the id is drawn): it is held
# for the commit's round trip only, not for one more statement, and every vote of the round waits for it.
_LOCKED_INSERT = """
WITH locked AS MATERIALIZED (SELECT pg_advisory_xact_lock({{}}, {{}}){notify})
INSERT INTO live_event (round, kind, payload, created_at) SELECT {{}}, {{}}, CAST({{}} AS json), {{}} FROM locked
"""
LOCKED_INSERT_REDIS = _LOCKED_INSERT.format(notify="")
LOCKED_INSERT_NOTIFY = _LOCKED_INSERT.format(notify=", pg_notify({}, {})")


@dataclass(frozen=True, slots=True)
class LiveEventView:
    id: int
    kind: str
    payload: dict[str, Any]
    created_at: datetime


async def publish(*, round_id: int, kind: str, payload: Mapping[str, Any] | None = None) -> None:
    """Record that `kind` happened at the live final of `round_id`; call it inside the change's transaction."""
    settings = db.configured_settings()
    if db.is_sqlite():  # one writer already orders the events
        await LiveEvent(round=round_id, kind=kind, payload=dict(payload or {})).save()
    else:
        # Without Redis the wake-up is queued in the same statement: PostgreSQL delivers it to every listening
        # worker (this one too) only when the transaction commits.
        await LiveEvent.raw(LOCKED_INSERT_REDIS if settings.redis_url else LOCKED_INSERT_NOTIFY, PUBLISH_LOCK_CLASS,
                            round_id, *(() if settings.redis_url else (CHANNEL, str(round_id))),
                            round_id, kind, json.dumps(dict(payload or {})), datetime.now(UTC))
    if settings.redis_url:
        db.after_commit(lambda: _wake_everywhere(round_id))
        return
    db.after_commit(lambda: wake_listeners(round_id))


def _wake_everywhere(round_id: int) -> None:
    wake_listeners(round_id)
    if _send_to_other_workers is not None:
        _send_to_other_workers(round_id)


def send_to_other_workers_with(sender: Callable[[int], None] | None) -> None:
    """How a wake-up leaves this worker when it does not travel with the transaction (Redis: core.live.fanout)."""
    global _send_to_other_workers
    _send_to_other_workers = sender


def wake_listeners(round_id: int) -> None:
    """Tell this process's listeners of `round_id` to read on."""
    waiter = _waiters.pop(round_id, None)
    if waiter is not None:
        waiter.set()


def wake_all_listeners() -> None:
    """Tell every listener of this process to read on (after a lost connection, or to let them stop)."""
    for round_id in list(_waiters):
        wake_listeners(round_id)


async def events_after(*, round_id: int, after_id: int, limit: int = 200) -> list[LiveEventView]:
    """The round's events after `after_id`, oldest first."""
    rows = await LiveEvent.select(LiveEvent.id, LiveEvent.kind, LiveEvent.payload, LiveEvent.created_at).where(
        (LiveEvent.round == round_id) & (LiveEvent.id > after_id)).order_by(LiveEvent.id).limit(limit).output(
        load_json=True)
    return [LiveEventView(id=row["id"], kind=row["kind"], payload=row["payload"] or {},
                          created_at=row["created_at"]) for row in rows]


async def wait_for_event(*, round_id: int, seconds: float = POLL_SECONDS) -> None:
    """Return when an event of `round_id` may have been published, or after `seconds`."""
    waiter = _waiters.setdefault(round_id, asyncio.Event())
    try:
        await asyncio.wait_for(waiter.wait(), seconds)
    except TimeoutError:
        pass

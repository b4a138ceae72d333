"""One queue on the database, used by the mail outbox, webhook deliveries and background jobs.

Every worker process may work a queue. A claim is one short write transaction: it picks due rows
(PostgreSQL skips rows another worker has locked; SQLite has a single writer), then writes them with
an UPDATE that checks again that each is due, so of two workers racing for a row only one takes it.
The claim counts the attempt (so a crash still counts) and takes a lease: a worker that dies holding
a row only delays it until the lease ends. Outcomes are recorded only while the claim still holds
(same status, same attempt), so a worker that outlived its lease cannot overwrite the one that took
the row over.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable, Sequence
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from piccolo.columns import Column
from piccolo.columns.combination import Combinable
from piccolo.table import Table

from core.platform import db

QUEUED, FAILED = "queued", "failed"
RETRIED = "retried"  # an outcome, not a status: the row stays queued
# How long after a wake-up a loop waits, so the transaction that queued the row has committed.
WAKE_DELAY_SECONDS = 0.3


@dataclass(frozen=True)
class Backoff:
    """Retry delays that grow fast, so a long outage costs few attempts, up to a ceiling."""

    first_seconds: float
    factor: float
    max_seconds: float

    def delay(self, attempts: int) -> timedelta:
        """The wait after the `attempts`-th failed attempt."""
        return timedelta(seconds=min(self.first_seconds * self.factor ** (attempts - 1), self.max_seconds))


@dataclass(frozen=True)
class Queue:
    """A table used as a queue: which rows are due, what a claim writes, the status a held row keeps.

    The table has an integer `attempts` column and a `status` column.
    """

    table: type[Table]
    due: Callable[[datetime], Combinable]
    # What a claim writes besides counting the attempt: at least the lease.
    take: Callable[[datetime], dict[Column, Any]]
    held_status: str
    log: logging.Logger
    label: str
    order_by: tuple[Column, ...] = ()

    async def claim(self, *, limit: int, now: datetime, columns: Sequence[Column] = ()) -> list[dict[str, Any]]:
        """Take up to `limit` due rows for this worker, oldest first; `columns` to read (all by default)."""
        table = self.table
        async with db.write_transaction():
            query = table.select(table.id).where(self.due(now)).order_by(*self.order_by, table.id).limit(limit)
            if not db.is_sqlite():
                query = query.lock_rows("UPDATE", skip_locked=True)
            ids = [row["id"] for row in await query]
            if not ids:
                return []
            # The atomic step: the WHERE is checked again as each row is written.
            taken = await table.update({**self.take(now), table.attempts: table.attempts + 1}).where(
                table.id.is_in(ids), self.due(now)).returning(table.id)
            if not taken:
                return []
            return await table.select(*columns).output(load_json=True).where(
                table.id.is_in([row["id"] for row in taken])).order_by(table.id)

    def held(self, row: dict[str, Any]) -> Combinable:
        """The claimed row, as long as this claim holds it (not taken over after its lease ran out)."""
        table = self.table
        return (table.id == row["id"]) & (table.status == self.held_status) & (table.attempts == row["attempts"])

    async def settle(self, row: dict[str, Any], values: dict[Column, Any]) -> bool:
        """Record an outcome (or a heartbeat) unless another claim took the row over meanwhile."""
        updated = await self.table.update(values).where(self.held(row)).returning(self.table.id)
        if not updated:
            self.log.warning("%s %s was taken over by another worker before its outcome was recorded",
                             self.label, row["id"])
        return bool(updated)


@dataclass(frozen=True)
class Outbox(Queue):
    """A queue of things to send: rows stay `queued` while held, leased by pushing `next_attempt_at`
    into the future, retried with backoff and marked failed after `max_attempts`.

    The table also has `next_attempt_at` and `last_error` columns.
    """

    lease: timedelta = timedelta(minutes=10)
    backoff: Backoff = Backoff(first_seconds=60, factor=5, max_seconds=4 * 3600)
    max_attempts: int = 8

    @classmethod
    def of(cls, table: type[Table], *, lease: timedelta, backoff: Backoff, max_attempts: int,
           log: logging.Logger, label: str) -> Outbox:
        return cls(table=table, due=lambda now: (table.status == QUEUED) & (table.next_attempt_at <= now),
                   take=lambda now: {table.next_attempt_at: now + lease}, held_status=QUEUED, log=log, label=label,
                   order_by=(table.next_attempt_at,), lease=lease, backoff=backoff, max_attempts=max_attempts)

    async def release(self, rows: Iterable[dict[str, Any]], *, now: datetime) -> None:
        """Give back rows claimed but not tried, due at once and without counting an attempt."""
        for row in rows:
            await self.settle(row, {self.table.next_attempt_at: now, self.table.attempts: row["attempts"] - 1})

    async def retry_or_give_up(self, row: dict[str, Any], *, error: str, now: datetime, what: str,
                               permanent: bool = False, values: dict[Column, Any] | None = None) -> str:
        """After a failed attempt: due again after the backoff, or failed for good; RETRIED, FAILED or "" if lost.

        `what` says what the row is in the log (its kind or event): the id, never an address.
        """
        table = self.table
        give_up = permanent or row["attempts"] >= self.max_attempts
        self.log.warning("%s %s (%s), attempt %d: %s%s", self.label, row["id"], what, row["attempts"], error,
                         " (giving up)" if give_up else "")
        outcome = {**(values or {}), table.last_error: error}
        if give_up:
            return FAILED if await self.settle(row, {**outcome, table.status: FAILED}) else ""
        retry = {**outcome, table.next_attempt_at: now + self.backoff.delay(row["attempts"])}
        return RETRIED if await self.settle(row, retry) else ""


class Wakers:
    """The loops of this process that work one queue, nudged when it queues a row.

    Only a shortcut: the periodic pass finds the row anyway, and other processes' loops are not told.
    """

    def __init__(self) -> None:
        self._wakers: set[Callable[[], None]] = set()

    def wake(self) -> None:
        for wake in list(self._wakers):
            with suppress(RuntimeError):  # that loop has just closed
                wake()

    def add(self, wake: Callable[[], None]) -> None:
        self._wakers.add(wake)

    def discard(self, wake: Callable[[], None]) -> None:
        self._wakers.discard(wake)


async def run_loop(work: Callable[[], Awaitable[bool]], *, stop: asyncio.Event, interval: float,
                   log: logging.Logger, name: str, wakers: Wakers | None = None) -> None:
    """Call `work` every `interval` seconds, and soon after a wake-up, until `stop` is set.

    `work` returns True when more may be due at once (a full pass), and runs again straight away.
    An error in a pass is logged and the loop goes on: a hiccup must not stop the queue for good.
    """
    loop = asyncio.get_running_loop()
    wake = asyncio.Event()

    def wake_up() -> None:
        loop.call_soon_threadsafe(wake.set)

    if wakers is not None:
        wakers.add(wake_up)
    try:
        while not stop.is_set():
            wake.clear()
            try:
                again = await work()
            except Exception:
                log.exception("the %s's pass failed; trying again in %s seconds", name, interval)
            else:
                if again:
                    continue
            if await first_of(stop, wake, seconds=interval) is wake:
                await first_of(stop, seconds=WAKE_DELAY_SECONDS)
    finally:
        if wakers is not None:
            wakers.discard(wake_up)


async def first_of(*events: asyncio.Event, seconds: float) -> asyncio.Event | None:
    """Wait until one of `events` is set (returned) or `seconds` pass (None)."""
    waits = {asyncio.ensure_future(event.wait()): event for event in events}
    try:
        done, _pending = await asyncio.wait(waits, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in waits:
            task.cancel()
    return next((waits[task] for task in done), None)

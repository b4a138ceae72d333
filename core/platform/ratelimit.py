"""Attempt counting kept in the database, so every worker behind the balancer sees the same count.

Counting and deciding are one statement: an upsert that adds the attempt only while its key is under
the limit and returns the new count, or no row once the limit is reached. Parallel attempts queue on
the key's row (PostgreSQL's row lock, SQLite's single writer), so a burst gets exactly `limit` through,
however many workers it is spread over.
"""

from __future__ import annotations

import hashlib
import random
import time
from dataclasses import dataclass

from core.platform import db
from core.platform.tables import RateLimitCounter

# Counters untouched for this long are deleted now and then; no window is longer.
FORGET_AFTER_SECONDS = 24 * 3600
FORGET_ONE_IN = 100

# Adds one attempt, unless the key's window is still running and full: then it returns no row.
# A window starts at the first attempt counted in it and ends `window_seconds` later.
UPSERT = """
INSERT INTO rate_limit_counter ("key", window_start, attempts) VALUES ({}, {}, 1)
ON CONFLICT ("key") DO UPDATE SET
    attempts = CASE WHEN rate_limit_counter.window_start <= {} THEN 1 ELSE rate_limit_counter.attempts + 1 END,
    window_start = CASE WHEN rate_limit_counter.window_start <= {} THEN {}
                        ELSE rate_limit_counter.window_start END
WHERE rate_limit_counter.window_start <= {} OR rate_limit_counter.attempts < {}
RETURNING attempts
"""


@dataclass(frozen=True)
class RateLimited(Exception):
    """Too many attempts; `retry_after` seconds until the window of the full key ends."""

    key: str
    retry_after: int


@dataclass(frozen=True)
class Limit:
    """At most `limit` attempts counted under `key` in a window of `window_seconds`."""

    key: str
    limit: int
    window_seconds: int


def key(kind: str, *parts: str) -> str:
    """A counter key: the kind in clear, each identifying part hashed (emails and addresses are not kept).

    Parts stay separate, so every key of an account can be cleared by the prefix `key(kind, email)`.
    """
    return ":".join((kind, *(hashlib.sha256(part.encode()).hexdigest()[:24] for part in parts)))


async def consume(*limits: Limit, now: float | None = None) -> None:
    """Count one attempt against every limit; when any is full, count none and raise RateLimited."""
    now_s = int(time.time() if now is None else now)
    async with db.write_transaction():
        # Always the same order of keys, so two parallel calls cannot each hold a row the other waits for.
        for limit in sorted(limits, key=lambda item: item.key):
            expired = now_s - limit.window_seconds
            counted = await RateLimitCounter.raw(UPSERT, limit.key, now_s, expired, expired, now_s, expired,
                                                 limit.limit)
            if not counted:
                row = await RateLimitCounter.select(RateLimitCounter.window_start).where(
                    RateLimitCounter.key == limit.key).first()
                raise RateLimited(key=limit.key,
                                  retry_after=max(1, row["window_start"] + limit.window_seconds - now_s))
        if random.random() < 1 / FORGET_ONE_IN:  # housekeeping, not security: any draw will do
            await RateLimitCounter.delete().where(RateLimitCounter.window_start < now_s - FORGET_AFTER_SECONDS)


async def refund(*keys: str) -> None:
    """Give back one attempt per key (an attempt that turned out to be legitimate)."""
    await RateLimitCounter.update({RateLimitCounter.attempts: RateLimitCounter.attempts - 1}).where(
        RateLimitCounter.key.is_in(list(keys)), RateLimitCounter.attempts > 0)


async def clear(*keys: str) -> None:
    await RateLimitCounter.delete().where(RateLimitCounter.key.is_in(list(keys)))


async def clear_prefix(prefix: str) -> None:
    """Forget every key that starts with `prefix` (made by `key`: hex digits and colons, no LIKE wildcards)."""
    await RateLimitCounter.delete().where(RateLimitCounter.key.like(f"{prefix}:%"))

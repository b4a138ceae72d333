"""Attempt counting kept in the database, so every worker behind the balancer sees the same count."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from core.platform import db
from core.platform.tables import RateLimitHit


@dataclass(frozen=True)
class RateLimited(Exception):
    """Too many attempts; `retry_after` seconds until the oldest one falls out of the window."""

    key: str
    retry_after: int


async def check(key: str, *, limit: int, window_seconds: int) -> None:
    """Raise RateLimited when `key` already has `limit` hits inside the window."""
    since = datetime.now(UTC) - timedelta(seconds=window_seconds)
    hits = await RateLimitHit.select(RateLimitHit.at).where(
        RateLimitHit.key == key, RateLimitHit.at > since).order_by(RateLimitHit.at).limit(limit)
    if len(hits) >= limit:
        oldest = hits[0]["at"]
        retry_after = max(1, int((oldest - since).total_seconds()) + 1)
        raise RateLimited(key=key, retry_after=retry_after)


async def hit(*keys: str, window_seconds: int) -> None:
    """Count one attempt against each key, and forget attempts that left the window."""
    now = datetime.now(UTC)
    async with db.write_transaction():
        await RateLimitHit.delete().where(
            RateLimitHit.key.is_in(list(keys)), RateLimitHit.at < now - timedelta(seconds=window_seconds))
        await RateLimitHit.insert(*(RateLimitHit(key=key, at=now) for key in keys))


async def clear(key: str) -> None:
    await RateLimitHit.delete().where(RateLimitHit.key == key)

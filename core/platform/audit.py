"""The audit log: append-only and hash-chained, so an edited or deleted row breaks the chain.

Appends are serialised (SQLite's immediate transactions, an advisory lock on PostgreSQL) so that
several workers still write one chain.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from piccolo.engine.postgres import PostgresEngine

from core.platform import db
from core.platform.tables import AuditEvent

CHAIN_LOCK_KEY = 0x6A75727900  # "jury" — any constant shared by all workers


def _canonical(*, prev_hash: str, at: datetime, actor_id: int | None, edition_id: int | None, action: str,
               subject_type: str, subject_id: str, data: dict[str, Any]) -> bytes:
    payload = {
        "prev": prev_hash,
        "at": at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor": actor_id,
        "edition": edition_id,
        "action": action,
        "subject": [subject_type, subject_id],
        "data": data,
    }
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      default=str).encode("utf-8")


async def record(action: str, *, actor_id: int | None = None, edition_id: int | None = None,
                 subject_type: str = "", subject_id: str | int = "", data: dict[str, Any] | None = None) -> None:
    """Append one event; call inside the write transaction that made the change it records."""
    data = json.loads(json.dumps(data or {}, default=str))
    async with db.write_transaction():
        engine = db.engine()
        if isinstance(engine, PostgresEngine):
            await engine.run_ddl(f"SELECT pg_advisory_xact_lock({CHAIN_LOCK_KEY})")
        last = await AuditEvent.select(AuditEvent.hash).order_by(AuditEvent.id, ascending=False).first()
        prev_hash = last["hash"] if last else ""
        at = datetime.now(UTC)
        digest = hashlib.sha256(_canonical(
            prev_hash=prev_hash, at=at, actor_id=actor_id, edition_id=edition_id, action=action,
            subject_type=subject_type, subject_id=str(subject_id), data=data,
        )).hexdigest()
        await AuditEvent.insert(AuditEvent(
            at=at, actor=actor_id, edition=edition_id, action=action, subject_type=subject_type,
            subject_id=str(subject_id), data=data, prev_hash=prev_hash, hash=digest,
        ))


@dataclass(frozen=True)
class ChainReport:
    """The outcome of checking the chain: how many events, and the first broken one if any."""

    events: int
    broken_at: int | None = None
    reason: str = ""

    @property
    def intact(self) -> bool:
        return self.broken_at is None


async def verify_chain() -> ChainReport:
    """Recompute every hash in order; the first mismatch names the event that was altered or removed."""
    rows = await AuditEvent.select().order_by(AuditEvent.id)
    prev_hash = ""
    for row in rows:
        if row["prev_hash"] != prev_hash:
            return ChainReport(events=len(rows), broken_at=row["id"],
                               reason="the previous event was changed or deleted")
        expected = hashlib.sha256(_canonical(
            prev_hash=prev_hash, at=row["at"], actor_id=row["actor"], edition_id=row["edition"],
            action=row["action"], subject_type=row["subject_type"], subject_id=row["subject_id"],
            data=_as_dict(row["data"]),
        )).hexdigest()
        if expected != row["hash"]:
            return ChainReport(events=len(rows), broken_at=row["id"], reason="the event's content was changed")
        prev_hash = row["hash"]
    return ChainReport(events=len(rows))


def _as_dict(value: Any) -> dict[str, Any]:
    return json.loads(value) if isinstance(value, str) else dict(value or {})

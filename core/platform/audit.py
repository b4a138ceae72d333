"""The audit log: append-only, hash-chained with a key the database does not hold, anchored outside the database.

Each event's hash is an HMAC-SHA256, under a key derived from GIURIA_AUDIT_KEY (or, unset, GIURIA_SECRET_KEY),
of its content and the previous event's hash: whoever can write the database but lacks the key can neither
rewrite an event nor recompute the hashes after it. The chain's head is anchored outside the database in a signed
checkpoint file in the data directory, advanced after every commit that records events and on every verification,
and printed in each verbale: deleting the last events leaves the chain behind its checkpoint.

Events written before the key existed keep their plain SHA-256 hash (64 hex characters) and still verify. The
first keyed event covers the last plain hash, and once an event is keyed none after it may be plain (the
checkpoint remembers where keyed events start), so the old part cannot be rewritten unnoticed either.

Appends are serialised (SQLite's immediate transactions, an advisory lock on PostgreSQL) so that
several workers still write one chain.
"""

from __future__ import annotations

import base64
import fcntl
import hashlib
import hmac
import json
import logging
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from piccolo.engine.postgres import PostgresEngine

from core.platform import db
from core.platform.settings import Settings
from core.platform.tables import AuditEvent

CHAIN_LOCK_KEY = 0x6A75727900  # "jury" — any constant shared by all workers
KEYED = "hmac:"  # the prefix of a keyed hash; a plain SHA-256 hash (before keys) is 64 hex characters

log = logging.getLogger("giuria.audit")


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


def chain_key(settings: Settings) -> bytes:
    """The chain's HMAC key: never stored, derived from a secret every worker has and the database has not."""
    secret = settings.audit_key or settings.secret_key
    if not secret:
        raise RuntimeError("the audit chain needs GIURIA_SECRET_KEY (or GIURIA_AUDIT_KEY)")
    return hmac.new(secret.encode(), b"giuria audit chain v1", hashlib.sha256).digest()


def _mac(key: bytes, message: bytes) -> str:
    return base64.urlsafe_b64encode(hmac.new(key, message, hashlib.sha256).digest()).decode().rstrip("=")


def _keyed_hash(key: bytes, canonical: bytes) -> str:
    return KEYED + _mac(key, canonical)


# -- the checkpoint -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Checkpoint:
    """The chain's head as seen after a commit: its last event and hash, signed with the chain's key."""

    event: int
    hash: str
    keyed_since: int | None
    written_at: str
    signature: str = ""

    def _message(self) -> bytes:
        return json.dumps([self.event, self.hash, self.keyed_since, self.written_at]).encode()

    def signed(self, key: bytes) -> Checkpoint:
        return Checkpoint(self.event, self.hash, self.keyed_since, self.written_at, _mac(key, self._message()))

    def genuine(self, key: bytes) -> bool:
        return hmac.compare_digest(self.signature, _mac(key, self._message()))

    def as_text(self) -> str:
        """One line for people and documents (the verbale)."""
        return f"event {self.event} · {self.hash} · {self.written_at} · signature {self.signature}"


class CheckpointUnreadable(ValueError):
    """The checkpoint file exists but is not one this installation wrote."""


def read_checkpoint(path: Path) -> Checkpoint | None:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return Checkpoint(event=int(raw["event"]), hash=str(raw["hash"]),
                          keyed_since=None if raw.get("keyed_since") is None else int(raw["keyed_since"]),
                          written_at=str(raw["written_at"]), signature=str(raw["signature"]))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise CheckpointUnreadable(str(error)) from None


def advance_checkpoint(settings: Settings, *, event: int, head: str, keyed_since: int | None) -> Checkpoint | None:
    """Move the checkpoint forward to `event` (never back); returns what the file holds afterwards.

    A lock file keeps two workers of one host from interleaving; the file is replaced whole, never half-written.
    """
    path = settings.audit_checkpoint_path
    key = chain_key(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_suffix(".lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            current = read_checkpoint(path)
        except CheckpointUnreadable:  # verification reports it; overwriting it here would hide the damage
            log.error("the audit checkpoint %s is unreadable; not overwritten", path)
            return None
        if current is not None and current.genuine(key):
            if current.event >= event:
                return current
            keyed_since = current.keyed_since if current.keyed_since is not None else keyed_since
        elif current is not None:
            log.error("the audit checkpoint %s is not signed with this installation's key; not overwritten", path)
            return None
        checkpoint = Checkpoint(event=event, hash=head, keyed_since=keyed_since,
                                written_at=datetime.now(UTC).isoformat(timespec="seconds")).signed(key)
        temporary = path.with_suffix(f".{os.getpid()}.tmp")
        temporary.write_text(json.dumps({"event": checkpoint.event, "hash": checkpoint.hash,
                                         "keyed_since": checkpoint.keyed_since, "written_at": checkpoint.written_at,
                                         "signature": checkpoint.signature}, indent=1) + "\n", encoding="utf-8")
        os.replace(temporary, path)
        return checkpoint


# -- recording ----------------------------------------------------------------------------------------


async def record(action: str, *, actor_id: int | None = None, edition_id: int | None = None,
                 subject_type: str = "", subject_id: str | int = "", data: dict[str, Any] | None = None) -> None:
    """Append one event; call inside the write transaction that made the change it records."""
    data = json.loads(json.dumps(data or {}, default=str))
    settings = db.configured_settings()
    key = chain_key(settings)
    async with db.write_transaction():
        engine = db.engine()
        if isinstance(engine, PostgresEngine):
            await engine.run_ddl(f"SELECT pg_advisory_xact_lock({CHAIN_LOCK_KEY})")
        last = await AuditEvent.select(AuditEvent.hash).order_by(AuditEvent.id, ascending=False).first()
        prev_hash = last["hash"] if last else ""
        at = datetime.now(UTC)
        digest = _keyed_hash(key, _canonical(
            prev_hash=prev_hash, at=at, actor_id=actor_id, edition_id=edition_id, action=action,
            subject_type=subject_type, subject_id=str(subject_id), data=data,
        ))
        inserted = await AuditEvent.insert(AuditEvent(
            at=at, actor=actor_id, edition=edition_id, action=action, subject_type=subject_type,
            subject_id=str(subject_id), data=data, prev_hash=prev_hash, hash=digest,
        ))
        event_id = inserted[0]["id"]
        first_keyed = event_id if not prev_hash.startswith(KEYED) else None
        db.after_commit(lambda: advance_checkpoint(settings, event=event_id, head=digest, keyed_since=first_keyed))


# -- verifying ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChainReport:
    """The outcome of checking the chain: how many events, the first broken one if any, and the checkpoint."""

    events: int
    broken_at: int | None = None
    reason: str = ""
    checkpoint: Checkpoint | None = None
    note: str = ""

    @property
    def intact(self) -> bool:
        return not self.reason


def _expected(row: dict[str, Any], key: bytes) -> str:
    canonical = _canonical(
        prev_hash=row["prev_hash"], at=row["at"], actor_id=row["actor"], edition_id=row["edition"],
        action=row["action"], subject_type=row["subject_type"], subject_id=row["subject_id"],
        data=dict(row["data"] or {}))
    if row["hash"].startswith(KEYED):
        return _keyed_hash(key, canonical)
    return hashlib.sha256(canonical).hexdigest()


async def verify_chain(*, anchor: bool = True) -> ChainReport:
    """Recompute every hash in order and compare the head with the checkpoint; the first fault is named.

    An intact chain advances the checkpoint to its head (unless `anchor` is false), so verifying also anchors.
    """
    settings = db.configured_settings()
    key = chain_key(settings)
    path = settings.audit_checkpoint_path
    # The checkpoint first, the events after: whatever it names was committed before it was written, so the
    # events read next include it even while other workers keep appending.
    try:
        checkpoint = read_checkpoint(path)
    except CheckpointUnreadable as error:
        checkpoint, unreadable = None, error
    else:
        unreadable = None
    rows = await AuditEvent.select().output(load_json=True).order_by(AuditEvent.id)
    events = len(rows)
    if unreadable is not None:
        return ChainReport(events=events, reason=f"the checkpoint file {path} is unreadable ({unreadable})")
    if checkpoint is not None and not checkpoint.genuine(key):
        return ChainReport(events=events, checkpoint=checkpoint,
                           reason=f"the checkpoint file {path} was altered or signed with another key")
    keyed_since = checkpoint.keyed_since if checkpoint is not None else None
    prev_hash, first_keyed = "", None
    for row in rows:
        if row["prev_hash"] != prev_hash:
            return ChainReport(events=events, broken_at=row["id"], checkpoint=checkpoint,
                               reason="the previous event was changed or deleted")
        keyed = row["hash"].startswith(KEYED)
        if not keyed and (first_keyed is not None or (keyed_since is not None and row["id"] >= keyed_since)):
            return ChainReport(events=events, broken_at=row["id"], checkpoint=checkpoint,
                               reason="the event was rewritten without the audit key (its hash is not keyed)")
        if not hmac.compare_digest(_expected(row, key), row["hash"]):
            return ChainReport(events=events, broken_at=row["id"], checkpoint=checkpoint,
                               reason="the event's content was changed")
        if keyed and first_keyed is None:
            first_keyed = row["id"]
        prev_hash = row["hash"]
    if checkpoint is not None:
        head = next((row for row in reversed(rows) if row["id"] <= checkpoint.event), None)
        last = rows[-1]["id"] if rows else 0
        if head is None or head["id"] != checkpoint.event:
            return ChainReport(events=events, broken_at=checkpoint.event, checkpoint=checkpoint,
                               reason=f"the last events were deleted: the chain ends at event {last} but the "
                                      f"checkpoint of {checkpoint.written_at} names event {checkpoint.event}")
        if head["hash"] != checkpoint.hash:
            return ChainReport(events=events, broken_at=checkpoint.event, checkpoint=checkpoint,
                               reason=f"the event differs from the checkpoint of {checkpoint.written_at}")
    note = ""
    if checkpoint is None and rows:
        note = (f"there was no checkpoint at {path}: the chain's end could not be compared with one; "
                "one is written now")
    if anchor and rows:
        advanced = advance_checkpoint(settings, event=rows[-1]["id"], head=rows[-1]["hash"],
                                      keyed_since=keyed_since if keyed_since is not None else first_keyed)
        checkpoint = advanced or checkpoint
    return ChainReport(events=events, checkpoint=checkpoint, note=note)


async def anchor_head() -> ChainReport:
    """Verify, advance the checkpoint to the committed head, and say so, for a document (the verbale) to print."""
    return await verify_chain(anchor=True)


__all__ = ["ChainReport", "Checkpoint", "advance_checkpoint", "anchor_head", "chain_key", "read_checkpoint",
           "record", "verify_chain"]

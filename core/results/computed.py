"""Saved work: a costly result kept in the database with the fingerprint of the data it was computed on.

Every worker reads the same rows, so a result computed by one serves all of them; a result whose fingerprint
no longer matches the data is computed again and replaces it. Nothing here is a source of truth: deleting every
row only costs the time to compute again.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from typing import Any

import asyncpg

from core.platform import db
from core.platform.tables import ComputedResult


async def saved(*, kind: str, round_id: int, view: str, fingerprint: str) -> dict[str, Any] | None:
    """The result kept for this view of the round, if it was computed on data with this fingerprint."""
    row = await ComputedResult.select(ComputedResult.fingerprint, ComputedResult.result).where(
        ComputedResult.kind == kind, ComputedResult.round == round_id, ComputedResult.view == view,
    ).output(load_json=True).first()
    return row["result"] if row is not None and row["fingerprint"] == fingerprint else None


async def keep(*, kind: str, round_id: int, view: str, fingerprint: str, result: dict[str, Any]) -> None:
    """Keep `result` for this view of the round, replacing what was kept for older data."""
    where = (ComputedResult.kind == kind) & (ComputedResult.round == round_id) & (ComputedResult.view == view)
    now = datetime.now(UTC)
    try:
        async with db.write_transaction():
            if await ComputedResult.exists().where(where):
                await ComputedResult.update({ComputedResult.fingerprint: fingerprint, ComputedResult.result: result,
                                             ComputedResult.computed_at: now}).where(where)
            else:
                await ComputedResult.insert(ComputedResult(kind=kind, round=round_id, view=view,
                                                           fingerprint=fingerprint, result=result, computed_at=now))
    except (sqlite3.IntegrityError, asyncpg.UniqueViolationError):
        pass  # another worker kept the same work at the same moment: theirs serves as well

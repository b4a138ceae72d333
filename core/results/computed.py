"""Saved work: a costly result kept in the database with the fingerprint of the data it was computed on.

Every worker reads the same rows, so a result computed by one serves all of them; a result whose fingerprint
no longer matches the data is computed again and replaces it. Nothing here is a source of truth: deleting every
row only costs the time to compute again.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from datetime import UTC, datetime
from typing import Any

import anyio
import asyncpg

from core.platform import db, i18n
from core.platform.tables import ComputedResult


async def saved(*, kind: str, edition_id: int, view: str, fingerprint: str) -> dict[str, Any] | None:
    """The result kept for this view in the edition, if it was computed on data with this fingerprint."""
    row = await ComputedResult.select(ComputedResult.fingerprint, ComputedResult.result).where(
        ComputedResult.kind == kind, ComputedResult.edition == edition_id, ComputedResult.view == view,
    ).output(load_json=True).first()
    return row["result"] if row is not None and row["fingerprint"] == fingerprint else None


async def keep(*, kind: str, edition_id: int, view: str, fingerprint: str, result: dict[str, Any]) -> None:
    """Keep `result` for this view in the edition, replacing what was kept for older data."""
    where = (ComputedResult.kind == kind) & (ComputedResult.edition == edition_id) & (ComputedResult.view == view)
    now = datetime.now(UTC)
    try:
        async with db.write_transaction():
            if await ComputedResult.exists().where(where):
                await ComputedResult.update({ComputedResult.fingerprint: fingerprint, ComputedResult.result: result,
                                             ComputedResult.computed_at: now}).where(where)
            else:
                await ComputedResult.insert(ComputedResult(kind=kind, edition=edition_id, view=view,
                                                           fingerprint=fingerprint, result=result, computed_at=now))
    except (sqlite3.IntegrityError, asyncpg.UniqueViolationError):
        pass  # another worker kept the same work at the same moment: theirs serves as well


CHART = "chart"


def _draw(function: str, arguments: dict[str, Any]) -> str:
    from core.platform.documents import charts  # matplotlib: only when a chart is drawn

    return getattr(charts, function)(**arguments).svg()


async def chart_svg(*, edition_id: int, name: str, function: str, arguments: dict[str, Any]) -> str:
    """A chart of core.platform.documents.charts as SVG text, drawn once for what it shows (its `arguments`, in
    the language of the request) and kept under the edition: drawing with matplotlib costs more than the rest
    of a page."""
    view = f"{name}&{i18n.current_language()}"
    stamp = hashlib.sha256(json.dumps([function, arguments], sort_keys=True, default=str).encode()).hexdigest()
    kept = await saved(kind=CHART, edition_id=edition_id, view=view, fingerprint=stamp)
    if kept is None:
        kept = {"svg": await anyio.to_thread.run_sync(_draw, function, arguments)}
        await keep(kind=CHART, edition_id=edition_id, view=view, fingerprint=stamp, result=kept)
    return kept["svg"]

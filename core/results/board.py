"""The organiser's view of a round's results: the leaderboard with its juror diagnostics and reliability,
and the combined ranking beside it when the round declares one.

It sits above `leaderboard` and `combined` (which builds on `leaderboard`), so neither imports the other back.
"""

from __future__ import annotations

import anyio

from core.platform.i18n import pick
from core.platform.identity import SessionUser
from core.platform.settings import Settings
from core.platform.tables import Account, Area, Track
from core.results.combined import combined_for_row
from core.results.leaderboard import (
    GROUPINGS,
    BoardRow,
    Disagreement,
    JurorRow,
    Leaderboard,
    Reliability,
    _diagnostics,
    _finite,
    _round,
    _workflow,
    default_top,
    prepared,
    round_head,
    standing,
    submitted,
)
from core.results.rounds import EntryInfo
from scoring.normalise import METHODS


async def _juror_names(ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = await Account.select(Account.id, Account.display_name, Account.email).where(Account.id.is_in(list(ids)))
    return {r["id"]: r["display_name"] or r["email"] for r in rows}


async def _group_labels(edition_id: int, group: str) -> dict[str, str]:
    if group == "track":
        rows = await Track.select(Track.code, Track.name).output(load_json=True).where(
                Track.edition == edition_id).order_by(Track.position)
    elif group == "area":
        rows = await Area.select(Area.code, Area.name).output(load_json=True).where(
                Area.edition == edition_id).order_by(Area.position)
    else:
        return {}
    return {r["code"]: pick(r["name"]) or r["code"] for r in rows}


async def round_leaderboard(*, actor: SessionUser, edition_slug: str, round_code: str, settings: Settings,
                            method: str | None = None, group: str = "all", top: int | None = None) -> Leaderboard:
    """The organiser's leaderboard of a round in one view (method, grouping, cut); RoundNotFound for anyone else."""
    round_row = await _round(actor, edition_slug, round_code)
    head = round_head(round_row)
    method = method if method in METHODS else head.configured_method
    group = group if group in GROUPINGS else "all"
    top = top if top and top > 0 else default_top(head.advancement, group)
    found = await standing(round_row, settings=settings, method=method, group=group, top=top)
    moved: dict[int, int] = {}
    if method != head.configured_method:
        base = prepared(found.data, found.entries, method=head.configured_method, group=group, top=top,
                        replicates=0)
        baseline = await anyio.to_thread.run_sync(_workflow(round_row).compute, base)
        before = {r.entry: r.rank for r in baseline.rows}
        moved = {r.entry: before[r.entry] - r.rank for r in found.results.rows
                 if r.rank is not None and before.get(r.entry) is not None}
    reviews = submitted(found.data)
    profiles, disagreements, icc, alpha = await anyio.to_thread.run_sync(_diagnostics, reviews)
    names = await _juror_names({p.juror for p in profiles} | {d.juror for d in disagreements})
    disagreeing = {d.entry for d in disagreements}
    k = head.jurors_per_entry
    labels = await _group_labels(head.edition_id, group)
    order = {code: i for i, code in enumerate(labels)}
    rows = sorted(found.results.rows, key=lambda r: (order.get(r.group, len(order)), r.group,
                                                       r.rank is None, r.rank or 0))
    board_rows = []
    for r in rows:
        info = found.entries.get(r.entry) or EntryInfo(id=r.entry, title="", entity_name="", track={}, area={})
        board_rows.append(BoardRow(
            entry=r.entry, title=info.title, entity_name=info.entity_name, track_code=info.track_code,
            track=info.track, area_code=info.area_code, area=info.area, group=r.group, rank=r.rank, score=r.score,
            low=r.low, high=r.high, rank_low=r.rank_low, rank_high=r.rank_high, p_top=r.p_top, n=r.n,
            flags=r.flags, missing=max(0, k - r.n), disagreement=r.entry in disagreeing,
            moved=moved.get(r.entry) if method != head.configured_method else None))
    entry_label = {row.entry: row.label for row in board_rows}
    combined = await combined_for_row(round_row, settings=settings, top=default_top(head.advancement, "all"))
    return Leaderboard(
        round=head, method=method, group=group, top=top, rows=tuple(board_rows),
        groups=tuple(labels.items()),
        jurors=tuple(sorted((JurorRow(
            juror=int(p.juror), name=names.get(int(p.juror), f"#{p.juror}"), reviews=p.reviews,
            leniency=float(p.leniency), leniency_se=_finite(p.leniency_se), spread=_finite(p.spread),
            agreement=_finite(p.agreement), clear=p.offset_is_clear) for p in profiles), key=lambda j: j.name)),
        reliability=Reliability(
            icc1=_finite(icc.icc1) if icc else None, icck=_finite(icc.icck) if icc else None,
            k=_finite(icc.k) if icc else None, icck_low=_finite(icc.icck_interval[0]) if icc else None,
            icck_high=_finite(icc.icck_interval[1]) if icc else None,
            alpha=_finite(alpha.value) if alpha else None, entries=len(found.data.entries), reviews=len(reviews),
        ) if reviews else None,
        disagreements=tuple(Disagreement(entry=int(d.entry), label=entry_label.get(int(d.entry), f"#{d.entry}"),
                                         juror=names.get(int(d.juror), f"#{d.juror}"), score=d.score,
                                         others_mean=d.others_mean, gap=d.gap) for d in disagreements),
        submitted_reviews=len(reviews), intervals=found.intervals, large=found.large, job=found.job,
        notes=found.results.notes, combined=combined[0] if combined else None,
    )

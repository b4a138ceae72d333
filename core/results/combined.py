"""A round's combined ranking: the rounds its `combination` names, each calibrated in its own round, combined
with the declared weights (scoring.combine), with intervals that carry every combined round's uncertainty.

`combination: {R1: 0.3, R3: 0.7}` on the final pitch round makes its ranking 30% of R1's calibrated score and
70% of its own, each put on a 0–1 footing by its rubric's scale (by standard scores when a round has no
rubric); optional keys `rescale` ("scale" or "z") and `missing` ("exclude" or "flag") choose the rules.
An entry missing a round is left out by default. Advancement and awards of that round use this ranking.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import anyio

from core.platform.i18n import pick
from core.platform.identity import SessionUser
from core.platform.settings import Settings
from core.platform.tables import Round
from core.plugin_api import ResultRow
from core.results.leaderboard import UNCERTAIN_BAND, _full_round, _round, replicates_of, round_head, standing
from core.results.rounds import EntryInfo, NoResults
from scoring.combine import Interval, RoundScores, combine_rounds, combined_uncertainty
from scoring.rubric import total_range

LEVEL = 0.9


@dataclass(frozen=True)
class CombinedPart:
    code: str
    name: dict[str, str]
    share: float  # of the final, 0–1


@dataclass(frozen=True)
class CombinedRow:
    entry: int
    title: str
    entity_name: str
    rank: int
    score: float
    low: float | None
    high: float | None
    rank_low: int | None
    rank_high: int | None
    p_top: float | None
    parts: dict[str, float]  # round code -> the entry's calibrated score in that round, on its own scale
    flags: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return self.entity_name or self.title or f"#{self.entry}"


@dataclass(frozen=True)
class CombinedRanking:
    round_code: str
    parts: tuple[CombinedPart, ...]
    rows: tuple[CombinedRow, ...]
    excluded: tuple[str, ...]  # labels of entries left out for missing a round
    intervals: bool
    rescale: str

    @property
    def description(self) -> str:
        """In words, in the reader's language: "30% Online jury + 70% Final pitch"."""
        return " + ".join(f"{round(p.share * 100):g}% {pick(p.name) or p.code}" for p in self.parts)

    def results(self, n_reviews: dict[int, int]) -> tuple[ResultRow, ...]:
        """The ranking as a round's result rows (score on the 0–1 footing), for advancement and awards."""
        low_band, high_band = UNCERTAIN_BAND
        return tuple(ResultRow(
            entry=r.entry, group="", rank=r.rank, score=r.score, n=n_reviews.get(r.entry, 0), low=r.low, high=r.high,
            rank_low=r.rank_low, rank_high=r.rank_high, p_top=r.p_top,
            flags=(*r.flags, *(("contested",) if r.p_top is not None and low_band < r.p_top < high_band else ())))
            for r in self.rows)


def weights_of(combination: dict[str, Any]) -> dict[str, float]:
    """The declared weights by round code (numbers only; `rescale` and `missing` are rules, not rounds)."""
    return {code: float(w) for code, w in (combination or {}).items()
            if isinstance(w, int | float) and not isinstance(w, bool) and w > 0}


@dataclass
class _Part:
    """One named round as the combination reads it: its scores and intervals, and what the page says of it."""

    scores: RoundScores
    intervals: dict[int, Interval]
    with_intervals: bool
    replicates: int
    part: CombinedPart
    entries: dict[int, EntryInfo]


async def _round_part(edition_id: int, code: str, weight: float, *, settings: Settings) -> _Part | None:
    """The round's calibrated scores by its own method; None when it is missing or has no results yet."""
    row = await Round.select(Round.id).where(Round.edition == edition_id, Round.code == code).first()
    if row is None:
        return None
    full = await _full_round(row["id"])
    head = round_head(full)
    try:
        found = await standing(full, settings=settings, method=head.configured_method, group="all", top=None)
    except NoResults:
        return None
    scores = {r.entry: r.score for r in found.results.rows if r.rank is not None and r.score is not None}
    if not scores:
        return None
    scale = None
    if found.data.rubric is not None:
        low, high = total_range(found.data.rubric)
        scale = (low, high) if high > low else None
    return _Part(
        scores=RoundScores(code, weight, scores, scale),
        intervals={r.entry: Interval(r.low, r.high) for r in found.results.rows
                   if r.entry in scores and r.low is not None and r.high is not None},
        with_intervals=bool(found.intervals), replicates=replicates_of(found.data),
        part=CombinedPart(code=code, name=head.name, share=weight), entries=dict(found.entries))


def _rules(combination: dict[str, Any], *, every_round_has_a_scale: bool) -> tuple[str, str]:
    """How rounds are put on one scale (rubric range, or standard scores when a round has none) and what happens
    to an entry missing a round."""
    rescale = combination.get("rescale") if combination.get("rescale") in ("scale", "z") else "scale"
    if rescale == "scale" and not every_round_has_a_scale:
        rescale = "z"
    missing = combination.get("missing") if combination.get("missing") in ("exclude", "flag") else "exclude"
    return rescale, missing


def _row(entry: int, *, entries: dict[int, EntryInfo], combined, uncertainty, rounds: list[RoundScores]
         ) -> CombinedRow:
    info = entries.get(entry)
    return CombinedRow(
        entry=entry, title=info.title if info else "", entity_name=info.entity_name if info else "",
        rank=combined.ranks[entry], score=combined.final[entry],
        low=uncertainty.low[entry] if uncertainty else None, high=uncertainty.high[entry] if uncertainty else None,
        rank_low=uncertainty.rank_low[entry] if uncertainty else None,
        rank_high=uncertainty.rank_high[entry] if uncertainty else None,
        p_top=uncertainty.p_top[entry] if uncertainty and uncertainty.p_top is not None else None,
        parts={r.name: r.scores[entry] for r in rounds if entry in r.scores},
        flags=("missing_round",) if entry in combined.flagged else ())


async def combined_for_row(round_row: dict[str, Any], *, settings: Settings, top: int | None = None
                           ) -> tuple[CombinedRanking, dict[int, EntryInfo]] | None:
    """The combined ranking the round declares, or None when it declares none (or a named round has no results)."""
    combination = (await Round.select(Round.combination).output(load_json=True).where(Round.id == round_row[
            "id"]).first())[
        "combination"] or {}
    weights = weights_of(combination)
    if not weights:
        return None
    found: list[_Part] = []
    for code, weight in weights.items():
        part = await _round_part(round_row["edition"], code, weight, settings=settings)
        if part is None:
            return None
        found.append(part)
    rounds = [p.scores for p in found]
    entries: dict[int, EntryInfo] = {}
    for part in found:
        for entry, info in part.entries.items():
            entries.setdefault(entry, info)
    rescale, missing = _rules(combination, every_round_has_a_scale=all(r.scale is not None for r in rounds))
    try:
        combined = combine_rounds(rounds, rescale=rescale, missing=missing)
    except ValueError:
        return None
    uncertainty = None
    if all(p.with_intervals for p in found) and combined.ranking:
        intervals = {p.scores.name: p.intervals for p in found}
        replicates = max(p.replicates for p in found)
        uncertainty = await anyio.to_thread.run_sync(lambda: combined_uncertainty(
            rounds, combined, intervals, level=LEVEL, replicates=replicates, seed=0, top=top))
    total = sum(weights.values())
    rows = tuple(_row(entry, entries=entries, combined=combined, uncertainty=uncertainty, rounds=rounds)
                 for entry in combined.ranking)
    excluded = tuple((entries[e].entity_name or entries[e].title) if e in entries else f"#{e}"
                     for e in combined.excluded)
    ranking = CombinedRanking(
        round_code=round_row["code"],
        parts=tuple(CombinedPart(p.part.code, p.part.name, p.part.share / total) for p in found),
        rows=rows, excluded=excluded, intervals=uncertainty is not None, rescale=rescale)
    return ranking, entries


async def combined_ranking(*, actor: SessionUser, edition_slug: str, round_code: str, settings: Settings,
                           top: int | None = None) -> CombinedRanking | None:
    """For organisers: the round's combined ranking, or None if it declares none; RoundNotFound for anyone else."""
    round_row = await _round(actor, edition_slug, round_code)
    found = await combined_for_row(round_row, settings=settings, top=top)
    return found[0] if found else None

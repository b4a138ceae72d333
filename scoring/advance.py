"""Who advances from a round: the top N overall, minimums per track and per area, a minimum score.

Entries without a rank or score, flagged below a criterion's threshold, or under the minimum score
never advance; minimums are met within the N places when they fit and add places when they do not.
Plain data in, plain data out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Rule:
    """An advancement rule: top N overall, minimum numbers per track and per area, a minimum calibrated score.

    A per-track or per-area minimum is either one number for every group or a number per group code;
    minimums are met within the N places when they fit, and add places when they do not.
    """

    top_n: int | None = None
    min_per_track: int | Mapping[str, int] = 0
    min_per_area: int | Mapping[str, int] = 0
    min_score: float | None = None


def parse_rule(raw: Mapping[str, Any] | None) -> Rule:
    raw = raw or {}
    top = raw.get("top_n")
    score = raw.get("min_score")
    return Rule(top_n=int(top) if isinstance(top, int) and top > 0 else None,
                min_per_track=raw.get("min_per_track") or 0, min_per_area=raw.get("min_per_area") or 0,
                min_score=float(score) if isinstance(score, (int, float)) else None)


@dataclass(frozen=True)
class Candidate:
    entry: int
    rank: int | None
    score: float | None
    track: str
    area: str
    flags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Pick:
    advance: bool
    basis: str  # rank, quota_track, quota_area, below_cut, below_threshold, below_min_score, unranked


def _quotas(spec: int | Mapping[str, int], codes: Sequence[str]) -> list[tuple[str, int]]:
    if isinstance(spec, Mapping):
        return [(code, int(n)) for code, n in spec.items() if int(n) > 0]
    return [(code, int(spec)) for code in codes if code] if spec else []


def propose(candidates: Sequence[Candidate], rule: Rule) -> dict[int, Pick]:
    """Who advances under `rule`, with the basis of each choice; `candidates` in any order."""
    picks: dict[int, Pick] = {}
    eligible = []
    for c in candidates:
        reason = _excluded(c, rule)
        if reason:
            picks[c.entry] = Pick(False, reason)
        else:
            eligible.append(c)
    eligible.sort(key=lambda c: (c.rank, -(c.score or 0.0), c.entry))
    by_rank = {c.entry for c in (eligible if rule.top_n is None else eligible[: rule.top_n])}
    chosen: dict[int, str] = {}
    for attribute, spec in (("track", rule.min_per_track), ("area", rule.min_per_area)):
        _meet_minimums(chosen, eligible, attribute, spec, by_rank)
    places = len(eligible) if rule.top_n is None else max(rule.top_n, len(chosen))
    for c in eligible:
        if len(chosen) >= places:
            break
        chosen.setdefault(c.entry, "rank")
    for c in eligible:
        picks[c.entry] = Pick(True, chosen[c.entry]) if c.entry in chosen else Pick(False, "below_cut")
    return picks


def _excluded(c: Candidate, rule: Rule) -> str | None:
    """Why an entry cannot advance whatever its place, or None."""
    if c.rank is None or c.score is None:
        return "unranked"
    if any(flag.startswith("below:") for flag in c.flags):
        return "below_threshold"
    if rule.min_score is not None and c.score < rule.min_score:
        return "below_min_score"
    return None


def _meet_minimums(chosen: dict[int, str], eligible: list[Candidate], attribute: str,
                   spec: int | Mapping[str, int], by_rank: set[int]) -> None:
    """Choose the best entries of each track (or area) until its minimum is met, counting those already chosen."""
    codes = sorted({getattr(c, attribute) for c in eligible})
    for code, minimum in _quotas(spec, codes):
        members = [c for c in eligible if getattr(c, attribute) == code]
        count = sum(1 for c in members if c.entry in chosen)
        for c in members:
            if count >= minimum:
                break
            if c.entry not in chosen:
                chosen[c.entry] = "rank" if c.entry in by_rank else f"quota_{attribute}"
                count += 1

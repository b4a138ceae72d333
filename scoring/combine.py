"""An entry's final score across rounds, as the competition declared it (e.g. 0.3 screening + 0.7 pitch).

Rounds score on different scales, so each round is first put on a common footing, by a rule
declared for the whole combination:

- "scale": min–max of the round's declared scale, (score - low) / (high - low). A 7.5 on a 1–10
  rubric counts the same whatever the other entries scored; calibrated scores slightly outside
  the scale stay outside rather than being clipped.
- "z": standard score within the round, (score - round mean) / round SD (n - 1), over the
  entries given for that round. It depends on who else is in the round: a screening round with
  200 entries puts every finalist well above 0, a final of 10 centres them on 0. A round where
  every entry scored the same tells nothing about order and contributes 0 to every entry.

The final is the weighted mean of the rescaled scores, which is the declared weighted sum when
the weights add up to 1. An entry missing a round is handled by a declared rule: "exclude"
leaves it out of the ranking (listed in `excluded`); "flag" ranks it on the rounds it has, with
their weights rescaled to add up as before, and lists it in `flagged` for an organiser to decide.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from statistics import NormalDist
from typing import Literal

import numpy as np

Rescale = Literal["scale", "z"]
Missing = Literal["exclude", "flag"]


@dataclass(frozen=True)
class RoundScores:
    """One round's score per entry, its weight in the final and, for "scale" rescaling, its scale."""

    name: str
    weight: float
    scores: Mapping[Hashable, float]
    scale: tuple[float, float] | None = None


@dataclass(frozen=True)
class Combined:
    """Final scores with the parts they are made of, so an organiser can see each round's share."""

    final: dict[Hashable, float]
    ranking: tuple[Hashable, ...]
    ranks: dict[Hashable, int]  # 1-based; equal finals share a rank (1, 2, 2, 4)
    rescaled: dict[str, dict[Hashable, float]]  # round -> entry -> score on the common footing
    contributions: dict[Hashable, dict[str, float]]  # entry -> round -> share of the final
    flagged: tuple[Hashable, ...]
    excluded: tuple[Hashable, ...]
    rescale: Rescale
    missing: Missing


def combine_rounds(
    rounds: Sequence[RoundScores], *, rescale: Rescale = "scale", missing: Missing = "exclude"
) -> Combined:
    """Rescale each round as declared, then take the weighted mean per entry."""
    _check(rounds, rescale, missing)
    rescaled = {r.name: _rescale(r, rescale) for r in rounds}
    entries = list(dict.fromkeys(e for r in rounds for e in r.scores))
    total_weight = sum(r.weight for r in rounds)
    final, contributions, flagged, excluded = {}, {}, [], []
    for entry in entries:
        present = [r for r in rounds if entry in r.scores]
        if len(present) < len(rounds):
            if missing == "exclude":
                excluded.append(entry)
                continue
            flagged.append(entry)
        weight = sum(r.weight for r in present) / total_weight
        parts = {r.name: (r.weight / total_weight) * rescaled[r.name][entry] / weight for r in present}
        contributions[entry] = parts
        final[entry] = math.fsum(parts.values())
    ranking = tuple(sorted(final, key=lambda e: -final[e]))
    ranks = {}
    for position, entry in enumerate(ranking, start=1):
        previous = ranking[position - 2] if position > 1 else None
        ranks[entry] = (
            ranks[previous] if previous is not None and final[previous] == final[entry] else position
        )
    return Combined(
        final, ranking, ranks, rescaled, contributions, tuple(flagged), tuple(excluded), rescale, missing
    )


def _check(rounds: Sequence[RoundScores], rescale: str, missing: str) -> None:
    if rescale not in ("scale", "z"):
        raise ValueError('rescale must be "scale" or "z"')
    if missing not in ("exclude", "flag"):
        raise ValueError('missing must be "exclude" or "flag"')
    if not rounds:
        raise ValueError("nothing to combine: no rounds given")
    names = [r.name for r in rounds]
    if len(set(names)) != len(names):
        raise ValueError("each round must have its own name")
    for r in rounds:
        if not (r.weight > 0 and math.isfinite(r.weight)):
            raise ValueError(f"round {r.name!r}: weight must be a positive number")
        if not all(isinstance(s, numbers.Real) and math.isfinite(s) for s in r.scores.values()):
            raise ValueError(f"round {r.name!r}: every score must be a finite number")
        if rescale == "scale":
            if r.scale is None or not r.scale[1] > r.scale[0]:
                raise ValueError(
                    f"round {r.name!r}: min–max rescaling needs its scale as (low, high), low < high"
                )
        elif len(r.scores) < 2:
            raise ValueError(f"round {r.name!r}: a standard score needs at least two entries in the round")


def _rescale(r: RoundScores, rescale: Rescale) -> dict[Hashable, float]:
    if rescale == "scale":
        low, high = r.scale
        return {e: (s - low) / (high - low) for e, s in r.scores.items()}
    values = list(r.scores.values())
    mean = math.fsum(values) / len(values)
    sd = math.sqrt(math.fsum((v - mean) ** 2 for v in values) / (len(values) - 1))
    if sd == 0:
        return dict.fromkeys(r.scores, 0.0)
    return {e: (s - mean) / sd for e, s in r.scores.items()}


@dataclass(frozen=True)
class Interval:
    """A round's interval around an entry's score (on the round's own scale) at `level`."""

    low: float
    high: float


@dataclass(frozen=True)
class CombinedUncertainty:
    """Intervals of the final scores and ranks, and P(top N), carrying every combined round's uncertainty."""

    low: dict[Hashable, float]
    high: dict[Hashable, float]
    rank_low: dict[Hashable, int]
    rank_high: dict[Hashable, int]
    p_top: dict[Hashable, float] | None
    replicates: int
    level: float


def combined_uncertainty(
    rounds: Sequence[RoundScores],
    combined: Combined,
    intervals: Mapping[str, Mapping[Hashable, Interval]],
    *,
    level: float = 0.9,
    replicates: int = 1000,
    seed: int = 0,
    top: int | None = None,
) -> CombinedUncertainty:
    """Replicates of the final score drawn from each round's uncertainty, the rounds drawn together.

    Rounds are judged by different juries on separate occasions, so their errors are taken as
    independent: in each replicate every round's score of every entry is redrawn from a normal
    distribution centred on it whose spread matches the round's own interval at `level` (the
    interval's half-width over the normal quantile, each side separately), and the whole replicate
    (every round, every entry, the same replicate index) is rescaled and combined exactly as the
    final scores were. The final interval therefore carries both rounds' uncertainty; an entry
    without an interval in a round counts that round as exact. Only "scale" rescaling keeps each
    entry's draws independent of the others'; with "z" the round's mean and SD are redrawn too.
    """
    if replicates < 1:
        raise ValueError("at least one replicate is needed")
    if not 0 < level < 1:
        raise ValueError("level must be between 0 and 1")
    z = NormalDist().inv_cdf(0.5 + level / 2)
    rng = np.random.default_rng(seed)
    ranked = list(combined.ranking)
    finals = np.empty((len(ranked), replicates))
    draws: dict[str, dict[Hashable, np.ndarray]] = {}
    for r in rounds:
        spread = intervals.get(r.name, {})
        drawn = {}
        for entry, score in r.scores.items():
            normal = rng.standard_normal(replicates)
            interval = spread.get(entry)
            if interval is None:
                drawn[entry] = np.full(replicates, float(score))
                continue
            below = max(0.0, score - interval.low) / z
            above = max(0.0, interval.high - score) / z
            drawn[entry] = score + np.where(normal < 0, normal * below, normal * above)
        draws[r.name] = drawn
    for k in range(replicates):
        replica = [RoundScores(r.name, r.weight, {e: float(draws[r.name][e][k]) for e in r.scores}, r.scale)
                   for r in rounds]
        again = combine_rounds(replica, rescale=combined.rescale, missing=combined.missing)
        finals[:, k] = [again.final[e] for e in ranked]
    tail = (1 - level) / 2
    low, high = np.quantile(finals, [tail, 1 - tail], axis=1)
    # ranks per replicate: 1 + how many entries scored strictly more
    order = np.argsort(-finals, axis=0, kind="stable")
    ranks = np.empty_like(order)
    ranks[order, np.arange(replicates)[None, :]] = np.arange(1, len(ranked) + 1)[:, None]
    low_k, high_k = int(np.floor(tail * (replicates - 1))), int(np.ceil((1 - tail) * (replicates - 1)))
    ranks_sorted = np.sort(ranks, axis=1)
    return CombinedUncertainty(
        low={e: float(low[i]) for i, e in enumerate(ranked)},
        high={e: float(high[i]) for i, e in enumerate(ranked)},
        rank_low={e: int(ranks_sorted[i, low_k]) for i, e in enumerate(ranked)},
        rank_high={e: int(ranks_sorted[i, high_k]) for i, e in enumerate(ranked)},
        p_top=None if top is None else {e: float(np.mean(ranks[i] <= top)) for i, e in enumerate(ranked)},
        replicates=replicates,
        level=level,
    )

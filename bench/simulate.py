"""Simulated juries with known true quality, shared by the scoring benchmarks."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scoring.reviews import Reviews


@dataclass(frozen=True)
class Panel:
    reviews: Reviews
    truth: np.ndarray  # true quality per entry, in the order of reviews.entries
    track: np.ndarray  # track number per entry, same order


def simulate_panel(
    seed: int,
    *,
    n_entries: int = 300,
    n_jurors: int = 40,
    per_entry: int = 3,
    offset_sd: float = 1.2,
    log_scale_sd: float = 0.0,
    n_tracks: int = 1,
    track_strength_sd: float = 0.0,
    home_share: float = 1.0,
    compress_share: float = 0.0,
    random_jurors: int = 0,
    low: float = 1.0,
    high: float = 10.0,
) -> Panel:
    """Totals = clip(round(6 + scale·1.5·quality + offset + noise)) on a 1–10 scale (research report §1.4).

    With several tracks each juror has a home track and each review goes to a home-track juror
    with probability `home_share`; tracks may differ in mean true quality. A share of jurors
    may compress their totals into 6–9 and a number may score at random.
    """
    rng = np.random.default_rng(seed)
    track = np.arange(n_entries) % n_tracks
    track_mean = rng.normal(0, track_strength_sd, n_tracks) if track_strength_sd else np.zeros(n_tracks)
    truth = rng.normal(0, 1, n_entries) + track_mean[track]
    offset = rng.normal(0, offset_sd, n_jurors)
    scale = np.exp(rng.normal(0, log_scale_sd, n_jurors)) if log_scale_sd else np.ones(n_jurors)
    juror_track = np.arange(n_jurors) % n_tracks
    load = np.zeros(n_jurors)
    entries, jurors = [], []
    for e in range(n_entries):
        chosen: list[int] = []
        for _ in range(per_entry):
            home = n_tracks == 1 or rng.random() < home_share
            pool = np.flatnonzero((juror_track == track[e]) == home)
            pool = (
                np.setdiff1d(pool, chosen)
                if len(pool) > len(chosen)
                else np.setdiff1d(np.arange(n_jurors), chosen)
            )
            # Balance loads: pick among the least-loaded candidates at random.
            least = pool[load[pool] <= load[pool].min() + 1]
            j = int(rng.choice(least))
            chosen.append(j)
            load[j] += 1
        entries.extend([e] * per_entry)
        jurors.extend(chosen)
    entry = np.array(entries)
    juror = np.array(jurors)
    raw = 6 + scale[juror] * 1.5 * truth[entry] + offset[juror] + rng.normal(0, 1, len(entry))
    total = np.clip(np.round(raw), low, high)
    # "Hard" panels: some jurors squeeze everything into 6–9, a few score at random.
    compressors = rng.random(n_jurors) < compress_share
    squeezed = np.clip(np.round(7.5 + 0.3 * (raw - 6)), 6, 9)
    total = np.where(compressors[juror], squeezed, total)
    chaotic = np.isin(juror, rng.choice(n_jurors, random_jurors, replace=False))
    total = np.where(chaotic, rng.integers(int(low), int(high) + 1, len(juror)), total)
    reviews = Reviews.from_records(
        zip((f"e{e:06d}" for e in entry), (f"j{j:05d}" for j in juror), total, strict=True)
    )
    return Panel(reviews=reviews, truth=truth, track=track)

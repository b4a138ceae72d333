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
    per_entry: int | tuple[int, int] = 3,
    offset_sd: float = 1.2,
    log_scale_sd: float = 0.0,
    n_tracks: int = 1,
    track_strength_sd: float = 0.0,
    home_share: float = 1.0,
    compress_share: float = 0.0,
    random_jurors: int = 0,
    low: float = 1.0,
    high: float = 10.0,
    hawk_dove: float = 0.0,
    noise_log_sd: float = 0.0,
    away_harshness: float = 0.0,
    complete: bool = False,
    step: float = 1.0,
    criteria: int = 1,
    criterion_bias_sd: float = 0.0,
    blank_share: float = 0.0,
) -> Panel:
    """Totals = clip(round(6 + scale·1.5·quality + offset + noise)) on a 1–10 scale (research report §1.4).

    With several tracks each juror has a home track and each review goes to a home-track juror
    with probability `home_share`; tracks may differ in mean true quality, and jurors judging
    away from home may be harsher by `away_harshness`. A share of jurors may compress their
    totals into 6–9 and a number may score at random. Further knobs, each off by default so
    that older benchmarks draw the same panels: `hawk_dove` makes offsets ±that value (plus a
    tenth of the usual spread), `noise_log_sd` lets jurors differ in noise, `per_entry` as a
    (low, high) pair draws each entry's number of reviews, `complete` has every juror review
    every entry (a final pitch), and `criteria` > 1 scores that many equally weighted
    criteria on a scale of `step`, each juror with a bias per criterion of sd
    `criterion_bias_sd`, the last criterion optional and left blank with `blank_share`.
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
    extra = np.random.default_rng([seed, 1])  # draws for the newer knobs, apart from the original stream
    if hawk_dove:
        offset = np.where(extra.random(n_jurors) < 0.5, -hawk_dove, hawk_dove) + 0.1 * offset
    counts = (
        extra.integers(per_entry[0], per_entry[1] + 1, n_entries)
        if isinstance(per_entry, tuple)
        else np.full(n_entries, per_entry)
    )
    for e in range(n_entries):
        if complete:
            entries.extend([e] * n_jurors)
            jurors.extend(range(n_jurors))
            continue
        chosen: list[int] = []
        for _ in range(counts[e]):
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
        entries.extend([e] * len(chosen))
        jurors.extend(chosen)
    entry = np.array(entries)
    juror = np.array(jurors)
    noise_sd = np.exp(extra.normal(0, noise_log_sd, n_jurors)) if noise_log_sd else np.ones(n_jurors)
    away = (juror_track[juror] != track[entry]) * away_harshness
    mean = 6 + scale[juror] * 1.5 * truth[entry] + offset[juror] - away
    if criteria == 1:
        raw = mean + rng.normal(0, 1, len(entry)) * noise_sd[juror]
        total = np.clip(np.round(raw / step) * step, low, high)
    else:
        # Criteria share the entry's quality; each adds its own noise (so the total's noise sd is
        # still about 1) and the juror's bias on that criterion.
        bias = extra.normal(0, criterion_bias_sd, (n_jurors, criteria))
        noise = extra.normal(0, np.sqrt(criteria), (len(entry), criteria)) * noise_sd[juror][:, None]
        values = np.clip(np.round((mean[:, None] + bias[juror] + noise) / step) * step, low, high)
        values[:, -1] = np.where(extra.random(len(entry)) < blank_share, np.nan, values[:, -1])
        raw = mean + noise.mean(axis=1)
        total = np.nanmean(values, axis=1)
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

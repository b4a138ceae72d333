"""Do the nominal 90% rank intervals and P(top N) keep their promise? Prints coverage on simulated juries.

Run: PYTHONPATH=. nice python bench/score_coverage.py [--seeds 20] [--replicates 1000] [--method offset_scale]

Each design is simulated `--seeds` times (bench/simulate.py) with a known true quality. The
bootstrap of `scoring.rank` gives every entry a 90% rank interval and P(top N), N = 10% of
the entries, ranking overall. Printed per design and pooled over all of them:

- coverage: share of entries whose true rank lies inside their interval (all entries, and
  the entries truly in the top N);
- misses above / below: the true rank was better than the interval's best / worse than its
  worst (each should be near 5%; a lopsided split means the intervals sit in the wrong place);
- Brier: mean of (P(top N) − truly in the top N)², over all entries;
- width: median width of the rank interval, in ranks, for the true top N.
"""

from __future__ import annotations

import os

# Thousands of small solves: one BLAS thread each is faster on a shared machine and fairer to it.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import inspect
import time

import numpy as np

from bench.simulate import simulate_panel
from scoring.normalise import DEFAULT_METHOD, calibrate
from scoring.rank import bootstrap_ranks

DESIGNS = {
    "leniency + spread": dict(offset_sd=1.2, log_scale_sd=0.4),
    "scale compression (1 in 4)": dict(offset_sd=1.2, compress_share=0.25),
    "sparse panel (100 jurors, 9 each)": dict(offset_sd=1.2, log_scale_sd=0.4, n_jurors=100),
    "hawks and doves (±1.5)": dict(hawk_dove=1.5),
    "jurors differ in noise, 1 random": dict(offset_sd=1.2, noise_log_sd=0.5, random_jurors=1),
    "unequal reviews (1–5)": dict(offset_sd=1.2, log_scale_sd=0.3, per_entry=(1, 5)),
    "5 criteria, half points, blanks, juror×criterion": dict(
        offset_sd=1.0, log_scale_sd=0.3, criteria=5, step=0.5, criterion_bias_sd=0.5, blank_share=0.3
    ),
    "final pitch (40 entries, 9 jurors, complete)": dict(n_entries=40, n_jurors=9, complete=True),
    "tracks differ, 80% home, away jurors harsher": dict(
        offset_sd=1.2, log_scale_sd=0.3, n_tracks=4, track_strength_sd=0.7, home_share=0.8, away_harshness=0.5
    ),
}


def true_ranks(truth: np.ndarray) -> np.ndarray:
    ranks = np.empty(len(truth), dtype=np.int64)
    ranks[np.argsort(-truth)] = np.arange(1, len(truth) + 1)
    return ranks


def evaluate(design: dict, seeds: int, replicates: int, method: str, use_tracks: bool) -> dict:
    tally = dict(n=0, hit=0, above=0, below=0, top=0, top_hit=0, top_above=0, top_below=0, brier=0.0)
    widths = []
    tracks_supported = "tracks" in inspect.signature(calibrate).parameters
    for seed in range(seeds):
        panel = simulate_panel(5000 + seed, **design)
        n = len(panel.truth)
        top = max(1, round(0.1 * n))
        extra = {"tracks": panel.track} if use_tracks and tracks_supported and design.get("n_tracks") else {}
        calibration = calibrate(panel.reviews, method, **extra)
        result = bootstrap_ranks(calibration, replicates=replicates, seed=seed, top=top)
        rank = true_ranks(panel.truth)
        above, below = rank < result.rank_low, rank > result.rank_high
        truly = rank <= top
        tally["n"] += n
        tally["hit"] += int(np.sum(~above & ~below))
        tally["above"] += int(above.sum())
        tally["below"] += int(below.sum())
        tally["top"] += int(truly.sum())
        tally["top_hit"] += int(np.sum(truly & ~above & ~below))
        tally["top_above"] += int(np.sum(truly & above))
        tally["top_below"] += int(np.sum(truly & below))
        tally["brier"] += float(np.sum((result.p_top - truly) ** 2))
        widths.extend((result.rank_high - result.rank_low)[truly].tolist())
    tally["widths"] = widths
    return tally


def line(name: str, t: dict) -> str:
    return (
        f"{name:50s} {t['hit'] / t['n']:6.1%} {t['above'] / t['n']:6.1%} {t['below'] / t['n']:6.1%}"
        f"  {t['top_hit'] / t['top']:6.1%} {t['top_above'] / t['top']:6.1%} {t['top_below'] / t['top']:6.1%}"
        f"  {t['brier'] / t['n']:7.4f} {np.median(t['widths']):6.0f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--replicates", type=int, default=1000)
    parser.add_argument("--method", default=DEFAULT_METHOD)
    parser.add_argument("--no-tracks", action="store_true", help="do not tell the calibration the tracks")
    parser.add_argument("--only", default=None, help="run only designs whose name contains this")
    args = parser.parse_args()
    print(
        f"90% rank intervals and P(top 10%): {args.method}, {args.replicates} replicates, {args.seeds} seeds"
    )
    print(
        f"{'design':50s} {'cover':>6s} {'above':>6s} {'below':>6s}  {'top N':>6s} {'above':>6s} {'below':>6s}"
        f"  {'Brier':>7s} {'width':>6s}"
    )
    pooled: dict = {}
    start = time.perf_counter()
    for name, design in DESIGNS.items():
        if args.only and args.only not in name:
            continue
        tally = evaluate(design, args.seeds, args.replicates, args.method, not args.no_tracks)
        print(line(name, tally), flush=True)
        for key, value in tally.items():
            pooled[key] = pooled.get(key, 0) + value if key != "widths" else pooled.get(key, []) + value
    print(line("all designs", pooled))
    print(f"({time.perf_counter() - start:.0f} s)")


if __name__ == "__main__":
    main()

"""How well each aggregation recovers the true ranking on simulated juries; prints a table.

Run: PYTHONPATH=. nice python bench/score_quality.py [--seeds 20] [--only tracks]
Settings follow the research report §1.4: 300 entries, 40 jurors, 3 reviews per entry,
totals on 1–10; jurors differ in leniency (sd 1.2) and, where said, in spread
(log-scale sd 0.4); in the track setting four tracks differ in true strength (sd 0.7) and
80% of an entry's reviews come from home-track jurors. Two control settings: no juror bias at
all, and a light load where 100 jurors share the 900 reviews (9 each instead of 22); and a
hard panel where 1 in 8 jurors squeezes totals into 6–9 and one juror scores at random.
"""

from __future__ import annotations

import os

# Thousands of small solves: one BLAS thread each is faster on a shared machine and fairer to it.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import time

import numpy as np
from scipy.stats import spearmanr

from bench.simulate import simulate_panel
from scoring.aggregate import summarise_entries
from scoring.normalise import METHODS, calibrate
from scoring.rank import bootstrap_ranks

SETTINGS = {
    "no juror bias": dict(offset_sd=0.0),
    "leniency": dict(offset_sd=1.2),
    "leniency+spread": dict(offset_sd=1.2, log_scale_sd=0.4),
    "tracks differ (80% home)": dict(
        offset_sd=1.2, log_scale_sd=0.4, n_tracks=4, track_strength_sd=0.7, home_share=0.8
    ),
    "light load (9 per juror)": dict(offset_sd=1.2, log_scale_sd=0.4, n_jurors=100),
    "hard (compressors, 1 random)": dict(
        offset_sd=1.2, log_scale_sd=0.4, compress_share=1 / 8, random_jurors=1
    ),
}
COLUMNS = ("mean", "median", "zscore", "percentile", "additive", "offset_scale")


def scores_by_method(panel) -> dict[str, tuple[np.ndarray, float]]:
    out = {}
    start = time.perf_counter()
    summary = summarise_entries(panel.reviews)
    out["median"] = (summary.median, time.perf_counter() - start)
    for method in METHODS:
        start = time.perf_counter()
        score = calibrate(panel.reviews, method).score
        out["mean" if method == "none" else method] = (score, time.perf_counter() - start)
    return out


def precision_at_top(score: np.ndarray, truth: np.ndarray, share: float = 0.1) -> float:
    k = max(1, round(share * len(truth)))
    chosen = set(np.argsort(-score, kind="stable")[:k].tolist())
    return len(chosen & set(np.argsort(-truth)[:k].tolist())) / k


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--replicates", type=int, default=200, help="bootstrap replicates per panel")
    parser.add_argument("--only", choices=("methods", "calibration", "tracks"), default=None)
    args = parser.parse_args()
    if args.only == "tracks":
        print_track_levels(args.seeds)
        return
    if args.only == "calibration":
        print_cut_calibration(args.seeds, args.replicates)
        return
    print(f"Spearman ρ with true quality / precision of the true top 10%, mean over {args.seeds} seeds")
    print(f"{'setting':30s} " + " ".join(f"{c:>13s}" for c in COLUMNS))
    timings: dict[str, list[float]] = {c: [] for c in COLUMNS}
    for name, setting in SETTINGS.items():
        rho: dict[str, list[float]] = {c: [] for c in COLUMNS}
        top: dict[str, list[float]] = {c: [] for c in COLUMNS}
        for seed in range(args.seeds):
            panel = simulate_panel(1000 + seed, **setting)
            for column, (score, seconds) in scores_by_method(panel).items():
                rho[column].append(spearmanr(score, panel.truth)[0])
                top[column].append(precision_at_top(score, panel.truth))
                timings[column].append(seconds)
        cells = " ".join(f"{np.mean(rho[c]):6.3f} / {np.mean(top[c]):4.2f}" for c in COLUMNS)
        print(f"{name:30s} {cells}")
    print(
        f"{'fit time per panel (ms)':30s} " + " ".join(f"{1000 * np.mean(timings[c]):13.1f}" for c in COLUMNS)
    )
    if args.only is None:
        print_cut_calibration(args.seeds, args.replicates)
        print_track_levels(args.seeds)


TRACK_SETTINGS = {
    "80% home": dict(home_share=0.8),
    "95% home": dict(home_share=0.95),
    "99% home": dict(home_share=0.99),
    "100% home (tracks not identified)": dict(home_share=1.0),
    "equal tracks, 95% home": dict(home_share=0.95, track_strength_sd=0.0),
}


def print_track_levels(seeds: int) -> None:
    """offset_scale with one centre against a level per track, where tracks differ and jurors stay home."""
    print()
    print(f"Track levels: 4 tracks (strength sd 0.7 unless equal), leniency + spread; {seeds} seeds")
    print("Spearman ρ / precision of the true top 10%, and how often the track levels were identified")
    print(f"{'setting':36s} {'one centre':>15s} {'track levels':>15s} {'identified':>11s}")
    base = dict(offset_sd=1.2, log_scale_sd=0.4, n_tracks=4, track_strength_sd=0.7)
    for name, setting in TRACK_SETTINGS.items():
        scores: dict[str, list[tuple[float, float]]] = {"one": [], "tracks": []}
        used = 0
        for seed in range(seeds):
            panel = simulate_panel(1000 + seed, **{**base, **setting})
            one = calibrate(panel.reviews, "offset_scale")
            tracks = calibrate(panel.reviews, "offset_scale", tracks=panel.track)
            used += tracks.track_effects
            for key, calibration in (("one", one), ("tracks", tracks)):
                scores[key].append(
                    (spearmanr(calibration.score, panel.truth)[0], precision_at_top(calibration.score, panel.truth))
                )
        means = [np.mean(v, axis=0) for v in scores.values()]
        cells = " ".join(f"{rho:7.3f} / {top:4.2f}" for rho, top in means)
        print(f"{name:36s} {cells} {used:>6d}/{seeds}")


def print_cut_calibration(seeds: int, replicates: int) -> None:
    """Is P(top 10%) honest? Brier score, and expected vs actual true-top entries among contested ones."""
    methods = ("none", "zscore", "additive", "offset_scale")
    print()
    print(f"P(top 10%) from a {replicates}-replicate bootstrap, {seeds} seeds: Brier score against the")
    print("true top 10% / among contested entries, expected number truly in the top (Σ P) : actual number")
    print(f"{'setting':30s} " + " ".join(f"{('mean' if m == 'none' else m):>20s}" for m in methods))
    for name, setting in SETTINGS.items():
        brier: dict[str, list[float]] = {m: [] for m in methods}
        expected: dict[str, float] = dict.fromkeys(methods, 0.0)
        actual: dict[str, int] = dict.fromkeys(methods, 0)
        for seed in range(seeds):
            panel = simulate_panel(1000 + seed, **setting)
            k = round(0.1 * len(panel.truth))
            truly = np.zeros(len(panel.truth), dtype=bool)
            truly[np.argsort(-panel.truth)[:k]] = True
            for method in methods:
                result = bootstrap_ranks(
                    calibrate(panel.reviews, method), replicates=replicates, seed=seed, top=k
                )
                brier[method].append(float(np.mean((result.p_top - truly) ** 2)))
                expected[method] += float(result.p_top[result.contested].sum())
                actual[method] += int(truly[result.contested].sum())
        cells = " ".join(f"{np.mean(brier[m]):.4f} / {expected[m]:5.0f}:{actual[m]:4d}" for m in methods)
        print(f"{name:30s} {cells}")


if __name__ == "__main__":
    main()

"""Figures for the analysis half of `scoring/` at platform scale (prints, never asserts).

    PYTHONPATH=. python bench/scoring_scale.py            # every section, each in its own process
    PYTHONPATH=. python bench/scoring_scale.py pairwise   # one section

Each section runs in a fresh process so that its peak RSS is its own.
"""

from __future__ import annotations

import resource
import subprocess
import sys
import time

import numpy as np
from scipy.special import expit
from scipy.stats import spearmanr

SEED = 20261125


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(label, fn, *args, **kwargs):
    start = time.perf_counter()
    result = fn(*args, **kwargs)
    print(f"  {label:<46} {time.perf_counter() - start:7.3f} s")
    return result


def rated_round(n_entries=20_000, per_entry=3, n_jurors=2_000):
    """Integer 1–10 scores: entry quality + juror offset + noise; jurors distinct within an entry."""
    rng = np.random.default_rng(SEED)
    quality = rng.normal(0, 1, n_entries)
    offset = rng.normal(0, 0.8, n_jurors)
    jurors = np.stack([rng.choice(n_jurors, per_entry, replace=False) for _ in range(n_entries)])
    entries = np.repeat(np.arange(n_entries), per_entry)
    jurors = jurors.ravel()
    scores = np.clip(
        np.round(6 + 1.5 * quality[entries] + offset[jurors] + rng.normal(0, 1, len(entries))), 1, 10
    )
    return list(zip(entries.tolist(), jurors.tolist(), scores.tolist(), strict=True))


def section_reliability():
    from scoring.diagnostics import design_connectivity, disagreeing_reviews, juror_profiles, under_reviewed
    from scoring.reliability import icc_oneway, krippendorff_alpha

    reviews = rated_round()
    print(f"reliability and diagnostics: {len(reviews):,} reviews, 20,000 entries x 3, 2,000 jurors")
    for level in ("interval", "ordinal", "nominal", "ratio"):
        alpha = timed(f"Krippendorff alpha ({level})", krippendorff_alpha, reviews, level=level)
        print(f"    alpha = {alpha.value:.4f}")
    icc = timed("ICC(1), ICC(1,k) (one-way, n0)", icc_oneway, reviews)
    low, high = icc.icc1_interval
    print(f"    ICC(1) = {icc.icc1:.4f} (95% {low:.4f}-{high:.4f}), ICC(1,{icc.k:.2f}) = {icc.icck:.4f}")
    print(
        f"  peak RSS so far {peak_rss_mb():.0f} MB (the reference below adds a dense 2,000 x 20,000 matrix)"
    )
    try:
        import krippendorff

        matrix = np.full((2_000, 20_000), np.nan)
        for e, j, s in reviews:
            matrix[j, e] = s
        reference = timed(
            "krippendorff package, interval (reference)",
            krippendorff.alpha,
            reliability_data=matrix,
            level_of_measurement="interval",
        )
        print(f"    alpha = {reference:.4f}")
    except ImportError:
        print("  krippendorff package not installed: no reference")
    profiles = timed("juror profiles", juror_profiles, reviews)
    clear = sum(p.offset_is_clear for p in profiles)
    print(f"    {len(profiles)} jurors, {clear} with an offset beyond 2 SE (true offsets sd 0.8)")
    flagged = timed("disagreeing reviews (|robust z| >= 3)", disagreeing_reviews, reviews)
    print(f"    {len(flagged)} reviews flagged")
    short = timed("under-reviewed entries (k = 4)", under_reviewed, reviews, k=4)
    print(f"    {len(short)} entries below 4 reviews")
    design = timed("design connectivity", design_connectivity, reviews)
    print(f"    {len(design.components)} component(s), sizes {design.sizes[:3]}")
    print(f"  peak RSS {peak_rss_mb():.0f} MB")


def random_comparisons(rng, truth, m, jurors=None, reliability=None):
    n = len(truth)
    a, b = rng.integers(0, n, m), rng.integers(0, n, m)
    keep = a != b
    a, b = a[keep], b[keep]
    a_wins = rng.random(len(a)) < expit(truth[a] - truth[b])
    if jurors is not None:
        juror = rng.integers(0, jurors, len(a))
        a_wins = np.where(rng.random(len(a)) < reliability[juror], a_wins, ~a_wins)
        return list(
            zip(np.where(a_wins, a, b).tolist(), np.where(a_wins, b, a).tolist(), juror.tolist(), strict=True)
        )
    return list(zip(np.where(a_wins, a, b).tolist(), np.where(a_wins, b, a).tolist(), strict=True))


def section_pairwise():
    from scoring.pairwise import fit_bradley_terry

    n, m = 20_000, 100_000
    rng = np.random.default_rng(SEED)
    truth = rng.normal(0, 1, n)
    comparisons = random_comparisons(rng, truth, m)
    before = peak_rss_mb()
    print(f"Bradley-Terry: {n:,} entries, {len(comparisons):,} random comparisons (truth ~ N(0, 1))")
    result = timed("fit_bradley_terry", fit_bradley_terry, comparisons, entries=range(n))
    estimate = np.array([result.scores[i] for i in range(n)])
    se = np.array([result.standard_errors[i] for i in range(n)])
    centred_truth = truth - truth.mean()
    inside = np.abs(estimate - centred_truth) <= 1.645 * se
    print(f"    converged {result.converged}, {result.components} component(s), SEs {result.se_method}")
    print(f"    Spearman with truth {spearmanr(estimate, truth).statistic:.4f}")
    print(
        f"    median SE {np.median(se):.3f}; 90% intervals cover the truth for {inside.mean():.1%} of entries"
    )
    print(f"  peak RSS {peak_rss_mb():.0f} MB (before the fit: {before:.0f} MB)")


def section_crowd():
    from scoring.pairwise import fit_bradley_terry, fit_crowd_bt

    n, m, n_jurors = 20_000, 100_000, 200
    rng = np.random.default_rng(SEED + 1)
    truth = rng.normal(0, 1.5, n)
    reliability = rng.uniform(0.9, 1.0, n_jurors)
    reliability[:20] = 0.5  # answer at random
    reliability[20:25] = 0.2  # mostly backwards
    reliability[25:45] = 0.75  # careless
    comparisons = random_comparisons(rng, truth, m, n_jurors, reliability)
    print(f"Crowd-BT: {n:,} entries, {len(comparisons):,} comparisons, {n_jurors} jurors")
    print("  (20 random at 0.5, 5 adversarial at 0.2, 20 careless at 0.75, 155 honest 0.9-1.0)")
    result = timed("fit_crowd_bt", fit_crowd_bt, comparisons, entries=range(n))
    plain = timed("fit_bradley_terry on the same votes", fit_bradley_terry, comparisons, entries=range(n))
    crowd_rho = spearmanr([result.scores[i] for i in range(n)], truth).statistic
    plain_rho = spearmanr([plain.scores[i] for i in range(n)], truth).statistic
    print(f"    converged {result.converged} after {result.iterations} iterations")
    print(f"    Spearman with truth: Crowd-BT {crowd_rho:.4f}, plain BT {plain_rho:.4f}")
    estimated = np.array([result.reliability[j] for j in range(n_jurors)])
    for label, group in (
        ("random (0.5)", slice(0, 20)),
        ("adversarial (0.2)", slice(20, 25)),
        ("careless (0.75)", slice(25, 45)),
        ("honest (0.9-1.0)", slice(45, None)),
    ):
        est, true = estimated[group], reliability[group]
        print(
            f"    {label:<18} true mean {true.mean():.3f}  recovered mean {est.mean():.3f}"
            f"  range {est.min():.3f}-{est.max():.3f}  mean |error| {np.abs(est - true).mean():.3f}"
        )
    print(f"  peak RSS {peak_rss_mb():.0f} MB")


def section_online():
    from scoring.pairwise import PairwiseState, fit_crowd_bt, next_pair, pairwise_state, record_comparison

    n, votes, n_jurors = 200, 2_000, 25
    print(f"online expo judging: {n} entries, {votes:,} votes, {n_jurors} jurors, 5 runs per design")
    for label, reliability_of in (
        ("all jurors honest (0.95)", lambda j: 0.95),
        ("2 random + 1 adversarial juror", lambda j: {0: 0.5, 1: 0.5, 2: 0.1}.get(j, 0.95)),
    ):
        for mode in ("information gain", "random pairs"):
            rhos, per_pair = [], []
            for run in range(5):
                rng = np.random.default_rng(SEED + run)
                truth = rng.normal(0, 1.5, n)
                state, collected = pairwise_state(range(n)), []
                for _ in range(votes):
                    juror = int(rng.integers(n_jurors))
                    if mode == "information gain":
                        start = time.perf_counter()
                        a, b = next_pair(state, juror, range(n))
                        per_pair.append(time.perf_counter() - start)
                    else:
                        a, b = rng.choice(n, 2, replace=False).tolist()
                    a_wins = (rng.random() < expit(truth[a] - truth[b])) == (
                        rng.random() < reliability_of(juror)
                    )
                    winner, loser = (a, b) if a_wins else (b, a)
                    state = record_comparison(state, juror, winner, loser)
                    collected.append((winner, loser, juror))
                final = fit_crowd_bt(collected, entries=range(n))
                rhos.append(spearmanr([final.scores[i] for i in range(n)], truth).statistic)
            timing = f", next_pair {1000 * np.mean(per_pair):.1f} ms" if per_pair else ""
            print(f"  {label:<32} {mode:<17} Spearman {np.mean(rhos):.3f} (sd {np.std(rhos):.3f}){timing}")
    for pool in (2_000, 20_000):
        rng = np.random.default_rng(SEED)  # beliefs as after a few votes each
        mu = dict(enumerate(rng.normal(0, 1, pool).tolist()))
        state = PairwiseState(mu=mu, sigma2=dict(enumerate(rng.uniform(0.2, 1.0, pool).tolist())))
        timed(f"next_pair among {pool:,} candidates", next_pair, state, 0, range(pool))
        timed(f"record_comparison with {pool:,} entries", record_comparison, state, 0, 1, 2)
    print(f"  peak RSS {peak_rss_mb():.0f} MB")


def section_votes():
    from scoring.votes import borda, schulze

    rng = np.random.default_rng(SEED)
    finalists = [f"finalist {i}" for i in range(40)]
    ballots = [list(rng.permutation(finalists)[: rng.integers(10, 41)]) for _ in range(25)]
    print("ranked final vote: 40 finalists, 25 jurors, partial ballots of 10-40 entries")
    timed("borda (partial = average)", borda, ballots, candidates=finalists)
    timed("schulze (ties by Borda)", schulze, ballots, candidates=finalists, tie_break="borda")


SECTIONS = {
    "reliability": section_reliability,
    "pairwise": section_pairwise,
    "crowd": section_crowd,
    "online": section_online,
    "votes": section_votes,
}

if __name__ == "__main__":
    if len(sys.argv) > 1:
        SECTIONS[sys.argv[1]]()
    else:
        for name in SECTIONS:
            subprocess.run([sys.executable, __file__, name], check=True)
            print()

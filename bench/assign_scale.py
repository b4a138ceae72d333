"""Scale benchmark: 20,000 entries × 3 among 2,000 jurors, loads 25–35, 2% conflicts.

Target: optimal (gap 0 against the bound over every pair) in seconds, under 1 GB peak RSS.
Run: PYTHONPATH=. python bench/assign_scale.py [--entries N --jurors M --org-cap 1 --expert-per-entry
     --expert-weight 0.05 --no-greedy]
"""

from __future__ import annotations

import argparse
import sys
import time

from bench.assign_common import check, greedy, make_instance, peak_rss_mb
from scoring.assign import assign


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=20_000)
    parser.add_argument("--jurors", type=int, default=2_000)
    parser.add_argument("--org-cap", type=int, default=None)
    parser.add_argument("--expert-per-entry", action="store_true")
    parser.add_argument(
        "--expert-weight", type=float, default=0.4, help="share of affinity from track expertise"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-greedy", action="store_true")
    args = parser.parse_args()

    t0 = time.perf_counter()
    inst = make_instance(n=args.entries, m=args.jurors, expert_weight=args.expert_weight, seed=args.seed)
    t_gen = time.perf_counter() - t0
    rss_gen = peak_rss_mb()
    print(
        f"instance     {args.entries:,} entries × {inst.per_entry}, {args.jurors:,} jurors, loads 25–35, "
        f"{len(inst.conflicts):,} conflicts; built in {t_gen:.1f} s, peak RSS {rss_gen:.0f} MB"
    )

    t0 = time.perf_counter()
    result = assign(
        entries=inst.entries,
        reviewers=inst.reviewers,
        per_entry=inst.per_entry,
        conflicts=inst.conflicts,
        similarity=inst.similarity,
        rule=inst.rule,
        org_cap=args.org_cap,
        expert_per_entry=args.expert_per_entry,
        progress=lambda msg: print(f"  [{time.perf_counter() - t0:5.1f} s] {msg}", file=sys.stderr),
    )
    t_solve = time.perf_counter() - t0
    rss = peak_rss_mb()
    pairs = [(p.entry, p.reviewer) for p in result.pairs]
    check(inst, pairs, expert=args.expert_per_entry, org_cap=args.org_cap)
    print(f"engine       {t_solve:.2f} s, peak RSS {rss:.0f} MB (instance alone {rss_gen:.0f} MB)")
    print(f"  objective  {result.objective:.4f}")
    print(f"  bound      {result.bound:.4f}   gap {result.gap:.2e}")
    print(f"  method     {result.method}; {int(result.stats['candidate_pairs']):,} candidate pairs")
    loads = sorted(result.loads.values())
    print(
        f"  loads      min {loads[0]} median {loads[len(loads) // 2]} max {loads[-1]}; "
        f"worst entry {result.stats['worst_entry_affinity']:.3f}; "
        f"expert coverage {result.stats['expert_coverage']:.1%}; independent check passed"
    )
    if not args.no_greedy:
        t0 = time.perf_counter()
        _, g_total, below = greedy(inst)
        t_greedy = time.perf_counter() - t0
        print(
            f"greedy       {t_greedy:.2f} s, objective {g_total:.4f} = {g_total / result.bound:.4%} "
            f"of the bound (gap {(result.bound - g_total) / result.bound:.3%}); "
            f"{below} of {len(inst.reviewers):,} jurors below their minimum load"
        )


if __name__ == "__main__":
    main()

"""Side-constraint benchmark: an expert per entry AND at most one juror per organisation per entry.

2,000 entries × 3 among 200 jurors (scoring-research §3: HiGHS MIP 49 s, CP-SAT 120 s to 0.02%).
Target: within 0.1% of the bound in a few seconds. Two affinity mixes are run: the research's
(0.4 expert weight, where experts win anyway) and a weak expert weight (0.05), where the expert
rule binds and the flow must be repaired. `--mip` also times HiGHS on the same candidate pairs.
Run: PYTHONPATH=. python bench/assign_sides.py [--mip]
"""

from __future__ import annotations

import argparse
import time

from bench.assign_common import check, greedy, make_instance, peak_rss_mb
from scoring.assign import assign
from scoring.assign_flow import candidate_arcs
from scoring.assign_problem import compile_problem
from scoring.assign_sides import solve_mip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=2_000)
    parser.add_argument("--jurors", type=int, default=200)
    parser.add_argument("--mip", action="store_true", help="also run HiGHS on the candidate pairs (slow)")
    args = parser.parse_args()
    for weight in (0.4, 0.05):
        inst = make_instance(n=args.entries, m=args.jurors, expert_weight=weight, seed=1)
        kwargs = dict(
            entries=inst.entries,
            reviewers=inst.reviewers,
            per_entry=inst.per_entry,
            conflicts=inst.conflicts,
            similarity=inst.similarity,
            rule=inst.rule,
        )
        print(
            f"expert weight {weight}: {args.entries:,} entries × {inst.per_entry}, {args.jurors} jurors, "
            f"loads 25–35, {len(inst.conflicts):,} conflicts"
        )
        t0 = time.perf_counter()
        free = assign(**kwargs)
        t_free = time.perf_counter() - t0
        print(
            f"  no side constraint   {t_free:5.2f} s  objective {free.objective:.4f}  "
            f"expert coverage {free.stats['expert_coverage']:.2%}"
        )
        t0 = time.perf_counter()
        result = assign(**kwargs, expert_per_entry=True, org_cap=1)
        t_sides = time.perf_counter() - t0
        check(inst, [(p.entry, p.reviewer) for p in result.pairs], expert=True, org_cap=1)
        print(
            f"  expert + org cap 1   {t_sides:5.2f} s  objective {result.objective:.4f}  "
            f"bound {result.bound:.4f}  gap {result.gap:.4%}  ({result.method}); independent check passed"
        )
        print(f"  price of the side constraints: {(free.objective - result.objective) / free.objective:.3%}")
        _, g_total, below = greedy(inst)
        print(f"  greedy (no sides)    objective {g_total:.4f}, {below} jurors below their minimum load")
        if args.mip:
            p = compile_problem(
                **{k: v for k, v in kwargs.items() if k != "per_entry"},
                per_entry=inst.per_entry,
                affinities=(),
                bids=(),
                keep=(),
                expert_per_entry=True,
                org_cap=1,
            )
            arcs = candidate_arcs(p, per_entry=50, per_reviewer=70)
            t0 = time.perf_counter()
            chosen, _, _ = solve_mip(p, arcs, time_limit=300)
            t_mip = time.perf_counter() - t0
            value = arcs.gain[chosen].sum() / 1e6 if chosen is not None else float("nan")
            print(f"  HiGHS MIP, top-50    {t_mip:5.1f} s  objective {value:.4f}")
    print(f"peak RSS {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()

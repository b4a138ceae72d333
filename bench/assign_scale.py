"""Scale benchmark: 20,000 entries × 3 among 2,000 jurors, loads 25–35, 2% conflicts.

Target: optimal (gap 0 against the bound over every pair) in seconds, under 1 GB peak RSS.
Run: PYTHONPATH=. python bench/assign_scale.py [--entries N --jurors M --org-cap 1 --expert-per-entry
     --expert-weight 0.05 --no-greedy]

`--cli` runs `giuria assign` as an organiser does instead: the instance written as CSV files (an affinity row for
every allowed pair), the whole process timed beside what it cannot avoid, measured in the same run (reading the
CSVs with the csv module, the solve, writing the output), and their ratio; goal ≤ 2×, optimal as in-process.
Run: PYTHONPATH=. python bench/assign_scale.py --cli --entries 2000 --jurors 200 [--rounds 3]
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.assign_common import check, greedy, make_instance, peak_rss_mb, plain_read, write_instance
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
    parser.add_argument("--cli", action="store_true", help="time `giuria assign` on the instance as CSV files")
    parser.add_argument("--rounds", type=int, default=3, help="with --cli: how many times")
    args = parser.parse_args()
    if args.cli:
        command_line(args)
        return

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


def command(paths: dict[str, Path], output: Path, per_entry: int) -> list[str]:
    return [sys.executable, "-m", "core", "assign", "--entries", str(paths["entries"]),
            "--jurors", str(paths["jurors"]), "--conflicts", str(paths["conflicts"]),
            "--affinity", str(paths["affinity"]), "--per-entry", str(per_entry), "--base-affinity", "0",
            "--expert-affinity", "0", "-o", str(output)]


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _timed(work, *args, **kwargs):
    """(result, wall seconds, CPU seconds): on a shared machine the CPU figure is the steadier one."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = work(*args, **kwargs)
    return result, time.perf_counter() - wall, time.process_time() - cpu


def command_line(args: argparse.Namespace) -> None:
    inst = make_instance(n=args.entries, m=args.jurors, expert_weight=args.expert_weight, seed=args.seed)
    with tempfile.TemporaryDirectory() as folder:
        paths = write_instance(inst, Path(folder))
        rows = sum(1 for path in paths.values() for _line in path.open()) - len(paths)
        print(f"instance     {args.entries:,} entries × {inst.per_entry}, {args.jurors:,} jurors, "
              f"{len(inst.conflicts):,} conflicts, {rows:,} CSV rows in all")
        from core.cli.assign import _write_atomically, read_inputs
        from scoring.assign import assign

        for n in range(1, args.rounds + 1):
            output = Path(folder) / "out.csv"
            t0, cpu0 = time.perf_counter(), _children_cpu()
            done = subprocess.run(command(paths, output, inst.per_entry), capture_output=True, text=True)
            whole, whole_cpu = time.perf_counter() - t0, _children_cpu() - cpu0
            if done.returncode != 0:
                sys.exit(done.stderr)
            objective = next(line.split()[1] for line in done.stdout.splitlines() if line.startswith("objective"))
            gap = next(line.split(maxsplit=1)[1] for line in done.stdout.splitlines() if line.startswith("gap"))

            _, read, read_cpu = _timed(plain_read, paths)
            inputs, validated, validated_cpu = _timed(
                read_inputs, entries=paths["entries"], jurors=paths["jurors"], conflicts=paths["conflicts"],
                affinity=paths["affinity"], keep=None, per_entry=inst.per_entry, min_load=0, max_load=None)
            result, solve, solve_cpu = _timed(
                assign, entries=inputs.entries, reviewers=inputs.jurors, per_entry=inst.per_entry,
                conflicts=inputs.conflicts, affinities=inputs.affinities)
            _, write, write_cpu = _timed(_write_atomically, Path(folder) / "again.csv", result.pairs)
            print(f"round {n}      whole process {whole:.2f} s; csv read {read:.2f} s, solve {solve:.2f} s, "
                  f"csv write {write:.3f} s: {whole / (read + solve + write):.2f}× their sum (goal ≤ 2×)")
            print(f"  CPU        whole process {whole_cpu:.2f} s; csv read {read_cpu:.2f} s, solve {solve_cpu:.2f} s, "
                  f"csv write {write_cpu:.3f} s: {whole_cpu / (read_cpu + solve_cpu + write_cpu):.2f}× their sum")
            print(f"  in-process reading and checking the CSVs {validated:.2f} s ({validated_cpu:.2f} s CPU); "
                  f"objective {objective} (in-process {result.objective:.6f}), gap {gap}")


if __name__ == "__main__":
    main()

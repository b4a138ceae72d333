"""`giuria score` against merely reading its CSV: 20,000 entries × 3 reviews × 5 criteria, 1,000 replicates.

Run: PYTHONPATH=. nice python bench/score_speed.py [--runs 3] [--criteria 5] [--replicates 1000] [--steps]

Writes the scores file (2,000 jurors, biased, four tracks) and a rubric to a temporary
directory, then alternates, `--runs` times each, two whole processes:

- `python -c` reading the file with `csv.DictReader` and nothing else;
- `giuria score FILE --rubric RUBRIC --bootstrap 1000 -o OUT` (and, with `--by-track`,
  `--by track --top 125` as well).

It prints the median wall and CPU time of each, their ratios to the read (the goal is at
most 5×) and the command's peak memory (RSS of the process, the goal is at most 500 MB). On
a shared machine the CPU ratio is the steadier figure: wall time also counts the waits for
a core. With `--steps`
it also times the command's parts in this process: reading and checking the CSV, the fit,
the bootstrap.
"""

from __future__ import annotations

import os

# One BLAS thread, as `giuria score` runs (core/cli/main.py), for the in-process steps too.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

CRITERIA = ("problem", "solution", "impact", "team", "market", "feasibility")
WEIGHTS = (2, 2, 3, 1, 1, 1)
ROOT = Path(__file__).resolve().parents[1]
GIURIA = Path(sys.executable).with_name("giuria")
DICT_READER = (
    "import csv, sys\n"
    "with open(sys.argv[1], newline='', encoding='utf-8') as handle:\n"
    "    for row in csv.DictReader(handle):\n"
    "        pass\n"
)


def write_scores(path: Path, *, entries: int, jurors: int, per_entry: int, criteria: int, seed: int) -> None:
    """Balanced random design (equal juror loads, no juror twice on an entry) with biased jurors."""
    rng = np.random.default_rng(seed)
    slots = rng.permutation(np.repeat(np.arange(jurors), entries * per_entry // jurors)).reshape(
        entries, per_entry
    )
    for _ in range(100):
        clash = np.flatnonzero(
            np.any(np.sort(slots, axis=1)[:, 1:] == np.sort(slots, axis=1)[:, :-1], axis=1)
        )
        if not len(clash):
            break
        other = rng.integers(0, entries, len(clash))
        column = rng.integers(0, per_entry, len(clash))
        slots[clash, column], slots[other, column] = slots[other, column], slots[clash, column]
    quality = rng.normal(0, 1, entries)
    offset = rng.normal(0, 1.2, jurors)
    track = np.array(["agri", "health", "energy", "culture"])[np.arange(entries) % 4]
    entry = np.repeat(np.arange(entries), per_entry)
    juror = slots.ravel()
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write("entry,juror,criterion,value,track\n")
        for c, code in enumerate(CRITERIA[:criteria]):
            noise = rng.normal(0, 1.2, len(entry))
            value = np.clip(
                np.round(6 + 1.5 * quality[entry] + offset[juror] + noise + 0.2 * c), 1, 10
            ).astype(int)
            handle.writelines(
                f"E{e:05d},J{j:04d},{code},{v},{track[e]}\n"
                for e, j, v in zip(entry.tolist(), juror.tolist(), value.tolist(), strict=True)
            )


def write_rubric(path: Path, criteria: int) -> None:
    lines = ["name: bench", "criteria:"]
    lines += [
        f"  - {{code: {code}, weight: {weight}, min: 1, max: 10, step: 1}}"
        for code, weight in zip(CRITERIA[:criteria], WEIGHTS, strict=False)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def timed_process(command: list[str]) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds and peak RSS (MB) of one child process."""
    start = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed with status {child.returncode}")
    return seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def time_steps(scores: Path, rubric_path: Path, replicates: int) -> None:
    sys.path.insert(0, str(ROOT))
    from core.cli.score import load_rubric, read_scores
    from scoring.normalise import calibrate
    from scoring.rank import bootstrap_ranks

    rubric = load_rubric(str(rubric_path))
    start = time.perf_counter()
    table = read_scores(scores, rubric)
    read = time.perf_counter() - start
    start = time.perf_counter()
    calibration = calibrate(table.reviews)
    fit = time.perf_counter() - start
    start = time.perf_counter()
    bootstrap_ranks(calibration, replicates=replicates, seed=1, top=table.reviews.n_entries // 10)
    boot = time.perf_counter() - start
    print(f"  read and check the CSV      {read:6.2f} s")
    print(f"  calibration fit             {fit:6.2f} s")
    print(f"  bootstrap × {replicates:<5d}          {boot:6.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=20_000)
    parser.add_argument("--jurors", type=int, default=2_000)
    parser.add_argument("--reviews", type=int, default=3)
    parser.add_argument("--criteria", type=int, default=5)
    parser.add_argument("--replicates", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--by-track", action="store_true", help="also time --by track --top 125")
    parser.add_argument("--steps", action="store_true", help="also time the command's parts in-process")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        scores, rubric, out = Path(folder) / "scores.csv", Path(folder) / "rubric.yaml", Path(folder) / "out.csv"
        write_scores(
            scores, entries=args.entries, jurors=args.jurors, per_entry=args.reviews, criteria=args.criteria, seed=1
        )
        write_rubric(rubric, args.criteria)
        rows = args.entries * args.reviews * args.criteria
        print(
            f"{rows:,} score rows ({scores.stat().st_size / 1e6:.1f} MB): {args.entries:,} entries × "
            f"{args.reviews} reviews × {args.criteria} criteria, {args.jurors:,} jurors; "
            f"{args.replicates} replicates; median of {args.runs} alternating runs"
        )
        commands = {
            "csv.DictReader, whole process": [sys.executable, "-c", DICT_READER, str(scores)],
            "giuria score, whole process": [
                str(GIURIA), "score", str(scores), "--rubric", str(rubric),
                "--bootstrap", str(args.replicates), "-o", str(out),
            ],
        }  # fmt: skip
        if args.by_track:
            commands["giuria score --by track --top 125"] = [
                *commands["giuria score, whole process"], "--by", "track", "--top", "125"
            ]
        times: dict[str, list[float]] = {name: [] for name in commands}
        cpus: dict[str, list[float]] = {name: [] for name in commands}
        peaks: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.runs):
            for name, command in commands.items():
                seconds, cpu, peak = timed_process(command)
                times[name].append(seconds)
                cpus[name].append(cpu)
                peaks[name].append(peak)
        wall_base = statistics.median(times["csv.DictReader, whole process"])
        cpu_base = statistics.median(cpus["csv.DictReader, whole process"])
        print(f"  {'':36s} {'wall':>6s}   {'ratio':>6s}  {'CPU':>6s}   {'ratio':>6s}  peak RSS  (wall of each run)")
        for name in commands:
            wall, cpu = statistics.median(times[name]), statistics.median(cpus[name])
            print(
                f"  {name:36s} {wall:6.2f} s {wall / wall_base:5.1f}×  {cpu:6.2f} s {cpu / cpu_base:5.1f}×  "
                f"{max(peaks[name]):5.0f} MB  ({', '.join(f'{t:.2f}' for t in times[name])})"
            )
        if args.steps:
            time_steps(scores, rubric, args.replicates)


if __name__ == "__main__":
    main()

"""Time reading a 20,000 entries × 3 reviews × 6 criteria scores file, the calibration fit and the bootstrap.

Run: PYTHONPATH=. python bench/score_speed.py [--replicates 1000] [--method offset_scale]
The file is written to a temporary directory and read with the reader `giuria score` uses,
so "read" includes checking every row against the rubric and computing review totals.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

import numpy as np

from core.cli.score import read_scores
from scoring.normalise import DEFAULT_METHOD, calibrate
from scoring.rank import bootstrap_ranks
from scoring.rubric import Criterion, Rubric

CRITERIA = ("problem", "solution", "impact", "team", "market", "feasibility")
RUBRIC = Rubric(
    name="bench",
    label={"en": "Benchmark"},
    criteria=tuple(
        Criterion(code, {"en": code}, weight=w, min=1, max=10, step=1)
        for code, w in zip(CRITERIA, (2, 2, 3, 1, 1, 1), strict=True)
    ),
)


def write_scores(path: Path, *, entries: int, jurors: int, per_entry: int, seed: int) -> None:
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
        for c, code in enumerate(CRITERIA):
            noise = rng.normal(0, 1.2, len(entry))
            value = np.clip(
                np.round(6 + 1.5 * quality[entry] + offset[juror] + noise + 0.2 * c), 1, 10
            ).astype(int)
            handle.writelines(
                f"E{e:05d},J{j:04d},{code},{v},{track[e]}\n"
                for e, j, v in zip(entry.tolist(), juror.tolist(), value.tolist(), strict=True)
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=20_000)
    parser.add_argument("--jurors", type=int, default=2_000)
    parser.add_argument("--reviews", type=int, default=3)
    parser.add_argument("--replicates", type=int, default=1000)
    parser.add_argument("--method", default=DEFAULT_METHOD)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "scores.csv"
        write_scores(path, entries=args.entries, jurors=args.jurors, per_entry=args.reviews, seed=1)
        rows = args.entries * args.reviews * len(CRITERIA)
        print(
            f"{rows:,} score rows ({path.stat().st_size / 1e6:.1f} MB): "
            f"{args.entries:,} entries × {args.reviews} reviews × {len(CRITERIA)} criteria, "
            f"{args.jurors:,} jurors"
        )
        start = time.perf_counter()
        table = read_scores(path, RUBRIC, group_column="track")
        read = time.perf_counter() - start
    start = time.perf_counter()
    calibration = calibrate(table.reviews, args.method)
    fit = time.perf_counter() - start
    start = time.perf_counter()
    bootstrap_ranks(calibration, replicates=args.replicates, seed=1, top=args.entries // 10)
    overall = time.perf_counter() - start
    groups = [table.groups[e] for e in table.reviews.entries]
    start = time.perf_counter()
    bootstrap_ranks(calibration, replicates=args.replicates, seed=1, top=args.entries // 40, groups=groups)
    by_track = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"read and check CSV        {read:7.2f} s")
    print(f"calibration fit ({args.method}) {fit:7.2f} s")
    print(f"bootstrap × {args.replicates} (overall)  {overall:7.2f} s")
    print(f"bootstrap × {args.replicates} (by track) {by_track:7.2f} s")
    print(f"fit + bootstrap / read    {(fit + overall) / read:7.2f} ×")
    print(f"peak memory (RSS)         {peak:7.0f} MB")


if __name__ == "__main__":
    main()

"""`giuria assign`: the assignment engine on CSV files, for organisers and for checking a round.

All reading and writing happens here; `scoring.assign` only sees plain data. Every bad row is
reported with its file and line before anything is solved, and the output file is written
only when an assignment exists.
"""

from __future__ import annotations

import csv
import gc
import io
import math
import os
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import count, repeat
from pathlib import Path

import click

from core.platform.documents.csv_cells import csv_field
from scoring.assign_model import (
    AffinityRule,
    AffinityTable,
    AssignmentInfeasible,
    Conflict,
    Entry,
    Reviewer,
)

# Loads and jurors per entry beyond this are typing mistakes (and overflow the solver's 64-bit arrays).
MAX_COUNT = 1_000_000


@dataclass
class Inputs:
    """What the CSV files say, plus every problem found in them as 'file:line: message'."""

    entries: list[Entry] = field(default_factory=list)
    entry_orgs: dict[str, str] = field(default_factory=dict)
    jurors: list[Reviewer] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    affinities: AffinityTable = field(default_factory=lambda: AffinityTable([], [], []))
    keep: list[tuple[str, str]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


_ASCII_BLANKS = (b'"', b" ", b"\t", b"\x0b", b"\x0c", b"\x1c", b"\x1d", b"\x1e", b"\x1f")
_BLANK = re.compile(r"[^\S\r\n]")


def _plain(data: bytes, text: str) -> bool:
    """No quotes and no white space but line breaks: one row a line and nothing to strip (the usual export)."""
    if any(blank in data for blank in _ASCII_BLANKS):
        return False
    return data.isascii() or _BLANK.search(text) is None


def _rows(path: Path, required: tuple[str, ...], optional: tuple[str, ...], errors: list[str]):
    """(line number, cells) for each data row, the cells stripped and in the order of `required + optional` ('' for
    an optional column the file lacks); header faults are reported once."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        errors.append(f"{path}: cannot read: {exc.strerror}")
        return
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        errors.append(f"{path}:{line}: not UTF-8 text (save the file as UTF-8)")
        return
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip() for h in next(reader, [])]
    except csv.Error as exc:
        errors.append(f"{path}:{reader.line_num}: {_csv_problem(exc)}")
        return
    missing = [c for c in required if c not in header]
    unknown = [c for c in header if c not in required + optional]
    if missing or unknown:
        what = []
        if missing:
            what.append("missing column(s) " + ", ".join(missing))
        if unknown:
            what.append("unknown column(s) " + ", ".join(unknown))
        errors.append(
            f"{path}:1: "
            + "; ".join(what)
            + f" (expected {','.join(required)}"
            + (f"[,{','.join(optional)}]" if optional else "")
            + ")"
        )
        return
    lines, rows, failed = _records(reader, plain=_plain(data, text))
    if failed:
        failed = f"{path}:{reader.line_num}: {_csv_problem(failed)}"
    width, columns = len(header), required + optional
    position = {name: i for i, name in enumerate(header)}  # a repeated column: its last cell counts
    pick = None if header == list(columns) else [position.get(name, width) for name in columns]
    for line, cells in zip(lines, rows, strict=True):
        if len(cells) != width:
            if len(cells) > width:
                errors.append(f"{path}:{line}: more fields than columns")
                continue
            cells = cells + [""] * (width - len(cells))
        if any(cells):
            yield line, cells if pick is None else [cells[i] if i < width else "" for i in pick]
    if failed:
        errors.append(failed)


def _records(reader, *, plain: bool) -> tuple[Sequence[int], list[list[str]], csv.Error | None]:
    """The rows after the header with the line each ends on, and the error that stopped the reading if one did.

    A plain file has one row a line and nothing to strip, so the csv module reads it at its own pace; any other is
    read row by row.
    """
    rows: list[list[str]] = []
    lines: list[int] = []
    failed = None
    try:
        if plain:
            rows.extend(reader)  # keeps the rows read before an error
        else:
            for cells in reader:
                rows.append([cell.strip() for cell in cells])
                lines.append(reader.line_num)
    except csv.Error as exc:
        failed = exc
    return (range(2, len(rows) + 2) if plain else lines), rows, failed


def _csv_problem(error: csv.Error) -> str:
    if "field larger than field limit" in str(error):
        return f"a field is longer than {csv.field_size_limit():,} characters"
    return f"not readable as CSV: {error}"


def _count(text: str, where: str, what: str, errors: list[str]) -> int | None:
    if text == "":
        return None
    try:
        value = int(text)
    except ValueError:
        errors.append(f"{where}: {what} {text!r} is not a whole number")
        return None
    if value < 0:
        errors.append(f"{where}: {what} {value} is negative")
        return None
    if value > MAX_COUNT:
        errors.append(f"{where}: {what} {text} is above {MAX_COUNT:,}")
        return None
    return value


def read_inputs(
    *,
    entries: Path,
    jurors: Path,
    conflicts: Path | None,
    affinity: Path | None,
    keep: Path | None,
    per_entry: int,
    min_load: int,
    max_load: int | None,
) -> Inputs:
    """Parse and cross-check the files; never raises on bad content, collects it in `errors`.

    Without `max_load`, a juror's row without one gets an even spread with one slot of slack,
    ⌈per_entry × entries / jurors⌉ + 1 (never below the minimum load).
    """
    out = Inputs()
    _read_entries(out, entries)
    _read_jurors(out, jurors, per_entry=per_entry, min_load=min_load, max_load=max_load)
    known = (frozenset(e.id for e in out.entries), frozenset(j.id for j in out.jurors))
    if conflicts is not None:
        _read_conflicts(out, conflicts, known)
    if affinity is not None:
        _read_affinities(out, affinity, known)
    if keep is not None:
        # a juror or entry gone since the last run is the refill case: released, not an error
        out.keep.extend(pair for _, _, pair in _pairs(keep, ("entry", "juror"), known, out.errors,
                                                       unknown_is_error=False))
    out.conflicts.extend(_organisation_conflicts(out))
    return out


def _read_entries(out: Inputs, path: Path) -> None:
    err = out.errors
    entry_ids: set[str] = set()
    for line, (entry, track, organisation) in _rows(path, ("entry", "track"), ("organisation",), err):
        if not entry:
            err.append(f"{path}:{line}: empty entry id")
        elif entry in entry_ids:
            err.append(f"{path}:{line}: entry {entry!r} listed twice")
        else:
            entry_ids.add(entry)
            out.entries.append(Entry(entry, track=track or None))
            if organisation:
                out.entry_orgs[entry] = organisation


def _read_conflicts(out: Inputs, path: Path, known: tuple[frozenset[str], frozenset[str]]) -> None:
    """Declared conflicts: a faultless plain file a column at a time (a round's can run to hundreds of thousands),
    any other row by row."""
    columns = _plain_columns(path, CONFLICT_COLUMNS)
    if columns is not None:
        entries, jurors = columns[0], "".join(columns[1]).split("\n")[:-1]  # without their line breaks
        if _distinct_known_pairs(entries, jurors, known):
            out.conflicts.extend(map(Conflict, entries, jurors, repeat("declared")))
            return
    out.conflicts.extend(Conflict(e, j, "declared")
                         for _, _, (e, j) in _pairs(path, CONFLICT_COLUMNS, known, out.errors, unknown_is_error=True))


def _read_jurors(out: Inputs, path: Path, *, per_entry: int, min_load: int, max_load: int | None) -> None:
    """Jurors with their load bounds; the even spread needs every juror row first, hence two passes."""
    err = out.errors
    rows, seen = [], set()
    columns = ("juror", "tracks", "organisation", "min_load", "max_load")
    for line, cells in _rows(path, columns[:2], columns[2:], err):
        where = f"{path}:{line}"
        row = dict(zip(columns, cells, strict=True))
        lo = _count(row.get("min_load", ""), where, "min_load", err)
        hi = _count(row.get("max_load", ""), where, "max_load", err)
        if not row["juror"]:
            err.append(f"{where}: empty juror id")
        elif row["juror"] in seen:
            err.append(f"{where}: juror {row['juror']!r} listed twice")
        else:
            seen.add(row["juror"])
            rows.append((where, row, lo, hi))
    spread = math.ceil(per_entry * len(out.entries) / max(1, len(rows))) + 1
    for where, row, lo, hi in rows:
        lo = min_load if lo is None else lo
        hi = hi if hi is not None else max_load if max_load is not None else max(spread, lo)
        if lo > hi:
            err.append(f"{where}: min_load {lo} is above max_load {hi}")
            continue
        tracks = frozenset(t.strip() for t in row["tracks"].split(";") if t.strip())
        out.jurors.append(
            Reviewer(
                row["juror"],
                tracks=tracks,
                organisation=row.get("organisation") or None,
                min_load=lo,
                max_load=hi,
            )
        )


def _pairs(path: Path, columns: tuple[str, ...], known: tuple[frozenset[str], frozenset[str]], err: list[str], *,
           unknown_is_error: bool):
    """(line, cells, (entry, juror)) per row of a pair file; a repeated pair, or an unknown id if it is an error,
    is reported instead."""
    entry_ids, juror_ids = known
    seen: set[tuple[str, str]] = set()
    for line, cells in _rows(path, columns, (), err):
        pair = (cells[0], cells[1])
        if pair in seen:
            err.append(f"{path}:{line}: pair ({pair[0]}, {pair[1]}) listed twice")
        elif unknown_is_error and (pair[0] not in entry_ids or pair[1] not in juror_ids):
            bad = [f"unknown entry {pair[0]!r}"] if pair[0] not in entry_ids else []
            bad += [f"unknown juror {pair[1]!r}"] if pair[1] not in juror_ids else []
            err.append(f"{path}:{line}: " + ", ".join(bad))
        else:
            seen.add(pair)
            yield line, cells, pair


AFFINITY_COLUMNS = ("entry", "juror", "affinity")
CONFLICT_COLUMNS = ("entry", "juror")


def _read_affinities(out: Inputs, path: Path, known: tuple[frozenset[str], frozenset[str]]) -> None:
    """A faultless plain file is taken a column at a time; any other is read row by row, which names the faults."""
    table = _faultless_table(path, known)
    if table is not None:
        out.affinities = table
        return
    entries, jurors, values = out.affinities.entry, out.affinities.reviewer, out.affinities.value
    for line, cells, (e, j) in _pairs(path, AFFINITY_COLUMNS, known, out.errors, unknown_is_error=True):
        try:
            value = float(cells[2])
        except ValueError:
            value = math.nan
        if not math.isfinite(value):
            out.errors.append(f"{path}:{line}: affinity {cells[2]!r} is not a number")
        else:
            entries.append(e)
            jurors.append(j)
            values.append(value)


def _faultless_table(path: Path, known: tuple[frozenset[str], frozenset[str]]) -> AffinityTable | None:
    """The affinity table of a plain file (the usual export: a table of every pair can run to a million rows) that
    the row-by-row reading would accept whole, checked a column at a time; None for any other file."""
    columns = _plain_columns(path, AFFINITY_COLUMNS)
    if columns is None:
        return None
    entries, jurors, texts = columns
    if not _distinct_known_pairs(entries, jurors, known):
        return None
    try:
        values = list(map(float, texts))
    except ValueError:
        return None
    if not all(map(math.isfinite, values)):
        return None
    return AffinityTable(entries, jurors, values)


def _distinct_known_pairs(entries: list[str], jurors: list[str], known: tuple[frozenset[str], frozenset[str]]) -> bool:
    """Whether every entry and juror is known and no pair comes twice: one integer per pair, sorted (a set of a
    million pairs would make a tuple for each)."""
    import numpy as np  # loaded for the solve anyway; not for `--help` or a file with faults

    entry_ids, juror_ids = known
    entry_index, juror_index = dict(zip(entry_ids, count())), dict(zip(juror_ids, count()))
    try:
        codes = np.fromiter(map(entry_index.__getitem__, entries), np.int64, len(entries)) * len(juror_index)
        codes += np.fromiter(map(juror_index.__getitem__, jurors), np.int64, len(jurors))
    except KeyError:
        return False
    codes.sort()
    return not (codes[1:] == codes[:-1]).any()


def _plain_columns(path: Path, names: tuple[str, ...]) -> list[list[str]] | None:
    """The columns of a plain file whose header is exactly `names` and whose every line has that many cells, split
    as the csv module splits such a file, except that each cell of the last column keeps its line break (float()
    ignores it; a million slices would not); None for any other file (empty, or whatever needs the csv module)."""
    try:
        data = path.read_bytes()
        text = data.decode("utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return None
    if not _plain(data, text):
        return None
    if "\r" in text:
        text = text.replace("\r\n", "\n")
        if "\r" in text:  # a line break of its own: the csv module's business
            return None
    header, _break, body = text.partition("\n")
    if header != ",".join(names) or not body:
        return None
    if not body.endswith("\n"):
        body += "\n"
    # Each line break ends a cell, so each cell holds at most one, at its end: every line has exactly `width` cells
    # when the cells come to `width` a line and the last column's cells hold all the line breaks.
    rows, width = body.count("\n"), len(names)
    cells = body.replace("\n", "\n,").split(",")
    cells.pop()  # what follows the last line break
    if len(cells) != width * rows:
        return None
    columns = [cells[i::width] for i in range(width)]
    if "".join(columns[-1]).count("\n") != rows:
        return None
    # the csv module refuses a longer field; in the id columns one would be an unknown id anyway
    if max(map(len, columns[-1])) > csv.field_size_limit() + 1:
        return None
    return columns


def _organisation_conflicts(out: Inputs) -> list[Conflict]:
    """An entry and a juror of the same organisation, unless the conflict is already declared."""
    declared = {(c.entry, c.reviewer) for c in out.conflicts}
    jurors_of: dict[str, list[str]] = {}
    for j in out.jurors:
        if j.organisation:
            jurors_of.setdefault(j.organisation.casefold(), []).append(j.id)
    return [Conflict(e, j, "same organisation") for e, org in out.entry_orgs.items()
            for j in jurors_of.get(org.casefold(), ()) if (e, j) not in declared]


@click.command("assign")
@click.option(
    "--entries",
    "entries_csv",
    required=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="CSV: entry,track[,organisation]",
)
@click.option(
    "--jurors",
    "jurors_csv",
    required=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="CSV: juror,tracks[,organisation,min_load,max_load]; tracks separated by ';'",
)
@click.option(
    "--conflicts",
    "conflicts_csv",
    type=click.Path(path_type=Path, dir_okay=False),
    help="CSV: entry,juror (declared conflicts; same organisation is added automatically)",
)
@click.option(
    "--affinity",
    "affinity_csv",
    type=click.Path(path_type=Path, dir_okay=False),
    help="CSV: entry,juror,affinity (replaces the track-based affinity of those pairs)",
)
@click.option("--per-entry", required=True, type=click.IntRange(min=1, max=MAX_COUNT), help="Jurors per entry.")
@click.option(
    "--min-load",
    default=0,
    show_default=True,
    type=click.IntRange(min=0, max=MAX_COUNT),
    help="Minimum entries per juror, unless the juror's row says otherwise.",
)
@click.option(
    "--max-load",
    type=click.IntRange(min=0, max=MAX_COUNT),
    help="Maximum entries per juror, unless the juror's row says otherwise [default: even spread + 1].",
)
@click.option(
    "--keep",
    "keep_csv",
    type=click.Path(path_type=Path, dir_okay=False),
    help="CSV: entry,juror of an earlier assignment to keep; only the gaps are filled.",
)
@click.option("--expert-per-entry", is_flag=True, help="At least one juror who lists the entry's track.")
@click.option("--org-cap", type=click.IntRange(min=1), help="At most N jurors of one organisation per entry.")
@click.option("--pair-cap", type=click.IntRange(min=1), help="At most N entries shared by any two jurors.")
@click.option(
    "--expert-affinity",
    default=1.0,
    show_default=True,
    type=float,
    help="Affinity of a juror who lists the entry's track.",
)
@click.option(
    "--base-affinity",
    default=0.1,
    show_default=True,
    type=float,
    help="Affinity of any other eligible juror.",
)
@click.option(
    "--time-limit",
    default=60.0,
    show_default=True,
    type=click.FloatRange(min=1),
    help="Seconds allowed to the MIP fallback of combined side constraints.",
)
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="CSV written: entry,juror,affinity",
)
def assign(
    entries_csv,
    jurors_csv,
    conflicts_csv,
    affinity_csv,
    per_entry,
    min_load,
    max_load,
    keep_csv,
    expert_per_entry,
    org_cap,
    pair_cap,
    expert_affinity,
    base_affinity,
    time_limit,
    output,
):
    """Assign jurors to entries: exactly K each, loads within bounds, no conflicts, best total affinity."""
    started = time.perf_counter()

    def progress(message: str) -> None:
        click.echo(f"[{time.perf_counter() - started:6.1f} s] {message}", err=True)

    # Reading makes a million small objects and no cycles: collections would only walk them, again and again
    # while they pile up, and then at every collection of the solve.
    gc.disable()
    try:
        inputs = read_inputs(
            entries=entries_csv,
            jurors=jurors_csv,
            conflicts=conflicts_csv,
            affinity=affinity_csv,
            keep=keep_csv,
            per_entry=per_entry,
            min_load=min_load,
            max_load=max_load,
        )
    finally:
        gc.enable()
    gc.freeze()
    if inputs.errors:
        problems = list(dict.fromkeys(inputs.errors))
        if len(problems) == 1:
            click.echo(f"{problems[0]}; nothing written.", err=True)
            sys.exit(2)
        for line in problems:
            click.echo(line, err=True)
        click.echo(f"{len(problems)} problem(s) in the input; nothing written.", err=True)
        sys.exit(2)
    progress(
        f"read {len(inputs.entries)} entries, {len(inputs.jurors)} jurors, "
        f"{len(inputs.conflicts)} conflicts, {len(inputs.keep)} pairs to keep"
    )
    from scoring.assign import assign as assign_reviewers  # numpy and OR-Tools: not for `--help` or bad input

    try:
        result = assign_reviewers(
            entries=inputs.entries,
            reviewers=inputs.jurors,
            per_entry=per_entry,
            conflicts=inputs.conflicts,
            affinities=inputs.affinities,
            rule=AffinityRule(expert=expert_affinity, base=base_affinity),
            keep=inputs.keep,
            expert_per_entry=expert_per_entry,
            org_cap=org_cap,
            pair_cap=pair_cap,
            time_limit=time_limit,
            progress=progress,
        )
    except AssignmentInfeasible as exc:
        click.echo("No assignment is possible:", err=True)
        for obstacle in exc.obstacles:
            click.echo(f"  - [{obstacle.constraint}] {obstacle.message}", err=True)
        click.echo("Nothing written.", err=True)
        sys.exit(1)
    _write_atomically(output, result.pairs)
    loads = sorted(result.loads.values())
    click.echo(f"assignment   {len(result.pairs)} pairs written to {output}")
    click.echo(f"objective    {result.objective:.6f}")
    click.echo(f"bound        {result.bound:.6f}")
    click.echo(f"gap          {result.gap:.4%}" + ("  (proven optimal)" if result.gap == 0 else ""))
    click.echo(
        f"loads        min {loads[0]}  median {statistics.median(loads):g}  max {loads[-1]}"
        if loads
        else "loads        -"
    )
    click.echo(f"method       {result.method}")
    if result.kept or result.released:
        click.echo(
            f"kept         {result.kept} pairs unchanged, {result.moved} moved, "
            f"{len(result.released)} released"
        )
        for r in result.released:
            click.echo(f"  released   {r.entry},{r.reviewer}: {r.reason}")
    for side in result.sides:
        click.echo(f"{side.name:<12} {'met' if side.met else 'NOT MET'}: {side.detail}")
    click.echo(f"time         {time.perf_counter() - started:.2f} s")


def _write_atomically(path: Path, pairs) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent if str(path.parent) else ".", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["entry", "juror", "affinity"])
            for p in pairs:
                writer.writerow([csv_field(p.entry), csv_field(p.reviewer), f"{p.affinity:.6g}"])
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise

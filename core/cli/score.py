"""`giuria score`: rank entries from a CSV of juror scores, with calibration and uncertainty.

All reading and writing happens here; the maths is `scoring.leaderboard`. A scores file with
any bad row is refused whole, every problem listed with its line, and nothing is written.
"""

from __future__ import annotations

import csv
import io
import json
import math
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import click
import numpy as np

from core.platform.documents.tabular import csv_field
from core.platform.yaml_source import FileProblems, load_yaml
from scoring.leaderboard import LeaderboardRow, build_leaderboard, default_tie_break
from scoring.normalise import DEFAULT_METHOD, METHODS
from scoring.rank import TieBreak
from scoring.reviews import Reviews
from scoring.rubric import Criterion, Rubric, rubric_problems, value_error, weighted_totals

REQUIRED_COLUMNS = ("entry", "juror", "criterion", "value")


class InputError(Exception):
    """A scores or rubric file that cannot be used; `problems` lists each reason, located."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


# --- rubric ----------------------------------------------------------------------------------


def load_rubric(argument: str) -> Rubric:
    """A rubric from a YAML file when `argument` is an existing path, else from an installed plugin."""
    path = Path(argument)
    if path.is_file():
        return rubric_from_yaml(path)
    try:
        from core.plugins import find_rubric  # the lead's plugin manager; absent in bare checkouts
    except ImportError:
        raise InputError(
            [f"unknown rubric {argument!r}: not a file and no rubric plugins are available"]
        ) from None
    rubric = find_rubric(argument)
    if rubric is None:
        raise InputError([f"unknown rubric {argument!r}: not a file and no installed plugin offers it"])
    return rubric


def rubric_from_yaml(path: Path) -> Rubric:
    """Parse `criteria: [{code, weight, min, max, step, …}]`; errors name the key path and line."""
    try:
        document = load_yaml(_utf8_text(path), source=str(path)).marked
    except FileProblems as refused:
        raise InputError([f"{path}{f' (line {p.line})' if p.line else ''}: {p.path + ': ' if p.path else ''}"
                          f"{p.reason}" for p in refused.problems]) from None
    if not isinstance(document, dict) or not isinstance(document.get("criteria"), list):
        raise InputError([f"{path}: expected a mapping with a 'criteria' list"])
    problems: list[str] = []
    criteria = []
    for i, item in enumerate(document["criteria"]):
        line = document["criteria"].lc.item(i)[0] + 1
        if not isinstance(item, dict):
            problems.append(f"{path}: criteria[{i}] (line {line}): expected a mapping")
            continue
        criterion = _criterion_from_yaml(path, i, item, problems)
        if criterion is not None:
            criteria.append((line, criterion))
    rubric = Rubric(
        name=str(document.get("name", path.stem)),
        label=_label(document.get("label", {})),
        criteria=tuple(c for _, c in criteria),
    )
    lines = {c.code: line for line, c in criteria}
    for problem in rubric_problems(rubric):
        code = problem.split(":", 1)[0]
        where = f" (line {lines[code]})" if code in lines else ""
        problems.append(f"{path}: criteria{where}: {problem}")
    if problems:
        raise InputError(problems)
    return rubric


_NUMBER_KEYS = ("weight", "min", "max", "step", "threshold")
_FLAG_KEYS = ("counted", "required")


def _criterion_from_yaml(path: Path, i: int, item: dict, problems: list[str]) -> Criterion | None:
    def where(key: str) -> str:
        line = item.lc.key(key)[0] + 1 if key in item else item.lc.line + 1
        return f"{path}: criteria[{i}].{key} (line {line})"

    fields: dict = {}
    ok = True
    for key in item:
        if key not in ("code", "label", "guidance", *_NUMBER_KEYS, *_FLAG_KEYS):
            problems.append(f"{where(key)}: unknown key")
            ok = False
    code = item.get("code")
    if not isinstance(code, str | int) or not str(code).strip():
        problems.append(f"{where('code')}: a criterion needs a code")
        ok = False
    for key in _NUMBER_KEYS:
        if key in item:
            value = item[key]
            if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
                problems.append(f"{where(key)}: expected a number, got {value!r}")
                ok = False
            else:
                fields[key] = float(value)
    for key in _FLAG_KEYS:
        if key in item:
            if not isinstance(item[key], bool):
                problems.append(f"{where(key)}: expected true or false, got {item[key]!r}")
                ok = False
            else:
                fields[key] = item[key]
    if not ok:
        return None
    return Criterion(
        code=str(code).strip(),
        label=_label(item.get("label", {})),
        guidance=_label(item.get("guidance", {})),
        **fields,
    )


def _label(value) -> dict[str, str]:
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {"en": str(value)}


# --- scores ----------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class ScoreTable:
    """A validated scores file: review totals, each review's criterion values, each entry's group."""

    reviews: Reviews
    codes: tuple[str, ...]
    values: np.ndarray  # reviews × codes, NaN where blank
    groups: dict[str, str] | None  # entry → value of the --by column


def read_scores(path: Path, rubric: Rubric, *, group_column: str | None = None) -> ScoreTable:
    """Read and check `entry,juror,criterion,value[,track…]`; raise InputError listing every bad row."""
    text = _utf8_text(path)
    return parse_scores(io.StringIO(text, newline=""), rubric, group_column=group_column, name=str(path))


def _utf8_text(path: Path) -> str:
    """The file's text, with or without a byte-order mark; a file in another encoding is named by its line."""
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise InputError([f"{path}: line {line}: not UTF-8 text (save the file as UTF-8)"]) from None


def parse_scores(handle: io.TextIOBase, rubric: Rubric, *, group_column: str | None, name: str) -> ScoreTable:
    """Check every row before computing anything, so that one run lists all of a file's problems."""
    reader = csv.reader(handle)
    try:
        header = [h.strip() for h in next(reader, [])]
    except csv.Error as error:
        raise InputError([f"{name}: line {reader.line_num}: {_csv_problem(error)}"]) from None
    _check_header(header, group_column, name)
    rows = _ScoreRows(name=name, rubric=rubric, group_column=group_column, header=header)
    for row in _csv_rows(reader, name, rows.problems):
        rows.read(row, reader.line_num)
    values = np.full((len(rows.sheet_of), len(rubric.criteria)), np.nan)
    values[np.asarray(rows.sheet_ids, dtype=np.int64), np.asarray(rows.positions, dtype=np.int64)] = rows.numbers
    problems = rows.problems + _incomplete_sheets(rows, values)
    if problems:
        raise InputError(sorted(problems, key=_line_of))
    if not rows.sheet_of:
        raise InputError([f"{name}: no scores"])
    codes = tuple(c.code for c in rubric.criteria)
    totals = weighted_totals(rubric, codes, values)
    blank = np.flatnonzero(np.isnan(totals))
    if len(blank):
        sheets = list(rows.sheet_of)
        raise InputError(
            [
                f"{name}: line {rows.sheet_line[s]}: entry {sheets[s][0]}, juror {sheets[s][1]}: "
                "no counted criterion scored"
                for s in blank.tolist()
            ]
        )
    # Reviews keeps the records' order, so row s of `values` stays the criterion values of review s.
    reviews = Reviews.from_records((e, j, t) for (e, j), t in zip(rows.sheet_of, totals.tolist(), strict=True))
    groups = {entry: g for entry, (g, _) in rows.group_of.items()} if group_column else None
    return ScoreTable(reviews=reviews, codes=codes, values=values, groups=groups)


def _check_header(header: list[str], group_column: str | None, name: str) -> None:
    missing = [c for c in (*REQUIRED_COLUMNS, *([group_column] if group_column else [])) if c not in header]
    if missing:
        raise InputError(
            [f"{name}: line 1: missing column(s) {', '.join(missing)}; header is {','.join(header)}"]
        )
    if len(set(header)) != len(header):
        raise InputError([f"{name}: line 1: repeated column names in {','.join(header)}"])


@dataclass
class _ScoreRows:
    """The file's scores as read so far, one sheet per (entry, juror) in order of first appearance, and problems."""

    name: str
    rubric: Rubric
    group_column: str | None
    header: list[str]
    problems: list[str] = field(default_factory=list)
    seen: dict[tuple[str, str, str], int] = field(default_factory=dict)
    sheet_of: dict[tuple[str, str], int] = field(default_factory=dict)
    sheet_line: list[int] = field(default_factory=list)
    group_of: dict[str, tuple[str, int]] = field(default_factory=dict)
    sheet_ids: list[int] = field(default_factory=list)
    positions: list[int] = field(default_factory=list)
    numbers: list[float] = field(default_factory=list)

    def __post_init__(self) -> None:
        # Looked up once: a file can hold hundreds of thousands of rows.
        self._columns = tuple(self.header.index(c) for c in REQUIRED_COLUMNS)
        self._group = self.header.index(self.group_column) if self.group_column else None
        self._criteria = {c.code: c for c in self.rubric.criteria}
        self._position = {c.code: i for i, c in enumerate(self.rubric.criteria)}

    def read(self, row: list[str], line: int) -> None:
        if not row or (len(row) == 1 and not row[0].strip()):
            return
        problem = self._problem(row, line)
        if problem:
            self.problems.append(f"{self.name}: line {line}: {problem}")

    def _problem(self, row: list[str], line: int) -> str | None:
        """What is wrong with one row, or None once its score is recorded."""
        if len(row) != len(self.header):
            return f"expected {len(self.header)} fields, found {len(row)}"
        entry, juror, code, text = (row[i].strip() for i in self._columns)
        if not entry or not juror:
            return "entry and juror must not be empty"
        criterion = self._criteria.get(code)
        if criterion is None:
            return f"unknown criterion {code!r}"
        try:
            value = float(text)
        except ValueError:
            return f"value {text!r} is not a number"
        reason = value_error(criterion, value)
        if reason:
            return f"{code}: {reason}"
        key = (entry, juror, code)
        if key in self.seen:
            return f"duplicate score of entry {entry} by juror {juror} on {code} (first on line {self.seen[key]})"
        self.seen[key] = line
        if self._group is not None:
            group = row[self._group].strip()
            known = self.group_of.setdefault(entry, (group, line))
            if known[0] != group:
                return (f"{self.group_column} {group!r} of entry {entry} differs from "
                        f"{known[0]!r} on line {known[1]}")
        sheet = self.sheet_of.setdefault((entry, juror), len(self.sheet_of))
        if sheet == len(self.sheet_line):
            self.sheet_line.append(line)
        self.sheet_ids.append(sheet)
        self.positions.append(self._position[code])
        self.numbers.append(value)
        return None


def _incomplete_sheets(rows: _ScoreRows, values: np.ndarray) -> list[str]:
    """A problem per sheet lacking a required criterion, on the sheet's first line."""
    required = np.array([c.required for c in rows.rubric.criteria], dtype=bool)
    sheets = list(rows.sheet_of)
    problems = []
    for s in np.flatnonzero(np.any(np.isnan(values) & required, axis=1)).tolist():
        lacking = [rows.rubric.criteria[c].code for c in np.flatnonzero(np.isnan(values[s]) & required)]
        entry, juror = sheets[s]
        problems.append(
            f"{rows.name}: line {rows.sheet_line[s]}: entry {entry}, juror {juror}: "
            f"missing required criterion {', '.join(lacking)}"
        )
    return problems


def _csv_problem(error: csv.Error) -> str:
    if "field larger than field limit" in str(error):
        return f"a field is longer than {csv.field_size_limit():,} characters"
    return f"not readable as CSV: {error}"


def _csv_rows(reader, name: str, problems: list[str]):
    """The reader's rows; a row the csv module cannot read ends the file with a problem on its line."""
    try:
        yield from reader
    except csv.Error as error:
        problems.append(f"{name}: line {reader.line_num}: {_csv_problem(error)}")


def _line_of(problem: str) -> int:
    marker = problem.find(": line ")
    if marker < 0:
        return 0
    digits = problem[marker + 7 :].split(":", 1)[0]
    return int(digits) if digits.isdigit() else 0


# --- output ----------------------------------------------------------------------------------


def _columns(group_column: str | None, top: int | None) -> list[str]:
    columns = ["entry", *([group_column] if group_column else []), "rank", "score", "ci_low", "ci_high"]
    return [*columns, *(["p_top"] if top is not None else []), "n_reviews", "flags"]


def _record(row: LeaderboardRow, group_column: str | None, top: int | None) -> dict:
    record: dict = {"entry": row.entry}
    if group_column:
        record[group_column] = row.group
    record.update(
        rank=row.rank, score=_round(row.score), ci_low=_round(row.ci_low), ci_high=_round(row.ci_high)
    )
    if top is not None:
        record["p_top"] = _round(row.p_top, 3)
    record.update(n_reviews=row.n_reviews, flags=list(row.flags))
    return record


def _round(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(value, digits)


def render(rows: list[LeaderboardRow], *, fmt: str, group_column: str | None, top: int | None) -> str:
    records = [_record(row, group_column, top) for row in rows]
    if fmt == "json":
        extra = [
            {"raw_mean": _round(r.raw_mean), "rank_low": r.rank_low, "rank_high": r.rank_high} for r in rows
        ]
        return json.dumps(
            [rec | more for rec, more in zip(records, extra, strict=True)], ensure_ascii=False, indent=1
        )
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    columns = _columns(group_column, top)
    writer.writerow([csv_field(c) for c in columns])
    for record in records:
        record["flags"] = ";".join(record["flags"])
        writer.writerow(["" if record[c] is None else csv_field(record[c]) for c in columns])
    return out.getvalue()


def _progress_on_tty() -> Callable[[int, int], None] | None:
    stream = click.get_text_stream("stderr")
    if not stream.isatty():
        return None

    def report(done: int, total: int) -> None:
        stream.write(f"\rbootstrap {done}/{total}")
        if done == total:
            stream.write("\n")
        stream.flush()

    return report


# --- the command -----------------------------------------------------------------------------


@click.command("score")
@click.argument("scores", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--rubric", "rubric_name", required=True, help="A rubric YAML file, or the name of a rubric plugin."
)
@click.option(
    "--normalise",
    "method",
    type=click.Choice(METHODS),
    default=DEFAULT_METHOD,
    show_default=True,
    help="Juror calibration method.",
)
@click.option(
    "--by", "group_column", default=None, help="Rank within groups given by this column, e.g. track."
)
@click.option(
    "--top", type=click.IntRange(min=1), default=None, help="Size of the cut: report P(top N) per entry."
)
@click.option("--bootstrap", "replicates", type=click.IntRange(min=0), default=1000, show_default=True)
@click.option(
    "--seed",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Seed of the bootstrap; publish it.",
)
@click.option(
    "--tie-break",
    default=None,
    help="Comma-separated criterion codes compared in turn on equal scores "
    "(default: counted criteria by descending weight).",
)
@click.option("--tie-final", type=click.Choice(["shared", "entry"]), default="shared", show_default=True)
@click.option(
    "--thresholds",
    "threshold_policy",
    type=click.Choice(["flag", "exclude"]),
    default="flag",
    show_default=True,
    help="What a criterion mean under its threshold does to an entry.",
)
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None)
def score(
    scores: Path,
    rubric_name: str,
    method: str,
    group_column: str | None,
    top: int | None,
    replicates: int,
    seed: int,
    tie_break: str | None,
    tie_final: str,
    threshold_policy: str,
    fmt: str,
    output: Path | None,
) -> None:
    """Rank the entries in SCORES (entry,juror,criterion,value rows) with calibrated scores and intervals."""
    try:
        rubric = load_rubric(rubric_name)
        codes = default_tie_break(rubric).criteria
        if tie_break is not None:
            codes = tuple(c.strip() for c in tie_break.split(",") if c.strip())
            unknown = [c for c in codes if rubric.criterion(c) is None]
            if unknown:
                raise InputError([f"--tie-break: unknown criterion {', '.join(unknown)}"])
        rule = TieBreak(criteria=codes, final=tie_final)  # type: ignore[arg-type]
        table = read_scores(scores, rubric, group_column=group_column)
    except InputError as error:
        if len(error.problems) == 1:
            click.echo(f"{error.problems[0]}; nothing was computed.", err=True)
            sys.exit(1)
        for problem in error.problems:
            click.echo(problem, err=True)
        click.echo(f"{len(error.problems)} problem(s); nothing was computed.", err=True)
        sys.exit(1)
    groups = [table.groups[e] for e in table.reviews.entries] if table.groups is not None else None
    rows = build_leaderboard(
        table.reviews,
        rubric=rubric,
        codes=table.codes,
        values=table.values,
        groups=groups,
        method=method,
        top=top,
        replicates=replicates,
        seed=seed,
        tie_break=rule,
        threshold_policy=threshold_policy,  # type: ignore[arg-type]
        progress=_progress_on_tty() if replicates >= 200 else None,
    )
    apart = sum(any(f.startswith("component:") for f in row.flags) for row in rows)
    if apart:
        click.echo(
            f"note: {apart} entries are reviewed by jurors who share no entry with the main panel; "
            "their scores are not calibrated against it (flag component:<k>).",
            err=True,
        )
    text = render(rows, fmt=fmt, group_column=group_column, top=top)
    if output is None:
        click.echo(text, nl=not text.endswith("\n"))
    else:
        output.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")

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
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import repeat
from pathlib import Path

import click
import numpy as np

from core.platform.documents.csv_cells import csv_field
from core.platform.yaml_source import FileProblems, load_yaml
from scoring.leaderboard import LeaderboardRow, build_leaderboard, default_tie_break
from scoring.normalise import DEFAULT_METHOD, METHODS
from scoring.rank import TieBreak
from scoring.reviews import Reviews
from scoring.rubric import (
    STEP_TOLERANCE,
    Criterion,
    Rubric,
    rubric_problems,
    value_error,
    weight_remarks,
    weighted_totals,
)

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
    return parse_scores(_utf8_text(path), rubric, group_column=group_column, name=str(path))


def _utf8_text(path: Path) -> str:
    """The file's text, with or without a byte-order mark; a file in another encoding is named by its line."""
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise InputError([f"{path}: line {line}: not UTF-8 text (save the file as UTF-8)"]) from None


def parse_scores(
    source: str | io.TextIOBase, rubric: Rubric, *, group_column: str | None, name: str
) -> ScoreTable:
    """Check every row before computing anything, so that one run lists all of a file's problems.

    Each refused row is reported once, with its own reason. A sheet (one juror's review of
    one entry) is then checked for required criteria it lacks, except those that a refused
    row of the same sheet may have been meant to give. Row problems come first, in line
    order, then sheet problems. Rows are checked column by column, not one by one.
    """
    text = source if isinstance(source, str) else source.read()
    first_line = text[: text.find("\n") + 1 or len(text)]
    records = csv.reader([first_line] if '"' not in first_line else io.StringIO(text, newline=""))
    header = [h.strip() for h in next(records, [])]
    missing = [c for c in (*REQUIRED_COLUMNS, *([group_column] if group_column else [])) if c not in header]
    if missing:
        raise InputError(
            [f"{name}: line 1: missing column(s) {', '.join(missing)}; header is {','.join(header)}"]
        )
    if len(set(header)) != len(header):
        raise InputError([f"{name}: line 1: repeated column names in {','.join(header)}"])
    wanted = [header.index(c) for c in (*REQUIRED_COLUMNS, *([group_column] if group_column else []))]
    columns = _EncodedColumns(rubric, len(wanted))
    problems = _read_data(text, len(header), wanted, columns, name)
    checked = _ScoreRows(name, rubric, columns, problems, group_column)
    problems = [p for _, p in sorted(checked.problems)] + [p for _, p in sorted(checked.missing_required())]
    if problems:
        raise InputError(problems)
    if not checked.n_sheets:
        raise InputError([f"{name}: no scores"])
    return checked.score_table()


# Rows are turned into numbers about a megabyte of text (or 20,000 records) at a time, so that
# the strings of only so many rows are alive at once.
_CHUNK_CHARACTERS = 1_000_000
_CHUNK_LINES = 20_000


def _read_data(
    text: str, width: int, wanted: list[int], columns: _EncodedColumns, name: str
) -> list[tuple[int, str]]:
    """Feed the wanted columns of every data row to `columns`; return the rows refused for their number of fields.

    A file without quotes whose lines all have `width` fields (the common case) is split a
    chunk of lines at a time, in a few passes over each; any other is read record by record
    with the csv module, each record numbered by the line it ends on. Blank lines are skipped.
    """
    if "\r" in text:
        text = text.replace("\r\n", "\n")
    spaced = any(space in text for space in _ASCII_SPACE) or (
        not text.isascii() and any(space in text for space in _OTHER_SPACE)
    )
    if '"' not in text and "\r" not in text:
        if not spaced:
            split = _byte_columns(text.encode("utf-8"), width, wanted)
            if split is not None:
                columns.add_bytes(*split)
                return []
        if _split_by_lines(text, width, wanted, columns, spaced):
            return []
    columns.clear()
    reader = csv.reader(io.StringIO(text, newline=""))
    next(reader, None)
    problems, lines, rows = [], [], []
    for row in reader:
        if len(row) == width:
            lines.append(reader.line_num)
            rows.append(row)
        elif row and not (len(row) == 1 and not row[0].strip()):
            line = reader.line_num
            problems.append((line, f"{name}: line {line}: expected {width} fields, found {len(row)}"))
        if len(rows) == _CHUNK_LINES:
            columns.add(np.asarray(lines, dtype=np.int64), [_stripped([row[c] for row in rows]) for c in wanted])
            lines, rows = [], []
    if rows:
        columns.add(np.asarray(lines, dtype=np.int64), [_stripped([row[c] for row in rows]) for c in wanted])
    return problems


def _split_by_lines(text: str, width: int, wanted: list[int], columns: _EncodedColumns, spaced: bool) -> bool:
    """Split the data lines a chunk at a time; False as soon as a line has not `width` fields."""
    start, line = text.find("\n") + 1, 2
    while 0 < start < len(text):
        end = text.find("\n", start + _CHUNK_CHARACTERS) + 1 or len(text)
        chunk = text[start:end].split("\n")
        if chunk[-1] == "":
            chunk.pop()
        commas = np.fromiter(map(str.count, chunk, repeat(",")), dtype=np.int64, count=len(chunk))
        if not np.all(commas == width - 1):
            return False
        fields = ",".join(chunk).split(",")
        cells = [fields[c::width] for c in wanted]
        if spaced:
            cells = [_stripped(c) for c in cells]
        columns.add(np.arange(line, line + len(chunk), dtype=np.int64), cells)
        start, line = end, line + len(chunk)
    return True


# What str.strip() removes, but the line break: in ASCII, and beyond. A file with one of these has its fields
# stripped.
_ASCII_SPACE = " \t\r\x0b\x0c\x1c\x1d\x1e\x1f"
_OTHER_SPACE = "".join(chr(c) for c in range(128, 0x3001) if chr(c).isspace())


def _byte_columns(data: bytes, width: int, wanted: list[int]) -> tuple[np.ndarray, list[np.ndarray]] | None:
    """Line numbers and the wanted columns (each rows × bytes, zero-padded), if every line has `width` fields.

    For files without quotes or spaces, the common case: fields are located by numpy on the
    bytes themselves, with no Python object per field. None sends the file to `_split_by_lines`.
    """
    raw = np.frombuffer(data, dtype=np.uint8)
    ends = np.flatnonzero(raw == 10)
    if len(raw) and (not len(ends) or ends[-1] != len(raw) - 1):
        ends = np.append(ends, len(raw))  # a last line without its line break
    comma = np.flatnonzero(raw == 44)
    if len(ends) < 2 or not np.all(np.diff(np.searchsorted(comma, ends), prepend=0) == width - 1):
        return None  # blank lines, or lines with more or fewer fields
    comma = comma.reshape(len(ends), width - 1)[1:]
    columns = []
    for c in wanted:
        start = ends[:-1] + 1 if c == 0 else comma[:, c - 1] + 1
        length = (comma[:, c] if c < width - 1 else ends[1:]) - start
        size = max(int(length.max(initial=1)), 1)
        padded = np.concatenate((raw, np.zeros(size, dtype=np.uint8)))
        cells = np.lib.stride_tricks.sliding_window_view(padded, size)[start]
        cells[np.arange(size) >= length[:, None]] = 0
        columns.append(cells)
    return np.arange(2, len(ends) + 1, dtype=np.int64), columns


def _byte_codes(cells: np.ndarray) -> tuple[list[str], np.ndarray]:
    """Distinct fields (rows × bytes, zero-padded) decoded, and each row's position among them.

    Rows are told apart by a 64-bit hash of their bytes, checked afterwards against the
    bytes themselves; should two different fields ever share a hash, the rows are compared
    as strings instead.
    """
    key = np.full(len(cells), 14695981039346656037, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for column in cells.T:
            key ^= column
            key *= np.uint64(1099511628211)
    _, first, code = np.unique(key, return_index=True, return_inverse=True)
    code = code.ravel()
    if not np.array_equal(cells, cells[first[code]]):
        strings = np.ascontiguousarray(cells).view(f"S{cells.shape[1]}").ravel()
        _, first, code = np.unique(strings, return_index=True, return_inverse=True)
        code = code.ravel()
    labels = [bytes(row).rstrip(b"\0").decode("utf-8") for row in cells[first]]
    return labels, code.astype(np.int64)


def _stripped(column: Sequence[str]) -> Sequence[str]:
    """The column's fields without surrounding spaces; copied only if some field may have them."""
    joined = "".join(column)
    if joined.isascii() and not any(space in joined for space in (*_ASCII_SPACE, "\n")):
        return column
    return [field.strip() for field in column]


class _Labels:
    """Distinct values in order of first appearance, numbered as they come, chunk after chunk."""

    def __init__(self, labels: Sequence[str] = ()):
        self.position: dict[str, int] = {label: i for i, label in enumerate(labels)}

    def codes(self, column: Sequence[str]) -> np.ndarray:
        position = self.position
        for label in dict.fromkeys(column):
            if label not in position:
                position[label] = len(position)
        return np.fromiter(map(position.__getitem__, column), dtype=np.int64, count=len(column))

    @property
    def labels(self) -> list[str]:
        return list(self.position)


class _EncodedColumns:
    """The wanted columns as numbers: entry, juror (and group) codes, criterion positions, values.

    Values are NaN where blank (`blank`) or not a number; the text of the latter, and of
    unknown criteria, is kept for the messages.
    """

    def __init__(self, rubric: Rubric, count: int):
        self.position = {c.code: i for i, c in enumerate(rubric.criteria)}
        self.count = count
        self.clear()

    def clear(self) -> None:
        self.labels = [_Labels() for _ in range(self.count)]  # entry, juror, (group); criterion and value unused
        self.parts: list[tuple] = []
        self.rows = 0
        self.unknown_text: dict[int, str] = {}
        self.value_text: dict[int, str] = {}

    def add(self, line: np.ndarray, cells: list[Sequence[str]]) -> None:
        entry, juror, criterion, value, *group = cells
        criteria = np.fromiter(map(self.position.get, criterion, repeat(-1)), dtype=np.int64, count=len(line))
        for r in np.flatnonzero(criteria < 0).tolist():
            self.unknown_text[self.rows + r] = criterion[r]
        numbers, blank = self._numbers(value)
        self.parts.append(
            (
                line,
                self.labels[0].codes(entry),
                self.labels[1].codes(juror),
                criteria,
                numbers,
                blank,
                self.labels[4].codes(group[0]) if group else None,
            )
        )
        self.rows += len(line)

    def add_bytes(self, line: np.ndarray, cells: list[np.ndarray]) -> None:
        """All rows at once, from `_byte_columns`; labels are numbered in another order, which nothing depends on."""
        codes = {}
        for i in (0, 1, 4)[: len(cells) - 2]:
            labels, codes[i] = _byte_codes(cells[i])
            self.labels[i] = _Labels(labels)
        names, which = _byte_codes(cells[2])
        criteria = np.array([self.position.get(n, -1) for n in names], dtype=np.int64)[which]
        for r in np.flatnonzero(criteria < 0).tolist():
            self.unknown_text[r] = names[which[r]]
        text = np.ascontiguousarray(cells[3]).view(f"S{cells[3].shape[1]}").ravel()
        try:
            numbers, blank = text.astype(float), np.zeros(len(line), dtype=bool)
        except ValueError:
            numbers, blank = self._numbers([field.decode("utf-8") for field in text.tolist()])
        self.parts.append((line, codes[0], codes[1], criteria, numbers, blank, codes.get(4)))
        self.rows += len(line)

    def _numbers(self, text: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        blank = np.zeros(len(text), dtype=bool)
        try:
            return np.fromiter(map(float, text), dtype=float, count=len(text)), blank
        except ValueError:
            pass
        value = np.full(len(text), np.nan)
        for r, field in enumerate(text):
            if not field:
                blank[r] = True
                continue
            try:
                value[r] = float(field)
            except ValueError:
                self.value_text[self.rows + r] = field
        return value, blank

    def joined(self, part: int) -> np.ndarray:
        pieces = [p[part] for p in self.parts]
        return np.concatenate(pieces) if pieces else np.zeros(0, dtype=np.int64)


class _ScoreRows:
    """The data rows of a scores file, checked a column at a time; the rows that pass make the sheets."""

    def __init__(
        self,
        name: str,
        rubric: Rubric,
        columns: _EncodedColumns,
        problems: list[tuple[int, str]],
        group_column: str | None,
    ):
        self.name, self.rubric, self.group_column = name, rubric, group_column
        self.problems = problems
        self.line = columns.joined(0)
        self.entries, self.entry = columns.labels[0].labels, columns.joined(1)
        self.jurors, self.juror = columns.labels[1].labels, columns.joined(2)
        self.sheet = self.entry * max(len(self.jurors), 1) + self.juror
        self.criterion = columns.joined(3)
        self.ok = np.ones(len(self.line), dtype=bool)
        self.refused_cells: set[tuple[int, int]] = set()  # (sheet, criterion) of rows refused for their value
        self.unknown_sheets: set[int] = set()  # sheets with a row of an unknown criterion
        self._check_names(columns.unknown_text)
        self.value = columns.joined(4)
        self._check_numbers(columns.joined(5), columns.value_text)
        self._check_scale()
        self._check_repeats()
        if group_column is not None:
            self.groups, self.group = columns.labels[4].labels, columns.joined(6)
            self._check_groups()
        self._make_sheets()

    def _refuse(self, rows: np.ndarray, reason, *, cell: bool = True) -> None:
        """Report each row with `reason(row)` and leave it out; `cell`: its criterion counts as given."""
        for r in rows.tolist():
            line = int(self.line[r])
            self.problems.append((line, f"{self.name}: line {line}: {reason(r)}"))
        self.ok[rows] = False
        if cell:
            self.refused_cells.update(zip(self.sheet[rows].tolist(), self.criterion[rows].tolist(), strict=True))

    def _code(self, r: int) -> str:
        return self.rubric.criteria[self.criterion[r]].code

    def _check_names(self, unknown_text: dict[int, str]) -> None:
        empty = np.zeros(len(self.line), dtype=bool)
        for labels, codes in ((self.entries, self.entry), (self.jurors, self.juror)):
            if "" in labels:
                empty |= codes == labels.index("")
        self._refuse(np.flatnonzero(empty), lambda r: "entry and juror must not be empty", cell=False)
        unknown = np.flatnonzero(self.ok & (self.criterion < 0))
        self._refuse(unknown, lambda r: f"unknown criterion {unknown_text[r]!r}", cell=False)
        self.unknown_sheets = set(self.sheet[unknown].tolist())

    def _check_numbers(self, blank: np.ndarray, value_text: dict[int, str]) -> None:
        """Values that are not numbers are refused; blanks are accepted for optional criteria only."""
        words = np.asarray(sorted(value_text), dtype=np.int64)
        self._refuse(words[self.ok[words]], lambda r: f"value {value_text[r]!r} is not a number")
        required = np.array([c.required for c in self.rubric.criteria], dtype=bool)
        needed = np.flatnonzero(blank & self.ok & required[np.maximum(self.criterion, 0)])
        self._refuse(needed, lambda r: f"{self._code(r)}: no value, and the criterion is required")

    def _check_scale(self) -> None:
        """Off the scale, off the step, not finite: the reasons `value_error` gives, checked for all rows at once."""
        criteria = self.rubric.criteria
        rows = np.flatnonzero(self.ok & ~np.isnan(self.value))
        kind = self.criterion[rows]
        value = self.value[rows]
        low, high, step = (np.array([getattr(c, key) for c in criteria])[kind] for key in ("min", "max", "step"))
        with np.errstate(invalid="ignore"):
            steps = (value - low) / np.where(step > 0, step, 1.0)
            bad = (
                ~np.isfinite(value)
                | (value < low - STEP_TOLERANCE)
                | (value > high + STEP_TOLERANCE)
                | ((step > 0) & (np.abs(steps - np.round(steps)) > STEP_TOLERANCE * np.maximum(1.0, np.abs(steps))))
            )
        self._refuse(rows[bad], lambda r: f"{self._code(r)}: {value_error(criteria[self.criterion[r]], self.value[r])}")

    def _check_repeats(self) -> None:
        """A second score of the same entry by the same juror on the same criterion is refused."""
        rows = np.flatnonzero(self.ok)
        key = self.sheet[rows] * len(self.rubric.criteria) + self.criterion[rows]
        order = np.argsort(key, kind="stable")
        again = np.zeros(len(rows), dtype=bool)
        again[1:] = key[order][1:] == key[order][:-1]
        first = rows[order][np.maximum.accumulate(np.where(again, 0, np.arange(len(rows))))]
        original = dict(zip(rows[order][again].tolist(), first[again].tolist(), strict=True))
        self._refuse(
            rows[order][again],
            lambda r: f"duplicate score of entry {self.entries[self.entry[r]]} by juror {self.jurors[self.juror[r]]} "
            f"on {self._code(r)} (first on line {self.line[original[r]]})",
        )

    def _check_groups(self) -> None:
        """A row whose group (e.g. track) differs from its entry's first accepted row is refused."""
        rows = np.flatnonzero(self.ok)
        first = np.full(len(self.entries), -1)
        first[self.entry[rows][::-1]] = rows[::-1]
        origin = first[self.entry]
        differs = rows[self.group[rows] != self.group[origin[rows]]]
        self._refuse(
            differs,
            lambda r: f"{self.group_column} {self.groups[self.group[r]]!r} of entry {self.entries[self.entry[r]]} "
            f"differs from {self.groups[self.group[origin[r]]]!r} on line {self.line[origin[r]]}",
        )

    def _make_sheets(self) -> None:
        """Sheets, in the order they first appear, with each criterion's value (NaN where not given)."""
        rows = np.flatnonzero(self.ok)
        keys, first, which = np.unique(self.sheet[rows], return_index=True, return_inverse=True)
        order = np.argsort(first, kind="stable")
        number = np.empty(len(keys), dtype=np.int64)
        number[order] = np.arange(len(keys))
        self.n_sheets = len(keys)
        self.sheet_key = keys[order]
        self.sheet_row = rows[first[order]]  # a sheet's first row: its line, entry and juror
        self.values = np.full((len(keys), len(self.rubric.criteria)), np.nan)
        self.values[number[which], self.criterion[rows]] = self.value[rows]

    def _about_sheet(self, s: int, text: str) -> tuple[int, str]:
        r = self.sheet_row[s]
        line = int(self.line[r])
        entry, juror = self.entries[self.entry[r]], self.jurors[self.juror[r]]
        return line, f"{self.name}: line {line}: entry {entry}, juror {juror}: {text}"

    def missing_required(self) -> list[tuple[int, str]]:
        """Sheets without a required criterion, unless a refused row of theirs may be it.

        A row refused for its value still names its criterion, which is then not 'missing'; a
        row with an unknown criterion might have been meant for any of them, so its sheet is
        not checked until that row is put right.
        """
        required = np.array([c.required for c in self.rubric.criteria], dtype=bool)
        lacking = np.isnan(self.values) & required
        problems = []
        for s in np.flatnonzero(lacking.any(axis=1)).tolist():
            key = int(self.sheet_key[s])
            if key in self.unknown_sheets:
                continue
            codes = [
                self.rubric.criteria[c].code
                for c in np.flatnonzero(lacking[s]).tolist()
                if (key, c) not in self.refused_cells
            ]
            if codes:
                problems.append(self._about_sheet(s, f"missing required criterion {', '.join(codes)}"))
        return problems

    def score_table(self) -> ScoreTable:
        codes = tuple(c.code for c in self.rubric.criteria)
        totals = weighted_totals(self.rubric, codes, self.values)
        blank = np.flatnonzero(np.isnan(totals))
        if len(blank):
            raise InputError([self._about_sheet(s, "no counted criterion scored")[1] for s in blank.tolist()])
        first = self.sheet_row
        # Reviews keeps the sheets' order, so row s of `values` stays the criterion values of review s.
        reviews = Reviews.from_codes(self.entries, self.entry[first], self.jurors, self.juror[first], totals)
        groups = None
        if self.group_column is not None:
            pairs = zip(self.entry[first].tolist(), self.group[first].tolist(), strict=True)
            groups = {self.entries[e]: self.groups[g] for e, g in pairs}
        return ScoreTable(reviews=reviews, codes=codes, values=self.values, groups=groups)


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
    if fmt == "json":
        records = [_record(row, group_column, top) for row in rows]
        extra = [
            {"raw_mean": _round(r.raw_mean), "rank_low": r.rank_low, "rank_high": r.rank_high} for r in rows
        ]
        return json.dumps(
            [rec | more for rec, more in zip(records, extra, strict=True)], ensure_ascii=False, indent=1
        )
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([csv_field(c) for c in _columns(group_column, top)])
    # Column by column, the cells `_record` gives, with blanks for None: 20,000 rows write in milliseconds.
    # Text cells (entry, group, flags) go through csv_field: none may start a formula in a spreadsheet.
    cells = [[csv_field(row.entry) for row in rows]]
    if group_column:
        cells.append([csv_field(row.group) for row in rows])
    cells.append(["" if row.rank is None else row.rank for row in rows])
    cells += [[_blank(_round(getattr(row, key))) for row in rows] for key in ("score", "ci_low", "ci_high")]
    if top is not None:
        cells.append([_blank(_round(row.p_top, 3)) for row in rows])
    cells += [[row.n_reviews for row in rows], [csv_field(";".join(row.flags)) for row in rows]]
    writer.writerows(zip(*cells, strict=True))
    return out.getvalue()


def _blank(value: float | None) -> float | str:
    return "" if value is None else value


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
    note, warnings = weight_remarks(rubric)
    if note:
        click.echo(f"note: rubric {rubric.name}: {note}.", err=True)
    for warning in warnings:
        click.echo(f"warning: rubric {rubric.name}: {warning}", err=True)
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

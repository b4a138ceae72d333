"""`giuria assign` on real CSV files: the written assignment, the summary, and every input fault."""

from __future__ import annotations

import csv
from collections import Counter
from itertools import combinations

from click.testing import CliRunner

from core.cli.assign import assign


def write(path, rows):
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def small_round(tmp_path, n_entries=12, n_jurors=6):
    tracks = ["health", "energy", "food"]
    entries = write(
        tmp_path / "entries.csv",
        ["entry,track,organisation"]
        + [f"E{i},{tracks[i % 3]},{'Acme' if i == 0 else ''}" for i in range(n_entries)],
    )
    jurors = write(
        tmp_path / "jurors.csv",
        ["juror,tracks,organisation,min_load,max_load"]
        + [
            f"J{j},{tracks[j % 3]};{tracks[(j + 1) % 3]},{'Acme' if j == 0 else f'Org{j % 3}'},,"
            for j in range(n_jurors)
        ],
    )
    return entries, jurors


def run(args):
    return CliRunner().invoke(assign, [str(a) for a in args])


def read_pairs(path):
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


def test_writes_a_valid_assignment_and_prints_the_summary(tmp_path):
    entries, jurors = small_round(tmp_path)
    conflicts = write(tmp_path / "c.csv", ["entry,juror", "E1,J1", "E2,J2"])
    out = tmp_path / "out.csv"
    result = run(
        [
            "--entries",
            entries,
            "--jurors",
            jurors,
            "--conflicts",
            conflicts,
            "--per-entry",
            2,
            "--min-load",
            3,
            "--max-load",
            5,
            "--org-cap",
            1,
            "--expert-per-entry",
            "-o",
            out,
        ]
    )
    assert result.exit_code == 0, result.output + result.stderr
    rows = read_pairs(out)
    assert list(rows[0]) == ["entry", "juror", "affinity"]
    pairs = [(r["entry"], r["juror"]) for r in rows]
    assert Counter(e for e, _ in pairs) == {f"E{i}": 2 for i in range(12)}
    assert all(3 <= c <= 5 for c in Counter(j for _, j in pairs).values())
    assert not {("E1", "J1"), ("E2", "J2"), ("E0", "J0")} & set(pairs)  # E0–J0: same organisation, Acme
    for label in (
        "objective",
        "bound",
        "gap",
        "loads        min",
        "expert per entry met",
        "org cap      met",
        "time",
    ):
        assert label in result.output
    assert "read 12 entries" in result.stderr


def test_pair_cap_status_matches_the_written_assignment(tmp_path):
    def overlap(path):
        by_entry: dict = {}
        for row in read_pairs(path):
            by_entry.setdefault(row["entry"], []).append(row["juror"])
        return max(
            Counter(tuple(sorted(p)) for js in by_entry.values() for p in combinations(js, 2)).values()
        )

    # 12 entries × 3 pairs = 36 ≤ 21 juror pairs × 2: reachable
    entries, jurors = small_round(tmp_path, n_entries=12, n_jurors=7)
    out = tmp_path / "out.csv"
    result = run(["--entries", entries, "--jurors", jurors, "--per-entry", 3, "--pair-cap", 2, "-o", out])
    assert result.exit_code == 0, result.stderr
    assert overlap(out) <= 2
    assert "pair cap     met: reviewer pairs share at most 2 entries (cap 2)" in result.output
    # 15 entries × 3 = 45 > 42: out of reach, said so, and the assignment is still written
    entries, jurors = small_round(tmp_path, n_entries=15, n_jurors=7)
    result = run(["--entries", entries, "--jurors", jurors, "--per-entry", 3, "--pair-cap", 2, "-o", out])
    assert result.exit_code == 0, result.stderr
    assert overlap(out) > 2
    assert "pair cap     NOT MET" in result.output


def test_bad_rows_are_all_reported_with_file_and_line_and_nothing_is_written(tmp_path):
    entries = write(tmp_path / "entries.csv", ["entry,track", "E1,health", "E2,food", "E1,energy"])
    jurors = write(
        tmp_path / "jurors.csv",
        ["juror,tracks,min_load,max_load", "J1,health,2,1", "J2,food,-1,3", "J3,food,x,3", "J3,food,1,2"],
    )
    conflicts = write(tmp_path / "c.csv", ["entry,juror", "E2,J9", "E2,J3", "E2,J3"])
    affinity = write(tmp_path / "a.csv", ["entry,juror,affinity", "E1,J3,high"])
    out = tmp_path / "out.csv"
    result = run(
        [
            "--entries",
            entries,
            "--jurors",
            jurors,
            "--conflicts",
            conflicts,
            "--affinity",
            affinity,
            "--per-entry",
            1,
            "-o",
            out,
        ]
    )
    assert result.exit_code == 2
    expected = [
        f"{entries}:4: entry 'E1' listed twice",
        f"{jurors}:2: min_load 2 is above max_load 1",
        f"{jurors}:3: min_load -1 is negative",
        f"{jurors}:4: min_load 'x' is not a whole number",
        f"{jurors}:5: juror 'J3' listed twice",
        f"{conflicts}:2: unknown juror 'J9'",
        f"{conflicts}:4: pair (E2, J3) listed twice",
        f"{affinity}:2: affinity 'high' is not a number",
    ]
    for line in expected:
        assert line in result.stderr
    assert "nothing written" in result.stderr
    assert not out.exists()


def test_missing_columns_are_reported_on_the_header_line(tmp_path):
    _, jurors = small_round(tmp_path)
    entries = write(tmp_path / "entries.csv", ["id,track", "E1,health"])
    out = tmp_path / "out.csv"
    result = run(["--entries", entries, "--jurors", jurors, "--per-entry", 1, "-o", out])
    assert result.exit_code == 2
    assert f"{entries}:1: missing column(s) entry; unknown column(s) id" in result.stderr
    assert not out.exists()


def test_an_infeasible_round_is_explained_and_nothing_is_written(tmp_path):
    entries, jurors = small_round(tmp_path)
    out = tmp_path / "out.csv"
    result = run(["--entries", entries, "--jurors", jurors, "--per-entry", 3, "--max-load", 5, "-o", out])
    assert result.exit_code == 1
    assert "[capacity] total reviewer capacity 30 is below the 36 slots to fill" in result.stderr
    assert not out.exists()


def test_refill_keeps_the_existing_pairs_of_jurors_still_present(tmp_path):
    entries, jurors = small_round(tmp_path)
    first = tmp_path / "first.csv"
    assert (
        run(
            ["--entries", entries, "--jurors", jurors, "--per-entry", 2, "--max-load", 6, "-o", first]
        ).exit_code
        == 0
    )
    before = [(r["entry"], r["juror"]) for r in read_pairs(first)]
    keep = write(tmp_path / "keep.csv", ["entry,juror"] + [f"{e},{j}" for e, j in before])
    lines = jurors.read_text().splitlines()
    write(jurors, [line for line in lines if not line.startswith("J5,")])  # J5 recused
    second = tmp_path / "second.csv"
    result = run(
        [
            "--entries",
            entries,
            "--jurors",
            jurors,
            "--per-entry",
            2,
            "--max-load",
            6,
            "--keep",
            keep,
            "-o",
            second,
        ]
    )
    assert result.exit_code == 0, result.stderr
    after = {(r["entry"], r["juror"]) for r in read_pairs(second)}
    kept = {pair for pair in before if pair[1] != "J5"}
    assert kept <= after and len(after) == len(before)
    assert (
        f"kept         {len(kept)} pairs unchanged, 0 moved, {len(before) - len(kept)} released"
        in result.output
    )
    assert "reviewer no longer in the pool" in result.output


def test_quoted_spaced_and_plain_files_read_alike_with_the_lines_of_their_faults(tmp_path):
    """A plain file is read by the fast path, a file with quotes or spaces row by row: same data, same faults."""
    from core.cli.assign import read_inputs

    def inputs(folder, entries, jurors, affinity):
        folder.mkdir()
        paths = [write(folder / name, rows) for name, rows in
                 (("e.csv", entries), ("j.csv", jurors), ("a.csv", affinity))]
        found = read_inputs(entries=paths[0], jurors=paths[1], conflicts=None, affinity=paths[2], keep=None,
                            per_entry=1, min_load=0, max_load=None)
        return found, paths

    plain, plain_paths = inputs(
        tmp_path / "plain", ["entry,track", "E1,health", "E2,food", "E3,food,extra", ",", "E4"],
        ["juror,tracks", "J1,health;food", "J2,food"],
        ["entry,juror,affinity", "E1,J1,0.5", "E2,J2,high", "E1,J1,0.7", "", "E2,J1,0.25"])
    loose, loose_paths = inputs(
        tmp_path / "loose", ["entry,track", ' E1 ,"health"', '"E2", food', "E3,food,extra", " , ", "E4"],
        ["juror,tracks", '"J1","health;food"', "J2 ,food"],
        ["entry,juror,affinity", '"E1",J1,0.5', 'E2,"J2","hi\ngh"', "E1,J1, 0.7", "", "E2,J1,0.25"])
    assert [(e.id, e.track) for e in loose.entries] == [(e.id, e.track) for e in plain.entries] == [
        ("E1", "health"), ("E2", "food"), ("E4", None)]
    assert [(j.id, j.tracks) for j in loose.jurors] == [(j.id, j.tracks) for j in plain.jurors]
    assert [(a.entry, a.reviewer, a.value) for a in loose.affinities] == [
        (a.entry, a.reviewer, a.value) for a in plain.affinities] == [("E1", "J1", 0.5), ("E2", "J1", 0.25)]
    entries, _jurors, affinity = plain_paths
    assert plain.errors == [f"{entries}:4: more fields than columns", f"{affinity}:3: affinity 'high' is not a number",
                            f"{affinity}:4: pair (E1, J1) listed twice"]
    entries, _jurors, affinity = loose_paths
    # the quoted line break puts the faults after it one line further
    assert loose.errors == [f"{entries}:4: more fields than columns",
                            f"{affinity}:4: affinity 'hi\\ngh' is not a number",
                            f"{affinity}:5: pair (E1, J1) listed twice"]


def test_a_csv_fault_is_reported_after_the_faults_of_the_rows_before_it(tmp_path):
    from core.cli.assign import read_inputs

    entries = write(tmp_path / "e.csv", ["entry,track", "E1,health", "E1,food", "E2," + "x" * 200_000])
    jurors = write(tmp_path / "j.csv", ["juror,tracks", "J1,health"])
    found = read_inputs(entries=entries, jurors=jurors, conflicts=None, affinity=None, keep=None, per_entry=1,
                        min_load=0, max_load=None)
    assert found.errors == [f"{entries}:3: entry 'E1' listed twice",
                            f"{entries}:4: a field is longer than 131,072 characters"]


def test_an_affinity_table_read_whole_or_row_by_row_gives_the_same_pairs_and_the_same_faults(tmp_path):
    """The usual export is taken a column at a time; a file that is not plain, or has any fault, is read row by
    row, so a fault keeps its line; line endings do not matter."""
    from core.cli.assign import read_inputs

    entries = write(tmp_path / "e.csv", ["entry,track", "E1,health", "E2,food"])
    jurors = write(tmp_path / "j.csv", ["juror,tracks", "J1,health", "J2,food"])

    def affinities(name, text):
        path = tmp_path / name
        path.write_bytes(text.encode())
        found = read_inputs(entries=entries, jurors=jurors, conflicts=None, affinity=path, keep=None, per_entry=1,
                            min_load=0, max_load=None)
        return [(a.entry, a.reviewer, a.value) for a in found.affinities], found.errors, path

    pairs = [("E1", "J1", 0.5), ("E2", "J1", 0.25), ("E1", "J2", -1.0)]
    for name, text in (("lf.csv", "entry,juror,affinity\nE1,J1,0.5\nE2,J1,.25\nE1,J2,-1"),
                       ("crlf.csv", "\ufeffentry,juror,affinity\r\nE1,J1,0.5\r\nE2,J1,.25\r\nE1,J2,-1\r\n"),
                       ("order.csv", "juror,entry,affinity\nJ1,E1,0.5\nJ2,E1,-1\nJ1,E2,0.25\n")):
        found, errors, _path = affinities(name, text)
        assert sorted(found) == sorted(pairs) and errors == []
    # cells shifted across lines: as many commas in all, but not per line
    found, errors, path = affinities("shifted.csv", "entry,juror,affinity\nE1,J1,0.5,E2\nJ1,0.25\n")
    assert errors == [f"{path}:2: more fields than columns", f"{path}:3: unknown entry 'J1', unknown juror '0.25'"]
    found, errors, path = affinities("faults.csv", "entry,juror,affinity\nE1,J1,0.5\nE3,J1,1\nE1,J1,2\nE2,J2,nan\n")
    assert found == [("E1", "J1", 0.5)]
    assert errors == [f"{path}:3: unknown entry 'E3'", f"{path}:4: pair (E1, J1) listed twice",
                      f"{path}:5: affinity 'nan' is not a number"]
    found, errors, path = affinities("cr.csv", "entry,juror,affinity\rE1,J1,0.5\rE2,J2,1\r")
    assert sorted(found) == [("E1", "J1", 0.5), ("E2", "J2", 1.0)] and errors == []
    found, errors, path = affinities("blank.csv", "entry,juror,affinity\nE1,J1,0.5\n\nE2,J2,1\n,,\n")
    assert sorted(found) == [("E1", "J1", 0.5), ("E2", "J2", 1.0)] and errors == []


def test_a_plain_conflicts_file_and_a_quoted_one_declare_the_same_pairs(tmp_path):
    from core.cli.assign import read_inputs

    entries = write(tmp_path / "e.csv", ["entry,track", "E1,health", "E2,food"])
    jurors = write(tmp_path / "j.csv", ["juror,tracks", "J1,health", "J2,food"])

    def conflicts(name, rows):
        found = read_inputs(entries=entries, jurors=jurors, conflicts=write(tmp_path / name, rows), affinity=None,
                            keep=None, per_entry=1, min_load=0, max_load=None)
        return [(c.entry, c.reviewer, c.rule) for c in found.conflicts], found.errors

    plain = conflicts("plain.csv", ["entry,juror", "E1,J2", "E2,J1"])
    quoted = conflicts("quoted.csv", ["entry,juror", '"E1","J2"', "E2, J1"])
    assert plain == quoted == ([("E1", "J2", "declared"), ("E2", "J1", "declared")], [])
    found, errors = conflicts("twice.csv", ["entry,juror", "E1,J2", "E1,J2"])
    assert found == [("E1", "J2", "declared")] and errors == [f"{tmp_path / 'twice.csv'}:3: pair (E1, J2) listed twice"]

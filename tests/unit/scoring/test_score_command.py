import csv
import io
import json

import pytest
from click.testing import CliRunner

from core.cli.score import score

RUBRIC_YAML = """\
name: pitch
criteria:
  - code: overall
    weight: 2
    min: 1
    max: 10
    step: 0.5
  - code: team
    weight: 1
    min: 1
    max: 10
    step: 1
    required: false
    counted: false
"""

# Centre 6, entry effects A +0.5, B 0, C −0.5; juror offsets X +2, Y 0, Z −2; no noise.
# Raw means put C (5.5) above B (5.0) because C met lenient X; calibration restores A, B, C.
GOOD = """\
entry,juror,criterion,value,track
A,X,overall,8.5,green
A,Y,overall,6.5,green
B,Y,overall,6,green
B,Z,overall,4,green
C,Z,overall,3.5,health
C,X,overall,7.5,health
C,X,team,9,health
"""


@pytest.fixture
def files(tmp_path):
    rubric = tmp_path / "rubric.yaml"
    rubric.write_text(RUBRIC_YAML, encoding="utf-8")
    scores = tmp_path / "scores.csv"
    scores.write_text(GOOD, encoding="utf-8")
    return tmp_path, rubric, scores


def run(*args):
    return CliRunner().invoke(score, [str(a) for a in args])


def rows_of(text):
    return list(csv.DictReader(io.StringIO(text)))


def test_a_good_file_is_ranked_with_calibration_by_default(files):
    _, rubric, scores = files
    result = run(scores, "--rubric", rubric, "--bootstrap", 0)
    assert result.exit_code == 0, result.stderr
    rows = rows_of(result.stdout)
    assert list(rows[0]) == ["entry", "rank", "score", "ci_low", "ci_high", "n_reviews", "flags"]
    assert [(r["entry"], r["rank"]) for r in rows] == [("A", "1"), ("B", "2"), ("C", "3")]
    assert [float(r["score"]) for r in rows] == pytest.approx([6.5, 6.0, 5.5], abs=1e-3)
    assert [r["n_reviews"] for r in rows] == ["2", "2", "2"]


def test_the_raw_mean_ranks_the_lucky_entry_higher(files):
    _, rubric, scores = files
    result = run(scores, "--rubric", rubric, "--normalise", "none", "--bootstrap", 0)
    rows = rows_of(result.stdout)
    assert [(r["entry"], float(r["score"])) for r in rows] == [("A", 7.5), ("C", 5.5), ("B", 5.0)]


def test_ranks_within_track_with_intervals_and_p_top(files):
    tmp_path, rubric, scores = files
    out = tmp_path / "board.csv"
    result = run(scores, "--rubric", rubric, "--by", "track", "--top", 1, "--bootstrap", 50, "-o", out)
    assert result.exit_code == 0, result.stderr
    rows = rows_of(out.read_text(encoding="utf-8"))
    assert list(rows[0]) == [
        "entry",
        "track",
        "rank",
        "score",
        "ci_low",
        "ci_high",
        "p_top",
        "n_reviews",
        "flags",
    ]
    assert [(r["entry"], r["track"], r["rank"]) for r in rows] == [
        ("A", "green", "1"),
        ("B", "green", "2"),
        ("C", "health", "1"),
    ]
    assert float(rows[2]["p_top"]) == 1.0  # alone in its track
    for r in rows:
        assert float(r["ci_low"]) - 1e-3 <= float(r["score"]) <= float(r["ci_high"]) + 1e-3  # 4 decimals


def test_json_output_carries_the_same_rows(files):
    _, rubric, scores = files
    result = run(scores, "--rubric", rubric, "--format", "json", "--bootstrap", 20, "--top", 2)
    assert result.exit_code == 0, result.stderr
    rows = json.loads(result.stdout)
    assert [r["entry"] for r in rows] == ["A", "B", "C"]
    assert set(rows[0]) >= {
        "entry",
        "rank",
        "score",
        "ci_low",
        "ci_high",
        "p_top",
        "n_reviews",
        "flags",
        "raw_mean",
    }
    assert rows[2]["raw_mean"] == pytest.approx(5.5)


def test_a_byte_order_mark_and_crlf_line_ends_are_accepted(files):
    tmp_path, rubric, scores = files
    windows = tmp_path / "windows.csv"
    windows.write_bytes(b"\xef\xbb\xbf" + GOOD.replace("\n", "\r\n").encode("utf-8"))
    plain = run(scores, "--rubric", rubric, "--bootstrap", 30, "--seed", 4)
    bom = run(windows, "--rubric", rubric, "--bootstrap", 30, "--seed", 4)
    assert bom.exit_code == 0, bom.stderr
    assert bom.stdout == plain.stdout


def test_the_seed_makes_the_output_reproducible(files):
    _, rubric, scores = files
    first = run(scores, "--rubric", rubric, "--bootstrap", 40, "--seed", 1, "--top", 1)
    again = run(scores, "--rubric", rubric, "--bootstrap", 40, "--seed", 1, "--top", 1)
    assert first.stdout == again.stdout


BAD = """\
entry,juror,criterion,value
A,X,overall,8.5
A,Y,pace,6
B,Y,overall,lots
B,Z,overall,11
C,Z,overall,3.25
C,X,overall,7.5
C,X,overall,7
D,Y,team,4
"""


def test_a_bad_file_lists_every_bad_row_and_writes_nothing(files):
    tmp_path, rubric, _ = files
    bad = tmp_path / "bad.csv"
    bad.write_text(BAD, encoding="utf-8")
    out = tmp_path / "board.csv"
    result = run(bad, "--rubric", rubric, "-o", out)
    assert result.exit_code != 0
    assert not out.exists()
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines == [
        f"{bad}: line 3: unknown criterion 'pace'",
        f"{bad}: line 4: value 'lots' is not a number",
        f"{bad}: line 5: overall: 11 is off the scale 1–10",
        f"{bad}: line 6: overall: 3.25 is not on a step of 0.5 from 1",
        f"{bad}: line 8: duplicate score of entry C by juror X on overall (first on line 7)",
        f"{bad}: line 9: entry D, juror Y: missing required criterion overall",
        "6 problem(s); nothing was computed.",
    ]


def test_missing_columns_are_reported_on_the_header_line(files):
    tmp_path, rubric, _ = files
    bad = tmp_path / "bad.csv"
    bad.write_text("entry,juror,value\nA,X,3\n", encoding="utf-8")
    result = run(bad, "--rubric", rubric)
    assert result.exit_code != 0
    assert f"{bad}: line 1: missing column(s) criterion" in result.stderr


def test_grouping_by_a_missing_column_is_an_error(files):
    _, rubric, scores = files
    result = run(scores, "--rubric", rubric, "--by", "area")
    assert result.exit_code != 0
    assert "missing column(s) area" in result.stderr


def test_a_rubric_yaml_error_names_the_key_path_and_line(tmp_path, files):
    _, _, scores = files
    rubric = tmp_path / "broken.yaml"
    rubric.write_text(
        "criteria:\n  - code: impact\n    max: ten\n  - code: team\n    colour: red\n", encoding="utf-8"
    )
    result = run(scores, "--rubric", rubric)
    assert result.exit_code != 0
    assert f"{rubric}: criteria[0].max (line 3): expected a number, got 'ten'" in result.stderr
    assert f"{rubric}: criteria[1].colour (line 5): unknown key" in result.stderr


def test_invalid_yaml_names_the_line(tmp_path, files):
    _, _, scores = files
    rubric = tmp_path / "broken.yaml"
    rubric.write_text("criteria:\n  - code: impact\n    max: [1, 2\n", encoding="utf-8")
    result = run(scores, "--rubric", rubric)
    assert result.exit_code != 0
    assert "not valid YAML" in result.stderr and "(line " in result.stderr


def test_an_unknown_rubric_name_is_refused(files):
    _, _, scores = files
    result = run(scores, "--rubric", "no-such-rubric")
    assert result.exit_code != 0
    assert "unknown rubric 'no-such-rubric'" in result.stderr


def test_entries_outside_the_main_panel_are_flagged_and_noted(files):
    tmp_path, rubric, _ = files
    apart = tmp_path / "apart.csv"
    apart.write_text(GOOD + "D,W,overall,9,health\n", encoding="utf-8")
    result = run(apart, "--rubric", rubric, "--bootstrap", 0)
    assert result.exit_code == 0, result.stderr
    flags = {r["entry"]: r["flags"] for r in rows_of(result.stdout)}
    assert flags == {"A": "", "B": "", "C": "", "D": "one_review;component:1"}
    assert "1 entries are reviewed by jurors who share no entry with the main panel" in result.stderr


def test_thresholds_flag_or_exclude_entries(files):
    tmp_path, _, scores = files
    rubric = tmp_path / "threshold.yaml"
    rubric.write_text(
        RUBRIC_YAML.replace("    step: 0.5\n", "    step: 0.5\n    threshold: 6\n", 1), encoding="utf-8"
    )
    flagged = rows_of(run(scores, "--rubric", rubric, "--bootstrap", 0).stdout)
    assert [(r["entry"], r["rank"], r["flags"]) for r in flagged] == [
        ("A", "1", ""),
        ("B", "2", "below:overall"),
        ("C", "3", "below:overall"),
    ]
    excluded = rows_of(run(scores, "--rubric", rubric, "--bootstrap", 0, "--thresholds", "exclude").stdout)
    assert [(r["entry"], r["rank"], r["flags"]) for r in excluded] == [
        ("A", "1", ""),
        ("B", "", "below:overall;excluded"),
        ("C", "", "below:overall;excluded"),
    ]


def test_a_file_in_another_encoding_is_refused_with_its_line(files):
    tmp_path, rubric, _ = files
    latin = tmp_path / "latin.csv"
    latin.write_bytes("entry,juror,criterion,value\nA,X,overall,5\nCafé,Y,overall,6\n".encode("latin-1"))
    result = run(latin, "--rubric", rubric)
    assert result.exit_code != 0
    assert f"{latin}: line 3: not UTF-8 text" in result.stderr


def test_a_declared_tie_break_orders_equal_scores(tmp_path, files):
    _, rubric, _ = files
    scores = tmp_path / "ties.csv"
    scores.write_text(
        "entry,juror,criterion,value\n"
        "P,X,overall,7\nP,X,team,4\nQ,X,overall,7\nQ,X,team,9\nR,X,overall,7\nR,X,team,4\n",
        encoding="utf-8",
    )
    shared = rows_of(run(scores, "--rubric", rubric, "--normalise", "none", "--bootstrap", 0).stdout)
    assert [(r["entry"], r["rank"]) for r in shared] == [("P", "1"), ("Q", "1"), ("R", "1")]
    by_team = run(scores, "--rubric", rubric, "--normalise", "none", "--bootstrap", 0, "--tie-break", "team")
    assert [(r["entry"], r["rank"]) for r in rows_of(by_team.stdout)] == [("Q", "1"), ("P", "2"), ("R", "2")]
    strict = run(
        scores,
        "--rubric",
        rubric,
        "--normalise",
        "none",
        "--bootstrap",
        0,
        "--tie-break",
        "team",
        "--tie-final",
        "entry",
    )
    assert [(r["entry"], r["rank"]) for r in rows_of(strict.stdout)] == [("Q", "1"), ("P", "2"), ("R", "3")]
    unknown = run(scores, "--rubric", rubric, "--tie-break", "pace")
    assert unknown.exit_code != 0 and "--tie-break: unknown criterion pace" in unknown.stderr

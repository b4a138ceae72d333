import csv
import io
import json

import numpy as np
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


# --- blanks, refused rows, weights ---------------------------------------------------------------

OPTIONAL_RUBRIC = """\
name: pitch
criteria:
  - {code: overall, weight: 2, min: 1, max: 10, step: 0.5}
  - {code: team, weight: 1, min: 1, max: 10, step: 1, required: false}
"""


def test_a_blank_optional_criterion_is_accepted_and_the_weights_renormalised(tmp_path):
    rubric = tmp_path / "rubric.yaml"
    rubric.write_text(OPTIONAL_RUBRIC, encoding="utf-8")
    scores = tmp_path / "scores.csv"
    scores.write_text(
        "entry,juror,criterion,value\nA,X,overall,8\nA,X,team,\nA,Y,overall,6\nA,Y,team,3\n", encoding="utf-8"
    )
    result = run(scores, "--rubric", rubric, "--normalise", "none", "--bootstrap", 0)
    assert result.exit_code == 0, result.stderr
    # X's total is overall alone, 8; Y's is (2·6 + 1·3) / 3 = 5; the mean of the two is 6.5
    assert rows_of(result.stdout)[0]["score"] == "6.5"


def test_a_blank_required_criterion_is_refused_with_its_line(tmp_path):
    rubric = tmp_path / "rubric.yaml"
    rubric.write_text(OPTIONAL_RUBRIC, encoding="utf-8")
    scores = tmp_path / "scores.csv"
    scores.write_text("entry,juror,criterion,value\nA,X,overall,\nA,X,team,4\nA,Y,overall,6\n", encoding="utf-8")
    result = run(scores, "--rubric", rubric)
    assert result.exit_code == 1
    # One problem is one line (issue 14: a bad file prints file, line and problem on one line).
    assert result.stderr.splitlines() == [
        f"{scores}: line 2: overall: no value, and the criterion is required; nothing was computed."]


ROWS_WITH_ONE_PROBLEM_EACH = """\
entry,juror,criterion,value
E,X,team,5
B,Y,team,4
B,Y,overall,lots
C,Z,team,4
C,Z,overal,7
D,Y,team,3
D,Y,overall,11
A,X,overall,8
A,X,team,4
"""


def test_each_refused_row_reports_its_own_problem_once_and_real_problems_come_first(tmp_path):
    rubric = tmp_path / "rubric.yaml"
    rubric.write_text(OPTIONAL_RUBRIC, encoding="utf-8")
    scores = tmp_path / "scores.csv"
    scores.write_text(ROWS_WITH_ONE_PROBLEM_EACH, encoding="utf-8")
    result = run(scores, "--rubric", rubric)
    assert result.exit_code == 1
    # B, C and D each had their overall row refused: that row's reason, not a "missing overall"
    # on the team row's line. E truly lacks overall; said after the rows' own problems.
    assert result.stderr.splitlines() == [
        f"{scores}: line 4: value 'lots' is not a number",
        f"{scores}: line 6: unknown criterion 'overal'",
        f"{scores}: line 8: overall: 11 is off the scale 1–10",
        f"{scores}: line 2: entry E, juror X: missing required criterion overall",
        "4 problem(s); nothing was computed.",
    ]


def test_weights_not_summing_to_100_are_explained_and_a_likely_typo_named(tmp_path):
    rubric = tmp_path / "rubric.yaml"
    codes, weights = ("problem", "solution", "impact", "team", "market"), (30, 20, 20, 15, 150)
    rubric.write_text(
        "name: typo\ncriteria:\n"
        + "".join(f"  - {{code: {c}, weight: {w}, min: 1, max: 10}}\n" for c, w in zip(codes, weights, strict=True)),
        encoding="utf-8",
    )
    scores = tmp_path / "scores.csv"
    scores.write_text(
        "entry,juror,criterion,value\n" + "".join(f"A,X,{c},{v}\n" for c, v in zip(codes, range(5, 10), strict=True)),
        encoding="utf-8",
    )
    result = run(scores, "--rubric", rubric, "--normalise", "none", "--bootstrap", 0)
    assert result.exit_code == 0
    assert result.stderr.splitlines() == [
        "note: rubric typo: the weights of the counted criteria sum to 235, not 100; each counts as its share: "
        "problem 30 (12.8%), solution 20 (8.5%), impact 20 (8.5%), team 15 (6.4%), market 150 (63.8%).",
        "warning: rubric typo: weight 150 of market looks like a typo: with 15 the weights would sum to 100",
    ]
    # the shares are what counts: (30·5 + 20·6 + 20·7 + 15·8 + 150·9) / 235
    assert float(rows_of(result.stdout)[0]["score"]) == pytest.approx(1880 / 235, abs=1e-4)


def test_weights_summing_to_100_pass_without_a_note(tmp_path, files):
    _, _, scores = files
    rubric = tmp_path / "hundred.yaml"
    rubric.write_text(RUBRIC_YAML.replace("weight: 2", "weight: 100"), encoding="utf-8")
    result = run(scores, "--rubric", rubric, "--bootstrap", 0)
    assert result.exit_code == 0 and result.stderr == ""


def test_quoted_spaced_and_plain_files_read_alike(tmp_path, files):
    _, rubric, scores = files
    plain = run(scores, "--rubric", rubric, "--bootstrap", 20, "--seed", 3, "--by", "track", "--format", "json")
    quoted = tmp_path / "quoted.csv"
    quoted.write_text(GOOD.replace("A,X,", '"A","X",').replace("health", '"health"'), encoding="utf-8")
    spaced = tmp_path / "spaced.csv"
    spaced.write_text(GOOD.replace(",", " , "), encoding="utf-8")
    for other in (quoted, spaced):
        again = run(other, "--rubric", rubric, "--bootstrap", 20, "--seed", 3, "--by", "track", "--format", "json")
        assert again.exit_code == 0, again.stderr
        assert again.stdout == plain.stdout


def test_the_three_ways_of_reading_a_file_agree(tmp_path, files):
    # Plain (split as bytes), with a space in a field (split line by line, then stripped), with
    # a blank line (read by the csv module): the same table, non-ASCII labels included.
    _, rubric, _ = files
    rng = np.random.default_rng(0)
    lines = ["entry,juror,criterion,value,track"]
    for e in range(30):
        for j in rng.choice(6, 3, replace=False):
            lines.append(f"Società {e:02d},giurato-{j}è,overall,{rng.integers(2, 20) / 2},{'àbc'[e % 3]}")
    plain = tmp_path / "plain.csv"
    plain.write_text("\n".join(lines), encoding="utf-8")  # no line break at the end, too
    spaced = tmp_path / "spaced.csv"
    spaced_lines = [*lines[:5], lines[5].replace(",overall,", ", overall ,"), *lines[6:]]
    spaced.write_text("\n".join(spaced_lines) + "\n", encoding="utf-8")
    blank = tmp_path / "blank.csv"
    blank.write_text("\n".join([*lines[:7], "", *lines[7:]]) + "\n", encoding="utf-8")
    outputs = [
        run(path, "--rubric", rubric, "--by", "track", "--top", 3, "--bootstrap", 30, "--format", "json")
        for path in (plain, spaced, blank)
    ]
    assert all(o.exit_code == 0 for o in outputs), [o.stderr for o in outputs]
    assert outputs[0].stdout == outputs[1].stdout == outputs[2].stdout
    assert json.loads(outputs[0].stdout)[0]["entry"].startswith("Società")

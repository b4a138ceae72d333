"""Bad input files make the `giuria` command print one line naming the file, the line and the problem: no traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from core.platform.tables import Edition
from tests.conftest import run
from tests.integration.test_yaml_limits import cli_environment

GIURIA = str(Path(sys.executable).with_name("giuria"))
RUBRIC = "criteria:\n  - {code: impact, weight: 1, min: 0, max: 10}\n"


def giuria(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([GIURIA, *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=120)


def one_line(result: subprocess.CompletedProcess) -> str:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_score_with_a_200000_character_field(tmp_path):
    rubric = tmp_path / "rubric.yaml"
    rubric.write_text(RUBRIC, encoding="utf-8")
    scores = tmp_path / "scores.csv"
    scores.write_text("entry,juror,criterion,value\ne1,j1,impact,5\ne2,j1,impact," + "9" * 200_000 + "\n",
                      encoding="utf-8")
    line = one_line(giuria("score", str(scores), "--rubric", str(rubric)))
    assert line == f"{scores}: line 3: impact: not a finite number; nothing was computed."


def test_score_with_a_rubric_bomb_names_the_key(tmp_path):
    rubric = tmp_path / "rubric.yaml"
    rubric.write_text("criteria: " + "[" * 100_000 + "\n", encoding="utf-8")
    scores = tmp_path / "scores.csv"
    scores.write_text("entry,juror,criterion,value\ne1,j1,impact,5\n", encoding="utf-8")
    line = one_line(giuria("score", str(scores), "--rubric", str(rubric)))
    assert line == f"{rubric} (line 1): nested more than 50 levels deep; nothing was computed."


def assign_files(tmp_path: Path, entries: bytes, jurors: bytes) -> list[str]:
    (tmp_path / "entries.csv").write_bytes(entries)
    (tmp_path / "jurors.csv").write_bytes(jurors)
    return ["assign", "--entries", str(tmp_path / "entries.csv"), "--jurors", str(tmp_path / "jurors.csv"),
            "--per-entry", "1", "-o", str(tmp_path / "out.csv")]


def test_assign_with_invalid_utf8(tmp_path):
    args = assign_files(tmp_path, b"entry,track\ne1,social\ne\xff2,social\n", b"juror,tracks\nj1,social\n")
    line = one_line(giuria(*args))
    assert line == f"{tmp_path / 'entries.csv'}:3: not UTF-8 text (save the file as UTF-8); nothing written."
    assert not (tmp_path / "out.csv").exists()


def test_assign_with_a_load_of_ten_to_the_23(tmp_path):
    args = assign_files(tmp_path, b"entry,track\ne1,social\ne2,social\n",
                        b"juror,tracks,max_load\nj1,social,100000000000000000000000\nj2,social,2\n")
    line = one_line(giuria(*args))
    assert line == (f"{tmp_path / 'jurors.csv'}:2: max_load 100000000000000000000000 is above 1,000,000; "
                    "nothing written.")
    option = giuria(*args[:-2], "--max-load", "100000000000000000000000", "-o", str(tmp_path / "out.csv"))
    assert option.returncode == 2 and "Traceback" not in option.stderr
    assert "Invalid value for '--max-load'" in option.stderr


def test_competition_import_with_invalid_utf8(settings, tmp_path):
    latin = tmp_path / "edition.yaml"
    latin.write_bytes(b"programme:\n  slug: welfare\n  name: Welfare, che impresa\n"
                      + "edition:\n  title: Comunità\n".encode("latin-1"))
    line = one_line(giuria("competition", "import", str(latin), env=cli_environment(settings)))
    assert line == (f"{latin}: line 5: (top level): not UTF-8 text (save the file as UTF-8); "
                    "rejected, nothing was imported.")
    assert run(Edition.count()) == 0


def test_competition_import_with_100000_nested_brackets(settings, tmp_path):
    deep = tmp_path / "edition.yaml"
    deep.write_text("programme:\n  slug: welfare\ntracks: " + "[" * 100_000 + "\n", encoding="utf-8")
    line = one_line(giuria("competition", "import", str(deep), env=cli_environment(settings)))
    assert line == f"{deep}: line 3: (top level): nested more than 50 levels deep; rejected, nothing was imported."
    assert run(Edition.count()) == 0

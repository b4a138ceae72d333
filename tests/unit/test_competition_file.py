"""Competition files: every problem is reported with its key path and line, and nothing passes half-checked."""

from pathlib import Path

import pytest

from core.editions.schema import parse_competition
from core.platform.yaml_source import FileProblems

EXAMPLE = (Path(__file__).resolve().parents[2] / "examples" / "welfare-che-impresa.yaml").read_text(encoding="utf-8")
RUBRICS = {"welfare-screening", "welfare-final-pitch"}
WORKFLOWS = {"checklist", "rubric"}


def parse(text: str):
    return parse_competition(text, source="call.yaml", known_rubrics=RUBRICS, known_workflows=WORKFLOWS)


def line_of(text: str, fragment: str) -> int:
    return next(number for number, line in enumerate(text.splitlines(), start=1) if fragment in line)


def problems_of(text: str) -> list[str]:
    with pytest.raises(FileProblems) as error:
        parse(text)
    return [str(problem) for problem in error.value.problems]


def test_the_example_edition_is_valid():
    spec = parse(EXAMPLE)
    assert [t.code for t in spec.tracks] == ["AGR", "PAT", "WCI", "SPW"]
    assert [r.code for r in spec.rounds] == ["R0", "R1", "R2", "R3"]
    assert spec.rounds[1].jurors_per_entry == 3 and spec.rounds[1].blind


def test_a_wrong_type_names_the_key_path_and_line():
    text = EXAMPLE.replace("jurors_per_entry: 3", "jurors_per_entry: three")
    assert problems_of(text) == [
        f"line {line_of(text, 'jurors_per_entry: three')}: $.rounds[1].jurors_per_entry: Expected 'int', got 'str'"]


def test_an_unknown_key_is_an_error_not_silently_dropped():
    text = EXAMPLE.replace("  blind: true", "  blind: true\n    blindd: false")
    assert problems_of(text) == [f"line {line_of(text, 'blindd: false')}: $.rounds[1].blindd: "
                                 "unknown key (check the spelling)"]


def test_every_cross_reference_problem_is_reported_at_once():
    text = (EXAMPLE.replace("target: {area: SUD, rank: 1}", "target: {area: ISOLE, rank: 1}")
            .replace("rubric: welfare-final-pitch", "rubric: no-such-rubric")
            .replace("- {code: PAT,", "- {code: AGR,", 1)
            .replace("regions: [Toscana,", "regions: [Lombardia, Toscana,"))
    problems = problems_of(text)
    assert f"line {line_of(text, 'area: ISOLE')}: $.prizes[2].target.area: unknown area 'ISOLE'" in problems
    assert (f"line {line_of(text, 'no-such-rubric')}: $.rounds[3].rubric: "
            "no installed plugin offers rubric 'no-such-rubric'") in problems
    assert any("$.areas[1].regions[0]: 'Lombardia' is already in area NORD" in p for p in problems)


def test_an_inline_rubric_is_checked_criterion_by_criterion():
    text = EXAMPLE.replace("rubric: welfare-screening", """rubric:
      criteria:
        - {code: IMP, label: Impatto, weight: 50, min: 5, max: 1}
        - {code: IMP, label: Doppio, weight: -1}""")
    problems = problems_of(text)
    assert any("$.rounds[1].rubric: IMP: max 1 must be above min 5" in p for p in problems)
    assert any("$.rounds[1].rubric: IMP: duplicate criterion code" in p for p in problems)
    assert any("$.rounds[1].rubric: IMP: weight -1 must be a non-negative number" in p for p in problems)


def test_dates_must_parse_and_follow_each_other():
    text = EXAMPLE.replace('closes_at: "2026-05-31T23:59:00+02:00"', 'closes_at: "2026-05-01T00:00:00+02:00"').replace(
        'starts_at: "2026-06-05T12:00:00+02:00"', 'starts_at: "5 June"')
    problems = problems_of(text)
    assert any("$.rounds[1].closes_at: closes before it opens" in p for p in problems)
    assert any("$.timeline[4].starts_at: expected a date (2026-03-16) or date-time, got '5 June'" in p
               for p in problems)


def test_broken_yaml_names_the_line():
    text = EXAMPLE.replace("tracks:\n", "tracks:\n  - code: [unclosed\n", 1)
    problems = problems_of(text)
    assert len(problems) == 1 and problems[0].startswith("line ") and "not valid YAML" in problems[0]

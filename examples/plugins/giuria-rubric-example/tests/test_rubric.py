"""The package's own tests: the rubric is valid for Giuria and its weights give the totals a sponsor expects."""

from giuria_rubric_example import AURORA_GREEN, build_green_summary, giuria_reports, giuria_rubrics

from core.editions.rubrics import rubric_problems
from scoring.rubric import weighted_total


def test_the_rubric_passes_giurias_checks():
    assert giuria_rubrics() == [AURORA_GREEN]
    assert rubric_problems(AURORA_GREEN) == []


def test_environmental_impact_weighs_most():
    assert weighted_total(AURORA_GREEN, {"ENV": 5, "SOC": 2, "FEA": 1}) == 3.7
    assert weighted_total(AURORA_GREEN, {"ENV": 1, "SOC": 5, "FEA": 5}) == 2.6


def test_the_summary_counts_without_names():
    snapshot = {"language": "en", "sponsor": {"organisation": "Aurora", "prizes": [
        {"code": "P-NORD", "name": {"it": "Premio Nord", "en": "North prize"},
         "shortlist": [{"label": "#1 A"}, {"label": "#2 B"}], "winners": [{"label": "#1 A"}]}]}}
    output = build_green_summary(snapshot)
    assert output.tables["prizes"] == [{"prize": "North prize", "in_running": 2, "winners": 1}]
    assert [r.name for r in giuria_reports()] == ["aurora-summary"]

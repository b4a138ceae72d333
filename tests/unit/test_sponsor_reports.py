"""The built-in sponsor reports from plain snapshots: small-cell suppression that totals cannot undo."""

import random

import pytest

from core.plugin_api import ReportOutput
from plugins.reports.standard import MIN_CELL, STAGES, build_funnel, build_prize, suppress_column


@pytest.mark.parametrize(("cells", "total", "shown", "shown_total"), [
    ({"a": 12, "b": 7, "c": 9}, 28, {"a": 12, "b": 7, "c": 9}, 28),
    ({"a": 3, "b": 10, "c": 7}, 20, {"a": None, "b": 10, "c": None}, 20),   # the smallest other cell goes too
    ({"a": 3, "b": 4, "c": 6}, 13, {"a": None, "b": None, "c": 6}, 13),     # two hidden: nothing to add
    ({"a": 3, "b": 0, "c": 0}, 3, {"a": None, "b": 0, "c": 0}, None),       # a small total is hidden itself
    ({"a": 3, "b": 0, "c": 9}, 12, {"a": None, "b": 0, "c": None}, 12),     # zeros point at nobody: shown
    ({"a": 0, "b": 0}, 0, {"a": 0, "b": 0}, 0),
])
def test_suppress_column(cells, total, shown, shown_total):
    assert suppress_column(cells, total) == (shown, shown_total)


def test_a_single_hidden_cell_with_only_zeros_beside_it_hides_the_total():
    assert suppress_column({"a": 2, "b": 0, "c": 0}, 2) == ({"a": None, "b": 0, "c": 0}, None)
    # Not computable from a total of 7 when the other visible cells are all zero: the total goes.
    assert suppress_column({"a": 2, "b": 0}, 7) == ({"a": None, "b": 0}, None)


def snapshot(rng: random.Random, n: int) -> dict:
    entries = []
    for _ in range(n):
        admissible = rng.random() < 0.8
        finalist = admissible and rng.random() < 0.3
        entries.append({
            "track": rng.choice(["AGR", "PAT", "WCI", "SPW"]), "area": rng.choice(["NORD", "CENTRO", "SUD", ""]),
            "legal_form": rng.choice(["aps", "odv", "cooperativa_sociale"]), "admissible": admissible,
            "finalists": finalist, "winners": finalist and rng.random() < 0.3,
            "team": [{"gender": rng.choice(["f", "m", "", "x"]), "age_band": rng.choice(["under_25", "25_34", ""])}
                     for _ in range(rng.randint(1, 4))],
        })
    return {"language": "en", "applications": entries,
            "labels": {"area": {"NORD": {"en": "North"}, "CENTRO": {"en": "Centre"}, "SUD": {"en": "South"}}}}


@pytest.mark.parametrize("seed", range(40))
def test_no_shown_cell_is_small_and_no_hidden_cell_can_be_recomputed(seed):
    rng = random.Random(seed)
    output = build_funnel(snapshot(rng, rng.randint(3, 60)))
    assert set(output.tables) == {"overall", "by_track", "by_area", "by_legal_form", "by_gender", "by_age_band"}
    for key, rows in output.tables.items():
        *groups, total = rows
        for stage in STAGES:
            values = [row[stage] for row in groups]
            assert all(v is None or v == 0 or v >= MIN_CELL for v in [*values, total[stage]]), (key, stage)
            if total[stage] is not None and groups:
                # With the total shown, hidden cells come at least in pairs: their sum is known, each is not.
                assert values.count(None) != 1, (key, stage, values)


def test_the_funnel_counts_by_area_with_names_and_hides_the_small_ones():
    entries = ([{"area": "NORD", "admissible": True, "finalists": True, "team": [{"gender": "f"}]}] * 6
               + [{"area": "SUD", "admissible": True, "finalists": True, "team": [{"gender": "m"}]}] * 2
               + [{"area": "CENTRO", "admissible": True, "team": [{"gender": "f"}]}] * 5)
    output = build_funnel({"language": "en", "applications": entries,
                           "labels": {"area": {"NORD": {"en": "North"}, "SUD": {"en": "South"},
                                               "CENTRO": {"en": "Centre"}}}})
    by_area = {row["area"]: [row[s] for s in STAGES] for row in output.tables["by_area"]}
    # South's 2 is hidden, and with it the smallest other cell of each column (Centre's 5, then North's 6).
    assert by_area == {"Centre": [None, None, 0, 0], "North": [6, 6, None, 0], "South": [None, None, None, 0],
                       "total": [13, 13, 8, 0]}
    assert output.figures == {"applications": 13.0, "admissible": 13.0, "finalists": 8.0, "winners": 0.0}
    assert [c.kind for c in output.charts] == ["funnel", "bar", "bar"]
    assert output.charts[2].data["categories"] == ["Centre *", "North *", "South *"]


def test_the_prize_report_keeps_scores_numbers_and_names_only_what_it_was_given():
    snapshot = {"language": "en", "sponsor": {"organisation": "Aurora", "prizes": [{
        "code": "P", "name": {"en": "North prize"}, "published": True, "places": 1,
        "shortlist": [{"label": "#3 B", "score": 4.2, "low": 3.9, "high": 4.5, "rank": 1, "rank_low": 1,
                       "rank_high": 2},
                      {"label": "#1 A", "score": 3.1, "low": 2.5, "high": 3.6, "rank": 2, "rank_low": 1,
                       "rank_high": 3, "entity_name": "Coop A", "contact_email": "a@example.org"}],
        "winners": [{"label": "#3 B", "sessions_held": 2, "milestones": [], "kpis": [
            {"name": {"en": "Jobs"}, "unit": "FTE", "baseline": 1, "target": 4, "latest": 3,
             "series": [("baseline", 1), ("2026-12-31", 3)]}]}]}]}}
    output = build_prize(snapshot)
    assert isinstance(output, ReportOutput)
    assert [(r["entry"], r["score"], r["interval"], r["entity"]) for r in output.tables["shortlist"]] == [
        ("#3 B", 4.2, "3.9–4.5", ""), ("#1 A", 3.1, "2.5–3.6", "Coop A")]
    assert output.tables["kpis"] == [{"entry": "#3 B", "kpi": "Jobs", "unit": "FTE", "baseline": 1, "target": 4,
                                      "latest": 3}]
    assert [c.kind for c in output.charts] == ["interval", "line"]


def test_the_prize_reports_intervals_are_written_in_the_readers_language():
    row = {"label": "#3 B", "score": 4.2, "low": 3.9, "high": 4.55, "rank": 1, "rank_low": 1, "rank_high": 2}
    prizes = [{"code": "P", "name": {"it": "Premio"}, "published": True, "places": 1, "shortlist": [row]}]
    italian = build_prize({"language": "it", "sponsor": {"organisation": "Aurora", "prizes": prizes}})
    english = build_prize({"language": "en", "sponsor": {"organisation": "Aurora", "prizes": prizes}})
    assert italian.tables["shortlist"][0]["interval"] == "3,9–4,55"
    assert english.tables["shortlist"][0]["interval"] == "3.9–4.55"
    assert italian.tables["shortlist"][0]["score"] == 4.2  # a number stays a number for CSV and XLSX

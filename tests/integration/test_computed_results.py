"""Saved work over HTTP on both engines: a round's results page computes its bootstrap ranking and draws its
charts once for the data they show, serves them from the database after that (to any worker), and computes them
again as soon as a score changes."""

from __future__ import annotations

import re

from core.platform.tables import Application, ComputedResult, Review
from tests.conftest import run
from tests.factories import rescored
from tests.integration.test_combined_ranking import EN, SLUG, seed

PAGE = f"/organise/{SLUG}/rounds/R1/results"


def ranking(html: str) -> list[str]:
    return list(dict.fromkeys(re.findall(r"(Alfa|Beta|Gamma) APS", html)))


def kept(kind: str) -> list[dict]:
    return run(ComputedResult.select(ComputedResult.view, ComputedResult.fingerprint, ComputedResult.computed_at)
               .where(ComputedResult.kind == kind).order_by(ComputedResult.view))


def test_a_results_view_is_computed_once_per_data_and_again_when_a_score_changes(client, settings):
    data = seed(client)
    first = client.get(PAGE, headers=EN)
    assert first.status_code == 200 and ranking(first.text) == ["Alfa", "Gamma", "Beta"]
    board, charts = kept("leaderboard"), kept("chart")
    assert len(board) == 1 and {c["view"].split("&")[0] for c in charts} >= {"leniency", "spread"}
    assert first.text.count("data:image/svg+xml;base64,") == len(charts)

    # The same data: the page is served from what was kept, nothing is computed or drawn again.
    again = client.get(PAGE, headers=EN)
    assert ranking(again.text) == ranking(first.text)
    assert again.text.count("data:image/svg+xml;base64,") == len(charts)
    assert kept("leaderboard") == board and kept("chart") == charts

    # Each chart is kept in the language it was drawn in (Olga reads English), for its view of the round.
    assert all(c["view"].rsplit("&", 1)[1] == "en" for c in charts)

    # A juror lowers Alfa's scores: the next view reads new data, so it computes and draws again.
    alfa = data["ids"]["Alfa"]
    reviews = [r["id"] for r in run(Review.select(Review.id).where(
        Review.assignment.application == alfa, Review.assignment.round.code == "R1"))]
    rescored(reviews, 1.0)
    changed = client.get(PAGE, headers=EN)
    assert ranking(changed.text) == ["Gamma", "Beta", "Alfa"]
    after = kept("leaderboard")
    assert len(after) == 1 and after[0]["fingerprint"] != board[0]["fingerprint"]
    assert kept("chart") != charts
    assert run(Application.count().where(Application.id == alfa)) == 1

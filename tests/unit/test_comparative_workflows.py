"""The pairwise and ranked-vote workflows' results from plain round data: models, methods and declared tie rules."""

from __future__ import annotations

import pytest

from core.plugin_api import RoundData
from plugins.workflows.comparative import compute_pairwise, compute_ranked_vote
from plugins.workflows.standard import WORKFLOWS
from scoring.pairwise import fit_bradley_terry, fit_crowd_bt
from scoring.votes import borda, schulze


def round_data(entries, *, settings=None, comparisons=(), rankings=None, groups=None) -> RoundData:
    return RoundData(round_code="R", kind="final_pitch", rubric=None, settings=settings or {}, entries=tuple(entries),
                     groups=groups or dict.fromkeys(entries, "T"), comparisons=tuple(comparisons),
                     rankings=rankings or {})


def test_the_built_in_workflows_compute_pairwise_and_ranked_rounds():
    by_name = {w.name: w for w in WORKFLOWS}
    assert by_name["pairwise"].compute is compute_pairwise
    assert by_name["ranked-vote"].compute is compute_ranked_vote


CHOICES = [(1, 2, 10), (1, 3, 10), (2, 3, 10), (1, 2, 11), (2, 3, 11), (3, 1, 11), (1, 3, 12), (2, 3, 12)]


@pytest.mark.parametrize("model", ["crowd_bt", "bradley_terry"])
def test_pairwise_results_are_the_fitted_strengths_with_intervals(model):
    results = compute_pairwise(round_data([1, 2, 3, 4], settings={"pairwise_model": model}, comparisons=CHOICES))
    fit = (fit_crowd_bt(CHOICES, entries=[1, 2, 3, 4]) if model == "crowd_bt"
           else fit_bradley_terry([(w, lo) for w, lo, _ in CHOICES], entries=[1, 2, 3, 4]))
    assert results.method == model and results.notes == ("comparisons=8",)
    assert [r.entry for r in results.rows] == [1, 2, 3, 4]
    assert [r.rank for r in results.rows] == [1, 2, 3, None]
    assert [r.n for r in results.rows] == [5, 5, 6, 0]
    first = results.rows[0]
    assert first.score == pytest.approx(fit.scores[1])
    assert first.high - first.score == pytest.approx(1.959963984540054 * fit.standard_errors[1])
    assert results.rows[3].flags == ("no_comparisons",) and results.rows[3].score is None


def test_pairwise_without_comparisons_ranks_nobody():
    results = compute_pairwise(round_data([1, 2]))
    assert [(r.rank, r.flags) for r in results.rows] == [(None, ("no_comparisons",))] * 2


def test_pairwise_ranks_within_tracks_when_the_round_says_so():
    groups = {1: "A", 2: "B", 3: "A", 4: "B"}
    choices = [(1, 3, 9), (2, 4, 9), (3, 2, 9)]
    results = compute_pairwise(round_data([1, 2, 3, 4], settings={"by_group": True}, comparisons=choices,
                                          groups=groups))
    assert [(r.group, r.entry, r.rank) for r in results.rows] == [("A", 1, 1), ("A", 3, 2), ("B", 2, 1), ("B", 4, 2)]


# Three finalists: Borda gives A 2+2+0 = 4, B 1+1+2 = 4, C 0+0+1 = 1 (A and B tied); A beats B 2 to 1, so
# Schulze puts A first.
BALLOTS = {7: (1, 2, 3), 8: (1, 2, 3), 9: (2, 3, 1)}


def ranked(**settings):
    return compute_ranked_vote(round_data([1, 2, 3], settings=settings, rankings=BALLOTS))


def test_borda_ties_share_a_place_unless_an_order_was_declared():
    shared = ranked()
    assert shared.method == "borda" and shared.notes == ("tie_break=shared", "ballots=3")
    assert [(r.entry, r.rank, r.score, r.flags) for r in shared.rows] == [
        (1, 1, 4.0, ("tied",)), (2, 1, 4.0, ("tied",)), (3, 3, 1.0, ())]
    declared = ranked(tie_break=[2, 1, 3])
    assert declared.notes[0] == "tie_break=declared_order"
    assert [(r.entry, r.rank, r.flags) for r in declared.rows] == [(2, 1, ("tie_broken",)), (1, 2, ("tie_broken",)),
                                                                  (3, 3, ())]
    counted = borda(list(BALLOTS.values()), candidates=[1, 2, 3], tie_break=[2, 1, 3])
    assert tuple(r.entry for r in declared.rows) == counted.ranking


def test_schulze_counts_pairwise_majorities_and_takes_borda_as_a_tie_rule():
    results = ranked(vote_method="schulze", tie_break="borda")
    assert results.method == "schulze" and results.notes[0] == "tie_break=borda"
    assert [r.entry for r in results.rows] == [1, 2, 3]
    assert [r.entry for r in results.rows] == list(schulze(list(BALLOTS.values()), candidates=[1, 2, 3]).ranking)
    assert [r.score for r in results.rows] == [4.0, 4.0, 1.0]  # the Borda points the tie rule uses


def test_a_tie_rule_that_cannot_apply_is_reported_and_ties_are_shared():
    results = ranked(tie_break=[1, 2])  # not every finalist
    assert results.notes == ("tie_break=shared", "ballots=3", "tie_break_invalid")
    assert [r.rank for r in results.rows] == [1, 1, 3]
    assert ranked(tie_break="borda").notes[-1] == "tie_break_invalid"  # Borda cannot break its own ties


def test_no_ballots_no_ranking():
    results = compute_ranked_vote(round_data([1, 2], settings={"vote_method": "schulze"}))
    assert results.method == "schulze"
    assert [(r.rank, r.flags) for r in results.rows] == [(None, ("no_ballots",))] * 2

import numpy as np
import pytest

from scoring.combine import RoundScores, combine_rounds


def screening_and_pitch():
    screening = RoundScores("screening", 0.3, {"a": 8.2, "b": 6.4, "c": 9.1, "d": 5.5}, scale=(1, 10))
    pitch = RoundScores("pitch", 0.7, {"a": 70, "b": 90, "c": 60}, scale=(0, 100))
    return [screening, pitch]


def test_scale_rescaling_weights_each_round_as_declared():
    result = combine_rounds(screening_and_pitch(), rescale="scale")
    # a: 0.3 * (8.2 - 1) / 9 + 0.7 * 0.70 = 0.24 + 0.49 = 0.73
    # b: 0.3 * 5.4 / 9 + 0.7 * 0.90 = 0.18 + 0.63 = 0.81
    # c: 0.3 * 8.1 / 9 + 0.7 * 0.60 = 0.27 + 0.42 = 0.69
    assert result.final == pytest.approx({"a": 0.73, "b": 0.81, "c": 0.69})
    assert result.ranking == ("b", "a", "c")
    assert result.contributions["a"] == pytest.approx({"screening": 0.24, "pitch": 0.49})
    assert result.rescaled["screening"]["d"] == pytest.approx(0.5)
    assert result.excluded == ("d",)
    assert result.flagged == ()


def test_standard_scores_are_taken_within_each_round():
    first = RoundScores("first", 1, {"a": 1.0, "b": 2.0, "c": 3.0})  # mean 2, sd 1
    second = RoundScores("second", 1, {"a": 30.0, "b": 10.0, "c": 20.0})  # mean 20, sd 10
    result = combine_rounds([first, second], rescale="z")
    assert result.rescaled["first"] == pytest.approx({"a": -1, "b": 0, "c": 1})
    assert result.rescaled["second"] == pytest.approx({"a": 1, "b": -1, "c": 0})
    assert result.final == pytest.approx({"a": 0.0, "b": -0.5, "c": 0.5})
    assert result.ranking == ("c", "a", "b")


def test_flag_ranks_an_entry_on_the_rounds_it_has_and_lists_it():
    result = combine_rounds(screening_and_pitch(), rescale="scale", missing="flag")
    assert result.flagged == ("d",)
    assert result.excluded == ()
    assert result.final["d"] == pytest.approx(0.5)  # only screening: its weight becomes the whole
    assert result.contributions["d"] == pytest.approx({"screening": 0.5})
    assert result.ranking == ("b", "a", "c", "d")


def test_a_round_where_every_entry_scored_the_same_contributes_nothing_under_z():
    flat = RoundScores("flat", 0.5, {"a": 4.0, "b": 4.0})
    other = RoundScores("other", 0.5, {"a": 2.0, "b": 1.0})
    result = combine_rounds([flat, other], rescale="z")
    assert result.rescaled["flat"] == {"a": 0.0, "b": 0.0}
    assert result.ranking == ("a", "b")


def test_equal_finals_share_a_rank():
    one = RoundScores("one", 1, {"a": 5, "b": 7, "c": 7, "d": 2}, scale=(0, 10))
    result = combine_rounds([one])
    assert result.ranks == {"b": 1, "c": 1, "a": 3, "d": 4}


def test_relabelling_entries_and_reordering_scores_changes_nothing():
    rng = np.random.default_rng(0)
    raw = {i: (float(rng.uniform(1, 10)), float(rng.uniform(0, 100))) for i in range(30)}
    names = {i: f"entry-{(i * 17) % 31}" for i in raw}
    plain = combine_rounds(
        [
            RoundScores("s", 0.3, {i: v[0] for i, v in raw.items()}),
            RoundScores("p", 0.7, {i: v[1] for i, v in raw.items()}),
        ],
        rescale="z",
    )
    renamed = combine_rounds(
        [
            RoundScores("s", 0.3, {names[i]: raw[i][0] for i in reversed(raw)}),
            RoundScores("p", 0.7, {names[i]: raw[i][1] for i in raw}),
        ],
        rescale="z",
    )
    assert renamed.ranking == tuple(names[i] for i in plain.ranking)
    assert renamed.final == pytest.approx({names[i]: v for i, v in plain.final.items()})


@pytest.mark.parametrize(
    ("rounds", "rescale", "message"),
    [
        ([RoundScores("r", 1, {"a": 1, "b": 2})], "scale", "needs its scale"),
        ([RoundScores("r", 1, {"a": 1})], "z", "at least two entries"),
        ([RoundScores("r", 0, {"a": 1}, (0, 1))], "scale", "weight must be a positive"),
        ([RoundScores("r", 1, {"a": float("nan")}, (0, 1))], "scale", "finite number"),
        ([RoundScores("r", 1, {"a": 1}, (0, 1)), RoundScores("r", 1, {"a": 1}, (0, 1))], "scale", "own name"),
    ],
)
def test_an_undeclared_or_inconsistent_combination_is_refused(rounds, rescale, message):
    with pytest.raises(ValueError, match=message):
        combine_rounds(rounds, rescale=rescale)


def test_combined_intervals_carry_both_rounds_uncertainty():
    from scoring.combine import Interval, combined_uncertainty

    first = RoundScores("R1", 0.3, {"a": 8.0, "b": 6.0, "c": 4.0}, scale=(0.0, 10.0))
    final = RoundScores("R3", 0.7, {"a": 5.0, "b": 7.0, "c": 3.0}, scale=(0.0, 10.0))
    combined = combine_rounds([first, final])
    # 0.3 * 0.8 + 0.7 * 0.5 = 0.59; 0.3 * 0.6 + 0.7 * 0.7 = 0.67; 0.3 * 0.4 + 0.7 * 0.3 = 0.33
    assert combined.ranking == ("b", "a", "c")
    assert [round(combined.final[e], 6) for e in combined.ranking] == [0.67, 0.59, 0.33]
    width = {"R1": 2.0, "R3": 1.0}  # interval widths on the 0-10 scales
    intervals = {r.name: {e: Interval(s - width[r.name] / 2, s + width[r.name] / 2) for e, s in r.scores.items()}
                 for r in (first, final)}
    both = combined_uncertainty([first, final], combined, intervals, replicates=4000, seed=1, top=1)
    only_first = combined_uncertainty([first, final], combined, {"R1": intervals["R1"]}, replicates=4000, seed=1)
    only_final = combined_uncertainty([first, final], combined, {"R3": intervals["R3"]}, replicates=4000, seed=1)
    for e in "abc":
        assert both.low[e] < combined.final[e] < both.high[e]
        wide = both.high[e] - both.low[e]
        # each round's own share of the interval: 0.3 * 0.2 = 0.06 and 0.7 * 0.1 = 0.07 on the 0-1 footing
        assert abs((only_first.high[e] - only_first.low[e]) - 0.06) < 0.006
        assert abs((only_final.high[e] - only_final.low[e]) - 0.07) < 0.006
        # independent rounds: the spreads add in quadrature, sqrt(0.06² + 0.07²) ≈ 0.0922
        assert wide >= max(only_first.high[e] - only_first.low[e], only_final.high[e] - only_final.low[e])
        assert abs(wide - 0.0922) < 0.008
    assert both.rank_low == {"b": 1, "a": 2, "c": 3} == both.rank_high
    assert both.p_top["b"] > 0.9 and both.p_top["c"] == 0.0
    # without any interval every replicate is the final itself
    exact = combined_uncertainty([first, final], combined, {}, replicates=10)
    assert exact.low == exact.high == pytest.approx(combined.final)

import numpy as np
import pytest

from scoring.aggregate import apply_thresholds, criterion_means, summarise_entries
from scoring.reviews import Reviews
from scoring.rubric import Criterion, Rubric


def test_mean_median_trimmed_and_spread_per_entry():
    reviews = Reviews.from_records(
        [
            ("a", "X", 3.0), ("a", "Y", 9.0), ("a", "Z", 4.0), ("a", "W", 5.0), ("a", "V", 1.0),
            ("b", "X", 6.0), ("b", "Y", 2.0),
            ("c", "Z", 7.0),
        ]
    )  # fmt: skip
    summary = summarise_entries(reviews)
    assert summary.n_reviews.tolist() == [5, 2, 1]
    assert summary.mean == pytest.approx([22 / 5, 4.0, 7.0])
    assert summary.median == pytest.approx([4.0, 4.0, 7.0])
    # drop the lowest and highest of a (1 and 9); b and c have too few totals to trim
    assert summary.trimmed_mean == pytest.approx([4.0, 4.0, 7.0])
    assert summary.spread == pytest.approx([8.0, 4.0, 0.0])


def test_entries_without_reviews_have_no_summary():
    summary = summarise_entries(Reviews.from_records([("a", "X", 2.0)], entries=["b"]))
    assert summary.n_reviews.tolist() == [1, 0]
    assert np.isnan(summary.mean[1]) and np.isnan(summary.median[1]) and np.isnan(summary.trimmed_mean[1])


RUBRIC = Rubric(
    "r",
    {},
    (
        Criterion("impact", {}, min=1, max=10, threshold=5),
        Criterion("team", {}, min=1, max=10, threshold=3),
        Criterion("fit", {}, min=1, max=10),
    ),
)


def test_criterion_means_skip_blanks_and_thresholds_flag_or_exclude():
    reviews = Reviews.from_records([("a", "X", 0), ("a", "Y", 0), ("b", "X", 0), ("b", "Y", 0)])
    values = np.array([[4, 2, 9], [5, np.nan, 9], [6, 8, 1], [5, 2, np.nan]], dtype=float)
    means = criterion_means(reviews, values)
    assert means == pytest.approx(np.array([[4.5, 2.0, 9.0], [5.5, 5.0, 1.0]]))
    flagged = apply_thresholds(RUBRIC, ("impact", "team", "fit"), means, "flag")
    assert flagged.below == (("impact", "team"), ())
    assert flagged.excluded.tolist() == [False, False]
    excluded = apply_thresholds(RUBRIC, ("impact", "team", "fit"), means, "exclude")
    assert excluded.excluded.tolist() == [True, False]


def test_unknown_threshold_policy_is_refused():
    with pytest.raises(ValueError, match="unknown threshold policy"):
        apply_thresholds(RUBRIC, ("impact",), np.zeros((1, 1)), "drop")  # type: ignore[arg-type]

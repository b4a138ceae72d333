import math

import numpy as np
import pytest

from scoring.diagnostics import design_connectivity, disagreeing_reviews, juror_profiles, under_reviewed

PANEL = [
    ("e1", "j1", 8), ("e1", "j2", 6), ("e1", "j3", 7),
    ("e2", "j1", 9), ("e2", "j2", 5),
    ("e3", "j1", 6), ("e3", "j3", 4), ("e3", "j4", 5),
    ("e4", "j2", 3),
]  # fmt: skip


def test_juror_profile_worked_by_hand():
    j1 = {p.juror: p for p in juror_profiles(PANEL)}["j1"]
    # Gaps to the others' means: e1 8 - 6.5, e2 9 - 5, e3 6 - 4.5 = 1.5, 4, 1.5.
    assert j1.reviews == 3
    assert j1.leniency == pytest.approx(7 / 3)
    assert j1.leniency_se == pytest.approx(math.sqrt((25 / 12) / 3))  # sample variance of gaps 25/12
    # Own scores 8, 9, 6 (variance 7/3); others' scores on the same entries 6, 7, 5, 4, 5 (variance 1.3).
    assert j1.spread == pytest.approx(math.sqrt((7 / 3) / 1.3))
    # Own scores against others' means 6.5, 5, 4.5: covariance sum 4/3, sums of squares 14/3 and 13/6.
    assert j1.agreement == pytest.approx((4 / 3) / math.sqrt(14 / 3 * 13 / 6))
    assert j1.offset_is_clear  # 2.33 > 2 * 0.83


def test_a_juror_whose_only_entry_nobody_else_reviewed_has_no_profile_and_one_review_gives_no_se():
    profiles = {p.juror: p for p in juror_profiles(PANEL)}
    assert profiles["j2"].reviews == 2  # e4 has no other review
    assert profiles["j4"].reviews == 1
    assert math.isnan(profiles["j4"].leniency_se)
    assert profiles["j4"].leniency == pytest.approx(5 - 5)


def simulated_round(seed, n_entries=300, n_jurors=30):
    rng = np.random.default_rng(seed)
    quality = rng.normal(6, 1.5, n_entries)
    offset = np.zeros(n_jurors)
    offset[0], offset[1] = 1.5, -1.5  # one lenient juror, one harsh
    scale = np.ones(n_jurors)
    scale[2] = 0.3  # one juror who compresses everything towards the middle
    reviews = []
    for e in range(n_entries):
        for j in rng.choice(n_jurors, 4, replace=False):
            score = 6 + scale[j] * (quality[e] - 6) + offset[j] + rng.normal(0, 0.5)
            reviews.append((e, int(j), float(score)))
    return reviews


def test_profiles_pick_out_lenient_harsh_and_compressing_jurors():
    profiles = {p.juror: p for p in juror_profiles(simulated_round(1))}
    assert profiles[0].leniency > 1.0 and profiles[0].offset_is_clear
    assert profiles[1].leniency < -1.0 and profiles[1].offset_is_clear
    assert profiles[2].spread < 0.5
    ordinary = [profiles[j] for j in range(3, 30)]
    assert sum(p.offset_is_clear for p in ordinary) <= 3
    assert all(0.7 < p.spread < 1.3 for p in ordinary)
    assert all(p.agreement > 0.7 for p in ordinary)
    assert profiles[2].agreement < min(p.agreement for p in ordinary)


def test_a_review_far_from_the_others_is_flagged_first():
    reviews = simulated_round(2)
    reviews = [(e, j, 1.0 if (e, j) == reviews[40][:2] else s) for e, j, s in reviews]
    flagged = disagreeing_reviews(reviews, max_z=4.0)
    assert (flagged[0].entry, flagged[0].juror) == reviews[40][:2]
    assert flagged[0].gap < -3
    assert flagged[0].others == 3
    assert flagged[0].robust_z < -4


def test_a_gap_threshold_in_scale_units_flags_every_review_that_reaches_it():
    reviews = [("a", 1, 2), ("a", 2, 8), ("b", 1, 5), ("b", 2, 6), ("b", 3, 5)]
    flagged = disagreeing_reviews(reviews, max_gap=5, max_z=None)
    assert {(d.entry, d.juror, d.gap) for d in flagged} == {("a", 1, -6.0), ("a", 2, 6.0)}


def test_disagreements_do_not_depend_on_names_or_order():
    reviews = simulated_round(3)
    renamed = [(f"entry {e}", ("juror", j), s) for e, j, s in reversed(reviews)]
    plain = disagreeing_reviews(reviews, max_z=2.5)
    other = disagreeing_reviews(renamed, max_z=2.5)
    assert [(f"entry {d.entry}", ("juror", d.juror)) for d in plain] == [(d.entry, d.juror) for d in other]
    assert [d.robust_z for d in plain] == pytest.approx([d.robust_z for d in other])


def test_under_reviewed_lists_entries_below_k_including_those_with_none():
    reviews = [*PANEL, ("e5", "j1", None)]
    assert under_reviewed(reviews, k=2, entries=["e1", "e5", "e6"]) == (("e5", 0), ("e6", 0), ("e4", 1))
    assert under_reviewed(reviews, k=3) == (("e4", 1), ("e2", 2))


def test_design_connectivity_finds_separate_tracks_and_the_juror_who_joins_them():
    tracks = {"h1": "health", "h2": "health", "f1": "food", "f2": "food"}
    links = [("h1", "ann"), ("h2", "ann"), ("h2", "bob"), ("f1", "cat"), ("f2", "cat")]
    split = design_connectivity(links, tracks=tracks)
    assert not split.connected
    assert split.sizes == ((2, 2), (2, 1))
    assert split.components[0].tracks == {"health"}
    assert split.bridging_jurors == {}
    joined = design_connectivity([*links, ("f1", "bob")], tracks=tracks)
    assert joined.connected
    assert joined.components[0].tracks == {"health", "food"}
    assert joined.bridging_jurors == {"bob": frozenset({"health", "food"})}


def test_robust_z_worked_by_hand():
    # Every entry has two reviews, so gaps are scaled by sqrt(1/2): a gives -/+6, b and d -/+1, c 0.
    # Scaled gaps: +-4.243 (a), +-0.707 (b, d), 0, 0 (c); median 0, MAD 0.707, robust SD 1.4826 * 0.707.
    reviews = [("a", 1, 2), ("a", 2, 8), ("b", 1, 5), ("b", 2, 6), ("c", 1, 4), ("c", 2, 4)]
    reviews += [("d", 1, 7), ("d", 2, 6)]
    flagged = disagreeing_reviews(reviews, max_z=4.0)
    assert [(d.entry, d.juror) for d in flagged] == [("a", 1), ("a", 2)]
    assert [d.robust_z for d in flagged] == pytest.approx([-6 / 1.4826, 6 / 1.4826])
    assert disagreeing_reviews(reviews, max_z=4.1) == ()

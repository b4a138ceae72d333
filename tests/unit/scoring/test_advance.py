"""Who advances: the top N, minimums per track and per area, a minimum score, and who never can."""

from scoring.advance import Candidate, Pick, Rule, parse_rule, propose


def field(*rows) -> list[Candidate]:
    """(entry, rank, score, track, area[, flags]) per entry."""
    return [Candidate(entry=r[0], rank=r[1], score=r[2], track=r[3], area=r[4], flags=r[5] if len(r) > 5 else ())
            for r in rows]


ENTRIES = field((1, 1, 9.0, "AGR", "NORD"), (2, 2, 8.0, "AGR", "NORD"), (3, 3, 7.0, "AGR", "SUD"),
                (4, 4, 6.0, "PAT", "NORD"), (5, 5, 5.0, "PAT", "SUD"))


def advancing(picks: dict[int, Pick]) -> dict[int, str]:
    return {entry: pick.basis for entry, pick in sorted(picks.items()) if pick.advance}


def test_the_top_n_advance_by_rank_and_the_rest_are_below_the_cut():
    picks = propose(list(reversed(ENTRIES)), Rule(top_n=2))
    assert advancing(picks) == {1: "rank", 2: "rank"}
    assert {e: p.basis for e, p in picks.items() if not p.advance} == {3: "below_cut", 4: "below_cut",
                                                                       5: "below_cut"}


def test_without_a_top_n_every_eligible_entry_advances():
    assert advancing(propose(ENTRIES, Rule())) == {1: "rank", 2: "rank", 3: "rank", 4: "rank", 5: "rank"}


def test_a_track_minimum_met_within_the_places_keeps_their_number():
    picks = propose(ENTRIES, Rule(top_n=3, min_per_track=1))
    assert advancing(picks) == {1: "rank", 2: "rank", 4: "quota_track"}


def test_a_minimum_per_code_that_does_not_fit_adds_places():
    picks = propose(ENTRIES, Rule(top_n=2, min_per_track={"AGR": 2, "PAT": 2}))
    assert advancing(picks) == {1: "rank", 2: "rank", 4: "quota_track", 5: "quota_track"}


def test_area_minimums_count_entries_already_chosen_for_their_track():
    # Entry 4 (PAT, NORD) meets both the PAT and the NORD minimum; with SUD's, the two places are taken.
    picks = propose(ENTRIES, Rule(top_n=2, min_per_track={"PAT": 1}, min_per_area={"SUD": 1, "NORD": 1}))
    assert advancing(picks) == {3: "quota_area", 4: "quota_track"}


def test_unranked_below_a_threshold_or_the_minimum_score_never_advance():
    entries = field((1, 1, 9.0, "AGR", "NORD"), (2, None, None, "AGR", "NORD"),
                    (3, 2, 8.0, "PAT", "SUD", ("below:IMP",)), (4, 3, 4.0, "PAT", "SUD"))
    picks = propose(entries, Rule(min_per_track=1, min_score=5.0))
    assert advancing(picks) == {1: "rank"}
    assert {e: p.basis for e, p in picks.items() if not p.advance} == {2: "unranked", 3: "below_threshold",
                                                                       4: "below_min_score"}


def test_ties_in_rank_go_to_the_higher_score_then_the_lower_entry():
    entries = field((7, 1, 8.0, "A", "X"), (3, 1, 8.0, "A", "X"), (5, 1, 9.0, "A", "X"))
    assert advancing(propose(entries, Rule(top_n=2))) == {3: "rank", 5: "rank"}


def test_parse_rule_keeps_what_is_well_formed():
    assert parse_rule({"top_n": 5, "min_per_track": 1, "min_per_area": {"SUD": 2}, "min_score": 3}) == Rule(
        top_n=5, min_per_track=1, min_per_area={"SUD": 2}, min_score=3.0)
    assert parse_rule({"top_n": 0, "min_score": "high"}) == Rule()
    assert parse_rule(None) == Rule()

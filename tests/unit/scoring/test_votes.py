import pytest

from scoring.votes import borda, schulze

# Wikipedia, "Schulze method", worked example: 45 voters, candidates A-E.
WIKIPEDIA_SCHULZE = (
    [list("ACBED")] * 5
    + [list("ADECB")] * 5
    + [list("BEDAC")] * 8
    + [list("CABED")] * 3
    + [list("CAEBD")] * 7
    + [list("CBADE")] * 2
    + [list("DCEBA")] * 7
    + [list("EBADC")] * 8
)
# The example's published matrix of pairwise preferences d[X, Y] and strongest paths p[X, Y].
PUBLISHED_D = [
    [0, 20, 26, 30, 22],
    [25, 0, 16, 33, 18],
    [19, 29, 0, 17, 24],
    [15, 12, 28, 0, 14],
    [23, 27, 21, 31, 0],
]
PUBLISHED_P = [
    [0, 28, 28, 30, 24],
    [25, 0, 28, 33, 24],
    [25, 29, 0, 29, 24],
    [25, 28, 28, 0, 24],
    [25, 28, 28, 31, 0],
]


def test_schulze_reproduces_the_wikipedia_example():
    result = schulze(WIKIPEDIA_SCHULZE, candidates="ABCDE")
    assert result.preferences == tuple(map(tuple, PUBLISHED_D))
    assert result.strongest_paths == tuple(map(tuple, PUBLISHED_P))
    assert result.ranking == tuple("EACBD")
    assert result.places == (("E",), ("A",), ("C",), ("B",), ("D",))
    assert result.tie_broken == ()
    assert result.ballots == 45
    assert result.preference("E", "D") == 31


# Wikipedia, "Borda count" and "Condorcet method": choosing Tennessee's capital, per 100 voters.
TENNESSEE = (
    [["Memphis", "Nashville", "Chattanooga", "Knoxville"]] * 42
    + [["Nashville", "Chattanooga", "Knoxville", "Memphis"]] * 26
    + [["Chattanooga", "Knoxville", "Nashville", "Memphis"]] * 15
    + [["Knoxville", "Chattanooga", "Nashville", "Memphis"]] * 17
)
CITIES = ("Memphis", "Nashville", "Chattanooga", "Knoxville")


def test_borda_reproduces_the_tennessee_capital_example():
    result = borda(TENNESSEE, candidates=CITIES)
    assert result.points == {"Nashville": 194, "Chattanooga": 173, "Memphis": 126, "Knoxville": 107}
    assert result.ranking == ("Nashville", "Chattanooga", "Memphis", "Knoxville")
    assert result.preference("Nashville", "Memphis") == 58


def test_schulze_elects_the_condorcet_winner_of_the_tennessee_example():
    assert schulze(TENNESSEE, candidates=CITIES).ranking[0] == "Nashville"


def test_borda_partial_ballots_average_shares_the_remaining_points():
    result = borda([["a"], ["b", "c"]], candidates="abcd")
    # Ballot 1: a 3, b c d (2+1+0)/3 each. Ballot 2: b 3, c 2, a d (1+0)/2 each.
    assert result.points == {"a": 3.5, "b": 4.0, "c": 3.0, "d": 1.5}
    assert result.ranking == tuple("bacd")


def test_borda_partial_ballots_zero_gives_unranked_entries_nothing():
    result = borda([["a"], ["b", "c"]], candidates="abcd", partial="zero")
    assert result.points == {"a": 3.0, "b": 3.0, "c": 2.0, "d": 0.0}
    assert result.places == (("a", "b"), ("c",), ("d",))


def test_entries_a_juror_ranks_equal_share_the_points_of_their_places():
    result = borda([["a", {"b", "c"}, "d"]], candidates="abcd")
    assert result.points == {"a": 3.0, "b": 1.5, "c": 1.5, "d": 0.0}
    assert result.preference("b", "c") == 0 and result.preference("a", "b") == 1


def test_a_declared_order_breaks_ties_and_records_which_entries_were_tied():
    ballots = [["a", "b", "c"], ["b", "a", "c"]]
    shared = borda(ballots, candidates="abc")
    assert shared.places == (("a", "b"), ("c",))
    assert shared.ranks == {"a": 1, "b": 1, "c": 3}
    declared = borda(ballots, candidates="abc", tie_break=["c", "b", "a"])
    assert declared.places == (("b",), ("a",), ("c",))
    assert declared.tie_broken == (("a", "b"),)
    assert declared.ranks == {"b": 1, "a": 2, "c": 3}


def test_schulze_ties_follow_the_declared_rule():
    # A Condorcet cycle a > b > c > a with equal margins: Schulze leaves all three equal.
    ballots = [list("abc"), list("bca"), list("cab")]
    assert schulze(ballots, candidates="abc").places == (("a", "b", "c"),)
    declared = schulze(ballots, candidates="abc", tie_break=list("cab"))
    assert declared.ranking == tuple("cab")
    assert declared.tie_broken == (("a", "b", "c"),)


def test_schulze_by_borda_lets_the_borda_count_order_a_tie_and_shares_what_it_cannot():
    # a and b beat each other twice and no path links them: Schulze leaves them equal at the top.
    # Borda: a 3+3+0+2 = 8, b 2+2+3+3 = 10, c 1+0+2+1 = 4, d 0+1+1+0 = 2, so b goes first.
    ballots = [list("abcd"), list("abdc"), list("bcda"), list("bacd")]
    assert schulze(ballots, candidates="abcd").places[0] == ("a", "b")
    by_borda = schulze(ballots, candidates="abcd", tie_break="borda")
    assert by_borda.points == {"a": 8, "b": 10, "c": 4, "d": 2}
    assert by_borda.places[:2] == (("b",), ("a",))
    assert by_borda.tie_broken[0] == ("a", "b")
    # Here a and b are equal on both counts, so they still share first place.
    even = [list("abcd"), list("bacd"), list("acbd"), list("bdac")]
    assert schulze(even, candidates="abcd", tie_break="borda").places[0] == ("a", "b")


def test_relabelling_and_reordering_candidates_changes_nothing():
    rename = dict(zip("ABCDE", ["delta", "alpha", "echo", "bravo", "charlie"], strict=True))
    ballots = [[rename[c] for c in b] for b in reversed(WIKIPEDIA_SCHULZE)]
    result = schulze(ballots, candidates=sorted(rename.values()))
    assert result.ranking == tuple(rename[c] for c in "EACBD")
    borda_plain = borda(WIKIPEDIA_SCHULZE, candidates="ABCDE")
    borda_renamed = borda(ballots, candidates=sorted(rename.values()))
    assert {rename[c]: v for c, v in borda_plain.points.items()} == borda_renamed.points


@pytest.mark.parametrize(
    ("ballots", "message"),
    [([["a", "z"]], "not a candidate"), ([["a", "b", "a"]], "ranks 'a' twice")],
)
def test_bad_ballots_are_refused_with_their_number(ballots, message):
    with pytest.raises(ValueError, match=message):
        schulze(ballots, candidates="abc")


def test_a_declared_tie_order_must_cover_every_candidate():
    with pytest.raises(ValueError, match="every candidate"):
        borda([["a", "b"]], candidates="abc", tie_break=["a", "b"])
    with pytest.raises(ValueError, match="tie rule"):
        borda([["a", "b"]], candidates="abc", tie_break="borda")

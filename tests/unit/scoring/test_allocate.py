"""Prizes to entries by their rules: places, cash limit per entity, best non-winner, all winners, by hand."""

from scoring.allocate import Candidate, PrizeInfo, allocate


def candidate(id_: int, *, entity: str | None = None, track: str = "AGR", area: str = "NORD") -> Candidate:
    return Candidate(id=id_, entity=entity or f"E{id_}", entity_name=f"Entity {id_}", title=f"Project {id_}",
                     track=track, area=area, place=id_, score=10.0 - id_, to_be_incorporated=False)


def prize(id_: int, *, kind: str = "cash_grant", amount: float | None = 10_000, quantity: int = 1,
          **target) -> PrizeInfo:
    return PrizeInfo(id=id_, code=f"P{id_}", name={}, kind=kind, amount_eur=amount, quantity=quantity,
                     target=dict(target), conditions=(), sponsor=None)


RANKING = [candidate(1, track="AGR"), candidate(2, track="PAT"), candidate(3, track="AGR"), candidate(4, track="PAT")]


def given(slots) -> list[tuple[str, int | None, str]]:
    return [(s.prize.code, s.application.id if s.application else None, s.rule) for s in slots]


def test_places_go_down_the_ranking_and_a_second_place_prize_skips_the_first():
    slots = allocate([prize(1, rank=1), prize(2, rank=2)], RANKING, cash_limit=None)
    assert given(slots) == [("P1", 1, "rank"), ("P2", 2, "rank")]
    assert [c.id for c in slots[0].choices] == [1, 2, 3, 4]  # the pool it was chosen from, for the organiser


def test_a_place_within_a_track_counts_only_that_tracks_entries():
    slots = allocate([prize(1, rank=1, track="PAT"), prize(2, rank=2, track="AGR")], RANKING, cash_limit=None)
    assert given(slots) == [("P1", 2, "rank"), ("P2", 3, "rank")]


def test_the_cash_limit_per_entity_passes_a_cash_prize_to_the_next_place():
    ranking = [candidate(1, entity="SAME"), candidate(2, entity="SAME"), candidate(3)]
    prizes = [prize(1, rank=1), prize(2, rank=1), prize(3, rank=1, kind="incubation", amount=None)]
    slots = allocate(prizes, ranking, cash_limit=1)
    assert given(slots) == [("P1", 1, "rank"), ("P2", 3, "rank"), ("P3", 1, "rank")]
    assert given(allocate(prizes, ranking, cash_limit=None)) == [("P1", 1, "rank"), ("P2", 1, "rank"),
                                                                 ("P3", 1, "rank")]


def test_a_prize_with_several_places_gives_each_to_the_next_entry():
    slots = allocate([prize(1, rank=1, quantity=3)], RANKING, cash_limit=None)
    assert given(slots) == [("P1", 1, "rank"), ("P1", 2, "rank"), ("P1", 3, "rank")]


def test_places_beyond_the_ranking_go_to_nobody():
    slots = allocate([prize(1, rank=2, track="AGR", quantity=2)], RANKING, cash_limit=None)
    assert given(slots) == [("P1", 3, "rank"), ("P1", None, "nobody")]
    assert [c.id for c in slots[1].choices] == [1]


def test_best_non_winner_all_winners_and_by_hand_follow_the_places():
    prizes = [prize(4, kind="mentorship_package", amount=None, scope="finalists", quantity=2),
              prize(3, kind="incubation", amount=None, scope="all_winners"),
              prize(2, best_non_winner=True),
              prize(1, rank=1)]
    slots = allocate(prizes, RANKING, cash_limit=None)
    assert given(slots) == [("P1", 1, "rank"), ("P2", 2, "best_non_winner"), ("P3", 1, "all_winners"),
                            ("P4", None, "by_hand"), ("P4", None, "by_hand")]
    assert [c.id for c in slots[-1].choices] == [1, 2, 3, 4]


def test_best_non_winner_without_anyone_left_goes_to_nobody():
    slots = allocate([prize(1, rank=1), prize(2, best_non_winner=True)], RANKING[:1], cash_limit=None)
    assert given(slots) == [("P1", 1, "rank"), ("P2", None, "nobody")]


def test_confirmed_awards_count_towards_the_limit_and_make_their_holders_winners():
    first, second = prize(1, rank=1), prize(2, rank=1)
    slots = allocate([first, second, prize(3, best_non_winner=True, kind="incubation", amount=None)], RANKING,
                     cash_limit=1, held=[(first, RANKING[1])])
    # P1 is already held (by entry 2, confirmed by hand); entry 2 may not take a second cash prize.
    assert given(slots) == [("P2", 1, "rank"), ("P3", 3, "best_non_winner")]


def test_the_same_inputs_give_the_same_allocation():
    prizes = [prize(1, rank=1), prize(2, best_non_winner=True), prize(3, scope="all_winners", kind="incubation")]
    assert allocate(prizes, RANKING, cash_limit=1) == allocate(prizes, RANKING, cash_limit=1)

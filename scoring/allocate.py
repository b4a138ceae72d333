"""Prizes to entries by their rules: places in a ranking, the best non-winner, every winner, or by hand.

A prize's target names a place (`rank`, counted within its track or area when it names one),
`best_non_winner`, or a scope (`all_winners`, `finalists`). A cap on cash prizes per entity
makes the next place take a cash prize its holder cannot. Plain data in, plain data out.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

CASH_KINDS = ("cash_grant", "audience_award")


@dataclass(frozen=True)
class Candidate:
    id: int
    entity: str  # one key per entity (its tax code, say), for the cash limit
    entity_name: str
    title: str
    track: str
    area: str
    place: int  # 1-based place in the ranking
    score: float | None
    to_be_incorporated: bool


@dataclass(frozen=True)
class PrizeInfo:
    id: int
    code: str
    name: dict[str, str]
    kind: str
    amount_eur: float | None
    quantity: int
    target: dict[str, Any]
    conditions: tuple[str, ...]
    sponsor: str | None

    @property
    def cash(self) -> bool:
        return self.kind in CASH_KINDS and (self.amount_eur or 0) > 0


@dataclass(frozen=True)
class Slot:
    """One proposed award: the prize, who would get it (None: choose by hand), and the rule that chose them."""

    prize: PrizeInfo
    application: Candidate | None
    rule: str
    choices: tuple[Candidate, ...] = ()


def allocate(prizes: list[PrizeInfo], ranking: list[Candidate], *, cash_limit: int | None,
             held: Iterable[tuple[PrizeInfo, Candidate]] = ()) -> list[Slot]:
    """The rules applied in order: places, best non-winners, prizes for all winners, then those chosen by hand.

    `ranking` is best first. `held` are awards already confirmed: they count towards the cash limit and
    make their holders winners.
    """
    state = _Allocation(ranking=ranking, cash_limit=cash_limit)
    for prize, candidate in held:
        state.hold(prize, candidate)
    placed = [p for p in prizes if p.target.get("rank") is not None or not (
        p.target.get("scope") or p.target.get("best_non_winner"))]
    for prize in placed:
        state.give_places(prize)
    for prize in (p for p in prizes if p.target.get("best_non_winner") and p not in placed):
        state.give_best_non_winner(prize)
    for prize in (p for p in prizes if p.target.get("scope") == "all_winners" and p not in placed):
        state.give_all_winners(prize)
    for prize in (p for p in prizes if p.target.get("scope") == "finalists" and p not in placed):
        state.leave_by_hand(prize)
    return state.slots


@dataclass
class _Allocation:
    """What is given so far: cash prizes per entity, winners in the order they won, each prize's holders."""

    ranking: list[Candidate]
    cash_limit: int | None
    cash_count: Counter[str] = field(default_factory=Counter)
    winners: list[Candidate] = field(default_factory=list)
    given: dict[int, set[int]] = field(default_factory=dict)
    slots: list[Slot] = field(default_factory=list)

    def hold(self, prize: PrizeInfo, candidate: Candidate) -> None:
        self.cash_count[candidate.entity] += prize.cash
        self.given.setdefault(prize.id, set()).add(candidate.id)
        if prize.target.get("rank") is not None and candidate not in self.winners:
            self.winners.append(candidate)

    def open_places(self, prize: PrizeInfo) -> int:
        return max(prize.quantity - len(self.given.get(prize.id, ())), 0)

    def pool(self, prize: PrizeInfo) -> list[Candidate]:
        """Who may still get the prize, best first: in its track and area, under the cash limit, not holding it."""
        target = prize.target
        return [c for c in self.ranking
                if (not target.get("track") or c.track == target["track"])
                and (not target.get("area") or c.area == target["area"])
                and not (prize.cash and self.cash_limit is not None and self.cash_count[c.entity] >= self.cash_limit)
                and c.id not in self.given.get(prize.id, set())]

    def give(self, prize: PrizeInfo, candidate: Candidate, rule: str) -> None:
        choices = tuple(self.pool(prize))
        self.cash_count[candidate.entity] += prize.cash
        self.given.setdefault(prize.id, set()).add(candidate.id)
        self.slots.append(Slot(prize=prize, application=candidate, rule=rule, choices=choices))

    def give_places(self, prize: PrizeInfo) -> None:
        rank = int(prize.target.get("rank") or 1)
        for _i in range(self.open_places(prize)):
            candidates = self.pool(prize)
            index = rank - 1  # the place taken is out of the pool now, so the next one moves up to it
            if index >= len(candidates):
                self.slots.append(Slot(prize=prize, application=None, rule="nobody", choices=tuple(candidates)))
                continue
            chosen = candidates[index]
            self.give(prize, chosen, "rank")
            if chosen not in self.winners:
                self.winners.append(chosen)

    def give_best_non_winner(self, prize: PrizeInfo) -> None:
        for _i in range(self.open_places(prize)):
            candidates = [c for c in self.pool(prize) if c not in self.winners]
            if candidates:
                self.give(prize, candidates[0], "best_non_winner")
            else:
                self.slots.append(Slot(prize=prize, application=None, rule="nobody", choices=()))

    def give_all_winners(self, prize: PrizeInfo) -> None:
        for winner in self.winners:
            if winner in self.pool(prize):
                self.give(prize, winner, "all_winners")

    def leave_by_hand(self, prize: PrizeInfo) -> None:
        for _i in range(self.open_places(prize)):
            self.slots.append(Slot(prize=prize, application=None, rule="by_hand", choices=tuple(self.pool(prize))))

"""The plain data that goes into and comes out of the assignment engine.

The engine is generic: "entries" are whatever gets reviewed and "reviewers" whoever reviews
them, so a round assigns jurors to entries and the mentoring phase matches mentors to
finalists with the same code (one reviewer per entry).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Entry:
    """Something to review; a reviewer is a track expert for it when they list its track."""

    id: Hashable
    track: str | None = None
    language: str | None = None


@dataclass(frozen=True, slots=True)
class Reviewer:
    """A juror in a round, or a mentor in the mentoring phase, with the load they accept."""

    id: Hashable
    tracks: frozenset[str] = frozenset()
    organisation: str | None = None
    languages: frozenset[str] = frozenset()
    min_load: int = 0
    max_load: int = field(kw_only=True)  # no default: a forgotten cap would silently mean "none" or "all"


@dataclass(frozen=True, slots=True)
class Conflict:
    """A pair that must never be assigned, with the rule that found it (kept for the report)."""

    entry: Hashable
    reviewer: Hashable
    rule: str


@dataclass(frozen=True, slots=True)
class Affinity:
    """An explicit affinity for one pair, from a table (e.g. text similarity or mutual preference)."""

    entry: Hashable
    reviewer: Hashable
    value: float


@dataclass(frozen=True, slots=True)
class AffinityTable:
    """Explicit affinities as three columns of equal length, instead of one `Affinity` per pair.

    A table read from a file can hold hundreds of thousands of pairs: columns cost a list each, where pairs would
    cost an object each, to make and then to take apart again. Iterating gives the `Affinity` rows.
    """

    entry: Sequence[Hashable]
    reviewer: Sequence[Hashable]
    value: Sequence[float]

    def __len__(self) -> int:
        return len(self.entry)

    def __iter__(self) -> Iterator[Affinity]:
        return map(Affinity, self.entry, self.reviewer, self.value)


@dataclass(frozen=True, slots=True)
class Bid:
    """A reviewer's stated interest in an entry, added to the pair's affinity (negative to avoid)."""

    entry: Hashable
    reviewer: Hashable
    weight: float


@dataclass(frozen=True, slots=True)
class AffinityRule:
    """How a pair's affinity is made: track expertise, then bids, then the table.

    `table_mode="replace"` lets a table value stand for the pair; `"add"` adds it to the rest.
    """

    expert: float = 1.0
    base: float = 0.1
    table_mode: str = "replace"

    def __post_init__(self) -> None:
        if self.table_mode not in ("replace", "add"):
            raise ValueError(f"table_mode must be 'replace' or 'add', not {self.table_mode!r}")


@dataclass(frozen=True, slots=True)
class Assigned:
    """One reviewer on one entry; `kept` marks a pair carried over unchanged from an earlier run."""

    entry: Hashable
    reviewer: Hashable
    affinity: float
    expert: bool
    kept: bool = False


@dataclass(frozen=True, slots=True)
class Released:
    """An existing pair that could not be kept, and why (conflict, reviewer gone, ...)."""

    entry: Hashable
    reviewer: Hashable
    reason: str


@dataclass(frozen=True, slots=True)
class SideStatus:
    """Whether a side constraint chosen for the round holds in the result."""

    name: str
    met: bool
    detail: str


@dataclass(frozen=True, slots=True)
class Assignment:
    """The engine's answer: the pairs, how good they are against the bound, and what it avoided.

    `bound` is the optimum of the relaxed problem (the LP, or the flow that drops the coupling
    between side constraints); `gap` is (bound - objective) / bound, 0 when proven optimal.
    """

    pairs: tuple[Assigned, ...]
    objective: float
    bound: float
    gap: float
    loads: Mapping[Hashable, int]
    avoided: Mapping[Hashable, tuple[Conflict, ...]]
    sides: tuple[SideStatus, ...]
    released: tuple[Released, ...] = ()
    kept: int = 0
    moved: int = 0
    method: str = "flow"
    stats: Mapping[str, float] = field(default_factory=dict)

    def reviewers_of(self, entry: Hashable) -> tuple[Hashable, ...]:
        return tuple(p.reviewer for p in self.pairs if p.entry == entry)


@dataclass(frozen=True, slots=True)
class Obstacle:
    """One reason why no assignment can exist, naming the constraint and who it concerns."""

    constraint: str
    message: str
    entries: tuple[Hashable, ...] = ()
    reviewers: tuple[Hashable, ...] = ()


class AssignmentInfeasible(Exception):
    """Raised instead of an assignment when the constraints cannot all hold; carries every obstacle."""

    def __init__(self, obstacles: tuple[Obstacle, ...]):
        self.obstacles = obstacles
        super().__init__("; ".join(o.message for o in obstacles))

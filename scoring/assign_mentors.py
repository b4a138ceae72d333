"""Mutual affinity for matching mentors to finalists with the assignment engine (one mentor each).

Both sides rank the other; a pair scores highest when each ranks the other first. Pass the
result as `affinities` to `scoring.assign.assign` with `per_entry=1` and an `AffinityRule`
whose track terms are zero, plus conflicts such as "mentor judged this entry".
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence

from scoring.assign_model import Affinity


def mutual_affinities(
    *,
    finalist_choices: Mapping[Hashable, Sequence[Hashable]],
    mentor_choices: Mapping[Hashable, Sequence[Hashable]],
    finalist_weight: float = 0.5,
) -> tuple[Affinity, ...]:
    """Affinity of (finalist, mentor) = w·score of the finalist's choice + (1−w)·score of the mentor's.

    A choice ranked r-th of n scores (n − r + 1) / n, an unranked one 0; so a pair that only
    one side ranked still counts, and the order of each list matters.
    """
    if not 0.0 <= finalist_weight <= 1.0:
        raise ValueError(f"finalist_weight must lie in [0, 1], not {finalist_weight}")
    for side in (finalist_choices, mentor_choices):
        for who, choices in side.items():
            if len(set(choices)) != len(choices):
                raise ValueError(f"{who!r} ranks the same choice twice")
    score: dict[tuple[Hashable, Hashable], float] = {}
    for finalist, mentors in finalist_choices.items():
        for rank, mentor in enumerate(mentors):
            key = (finalist, mentor)
            score[key] = score.get(key, 0.0) + finalist_weight * (len(mentors) - rank) / len(mentors)
    for mentor, finalists in mentor_choices.items():
        for rank, finalist in enumerate(finalists):
            key = (finalist, mentor)
            score[key] = score.get(key, 0.0) + (1 - finalist_weight) * (len(finalists) - rank) / len(
                finalists
            )
    return tuple(Affinity(f, m, value) for (f, m), value in sorted(score.items(), key=lambda kv: str(kv[0])))

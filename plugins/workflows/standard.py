"""The jury workflows every edition can use: what the juror does, and how the round's results are computed."""

from __future__ import annotations

import numpy as np

from core.hookspecs import hookimpl
from core.plugin_api import ResultRow, RoundData, RoundResults, WorkflowDefinition
from scoring.leaderboard import build_leaderboard
from scoring.normalise import DEFAULT_METHOD
from scoring.reviews import Reviews


def compute_rubric(data: RoundData) -> RoundResults:
    """Submitted rubric reviews, calibrated by the round's method, ranked per group with intervals."""
    submitted = [r for r in data.reviews if r.status == "submitted" and r.total is not None]
    if data.rubric is None or not submitted:
        return RoundResults(method="none", rows=tuple(
            ResultRow(entry=e, group=data.groups.get(e, ""), rank=None, score=None, n=0, flags=("no_reviews",))
            for e in data.entries))
    codes = [c.code for c in data.rubric.criteria]
    reviews = Reviews.from_records(((r.entry, r.juror, r.total) for r in submitted), entries=data.entries)
    values = np.array([[np.nan if r.values.get(code) is None else r.values[code] for code in codes]
                       for r in submitted], dtype=float).reshape(len(submitted), len(codes))
    method = data.settings.get("normalisation") or DEFAULT_METHOD
    top = data.settings.get("top_n")
    rows = build_leaderboard(
        reviews, rubric=data.rubric, codes=codes, values=values,
        groups=[data.groups.get(e, "") for e in reviews.entries] if data.settings.get("by_group") else None,
        method=method, top=int(top) if top else None, replicates=int(data.settings.get("replicates", 1000)),
        seed=data.seed, progress=data.progress,
    )
    return RoundResults(method=method, rows=tuple(
        ResultRow(entry=int(row.entry), group=str(row.group or ""), rank=row.rank, score=row.score,
                  n=row.n_reviews, low=row.ci_low, high=row.ci_high, rank_low=row.rank_low, rank_high=row.rank_high,
                  p_top=row.p_top, flags=row.flags)
        for row in rows))


WORKFLOWS = [
    WorkflowDefinition(
        name="checklist",
        label={"it": "Checklist di ammissibilità", "en": "Admissibility checklist"},
        round_kinds=("admissibility",),
        description={"it": "Voci superato/non superato con motivazione; secondo revisore facoltativo.",
                     "en": "Pass/fail items with reasons; optional second reviewer."},
        juror_task="checklist",
    ),
    WorkflowDefinition(
        name="rubric",
        label={"it": "Valutazione con griglia, indipendente", "en": "Rubric scoring, independent"},
        round_kinds=("screening", "final_pitch"),
        juror_task="rubric",
        compute=compute_rubric,
    ),
    WorkflowDefinition(
        name="consensus",
        label={"it": "Indipendente, poi consenso", "en": "Independent, then consensus"},
        round_kinds=("screening", "final_pitch"),
        juror_task="rubric",
    ),
    WorkflowDefinition(
        name="pairwise",
        label={"it": "Confronti a coppie", "en": "Pairwise comparison"},
        round_kinds=("screening", "final_pitch"),
        juror_task="pairwise",
    ),
    WorkflowDefinition(
        name="ranked-vote",
        label={"it": "Voto a classifica", "en": "Ranked vote"},
        round_kinds=("final_pitch",),
        juror_task="ranking",
    ),
]


@hookimpl(trylast=True)
def giuria_workflows() -> list[WorkflowDefinition]:
    return list(WORKFLOWS)

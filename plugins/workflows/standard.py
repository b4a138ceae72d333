"""The jury workflows every edition can use: what the juror does, and how the round's results are computed."""

from __future__ import annotations

import dataclasses
from collections import defaultdict

import numpy as np

from core.hookspecs import hookimpl
from core.plugin_api import ResultRow, RoundData, RoundResults, WorkflowDefinition
from plugins.workflows.comparative import compute_pairwise, compute_ranked_vote
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


def compute_checklist(data: RoundData) -> RoundResults:
    """Each entry's admissibility from its submitted checklists, for the organiser to confirm.

    Agreeing reviewers decide (admissible or not_admissible); reviewers who differ, or one asking
    for a second look, make the entry `disputed`; with `second_reviewer` set, an entry stays
    `pending` until two reviewers have submitted. The reasons are the failed items, each with the
    reviewer's words, so the organiser can write to the applicant from them.
    """
    needed = 2 if data.settings.get("second_reviewer") else 1
    submitted: dict[int, list] = defaultdict(list)
    for checklist in data.checklists:
        if checklist.get("status") == "submitted":
            submitted[checklist["entry"]].append(checklist)
    rows = []
    for entry in data.entries:
        given = submitted.get(entry, [])
        outcomes = [c.get("outcome", "") for c in given]
        failed = sorted({code for c in given for code, answer in (c.get("items") or {}).items()
                         if answer.get("passed") is False})
        reasons = tuple(f"{code}: {answer.get('reason', '')}" for c in given
                        for code, answer in sorted((c.get("items") or {}).items()) if answer.get("passed") is False)
        flags = [f"failed:{code}" for code in failed]
        if len(given) < needed:
            outcome = "pending"
            if given:
                flags.append("awaiting_second_reviewer")
        elif "second_look" in outcomes:
            outcome = "disputed"
            flags.append("second_look")
        elif len(set(outcomes)) > 1:
            outcome = "disputed"
            flags.append("reviewers_disagree")
        else:
            outcome = outcomes[0]
        rows.append(ResultRow(entry=entry, group=data.groups.get(entry, ""), rank=None, score=None, n=len(given),
                              flags=tuple(flags), outcome=outcome, reasons=reasons))
    return RoundResults(method="checklist", rows=tuple(rows))


def compute_consensus(data: RoundData) -> RoundResults:
    """The calibrated rubric results, with the chair's consensus score in place of the calibrated one where set.

    Entries are re-ranked within their group on the resulting scores (earlier order breaks ties).
    An entry with a consensus score has no interval: it is a decision, not an estimate; the others
    keep the intervals of the calibrated bootstrap.
    """
    base = compute_rubric(data)
    if not data.consensus:
        return base
    rows = [dataclasses.replace(row, score=float(data.consensus[row.entry]), low=None, high=None, rank_low=None,
                                rank_high=None, p_top=None, flags=(*row.flags, "consensus"))
            if row.entry in data.consensus else row for row in base.rows]
    groups: dict[str, list[ResultRow]] = {}
    for row in rows:
        groups.setdefault(row.group, []).append(row)
    ranked_rows = []
    for members in groups.values():
        ranked = sorted((r for r in members if r.rank is not None and r.score is not None),
                        key=lambda r: (-r.score, r.rank))
        previous = None
        for position, row in enumerate(ranked, start=1):
            shared = previous is not None and row.score == previous[0].score and row.rank == previous[0].rank
            rank = previous[1] if shared else position
            ranked_rows.append(dataclasses.replace(row, rank=rank))
            previous = (row, rank)
        ranked_rows += [r for r in members if r.rank is None or r.score is None]
    return RoundResults(method=base.method, rows=tuple(ranked_rows), notes=(
        *base.notes, "consensus scores replace calibrated scores; intervals are from the calibrated bootstrap"))


WORKFLOWS = [
    WorkflowDefinition(
        name="checklist",
        label={"it": "Checklist di ammissibilità", "en": "Admissibility checklist"},
        round_kinds=("admissibility",),
        description={"it": "Voci superato/non superato con motivazione; secondo revisore facoltativo.",
                     "en": "Pass/fail items with reasons; optional second reviewer."},
        juror_task="checklist",
        compute=compute_checklist,
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
        description={"it": "Ognuno valuta da solo; il presidente discute le proposte su cui la giuria è divisa "
                           "e può fissare un punteggio di consenso motivato.",
                     "en": "Each juror scores alone; the panel chair discusses the entries the jurors disagree "
                           "on and may set a consensus score with a written reason."},
        juror_task="rubric",
        compute=compute_consensus,
        has_consensus_step=True,
    ),
    WorkflowDefinition(
        name="pairwise",
        label={"it": "Confronti a coppie", "en": "Pairwise comparison"},
        round_kinds=("screening", "final_pitch"),
        juror_task="pairwise",
        compute=compute_pairwise,
    ),
    WorkflowDefinition(
        name="ranked-vote",
        label={"it": "Voto a classifica", "en": "Ranked vote"},
        round_kinds=("final_pitch",),
        juror_task="ranking",
        compute=compute_ranked_vote,
    ),
]


@hookimpl(trylast=True)
def giuria_workflows() -> list[WorkflowDefinition]:
    return list(WORKFLOWS)

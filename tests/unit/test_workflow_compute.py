"""The built-in checklist and consensus computes, on plain round data."""

from core.plugin_api import ReviewData, RoundData
from plugins.workflows.standard import compute_checklist, compute_consensus, compute_rubric
from scoring.rubric import Criterion, Rubric

RUBRIC = Rubric(name="r", label={"en": "R"}, criteria=(Criterion("a", {"en": "A"}, min=1, max=5),))


def checklist(entry, juror, outcome, failed=(), status="submitted"):
    return {"entry": entry, "juror": juror, "status": status, "outcome": outcome,
            "items": {code: {"passed": False, "reason": f"no {code}"} for code in failed}}


def test_checklist_outcomes_follow_the_reviewers():
    data = RoundData(round_code="R0", kind="admissibility", rubric=None, settings={"second_reviewer": True},
                     entries=(1, 2, 3, 4, 5), groups={}, checklists=(
                         checklist(1, 10, "admissible"), checklist(1, 11, "admissible"),
                         checklist(2, 10, "not_admissible", ["legal_form"]), checklist(2, 11, "admissible"),
                         checklist(3, 10, "not_admissible", ["deadline"]),
                         checklist(3, 11, "not_admissible", ["deadline"], status="draft"),
                         checklist(4, 10, "second_look"), checklist(4, 11, "admissible"),
                         checklist(5, 10, "not_admissible", ["deadline"]),
                         checklist(5, 11, "not_admissible", ["deadline", "documents"])))
    rows = {row.entry: row for row in compute_checklist(data).rows}
    assert {e: rows[e].outcome for e in rows} == {1: "admissible", 2: "disputed", 3: "pending", 4: "disputed",
                                                  5: "not_admissible"}
    assert rows[2].reasons == ("legal_form: no legal_form",) and "reviewers_disagree" in rows[2].flags
    assert rows[3].flags == ("failed:deadline", "awaiting_second_reviewer") and rows[3].n == 1
    assert rows[5].reasons == ("deadline: no deadline", "deadline: no deadline", "documents: no documents")
    assert all(row.rank is None and row.score is None for row in rows.values())


def test_a_consensus_score_replaces_the_calibrated_one_and_the_ranks_follow():
    reviews = tuple(ReviewData(entry=e, juror=j, status="submitted", total=t, values={"a": t})
                    for e, j, t in ((1, 10, 4.0), (1, 11, 4.0), (2, 10, 3.0), (2, 11, 3.0), (3, 10, 1.0),
                                    (3, 11, 5.0)))
    data = RoundData(round_code="R1", kind="screening", rubric=RUBRIC, settings={"normalisation": "none",
                                                                                  "replicates": 0},
                     entries=(1, 2, 3), groups={}, reviews=reviews, consensus={3: 4.5})
    assert [(row.entry, row.rank, row.score) for row in compute_rubric(data).rows] == [
        (1, 1, 4.0), (2, 2, 3.0), (3, 2, 3.0)]
    rows = compute_consensus(data).rows
    assert [(row.entry, row.rank, row.score) for row in rows] == [(3, 1, 4.5), (1, 2, 4.0), (2, 3, 3.0)]
    assert "consensus" in rows[0].flags and rows[0].low is None
    no_consensus = RoundData(**{**data.__dict__, "consensus": {}})
    assert compute_consensus(no_consensus) == compute_rubric(no_consensus)

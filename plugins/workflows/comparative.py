"""Results of rounds judged by comparing entries rather than scoring them: pairwise choices and ranked votes.

Both compute through `scoring/` only: Crowd-BT (or plain Bradley–Terry) for pairwise choices,
Borda or Schulze with the round's declared tie rule for ranked ballots.
"""

from __future__ import annotations

from collections import Counter

from core.plugin_api import ResultRow, RoundData, RoundResults
from scoring.pairwise import fit_bradley_terry, fit_crowd_bt
from scoring.votes import borda, schulze

PAIRWISE_MODELS = ("crowd_bt", "bradley_terry")
VOTE_METHODS = ("borda", "schulze")
Z_95 = 1.959963984540054


def _unranked(data: RoundData, method: str, flag: str) -> RoundResults:
    return RoundResults(method=method, rows=tuple(
        ResultRow(entry=e, group=data.groups.get(e, ""), rank=None, score=None, n=0, flags=(flag,))
        for e in data.entries))


def compute_pairwise(data: RoundData) -> RoundResults:
    """Strengths fitted from the stored choices (Crowd-BT by default: one reliability per juror), ranked with
    95% intervals; entries nobody compared are listed last without a rank."""
    model = data.settings.get("pairwise_model") or "crowd_bt"
    if model not in PAIRWISE_MODELS:
        model = "crowd_bt"
    if not data.comparisons:
        return _unranked(data, model, "no_comparisons")
    if model == "bradley_terry":
        fit = fit_bradley_terry([(w, lo) for w, lo, _ in data.comparisons], entries=data.entries)
    else:
        fit = fit_crowd_bt(data.comparisons, entries=data.entries)
    counts = Counter(e for w, lo, _ in data.comparisons for e in (w, lo))
    by_group = bool(data.settings.get("by_group"))
    group_of = {e: data.groups.get(e, "") for e in data.entries}
    compared = sorted((e for e in data.entries if counts[e]),
                      key=lambda e: (group_of[e] if by_group else "", -fit.scores[e], e))
    rows, place, previous = [], {}, {}
    for entry in compared:
        key = group_of[entry] if by_group else ""
        place[key] = place.get(key, 0) + 1
        score = fit.scores[entry]
        # Equal strengths (to float noise) share a place, as in scoring.rank.
        rank = previous[key][1] if key in previous and round(previous[key][0], 9) == round(score, 9) else place[key]
        previous[key] = (score, rank)
        se = fit.standard_errors[entry]
        rows.append(ResultRow(entry=entry, group=group_of[entry], rank=rank, score=score, n=counts[entry],
                              low=score - Z_95 * se, high=score + Z_95 * se))
    rows += [ResultRow(entry=e, group=group_of[e], rank=None, score=None, n=0, flags=("no_comparisons",))
             for e in data.entries if not counts[e]]
    notes = (f"comparisons={len(data.comparisons)}",) + (() if fit.converged else ("not_converged",))
    return RoundResults(method=model, rows=tuple(rows), notes=notes)


def _tie_rule(setting, method: str, candidates: tuple[int, ...]):
    """The declared tie rule as scoring.votes takes it, or None when it cannot apply to these candidates."""
    if setting in (None, ""):
        return "shared"
    if isinstance(setting, str):
        return setting if setting in (("shared", "borda") if method == "schulze" else ("shared",)) else None
    try:
        order = [int(e) for e in setting]
    except (TypeError, ValueError):
        return None
    return order if sorted(order) == sorted(candidates) else None


def compute_ranked_vote(data: RoundData) -> RoundResults:
    """Submitted ballots counted by the round's method (Borda by default, or Schulze) and declared tie rule."""
    method = data.settings.get("vote_method") or "borda"
    if method not in VOTE_METHODS:
        method = "borda"
    ballots = [data.rankings[juror] for juror in sorted(data.rankings) if data.rankings[juror]]
    if not ballots or not data.entries:
        return _unranked(data, method, "no_ballots")
    notes = []
    tie_break = _tie_rule(data.settings.get("tie_break"), method, data.entries)
    if tie_break is None:
        notes.append("tie_break_invalid")
        tie_break = "shared"
    if method == "schulze":
        result = schulze(ballots, candidates=data.entries, tie_break=tie_break)
        paths = result.strongest_paths
        index = {e: i for i, e in enumerate(result.candidates)}
        # With no Borda points asked for, an entry's score is how many others it beats by strongest paths.
        score = result.points or {e: float(sum(paths[index[e]][j] > paths[j][index[e]] for j in range(len(paths))))
                                  for e in result.candidates}
    else:
        result = borda(ballots, candidates=data.entries, tie_break=tie_break,
                       partial="zero" if data.settings.get("partial") == "zero" else "average")
        score = result.points
    named = Counter(e for ballot in ballots for e in ballot)
    broken = {e for group in result.tie_broken for e in group}
    ranks = result.ranks
    rows = []
    for place in result.places:
        for entry in place:
            flags = ("tied",) if len(place) > 1 else ("tie_broken",) if entry in broken else ()
            rows.append(ResultRow(entry=entry, group=data.groups.get(entry, ""), rank=ranks[entry],
                                  score=float(score[entry]), n=named[entry], flags=flags))
    rule = tie_break if isinstance(tie_break, str) else "declared_order"
    notes = [f"tie_break={rule}", f"ballots={len(ballots)}", *notes]
    return RoundResults(method=result.method, rows=tuple(rows), notes=tuple(notes))

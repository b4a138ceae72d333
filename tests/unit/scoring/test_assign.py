"""The assignment engine: every result checked by an independent checker, optimality by HiGHS."""

from __future__ import annotations

from collections import Counter
from itertools import combinations

import numpy as np
import pytest
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import csr_matrix, lil_matrix

from scoring.assign import (
    Affinity,
    AffinityRule,
    AssignmentInfeasible,
    Bid,
    Conflict,
    Entry,
    Reviewer,
    assign,
    check_feasibility,
)
from scoring.assign_mentors import mutual_affinities


def make_round(seed, n=40, m=15, k=3, lo=5, hi=12, tracks=4, orgs=5, conflict_rate=0.05):
    rng = np.random.default_rng(seed)
    entries = [Entry(f"e{i}", track=f"t{rng.integers(tracks)}") for i in range(n)]
    reviewers = [
        Reviewer(
            f"r{j}",
            tracks=frozenset(f"t{t}" for t in rng.choice(tracks, size=rng.integers(1, 3), replace=False)),
            organisation=f"o{rng.integers(orgs)}",
            min_load=lo,
            max_load=hi,
        )
        for j in range(m)
    ]
    conflicts = [
        Conflict(e.id, r.id, "same organisation")
        for e in entries
        for r in reviewers
        if rng.random() < conflict_rate
    ]
    similarity = np.round(rng.random((n, m)) * 0.6, 3)
    return dict(entries=entries, reviewers=reviewers, per_entry=k, conflicts=conflicts, similarity=similarity)


def affinity_matrix(inst, rule=None):
    """The affinity every pair should get, recomputed here from the definition."""
    rule = rule or AffinityRule()
    entries, reviewers = inst["entries"], inst["reviewers"]
    a = np.zeros((len(entries), len(reviewers)))
    for i, e in enumerate(entries):
        for j, r in enumerate(reviewers):
            a[i, j] = (rule.expert if e.track in r.tracks else rule.base) + inst["similarity"][i, j]
    return a


def check(result, inst, *, keep=(), expert=False, org_cap=None):
    """Independent feasibility check of an assignment against the round's hard rules."""
    k = inst["per_entry"]
    entries = {e.id: e for e in inst["entries"]}
    reviewers = {r.id: r for r in inst["reviewers"]}
    banned = {(c.entry, c.reviewer) for c in inst["conflicts"]}
    pairs = [(p.entry, p.reviewer) for p in result.pairs]
    assert len(pairs) == len(set(pairs)), "a reviewer twice on an entry"
    per_entry = Counter(e for e, _ in pairs)
    assert all(per_entry[e] == k for e in entries), "not exactly k reviewers per entry"
    load = Counter(r for _, r in pairs)
    for r in reviewers.values():
        assert r.min_load <= load[r.id] <= r.max_load, (r.id, load[r.id])
        assert result.loads[r.id] == load[r.id]
    assert not banned & set(pairs), "a conflict was assigned"
    for pair in keep:
        if pair[1] in reviewers and pair not in banned:
            assert pair in pairs, f"kept pair {pair} was moved"
    by_entry = {e: [r for x, r in pairs if x == e] for e in entries}
    if expert:
        for e, rs in by_entry.items():
            assert any(entries[e].track in reviewers[r].tracks for r in rs), f"{e} has no expert"
    if org_cap is not None:
        for e, rs in by_entry.items():
            orgs = Counter(reviewers[r].organisation for r in rs)
            assert max(orgs.values()) <= org_cap, (e, orgs)


def exact_optimum(inst, *, expert=False, org_cap=None, keep=(), integral=True, rule=None):
    """Optimum of the full binary program by HiGHS (every pair, no flow, no sparsification).

    `integral=False` gives the LP, exact where the flow is (totally unimodular constraints).
    """
    entries, reviewers, k = inst["entries"], inst["reviewers"], inst["per_entry"]
    a = affinity_matrix(inst, rule)
    n, m = a.shape
    var = np.arange(n * m).reshape(n, m)
    banned = {(c.entry, c.reviewer) for c in inst["conflicts"]}
    e_at = {e.id: i for i, e in enumerate(entries)}
    r_at = {r.id: j for j, r in enumerate(reviewers)}
    lower, upper = np.zeros(n * m), np.ones(n * m)
    for e, r in banned:
        upper[var[e_at[e], r_at[r]]] = 0
    for e, r in keep:
        lower[var[e_at[e], r_at[r]]] = 1
    rows, lo, hi = [], [], []

    def constrain(cols, low, high):
        rows.append(np.asarray(cols))
        lo.append(low)
        hi.append(high)

    for i, e in enumerate(entries):
        constrain(var[i], k, k)
        if expert:
            constrain(var[i, [j for j, r in enumerate(reviewers) if e.track in r.tracks]], 1, np.inf)
        if org_cap is not None:
            for o in {r.organisation for r in reviewers}:
                constrain(var[i, [j for j, r in enumerate(reviewers) if r.organisation == o]], 0, org_cap)
    for j, r in enumerate(reviewers):
        constrain(var[:, j], r.min_load, r.max_load)
    indptr = np.cumsum([0] + [len(c) for c in rows])
    matrix = csr_matrix((np.ones(indptr[-1]), np.concatenate(rows), indptr), shape=(len(rows), n * m))
    res = milp(
        -a.ravel(),
        integrality=np.ones(n * m) if integral else None,
        bounds=Bounds(lower, upper),
        constraints=LinearConstraint(matrix, lo, hi),
    )
    assert res.status == 0
    return -res.fun


@pytest.mark.parametrize("seed", range(6))
def test_the_flow_finds_the_optimum_of_the_binary_program(seed):
    inst = make_round(seed)
    result = assign(**inst)
    check(result, inst)
    assert result.objective == pytest.approx(exact_optimum(inst), abs=1e-4)
    assert result.gap == 0 and result.bound == pytest.approx(result.objective)


@pytest.mark.parametrize("seed", range(4))
def test_organisation_cap_is_exact_and_honoured(seed):
    inst = make_round(seed, orgs=4)
    result = assign(**inst, org_cap=1)
    check(result, inst, org_cap=1)
    assert result.objective == pytest.approx(exact_optimum(inst, org_cap=1), abs=1e-4)
    assert result.gap == 0
    assert [s.met for s in result.sides] == [True]


@pytest.mark.parametrize("seed", range(4))
def test_expert_per_entry_is_exact_and_honoured(seed):
    inst = make_round(seed)
    # a low similarity spread and a weak expert bonus make experts worth forcing
    result = assign(**inst, expert_per_entry=True, rule=AffinityRule(expert=0.15, base=0.1))
    check(result, inst, expert=True)
    unforced = assign(**inst, rule=AffinityRule(expert=0.15, base=0.1))
    assert result.objective <= unforced.objective + 1e-9
    assert result.gap == 0


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5, 8, 13])  # plain flow, repaired flow (2-5), MIP (8)
def test_expert_and_organisation_cap_together_keep_an_honest_gap(seed):
    inst = make_round(seed, orgs=3, tracks=3)
    result = assign(**inst, expert_per_entry=True, org_cap=1)
    check(result, inst, expert=True, org_cap=1)
    best = exact_optimum(inst, expert=True, org_cap=1)
    assert result.objective <= best + 1e-4
    assert result.bound >= best - 1e-4
    assert result.objective >= best * (1 - 0.02)
    assert result.objective >= result.bound * (1 - result.gap) - 1e-6


def test_expert_and_organisation_cap_that_cannot_hold_together_say_so():
    """x is the only expert; y (same organisation) must review something, so one entry gets both."""
    entries = [Entry("A", track="t"), Entry("B", track="t")]
    reviewers = [
        Reviewer("x", tracks=frozenset({"t"}), organisation="O", max_load=2),
        Reviewer("y", organisation="O", min_load=1, max_load=2),
        Reviewer("z", organisation="P", max_load=1),
        Reviewer("w", organisation="Q", max_load=1),
    ]
    inst = dict(entries=entries, reviewers=reviewers, per_entry=2)
    check(assign(**inst, expert_per_entry=True), {**inst, "conflicts": []}, expert=True)
    check(assign(**inst, org_cap=1), {**inst, "conflicts": []}, org_cap=1)
    with pytest.raises(AssignmentInfeasible) as err:
        assign(**inst, expert_per_entry=True, org_cap=1)
    (obstacle,) = err.value.obstacles
    assert obstacle.constraint == "expert per entry + org cap"
    assert "HiGHS proved it" in obstacle.message


def test_organisation_cap_that_cannot_hold_names_that_rule():
    inst = make_round(0, orgs=3, tracks=3)  # k = 3 with 3 organisations: one of each on every entry
    with pytest.raises(AssignmentInfeasible) as err:
        assign(**inst, org_cap=1)
    assert [o.constraint for o in err.value.obstacles] == ["org cap"]
    with pytest.raises(AssignmentInfeasible) as err:
        assign(**inst, org_cap=1, expert_per_entry=True)
    assert [o.constraint for o in err.value.obstacles] == ["org cap"]


def test_pricing_proves_optimality_when_the_candidate_graph_misses_the_optimum():
    """Popular reviewers fill every entry's shortlist; the optimum needs pairs outside it."""
    rng = np.random.default_rng(7)
    n, m, k = 300, 200, 2
    entries = [Entry(f"e{i}", track="t") for i in range(n)]
    reviewers = [Reviewer(f"r{j}", min_load=0, max_load=4 if j < 40 else 3) for j in range(m)]
    sim = rng.random((n, m)) * 0.2
    sim[:, :40] += 1.0  # everyone's top 20 are among the 40 popular reviewers, who take 160 of 600 slots
    inst = dict(entries=entries, reviewers=reviewers, per_entry=k, conflicts=[], similarity=sim)
    result = assign(**inst, rule=AffinityRule(expert=0.0, base=0.0))
    check(result, inst)
    assert result.stats["candidate_pairs"] < n * m
    assert result.stats["pricing_rounds"] >= 2
    lp = _lp_optimum(sim, k, [r.max_load for r in reviewers])
    assert result.objective == pytest.approx(lp, abs=1e-3)
    assert result.gap == 0


def _lp_optimum(a, k, hi):
    n, m = a.shape
    matrix = lil_matrix((n + m, n * m))
    for i in range(n):
        matrix[i, i * m : (i + 1) * m] = 1
    for j in range(m):
        matrix[n + j, np.arange(n) * m + j] = 1
    res = milp(
        -a.ravel(),
        bounds=Bounds(0, 1),
        constraints=LinearConstraint(matrix.tocsr(), [k] * n + [0] * m, [k] * n + list(hi)),
    )
    return -res.fun


@pytest.mark.parametrize("sides", [{"org_cap": 1}, {"expert_per_entry": True}])
def test_the_priced_candidate_graph_is_optimal_with_a_side_rule_and_kept_pairs(sides):
    """Large enough for the candidate graph and pricing; checked against the LP over every pair."""
    inst = make_round(21, n=300, m=200, k=3, lo=2, hi=8, tracks=6, orgs=12)
    first = assign(**inst, **sides)
    keep = [(p.entry, p.reviewer) for p in first.pairs[::7]]
    rule = AffinityRule(expert=0.3, base=0.1)
    result = assign(**inst, **sides, keep=keep, rule=rule)
    check(result, inst, keep=keep, expert="expert_per_entry" in sides, org_cap=sides.get("org_cap"))
    assert result.stats["candidate_pairs"] < 300 * 200
    assert result.kept == len(keep) and result.moved == 0
    best = exact_optimum(
        inst,
        expert="expert_per_entry" in sides,
        org_cap=sides.get("org_cap"),
        keep=keep,
        integral=False,
        rule=rule,
    )
    assert result.objective == pytest.approx(best, abs=1e-3)
    assert result.gap == 0


def test_a_kept_expert_and_kept_organisation_count_towards_the_rules():
    entries = [Entry("A", track="t")]
    reviewers = [
        Reviewer("x", tracks=frozenset({"t"}), organisation="O", max_load=1),
        Reviewer("y", organisation="O", max_load=1),
        Reviewer("z", organisation="P", max_load=1),
        Reviewer("w", tracks=frozenset({"t"}), organisation="Q", max_load=1),
    ]
    result = assign(
        entries=entries,
        reviewers=reviewers,
        per_entry=2,
        keep=[("A", "x")],
        expert_per_entry=True,
        org_cap=1,
        affinities=[Affinity("A", "y", 9.0), Affinity("A", "z", 2.0)],
    )
    # y would be best but shares O with the kept x; x already is the expert, so z beats w
    assert set(result.reviewers_of("A")) == {"x", "z"}
    assert all(s.met for s in result.sides)


def test_total_capacity_below_demand_is_explained_with_the_numbers():
    inst = make_round(1, n=40, m=10, lo=0, hi=11)
    with pytest.raises(AssignmentInfeasible) as err:
        assign(**inst)
    (obstacle,) = err.value.obstacles
    assert obstacle.constraint == "capacity"
    assert "110" in obstacle.message and "120" in obstacle.message


def test_minimum_loads_above_demand_are_explained():
    inst = make_round(1, n=20, m=10, lo=7, hi=9)
    with pytest.raises(AssignmentInfeasible) as err:
        assign(**inst)
    assert [o.constraint for o in err.value.obstacles] == ["min load"]
    assert "70" in err.value.obstacles[0].message and "60" in err.value.obstacles[0].message


def test_entries_with_too_few_eligible_reviewers_are_named():
    inst = make_round(2, conflict_rate=0.0)
    inst["conflicts"] = [Conflict("e3", r.id, "sponsor employee") for r in inst["reviewers"][:13]]
    obstacles = check_feasibility(
        entries=inst["entries"], reviewers=inst["reviewers"], per_entry=3, conflicts=inst["conflicts"]
    )
    assert [o.entries for o in obstacles] == [("e3",)]
    with pytest.raises(AssignmentInfeasible, match="e3"):
        assign(**inst)


def test_track_without_eligible_expert_names_the_track_and_entries():
    inst = make_round(3)
    inst["entries"] = [*inst["entries"], Entry("lonely", track="space")]
    inst["similarity"] = np.vstack([inst["similarity"], np.zeros(len(inst["reviewers"]))])
    with pytest.raises(AssignmentInfeasible) as err:
        assign(**inst, expert_per_entry=True)
    messages = [o.message for o in err.value.obstacles if o.constraint == "expert per entry"]
    assert messages and "space" in messages[0] and "lonely" in messages[0]


def test_a_starved_group_of_entries_is_found_by_the_minimum_cut():
    """Each entry alone has enough eligible reviewers; A and B together do not."""
    entries = [Entry(x, track="t") for x in "ABCD"]
    reviewers = [Reviewer(f"r{j}", min_load=0, max_load=1 if j < 3 else 2) for j in range(8)]
    conflicts = [Conflict(e, f"r{j}", "declared") for e in "AB" for j in range(3, 8)]
    conflicts += [Conflict(e, f"r{j}", "declared") for e in "CD" for j in range(3)]
    inst = dict(
        entries=entries, reviewers=reviewers, per_entry=2, conflicts=conflicts, similarity=np.zeros((4, 8))
    )
    assert check_feasibility(entries=entries, reviewers=reviewers, per_entry=2, conflicts=conflicts) == ()
    with pytest.raises(AssignmentInfeasible) as err:
        assign(**inst)
    (obstacle,) = err.value.obstacles
    assert obstacle.constraint == "capacity"
    assert set(obstacle.entries) == {"A", "B"}
    assert "4 slots" in obstacle.message and "at most 3" in obstacle.message


def test_refill_after_a_recusal_keeps_every_other_pair_and_fills_only_the_gaps():
    inst = make_round(4, n=40, m=15, lo=4, hi=12)
    first = assign(**inst)
    gone = first.pairs[0].reviewer
    before = [(p.entry, p.reviewer) for p in first.pairs]
    inst["reviewers"] = [r for r in inst["reviewers"] if r.id != gone]
    inst["conflicts"] = [c for c in inst["conflicts"] if c.reviewer != gone]
    inst["similarity"] = inst["similarity"][
        :, [i for i, r in enumerate(make_round(4)["reviewers"]) if r.id != gone]
    ]
    second = assign(**inst, keep=before)
    check(second, inst, keep=before)
    after = {(p.entry, p.reviewer) for p in second.pairs}
    still_valid = [pair for pair in before if pair[1] != gone]
    assert set(still_valid) <= after
    assert second.kept == len(still_valid) and second.moved == 0
    assert {(r.entry, r.reviewer) for r in second.released} == {pair for pair in before if pair[1] == gone}
    new_pairs = after - set(still_valid)
    assert len(new_pairs) == len(before) - len(still_valid)
    assert {e for e, _ in new_pairs} == {e for e, r in before if r == gone}
    assert all(p.kept == ((p.entry, p.reviewer) in set(still_valid)) for p in second.pairs)


def test_refill_releases_a_kept_pair_that_is_now_a_conflict():
    inst = make_round(5)
    first = assign(**inst)
    before = [(p.entry, p.reviewer) for p in first.pairs]
    entry, reviewer = before[4]
    inst["conflicts"] = [*inst["conflicts"], Conflict(entry, reviewer, "mentor")]
    second = assign(**inst, keep=before)
    check(second, inst, keep=before)
    assert [(r.entry, r.reviewer, r.reason) for r in second.released] == [
        (entry, reviewer, "conflict: mentor")
    ]
    assert second.moved == 0 and second.kept == len(before) - 1
    assert Conflict(entry, reviewer, "mentor") in second.avoided[entry]


def test_every_entry_reports_the_conflicts_it_avoided():
    inst = make_round(6, conflict_rate=0.1)
    result = assign(**inst)
    expected = Counter(c.entry for c in inst["conflicts"])
    assert {e: len(cs) for e, cs in result.avoided.items()} == dict(expected)
    for entry, conflicts in result.avoided.items():
        assert not {c.reviewer for c in conflicts} & set(result.reviewers_of(entry))


@pytest.mark.parametrize("cap", [1, 2])
def test_pair_overlap_cap_is_met_by_the_local_search(cap):
    inst = make_round(8, n=30, m=15, lo=4, hi=8, orgs=15)
    unconstrained = assign(**inst)
    assert max(_overlap(unconstrained).values()) > cap
    result = assign(**inst, pair_cap=cap)
    check(result, inst)
    (status,) = result.sides
    assert status.met == (max(_overlap(result).values()) <= cap)
    assert status.met
    assert result.objective <= unconstrained.objective


def _overlap(result):
    by_entry: dict = {}
    for p in result.pairs:
        by_entry.setdefault(p.entry, []).append(p.reviewer)
    return Counter(tuple(sorted(pair)) for rs in by_entry.values() for pair in combinations(rs, 2))


def test_a_reviewer_who_does_not_read_the_entry_language_is_never_assigned():
    inst = make_round(9, n=20, m=12, lo=0, hi=10)
    inst["entries"] = [
        Entry(e.id, track=e.track, language="it" if i % 2 else "en") for i, e in enumerate(inst["entries"])
    ]
    inst["reviewers"] = [
        Reviewer(
            r.id,
            tracks=r.tracks,
            organisation=r.organisation,
            min_load=0,
            max_load=10,
            languages=frozenset({"it"} if j < 6 else {"en"}),
        )
        for j, r in enumerate(inst["reviewers"])
    ]
    result = assign(**inst)
    speaks = {r.id: r.languages for r in inst["reviewers"]}
    language = {e.id: e.language for e in inst["entries"]}
    assert all(language[p.entry] in speaks[p.reviewer] for p in result.pairs)
    check(result, inst)


def test_table_affinities_and_bids_steer_the_choice():
    entries = [Entry("x", track="t")]
    reviewers = [Reviewer(f"r{j}", tracks=frozenset({"t"}), max_load=1) for j in range(3)]
    plain = assign(
        entries=entries, reviewers=reviewers, per_entry=1, bids=[Bid("x", "r0", -1), Bid("x", "r1", -1)]
    )
    assert plain.reviewers_of("x") == ("r2",) and plain.objective == pytest.approx(1.0)
    table = assign(entries=entries, reviewers=reviewers, per_entry=1, affinities=[Affinity("x", "r1", 5.0)])
    assert table.reviewers_of("x") == ("r1",) and table.objective == pytest.approx(5.0)
    added = assign(
        entries=entries,
        reviewers=reviewers,
        per_entry=1,
        affinities=[Affinity("x", "r0", 0.5)],
        rule=AffinityRule(table_mode="add"),
    )
    assert added.reviewers_of("x") == ("r0",) and added.objective == pytest.approx(1.5)


def test_mentors_are_matched_one_per_finalist_by_mutual_preference():
    finalists = [Entry(f) for f in ("alpha", "beta", "gamma")]
    mentors = [Reviewer(m, min_load=0, max_load=1) for m in ("m1", "m2", "m3")]
    affinities = mutual_affinities(
        finalist_choices={"alpha": ["m1", "m2"], "beta": ["m1", "m3"], "gamma": ["m1"]},
        mentor_choices={"m1": ["gamma", "alpha"], "m2": ["alpha"], "m3": ["beta"]},
    )
    result = assign(
        entries=finalists,
        reviewers=mentors,
        per_entry=1,
        affinities=affinities,
        rule=AffinityRule(expert=0.0, base=0.0),
        conflicts=[Conflict("gamma", "m3", "judged this entry")],
    )
    assert {p.entry: p.reviewer for p in result.pairs} == {"alpha": "m2", "beta": "m3", "gamma": "m1"}
    assert result.gap == 0


def test_mutual_affinity_weighs_both_rankings():
    values = {
        (a.entry, a.reviewer): a.value
        for a in mutual_affinities(
            finalist_choices={"f": ["m1", "m2"]},
            mentor_choices={"m2": ["f"], "m3": ["g", "f"]},
            finalist_weight=0.5,
        )
    }
    assert values == {("f", "m1"): 0.5, ("f", "m2"): 0.25 + 0.5, ("f", "m3"): 0.25, ("g", "m3"): 0.5}


def test_inconsistent_input_is_rejected_with_every_fault():
    entries = [Entry("a"), Entry("a")]
    reviewers = [Reviewer("r", min_load=3, max_load=1), Reviewer("s", min_load=-1, max_load=2)]
    with pytest.raises(ValueError) as err:
        assign(
            entries=entries,
            reviewers=reviewers,
            per_entry=1,
            conflicts=[Conflict("zz", "r", "x")],
            affinities=[Affinity("a", "s", 1e9)],
        )
    text = str(err.value)
    for fault in (
        "entry 'a' given twice",
        "min_load 3 above max_load 1",
        "'s': negative",
        "unknown entry",
        "affinities must lie within",
    ):
        assert fault in text


def test_same_input_gives_the_same_assignment():
    inst = make_round(11, n=200, m=60, lo=5, hi=15)
    first, second = assign(**inst, org_cap=1), assign(**inst, org_cap=1)
    assert first.pairs == second.pairs


def test_a_round_without_entries_assigns_nothing_and_one_without_reviewers_says_why():
    empty = assign(entries=[], reviewers=[Reviewer("a", max_load=2)], per_entry=2)
    assert empty.pairs == () and dict(empty.loads) == {"a": 0} and empty.gap == 0
    with pytest.raises(AssignmentInfeasible, match="capacity 0 is below the 1 slots"):
        assign(entries=[Entry("x")], reviewers=[], per_entry=1)


def test_an_affinity_table_in_columns_assigns_as_the_same_affinities_one_per_pair():
    from scoring.assign_model import AffinityTable

    entries = [Entry(e) for e in "xyz"]
    reviewers = [Reviewer(r, max_load=2) for r in ("r0", "r1")]
    rows = [Affinity("x", "r1", 5.0), Affinity("y", "r1", 4.0), Affinity("z", "r0", 3.0)]
    table = AffinityTable([a.entry for a in rows], [a.reviewer for a in rows], [a.value for a in rows])
    by_rows = assign(entries=entries, reviewers=reviewers, per_entry=1, affinities=rows)
    by_columns = assign(entries=entries, reviewers=reviewers, per_entry=1, affinities=table)
    assert list(table) == rows
    assert by_columns.pairs == by_rows.pairs and by_columns.objective == by_rows.objective
    with pytest.raises(ValueError, match=r"affinity \('x', 'r1'\) given twice"):
        assign(entries=entries, reviewers=reviewers, per_entry=1,
               affinities=AffinityTable(["x", "x"], ["r1", "r1"], [1.0, 2.0]))

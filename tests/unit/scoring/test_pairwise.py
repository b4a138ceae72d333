import numpy as np
import pytest
from scipy import integrate, optimize
from scipy.special import expit
from scipy.stats import beta as beta_distribution
from scipy.stats import norm, spearmanr

from scoring.pairwise import (
    PairwiseState,
    expected_information_gain,
    fit_bradley_terry,
    fit_crowd_bt,
    next_pair,
    pairwise_state,
    record_comparison,
)

SMALL = [("a", "b"), ("a", "b"), ("b", "a"), ("a", "c"), ("c", "b"), ("b", "c"), ("d", "a"), ("c", "d")]
SMALL += [("d", "b"), ("b", "d"), ("a", "c"), ("e", "d"), ("d", "e"), ("e", "a"), ("a", "e"), ("c", "e")]


def penalised_neg_log_likelihood(theta, pairs, index, prior):
    total = 0.5 * prior * float(np.dot(theta, theta))
    for winner, loser in pairs:
        total += np.log1p(np.exp(-(theta[index[winner]] - theta[index[loser]])))
    return total


def test_bradley_terry_matches_a_direct_maximisation_of_the_written_out_likelihood():
    names = ["a", "b", "c", "d", "e"]
    index = {name: i for i, name in enumerate(names)}
    direct = optimize.minimize(
        penalised_neg_log_likelihood,
        np.zeros(5),
        args=(SMALL, index, 0.1),
        method="Nelder-Mead",
        options={"xatol": 1e-10, "fatol": 1e-12, "maxiter": 20000, "maxfev": 40000},
    )
    result = fit_bradley_terry(SMALL, prior=0.1)
    assert result.converged
    for name in names:
        assert result.scores[name] == pytest.approx(direct.x[index[name]], abs=1e-4)


def test_standard_errors_are_those_of_the_laplace_approximation_relative_to_the_mean():
    result = fit_bradley_terry(SMALL, prior=0.1)
    names = ["a", "b", "c", "d", "e"]
    theta = np.array([result.scores[n] for n in names])
    index = {name: i for i, name in enumerate(names)}
    hessian = 0.1 * np.eye(5)
    for winner, loser in SMALL:
        i, j = index[winner], index[loser]
        p = expit(theta[i] - theta[j])
        x = np.zeros(5)
        x[i], x[j] = 1, -1
        hessian += p * (1 - p) * np.outer(x, x)
    centre = np.eye(5) - 1 / 5
    expected = np.sqrt(np.diag(centre @ np.linalg.inv(hessian) @ centre))
    assert result.se_method == "exact"
    for name in names:
        assert result.standard_errors[name] == pytest.approx(expected[index[name]], rel=1e-6)


def simulated(n, m, seed, spread=1.0):
    rng = np.random.default_rng(seed)
    truth = rng.normal(0, spread, n)
    a, b = rng.integers(0, n, m), rng.integers(0, n, m)
    a, b = a[a != b], b[a != b]
    a_wins = rng.random(len(a)) < expit(truth[a] - truth[b])
    return truth, list(zip(np.where(a_wins, a, b).tolist(), np.where(a_wins, b, a).tolist(), strict=True))


def test_bradley_terry_recovers_the_true_order_from_simulated_votes():
    truth, comparisons = simulated(30, 4000, seed=3)
    result = fit_bradley_terry(comparisons)
    estimate = [result.scores[i] for i in range(30)]
    assert spearmanr(estimate, truth).statistic > 0.95
    assert result.ranking()[0] == int(np.argmax(truth))
    assert sum(estimate) == pytest.approx(0, abs=1e-9)


def exact_centred_standard_errors(result, comparisons, n, prior=0.1):
    theta = np.array([result.scores[i] for i in range(n)])
    winner, loser = np.array(comparisons).T
    p = expit(theta[winner] - theta[loser])
    w = p * (1 - p)
    hessian = prior * np.eye(n)
    np.add.at(hessian, (winner, winner), w)
    np.add.at(hessian, (loser, loser), w)
    np.add.at(hessian, (winner, loser), -w)
    np.add.at(hessian, (loser, winner), -w)
    covariance = np.linalg.inv(hessian)
    return np.sqrt(np.diag(covariance) - 2 * covariance.mean(axis=1) + covariance.mean())


@pytest.mark.parametrize(
    ("per_entry", "median_error", "worst_error"), [(12, 0.01, 0.02), (3, 0.04, 0.1), (1.5, 0.06, 0.4)]
)
def test_approximate_standard_errors_stay_close_to_the_exact_ones_on_large_designs(
    per_entry, median_error, worst_error
):
    n = 2500  # just above the exact limit, small enough to invert here
    _, comparisons = simulated(n, int(per_entry * n), seed=5)  # each entry is in ~2 * per_entry comparisons
    result = fit_bradley_terry(comparisons, entries=range(n))
    assert result.se_method == "approximate"
    exact = exact_centred_standard_errors(result, comparisons, n)
    ratio = np.array([result.standard_errors[i] for i in range(n)]) / exact
    assert np.median(np.abs(ratio - 1)) < median_error
    assert np.max(np.abs(ratio - 1)) < worst_error


def test_an_undefeated_entry_and_a_separate_group_stay_finite_and_are_marked_uncertain():
    comparisons = [("champion", x) for x in "abc"] * 3 + [("a", "b"), ("b", "c"), ("c", "a")]
    comparisons += [("p", "q"), ("q", "p"), ("p", "q")]  # a group never compared with the others
    result = fit_bradley_terry(comparisons)
    assert result.components == 2
    assert all(np.isfinite(v) for v in result.scores.values())
    assert result.ranking()[0] == "champion"
    linked = fit_bradley_terry([*comparisons, ("p", "a"), ("b", "q")])
    assert linked.components == 1
    assert result.standard_errors["p"] > result.standard_errors["a"]
    assert result.standard_errors["p"] > 1.2 * linked.standard_errors["p"]


def test_bradley_terry_ignores_how_entries_are_named_and_in_which_order_votes_arrive():
    _, comparisons = simulated(40, 600, seed=8)
    plain = fit_bradley_terry(comparisons)
    renamed = fit_bradley_terry([(f"e{w * 37 % 41}", f"e{lo * 37 % 41}") for w, lo in reversed(comparisons)])
    for i in plain.scores:
        assert renamed.scores[f"e{i * 37 % 41}"] == pytest.approx(plain.scores[i], abs=1e-5)
        assert renamed.standard_errors[f"e{i * 37 % 41}"] == pytest.approx(plain.standard_errors[i], rel=1e-5)


def test_an_entry_compared_with_itself_is_refused():
    with pytest.raises(ValueError, match="compared with itself"):
        fit_bradley_terry([("a", "b"), ("c", "c")])


def crowd(seed, reliabilities, n=80, votes_per_juror=300):
    rng = np.random.default_rng(seed)
    truth = rng.normal(0, 1.5, n)
    comparisons = []
    for juror, eta in enumerate(reliabilities):
        for _ in range(votes_per_juror):
            a, b = rng.choice(n, 2, replace=False).tolist()
            a_wins = rng.random() < expit(truth[a] - truth[b])
            if rng.random() > eta:
                a_wins = not a_wins
            comparisons.append((a, b, juror) if a_wins else (b, a, juror))
    return truth, comparisons


def test_crowd_bt_gives_a_random_juror_lower_reliability_than_honest_ones_and_an_adversary_less_than_half():
    reliabilities = [0.95] * 8 + [0.5, 0.1]  # juror 8 votes at random, juror 9 mostly backwards
    truth, comparisons = crowd(4, reliabilities)
    result = fit_crowd_bt(comparisons)
    assert result.converged
    honest = [result.reliability[j] for j in range(8)]
    assert min(honest) > 0.8
    assert 0.35 < result.reliability[8] < 0.65
    assert result.reliability[9] < 0.25
    plain = fit_bradley_terry(comparisons)
    n = len(truth)
    crowd_rho = spearmanr([result.scores[i] for i in range(n)], truth).statistic
    plain_rho = spearmanr([plain.scores[i] for i in range(n)], truth).statistic
    assert crowd_rho > plain_rho


def test_crowd_bt_needs_the_juror_of_every_vote():
    with pytest.raises(ValueError, match="juror of every comparison"):
        fit_crowd_bt([("a", "b", "j1"), ("b", "c")])


def test_fits_do_not_touch_global_random_state():
    _, comparisons = crowd(2, [0.9, 0.9, 0.6], n=20, votes_per_juror=60)
    np.random.seed(1)
    first = fit_crowd_bt(comparisons)
    np.random.seed(2)
    second = fit_crowd_bt(comparisons)
    assert first == second


def test_a_vote_moves_beliefs_and_leaves_the_earlier_state_alone():
    state = pairwise_state(["a", "b", "c"])
    after = record_comparison(state, "j", "a", "b")
    assert state.mu == {"a": 0.0, "b": 0.0, "c": 0.0}
    assert after.mu["a"] > 0 > after.mu["b"]
    assert after.mu["a"] == pytest.approx(-after.mu["b"])
    assert after.sigma2["a"] < 1.0 and after.sigma2["b"] < 1.0
    assert after.mu["c"] == 0.0 and after.sigma2["c"] == 1.0
    assert after.seen["j"] == {frozenset({"a", "b"})}


def test_a_juror_who_votes_against_a_settled_order_loses_reliability():
    state = pairwise_state(["strong", "weak"])
    for juror in ("j1", "j2", "j3", "j4") * 5:
        state = record_comparison(state, juror, "strong", "weak")
    before = state.reliability("contrarian")
    for _ in range(3):
        state = record_comparison(state, "contrarian", "weak", "strong")
    assert state.reliability("contrarian") < before - 0.05
    assert state.reliability("j1") > state.reliability("contrarian")


def settled_state():
    # Settled entries (y, y2 nearly equal), two uncertain entries far apart, two uncertain and close.
    mu = {"w": -3.0, "x": -1.0, "y": 1.0, "y2": 1.02, "z": 3.0, "far1": -6.0, "far2": 6.0}
    mu |= {"new1": 0.1, "new2": -0.1}
    sigma2 = dict.fromkeys(["w", "x", "y", "y2", "z"], 0.05) | dict.fromkeys(
        ["far1", "far2", "new1", "new2"], 1.0
    )
    return PairwiseState(mu=mu, sigma2=sigma2)


def test_next_pair_prefers_entries_that_are_both_close_and_uncertain():
    state = settled_state()
    assert set(next_pair(state, "j", list(state.mu))) == {"new1", "new2"}


def test_next_pair_with_an_anchor_pairs_it_with_the_closest_uncertain_candidate():
    state = settled_state()
    pair = next_pair(state, "j", ["w", "x", "z", "new1"], anchor="new2")
    assert pair == ("new2", "new1")


def test_next_pair_never_repeats_a_pair_the_juror_has_seen_and_stops_when_none_is_left():
    entries = ["a", "b", "c", "d", "e"]
    state = pairwise_state(entries)
    asked = []
    for _ in range(10):
        pair = next_pair(state, "j", entries)
        assert pair is not None
        assert frozenset(pair) not in {frozenset(p) for p in asked}
        asked.append(pair)
        state = record_comparison(state, "j", *pair)
    assert next_pair(state, "j", entries) is None
    assert next_pair(state, "other juror", entries) is not None
    assert next_pair(state, "j", entries, exclude_seen=False) is not None


def test_next_pair_on_a_large_field_only_weighs_neighbours_and_still_finds_the_best_pair():
    n = 3000
    mu = {i: float(i) for i in range(n)}
    sigma2 = dict.fromkeys(range(n), 0.05)
    mu[1500.5] = 1500.4
    sigma2[1500.5] = 1.0
    sigma2[1500] = 1.0
    state = PairwiseState(mu=mu, sigma2=sigma2)
    pair = next_pair(state, "j", list(mu), max_pairs=30_000)
    assert set(pair) == {1500, 1500.5}


def test_crowd_bt_matches_a_direct_maximisation_of_the_written_out_posterior():
    _, comparisons = crowd(6, [0.9, 0.8, 0.3], n=6, votes_per_juror=40)
    prior, (a, b) = 0.1, (3.0, 1.5)

    def neg_log_posterior(x):
        theta, eta = x[:6], 1 / (1 + np.exp(-x[6:]))
        total = 0.5 * prior * float(np.dot(theta, theta))
        total -= float(np.sum((a - 1) * np.log(eta) + (b - 1) * np.log(1 - eta)))
        for winner, loser, juror in comparisons:
            agree = 1 / (1 + np.exp(-(theta[winner] - theta[loser])))
            total -= np.log(eta[juror] * agree + (1 - eta[juror]) * (1 - agree))
        return total

    direct = optimize.minimize(neg_log_posterior, np.zeros(9), method="BFGS", options={"gtol": 1e-9})
    result = fit_crowd_bt(comparisons, prior=prior, reliability_prior=(a, b))
    assert result.converged
    for i in range(6):
        assert result.scores[i] == pytest.approx(direct.x[i], abs=1e-4)
    for j in range(3):
        assert result.reliability[j] == pytest.approx(1 / (1 + np.exp(-direct.x[6 + j])), abs=1e-4)
    assert result.reliability[2] < 0.5 < result.reliability[1] < result.reliability[0]


def test_bradley_terry_ignores_the_juror_of_a_vote():
    with_jurors = [(w, lo, f"juror {i % 3}") for i, (w, lo) in enumerate(SMALL)]
    assert fit_bradley_terry(with_jurors) == fit_bradley_terry(SMALL)


def test_an_online_vote_gives_the_moments_of_the_exact_posterior_by_numerical_integration():
    # Prior beliefs, and the likelihood of "w beat l" with the logistic written as a probit of
    # scale sqrt(8 / pi) and the juror's reliability drawn from Beta(a, b).
    mu_w, var_w, mu_l, var_l, a, b = 0.3, 0.8, -0.2, 0.5, 6.0, 2.0
    state = PairwiseState(
        mu={"w": mu_w, "l": mu_l}, sigma2={"w": var_w, "l": var_l}, alpha={"j": a}, beta={"j": b}
    )
    after = record_comparison(state, "j", "w", "l")

    nodes, weights = np.polynomial.hermite_e.hermegauss(120)
    weights = weights / weights.sum()
    s_w = mu_w + np.sqrt(var_w) * nodes[:, None]
    s_l = mu_l + np.sqrt(var_l) * nodes[None, :]
    prior = weights[:, None] * weights[None, :]
    agree = norm.cdf((s_w - s_l) / np.sqrt(8 / np.pi))
    reliability = a / (a + b)
    posterior = prior * (reliability * agree + (1 - reliability) * (1 - agree))
    posterior /= posterior.sum()
    mean_w, mean_l = (posterior * s_w).sum(), (posterior * s_l).sum()
    assert after.mu["w"] == pytest.approx(mean_w, abs=1e-6)
    assert after.mu["l"] == pytest.approx(mean_l, abs=1e-6)
    assert after.sigma2["w"] == pytest.approx((posterior * (s_w - mean_w) ** 2).sum(), abs=1e-6)
    assert after.sigma2["l"] == pytest.approx((posterior * (s_l - mean_l) ** 2).sum(), abs=1e-6)

    chance_true_order = (prior * agree).sum()

    def eta_posterior(eta, power):
        likelihood = eta * chance_true_order + (1 - eta) * (1 - chance_true_order)
        return eta**power * beta_distribution.pdf(eta, a, b) * likelihood

    mass = integrate.quad(eta_posterior, 0, 1, args=(0,))[0]
    eta_mean = integrate.quad(eta_posterior, 0, 1, args=(1,))[0] / mass
    eta_var = integrate.quad(eta_posterior, 0, 1, args=(2,))[0] / mass - eta_mean**2
    new_a, new_b = after.alpha["j"], after.beta["j"]
    assert after.reliability("j") == pytest.approx(eta_mean, abs=1e-9)
    assert new_a * new_b / ((new_a + new_b) ** 2 * (new_a + new_b + 1)) == pytest.approx(eta_var, abs=1e-9)


def numerical_kl(p, q, low, high):
    return integrate.quad(lambda x: p.pdf(x) * (p.logpdf(x) - q.logpdf(x)), low, high, limit=200)[0]


def test_expected_information_gain_is_the_chance_weighted_divergence_of_both_possible_votes():
    state = PairwiseState(
        mu={"a": 0.4, "b": -0.1}, sigma2={"a": 0.7, "b": 0.4}, alpha={"j": 5.0}, beta={"j": 2.0}
    )
    chance_a = 5 / 7 * norm.cdf(0.5 / np.sqrt(8 / np.pi + 1.1)) + 2 / 7 * norm.cdf(
        -0.5 / np.sqrt(8 / np.pi + 1.1)
    )
    expected = 0.0
    for chance, (winner, loser) in ((chance_a, ("a", "b")), (1 - chance_a, ("b", "a"))):
        after = record_comparison(state, "j", winner, loser)
        gain = sum(
            numerical_kl(
                norm(after.mu[e], np.sqrt(after.sigma2[e])),
                norm(state.mu[e], np.sqrt(state.sigma2[e])),
                -8,
                8,
            )
            for e in ("a", "b")
        )
        juror_after = beta_distribution(after.alpha["j"], after.beta["j"])
        gain += 0.3 * numerical_kl(juror_after, beta_distribution(5.0, 2.0), 0, 1)
        expected += chance * gain
    assert expected_information_gain(state, "j", "a", "b", juror_weight=0.3) == pytest.approx(
        expected, rel=1e-6
    )


def test_crowd_bt_ignores_how_entries_and_jurors_are_named_and_ordered():
    _, comparisons = crowd(9, [0.95, 0.9, 0.5], n=25, votes_per_juror=80)
    plain = fit_crowd_bt(comparisons)
    renamed = fit_crowd_bt([(f"e{w}", f"e{lo}", ("juror", j)) for w, lo, j in reversed(comparisons)])
    for i, score in plain.scores.items():
        assert renamed.scores[f"e{i}"] == pytest.approx(score, abs=1e-4)
    for j, eta in plain.reliability.items():
        assert renamed.reliability[("juror", j)] == pytest.approx(eta, abs=1e-4)


def test_an_entry_never_compared_gets_the_prior_standard_error_on_a_large_design():
    n = 2500
    _, comparisons = simulated(n, 10 * n, seed=12)
    result = fit_bradley_terry(comparisons, entries=["late entry", *range(n)])
    assert result.se_method == "approximate"
    assert result.scores["late entry"] == pytest.approx(0.0, abs=1e-6)
    # Alone, its score is its prior N(0, 1/0.1); relative to the mean of n + 1 scores that is 10 - 10/(n + 1).
    assert result.standard_errors["late entry"] == pytest.approx(np.sqrt(10 - 10 / (n + 1)), rel=1e-3)

"""Issue 13 measures: Rényi/Tsallis, CMI/total correlation/interaction information, kNN (KSG, KL), van Es and
Correa, confidence intervals, NSB spread, and the KL/JS precision fix.

Exact statements are held against mpmath (60 digits) or scipy, or an independent formula written out here;
statistical ones against closed forms with tolerances stated as multiples of the estimator's spread.
"""
import doctest
import importlib
import math

import mpmath
import numpy as np
import pytest
import scipy.stats
from hypothesis import given, settings, strategies as st

import codelength
from codelength import (conditional_mutual_information, entropy, entropy_estimate, entropy_estimate_from_counts,
                        interaction_information, joint_entropy, js_divergence, kl_divergence, kl_divergence_knn,
                        ksg_mutual_information, mutual_information, nsb_entropy, renyi_divergence, renyi_entropy,
                        total_correlation, tsallis_entropy, differential_entropy, gaussian_nll, knn_entropy)

mpmath.mp.dps = 60


def _mp_kl(p, q):
    return float(sum(mpmath.mpf(a) * mpmath.log(mpmath.mpf(a) / mpmath.mpf(b)) for a, b in zip(p, q) if a > 0)
                 / mpmath.log(2))


def _mp_js(p, q):
    total = mpmath.mpf(0)
    for a, b in zip(p, q):
        a, b = mpmath.mpf(a), mpmath.mpf(b)
        m = (a + b) / 2
        if a > 0:
            total += a * mpmath.log(a / m) / 2
        if b > 0:
            total += b * mpmath.log(b / m) / 2
    return float(total / mpmath.log(2))


# ---------------------------------------------------------------------------------------------
# The precision defect: KL and JS on near-deterministic and nearly equal inputs
# ---------------------------------------------------------------------------------------------

def test_kl_and_js_relative_precision_on_dirichlet_draws():
    rng = np.random.default_rng(13)
    worst_kl = worst_js = 0.0
    for _ in range(200):
        p = rng.dirichlet(np.full(6, 0.01))
        q = np.abs(p * (1 + rng.normal(0, 1e-4, p.size)))
        q /= q.sum()
        for exact, value, name in ((_mp_kl(p, q), kl_divergence(p, q), "kl"), (_mp_js(p, q), js_divergence(p, q), "js")):
            if exact > 1e-300:
                error = abs(value - exact) / exact
                if name == "kl":
                    worst_kl = max(worst_kl, error)
                else:
                    worst_js = max(worst_js, error)
    # before the fix: 5.6e-10 (KL), 1e-16 absolute floors; one fsum over all terms: a few ulps
    assert worst_kl < 5e-14 and worst_js < 5e-14, (worst_kl, worst_js)


def test_kl_tiny_exact_value_is_not_swamped_by_rounding():
    # KL ~ 1e-69: the old correction fsum(q) - fsum(p) left ~1e-26
    p = np.array([1.0 - 2e-35, 1e-35, 1e-35])
    q = np.array([1.0 - 2e-35, 1e-35 * (1 + 1e-17), 1e-35 * (1 - 1e-17)])
    exact = _mp_kl(p, q)
    assert kl_divergence(p, q) == pytest.approx(exact, rel=1e-10, abs=1e-300)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(1e-6, 1.0), min_size=2, max_size=8), st.data())
def test_kl_js_against_mpmath_hypothesis(weights, data):
    p = np.array(weights) / math.fsum(weights)
    other = data.draw(st.lists(st.floats(1e-6, 1.0), min_size=len(weights), max_size=len(weights)))
    q = np.array(other) / math.fsum(other)
    # the floats' own sums miss 1 by ~1e-16, so their exact KL can be -1e-16: the measure clips at 0
    assert kl_divergence(p, q) == pytest.approx(max(_mp_kl(p, q), 0.0), rel=1e-13, abs=1e-300)
    assert js_divergence(p, q) == pytest.approx(max(_mp_js(p, q), 0.0), rel=1e-13, abs=1e-300)


def test_kl_and_js_against_scipy():
    rng = np.random.default_rng(3)
    for _ in range(20):
        p, q = rng.dirichlet(np.ones(10)), rng.dirichlet(np.ones(10))
        assert kl_divergence(p, q, base=math.e) == pytest.approx(scipy.stats.entropy(p, q), rel=1e-12)
        js = scipy.spatial.distance.jensenshannon(p, q, base=2) ** 2
        assert js_divergence(p, q) == pytest.approx(js, rel=1e-10)


# ---------------------------------------------------------------------------------------------
# Rough edges
# ---------------------------------------------------------------------------------------------

def test_js_length_mismatch_is_reported_as_such():
    with pytest.raises(ValueError, match="same length"):
        js_divergence([0.5, 0.5], [0.5])
    with pytest.raises(ValueError, match="same length"):
        kl_divergence([0.5, 0.5], [1.0])


def test_gaussian_nll_of_nothing_raises_like_mse():
    with pytest.raises(ValueError, match="no samples"):
        gaussian_nll([], [], 1.0)
    with pytest.raises(ValueError, match="no samples"):
        codelength.measures.continuous.mse([], [])


@pytest.mark.parametrize("base", [0.5, 1, 1.0, 0.0, -2.0, math.inf, math.nan])
def test_bases_at_or_below_one_are_refused(base):
    with pytest.raises(ValueError, match="base"):
        entropy([1, 2, 3], base=base)


@pytest.mark.parametrize("method", ["plugin", "miller-madow", "jackknife", "grassberger", "chao-shen"])
def test_alphabet_size_is_refused_by_estimators_that_ignore_it(method):
    with pytest.raises(ValueError, match="only by method='nsb'"):
        entropy_estimate_from_counts([3, 1, 1], method, alphabet_size=10)
    with pytest.raises(ValueError, match="only by method='nsb'"):
        entropy_estimate(b"abcabc", method, alphabet_size=256)
    assert entropy_estimate_from_counts([3, 1, 1], "nsb", alphabet_size=10) > 0


# ---------------------------------------------------------------------------------------------
# Rényi, Tsallis, Rényi divergence
# ---------------------------------------------------------------------------------------------

def _mp_normalised(p):
    """The float vector as exact numbers, normalised exactly (the measures treat it as a distribution)."""
    p = [mpmath.mpf(float(v)) for v in p]
    total = sum(p)
    return [v / total for v in p]


def _mp_renyi(p, alpha):
    p = [v for v in _mp_normalised(p) if v > 0]
    return float(mpmath.log(sum(v ** alpha for v in p)) / (1 - alpha) / mpmath.log(2))


@pytest.mark.parametrize("alpha", [0.3, 0.5, 0.9, 0.999999, 1.000001, 1.3, 2, 3.5, 10, 200])
def test_renyi_entropy_against_mpmath(alpha):
    rng = np.random.default_rng(int(alpha * 1000))
    for _ in range(5):
        p = rng.dirichlet(np.full(12, 0.3))
        assert renyi_entropy(p, alpha) == pytest.approx(_mp_renyi(p, mpmath.mpf(alpha)), rel=1e-13)


def test_renyi_limits_and_special_orders():
    p = np.array([0.5, 0.25, 0.125, 0.125, 0.0])
    assert renyi_entropy(p, 0) == pytest.approx(2.0)  # log2 of the support size (the zero is left out)
    assert renyi_entropy(p, 1) == entropy(p)
    assert renyi_entropy(p, 2) == pytest.approx(-math.log2(np.sum(p ** 2)))
    assert renyi_entropy(p, math.inf) == pytest.approx(1.0)
    # continuity into the limits
    assert renyi_entropy(p, 1 + 1e-9) == pytest.approx(entropy(p), rel=1e-8)
    assert renyi_entropy(p, 1e-9) == pytest.approx(2.0, rel=1e-8)
    assert renyi_entropy(p, 1e4) == pytest.approx(1.0, rel=1e-3)
    # non-increasing in alpha; H_inf <= H_2 <= 2 H_inf
    orders = [0, 0.5, 1, 1.5, 2, 5, math.inf]
    values = [renyi_entropy(p, a) for a in orders]
    assert all(a >= b - 1e-15 for a, b in zip(values, values[1:]))
    assert values[-1] <= renyi_entropy(p, 2) <= 2 * values[-1]
    # counts, bases, empty
    assert renyi_entropy([2, 1, 1], 2, base=math.e) == pytest.approx(-math.log(0.25 + 1 / 16 + 1 / 16))
    assert renyi_entropy([], 2) == 0.0 and renyi_entropy([0, 0], 3) == 0.0
    for bad in (-1, math.nan):
        with pytest.raises(ValueError):
            renyi_entropy(p, bad)
    with pytest.raises(TypeError):
        renyi_entropy(p, "2")


def test_tsallis_against_formula_and_limit():
    rng = np.random.default_rng(5)
    p = rng.dirichlet(np.ones(7))
    for q in (0.0, 0.5, 0.9999, 1.5, 2.0, 3.0, -0.5):
        exact = float((1 - sum(v ** q for v in _mp_normalised(p))) / (mpmath.mpf(q) - 1))
        assert tsallis_entropy(p, q) == pytest.approx(exact, rel=1e-12)
    assert tsallis_entropy(p, 1) == pytest.approx(entropy(p, base=math.e), rel=1e-15)
    assert tsallis_entropy(p, 1 + 1e-10) == pytest.approx(entropy(p, base=math.e), rel=1e-8)
    # pseudo-additivity for independent distributions
    a, b, q = np.array([0.7, 0.3]), np.array([0.2, 0.5, 0.3]), 1.7
    sa, sb = tsallis_entropy(a, q), tsallis_entropy(b, q)
    assert tsallis_entropy(np.outer(a, b).ravel(), q) == pytest.approx(sa + sb + (1 - q) * sa * sb, rel=1e-12)
    with pytest.raises(ValueError):
        tsallis_entropy(p, math.inf)


def _mp_renyi_div(p, q, alpha):
    s = sum(a ** alpha * b ** (1 - alpha) for a, b in zip(_mp_normalised(p), _mp_normalised(q)) if a > 0)
    return float(mpmath.log(s) / (alpha - 1) / mpmath.log(2))


def test_renyi_divergence_against_mpmath_and_limits():
    rng = np.random.default_rng(8)
    for _ in range(10):
        p, q = rng.dirichlet(np.ones(6)), rng.dirichlet(np.ones(6))
        for alpha in (0.25, 0.5, 0.99, 1.01, 2, 7):
            assert renyi_divergence(p, q, alpha) == pytest.approx(
                _mp_renyi_div(p, q, mpmath.mpf(alpha)), rel=1e-12)
        assert renyi_divergence(p, q, 1) == kl_divergence(p, q)
        assert renyi_divergence(p, q, 1 + 1e-9) == pytest.approx(kl_divergence(p, q), rel=1e-7)
        assert renyi_divergence(p, q, math.inf) == pytest.approx(math.log2(np.max(p / q)), rel=1e-14)
        # D_1/2 = -2 log of the Bhattacharyya coefficient
        assert renyi_divergence(p, q, 0.5) == pytest.approx(-2 * math.log2(np.sum(np.sqrt(p * q))), rel=1e-12)
        values = [renyi_divergence(p, q, a) for a in (0, 0.5, 1, 2, math.inf)]
        assert all(a <= b + 1e-15 for a, b in zip(values, values[1:]))
    p, q = [0.5, 0.5, 0.0], [0.5, 0.0, 0.5]
    assert renyi_divergence(p, q, 0) == pytest.approx(1.0)  # -log2 q(supp p)
    assert renyi_divergence(p, q, 2) == math.inf and renyi_divergence(p, q, math.inf) == math.inf
    assert renyi_divergence([1.0, 0.0], [0.0, 1.0], 0.5) == math.inf
    assert renyi_divergence(p, p, 3) == 0.0


# ---------------------------------------------------------------------------------------------
# Conditional mutual information, total correlation, interaction information
# ---------------------------------------------------------------------------------------------

def _sample(n, seed):
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 4, n)
    z = (x + rng.integers(0, 2, n)) % 3
    y = (z + rng.integers(0, 3, n) * (rng.random(n) < 0.5)) % 5
    return x, y, z


def test_cmi_against_entropy_formula_and_chain_rule():
    x, y, z = _sample(5000, 1)
    h = lambda *v: joint_entropy(*v) if len(v) == 2 else entropy(np.unique(np.column_stack(v), axis=0,
                                                                            return_counts=True)[1])
    expected = h(x, z) + h(y, z) - h(x, y, z) - entropy(np.bincount(z))
    cmi = conditional_mutual_information(x, y, z)
    assert cmi == pytest.approx(expected, abs=1e-12)
    # chain rule: I(X; Y, Z) = I(X; Z) + I(X; Y | Z)
    yz = np.column_stack([y, z])
    assert mutual_information(x, np.unique(yz, axis=0, return_inverse=True)[1].ravel()) == pytest.approx(
        mutual_information(x, z) + cmi, abs=1e-12)
    # a 2-D variable is its rows
    assert total_correlation(x, yz) == pytest.approx(mutual_information(x, np.unique(yz, axis=0,
                                                     return_inverse=True)[1].ravel()), abs=1e-12)
    assert conditional_mutual_information(bytes(x.astype(np.uint8)), y, z) == pytest.approx(cmi, abs=1e-15)
    assert conditional_mutual_information([], [], []) == 0.0
    with pytest.raises(ValueError, match="aligned"):
        conditional_mutual_information([0, 1], [0, 1, 1], [0, 0])
    with pytest.raises(TypeError):
        conditional_mutual_information([0.5, 1.0], [0, 1], [0, 0])


def test_xor_synergy():
    rng = np.random.default_rng(2)
    x, y = rng.integers(0, 2, 20000), rng.integers(0, 2, 20000)
    z = x ^ y
    assert conditional_mutual_information(x, y, z) == pytest.approx(1.0, abs=2e-3)
    assert interaction_information(x, y, z) == pytest.approx(-1.0, abs=2e-3)
    exact = [0, 0, 1, 1], [0, 1, 0, 1], [0, 1, 1, 0]
    assert interaction_information(*exact) == pytest.approx(-1.0, abs=1e-15)
    assert total_correlation(*exact) == pytest.approx(1.0, abs=1e-15)


def test_total_correlation_and_interaction_against_entropies():
    x, y, z = _sample(3000, 4)
    w = (x * y + z) % 3
    variables = [x, y, z, w]
    def h(idx):
        return entropy(np.unique(np.column_stack([variables[i] for i in idx]), axis=0, return_counts=True)[1])
    assert total_correlation(*variables) == pytest.approx(sum(h([i]) for i in range(4)) - h(range(4)), abs=1e-12)
    assert total_correlation(x, y) == pytest.approx(mutual_information(x, y), abs=1e-14)
    from itertools import combinations
    co = -sum((-1) ** len(s) * h(s) for r in range(1, 5) for s in combinations(range(4), r))
    assert interaction_information(*variables) == pytest.approx(co, abs=1e-12)
    co3 = -sum((-1) ** len(s) * h(s) for r in range(1, 4) for s in combinations(range(3), r))
    assert interaction_information(x, y, z) == pytest.approx(co3, abs=1e-12)
    assert interaction_information(x, y) == pytest.approx(mutual_information(x, y), abs=1e-14)
    # TC chain: TC(X, Y, Z) = I(X; Y) + I(X, Y; Z)
    xy = x * 5 + y
    assert total_correlation(x, y, z) == pytest.approx(mutual_information(x, y) + mutual_information(xy, z),
                                                       abs=1e-12)
    with pytest.raises(ValueError):
        total_correlation(x)
    assert total_correlation(x, y, base=math.e) == pytest.approx(mutual_information(x, y) * math.log(2))


def test_cmi_small_dependence_keeps_precision():
    # a nearly factorised joint with huge counts: the KL-shaped sum against mpmath
    rng = np.random.default_rng(9)
    n = 200_000
    z = rng.integers(0, 2, n)
    x = rng.integers(0, 2, n)
    y = np.where(rng.random(n) < 1e-3, x, rng.integers(0, 2, n))
    c = np.zeros((2, 2, 2), dtype=np.int64)
    np.add.at(c, (x, y, z), 1)
    exact = mpmath.mpf(0)
    for i in range(2):
        for j in range(2):
            for k in range(2):
                if c[i, j, k]:
                    exact += mpmath.mpf(int(c[i, j, k])) / n * mpmath.log(
                        mpmath.mpf(int(c[i, j, k])) * int(c[:, :, k].sum())
                        / (int(c[i, :, k].sum()) * int(c[:, j, k].sum())))
    assert conditional_mutual_information(x, y, z) == pytest.approx(float(exact / mpmath.log(2)), rel=1e-10)


# ---------------------------------------------------------------------------------------------
# Continuous: van Es, Correa (against scipy), kNN entropy (max-norm), KSG, kNN KL
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("ours, theirs", [("vanes", "van es"), ("correa", "correa"), ("vasicek", "vasicek"),
                                          ("ebrahimi", "ebrahimi")])
def test_spacing_estimators_agree_with_scipy(ours, theirs):
    rng = np.random.default_rng(11)
    for n, m in ((50, 3), (1000, 16), (1001, 5)):
        x = rng.standard_normal(n)
        expected = scipy.stats.differential_entropy(x, window_length=m, method=theirs)
        assert differential_entropy(x, ours, base=math.e, window=m) == pytest.approx(expected, rel=1e-12, abs=1e-13)
    # the default windows differ: ours round(sqrt(n)/2), scipy's floor(sqrt(n) + 0.5)
    x = rng.standard_normal(400)
    assert differential_entropy(x, ours, base=math.e) == pytest.approx(
        scipy.stats.differential_entropy(x, window_length=10, method=theirs), rel=1e-12)


def test_vanes_correa_estimate_normal_entropy():
    x = np.random.default_rng(12).standard_normal(20000)
    true = 0.5 * math.log(2 * math.pi * math.e)
    for method in ("vanes", "correa"):
        assert differential_entropy(x, method, base=math.e) == pytest.approx(true, abs=0.03)
    with pytest.raises(ValueError, match="repeated|zero"):
        differential_entropy(np.repeat([1.0, 2.0, 3.0], 50), "correa", window=2)


def test_knn_entropy_max_norm_and_euclidean_agree_on_uniform_square():
    x = np.random.default_rng(14).random((4000, 2))  # h = 0
    for metric in ("euclidean", "max"):
        assert knn_entropy(x, base=math.e, metric=metric) == pytest.approx(0.0, abs=0.05)
    with pytest.raises(ValueError, match="metric"):
        knn_entropy(x, metric="manhattan")
    # differential_entropy's knn is the same estimator
    assert differential_entropy(x, "knn", k=3, metric="max") == knn_entropy(x, 3, metric="max")


def test_knn_distances_against_brute_force():
    from codelength.measures.knn import kth_neighbour_distances
    rng = np.random.default_rng(15)
    x = rng.standard_normal((300, 3))
    d2 = np.sqrt(((x[:, None, :] - x[None, :, :]) ** 2).sum(-1))
    dinf = np.abs(x[:, None, :] - x[None, :, :]).max(-1)
    for k in (1, 4):
        np.testing.assert_allclose(kth_neighbour_distances(x, k), np.sort(d2, axis=1)[:, k], rtol=1e-12)
        np.testing.assert_allclose(kth_neighbour_distances(x, k, "max"), np.sort(dinf, axis=1)[:, k], rtol=1e-12)


def _ksg_brute(x, y, k, variant):
    from scipy.special import digamma
    n = len(x)
    dx = np.abs(x[:, None] - x[None, :])
    dy = np.abs(y[:, None] - y[None, :])
    dz = np.maximum(dx, dy)
    np.fill_diagonal(dz, np.inf)
    total = 0.0
    for i in range(n):
        order = np.argsort(dz[i])[:k]
        eps = dz[i, order[-1]]
        if variant == 1:
            nx = np.sum(dx[i] < eps) - 1
            ny = np.sum(dy[i] < eps) - 1
            total += digamma(nx + 1) + digamma(ny + 1)
        else:
            ex, ey = dx[i, order].max(), dy[i, order].max()
            total += digamma(np.sum(dx[i] <= ex) - 1) + digamma(np.sum(dy[i] <= ey) - 1)
    if variant == 1:
        return digamma(k) + digamma(n) - total / n
    return digamma(k) - 1 / k + digamma(n) - total / n


@pytest.mark.parametrize("variant", [1, 2])
def test_ksg_against_brute_force_and_gaussian_truth(variant):
    rng = np.random.default_rng(16 + variant)
    x = rng.standard_normal(400)
    y = 0.8 * x + 0.6 * rng.standard_normal(400)
    for k in (1, 3, 6):
        assert ksg_mutual_information(x, y, k, base=math.e, variant=variant) == pytest.approx(
            _ksg_brute(x, y, k, variant), abs=1e-12)
    # bivariate normal with correlation 0.8: I = -½ log(1 - 0.64); n = 5000, spread ~0.015 nats
    x = rng.standard_normal(5000)
    y = 0.8 * x + 0.6 * rng.standard_normal(5000)
    assert ksg_mutual_information(x, y, base=math.e, variant=variant) == pytest.approx(-0.5 * math.log(0.36),
                                                                                        abs=0.05)
    # independent: near 0, may be negative unless clipped
    z = rng.standard_normal(5000)
    assert abs(ksg_mutual_information(x, z, variant=variant)) < 0.03
    assert ksg_mutual_information(x, z, variant=variant, clip=True) >= 0.0
    with pytest.raises(ValueError, match="same number"):
        ksg_mutual_information(x, z[:10])
    with pytest.raises(ValueError, match="variant"):
        ksg_mutual_information(x, z, variant=3)


def test_kl_knn_against_gaussian_closed_form():
    rng = np.random.default_rng(18)
    # N(0, 1) vs N(1, 2^2): log 2 + (1 + 1)/8 - 1/2
    exact = math.log(2) + 2 / 8 - 0.5
    x = rng.standard_normal(20000)
    y = 1 + 2 * rng.standard_normal(20000)
    assert kl_divergence_knn(x, y, k=5, base=math.e) == pytest.approx(exact, abs=0.03)
    # 2-D, both norms; same distribution: about 0
    x2, y2 = rng.standard_normal((5000, 2)), rng.standard_normal((5000, 2))
    for metric in ("euclidean", "max"):
        assert abs(kl_divergence_knn(x2, y2, k=3, metric=metric)) < 0.05
    with pytest.raises(ValueError, match="shapes"):
        kl_divergence_knn(x2, y)
    with pytest.raises(ValueError, match="k"):
        kl_divergence_knn(x[:3], y, k=3)


# ---------------------------------------------------------------------------------------------
# Confidence intervals and the NSB posterior spread
# ---------------------------------------------------------------------------------------------

def test_bootstrap_interval_of_plugin_entropy_matches_the_delta_method():
    rng = np.random.default_rng(19)
    p = rng.dirichlet(np.ones(8))
    counts = rng.multinomial(4000, p)
    est = entropy_estimate_from_counts(counts, "plugin", ci=0.95, n_resamples=1000, seed=1)
    assert est.value == entropy_estimate_from_counts(counts, "plugin")
    ph = counts / counts.sum()
    h = -np.sum(ph * np.log2(ph))
    delta_sd = math.sqrt((np.sum(ph * np.log2(ph) ** 2) - h ** 2) / counts.sum())
    assert est.std == pytest.approx(delta_sd, rel=0.15)
    assert est.low < est.value < est.high
    assert est.high - est.low == pytest.approx(2 * 1.96 * delta_sd, rel=0.2)
    # seeded: reproducible; another seed differs
    again = entropy_estimate_from_counts(counts, "plugin", ci=0.95, n_resamples=1000, seed=1)
    assert again == est
    assert entropy_estimate_from_counts(counts, "plugin", ci=0.95, n_resamples=1000, seed=2) != est
    for bad in (0, 1, 1.5, True):
        with pytest.raises(ValueError, match="ci"):
            entropy_estimate_from_counts(counts, ci=bad)


@pytest.mark.parametrize("method", ["miller-madow", "jackknife", "grassberger", "chao-shen", "nsb"])
def test_every_discrete_estimator_takes_ci(method):
    counts = np.random.default_rng(20).multinomial(300, np.ones(20) / 20)
    est = entropy_estimate_from_counts(counts, method, ci=0.9, n_resamples=40, seed=0)
    assert est.low <= est.high and est.ci == 0.9 and est.resampling == "bootstrap"
    assert est.value == entropy_estimate_from_counts(counts, method)
    assert entropy_estimate(np.repeat(np.arange(20), counts), method, ci=0.9, n_resamples=40).value == \
        pytest.approx(est.value)


def test_continuous_intervals_cover_and_shrink():
    rng = np.random.default_rng(21)
    true = 0.5 * math.log(2 * math.pi * math.e)
    # coverage over 30 seeded samples: a 90 % interval should hold the truth about 27 times (binomial sd 1.6)
    covered = 0
    for seed in range(30):
        x = rng.standard_normal(400)
        est = differential_entropy(x, "knn", base=math.e, ci=0.9, n_resamples=40, seed=seed)
        assert est.resampling == "subsampling" and est.low < est.value < est.high
        covered += est.low <= true <= est.high
    assert 21 <= covered <= 30, covered
    widths = []
    for n in (1000, 4000):
        est = differential_entropy(rng.standard_normal(n), "ebrahimi", ci=0.95, n_resamples=60, seed=3)
        widths.append(est.high - est.low)
    assert 1.4 < widths[0] / widths[1] < 2.8  # about sqrt(4) = 2
    x = rng.standard_normal(2000)
    y = 0.8 * x + 0.6 * rng.standard_normal(2000)
    est = ksg_mutual_information(x, y, base=math.e, ci=0.95, n_resamples=50, seed=4)
    assert est.low <= -0.5 * math.log(0.36) <= est.high
    est = kl_divergence_knn(x, 1 + 2 * rng.standard_normal(3000), base=math.e, ci=0.95, n_resamples=50)
    assert est.low < est.high
    assert knn_entropy(x, ci=0.95, n_resamples=20).low < knn_entropy(x)
    with pytest.raises(ValueError, match="n_resamples"):
        knn_entropy(x, ci=0.95, n_resamples=5)


def test_nsb_posterior_std_in_public_api():
    counts = [5, 3, 1, 1, 0, 0, 0, 0]
    post = nsb_entropy(counts)
    assert post.mean == pytest.approx(entropy_estimate_from_counts(counts, "nsb"), rel=1e-15)
    assert 0 < post.std < 1.5
    # more data: a narrower posterior
    assert nsb_entropy([50, 30, 10, 10, 0, 0, 0, 0]).std < post.std
    assert nsb_entropy(counts, base=math.e).std == pytest.approx(post.std * math.log(2), rel=1e-12)
    assert nsb_entropy(counts, alphabet_size=100).alphabet_size == 100


@pytest.mark.parametrize("name", ["measures.renyi", "measures.multivariate", "measures.knn",
                                  "measures.randomness", "measures.rate", "measures.uncertainty"])
def test_docstring_examples_run(name):
    module = importlib.import_module("codelength." + name)
    assert doctest.testmod(module, optionflags=doctest.ELLIPSIS, extraglobs={"np": np, "math": math}).failed == 0

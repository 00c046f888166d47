"""Importance sampling: rare events, log-space weights, self-normalisation, ESS, KL and cross-entropy estimates.

Monte Carlo checks use seeded generators; tolerances are stated as multiples of the estimator's own standard
error (which is itself checked against the true error where the answer is known).
"""
import math

import numpy as np
import pytest

from codelength import (cross_entropy, cross_entropy_estimate, effective_sample_size, entropy, importance_estimate,
                        kl_divergence, kl_estimate)
from codelength.measures.importance import log_importance_weights

TAIL_5 = 0.5 * math.erfc(5 / math.sqrt(2))  # P(X > 5), X ~ N(0, 1) = 2.8665e-7


def log_normal(x, mu=0.0, sigma=1.0):
    return -0.5 * ((x - mu) / sigma) ** 2 - math.log(sigma) - 0.5 * math.log(2 * math.pi)


def test_rare_event_with_shifted_proposal():
    rng = np.random.default_rng(40)
    n = 100_000
    # plain Monte Carlo from p itself: no sample ever exceeds 5, the estimate is 0
    direct = rng.standard_normal(n)
    assert np.count_nonzero(direct > 5) == 0
    # proposal N(5, 1): half the samples are hits, weights p/q = exp(12.5 - 5x) computed in log space
    x = rng.normal(5.0, 1.0, n)
    result = importance_estimate(lambda s: s > 5, log_normal, lambda s: log_normal(s, 5.0), x)
    assert result.estimate == pytest.approx(TAIL_5, rel=0.03)       # within 3 % (relative SE is ~0.8 %)
    assert result.relative_error < 0.01
    assert abs(result.estimate - TAIL_5) < 4 * result.std_error
    assert result.n == n and not result.self_normalized
    # the weights are tiny (about e^-12.5) and uneven, so the ESS is a fraction of n
    assert 0 < result.effective_sample_size < n
    np.testing.assert_allclose(result.log_weights, log_normal(x) - log_normal(x, 5.0), rtol=1e-12)


def test_expectation_and_calibrated_standard_error():
    # E_p[X^2] = 1 under p = N(0, 1), proposal N(0, 1.5^2) (heavier tails: finite variance)
    rng = np.random.default_rng(41)
    errors, std_errors = [], []
    for _ in range(40):
        x = rng.normal(0.0, 1.5, 2000)
        r = importance_estimate(x ** 2, log_normal(x), log_normal(x, 0.0, 1.5))
        errors.append(r.estimate - 1.0)
        std_errors.append(r.std_error)
    # the reported SE matches the actual spread of the estimates to within 30 %
    assert np.std(errors) == pytest.approx(np.mean(std_errors), rel=0.3)
    assert abs(np.mean(errors)) < 4 * np.mean(std_errors) / math.sqrt(40)


def test_self_normalised_needs_p_only_up_to_a_constant():
    rng = np.random.default_rng(42)
    x = rng.normal(1.0, 2.0, 50_000)
    log_q = log_normal(x, 1.0, 2.0)
    f = np.cos(x)  # E_p[cos X] = exp(-1/2) for X ~ N(0, 1)
    truth = math.exp(-0.5)
    plain = importance_estimate(f, log_normal(x), log_q)
    normalised = importance_estimate(f, log_normal(x), log_q, self_normalized=True)
    unnormalised_p = importance_estimate(f, log_normal(x) + 123.4, log_q, self_normalized=True)
    for r in (plain, normalised):
        assert abs(r.estimate - truth) < 4 * r.std_error
    assert unnormalised_p.estimate == pytest.approx(normalised.estimate, rel=1e-12)
    assert unnormalised_p.std_error == pytest.approx(normalised.std_error, rel=1e-9)
    # the plain estimator is off by the missing constant exp(123.4)
    assert importance_estimate(f, log_normal(x) - 5.0, log_q).estimate == pytest.approx(
        plain.estimate * math.exp(-5.0), rel=1e-12)


def test_log_space_avoids_overflow_and_underflow():
    rng = np.random.default_rng(43)
    x = rng.normal(0.0, 1.0, 1000)
    base = importance_estimate(np.sin(x), log_normal(x), log_normal(x), self_normalized=True)
    for offset in (-2000.0, 700.0, 2000.0):  # exp(offset) would underflow / overflow a double
        shifted = importance_estimate(np.sin(x), log_normal(x) + offset, log_normal(x), self_normalized=True)
        assert shifted.estimate == pytest.approx(base.estimate, rel=1e-9)
        assert shifted.effective_sample_size == pytest.approx(1000.0)
    huge = importance_estimate(np.ones(1000), log_normal(x) + 2000.0, log_normal(x))
    assert huge.estimate == math.inf or huge.estimate > 1e300  # the honest plain answer is e^2000
    tiny = importance_estimate(np.ones(1000), log_normal(x) - 2000.0, log_normal(x))
    assert tiny.estimate == 0.0 or tiny.estimate < 1e-300


def test_effective_sample_size():
    assert effective_sample_size(np.zeros(100)) == pytest.approx(100.0)
    assert effective_sample_size(np.array([0.0, -1000.0, -1000.0])) == pytest.approx(1.0)
    # (sum w)^2 / sum w^2 for weights 1, 2, 3, 4
    w = np.array([1.0, 2.0, 3.0, 4.0])
    assert effective_sample_size(np.log(w)) == pytest.approx(w.sum() ** 2 / np.sum(w ** 2), rel=1e-14)
    assert effective_sample_size(np.log(w) + 800.0) == pytest.approx(w.sum() ** 2 / np.sum(w ** 2), rel=1e-14)
    assert effective_sample_size([]) == 0.0
    assert effective_sample_size([-np.inf, -np.inf]) == 0.0
    # zero-weight samples (impossible under p) simply do not count
    assert effective_sample_size([0.0, 0.0, -np.inf]) == pytest.approx(2.0)


def test_kl_and_cross_entropy_of_gaussians_from_samples():
    rng = np.random.default_rng(44)
    mu_p, s_p, mu_q, s_q = 0.0, 1.0, 1.0, 2.0
    kl_nats = math.log(s_q / s_p) + (s_p ** 2 + (mu_p - mu_q) ** 2) / (2 * s_q ** 2) - 0.5
    h_p = 0.5 * math.log(2 * math.pi * math.e * s_p ** 2)
    # samples from p
    x = rng.normal(mu_p, s_p, 100_000)
    kl = kl_estimate(log_normal(x, mu_p, s_p), log_normal(x, mu_q, s_q), base=math.e)
    assert abs(kl.estimate - kl_nats) < 4 * kl.std_error
    ce = cross_entropy_estimate(log_normal(x, mu_q, s_q), base=math.e)
    assert abs(ce.estimate - (h_p + kl_nats)) < 4 * ce.std_error  # H(p, q) = h(p) + KL(p || q)
    assert ce.effective_sample_size == x.size
    # bits by default
    assert kl_estimate(log_normal(x, mu_p, s_p), log_normal(x, mu_q, s_q)).estimate == pytest.approx(
        kl.estimate / math.log(2), rel=1e-12)
    # samples from q, reweighted to p: KL = E_q[w log w]
    y = rng.normal(mu_q, s_q, 100_000)
    lw = log_normal(y, mu_p, s_p) - log_normal(y, mu_q, s_q)
    kl_q = kl_estimate(log_normal(y, mu_p, s_p), log_normal(y, mu_q, s_q), log_weights=lw, base=math.e)
    assert abs(kl_q.estimate - kl_nats) < 4 * kl_q.std_error
    assert kl_q.effective_sample_size < y.size


def test_kl_from_proposal_with_wider_support():
    # p = Exp(1) on x >= 0, proposal r = N(0, 2^2) on the whole line: samples with x < 0 have log p = -inf and
    # weight 0; they drop out instead of poisoning the estimate. KL(Exp(1) || N(0, 4)) in closed form:
    # E_p[log p - log q] = -1 + log(2 sqrt(2 pi)) + E[X^2] / 8 = -1 + log(2 sqrt(2 pi)) + 1/4
    rng = np.random.default_rng(46)
    x = rng.normal(0.0, 2.0, 200_000)
    with np.errstate(divide="ignore"):
        log_p = np.where(x >= 0, -x, -np.inf)
    log_r = log_normal(x, 0.0, 2.0)
    truth = -1 + math.log(2 * math.sqrt(2 * math.pi)) + 0.25
    kl = kl_estimate(log_p, log_r, log_weights=log_p - log_r, base=math.e)
    assert abs(kl.estimate - truth) < 4 * kl.std_error
    assert kl.effective_sample_size < np.count_nonzero(x >= 0)
    with pytest.raises(ValueError, match="one value per sample"):
        kl_estimate(log_p, log_r, log_weights=np.zeros(3))


def test_discrete_cross_entropy_from_samples_matches_measures():
    rng = np.random.default_rng(45)
    p = np.array([0.5, 0.25, 0.125, 0.125])
    q = np.array([0.1, 0.2, 0.3, 0.4])
    data = rng.choice(4, size=50_000, p=p)
    ce = cross_entropy_estimate(np.log(q[data]))  # bits
    assert abs(ce.estimate - cross_entropy(p, q)) < 4 * ce.std_error
    kl = kl_estimate(np.log(p[data]), np.log(q[data]))
    assert abs(kl.estimate - kl_divergence(p, q)) < 4 * kl.std_error
    assert ce.estimate - kl.estimate == pytest.approx(-np.mean(np.log2(p[data])), rel=1e-12)
    assert abs((ce.estimate - kl.estimate) - entropy(p)) < 0.02


def test_errors():
    x = np.zeros(3)
    with pytest.raises(ValueError, match="one value per sample"):
        log_importance_weights(np.zeros(3), np.zeros(4))
    with pytest.raises(ValueError, match="not drawn from q"):
        importance_estimate(x, np.zeros(3), np.array([0.0, -np.inf, 0.0]))
    with pytest.raises(ValueError, match="NaN"):
        importance_estimate(x, np.array([0.0, np.nan, 0.0]), np.zeros(3))
    with pytest.raises(ValueError, match="values for"):
        importance_estimate(np.zeros(2), np.zeros(3), np.zeros(3))
    with pytest.raises(TypeError, match="samples"):
        importance_estimate(np.sin, np.zeros(3), np.zeros(3))
    with pytest.raises(ValueError, match="no samples"):
        importance_estimate([], [], [])
    with pytest.raises(ValueError, match="finite"):
        importance_estimate([1.0, np.inf, 0.0], np.zeros(3), np.zeros(3))
    with pytest.raises(ValueError, match="every importance weight is 0"):
        importance_estimate(x, np.full(3, -np.inf), np.zeros(3), self_normalized=True)
    # every sample impossible under p: the plain estimate is exactly 0
    assert importance_estimate(x, np.full(3, -np.inf), np.zeros(3)).estimate == 0.0
    with pytest.raises(ValueError, match="one value per sample"):
        kl_estimate(np.zeros(3), np.zeros(2))
    with pytest.raises(ValueError, match="finite"):
        cross_entropy_estimate(np.array([-np.inf, 0.0]))


def test_nan_and_infinite_log_weights_are_refused():
    with pytest.raises(ValueError, match="NaN"):
        kl_estimate(np.zeros(3), np.array([0.0, 0.0, 1.0]), log_weights=[0.0, np.nan, 0.0])
    with pytest.raises(ValueError, match="NaN"):
        cross_entropy_estimate(np.array([-1.0, -2.0]), log_weights=[np.nan, 0.0])
    for bad in ([0.0, np.nan], [0.0, np.inf]):
        with pytest.raises(ValueError, match="NaN"):
            effective_sample_size(bad)
    assert effective_sample_size([0.0, -np.inf]) == pytest.approx(1.0)


def test_complex_values_are_refused():
    with pytest.raises(TypeError, match="complex"):
        importance_estimate(np.array([1 + 1j, 1.0]), np.zeros(2), np.zeros(2))
    with pytest.raises(TypeError, match="complex"):
        kl_estimate(np.array([1j, 0.0]), np.zeros(2))

"""Importance sampling: expectations under p from samples of a proposal q, with weights in log space.

For samples x_1..x_n drawn from q and weights w_i = p(x_i) / q(x_i),

.. math:: E_p[f(X)] = E_q[w(X) f(X)] \\approx \\frac1n \\sum_i w_i f(x_i)          \\quad\\text{(plain)}
.. math:: E_p[f(X)] \\approx \\frac{\\sum_i w_i f(x_i)}{\\sum_i w_i}                 \\quad\\text{(self-normalised)}

The plain estimator is unbiased but needs p and q normalised; the self-normalised one is consistent
(bias O(1/n)) and needs p only up to a constant. Weights are handled as log w_i = log p(x_i) - log q(x_i)
and shifted by their maximum before exponentiating, so densities far out in the tails (log p = -1000)
neither underflow to 0/0 nor overflow. The effective sample size (Σw)² / Σw² says how many samples from p
the weighted sample is worth; when it is a small fraction of n the proposal is poor and the estimate
(and its standard error) should not be trusted.

Rare events are the classic use: P(X > 5) for X ~ N(0, 1) is 2.87e-7, so 10⁵ samples from p itself
almost never see a hit, while 10⁵ samples from N(5, 1) estimate it to about 1 %.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .discrete import log_base, real_array


@dataclass(frozen=True)
class ImportanceEstimate:
    """Result of :func:`importance_estimate`.

    Attributes
    ----------
    estimate : float
        The estimate of E_p[f(X)].
    std_error : float
        Its estimated standard error (plain: sample std of w f over √n; self-normalised: the delta-method
        sqrt(Σ w̃_i² (f_i - estimate)²) with normalised weights w̃).
    effective_sample_size : float
        (Σ w_i)² / Σ w_i², between 1 and n.
    n : int
        Number of samples.
    log_weights : numpy.ndarray
        log w_i = log p(x_i) - log q(x_i).
    self_normalized : bool
    """

    estimate: float
    std_error: float
    effective_sample_size: float
    n: int
    log_weights: np.ndarray
    self_normalized: bool

    @property
    def relative_error(self) -> float:
        """std_error / abs(estimate) (inf when the estimate is 0)."""
        return self.std_error / abs(self.estimate) if self.estimate else math.inf


def _values(name: str, value, samples) -> np.ndarray:
    """Evaluate a callable at the samples, or take an array of values already evaluated."""
    if callable(value):
        if samples is None:
            raise TypeError(f"{name} is a function, so the samples must be given")
        value = value(samples)
    array = real_array(value, name)
    if array.ndim == 0:
        raise ValueError(f"{name} must give one value per sample, got a scalar")
    return array.ravel() if array.ndim > 1 else array


def log_importance_weights(log_p, log_q) -> np.ndarray:
    """log w_i = log p(x_i) - log q(x_i) of samples from q.

    ``-inf`` in ``log_p`` (a sample p cannot produce) gives weight 0; ``-inf`` in ``log_q`` for a sample
    that was drawn from q is impossible and raises ValueError, as do NaN and ``+inf``.
    """
    log_p = real_array(log_p, "log_p")
    log_q = real_array(log_q, "log_q")
    if log_p.shape != log_q.shape:
        raise ValueError(f"log_p and log_q must have one value per sample, got shapes {log_p.shape} and {log_q.shape}")
    if np.any(np.isnan(log_p)) or np.any(np.isnan(log_q)) or np.any(log_p == np.inf) or np.any(log_q == np.inf):
        raise ValueError("log densities must not be NaN or +inf")
    if np.any(np.isinf(log_q)):
        raise ValueError("log_q is -inf at a sample: the samples were not drawn from q")
    return log_p - log_q


def effective_sample_size(log_weights) -> float:
    """Kish's effective sample size of importance weights given in log space.

    .. math:: n_{\\mathrm{eff}} = \\frac{(\\sum_i w_i)^2}{\\sum_i w_i^2} = \\frac{1}{\\sum_i \\tilde w_i^2},
              \\qquad \\tilde w_i = \\frac{w_i}{\\sum_j w_j}

    n for equal weights, 1 when one weight dominates; 0 if every weight is 0. NaN or +inf log weights
    raise ValueError.
    """
    lw = real_array(log_weights, "log_weights").ravel()
    if np.any(np.isnan(lw)) or np.any(lw == np.inf):
        raise ValueError("log weights must not be NaN or +inf")
    if lw.size == 0 or not np.any(np.isfinite(lw)):
        return 0.0
    w = np.exp(lw - lw.max())
    return float(w.sum() ** 2 / np.sum(w * w))


def _rescale(value: float, log_factor: float) -> float:
    """value * exp(log_factor), formed in log space: inf or 0 only when the true result is out of range."""
    if value == 0.0:
        return 0.0
    log_magnitude = math.log(abs(value)) + log_factor
    if log_magnitude > 709.78:
        return math.copysign(math.inf, value)
    return math.copysign(math.exp(log_magnitude), value)


def importance_estimate(f, log_p, log_q, samples=None, *, self_normalized: bool = False) -> ImportanceEstimate:
    """Estimate E_p[f(X)] from samples of a proposal q, with importance weights computed in log space.

    .. math:: \\hat\\mu = \\frac1n \\sum_{i=1}^n w_i f(x_i) \\ \\text{(plain)}, \\qquad
              \\hat\\mu_{SN} = \\frac{\\sum_i w_i f(x_i)}{\\sum_i w_i}, \\qquad
              w_i = \\exp(\\log p(x_i) - \\log q(x_i)), \\ x_i \\sim q

    Parameters
    ----------
    f : callable or array_like
        The function (called as ``f(samples)``, vectorised) or its values at the samples.
    log_p : callable or array_like
        Log density of the target p (normalised for the plain estimator; any constant offset is fine
        for the self-normalised one), as a function or values at the samples.
    log_q : callable or array_like
        Log density of the proposal q that the samples were drawn from.
    samples : array_like, optional
        The samples x_i ~ q; needed when any of f, log_p, log_q is a callable.
    self_normalized : bool
        Use the self-normalised estimator (default: plain).

    Returns
    -------
    ImportanceEstimate
        Estimate, standard error, effective sample size, log weights.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(5.0, 1.0, 100_000)                      # proposal N(5, 1)
    >>> log_normal = lambda x, mu: -0.5 * (x - mu) ** 2 - 0.5 * math.log(2 * math.pi)
    >>> result = importance_estimate(lambda x: x > 5, lambda x: log_normal(x, 0.0), lambda x: log_normal(x, 5.0), x)
    >>> abs(result.estimate / 2.866515718791939e-07 - 1) < 0.03
    True
    """
    lw = log_importance_weights(_values("log_p", log_p, samples), _values("log_q", log_q, samples))
    values = _values("f", f, samples)
    if values.shape != lw.shape:
        raise ValueError(f"f gives {values.size} values for {lw.size} samples")
    n = lw.size
    if n == 0:
        raise ValueError("no samples")
    if not np.all(np.isfinite(values)):
        raise ValueError("f must be finite at every sample")
    if not np.any(np.isfinite(lw)):
        # every sample is impossible under p: the plain estimate is 0, the self-normalised one undefined
        if self_normalized:
            raise ValueError("every importance weight is 0 (no sample has positive density under p)")
        return ImportanceEstimate(0.0, 0.0, 0.0, n, lw, False)
    shift = float(lw.max())
    w = np.exp(lw - shift)  # weights divided by exp(shift): at most 1, no overflow
    ess = float(w.sum() ** 2 / np.sum(w * w))
    if self_normalized:
        normalized = w / w.sum()
        estimate = float(np.sum(normalized * values))
        std_error = float(math.sqrt(np.sum(normalized ** 2 * (values - estimate) ** 2)))
    else:
        scaled = w * values
        estimate = _rescale(float(np.mean(scaled)), shift)
        std_error = _rescale(float(np.std(scaled, ddof=1) / math.sqrt(n)), shift) if n > 1 else math.inf
    return ImportanceEstimate(estimate, std_error, ess, n, lw, self_normalized)


@dataclass(frozen=True)
class MonteCarloValue:
    """A Monte Carlo estimate with its standard error and effective sample size."""

    estimate: float
    std_error: float
    effective_sample_size: float


def kl_estimate(log_p, log_q, *, log_weights=None, base=None) -> MonteCarloValue:
    """Monte Carlo estimate of D_KL(p || q) from samples, with its standard error.

    .. math:: D_{KL}(p \\| q) = E_p\\left[\\log\\frac{p(X)}{q(X)}\\right]
              \\approx \\frac1n \\sum_i (\\log p(x_i) - \\log q(x_i)), \\quad x_i \\sim p

    Parameters
    ----------
    log_p, log_q : array_like
        Normalised log densities of p and q at the samples.
    log_weights : array_like, optional
        If the samples came from some other proposal r rather than from p, the log importance weights
        log p(x_i) - log r(x_i); the expectation is then the self-normalised weighted mean. With r = q
        this is KL = E_q[w log w]. Samples of weight 0 (log weight -inf: outside p's support) drop out.
    base : float, optional
        Logarithm base; default 2 (bits). Densities are taken as natural logs.

    Returns
    -------
    MonteCarloValue
        Estimate (which can come out slightly negative from sampling noise when p and q are close),
        standard error and effective sample size.
    """
    log_p = real_array(log_p, "log_p")
    log_q = real_array(log_q, "log_q")
    if log_p.shape != log_q.shape:
        raise ValueError("log_p and log_q must have one value per sample")
    return _mean_of(log_p - log_q, log_weights, base)


def cross_entropy_estimate(log_q, *, log_weights=None, base=None) -> MonteCarloValue:
    """Monte Carlo estimate of the cross-entropy H(p, q) = E_p[-log q(X)] from samples.

    .. math:: H(p, q) \\approx -\\frac1n \\sum_i \\log q(x_i), \\quad x_i \\sim p

    Parameters
    ----------
    log_q : array_like
        Natural log density of the model q at samples from p (or from a proposal r, see ``log_weights``).
    log_weights : array_like, optional
        log p(x_i) - log r(x_i) when the samples come from a proposal r; self-normalised weighting.
    base : float, optional
        Logarithm base; default 2 (bits per sample, the mean code length of p's samples under q).

    Returns
    -------
    MonteCarloValue
    """
    return _mean_of(-real_array(log_q, "log_q"), log_weights, base)


def _mean_of(values: np.ndarray, log_weights, base) -> MonteCarloValue:
    scale = log_base(base)
    values = values.ravel()
    if values.size == 0:
        raise ValueError("no samples")
    if log_weights is not None:
        log_weights = real_array(log_weights, "log_weights").ravel()
        if np.any(np.isnan(log_weights)):  # would otherwise drop out below like a weight of 0
            raise ValueError("log weights must not be NaN or +inf")
        if log_weights.shape != values.shape:
            raise ValueError(f"log_weights must have one value per sample: got {log_weights.size} for {values.size}")
        # samples that p cannot produce have weight 0 and drop out, even where log p(x) = -inf
        possible = log_weights > -np.inf
        values, log_weights = values[possible], log_weights[possible]
        if values.size == 0:
            raise ValueError("every importance weight is 0 (no sample has positive density under p)")
    if not np.all(np.isfinite(values)):
        raise ValueError("log densities must be finite at every sample (a sample outside a support?)")
    if log_weights is None:
        n = values.size
        error = float(np.std(values, ddof=1) / math.sqrt(n)) if n > 1 else math.inf
        return MonteCarloValue(float(np.mean(values)) / scale, error / scale, float(n))
    result = importance_estimate(values, log_weights, np.zeros(values.size), self_normalized=True)
    return MonteCarloValue(result.estimate / scale, result.std_error / scale, result.effective_sample_size)

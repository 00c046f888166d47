"""Rényi and Tsallis entropies and the Rényi divergence of discrete distributions.

Inputs follow :mod:`codelength.measures.discrete`: integer counts (normalised exactly) or probability
vectors summing to 1 within ``SUM_TOLERANCE`` (``normalize=True`` for weights). Symbols of probability 0
are left out of every sum (the convention 0^α = 0 also for α <= 0: they are not in the support).

Orders α at the ends and at 1 are the limits, computed by their own formulas:

=======  ======================  ================================
α        Rényi entropy H_α       name
=======  ======================  ================================
0        log |supp p|            Hartley (max-entropy)
1        -Σ p log p              Shannon
2        -log Σ p²               collision entropy
∞        -log max p              min-entropy
=======  ======================  ================================

Near α = 1 the general formula 1/(1-α) log Σ p^α is a ratio of two small numbers; it is evaluated as
log1p(Σ p expm1((α-1) log p)) / (1-α), which keeps full relative precision there (the same for Tsallis
and for the divergence), and elsewhere with the largest term factored out (no underflow of p^α).
"""
from __future__ import annotations

import math

import numpy as np

from .discrete import _kl_nats, _pair_of_distributions, as_distribution, entropy, log_base

#: Below this |α - 1| the expm1/log1p forms are used (see the module notes).
_NEAR_ONE = 0.5


def _order(alpha, name: str = "alpha", lowest: float = 0.0) -> float:
    if isinstance(alpha, bool) or not isinstance(alpha, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a real number, got {type(alpha).__name__}")
    alpha = float(alpha)
    if math.isnan(alpha) or alpha < lowest:
        raise ValueError(f"{name} must be >= {lowest:g} (inf allowed), got {alpha}")
    return alpha


def _log_power_sum(logs: np.ndarray, weights: np.ndarray, t: float) -> float:
    """log(sum_i w_i exp(t * logs_i) / sum_i w_i): via log1p of the mean of expm1(t logs) when |t| is small.

    Dividing by Σ w (1 up to rounding) makes this the value for the exactly normalised distribution: the
    ~1e-16 by which a float vector's sum misses 1 would otherwise be divided by t -> 0 near order 1.
    """
    total = math.fsum(weights.tolist())
    if abs(t) < _NEAR_ONE:
        with np.errstate(invalid="ignore"):
            parts = weights * np.expm1(t * logs)
        parts = np.where(np.isnan(parts), -weights, parts)  # t * logs = -inf: expm1 = -1
        excess = math.fsum(parts.tolist()) / total
        return math.log1p(excess) if excess > -1.0 else -math.inf
    exponents = t * logs + np.log(weights)
    top = float(np.max(exponents))
    if not math.isfinite(top):
        return top
    return top + math.log(math.fsum(np.exp(exponents - top).tolist())) - math.log(total)


def renyi_entropy(p, alpha, base=None, *, normalize: bool = False) -> float:
    """Rényi entropy of order α of a distribution given as probabilities or counts.

    .. math:: H_\\alpha(p) = \\frac{1}{1 - \\alpha} \\log \\sum_x p(x)^\\alpha

    with the limits α = 0 (log of the support size), α = 1 (Shannon entropy) and α = ∞ (-log max p).
    H_α is non-increasing in α; H_∞ <= H_2 <= 2 H_∞.

    Parameters
    ----------
    p : array_like
        Integer counts or a probability vector.
    alpha : float
        The order, >= 0 (``math.inf`` for the min-entropy).
    base : float, optional
        Logarithm base; default 2 (bits).
    normalize : bool
        Accept floating weights that do not sum to 1 and normalise them.

    Returns
    -------
    float
        0 for empty or all-zero counts.

    Examples
    --------
    >>> round(renyi_entropy([1, 1, 2], 2), 12)   # -log2(1/16 + 1/16 + 1/4)
    1.415037499279
    >>> renyi_entropy([0.5, 0.25, 0.25], math.inf)
    1.0
    """
    scale = log_base(base)
    alpha = _order(alpha)
    if alpha == 1.0:
        return entropy(p, base, normalize=normalize)
    probs = as_distribution(p, normalize=normalize, name="p")
    support = probs[probs > 0]
    if support.size == 0:
        return 0.0
    if alpha == 0.0:
        value = math.log(support.size)
    elif math.isinf(alpha):
        value = -math.log(float(support.max()))
    else:
        value = _log_power_sum(np.log(support), support, alpha - 1.0) / (1.0 - alpha)
    return max(value, 0.0) / scale


def tsallis_entropy(p, q, *, normalize: bool = False) -> float:
    """Tsallis entropy of index q (dimensionless, Boltzmann constant 1).

    .. math:: S_q(p) = \\frac{1 - \\sum_x p(x)^q}{q - 1}, \\qquad S_1 = -\\sum_x p \\ln p \\text{ (nats)}

    Unlike the Rényi entropy it has no logarithm, so no base: S_q is in "nats" only in the limit q -> 1.
    Sums run over the support of p (so q <= 0 is allowed). Non-extensive: for independent A, B,
    S_q(A, B) = S_q(A) + S_q(B) + (1 - q) S_q(A) S_q(B).

    Parameters
    ----------
    p : array_like
        Integer counts or a probability vector.
    q : float
        The entropic index (any finite real number).
    normalize : bool

    Returns
    -------
    float

    Examples
    --------
    >>> tsallis_entropy([0.5, 0.5], 2)   # 1 - (1/4 + 1/4)
    0.5
    """
    if isinstance(q, bool) or not isinstance(q, (int, float, np.integer, np.floating)) or not math.isfinite(q):
        raise ValueError(f"q must be a finite real number, got {q!r}")
    q = float(q)
    if q == 1.0:
        return entropy(p, math.e, normalize=normalize)
    probs = as_distribution(p, normalize=normalize, name="p")
    support = probs[probs > 0]
    if support.size == 0:
        return 0.0
    t = q - 1.0
    if abs(t) < _NEAR_ONE:
        # 1 - Σ p^q = -Σ p expm1((q-1) log p) for Σ p = 1 (divided by the float sum: see _log_power_sum)
        parts = support * np.expm1(t * np.log(support))
        deficit = -math.fsum(parts.tolist()) / math.fsum(support.tolist())
    else:
        deficit = 1.0 - math.fsum((support ** q).tolist())
    return deficit / t


def renyi_divergence(p, q, alpha, base=None, *, normalize: bool = False) -> float:
    """Rényi divergence of order α of p from q.

    .. math:: D_\\alpha(p \\| q) = \\frac{1}{\\alpha - 1} \\log \\sum_x p(x)^\\alpha q(x)^{1 - \\alpha}

    Limits: α = 0 gives -log q(supp p), α = 1 the KL divergence (:func:`~codelength.kl_divergence`), α = ∞
    log max_x p(x)/q(x). Non-decreasing in α; D_{1/2} = -2 log of the Bhattacharyya coefficient.

    Parameters
    ----------
    p, q : array_like
        Distributions over the same alphabet (probabilities or integer counts).
    alpha : float
        Order >= 0 (``math.inf`` allowed).
    base : float, optional
        Logarithm base; default 2 (bits).
    normalize : bool

    Returns
    -------
    float
        >= 0 (results rounding would make negative are returned as 0); ``inf`` if α >= 1 and q(x) = 0
        where p(x) > 0, or if α < 1 and p and q have disjoint supports.
    """
    scale = log_base(base)
    alpha = _order(alpha)
    ps, qs = _pair_of_distributions(p, q, normalize)
    if alpha == 1.0:
        return _kl_nats(ps, qs) / scale
    support = ps > 0
    pp, qq = ps[support], qs[support]
    if alpha == 0.0:
        mass = math.fsum(qq.tolist())
        return (max(-math.log(mass), 0.0) if mass > 0 else math.inf) / scale
    if alpha > 1.0 and np.any(qq == 0):
        return math.inf
    with np.errstate(divide="ignore"):
        log_ratio = np.log(pp) - np.log(qq)
    if math.isinf(alpha):
        return max(float(np.max(log_ratio)), 0.0) / scale
    # Σ p^α q^(1-α) = Σ p exp((α - 1) log(p/q)) over the support of p
    log_sum = _log_power_sum(log_ratio, pp, alpha - 1.0)
    if math.isinf(log_sum):
        return math.inf if log_sum < 0 else math.inf
    return max(log_sum / (alpha - 1.0), 0.0) / scale

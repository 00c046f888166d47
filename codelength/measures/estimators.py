"""Entropy estimators for samples: the plug-in estimate and its bias corrections.

The plug-in (maximum-likelihood) entropy of a sample, H(p̂) with p̂ = n_s / N, is biased low: a finite
sample misses rare symbols and makes the ones it sees look more concentrated than they are. To first
order E[H(p̂)] = H(p) - (K - 1) / (2N) nats for K symbols of positive probability, and the bias is far
larger than that when N is not much bigger than K. Each estimator here takes symbol counts and returns
an estimate of H(p) of the source that produced them.

Which one to use
----------------
=================  ========================================================================================
``"plugin"``       H(p̂). Fine when N >> K (many samples per symbol); otherwise an underestimate.
``"miller-madow"`` H(p̂) + (m - 1) / (2N), m = distinct symbols seen. Removes the first-order bias; cheap and
                   good once every likely symbol has been seen several times (N >~ 5K). Still far too low
                   when many symbols are unseen.
``"jackknife"``    N H(p̂) - (N - 1) mean(H of leave-one-out samples). Removes the 1/N term without a model;
                   nearly unbiased when N >~ K, a little more variance than Miller-Madow.
``"grassberger"``  Grassberger (2003): log N - (1/N) sum n_s G(n_s), G from the digamma function. As good as
                   the jackknife at N ~ K and better when undersampled; slightly high for very skewed small
                   samples. No parameters, no alphabet size: the default.
``"chao-shen"``    Coverage-adjusted Horvitz-Thompson estimator (Chao & Shen 2003): accounts for unseen
                   symbols through the singleton count. Strong when N < K; the largest variance.
``"nsb"``          Nemenman-Shafee-Bialek (2002): posterior mean under a mixture of Dirichlet priors that is
                   nearly flat in entropy. Needs the alphabet size K. Usually the least biased when N < K on
                   uneven (Zipf-like, Dirichlet-like) sources; on exactly uniform sources it is low, since
                   its prior also weighs lower entropies. Slowest (a 1-D quadrature: milliseconds).
=================  ========================================================================================

Mean error in bits over 100 seeded samples (true H in brackets; the spread of one estimate is 0.03-0.14 bit,
so differences below ~0.03 are noise). ``python benchmarks/bench_measures.py`` reproduces it:

=============================  ======  =====  =====  =====  =====  =====
source, K symbols, N samples   plugin  MM     JK     GB     CS     NSB
=============================  ======  =====  =====  =====  =====  =====
uniform, K=20, N=100 (4.32)    -0.15   -0.01  +0.01  +0.02  -0.07  -0.06
Dirichlet(1), K=256, N=200     -0.84   -0.44  -0.19  -0.17  -0.13  -0.03
(7.39)
Zipf(1), K=1000, N=1000        -0.60   -0.35  -0.19  -0.15  -0.06  -0.03
(7.49)
=============================  ======  =====  =====  =====  =====  =====

All of them converge to the true entropy as N grows. None can be unbiased for every distribution
(Paninski 2003); on data with a long tail of rare symbols every estimator is low for small N.

The digamma, trigamma and log-gamma functions come from :mod:`scipy.special` (a runtime dependency),
imported on first use so that ``import codelength`` stays light.
"""
from __future__ import annotations

import math

import numpy as np

from ..stats.counting import as_symbols, check_integer, counts as _counts
from .discrete import exact_total, log_base

#: The estimator names accepted by :func:`entropy_estimate` (aliases: "ml" = "plugin", "mm" = "miller-madow").
ESTIMATORS = ("plugin", "miller-madow", "jackknife", "grassberger", "chao-shen", "nsb")
_ALIASES = {"ml": "plugin", "plug-in": "plugin", "mle": "plugin", "mm": "miller-madow",
            "millermadow": "miller-madow", "miller_madow": "miller-madow", "chaoshen": "chao-shen",
            "chao_shen": "chao-shen", "jk": "jackknife"}

# ---------------------------------------------------------------------------------------------
# Input
# ---------------------------------------------------------------------------------------------

def _as_counts(counts) -> np.ndarray:
    array = np.asarray(counts)
    if array.dtype.kind not in "iu":
        if array.size == 0:
            array = array.astype(np.int64)
        else:
            raise TypeError(f"counts must be integers (got dtype {array.dtype}); estimators need sample counts, "
                            "not probabilities")
    if array.ndim != 1:
        raise ValueError(f"counts must be one-dimensional, got shape {array.shape}")
    if array.size and array.min() < 0:
        raise ValueError("counts must be non-negative")
    if exact_total(array) > np.iinfo(np.int64).max:
        raise ValueError("counts sum to more than int64 holds (2**63 - 1): too large for a sample")
    return array.astype(np.int64, copy=False)


def _plugin_nats(n: np.ndarray, total: int) -> float:
    n = n[n > 0]
    return math.fsum(((n / total) * np.log1p((total - n) / n)).tolist())


# ---------------------------------------------------------------------------------------------
# The estimators (counts in, nats out)
# ---------------------------------------------------------------------------------------------

def _plugin(n: np.ndarray, total: int, alphabet_size) -> float:
    return _plugin_nats(n, total)


def _miller_madow(n: np.ndarray, total: int, alphabet_size) -> float:
    seen = int(np.count_nonzero(n))
    return _plugin_nats(n, total) + (seen - 1) / (2.0 * total)


def _leave_one_out_gain(n) -> np.ndarray:
    """a(n) = -(n - 1) log(1 - 1/n), in [0, 1): a(1) = 0, a(n) -> 1 as n grows."""
    n = np.asarray(n, dtype=np.float64)
    out = np.zeros_like(n)
    big = n > 1
    out[big] = -(n[big] - 1.0) * np.log1p(-1.0 / n[big])
    return out


def _jackknife(n: np.ndarray, total: int, alphabet_size) -> float:
    """N H - (N - 1) mean_j H_-j, written as H + a(N) - sum_s (n_s / N) a(n_s) (see _leave_one_out_gain).

    With S = sum n_s log n_s, H = log N - S/N and removing one of the n_s occurrences of s gives
    H_-s = log(N - 1) - (S - n_s log n_s + (n_s - 1) log(n_s - 1)) / (N - 1); collecting terms gives the
    form above, a difference of two numbers in [0, 1) instead of two of size N log N (which cancelled
    to nothing from N ~ 1e13 on).
    """
    if total < 2:
        return 0.0
    n = n[n > 0]
    correction = float(_leave_one_out_gain(total)) - math.fsum(
        ((n / total) * _leave_one_out_gain(n)).tolist())
    return _plugin_nats(n, total) + correction


def _grassberger_g(values: np.ndarray) -> np.ndarray:
    """G(n) = psi(n) + (1/2) (-1)^n (psi((n+1)/2) - psi(n/2)) (Grassberger 2003, eq. 30)."""
    from scipy.special import digamma
    values = values.astype(np.float64)
    sign = np.where(values % 2 == 0, 1.0, -1.0)
    return digamma(values) + 0.5 * sign * (digamma((values + 1) / 2) - digamma(values / 2))


def _grassberger(n: np.ndarray, total: int, alphabet_size) -> float:
    values, multiplicity = np.unique(n[n > 0], return_counts=True)
    g = np.atleast_1d(_grassberger_g(values))
    return math.log(total) - math.fsum((multiplicity * values * g).tolist()) / total


def _chao_shen(n: np.ndarray, total: int, alphabet_size) -> float:
    n = n[n > 0].astype(np.float64)
    singletons = int(np.count_nonzero(n == 1))
    if singletons == total:
        singletons = total - 1  # all singletons would give zero coverage; Chao & Shen's adjustment
    coverage = 1.0 - singletons / total
    pa = coverage * n / total
    # inclusion probability 1 - (1 - pa)^N, written to stay accurate for tiny pa
    with np.errstate(divide="ignore"):  # pa = 1 (one symbol only): log1p(-1) = -inf, inclusion 1
        inclusion = -np.expm1(total * np.log1p(-pa))
    return math.fsum((-pa * np.log(pa) / inclusion).tolist())


def _nsb(n: np.ndarray, total: int, alphabet_size) -> float:
    return nsb_entropy_nats(n, total, alphabet_size)[0]


_METHODS = {"plugin": _plugin, "miller-madow": _miller_madow, "jackknife": _jackknife,
            "grassberger": _grassberger, "chao-shen": _chao_shen, "nsb": _nsb}


# ---------------------------------------------------------------------------------------------
# NSB
# ---------------------------------------------------------------------------------------------

def _dirichlet_posterior_mean_entropy(values, multiplicity, unseen, total, alphabet_size, beta):
    """E[H | counts, beta] (nats) under a symmetric Dirichlet(beta) prior, for each beta of an array.

    E[H] = psi(N + K beta + 1) - sum_s (n_s + beta) / (N + K beta) psi(n_s + beta + 1)
    (Wolpert & Wolf 1995), with the unseen symbols (n_s = 0) grouped.
    """
    from scipy.special import digamma
    a = total + alphabet_size * beta
    seen = (multiplicity[:, None] * (values[:, None] + beta) * digamma(values[:, None] + beta + 1)).sum(axis=0)
    seen = seen + unseen * beta * digamma(beta + 1)
    return digamma(a + 1) - seen / a


def _trapezoid(y: np.ndarray, x: np.ndarray) -> float:
    """Trapezoid rule (numpy.trapezoid is NumPy >= 2 only, numpy.trapz is deprecated there)."""
    return float(np.sum(0.5 * (y[1:] + y[:-1]) * np.diff(x)))


#: From this argument on, :func:`_log_rising` uses Stirling's series for the difference (error < 1e-20).
_RISING_SERIES_START = 1e6


def _log_rising(a, m):
    """log Gamma(a + m) - log Gamma(a) (the log of the rising factorial a (a+1) ... (a+m-1)), a > 0, m >= 0.

    For large a the two log-gammas are huge and nearly equal (at a = 1e17 their float spacing is 512), so
    the difference is taken from Stirling's series term by term:

    .. math:: (a - \\tfrac12) \\log(1 + m/a) + m \\log(a + m) - m - \\frac{m}{12\\, a (a + m)}
    """
    from scipy.special import gammaln
    a, m = np.broadcast_arrays(np.asarray(a, dtype=np.float64), np.asarray(m, dtype=np.float64))
    out = np.empty(a.shape)
    large = a >= _RISING_SERIES_START
    small = ~large
    if np.any(small):
        out[small] = gammaln(a[small] + m[small]) - gammaln(a[small])
    if np.any(large):
        x, k = a[large], m[large]
        out[large] = (x - 0.5) * np.log1p(k / x) + k * np.log(x + k) - k - k / (12.0 * x) / (x + k)
    return out


def _nsb_log_weight(values, multiplicity, total, alphabet_size, log_beta):
    """log of (posterior of beta) * (NSB prior d xi / d beta) * beta, up to a constant, on a log-beta grid."""
    from scipy.special import polygamma
    beta = np.exp(log_beta)
    log_likelihood = (-_log_rising(alphabet_size * beta, total)
                      + (multiplicity[:, None] * _log_rising(beta, values[:, None])).sum(axis=0))
    prior = alphabet_size * polygamma(1, alphabet_size * beta + 1) - polygamma(1, beta + 1)  # trigamma
    return log_likelihood + np.log(np.maximum(prior, 1e-300)) + log_beta


def nsb_entropy_nats(counts, total=None, alphabet_size=None) -> tuple[float, float]:
    """NSB posterior mean and standard deviation (over beta only) of the entropy, in nats.

    The prior is a mixture of symmetric Dirichlet(beta) priors over the K-symbol simplex, weighted by
    d xi / d beta with xi(beta) = E[H | beta] = psi(K beta + 1) - psi(beta + 1), which makes the prior on
    H roughly flat on [0, log K]. The posterior mean is

    .. math:: \\hat H_{NSB} = \\frac{\\int d\\beta\\, \\xi'(\\beta)\\, P(n \\mid \\beta)\\, E[H \\mid n, \\beta]}
                                     {\\int d\\beta\\, \\xi'(\\beta)\\, P(n \\mid \\beta)},
              \\qquad P(n \\mid \\beta) \\propto \\frac{\\Gamma(K\\beta)}{\\Gamma(N + K\\beta)}
                      \\prod_s \\frac{\\Gamma(n_s + \\beta)}{\\Gamma(\\beta)}

    integrated by the trapezoid rule in log beta on a grid refined around the posterior's mass.
    The second value returned is the posterior standard deviation of E[H | n, beta] (a lower bound
    on the full posterior uncertainty).
    """
    n = _as_counts(counts)
    total = int(n.sum()) if total is None else int(total)
    alphabet_size = n.size if alphabet_size is None else check_integer(alphabet_size, "alphabet_size")
    seen = n[n > 0]
    if alphabet_size > 1e300:
        raise ValueError("alphabet_size is beyond what NSB is computed for here (at most 1e300)")
    if alphabet_size < seen.size or alphabet_size < 1:
        raise ValueError(f"alphabet_size {alphabet_size} is smaller than the {seen.size} distinct symbols seen")
    if total == 0 or alphabet_size == 1:
        return 0.0, 0.0
    values, multiplicity = np.unique(seen, return_counts=True)
    values = values.astype(np.float64)
    multiplicity = multiplicity.astype(np.float64)
    unseen = alphabet_size - seen.size

    # beta from 1e-13 to 5e8 in steps of 0.05 of log beta, reaching further down for huge alphabets (the
    # posterior lives around K beta ~ 1, i.e. beta ~ 1/K)
    lowest = min(-30.0, -math.log(alphabet_size) - 25.0)
    highest = min(20.0, 700.0 - math.log(alphabet_size))  # K beta stays below e^700 (no overflow)
    coarse = np.linspace(lowest, highest, int(round((highest - lowest) / 0.05)) + 1)
    log_w = _nsb_log_weight(values, multiplicity, total, alphabet_size, coarse)
    keep = np.flatnonzero(log_w > log_w.max() - 60.0)
    lo = coarse[max(keep[0] - 1, 0)]
    hi = coarse[min(keep[-1] + 1, coarse.size - 1)]
    grid = np.linspace(lo, hi, 2001)
    log_w = _nsb_log_weight(values, multiplicity, total, alphabet_size, grid)
    weight = np.exp(log_w - log_w.max())
    mean_h = _dirichlet_posterior_mean_entropy(values, multiplicity, unseen, total, alphabet_size, np.exp(grid))
    norm = _trapezoid(weight, grid)
    mean = float(_trapezoid(weight * mean_h, grid) / norm)
    second = float(_trapezoid(weight * mean_h ** 2, grid) / norm)
    return mean, math.sqrt(max(second - mean * mean, 0.0))


# ---------------------------------------------------------------------------------------------
# Public entry
# ---------------------------------------------------------------------------------------------

def _resolve(method: str) -> str:
    if not isinstance(method, str):
        raise TypeError(f"method must be a string, got {type(method).__name__}")
    key = method.lower().strip()
    key = _ALIASES.get(key, key)
    if key not in _METHODS:
        raise ValueError(f"unknown entropy estimator {method!r}; choose one of {', '.join(ESTIMATORS)}")
    return key


def entropy_estimate_from_counts(counts, method: str = "grassberger", base=None, *,
                                 alphabet_size: int | None = None, ci: float | None = None,
                                 n_resamples: int = 500, seed=0):
    """Estimate the entropy of a source from the symbol counts of a sample.

    Parameters
    ----------
    counts : array_like of non-negative integers
        ``counts[s]`` = occurrences of symbol s in the sample (zeros allowed: they set the alphabet
        size used by NSB).
    method : str
        One of :data:`ESTIMATORS` (see the module docstring for when to use which):

        - ``"plugin"``: :math:`\\hat H = -\\sum_s \\frac{n_s}{N} \\log \\frac{n_s}{N}`
        - ``"miller-madow"``: :math:`\\hat H + \\frac{m - 1}{2N}`, m = number of distinct symbols seen
        - ``"jackknife"``: :math:`N \\hat H - \\frac{N-1}{N} \\sum_{j=1}^{N} \\hat H_{-j}`, with
          :math:`\\hat H_{-j}` the plug-in entropy without sample j
        - ``"grassberger"``: :math:`\\log N - \\frac1N \\sum_s n_s G(n_s)`,
          :math:`G(n) = \\psi(n) + \\tfrac12 (-1)^n \\left(\\psi(\\tfrac{n+1}{2}) - \\psi(\\tfrac n2)\\right)`
        - ``"chao-shen"``: :math:`-\\sum_s \\frac{\\tilde p_s \\log \\tilde p_s}{1 - (1 - \\tilde p_s)^N}`,
          :math:`\\tilde p_s = C n_s / N`, coverage :math:`C = 1 - f_1 / N` (f_1 singletons)
        - ``"nsb"``: posterior mean under the NSB prior (:func:`nsb_entropy_nats`)
    base : float, optional
        Logarithm base; default 2 (bits).
    alphabet_size : int, optional
        Number of possible symbols K (NSB only: the other estimators do not use it, and passing it to
        them is a ValueError rather than silently ignored); default ``len(counts)``.
    ci : float, optional
        If given (e.g. 0.95), return an :class:`~codelength.measures.uncertainty.Estimate` whose interval
        is the percentile interval of ``n_resamples`` multinomial bootstrap redraws of the counts, seeded
        by ``seed`` (reproducible). For NSB's posterior standard deviation see :func:`nsb_entropy`.
    n_resamples : int
        Bootstrap redraws (``ci`` only; default 500).
    seed : int or numpy.random.Generator
        Seed of the redraws (``ci`` only).

    Returns
    -------
    float, or Estimate when ``ci`` is given
        The estimate, clipped at 0; 0 for an empty sample.
    """
    scale = log_base(base)
    key = _resolve(method)
    if alphabet_size is not None and key != "nsb":
        raise ValueError(f"alphabet_size is used only by method='nsb'; {key!r} does not depend on it")
    n = _as_counts(counts)

    def estimate(sample) -> float:
        total = int(sample.sum())
        if total == 0:
            return 0.0
        # an entropy is never negative; Grassberger's estimate can dip below 0 for a sample of one symbol
        return max(_METHODS[key](sample, total, alphabet_size), 0.0) / scale

    value = estimate(n)
    if ci is None:
        return value
    from .uncertainty import bootstrap_counts
    return bootstrap_counts(estimate, n, value, ci=ci, n_resamples=n_resamples, seed=seed, method=key)


def entropy_estimate(data, method: str = "grassberger", base=None, *, alphabet_size: int | None = None,
                     ci: float | None = None, n_resamples: int = 500, seed=0):
    """Estimate the entropy (per symbol) of the source that produced ``data``, correcting small-sample bias.

    The symbols are counted first, then :func:`entropy_estimate_from_counts` applies ``method``.

    Parameters
    ----------
    data : bytes-like or array_like of non-negative integers
        An i.i.d. sample of symbols.
    method : {"plugin", "miller-madow", "jackknife", "grassberger", "chao-shen", "nsb"}
        The estimator (formulas in :func:`entropy_estimate_from_counts`; guidance in
        :mod:`codelength.estimators`). Default ``"grassberger"``.
    base : float, optional
        Logarithm base; default 2 (bits).
    alphabet_size : int, optional
        Number of possible symbols K, used by NSB only (a ValueError for the others). Default: 256 for
        bytes, ``max(data) + 1`` for integer arrays.
    ci, n_resamples, seed
        A bootstrap confidence interval, as in :func:`entropy_estimate_from_counts`.

    Returns
    -------
    float, or Estimate when ``ci`` is given

    Examples
    --------
    >>> import numpy as np
    >>> sample = np.random.default_rng(0).integers(0, 64, size=100)   # true entropy: 6 bits
    >>> round(entropy_estimate(sample, "plugin"), 2), round(entropy_estimate(sample, "chao-shen"), 2)
    (5.45, 6.04)
    """
    symbols, is_bytes = as_symbols(data)
    if alphabet_size is not None and _resolve(method) != "nsb":
        raise ValueError(f"alphabet_size is used only by method='nsb'; {method!r} does not depend on it")
    n = _counts(symbols, alphabet_size=256 if is_bytes and alphabet_size is None else alphabet_size)
    return entropy_estimate_from_counts(n, method, base, alphabet_size=alphabet_size, ci=ci,
                                        n_resamples=n_resamples, seed=seed)

"""Information measures of discrete distributions and data.

Conventions, shared by every function here:

- Logarithms are base 2 (bits) unless ``base=`` says otherwise, as in ``scipy.stats.entropy``.
- 0 log 0 = 0: symbols of probability zero contribute nothing.
- Integer input (also Python ints beyond int64, and an empty list) is *counts* and is normalised exactly;
  floating input is a *probability vector* and must be non-negative, finite and sum to 1 within ``1e-6``
  unless ``normalize=True``, which treats it as weights.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..stats import _kernels
from ..stats.counting import _alphabet_size, as_symbols, counts, joint_counts, log_base  # noqa: F401 (re-exported)

#: How far from 1 a probability vector's sum may be before it is refused.
SUM_TOLERANCE = 1e-6
_INT64_MAX = int(np.iinfo(np.int64).max)


def real_array(value, name: str) -> np.ndarray:
    """``value`` as a float64 array; TypeError for complex numbers (whose imaginary part a cast would drop)."""
    array = np.asarray(value)
    if array.dtype.kind == "c":
        raise TypeError(f"{name} must be real numbers, got complex values")
    return array.astype(np.float64, copy=False)


def exact_total(counts: np.ndarray) -> int:
    """Sum of a 1-D array of non-negative integer counts as an exact Python int (no int64 wrap-around)."""
    if counts.size == 0:
        return 0
    if int(counts.max()) <= _INT64_MAX // counts.size:
        return int(counts.sum(dtype=np.int64))
    return sum(counts.tolist())  # counts near 2**63 / n: Python ints do not overflow


def _int64_counts(counts: np.ndarray) -> np.ndarray | None:
    """Validated counts as contiguous int64 for the kernels, or None when their total exceeds int64."""
    if exact_total(counts) > _INT64_MAX:
        return None
    return np.ascontiguousarray(counts, dtype=np.int64)


def as_distribution(pk, *, normalize: bool = False, name: str = "pk") -> np.ndarray:
    """Validate a probability vector or counts and return it as float64 probabilities.

    Integer arrays are counts (normalised; all-zero or empty counts give an empty distribution).
    Floating arrays are probabilities: negative, NaN or infinite entries raise ValueError, and so does a
    sum off 1 by more than ``SUM_TOLERANCE`` unless ``normalize=True``.
    """
    array = np.asarray(pk)
    if array.size == 0 and array.dtype.kind == "f":
        array = array.astype(np.int64)  # np.asarray([]) is float64: an empty sequence is empty counts
    if array.dtype.kind == "b" or array.dtype.kind not in "iuf":
        if array.dtype.kind == "O":
            values = array.ravel().tolist()
            if array.ndim == 1 and values and all(type(v) is int for v in values):
                # Python ints beyond int64 (NumPy keeps them as objects): counts, normalised exactly
                if min(values) < 0:
                    raise ValueError(f"{name}: counts must be non-negative")
                total = sum(values)
                return np.array([v / total for v in values]) if total else np.zeros(0)
            try:
                array = array.astype(np.float64)
            except (TypeError, ValueError):
                raise TypeError(f"{name} must be numeric, got objects") from None
        else:
            raise TypeError(f"{name} must be a numeric vector, got dtype {array.dtype}")
    if array.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {array.shape}")
    if array.dtype.kind in "iu":
        if array.size and array.min() < 0:
            raise ValueError(f"{name}: counts must be non-negative")
        total = exact_total(array)
        if not total:
            return np.zeros(0)
        return array / total if total <= _INT64_MAX else array.astype(np.float64) / float(total)
    probs = array.astype(np.float64, copy=False)
    if not np.all(np.isfinite(probs)):
        raise ValueError(f"{name} contains NaN or infinite values")
    if probs.size and probs.min() < 0:
        raise ValueError(f"{name}: probabilities must be non-negative")
    try:
        total = math.fsum(probs)
    except OverflowError:  # finite weights whose sum exceeds the largest double
        total = math.inf
    if normalize:
        if total <= 0:
            raise ValueError(f"{name} has no positive weight to normalise")
        if math.isinf(total):
            probs = probs / probs.max()
            total = math.fsum(probs)
        return probs / total
    if abs(total - 1.0) > SUM_TOLERANCE:
        raise ValueError(f"{name} sums to {total!r}, not 1; pass normalize=True to treat it as weights, "
                         "or give integer counts")
    return probs


def entropy(pk, base=None, *, normalize: bool = False) -> float:
    """Shannon entropy of a distribution given as probabilities or counts.

    .. math:: H(p) = -\\sum_x p(x) \\log p(x) = \\sum_x p(x) \\log \\frac{1}{p(x)}

    Parameters
    ----------
    pk : array_like
        Integer counts (normalised here) or a probability vector (summing to 1).
    base : float, optional
        Logarithm base; default 2 (bits). ``base=math.e`` gives nats.
    normalize : bool
        Accept floating weights that do not sum to 1 and normalise them.

    Returns
    -------
    float
        The entropy; 0 for empty or all-zero counts.

    Notes
    -----
    Counts are summed as the terms (c/N) log(N/c), each non-negative, with log(N/c) formed as
    log1p((N - c)/c) from the exact integer N - c; the sum is compensated (Neumaier). This is accurate to
    a few ulps even where the textbook log N - (1/N) sum c log c cancels catastrophically (near-zero
    entropy of huge counts).

    Examples
    --------
    >>> entropy([1, 1, 1, 1])
    2.0
    >>> entropy([0.5, 0.5], base=math.e) == math.log(2)
    True
    """
    scale = log_base(base)
    array = np.asarray(pk)
    if array.size == 0:
        as_distribution(array)  # validates the dtype; [] is empty counts
        return 0.0
    if array.dtype.kind in "iu":
        probs = as_distribution(array)  # validation, and the fallback for totals beyond int64
        c = _int64_counts(array)
        if c is not None:
            return _kernels.entropy_of_counts(c) / scale
    else:
        probs = as_distribution(array, normalize=normalize)
    return _kernels.entropy_of_probabilities(np.ascontiguousarray(probs)) / scale


def empirical_entropy(data, base=None) -> float:
    """Entropy of the empirical distribution of symbols in ``data`` (order 0, per symbol).

    Parameters
    ----------
    data : bytes-like or array_like of non-negative integers
    base : float, optional
        Logarithm base (default 2).

    Returns
    -------
    float
        H(p̂) with p̂(x) = count(x) / n; 0 for empty data. Times n this is the ideal size in bits of the
        data under its own order-0 statistics (not counting the cost of describing them).
    """
    return _kernels.entropy_of_counts(counts(data)) / log_base(base)


@dataclass(frozen=True)
class IdealCodeLengths:
    """Ideal (Shannon) code lengths of data under a model.

    Attributes
    ----------
    lengths : numpy.ndarray of float64
        ``-log2 p(x_i)`` for each symbol of the data, in bits (``inf`` where p(x_i) = 0).
    total_bits : float
        Their sum: the ideal size of the data under the model (``inf`` if any symbol is impossible).
    impossible_symbols : numpy.ndarray of int64
        The symbols that occur in the data but have probability zero (empty when the total is finite).
    """

    lengths: np.ndarray
    total_bits: float
    impossible_symbols: np.ndarray

    @property
    def mean_bits(self) -> float:
        """Average bits per symbol (0 for empty data)."""
        return self.total_bits / self.lengths.size if self.lengths.size else 0.0

    @property
    def total_bytes(self) -> float:
        """``total_bits / 8``: the ideal size in bytes (not rounded)."""
        return self.total_bits / 8.0


def symbol_code_lengths(model, *, normalize: bool = False) -> np.ndarray:
    """``-log2 p(s)`` for every symbol of a model given as counts or probabilities (``inf`` where p = 0)."""
    array = np.asarray(model)
    if array.size == 0:
        raise ValueError("model is empty: it needs a probability or count for each symbol")
    if array.dtype.kind in "iu":
        probs = as_distribution(array, name="model")
        if probs.size == 0:
            raise ValueError("model counts are all zero")
        c = _int64_counts(array)
        if c is not None:  # else a total beyond int64: the lengths come from the float probabilities
            total = int(c.sum())
            with np.errstate(divide="ignore", invalid="ignore"):
                # log2(N/c) via log1p of the exact integer ratio (N - c)/c: precise when c is close to N
                lengths = np.log1p((total - c) / c) / math.log(2.0)
            lengths[c == 0] = np.inf
            return lengths
    else:
        probs = as_distribution(array, normalize=normalize, name="model")
    with np.errstate(divide="ignore"):
        return -np.log2(probs)


def ideal_code_lengths(data, model, *, normalize: bool = False) -> IdealCodeLengths:
    """Per-symbol self-information of ``data`` under ``model`` and the total ideal code length.

    .. math:: \\ell(x_i) = -\\log_2 q(x_i), \\qquad L = \\sum_i \\ell(x_i) = \\sum_s n_s \\cdot (-\\log_2 q(s))

    Parameters
    ----------
    data : bytes-like or array_like of non-negative integers
    model : array_like
        Probabilities q (summing to 1) or integer counts (q = c / sum c), indexed by symbol.
    normalize : bool
        Accept floating weights and normalise them.

    Returns
    -------
    IdealCodeLengths
        ``lengths`` (bits per symbol), ``total_bits``, ``impossible_symbols``.

    Notes
    -----
    The total is computed from exact integer symbol counts n_s as a correctly rounded sum
    (``math.fsum``) of n_s times each symbol's length, not by adding millions of per-symbol floats.

    Raises
    ------
    ValueError
        If a symbol of the data lies outside the model's alphabet, or the model is not a distribution.
    """
    table = np.ascontiguousarray(symbol_code_lengths(model, normalize=normalize))
    symbols, is_bytes = as_symbols(data)
    _alphabet_size(symbols, False, table.size)  # every symbol must index the model
    lengths = np.empty(symbols.size)
    if symbols.size:
        _kernels.gather_lengths(symbols, table, lengths)
    n = counts(symbols, alphabet_size=table.size)
    used = n > 0
    impossible = np.flatnonzero(used & np.isinf(table))
    total = math.inf if impossible.size else math.fsum((n[used] * table[used]).tolist())
    return IdealCodeLengths(lengths, total, impossible.astype(np.int64))


# ---------------------------------------------------------------------------------------------
# Two distributions: cross-entropy, KL and Jensen-Shannon divergence
# ---------------------------------------------------------------------------------------------

def _pair_of_distributions(pk, qk, normalize: bool) -> tuple[np.ndarray, np.ndarray]:
    """Validate two distributions over the same alphabet (same length)."""
    for name, value in (("pk", pk), ("qk", qk)):
        if np.size(value) == 0:
            raise ValueError(f"{name} is empty: a distribution needs at least one symbol")
    if np.ndim(pk) == np.ndim(qk) == 1 and np.shape(pk) != np.shape(qk):
        # before validating the sums: a short vector's "sum off 1" would hide the real mistake
        raise ValueError(f"pk and qk must have the same length (one entry per symbol), got {np.size(pk)} "
                         f"and {np.size(qk)}")
    p = as_distribution(pk, normalize=normalize, name="pk")
    q = as_distribution(qk, normalize=normalize, name="qk")
    if p.size == 0 or q.size == 0:
        raise ValueError("pk and qk must be non-empty distributions (empty or all-zero counts given)")
    if p.shape != q.shape:
        raise ValueError(f"pk and qk must have the same length (one entry per symbol), got {p.size} and {q.size}")
    return p, q


#: Below this |d|, d - log1p(d) comes from its series (the subtraction would lose 2e-16 / d of it).
_SERIES_LIMIT = 0.1
#: Coefficients (-1)^k / k of d^(k-2) for k = 2 .. 18: 0.1^17 / 18 is below 1e-18 of the leading d^2 / 2.
_SERIES = [(-1.0) ** k / k for k in range(2, 19)]


def d_minus_log1p(d: np.ndarray) -> np.ndarray:
    """d - log(1 + d) for d > -1, accurate to a few ulps also for tiny d (where it is about d^2 / 2)."""
    d = np.asarray(d, dtype=np.float64)
    out = np.empty_like(d)
    small = np.abs(d) < _SERIES_LIMIT
    x = d[small]
    acc = np.full_like(x, _SERIES[-1])
    for c in reversed(_SERIES[:-1]):
        acc = acc * x + c
    out[small] = x * x * acc
    big = ~small
    out[big] = d[big] - np.log1p(d[big])
    return out


def _kl_nats(p: np.ndarray, q: np.ndarray) -> float:
    """KL(p || q) in nats of validated arrays, written as a sum of non-negative terms.

    With r = q/p on the support of p, p log(p/q) = p (r - 1 - log r) - (q - p), so

        KL = sum_{p>0} t - (sum_{p>0} q - sum p),   t = p (r - 1 - log r) = q - p - p log(q/p) >= 0.

    Near r = 1 the terms are formed as p (d - log1p(d)) from d = q/p - 1, which is exact there, so
    tiny divergences keep their relative precision and KL(p || p) is exactly 0; elsewhere (where d
    might overflow) as q - p - p (log q - log p).
    """
    support = p > 0
    ps, qs = p[support], q[support]
    if np.any(qs == 0):
        return math.inf
    with np.errstate(over="ignore"):
        delta = (qs - ps) / ps  # q - p is exact where q and p are within a factor 2 (Sterbenz)
    near = np.abs(delta) < 0.5
    terms = np.empty_like(ps)
    terms[near] = ps[near] * d_minus_log1p(delta[near])
    far = ~near
    terms[far] = qs[far] - ps[far] - ps[far] * (np.log(qs[far]) - np.log(ps[far]))
    terms = np.maximum(terms, 0.0)
    # one correctly rounded sum of the terms, -q and +p together: two separately rounded sums near 1
    # would leave an absolute error of ~1e-16 however small the divergence is
    return max(math.fsum(np.concatenate([terms, -qs, ps]).tolist()), 0.0)


def cross_entropy(pk, qk, base=None, *, normalize: bool = False) -> float:
    """Cross-entropy of ``qk`` relative to ``pk``: the mean code length of symbols from p coded for q.

    .. math:: H(p, q) = -\\sum_x p(x) \\log q(x) = H(p) + D_{KL}(p \\| q)

    Parameters
    ----------
    pk, qk : array_like
        Distributions over the same alphabet (equal length), each as a probability vector or as
        integer counts (normalised).
    base : float, optional
        Logarithm base; default 2 (bits).
    normalize : bool
        Accept floating weights that do not sum to 1 and normalise them.

    Returns
    -------
    float
        H(p, q) >= H(p); ``inf`` if q(x) = 0 for some x with p(x) > 0. Terms with p(x) = 0 are 0
        (0 log 0 = 0, also where q(x) = 0).

    Raises
    ------
    ValueError
        Negative, NaN or infinite entries, sums off 1 by more than ``SUM_TOLERANCE`` (unless
        ``normalize``), different lengths, or an empty distribution.

    Examples
    --------
    >>> cross_entropy([0.5, 0.5], [0.25, 0.75])  # doctest: +ELLIPSIS
    1.207...
    """
    scale = log_base(base)
    p, q = _pair_of_distributions(pk, qk, normalize)
    q_array = np.asarray(qk)
    # counts give their lengths log(N/c) exactly via log1p (see symbol_code_lengths)
    bits = symbol_code_lengths(q_array if q_array.dtype.kind in "iu" else q)
    support = p > 0
    if np.any(np.isinf(bits[support])):
        return math.inf
    return math.fsum((p[support] * bits[support]).tolist()) * math.log(2.0) / scale


def kl_divergence(pk, qk, base=None, *, normalize: bool = False) -> float:
    """Kullback-Leibler divergence (relative entropy) of p from q.

    .. math:: D_{KL}(p \\| q) = \\sum_x p(x) \\log \\frac{p(x)}{q(x)} = H(p, q) - H(p) \\ge 0

    It is the expected number of extra bits (in base 2) paid per symbol when symbols drawn from p are
    coded with a code built for q.

    Parameters
    ----------
    pk, qk : array_like
        Distributions over the same alphabet (probabilities or integer counts), as in :func:`cross_entropy`.
    base : float, optional
        Logarithm base; default 2 (bits).
    normalize : bool
        Accept floating weights and normalise them.

    Returns
    -------
    float
        D(p || q) >= 0; exactly 0 when p == q; ``inf`` if q(x) = 0 where p(x) > 0.

    Notes
    -----
    Computed as a sum of non-negative terms p (r - 1 - log r), r = q/p, plus the correction
    sum(p) - sum_{p>0} q, all added in one correctly rounded ``math.fsum`` (terms, -q and +p together), not
    as H(p, q) - H(p), which cancels catastrophically for nearby p and q. The only rounding left is that
    of each term (relative 1e-15 or so), so tiny divergences keep their relative precision (about 1e-13 on
    near-deterministic inputs). A result that rounding would make negative is returned as 0.

    Examples
    --------
    >>> kl_divergence([0.5, 0.5], [0.5, 0.5])
    0.0
    >>> kl_divergence([1.0, 0.0], [0.5, 0.5])
    1.0
    """
    scale = log_base(base)
    p, q = _pair_of_distributions(pk, qk, normalize)
    return _kl_nats(p, q) / scale


def js_divergence(pk, qk, base=None, *, normalize: bool = False) -> float:
    """Jensen-Shannon divergence: the mean KL divergence of p and q from their midpoint m.

    .. math:: JS(p, q) = \\tfrac12 D_{KL}(p \\| m) + \\tfrac12 D_{KL}(q \\| m)
              = H(m) - \\tfrac12 H(p) - \\tfrac12 H(q), \\qquad m = \\tfrac12 (p + q)

    Symmetric, always finite, 0 iff p == q, and at most 1 bit (log 2); its square root is a metric.

    Parameters
    ----------
    pk, qk : array_like
        Distributions over the same alphabet (probabilities or integer counts).
    base : float, optional
        Logarithm base; default 2 (bits), where 0 <= JS <= 1.
    normalize : bool
        Accept floating weights and normalise them.

    Returns
    -------
    float

    Examples
    --------
    >>> js_divergence([1.0, 0.0], [0.0, 1.0])
    1.0
    """
    scale = log_base(base)
    p, q = _pair_of_distributions(pk, qk, normalize)
    return min(_js_nats(p, q), math.log(2.0)) / scale


def _js_side(a: np.ndarray, b: np.ndarray) -> list:
    """Terms of KL(a || m), m = (a + b)/2, as a (d - log1p d) with d = m/a - 1 = (b - a)/(2a), plus -(m - a).

    d comes from the difference b - a (exact when a and b are close), not from a rounded midpoint, so
    nearly equal inputs keep their relative precision.
    """
    support = a > 0
    x, y = a[support], b[support]
    half_gap = 0.5 * (y - x)  # m - a
    with np.errstate(over="ignore"):
        d = half_gap / x
    near = np.abs(d) < 0.5
    terms = np.empty_like(x)
    terms[near] = x[near] * d_minus_log1p(d[near])
    far = ~near
    m = 0.5 * x[far] + 0.5 * y[far]
    terms[far] = half_gap[far] - x[far] * (np.log(m) - np.log(x[far]))
    return np.maximum(terms, 0.0).tolist() + (-half_gap).tolist()


def _js_nats(p: np.ndarray, q: np.ndarray) -> float:
    """JS(p, q) in nats: both sides' terms and corrections in one correctly rounded sum."""
    return max(0.5 * math.fsum(_js_side(p, q) + _js_side(q, p)), 0.0)


# ---------------------------------------------------------------------------------------------
# Data under a model: self-information and negative log-likelihood
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class NegativeLogLikelihood:
    """Negative log-likelihood of observed symbols under a model (see :func:`nll`).

    Attributes
    ----------
    total : float
        -sum_i log q(x_i): the ideal code length of the whole data (``inf`` if a symbol is impossible).
    mean : float
        total / n, per symbol (0 for empty data). For a model q and data with empirical distribution
        p̂ this equals the cross-entropy H(p̂, q).
    self_information : numpy.ndarray of float64
        -log q(x_i) for each symbol of the data.
    base : float
        The logarithm base the values are in (2 for bits).
    """

    total: float
    mean: float
    self_information: np.ndarray
    base: float


def self_information(data, model, base=None, *, normalize: bool = False) -> np.ndarray:
    """Self-information (surprisal) of each symbol of ``data`` under ``model``.

    .. math:: I(x_i) = -\\log q(x_i)

    Parameters
    ----------
    data : bytes-like or array_like of non-negative integers
    model : array_like
        Probabilities q indexed by symbol (summing to 1) or integer counts (q = c / sum c).
    base : float, optional
        Logarithm base; default 2 (bits: the ideal code length of each symbol).
    normalize : bool
        Accept floating weights and normalise them.

    Returns
    -------
    numpy.ndarray of float64
        One value per symbol; ``inf`` where q(x_i) = 0.

    Raises
    ------
    ValueError
        If a symbol lies outside the model's alphabet or the model is not a distribution.
    """
    scale = log_base(base)
    lengths = ideal_code_lengths(data, model, normalize=normalize).lengths
    return lengths * (math.log(2.0) / scale) if base is not None else lengths


def nll(data, model, base=None, *, normalize: bool = False) -> NegativeLogLikelihood:
    """Negative log-likelihood of observed symbols under a model: total, mean and per symbol.

    .. math:: \\mathrm{NLL} = -\\sum_{i=1}^{n} \\log q(x_i)
              = n \\sum_s \\hat p(s) \\log\\frac{1}{q(s)} = n\\, H(\\hat p, q)

    so the mean NLL is the cross-entropy of the model relative to the data's empirical distribution p̂,
    and it is smallest, equal to the empirical entropy H(p̂), when q = p̂ (Gibbs' inequality).

    Parameters
    ----------
    data : bytes-like or array_like of non-negative integers
    model : array_like
        Probabilities q indexed by symbol or integer counts.
    base : float, optional
        Logarithm base; default 2 (bits, so ``total`` is the ideal compressed size in bits).
    normalize : bool
        Accept floating weights and normalise them.

    Returns
    -------
    NegativeLogLikelihood
        ``total``, ``mean`` and the ``self_information`` array. The total is summed exactly from the
        symbol counts (``math.fsum``), as in :func:`ideal_code_lengths`.

    Examples
    --------
    >>> result = nll(b"aab", counts(b"aab"))
    >>> round(result.mean, 6) == round(empirical_entropy(b"aab"), 6)
    True
    """
    scale = log_base(base)
    ideal = ideal_code_lengths(data, model, normalize=normalize)
    factor = math.log(2.0) / scale
    total = ideal.total_bits * factor if base is not None else ideal.total_bits
    per_symbol = ideal.lengths * factor if base is not None else ideal.lengths
    n = per_symbol.size
    return NegativeLogLikelihood(total, total / n if n else 0.0, per_symbol,
                                 2.0 if base is None else float(base))


# ---------------------------------------------------------------------------------------------
# Two aligned symbol sequences: joint and conditional entropy, mutual information
# ---------------------------------------------------------------------------------------------

def joint_entropy(x, y, base=None) -> float:
    """Empirical joint entropy of two aligned symbol sequences.

    .. math:: H(X, Y) = -\\sum_{x, y} \\hat p(x, y) \\log \\hat p(x, y), \\qquad
              \\hat p(x, y) = \\frac{c(x, y)}{n}

    Parameters
    ----------
    x, y : bytes-like or array_like of non-negative integers
        Equal lengths; pair i is ``(x[i], y[i])``. Pairs are counted by the Cython kernel behind
        :func:`codelength.counting.joint_counts`.
    base : float, optional
        Logarithm base; default 2 (bits).

    Returns
    -------
    float
        0 for empty input.
    """
    scale = log_base(base)
    table = joint_counts(x, y)
    return _kernels.entropy_of_counts(np.ascontiguousarray(table.ravel())) / scale


def conditional_entropy(y, x, base=None) -> float:
    """Empirical conditional entropy H(Y | X) of ``y`` given the aligned ``x`` (note the order).

    .. math:: H(Y \\mid X) = -\\sum_{x, y} \\hat p(x, y) \\log \\frac{\\hat p(x, y)}{\\hat p(x)}
              = H(X, Y) - H(X)

    Parameters
    ----------
    y : bytes-like or array_like of non-negative integers
        The predicted sequence.
    x : bytes-like or array_like of non-negative integers
        The conditioning sequence, aligned with ``y`` (same length).
    base : float, optional
        Logarithm base; default 2 (bits).

    Returns
    -------
    float
        0 <= H(Y|X) <= H(Y); 0 for empty input.

    Notes
    -----
    Summed as non-negative terms (c(x,y)/n) log(c(x)/c(x,y)), each log written as log1p of an exact
    integer ratio, so the result is accurate even where H(X, Y) - H(X) would cancel.
    """
    scale = log_base(base)
    table = joint_counts(x, y)
    n = int(table.sum())
    if n == 0:
        return 0.0
    row_totals = table.sum(axis=1)
    rows, cols = np.nonzero(table)
    c = table[rows, cols]
    terms = (c / n) * np.log1p((row_totals[rows] - c) / c)
    return math.fsum(terms.tolist()) / scale


def mutual_information(x, y, base=None) -> float:
    """Empirical mutual information of two aligned symbol sequences.

    .. math:: I(X; Y) = \\sum_{x, y} \\hat p(x, y) \\log \\frac{\\hat p(x, y)}{\\hat p(x)\\, \\hat p(y)}
              = H(X) + H(Y) - H(X, Y) = H(Y) - H(Y \\mid X) = D_{KL}(\\hat p_{XY} \\| \\hat p_X \\hat p_Y)

    Parameters
    ----------
    x, y : bytes-like or array_like of non-negative integers
        Equal lengths.
    base : float, optional
        Logarithm base; default 2 (bits).

    Returns
    -------
    float
        0 <= I(X; Y) <= min(H(X), H(Y)); exactly 0 when the empirical joint distribution factorises
        in a way floating point can see, and 0 for empty input.

    Notes
    -----
    Computed as the KL divergence of the joint from the product of the marginals with non-negative
    terms (see :func:`kl_divergence`), not as a difference of entropies, so small dependence between
    large samples is not lost to cancellation. Like every plug-in estimate it is biased upwards on
    small samples (about (\\|X\\| - 1)(\\|Y\\| - 1) / (2n ln 2) bits for independent sequences).
    """
    scale = log_base(base)
    table = joint_counts(x, y)
    n = int(table.sum())
    if n == 0:
        return 0.0
    row_totals = table.sum(axis=1).astype(np.float64)
    col_totals = table.sum(axis=0).astype(np.float64)
    rows, cols = np.nonzero(table)
    c = table[rows, cols].astype(np.float64)
    p = c / n
    q = (row_totals[rows] / n) * (col_totals[cols] / n)
    return _kl_nats(p, q) / scale

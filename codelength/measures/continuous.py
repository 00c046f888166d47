"""Continuous data: differential entropy (closed forms and sample estimators) and the Gaussian NLL.

The differential entropy of a density f is

.. math:: h(X) = -\\int f(x) \\log f(x)\\, dx .

Unlike discrete entropy it can be negative and changes under rescaling (h(aX) = h(X) + log|a|): it is the
limit of H(X quantised to bins of width Δ) + log Δ as Δ -> 0, i.e. the number of bits needed to describe
X to precision Δ is about h(X) - log2 Δ. Logarithms are base 2 (bits) unless ``base=`` says otherwise,
as everywhere in codelength; ``base=math.e`` gives nats.
"""
from __future__ import annotations

import math

import numpy as np

from ..stats.counting import check_integer
from .discrete import log_base, real_array

LOG_2PI = math.log(2.0 * math.pi)

# ---------------------------------------------------------------------------------------------
# Closed forms
# ---------------------------------------------------------------------------------------------


def _positive(name: str, value) -> float:
    value = float(value)
    if not (value > 0 and math.isfinite(value)):
        raise ValueError(f"{name} must be positive and finite, got {value}")
    return value


def _normal(sigma=1.0):
    return 0.5 * math.log(2 * math.pi * math.e * _positive("sigma", sigma) ** 2)


def _multivariate_normal(cov):
    cov = np.atleast_2d(real_array(cov, "cov"))
    if cov.ndim != 2 or cov.shape[0] != cov.shape[1]:
        raise ValueError(f"cov must be a square matrix, got shape {cov.shape}")
    if not np.all(np.isfinite(cov)) or not np.allclose(cov, cov.T):
        raise ValueError("cov must be a finite symmetric matrix")
    try:
        chol = np.linalg.cholesky(cov)
    except np.linalg.LinAlgError:
        raise ValueError("cov must be positive definite") from None
    d = cov.shape[0]
    log_det = 2.0 * float(np.sum(np.log(np.diag(chol))))
    return 0.5 * d * (1.0 + LOG_2PI) + 0.5 * log_det


def _uniform(low=0.0, high=1.0):
    if not (math.isfinite(low) and math.isfinite(high) and high > low):
        raise ValueError(f"uniform needs finite low < high, got {low}, {high}")
    return math.log(high - low)


def _exponential(rate=1.0):
    return 1.0 - math.log(_positive("rate", rate))


def _laplace(scale=1.0):
    return 1.0 + math.log(2.0 * _positive("scale", scale))


def _logistic(scale=1.0):
    return math.log(_positive("scale", scale)) + 2.0


def _cauchy(scale=1.0):
    return math.log(4.0 * math.pi * _positive("scale", scale))


def _lognormal(mu=0.0, sigma=1.0):
    mu = float(mu)
    if not math.isfinite(mu):
        raise ValueError(f"mu must be finite, got {mu}")
    return mu + 0.5 * math.log(2 * math.pi * math.e * _positive("sigma", sigma) ** 2)


#: From this shape on, the gamma entropy uses its large-k series (the direct formula cancels terms of size k log k).
_GAMMA_SERIES_SHAPE = 100.0


def _gamma(shape=1.0, scale=1.0):
    k = _positive("shape", shape)
    log_scale = math.log(_positive("scale", scale))
    if k >= _GAMMA_SERIES_SHAPE:
        # Stirling's series for log Gamma and psi give
        # ½ log(2πe k) - 1/(3k) - 1/(12k²) - 1/(90k³) + 1/(120k⁴) + 1/(210k⁵) + O(k⁻⁶)
        inv = 1.0 / k
        series = inv * (1 / 3 + inv * (1 / 12 + inv * (1 / 90 - inv * (1 / 120 + inv / 210))))
        return 0.5 * math.log(2 * math.pi * math.e * k) - series + log_scale
    from scipy.special import digamma
    return k + log_scale + math.lgamma(k) + (1.0 - k) * float(digamma(k))


#: family name -> (function of parameters giving nats, formula). See :func:`closed_form_entropy`.
FAMILIES = {
    "normal": (_normal, "½ log(2πe σ²)"),
    "multivariate_normal": (_multivariate_normal, "½ d (1 + log 2π) + ½ log det Σ"),
    "uniform": (_uniform, "log(b − a)"),
    "exponential": (_exponential, "1 − log λ"),
    "laplace": (_laplace, "1 + log(2b)"),
    "logistic": (_logistic, "log s + 2"),
    "cauchy": (_cauchy, "log(4πγ)"),
    "lognormal": (_lognormal, "μ + ½ log(2πe σ²)"),
    "gamma": (_gamma, "k + log θ + log Γ(k) + (1 − k) ψ(k)"),
}


def closed_form_entropy(family: str, base=None, **params) -> float:
    """Differential entropy of a standard distribution family, from its closed form.

    ===========================  =======================  ===================================
    family                       parameters (defaults)    h(X) in nats
    ===========================  =======================  ===================================
    ``"normal"``                 ``sigma=1``              ½ log(2πe σ²)
    ``"multivariate_normal"``    ``cov`` (d x d)          ½ d (1 + log 2π) + ½ log det Σ
    ``"uniform"``                ``low=0, high=1``        log(b − a)
    ``"exponential"``            ``rate=1``               1 − log λ
    ``"laplace"``                ``scale=1``              1 + log(2b)
    ``"logistic"``               ``scale=1``              log s + 2
    ``"cauchy"``                 ``scale=1``              log(4πγ)
    ``"lognormal"``              ``mu=0, sigma=1``        μ + ½ log(2πe σ²)
    ``"gamma"``                  ``shape=1, scale=1``     k + log θ + log Γ(k) + (1 − k) ψ(k)
    ===========================  =======================  ===================================

    Location parameters do not change h, so they are not taken (except the log-normal's μ).

    Parameters
    ----------
    family : str
        A key of :data:`FAMILIES`.
    base : float, optional
        Logarithm base; default 2 (bits).
    **params
        The family's parameters, by name.

    Returns
    -------
    float

    Examples
    --------
    >>> round(closed_form_entropy("normal", sigma=1.0, base=math.e), 6)
    1.418939
    """
    scale = log_base(base)
    if family not in FAMILIES:
        raise ValueError(f"unknown family {family!r}; choose one of {', '.join(FAMILIES)}")
    function = FAMILIES[family][0]
    try:
        return function(**params) / scale
    except TypeError as exc:
        raise TypeError(f"{family}: {exc}") from None


def gaussian_entropy(sigma=1.0, base=None) -> float:
    """Differential entropy of a normal distribution: h = ½ log(2πe σ²) (bits by default).

    ``sigma`` may also be a covariance matrix (2-D), giving ½ d (1 + log 2π) + ½ log det Σ.
    """
    if np.ndim(sigma) == 2:
        return closed_form_entropy("multivariate_normal", base, cov=sigma)
    return closed_form_entropy("normal", base, sigma=sigma)


# ---------------------------------------------------------------------------------------------
# Sample estimators
# ---------------------------------------------------------------------------------------------

def _samples_1d(x, method: str) -> np.ndarray:
    x = real_array(x, "samples")
    if x.ndim == 2 and x.shape[1] == 1:
        x = x[:, 0]
    if x.ndim != 1:
        raise ValueError(f"method {method!r} takes 1-D samples, got shape {x.shape}; use method='knn' for d-D")
    if x.size < 3:
        raise ValueError(f"need at least 3 samples, got {x.size}")
    if not np.all(np.isfinite(x)):
        raise ValueError("samples contain NaN or infinite values")
    return x


def _window(n: int, window: int | None) -> int:
    """The spacing m: default round(√n / 2) (scipy.stats.differential_entropy uses floor(√n + 0.5))."""
    m = max(1, int(round(math.sqrt(n) / 2))) if window is None else check_integer(window, "window m")
    if not 1 <= m < n / 2:
        raise ValueError(f"window m must satisfy 1 <= m < n/2, got {m} for n = {n}")
    return m


def _no_zero_spacing(spacing: np.ndarray, m: int) -> None:
    if np.any(spacing <= 0):
        raise ValueError(f"{m}-spacings of zero width: the samples have runs of repeated values, so they are not "
                         "from a continuous distribution (quantised data?); add jitter, use a larger window, or "
                         "use method='histogram'")


def _spacing(x: np.ndarray, window: int | None, ebrahimi: bool) -> float:
    n = x.size
    m = _window(n, window)
    xs = np.sort(x)
    i = np.arange(n)
    upper = xs[np.minimum(i + m, n - 1)]
    lower = xs[np.maximum(i - m, 0)]
    spacing = upper - lower
    _no_zero_spacing(spacing, m)
    if ebrahimi:
        # c_i = 1 + (i-1)/m, 2, 1 + (n-i)/m for the first m, middle and last m order statistics (1-based i)
        c = np.full(n, 2.0)
        c[:m] = 1.0 + i[:m] / m
        c[n - m:] = 1.0 + (n - 1 - i[n - m:]) / m
    else:
        c = np.full(n, 2.0)
    return float(np.mean(np.log(n / (c * m) * spacing)))


#: Most bins :func:`differential_entropy` lets a bin-width rule ask for (8 MB of edges).
MAX_HISTOGRAM_BINS = 1 << 20


def _histogram(x: np.ndarray, bins) -> float:
    low, high = float(x.min()), float(x.max())
    if low == high:
        raise ValueError("all samples are identical: a point mass has no finite differential entropy")
    if isinstance(bins, str) and bins in ("fd", "auto"):
        # Freedman-Diaconis width 2 IQR / n^(1/3) ("auto" takes at most it): a narrow core with a far outlier
        # would ask numpy for billions of bins
        q75, q25 = np.percentile(x, [75, 25])
        width = 2.0 * (q75 - q25) / x.size ** (1 / 3)
        if width > 0 and (high - low) / width > MAX_HISTOGRAM_BINS:
            raise ValueError(f"bins={bins!r} would need about {(high - low) / width:.3g} bins (a narrow core with "
                             f"far outliers); pass a number of bins, e.g. bins=100")
    try:
        frequencies, edges = np.histogram(x, bins=bins)
    except MemoryError:
        raise ValueError(f"bins={bins!r} asks for more histogram bins than fit in memory") from None
    outside = x.size - int(frequencies.sum())
    if outside:
        raise ValueError(f"{outside} of {x.size} samples fall outside the given bin edges; the edges must "
                         "cover every sample")
    widths = np.diff(edges)
    used = frequencies > 0
    n = x.size
    p = frequencies[used] / n
    return float(-np.sum(p * np.log(p / widths[used])))


def _vanes(x: np.ndarray, window: int | None) -> float:
    """Van Es (1992): (1/(n-m)) sum log((n+1)/m (x_(i+m) - x_(i))) + sum_{j=m}^{n} 1/j + log(m/(n+1))."""
    n = x.size
    m = _window(n, window)
    xs = np.sort(x)
    spacing = xs[m:] - xs[:-m]
    _no_zero_spacing(spacing, m)
    harmonic = math.fsum((1.0 / np.arange(m, n + 1)).tolist())
    return float(np.mean(np.log((n + 1) / m * spacing)) + harmonic + math.log(m / (n + 1)))


def _correa(x: np.ndarray, window: int | None) -> float:
    r"""Correa (1995): -(1/n) sum_i log of the local regression slope of the order statistics on their ranks.

    .. math:: \hat h = -\frac1n \sum_{i=1}^n \log \frac{\sum_{j=i-m}^{i+m} (j - i)(x_{(j)} - \bar x_{(i)})}
                                                       {n \sum_{j=i-m}^{i+m} (x_{(j)} - \bar x_{(i)})^2}

    x_(j) clamped to x_(1) / x_(n) beyond the ends, x̄_(i) the mean of the 2m + 1 values of window i.
    """
    n = x.size
    m = _window(n, window)
    xs = np.sort(x)
    padded = np.concatenate([np.full(m, xs[0]), xs, np.full(m, xs[-1])])
    windows = np.lib.stride_tricks.sliding_window_view(padded, 2 * m + 1)  # row i: x_(i-m) .. x_(i+m)
    centred = windows - windows.mean(axis=1, keepdims=True)
    offsets = np.arange(-m, m + 1, dtype=np.float64)
    numerator = centred @ offsets
    denominator = n * np.einsum("ij,ij->i", centred, centred)
    if np.any(numerator <= 0) or np.any(denominator <= 0):
        raise ValueError(f"a window of 2m+1 = {2 * m + 1} equal order statistics: the samples have runs of repeated "
                         "values, so they are not from a continuous distribution; add jitter or use a larger window")
    return float(-np.mean(np.log(numerator / denominator)))


def _knn(x, k: int, metric: str = "euclidean") -> float:
    from .knn import knn_entropy_nats
    return knn_entropy_nats(x, k, metric)


#: Sample estimators of :func:`differential_entropy`.
DIFFERENTIAL_METHODS = ("vasicek", "ebrahimi", "vanes", "correa", "histogram", "knn")


def _differential_nats(samples, method: str, window, bins, k, metric) -> float:
    if method in ("vasicek", "ebrahimi"):
        return _spacing(_samples_1d(samples, method), window, method == "ebrahimi")
    if method == "vanes":
        return _vanes(_samples_1d(samples, method), window)
    if method == "correa":
        return _correa(_samples_1d(samples, method), window)
    if method == "histogram":
        return _histogram(_samples_1d(samples, method), bins)
    if method == "knn":
        return _knn(samples, check_integer(k, "k"), metric)
    raise ValueError(f"unknown method {method!r}; choose one of {', '.join(DIFFERENTIAL_METHODS)}")


def differential_entropy(samples, method: str = "ebrahimi", base=None, *, window: int | None = None,
                         bins="fd", k: int = 3, metric: str = "euclidean", ci: float | None = None,
                         n_resamples: int = 200, seed=0):
    """Estimate the differential entropy h(X) from i.i.d. samples of a continuous distribution.

    Parameters
    ----------
    samples : array_like
        Shape (n,) for 1-D data; (n, d) for ``method="knn"``.
    method : {"ebrahimi", "vasicek", "histogram", "knn"}
        - ``"vasicek"``: m-spacing estimator (Vasicek 1976) on the order statistics x_(1) <= ... <= x_(n),
          x_(j) clamped to x_(1) / x_(n) beyond the ends:

          .. math:: \\hat h = \\frac1n \\sum_{i=1}^n \\log\\left(\\frac{n}{2m} (x_{(i+m)} - x_{(i-m)})\\right)

          Consistent but biased low for moderate n (the clamped ends).
        - ``"ebrahimi"`` (default): the same with 2 replaced by c_i = 1 + (i-1)/m for i <= m, 2 in the middle
          and 1 + (n-i)/m for i > n-m (Ebrahimi, Pflughoeft & Soofi 1994): smaller bias, same variance.
        - ``"histogram"``: plug-in entropy of the binned sample plus the bin-width correction,

          .. math:: \\hat h = -\\sum_j \\hat p_j \\log \\frac{\\hat p_j}{w_j}

          (w_j the width of bin j; for equal widths this is H(binned) + log w). ``bins`` as in
          :func:`numpy.histogram` (default ``"fd"``, Freedman-Diaconis).
        - ``"knn"``: Kozachenko-Leonenko k-nearest-neighbour estimator for d-dimensional samples,

          .. math:: \\hat h = \\psi(n) - \\psi(k) + \\log V_d + \\frac dn \\sum_i \\log \\varepsilon_i,

          ε_i the Euclidean distance from sample i to its k-th nearest neighbour and
          V_d = π^{d/2} / Γ(d/2 + 1) the volume of the unit ball (``metric="max"``: the max-norm, V_d = 2^d).
          Neighbours from ``scipy.spatial.cKDTree`` (:mod:`codelength.measures.knn`).
        - ``"vanes"``: van Es (1992),
          :math:`\\frac1{n-m} \\sum_{i=1}^{n-m} \\log(\\frac{n+1}{m}(x_{(i+m)} - x_{(i)})) + \\sum_{j=m}^n \\frac1j
          + \\log\\frac{m}{n+1}`.
        - ``"correa"``: Correa (1995), a local linear regression of the order statistics on their ranks
          (formula in ``_correa``); smaller mean squared error than Vasicek's for moderate n.

          Van Es and Correa agree with ``scipy.stats.differential_entropy`` given the same
          ``window_length``; the default window differs (here round(√n / 2), scipy floor(√n + 0.5)).
    base : float, optional
        Logarithm base; default 2 (bits).
    window : int, optional
        The spacing m of the spacing estimators (vasicek, ebrahimi, vanes, correa); default round(√n / 2).
    bins : int, sequence or str
        Histogram bins (``"histogram"`` only).
    k : int
        Neighbour rank (``"knn"`` only); default 3.
    metric : {"euclidean", "max"}
        Norm of the kNN distances (``"knn"`` only).
    ci : float, optional
        If given (e.g. 0.95), return an :class:`~codelength.measures.uncertainty.Estimate` with a seeded
        subsampling confidence interval (:mod:`codelength.measures.uncertainty`).
    n_resamples, seed
        Subsamples and their seed (``ci`` only).

    Returns
    -------
    float, or Estimate when ``ci`` is given

    Raises
    ------
    ValueError
        Too few samples, NaN/inf, or repeated values that make a spacing or neighbour distance zero
        (the data are then not continuous).

    Notes
    -----
    For closed forms of standard families use :func:`closed_form_entropy`.
    """
    scale = log_base(base)
    value = _differential_nats(samples, method, window, bins, k, metric) / scale
    if ci is None:
        return value
    from .uncertainty import subsample_interval
    data = real_array(samples, "samples")
    return subsample_interval(lambda a: _differential_nats(a, method, window, bins, k, metric) / scale, (data,),
                              value, ci=ci, n_resamples=n_resamples, seed=seed, method=method)


# ---------------------------------------------------------------------------------------------
# Gaussian negative log-likelihood
# ---------------------------------------------------------------------------------------------

_REDUCTIONS = ("mean", "sum", "none")


def gaussian_nll(y, mean, sigma="ml", base=None, *, reduction: str = "mean"):
    """Negative log-likelihood of observations under a Gaussian model (code length of y at unit precision).

    .. math:: -\\log \\mathcal N(y_i \\mid \\mu_i, \\sigma_i^2)
              = \\frac{(y_i - \\mu_i)^2}{2\\sigma_i^2} + \\frac12 \\log(2\\pi\\sigma_i^2)

    With one fixed σ the mean over samples is MSE / (2σ²) + ½ log(2πσ²): an increasing affine function of
    the mean squared error, so the μ that minimises the NLL is the least-squares fit. With σ fitted by
    maximum likelihood (``sigma="ml"``: σ̂² = MSE, the mean squared residual) the mean NLL becomes
    ½ log(2πe · MSE): still minimised by the least-squares μ, but now measuring the fit in log-MSE and
    rewarding a model for being confident where it is right. Per-sample σ_i turns the fit into weighted
    least squares (weights 1/σ_i²) and charges ½ log σ_i² for each claimed uncertainty.

    Parameters
    ----------
    y : array_like
        Observations.
    mean : array_like
        Predicted means μ (broadcast against ``y``).
    sigma : float, array_like or "ml"
        Standard deviation(s) σ > 0 (broadcast against ``y``), or ``"ml"`` (default) to use the maximum
        likelihood σ̂ = sqrt(mean((y - μ)²)) of these residuals.
    base : float, optional
        Logarithm base; default 2 (bits). Use ``base=math.e`` for the nats of most ML libraries.
    reduction : {"mean", "sum", "none"}
        Mean over samples (default), total, or the per-sample array.

    Returns
    -------
    float or numpy.ndarray

    Raises
    ------
    ValueError
        If σ is not positive and finite, ``"ml"`` is asked for residuals that are all zero, shapes do not
        broadcast, or y/μ contain NaN or inf.

    Examples
    --------
    >>> y = np.array([1.0, 2.0, 3.0])
    >>> mse = np.mean((y - 2.0) ** 2)
    >>> bool(np.isclose(gaussian_nll(y, 2.0, 1.0, base=math.e), mse / 2 + 0.5 * math.log(2 * math.pi)))
    True
    """
    scale = log_base(base)
    if reduction not in _REDUCTIONS:
        raise ValueError(f"reduction must be one of {', '.join(_REDUCTIONS)}, got {reduction!r}")
    y = real_array(y, "y")
    mu = real_array(mean, "mean")
    try:
        residual = y - mu
    except ValueError:
        raise ValueError(f"y of shape {y.shape} and mean of shape {mu.shape} do not broadcast") from None
    if residual.size == 0:
        raise ValueError("no samples: the negative log-likelihood of nothing is undefined (as for mse)")
    if not np.all(np.isfinite(residual)):
        raise ValueError("y and mean must be finite")
    if isinstance(sigma, str):
        if sigma != "ml":
            raise ValueError(f"sigma must be a positive number, an array, or 'ml'; got {sigma!r}")
        largest = float(np.max(np.abs(residual))) if residual.size else 0.0
        if largest <= 0:
            raise ValueError("sigma='ml' needs residuals that are not all zero (the ML sigma would be 0)")
        # sqrt(mean(r²)) scaled by the largest |r|, so that r² cannot overflow
        sig = largest * math.sqrt(float(np.mean((residual / largest) ** 2)))
    else:
        sig = real_array(sigma, "sigma")
        if sig.size == 0 or not (np.all(np.isfinite(sig)) and np.all(sig > 0)):
            raise ValueError("sigma must be positive and finite")
    try:
        per_sample = 0.5 * (residual / sig) ** 2 + 0.5 * (LOG_2PI + 2.0 * np.log(sig))
        per_sample = np.broadcast_to(per_sample, np.broadcast_shapes(residual.shape, np.shape(sig)))
    except ValueError:
        raise ValueError(f"sigma of shape {np.shape(sig)} does not broadcast against y") from None
    per_sample = per_sample / scale
    if reduction == "none":
        return np.array(per_sample)
    total = math.fsum(np.ravel(per_sample).tolist())
    if reduction == "sum":
        return total
    return total / per_sample.size if per_sample.size else 0.0


def mse(y, mean) -> float:
    """Mean squared error: mean((y - μ)²). See :func:`gaussian_nll` for how the two relate."""
    residual = real_array(y, "y") - real_array(mean, "mean")
    if residual.size == 0:
        raise ValueError("no samples: the mean squared error of nothing is undefined")
    return float(np.mean(residual ** 2))

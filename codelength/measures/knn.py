"""k-nearest-neighbour estimators for continuous samples: entropy, mutual information (KSG), KL divergence.

All of them look only at distances to the k-th nearest neighbour, found with ``scipy.spatial.cKDTree``
(O(n log n) for low dimensions), in the Euclidean norm or the max-norm (Chebyshev, ``metric="max"``).
Logarithms are base 2 (bits) unless ``base=`` says otherwise; the formulas below are in nats.

=============================  =========================================================================
:func:`knn_entropy`            Kozachenko-Leonenko (1987): ψ(n) - ψ(k) + log V_d + (d/n) Σ log ε_i
:func:`ksg_mutual_information` Kraskov, Stögbauer & Grassberger (2004), algorithms 1 and 2
:func:`kl_divergence_knn`      Wang, Kulkarni & Verdú (2009): (d/n) Σ log(ν_i / ρ_i) + log(m / (n - 1))
=============================  =========================================================================

Repeated sample points make a neighbour distance zero, which these estimators cannot use: they raise
ValueError (the data are then not from a continuous distribution; add jitter or use a larger k).
"""
from __future__ import annotations

import math

import numpy as np

from ..stats.counting import check_integer
from .discrete import log_base, real_array

#: Norms the estimators accept: name -> Minkowski p of cKDTree.
METRICS = {"euclidean": 2.0, "max": math.inf}


def _metric(metric: str) -> float:
    if metric not in METRICS:
        raise ValueError(f"metric must be one of {', '.join(METRICS)}, got {metric!r}")
    return METRICS[metric]


def as_points(x, name: str = "samples") -> np.ndarray:
    """``x`` as a finite (n, d) float64 array (a 1-D array is n points of dimension 1)."""
    points = real_array(x, name)
    if points.ndim == 1:
        points = points[:, None]
    if points.ndim != 2:
        raise ValueError(f"{name} must be an (n,) or (n, d) array, got shape {points.shape}")
    if points.shape[1] == 0:
        raise ValueError(f"{name} has dimension 0")
    if not np.all(np.isfinite(points)):
        raise ValueError(f"{name} contain NaN or infinite values")
    # centred: distances are translation invariant, and differences of smaller numbers are more exact
    return np.ascontiguousarray(points - points.mean(axis=0))


def _check_k(k, n: int, what: str = "n") -> int:
    k = check_integer(k, "k")
    if not 1 <= k < n:
        raise ValueError(f"k must satisfy 1 <= k < {what}, got k = {k}, {what} = {n}")
    return k


def log_unit_ball(d: int, metric: str = "euclidean") -> float:
    """log of the volume of the unit ball in d dimensions: π^(d/2) / Γ(d/2 + 1) (Euclidean), 2^d (max-norm)."""
    if _metric(metric) == math.inf:
        return d * math.log(2.0)
    return 0.5 * d * math.log(math.pi) - math.lgamma(0.5 * d + 1.0)


def kth_neighbour_distances(points: np.ndarray, k: int, metric: str = "euclidean") -> np.ndarray:
    """Distance from each point to its k-th nearest *other* point (cKDTree; ``points`` is (n, d))."""
    from scipy.spatial import cKDTree
    distances, _ = cKDTree(points).query(points, k=k + 1, p=_metric(metric))
    return distances[:, k]


def _positive(distances: np.ndarray, what: str) -> np.ndarray:
    if np.any(distances <= 0):
        raise ValueError(f"repeated sample points (zero {what} distance): the data are not continuous; "
                         "add jitter or use a larger k")
    return distances


def knn_entropy_nats(x, k: int = 3, metric: str = "euclidean") -> float:
    """Kozachenko-Leonenko differential entropy in nats (see :func:`knn_entropy`)."""
    from scipy.special import digamma
    points = as_points(x)
    n, d = points.shape
    k = _check_k(k, n)
    eps = _positive(kth_neighbour_distances(points, k, metric), "nearest-neighbour")
    return float(digamma(n) - digamma(k) + log_unit_ball(d, metric) + d * np.mean(np.log(eps)))


def knn_entropy(x, k: int = 3, base=None, *, metric: str = "euclidean", ci: float | None = None,
                n_resamples: int = 200, seed=0):
    """Kozachenko-Leonenko k-nearest-neighbour estimate of the differential entropy of d-dimensional samples.

    .. math:: \\hat h = \\psi(n) - \\psi(k) + \\log V_d + \\frac dn \\sum_i \\log \\varepsilon_i

    ε_i the distance from sample i to its k-th nearest neighbour in the chosen norm and V_d the volume of
    that norm's unit ball (π^{d/2} / Γ(d/2 + 1) Euclidean, 2^d max-norm).

    Parameters
    ----------
    x : array_like, shape (n,) or (n, d)
    k : int
        Neighbour rank, 1 <= k < n (default 3).
    base : float, optional
        Logarithm base; default 2 (bits).
    metric : {"euclidean", "max"}
    ci : float, optional
        If given (e.g. 0.95), return an :class:`~codelength.measures.uncertainty.Estimate` with a
        subsampling confidence interval (see :mod:`codelength.measures.uncertainty`).
    n_resamples, seed
        Number of subsamples and the seed of their generator (``ci`` only).

    Returns
    -------
    float, or Estimate when ``ci`` is given
    """
    scale = log_base(base)
    value = knn_entropy_nats(x, k, metric) / scale
    if ci is None:
        return value
    from .uncertainty import subsample_interval
    return subsample_interval(lambda a: knn_entropy_nats(a, k, metric) / scale, (as_points(x),), value,
                              ci=ci, n_resamples=n_resamples, seed=seed, method="knn")


# ---------------------------------------------------------------------------------------------
# Mutual information: Kraskov, Stögbauer & Grassberger
# ---------------------------------------------------------------------------------------------

def _paired(x, y) -> tuple[np.ndarray, np.ndarray]:
    xs, ys = as_points(x, "x"), as_points(y, "y")
    if xs.shape[0] != ys.shape[0]:
        raise ValueError(f"x and y must have the same number of samples, got {xs.shape[0]} and {ys.shape[0]}")
    return xs, ys


def ksg_nats(x, y, k: int = 3, variant: int = 1) -> float:
    """KSG estimate of I(X; Y) in nats of validated paired samples (see :func:`ksg_mutual_information`)."""
    from scipy.spatial import cKDTree
    from scipy.special import digamma
    xs, ys = _paired(x, y)
    n = xs.shape[0]
    k = _check_k(k, n)
    if variant not in (1, 2):
        raise ValueError(f"variant must be 1 or 2 (Kraskov et al.'s two algorithms), got {variant!r}")
    joint = np.hstack([xs, ys])
    distances, index = cKDTree(joint).query(joint, k=k + 1, p=math.inf)
    eps = _positive(distances[:, k], "joint nearest-neighbour")
    if variant == 1:
        # n_x(i) = #{j != i : ||x_j - x_i|| < eps_i} (strictly less: the radius just below eps_i)
        radius_x = radius_y = np.nextafter(eps, 0.0)
    else:
        # eps_x(i), eps_y(i): the largest marginal distance among the k joint neighbours; n_x counts <=
        neighbours = index[:, 1:]
        radius_x = np.max(np.abs(xs[neighbours] - xs[:, None, :]), axis=(1, 2))
        radius_y = np.max(np.abs(ys[neighbours] - ys[:, None, :]), axis=(1, 2))
    nx = cKDTree(xs).query_ball_point(xs, radius_x, p=math.inf, return_length=True) - 1
    ny = cKDTree(ys).query_ball_point(ys, radius_y, p=math.inf, return_length=True) - 1
    if variant == 1:
        value = digamma(k) + digamma(n) - np.mean(digamma(nx + 1) + digamma(ny + 1))
    else:
        value = digamma(k) - 1.0 / k + digamma(n) - np.mean(digamma(nx) + digamma(ny))
    return float(value)


def ksg_mutual_information(x, y, k: int = 3, base=None, *, variant: int = 1, clip: bool = False,
                           ci: float | None = None, n_resamples: int = 200, seed=0):
    """Kraskov-Stögbauer-Grassberger estimate of the mutual information of paired continuous samples.

    Distances are in the max-norm of the joint space (x, y); ε_i is the distance from sample i to its
    k-th neighbour there.

    - ``variant=1`` (KSG algorithm 1):
      :math:`\\hat I = \\psi(k) + \\psi(n) - \\langle \\psi(n_x + 1) + \\psi(n_y + 1) \\rangle`, n_x(i) the
      number of other samples with ||x_j - x_i|| < ε_i (and n_y likewise).
    - ``variant=2`` (algorithm 2):
      :math:`\\hat I = \\psi(k) - 1/k + \\psi(n) - \\langle \\psi(n_x) + \\psi(n_y) \\rangle`, n_x(i) counting
      ||x_j - x_i|| <= ε_x(i), the largest x-distance among the k joint neighbours.

    Parameters
    ----------
    x, y : array_like, shapes (n,) or (n, d_x) and (n,) or (n, d_y)
        Paired samples (row i of x with row i of y).
    k : int
        Neighbour rank (default 3).
    base : float, optional
        Logarithm base; default 2 (bits).
    variant : {1, 2}
    clip : bool
        Return max(estimate, 0). Off by default: the estimate is unbiased-ish and can dip below 0 for
        independent variables; clipping would bias averages upwards.
    ci : float, optional
        If given, return an Estimate with a subsampling confidence interval.
    n_resamples, seed
        Subsamples and their seed (``ci`` only).

    Returns
    -------
    float, or Estimate when ``ci`` is given

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> x = rng.standard_normal(2000); y = x + rng.standard_normal(2000)
    >>> round(ksg_mutual_information(x, y, base=math.e), 1)   # exact: ½ log 2 = 0.35 nats
    0.3
    """
    scale = log_base(base)

    def statistic(a, b):
        value = ksg_nats(a, b, k, variant) / scale
        return max(value, 0.0) if clip else value

    value = statistic(x, y)
    if ci is None:
        return value
    from .uncertainty import subsample_interval
    xs, ys = _paired(x, y)
    return subsample_interval(statistic, (xs, ys), value, ci=ci, n_resamples=n_resamples, seed=seed,
                              method=f"ksg{variant}")


# ---------------------------------------------------------------------------------------------
# KL divergence between two samples: Wang, Kulkarni & Verdú
# ---------------------------------------------------------------------------------------------

def kl_knn_nats(x_samples, y_samples, k: int = 1, metric: str = "euclidean") -> float:
    """kNN estimate of D(P || Q) in nats from samples of P (x) and Q (y); see :func:`kl_divergence_knn`."""
    from scipy.spatial import cKDTree
    xs = real_array(x_samples, "x_samples")
    ys = real_array(y_samples, "y_samples")
    xs = xs[:, None] if xs.ndim == 1 else xs
    ys = ys[:, None] if ys.ndim == 1 else ys
    if xs.ndim != 2 or ys.ndim != 2 or xs.shape[1] != ys.shape[1]:
        raise ValueError(f"x_samples and y_samples must be (n, d) and (m, d) arrays, got shapes {xs.shape} "
                         f"and {ys.shape}")
    if not (np.all(np.isfinite(xs)) and np.all(np.isfinite(ys))):
        raise ValueError("samples contain NaN or infinite values")
    n, d = xs.shape
    m = ys.shape[0]
    k = _check_k(k, n)
    if k > m:
        raise ValueError(f"k = {k} exceeds the {m} samples of y")
    centre = xs.mean(axis=0)
    xs, ys = xs - centre, ys - centre
    p = _metric(metric)
    rho = _positive(cKDTree(xs).query(xs, k=k + 1, p=p)[0][:, k], "within-sample nearest-neighbour")
    nu = cKDTree(ys).query(xs, k=k, p=p)[0]
    nu = _positive(nu if k == 1 else nu[:, k - 1], "cross-sample nearest-neighbour")
    return float(d * np.mean(np.log(nu) - np.log(rho)) + math.log(m / (n - 1)))


def kl_divergence_knn(x_samples, y_samples, k: int = 1, base=None, *, metric: str = "euclidean",
                      ci: float | None = None, n_resamples: int = 200, seed=0):
    """Estimate the KL divergence D(P || Q) from samples x ~ P and y ~ Q (Wang, Kulkarni & Verdú 2009).

    .. math:: \\hat D = \\frac dn \\sum_{i=1}^n \\log \\frac{\\nu_k(i)}{\\rho_k(i)} + \\log \\frac{m}{n - 1}

    ρ_k(i) the distance from x_i to its k-th nearest neighbour among the other x's, ν_k(i) to its k-th
    nearest neighbour among the m y's. Consistent for any fixed k; the unit-ball volumes cancel, so the
    norm only changes which neighbours are near.

    Parameters
    ----------
    x_samples : array_like, shape (n,) or (n, d)
        Samples of P.
    y_samples : array_like, shape (m,) or (m, d)
        Samples of Q (same dimension d).
    k : int
        Neighbour rank (default 1), k < n and k <= m.
    base : float, optional
        Logarithm base; default 2 (bits).
    metric : {"euclidean", "max"}
    ci : float, optional
        If given, return an Estimate with a subsampling confidence interval (both samples subsampled).

    Returns
    -------
    float, or Estimate when ``ci`` is given. The estimate is not clipped: it can be slightly negative
    when P = Q.
    """
    scale = log_base(base)

    def statistic(a, b):
        return kl_knn_nats(a, b, k, metric) / scale

    value = statistic(x_samples, y_samples)
    if ci is None:
        return value
    from .uncertainty import subsample_interval
    xs, ys = real_array(x_samples, "x_samples"), real_array(y_samples, "y_samples")
    return subsample_interval(statistic, (xs, ys), value, ci=ci, n_resamples=n_resamples, seed=seed,
                              method="knn-kl", paired=False)

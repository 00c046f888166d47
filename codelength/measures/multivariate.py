"""Several aligned discrete variables: conditional mutual information, total correlation, interaction information.

Each variable is a sequence of n symbols (bytes, or non-negative integers), or an (n, d) integer array whose
rows are the symbols (a d-dimensional variable); all variables have the same n, and sample i of each forms
one joint outcome. The measures are plug-in estimates from the empirical joint distribution, in bits unless
``base=`` says otherwise.

The divergence-shaped measures (CMI, total correlation) are summed as KL divergences with non-negative terms
(see :func:`codelength.kl_divergence`), not as differences of entropies, so small dependence in large
samples is not lost to cancellation.
"""
from __future__ import annotations

import itertools
import math

import numpy as np

from .discrete import _kernels, _kl_nats, log_base


def _codes(variable, name: str) -> np.ndarray:
    """Dense codes 0..m-1 of one variable's outcomes (rows of a 2-D array count as one symbol)."""
    if isinstance(variable, (bytes, bytearray, memoryview)):
        array = np.frombuffer(memoryview(variable).cast("B"), dtype=np.uint8)
    else:
        array = np.asarray(variable)
    if array.dtype.kind not in "iub" or array.dtype.kind == "b":
        if array.size == 0:
            array = array.astype(np.int64)
        else:
            raise TypeError(f"{name} must hold integer symbols, got dtype {array.dtype}")
    if array.ndim == 1:
        _, inverse = np.unique(array, return_inverse=True)
    elif array.ndim == 2:
        _, inverse = np.unique(array, axis=0, return_inverse=True)
    else:
        raise ValueError(f"{name} must be a sequence of symbols or an (n, d) array, got shape {array.shape}")
    return inverse.reshape(-1).astype(np.int64)


def _aligned(variables, names) -> list[np.ndarray]:
    codes = [_codes(v, n) for v, n in zip(variables, names)]
    sizes = {c.size for c in codes}
    if len(sizes) > 1:
        raise ValueError(f"the variables must be aligned (same number of samples), got lengths "
                         f"{[c.size for c in codes]}")
    return codes


def _joint(codes: list[np.ndarray]) -> np.ndarray:
    """Dense codes of the joint outcome of several variables."""
    if not codes:
        raise ValueError("no variables")
    joint = codes[0]
    for c in codes[1:]:
        width = int(c.max()) + 1 if c.size else 1
        _, joint = np.unique(joint * width + c, return_inverse=True)  # stays below n * width: no overflow
        joint = joint.reshape(-1).astype(np.int64)
    return joint


def _entropy_nats(code: np.ndarray) -> float:
    if code.size == 0:
        return 0.0
    return _kernels.entropy_of_counts(np.ascontiguousarray(np.bincount(code), dtype=np.int64))


def conditional_mutual_information(x, y, z, base=None) -> float:
    """Empirical conditional mutual information I(X; Y | Z) of three aligned variables.

    .. math:: I(X; Y \\mid Z) = \\sum_{x,y,z} \\hat p(x,y,z) \\log \\frac{\\hat p(x,y,z)\\, \\hat p(z)}
              {\\hat p(x,z)\\, \\hat p(y,z)} = H(X,Z) + H(Y,Z) - H(X,Y,Z) - H(Z)

    Parameters
    ----------
    x, y, z : bytes-like, sequences of non-negative integers, or (n, d) integer arrays
        Aligned samples (same n).
    base : float, optional
        Logarithm base; default 2 (bits).

    Returns
    -------
    float
        >= 0; 0 for empty input. Chain rule: I(X; Y, Z) = I(X; Z) + I(X; Y | Z).

    Examples
    --------
    >>> x = [0, 0, 1, 1]; y = [0, 1, 0, 1]; z = [0, 1, 1, 0]   # z = x XOR y
    >>> round(conditional_mutual_information(x, y, z), 12)
    1.0
    """
    scale = log_base(base)
    cx, cy, cz = _aligned((x, y, z), ("x", "y", "z"))
    n = cx.size
    if n == 0:
        return 0.0
    xz, yz = _joint([cx, cz]), _joint([cy, cz])
    xyz = _joint([xz, cy])
    c_xyz = np.bincount(xyz)
    first = np.zeros(c_xyz.size, dtype=np.int64)
    first[xyz] = np.arange(n)  # one sample of each joint outcome, to look up its marginals
    c_xz, c_yz, c_z = np.bincount(xz)[xz[first]], np.bincount(yz)[yz[first]], np.bincount(cz)[cz[first]]
    p = c_xyz / n
    q = (c_xz / n) * (c_yz / c_z)  # p(x,z) p(y,z) / p(z)
    return _kl_nats(p, q) / scale


def total_correlation(*variables, base=None) -> float:
    """Total correlation (multi-information) of two or more aligned variables (Watanabe 1960).

    .. math:: TC(X_1, \\dots, X_m) = \\sum_i H(X_i) - H(X_1, \\dots, X_m)
              = D_{KL}(\\hat p_{X_1 \\dots X_m} \\| \\textstyle\\prod_i \\hat p_{X_i})

    For two variables it is the mutual information.

    Parameters
    ----------
    *variables : bytes-like, sequences of non-negative integers, or (n, d) integer arrays
        At least two, aligned.
    base : float, optional
        Logarithm base; default 2 (bits).

    Returns
    -------
    float
        >= 0, 0 iff the empirical joint distribution factorises; 0 for empty input.
    """
    scale = log_base(base)
    if len(variables) < 2:
        raise ValueError(f"total_correlation needs at least two variables, got {len(variables)}")
    codes = _aligned(variables, [f"variable {i}" for i in range(len(variables))])
    n = codes[0].size
    if n == 0:
        return 0.0
    joint = _joint(codes)
    c_joint = np.bincount(joint)
    first = np.zeros(c_joint.size, dtype=np.int64)
    first[joint] = np.arange(n)
    q = np.ones(c_joint.size)
    for c in codes:
        q *= np.bincount(c)[c[first]] / n
    return _kl_nats(c_joint / n, q) / scale


def interaction_information(*variables, base=None) -> float:
    """Interaction information (co-information) of two or more aligned variables (McGill 1954, Bell 2003).

    .. math:: I(X_1; \\dots; X_m) = -\\sum_{T \\subseteq \\{1..m\\}} (-1)^{|T|} H(X_T),
              \\qquad I(X; Y; Z) = I(X; Y) - I(X; Y \\mid Z)

    For two variables it is the mutual information. The sign convention is that of co-information (as in
    dit's ``coinformation``): positive for redundancy, negative for synergy (X, Y independent bits and
    Z = X XOR Y give -1 bit). Some authors (Jakulin & Bratko) flip the sign for odd m.

    Parameters
    ----------
    *variables : bytes-like, sequences of non-negative integers, or (n, d) integer arrays
        At least two, aligned.
    base : float, optional
        Logarithm base; default 2 (bits).

    Returns
    -------
    float
        Any sign; 0 for empty input.

    Notes
    -----
    Three variables are computed as I(X; Y) - I(X; Y | Z) from two KL-shaped sums; more as the
    alternating sum of the 2^m - 1 joint entropies in one ``math.fsum`` (m is limited to 16).
    """
    from .discrete import mutual_information
    scale = log_base(base)
    m = len(variables)
    if m < 2:
        raise ValueError(f"interaction_information needs at least two variables, got {m}")
    if m > 16:
        raise ValueError(f"interaction_information sums 2^m - 1 entropies; m = {m} is more than 16")
    codes = _aligned(variables, [f"variable {i}" for i in range(m)])
    if codes[0].size == 0:
        return 0.0
    if m == 2:
        return mutual_information(codes[0], codes[1], base)
    if m == 3:
        return (mutual_information(codes[0], codes[1], math.e)
                - conditional_mutual_information(codes[0], codes[1], codes[2], math.e)) / scale
    terms = []
    for size in range(1, m + 1):
        for subset in itertools.combinations(range(m), size):
            terms.append(-((-1) ** size) * _entropy_nats(_joint([codes[i] for i in subset])))
    return math.fsum(terms) / scale

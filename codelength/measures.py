"""Information measures of discrete distributions and data.

Conventions, shared by every function here:

- Logarithms are base 2 (bits) unless ``base=`` says otherwise, as in ``scipy.stats.entropy``.
- 0 log 0 = 0: symbols of probability zero contribute nothing.
- Integer input is *counts* and is normalised; floating input is a *probability vector* and must be
  non-negative, finite and sum to 1 within ``1e-6`` unless ``normalize=True``, which treats it as weights.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from . import _kernels
from .counting import _alphabet_size, as_symbols, counts

#: How far from 1 a probability vector's sum may be before it is refused.
SUM_TOLERANCE = 1e-6


def log_base(base) -> float:
    """Natural log of the logarithm base (``None`` means 2: bits)."""
    if base is None:
        return math.log(2.0)
    if isinstance(base, bool) or not isinstance(base, (int, float, np.integer, np.floating)):
        raise TypeError(f"base must be a number, got {type(base).__name__}")
    if not (base > 0 and math.isfinite(base)) or base == 1:
        raise ValueError(f"base must be positive, finite and not 1, got {base}")
    return math.log(base)


def as_distribution(pk, *, normalize: bool = False, name: str = "pk") -> np.ndarray:
    """Validate a probability vector or counts and return it as float64 probabilities.

    Integer arrays are counts (normalised; all-zero or empty counts give an empty distribution).
    Floating arrays are probabilities: negative, NaN or infinite entries raise ValueError, and so does a
    sum off 1 by more than ``SUM_TOLERANCE`` unless ``normalize=True``.
    """
    array = np.asarray(pk)
    if array.dtype.kind == "b" or array.dtype.kind not in "iuf":
        if array.dtype.kind == "O":
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
        total = int(array.sum(dtype=np.int64)) if array.size else 0
        return array / total if total else np.zeros(0)
    probs = array.astype(np.float64, copy=False)
    if not np.all(np.isfinite(probs)):
        raise ValueError(f"{name} contains NaN or infinite values")
    if probs.size and probs.min() < 0:
        raise ValueError(f"{name}: probabilities must be non-negative")
    total = math.fsum(probs)
    if normalize:
        if total <= 0:
            raise ValueError(f"{name} has no positive weight to normalise")
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
    if array.dtype.kind in "iu":
        as_distribution(array)  # validation only
        c = np.ascontiguousarray(array, dtype=np.int64)
        return _kernels.entropy_of_counts(c) / scale
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
        return self.total_bits / 8.0


def symbol_code_lengths(model, *, normalize: bool = False) -> np.ndarray:
    """``-log2 p(s)`` for every symbol of a model given as counts or probabilities (``inf`` where p = 0)."""
    array = np.asarray(model)
    if array.dtype.kind in "iu":
        as_distribution(array, name="model")
        c = array.astype(np.int64)
        total = int(c.sum())
        if total == 0:
            raise ValueError("model counts are all zero")
        with np.errstate(divide="ignore", invalid="ignore"):
            # log2(N/c) via log1p of the exact integer ratio (N - c)/c: precise when c is close to N
            lengths = np.log1p((total - c) / c) / math.log(2.0)
        lengths[c == 0] = np.inf
        return lengths
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

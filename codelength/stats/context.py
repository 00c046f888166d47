"""Order-k context statistics of byte data: n-gram counts and conditional entropies H_k.

H_k = H(X_t | X_{t-k}, ..., X_{t-1}) is the empirical conditional entropy of a byte given the k bytes
before it, over the positions t = k .. n-1 that have k predecessors:

    H_k = H((k+1)-grams) - H(contexts of those (k+1)-grams)
        = sum over contexts ctx and bytes s of (c(ctx, s) / N) * log(c(ctx) / c(ctx, s)),

with N = n - k. It is the ideal code length per byte of a model that knows the exact order-k statistics
of the data (not counting the model itself), so H_0 >= H_1 >= ... is the bound an order-k coder chases.
n-grams are counted in a dense table for k + 1 <= 2 and a hash table otherwise, so memory grows with the
number of distinct n-grams, never with the input; files are streamed in pieces.

Memory is bounded: a hash table stops counting once it holds more than ``max_distinct`` distinct n-grams
(default :data:`DEFAULT_MAX_DISTINCT`: 16.8 million, a table of at most 512 MiB), and that order's entropy is then NaN
(``context_entropy`` raises instead). Such data has so many distinct contexts that only an input of at
least a few times ``max_distinct`` bytes could estimate H_k at all; pass ``max_distinct=None`` to count
them anyway.
"""
from __future__ import annotations

import numpy as np

from . import _kernels
from .counting import DEFAULT_CHUNK_SIZE, _byte_source, check_integer, read_chunks
from ..measures.discrete import log_base

#: Largest context order supported (n-grams of up to 8 bytes pack into 64-bit keys).
MAX_ORDER = 7
#: Distinct n-grams one order may count before it stops: its hash table then holds at most 2**25 slots of
#: 16 bytes (512 MiB). Orders up to 2 never reach it (there are only 2**24 distinct 3-grams).
DEFAULT_MAX_DISTINCT = (1 << 24) - 1


def _check_max_distinct(max_distinct) -> int:
    """The kernel's form of the bound: 0 for none."""
    if max_distinct is None:
        return 0
    max_distinct = check_integer(max_distinct, "max_distinct")
    if max_distinct < 1:
        raise ValueError(f"max_distinct must be at least 1 (or None for no bound), got {max_distinct}")
    return int(max_distinct)


def _check_order(order, name: str = "order", lowest: int = 0) -> int:
    """``order`` as an int in ``[lowest, lowest + MAX_ORDER]`` (n-gram lengths are orders shifted by 1)."""
    order = check_integer(order, name)
    if not lowest <= order <= lowest + MAX_ORDER:
        raise ValueError(f"{name} must be between {lowest} and {lowest + MAX_ORDER}, got {order}")
    return int(order)


def ngram_counts(data, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Distinct n-grams of byte data and their counts.

    Parameters
    ----------
    data : bytes-like or uint8 array
    n : int, 1..8

    Returns
    -------
    keys : numpy.ndarray of uint64, sorted
        Each n-gram packed big-endian (first byte in the highest position), so ``key >> 8`` is its context.
    counts : numpy.ndarray of int64
    """
    counter = _kernels.NgramCounter(_check_order(n, "n", lowest=1))
    counter.update(_byte_source(data))
    return counter.result()


class ContextStatistics:
    """Streaming accumulator of the conditional entropies H_0 .. H_max_order of a byte stream.

    Feed pieces with :meth:`update`; n-grams that straddle two pieces are counted, so the result is
    exactly that of the concatenated data. An order whose distinct n-grams pass ``max_distinct`` stops
    counting (bounded memory) and reports NaN; :meth:`overflowed` says which.
    """

    def __init__(self, max_order: int = 3, *, max_distinct: int | None = DEFAULT_MAX_DISTINCT):
        self.max_order = _check_order(max_order)
        bound = _check_max_distinct(max_distinct)
        self._counters = [_kernels.NgramCounter(k + 1, bound) for k in range(self.max_order + 1)]

    def update(self, data) -> None:
        """Count the n-grams ending in ``data`` (bytes-like or uint8 array), including those that start in
        the previous piece."""
        piece = _byte_source(data)
        for counter in self._counters:
            counter.update(piece)

    def distinct_ngrams(self) -> np.ndarray:
        """Number of distinct (k+1)-grams seen so far, for k = 0 .. max_order (how sparse each H_k is);
        for an order that overflowed, the number at which it stopped (a lower bound)."""
        return np.array([counter.distinct for counter in self._counters], dtype=np.int64)

    def overflowed(self) -> np.ndarray:
        """For k = 0 .. max_order, whether order k stopped counting at ``max_distinct`` (its H_k is NaN)."""
        return np.array([counter.overflowed for counter in self._counters], dtype=bool)

    def entropies(self, base=None) -> np.ndarray:
        """``[H_0, ..., H_max_order]`` per symbol, in bits unless ``base`` is given (0 where no (k+1)-gram
        exists, NaN where the order passed ``max_distinct``)."""
        scale = log_base(base)
        out = np.empty(self.max_order + 1)
        for k, counter in enumerate(self._counters):
            out[k] = counter.conditional_entropy() / scale
        return out


def context_entropies(data, max_order: int = 3, base=None, *,
                      max_distinct: int | None = DEFAULT_MAX_DISTINCT) -> np.ndarray:
    """Empirical conditional entropies ``[H_0, H_1, ..., H_max_order]`` of byte data (bits by default).

    NaN for an order with more than ``max_distinct`` distinct n-grams (see the module docstring).
    """
    stats = ContextStatistics(max_order, max_distinct=max_distinct)
    stats.update(data)
    return stats.entropies(base)


def context_entropy(data, order: int = 1, base=None, *,
                    max_distinct: int | None = DEFAULT_MAX_DISTINCT) -> float:
    """Empirical conditional entropy H(X_t | X_{t-order} .. X_{t-1}) of byte data, per byte.

    Parameters
    ----------
    data : bytes-like or uint8 array
    order : int, 0..7
        Context length k; ``order=0`` gives the plain (order-0) empirical entropy.
    base : float, optional
        Logarithm base (default 2: bits).
    max_distinct : int or None
        Memory bound: at most this many distinct (k+1)-grams are counted (None: no bound).

    Returns
    -------
    float
        H_k = sum over contexts and bytes of (c(ctx, s)/N) log(c(ctx)/c(ctx, s)), N = len(data) - k;
        0.0 when the data has no k+1 bytes.

    Raises
    ------
    ValueError
        When the data has more than ``max_distinct`` distinct (k+1)-grams.

    Examples
    --------
    >>> context_entropy(b"abababab", order=1)
    0.0
    """
    counter = _kernels.NgramCounter(_check_order(order) + 1, _check_max_distinct(max_distinct))
    counter.update(_byte_source(data))
    if counter.overflowed:
        raise ValueError(f"more than {max_distinct:,} distinct {counter.n}-byte strings: the order-{order} "
                         "estimate needs more memory than max_distinct allows (pass max_distinct=None)")
    return counter.conditional_entropy() / log_base(base)


def file_context_entropies(path, max_order: int = 3, base=None, *, chunk_size: int = DEFAULT_CHUNK_SIZE,
                           progress=None, max_distinct: int | None = DEFAULT_MAX_DISTINCT) -> np.ndarray:
    """:func:`context_entropies` of a file of any size, read in pieces (bounded memory)."""
    stats = ContextStatistics(max_order, max_distinct=max_distinct)
    for piece in read_chunks(path, chunk_size, progress=progress):
        stats.update(piece)
    return stats.entropies(base)

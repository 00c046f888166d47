"""The static order-0 model of the range and rANS coders: quantised frequencies and their coding tables.

A :class:`StaticModel` lists the symbols that occur and their frequencies out of ``2**scale_bits``
(:func:`quantize_frequencies` picks the integer frequencies that cost least, :func:`choose_scale_bits`
the total that minimises payload plus model). :func:`ideal_code_length` is the length in bits an
arithmetic coder reaches under a model to within a few bytes. This module also holds what the two
static coders (:mod:`codelength.coders.range`, :mod:`codelength.coders.rans`) share: the symbol and
model checks, the kernels' tables, the model section's LEB128 varints and the backend plumbing.
Layouts of the model sections and the precision limits are in docs/arithmetic.md.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import _model
from ..stats.counting import check_integer, counts as _dense_counts
from ..errors import CorruptDataError
from ..measures.discrete import as_distribution

#: Largest total of a static model: 2**MAX_SCALE_BITS (rANS keeps states >= 2**23, so M <= 2**20 keeps
#: at least 3 bits of headroom; the range coder's range is >= 2**48).
MAX_SCALE_BITS = 20
#: Largest number of distinct symbols a static model holds (each needs frequency >= 1 of the total).
MAX_STATIC_SYMBOLS = 1 << MAX_SCALE_BITS
#: Largest number of distinct symbols of the adaptive order-0 model.
MAX_ADAPTIVE_SYMBOLS = 1 << 22
#: Default number of interleaved rANS states, and the most a stream may declare.
RANS_STREAMS = 4
MAX_RANS_STREAMS = 8
#: States of the wide rANS (the 32x16 layout: 16-bit renormalisation), its largest total 2**15, and the
#: smallest input it is the default for (below it one state has the least overhead).
RANS_WIDE = 32
RANS_WIDE_MAX_BITS = 15
RANS_WIDE_FROM = 1 << 16
#: Largest total the rANS backend chooses for the data's own model when it codes RANS_WIDE states: the
#: states' floor of 2**15 leaves state/frequency ratios of 2**(15 - bits), and a ratio of 4 or more keeps
#: rANS's own loss small (2**13 came out least on the corpus files, about 0.05 % over 4 byte-wise states).
RANS_WIDE_BITS = 13
#: Largest symbol value looked up in dense tables; larger alphabets are coded by rank.
_DENSE_LIMIT = 1 << 16


# ----------------------------------------------------------------------------- varints (LEB128)
def _varints(values) -> bytes:
    """Unsigned LEB128 of each value (vectorised)."""
    v = np.asarray(values, dtype=np.uint64)
    if v.size == 0:
        return b""
    nbytes = np.ones(v.size, dtype=np.int64)
    largest = int(v.max())
    if largest < 0x80:
        return v.astype(np.uint8).tobytes()
    for shift in (7, 14, 21, 28, 35, 42, 49, 56, 63):
        if largest < (1 << shift):          # no value needs this byte (nor any further)
            break
        nbytes += v >= (np.uint64(1) << np.uint64(shift))
    group = np.repeat(np.arange(v.size), nbytes)
    starts = np.cumsum(nbytes) - nbytes
    position = np.arange(group.size) - starts[group]
    out = (v[group] >> (np.uint64(7) * position.astype(np.uint64))) & np.uint64(0x7F)
    out |= (position < nbytes[group] - 1).astype(np.uint64) << np.uint64(7)
    return out.astype(np.uint8).tobytes()


_SMALL_VARINTS = 64


def _read_varints(buf: bytes, start: int, count: int) -> tuple[np.ndarray, int]:
    """Read ``count`` LEB128 values (at most 5 bytes each) from ``buf[start:]``; return them and the end."""
    if count == 0:
        return np.zeros(0, dtype=np.int64), start
    if count <= _SMALL_VARINTS:               # a plain loop: the vectorised path costs ~15 us in set-up
        values, pos, end = [], start, len(buf)
        for _ in range(count):
            value = shift = 0
            while True:
                if pos >= end:
                    raise CorruptDataError("model section truncated")
                byte = buf[pos]
                pos += 1
                value |= (byte & 0x7F) << shift
                if byte < 0x80:
                    break
                shift += 7
                if shift >= 35:
                    raise CorruptDataError("model section holds an over-long number")
            values.append(value)
        return np.array(values, dtype=np.int64), pos
    data = np.frombuffer(buf, dtype=np.uint8, offset=start, count=min(len(buf) - start, 5 * count))
    ends = np.flatnonzero(data < 0x80)[:count]
    if ends.size < count:
        raise CorruptDataError("model section truncated")
    starts = np.concatenate(([0], ends[:-1] + 1))
    lengths = ends - starts + 1
    if lengths.max() > 5:
        raise CorruptDataError("model section holds an over-long number")
    used = data[:ends[-1] + 1].astype(np.int64)
    position = np.arange(used.size) - np.repeat(starts, lengths)
    values = np.add.reduceat((used & 0x7F) << (7 * position), starts)
    return values, start + int(ends[-1]) + 1


def _read_varint(buf: bytes, start: int) -> tuple[int, int]:
    values, end = _read_varints(buf, start, 1)
    return int(values[0]), end


# ----------------------------------------------------------------------------- quantisation
def quantize_frequencies(weights, scale_bits: int) -> np.ndarray:
    """Integer frequencies summing to ``M = 2**scale_bits`` that best fit ``weights``.

    Maximises ``sum_i w_i log2(f_i)`` subject to ``sum_i f_i = M`` and ``f_i >= 1`` wherever
    ``w_i > 0`` (``f_i = 0`` where ``w_i = 0``), i.e. minimises the quantisation cost
    ``sum_i w_i log2((w_i / W) / (f_i / M))``. Start from the rounded real-valued optimum
    ``f_i = max(1, w_i / lam)`` (water filling), fix the sum with the best marginal moves, then swap units while any ``+1`` gains more than some ``-1`` loses:
    the objective is separable and concave, so no improving swap means optimal.

    Parameters
    ----------
    weights : array_like of non-negative numbers
        Counts or probabilities, indexed by symbol.
    scale_bits : int
        log2 of the total, 0..MAX_SCALE_BITS; needs at least as many units as positive weights.

    Returns
    -------
    numpy.ndarray of uint32
    """
    w = np.asarray(weights, dtype=np.float64).ravel()
    if w.size and (not np.all(np.isfinite(w)) or w.min() < 0):
        raise ValueError("weights must be finite and non-negative")
    scale_bits = check_integer(scale_bits, "scale_bits")
    if not 0 <= scale_bits <= MAX_SCALE_BITS:
        raise ValueError(f"scale_bits must be 0..{MAX_SCALE_BITS}, got {scale_bits}")
    total = 1 << scale_bits
    idx = np.flatnonzero(w > 0)
    f = np.zeros(w.size, dtype=np.uint32)
    if idx.size == 0:
        return f
    if idx.size > total:
        raise ValueError(f"{idx.size} symbols with positive weight do not fit a total of 2**{scale_bits}")
    if idx.size == 1:
        f[idx] = total
        return f
    top = w[idx].max()
    f[idx] = _model.choose_scale(w[idx] / top, float(top), scale_bits, scale_bits, scale_bits)[1]
    return f


def quantization_cost(weights, freqs) -> float:
    """Bits lost by coding with ``freqs`` instead of the exact ``weights``:
    ``sum_i w_i log2((w_i / W) / (f_i / F))`` (``n * KL(p_hat || q)`` for counts ``w``); inf if some
    ``w_i > 0`` has ``f_i = 0``.

    Parameters
    ----------
    weights : array_like of non-negative finite numbers
        Counts or probabilities, indexed by symbol.
    freqs : array_like of non-negative finite numbers
        The frequencies coded with (any total ``F``); missing trailing entries count as 0.

    Returns
    -------
    float
        Bits; ValueError for negative, NaN or infinite entries.
    """
    w = np.asarray(weights, dtype=np.float64).ravel()
    f = np.asarray(freqs, dtype=np.float64).ravel()
    for name, v in (("weights", w), ("freqs", f)):
        if v.size and (not np.all(np.isfinite(v)) or v.min() < 0):
            raise ValueError(f"{name} must be finite and non-negative")
    if f.size < w.size:
        f = np.concatenate([f, np.zeros(w.size - f.size)])
    used = w > 0
    if not used.any():
        return 0.0
    if np.any(f[:w.size][used] == 0):
        return float("inf")
    wu, fu = w[used], f[:w.size][used]
    top = float(wu.max())                 # scaled by the largest weight: W may overflow, w_i / W underflow
    return top * _weighted_log_ratio(wu / top, np.log2(f.sum()), fu)


def _weighted_log_ratio(wi: np.ndarray, log_total: float, denominators: np.ndarray) -> float:
    """``sum_i w_i log2((w_i / W) / (d_i / 2**log_total))`` over ``w_i > 0``, from logarithms so that
    tiny shares neither underflow to log2(0) nor turn 0 * log2(0) into NaN (such terms tend to 0)."""
    pos = wi > 0
    wp = wi[pos]
    return float(np.sum(wp * (np.log2(wp) - np.log2(wp.sum()) + log_total - np.log2(denominators[pos]))))


def choose_scale_bits(weights, max_bits: int | None = None) -> int:
    """The total 2**b minimising quantisation cost plus model-section size, for ``b`` up to ``max_bits``.

    Cost of a total ``M``: ``sum_i w_i log2((w_i / W) / (f_i / M))`` for the optimal frequencies
    (:func:`quantize_frequencies`) plus about 8 bits per LEB128 byte of the frequencies.

    Parameters
    ----------
    weights : array_like of non-negative finite numbers
        Counts (costs in bits of the counted data) or probabilities, indexed by symbol.
    max_bits : int, optional
        1..MAX_SCALE_BITS. Defaults to 15 (decode tables of 2**15 slots stay in the CPU's fast
        caches; 16 buys about 0.002 % on byte data) or, for many symbols, up to MAX_SCALE_BITS.

    Returns
    -------
    int
        The chosen ``b``, at least ``ceil(log2 K)`` for K positive weights (1 for K <= 1).
        ValueError when K symbols do not fit ``2**max_bits``.
    """
    if max_bits is not None:
        max_bits = check_integer(max_bits, "max_bits")
        if not 1 <= max_bits <= MAX_SCALE_BITS:      # the coders' totals are 2**1..2**MAX_SCALE_BITS
            raise ValueError(f"max_bits must be 1..{MAX_SCALE_BITS}, got {max_bits}")
    return _choose_scale_bits(np.asarray(weights, dtype=np.float64).ravel(), max_bits)[0]


def _choose_scale_bits(w: np.ndarray, max_bits: int | None, positive: bool = False) -> tuple[int, np.ndarray | None]:
    """:func:`choose_scale_bits` and the frequencies quantised to it (None for one symbol or fewer).

    A total whose lower bound (the real-valued quantisation cost of the water-filling optimum plus one
    byte per frequency) already exceeds the best exact cost found is not quantised: the totals are tried
    from the largest down, where the cost is usually least, so the slow small totals (many symbols at
    the floor of 1) are mostly skipped. The choice is that of the plain search from the smallest up.
    The search runs in the kernel :func:`codelength.coders._model.choose_scale` (twin:
    :func:`codelength.reference.model.choose_scale`). ``positive``: every weight is a positive count
    (a histogram's), so the checks and the selection of the positive weights are skipped.
    """
    k = w.size if positive else int(np.count_nonzero(w > 0))
    low = max(1, (k - 1).bit_length())
    if max_bits is None:
        max_bits = min(MAX_SCALE_BITS, max(15, low + 2))
    if low > max_bits:
        raise ValueError(f"{k} distinct symbols need a total of at least 2**{low}; "
                         f"the limit is 2**{max_bits} (MAX_SCALE_BITS = {MAX_SCALE_BITS})")
    if k <= 1:
        return 1, None
    if positive:
        top = float(w.max())
        return _model.choose_scale(w / top, top, max_bits, low)
    if not np.all(np.isfinite(w)) or w.min() < 0:
        raise ValueError("weights must be finite and non-negative")
    idx = np.flatnonzero(w > 0)
    top = float(w[idx].max())                     # quantisation cost in the caller's units (W / sum wi)
    best_bits, fi = _model.choose_scale(w[idx] / top, top, max_bits, low)
    f = np.zeros(w.size, dtype=np.uint32)
    f[idx] = fi
    return best_bits, f


# ----------------------------------------------------------------------------- static model
@dataclass(frozen=True, eq=False)
class StaticModel:
    """A quantised order-0 model: ``freqs[i]`` of ``2**scale_bits`` for symbol ``symbols[i]``.

    Only symbols with a nonzero frequency are listed (sorted), so alphabets of any size cost only
    what occurs. Build one with :meth:`from_counts`, :meth:`from_data` or :meth:`from_probabilities`.
    """

    symbols: np.ndarray   # uint64, strictly increasing
    freqs: np.ndarray     # uint32, all >= 1, summing to 2**scale_bits
    scale_bits: int

    @property
    def total(self) -> int:
        return 1 << self.scale_bits

    @classmethod
    def _from_dense(cls, freqs: np.ndarray, scale_bits: int) -> "StaticModel":
        symbols = np.flatnonzero(freqs).astype(np.uint64)
        return cls(symbols, np.asarray(freqs)[symbols.astype(np.intp)].astype(np.uint32), scale_bits)

    @classmethod
    def from_counts(cls, counts, scale_bits: int | None = None) -> "StaticModel":
        """Quantise symbol counts (``counts[s]`` for symbol ``s``) to a power-of-two total.

        Every symbol with a positive count gets a frequency of at least 1; ``scale_bits`` defaults to
        :func:`choose_scale_bits`.
        """
        c = np.asarray(counts, dtype=np.float64).ravel()
        if scale_bits is None:
            scale_bits = choose_scale_bits(c)
        return cls._from_dense(quantize_frequencies(c, scale_bits), scale_bits)

    @classmethod
    def from_data(cls, symbols, scale_bits: int | None = None, *, max_bits: int | None = None) -> "StaticModel":
        """The quantised empirical order-0 model of ``symbols`` (bytes or a non-negative integer array);
        ``scale_bits`` defaults to :func:`choose_scale_bits` (with its ``max_bits``)."""
        a = _as_array(symbols)
        if scale_bits is None and a.dtype == np.uint8 and a.size and a.ndim == 1:
            # bytes: histogram, cap and scale search in one C call (twin: reference.model.byte_model)
            limit = -1 if max_bits is None else max(0, check_integer(max_bits, "max_bits"))
            values, f, scale_bits = _model.byte_model(np.ascontiguousarray(a), limit)
            return cls(values, f, scale_bits)
        values, cnt = _histogram(a)
        f = None
        if scale_bits is None:
            # Tables sized to the input: totals above 4n (n symbols) are not tried; on corpus slices of
            # 32 B..64 KiB this changed the choice in 17 % of cases, at 0.15 bit a case (cost + model).
            cap = min(MAX_SCALE_BITS, max(15, (values.size - 1).bit_length() + 2), a.size.bit_length() + 2)
            max_bits = cap if max_bits is None else min(check_integer(max_bits, "max_bits"), cap)
            max_bits = max(max_bits, (values.size - 1).bit_length(), 1)
            scale_bits, f = _choose_scale_bits(cnt.astype(np.float64), max_bits, positive=True)
        if f is None:
            f = quantize_frequencies(cnt, scale_bits)
        return cls(values.astype(np.uint64), f, scale_bits)

    @classmethod
    def from_probabilities(cls, q, scale_bits: int | None = None, occurring=None) -> "StaticModel":
        """A model that believes the world is ``q`` (``q[s]`` proportional to the probability of ``s``).

        Symbols in ``occurring`` (e.g. those present in the data to be coded) with ``q[s] = 0`` cannot
        be coded with probability 0: they get the minimum frequency 1 of ``2**scale_bits`` (cost
        ``scale_bits`` bits each), where the true cross-entropy H(p, q) would be infinite. Symbols with
        ``q[s] > 0`` keep a frequency >= 1 whether they occur or not, so probabilities below
        ``2**-scale_bits`` are raised to it. ``scale_bits`` defaults to MAX_SCALE_BITS (20): q is
        represented to about 1e-6, so the coded size measures H(p, q) rather than the quantisation.
        """
        w = np.array(q, dtype=np.float64).ravel()          # a copy: the caller's q stays as it was
        if w.size and (not np.all(np.isfinite(w)) or w.min() < 0):
            raise ValueError("probabilities must be finite and non-negative")
        if occurring is not None:
            occ = np.asarray(occurring).ravel()
            if occ.size and occ.dtype.kind not in "iu":
                raise TypeError(f"occurring symbols must be integers, got dtype {occ.dtype}")
            if occ.size and (int(occ.min()) < 0 or int(occ.max()) >= 1 << 32):
                raise ValueError("occurring symbols must be 0..2**32-1")
            occ = occ.astype(np.int64)
            if occ.size:
                if occ.max() >= w.size:
                    w = np.concatenate([w, np.zeros(int(occ.max()) + 1 - w.size)])
                zero = occ[w[occ] == 0]
                if zero.size:
                    positive = w[w > 0]
                    floor = (positive.min() if positive.size else 1.0) * 1e-12
                    w[zero] = floor
        k = int(np.count_nonzero(w > 0))
        if k == 0:
            raise ValueError("the probability vector has no positive entry")
        if scale_bits is None:
            scale_bits = MAX_SCALE_BITS
        return cls._from_dense(quantize_frequencies(w, scale_bits), scale_bits)

    def probabilities(self, alphabet_size: int | None = None) -> np.ndarray:
        """Dense vector of the quantised probabilities ``f / 2**scale_bits``.

        Parameters
        ----------
        alphabet_size : int, optional
            Length of the vector; at least the largest listed symbol + 1 (ValueError otherwise),
            which is the default.
        """
        needed = int(self.symbols[-1]) + 1 if self.symbols.size else 0
        if alphabet_size is None:
            size = needed
        else:
            size = check_integer(alphabet_size, "alphabet_size")
            if size < needed:
                raise ValueError(f"alphabet_size {size} is smaller than the model's alphabet "
                                 f"(largest symbol {needed - 1})")
        p = np.zeros(size)
        p[self.symbols.astype(np.intp)] = self.freqs / self.total
        return p

    def to_bytes(self, streams: int = 0) -> bytes:
        """Model section: scale_bits, streams, LEB128 K, K symbol gaps, K - 1 frequencies minus one
        (the kernel ``_model.model_bytes``; twin :func:`codelength.reference.model.model_bytes`)."""
        return _model.model_bytes(np.ascontiguousarray(self.symbols, dtype=np.uint64),
                                  np.ascontiguousarray(self.freqs, dtype=np.uint32), self.scale_bits, streams)

    @classmethod
    def from_bytes(cls, model: bytes, alphabet_size: int) -> tuple["StaticModel", int]:
        """Parse and check a model section; return the model and its streams byte (the kernel
        ``_model.parse_model``; twin :func:`codelength.reference.model.parse_model`)."""
        symbols, freqs, scale_bits, streams = _model.parse_model(model, alphabet_size)
        return cls(symbols, freqs, scale_bits), streams

    def code_lengths(self) -> np.ndarray:
        """Ideal code length ``-log2(f / M)`` in bits of each listed symbol."""
        return self.scale_bits - np.log2(self.freqs.astype(np.float64))


# ----------------------------------------------------------------------------- helpers
def _as_array(symbols) -> np.ndarray:
    if isinstance(symbols, (bytes, bytearray, memoryview)):
        return np.frombuffer(symbols, dtype=np.uint8)
    a = np.asarray(symbols)
    if a.dtype.kind not in "iu":
        if a.size == 0:
            return a.astype(np.uint8)
        raise TypeError(f"symbols must be integers, got dtype {a.dtype}")
    if a.ndim != 1:
        a = a.ravel()
    if a.size and a.dtype.kind == "i" and a.min() < 0:
        raise ValueError("symbols must be non-negative")
    if a.size and a.dtype.itemsize > 4 and int(a.max()) >= 1 << 32:   # (narrower types cannot be)
        raise ValueError("symbols must be below 2**32")
    return a


def _narrowest(a: np.ndarray, largest: int) -> np.ndarray:
    for dtype, limit in ((np.uint8, 1 << 8), (np.uint16, 1 << 16), (np.uint32, 1 << 32)):
        if largest < limit:
            return np.ascontiguousarray(a, dtype=dtype)
    raise ValueError("symbols must be below 2**32")


def _histogram(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distinct values of ``a`` and their counts."""
    if a.size == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    if a.dtype.itemsize <= 2 or int(a.max()) < (1 << 22):
        c = _dense_counts(a) if a.dtype.kind == "u" else np.bincount(a)
        values = np.flatnonzero(c)
        return values, c[values]
    return np.unique(a, return_counts=True)


def _check_model(model: StaticModel) -> None:
    """ValueError unless ``model`` is what the kernels assume: 1 <= scale_bits <= MAX_SCALE_BITS, at least
    one symbol, symbols strictly increasing and below 2**32, every frequency >= 1, summing to 2**scale_bits
    (the unchecked kernels index and divide by these)."""
    if not isinstance(model, StaticModel):
        raise TypeError(f"model must be a StaticModel, got {type(model).__name__}")
    if not isinstance(model.symbols, np.ndarray) or not isinstance(model.freqs, np.ndarray):
        raise TypeError("model symbols and freqs must be numpy arrays (build models with StaticModel.from_*)")
    bits = model.scale_bits
    if isinstance(bits, bool) or not isinstance(bits, (int, np.integer)) or not 1 <= bits <= MAX_SCALE_BITS:
        raise ValueError(f"model scale_bits must be an integer 1..{MAX_SCALE_BITS}, got {bits!r}")
    symbols, freqs = np.asarray(model.symbols), np.asarray(model.freqs)
    if symbols.ndim != 1 or freqs.shape != symbols.shape or symbols.size == 0:
        raise ValueError("model needs matching 1-D symbols and freqs with at least one symbol")
    if symbols.dtype.kind not in "iu" or freqs.dtype.kind not in "iu":
        raise ValueError("model symbols and freqs must be integer arrays")
    if int(symbols.min()) < 0 or int(symbols.max()) >= 1 << 32 or np.any(np.diff(symbols.astype(np.int64)) <= 0):
        raise ValueError("model symbols must be strictly increasing values 0..2**32-1")
    if int(freqs.min()) < 1 or int(freqs.astype(np.int64).sum()) != 1 << int(bits):
        raise ValueError(f"model frequencies must be >= 1 and sum to 2**scale_bits = {1 << int(bits)}")


class _Tables:
    """Coding tables of a static model: indexed by symbol value (alphabets up to 2**16) or by rank."""

    def __init__(self, model: StaticModel, checked: bool = False):
        """``checked``: the model was built by this module (from the data or a parsed model section) and
        used at once, so :func:`_check_model` holds already."""
        if not checked:
            _check_model(model)
        self.model = model
        largest = int(model.symbols[-1]) if model.symbols.size else 0
        self.by_rank = largest >= _DENSE_LIMIT
        size = model.symbols.size if self.by_rank else largest + 1
        # one C call (twin: reference.model.dense_tables): freq by key, cum its running sum
        self.freq, self.cum = _model.dense_tables(np.ascontiguousarray(model.symbols, dtype=np.uint64),
                                                  np.ascontiguousarray(model.freqs, dtype=np.uint32),
                                                  size, self.by_rank)
        self.dtype = np.uint32 if self.by_rank else (np.uint8 if largest < 256 else np.uint16)

    def output(self, n: int, out: np.ndarray | None = None) -> np.ndarray:
        """The decoders' array of ``n`` symbols: ``out`` when it has the tables' dtype and the tables are
        keyed by symbol value (the kernel then writes the symbols themselves), else a new array."""
        if out is not None and out.dtype == self.dtype and not self.by_rank:
            return out
        return np.empty(n, dtype=self.dtype)

    def code_symbols(self, a: np.ndarray, check: bool, trusted: bool = False) -> np.ndarray:
        """``a`` as the kernel's symbol array; with ``check``, refuse symbols the model cannot code.
        ``trusted``: the model was built from these very symbols (the backends), so nothing to check."""
        model = self.model
        if self.by_rank:
            ranks = np.searchsorted(model.symbols, a.astype(np.uint64))
            if not check and a.size and int(ranks.max()) >= model.symbols.size:
                check = True                      # a rank past the table: report it, never index with it
            if check and a.size:
                bad = (ranks >= model.symbols.size)
                bad |= model.symbols[np.minimum(ranks, model.symbols.size - 1)] != a
                if bad.any():
                    raise ValueError(f"symbol {int(a[np.argmax(bad)])} has probability 0 in the model")
            return ranks.astype(np.uint32)
        # Checked here, check=False or not: the kernels divide by and index with freq[a], and a symbol
        # past the table or of frequency 0 corrupts memory (the by-rank path above stays in bounds).
        if a.size and not trusted:
            # one counting pass (the counting kernel) instead of gathering freq[a]: which symbols occur
            if a.dtype.kind == "u" and a.dtype.itemsize <= 2:
                present = np.flatnonzero(_dense_counts(a))
                beyond = present[present >= self.freq.size]
                zero = beyond if beyond.size else present[self.freq[present] == 0]
            elif int(a.max()) >= self.freq.size:
                zero = a[a >= self.freq.size]
            else:
                zero = a[self.freq[a] == 0]
            if zero.size:
                raise ValueError(f"symbol {int(zero[0])} has probability 0 in the model; give it a "
                                 "positive probability (StaticModel.from_probabilities(q, occurring=...))")
        if a.dtype.kind != "u" or a.dtype.itemsize > np.dtype(self.dtype).itemsize:
            return np.ascontiguousarray(a, dtype=self.dtype)   # the kernels take unsigned 8/16/32-bit
        return np.ascontiguousarray(a)

    def slot_symbol(self, dtype) -> np.ndarray:
        keys = np.arange(self.model.symbols.size, dtype=np.uint32) if self.by_rank else self.model.symbols
        return np.repeat(keys.astype(dtype), self.model.freqs.astype(np.intp))

    def finish(self, out: np.ndarray) -> np.ndarray:
        return self.model.symbols[out] if self.by_rank else out


def ideal_code_length(symbols, model: StaticModel) -> float:
    """Ideal code length ``sum_t -log2(f(x_t) / 2**scale_bits)`` in bits of ``symbols`` under ``model``.

    An arithmetic coder's payload comes within a few bytes of it; inf if a symbol has frequency 0.
    An inconsistent model (unsorted symbols, frequencies not summing to ``2**scale_bits``) raises
    ValueError.
    """
    if not isinstance(model, StaticModel) or model.symbols.size:
        _check_model(model)
    values, cnt = _histogram(_as_array(symbols))
    if values.size == 0:
        return 0.0
    pos = np.searchsorted(model.symbols, values.astype(np.uint64))
    ok = (pos < model.symbols.size)
    ok[ok] = model.symbols[pos[ok]] == values[ok]
    if not ok.all():
        return float("inf")
    return float(np.sum(cnt * (model.scale_bits - np.log2(model.freqs[pos].astype(np.float64)))))


# ----------------------------------------------------------------------------- low-level coders
def default_streams(n: int) -> int:
    """Interleaved streams used when none are given: 1 below 2**16 symbols (least overhead), else 4."""
    return 1 if n < (1 << 16) else RANS_STREAMS


def _stream_count(streams, error: Exception | None = None, wide: bool = False) -> int:
    """``streams`` checked as an integer in 1..MAX_RANS_STREAMS (or RANS_WIDE, with ``wide``: rANS);
    ``error`` replaces the usual ValueError (decoders raise CorruptDataError: their count comes from a
    stream)."""
    streams = check_integer(streams, "streams")
    if not (1 <= streams <= MAX_RANS_STREAMS or (wide and streams == RANS_WIDE)):
        also = f" or {RANS_WIDE}" if wide else ""
        raise error or ValueError(f"streams must be 1..{MAX_RANS_STREAMS}{also}, got {streams}")
    return streams


def _check_count(n) -> int:
    """The symbol count ``n`` of a decoder as a non-negative int (TypeError / ValueError otherwise)."""
    n = check_integer(n, "n (the number of symbols)")
    if n < 0:
        raise ValueError(f"n (the number of symbols) must be non-negative, got {n}")
    return n


# ----------------------------------------------------------------------------- static backends (io.oneshot)
def _static_model(a: np.ndarray, model, scale_bits, alphabet_size: int) -> tuple[StaticModel, bool]:
    """The model to code ``a`` with, and whether symbols must be checked against it.

    A probability vector ``q`` is validated by :func:`codelength.measures.as_distribution` (1-D, real,
    finite, non-negative, summing to 1 within 1e-6; integer vectors are counts) and must have an entry
    for every symbol of the data (``len(q) > max(data)``). Longer than the alphabet (for integer arrays:
    0..max(data)) it is cut to it and so renormalised over the symbols the stream can hold. A symbol that
    occurs but has ``q = 0`` gets the minimum frequency 1 of ``2**scale_bits`` (``scale_bits`` bits each).
    """
    if model is None:
        return StaticModel.from_data(a, scale_bits), False
    if isinstance(model, StaticModel):
        if scale_bits is not None and scale_bits != model.scale_bits:
            raise ValueError(f"scale_bits={scale_bits} given with a StaticModel whose total is "
                             f"2**{model.scale_bits}; leave scale_bits out or build the model with it")
        if model.symbols.size and int(model.symbols[-1]) >= alphabet_size:
            raise ValueError(f"the model lists symbol {int(model.symbols[-1])}, outside the alphabet of "
                             f"{alphabet_size} symbols of this data")
        return model, True
    q = as_distribution(model, name="model")
    values, _ = _histogram(a)
    needed = int(values[-1]) + 1 if values.size else 0
    if q.size < needed:
        raise ValueError(f"the model has {q.size} entries but the data's symbols need {needed} "
                         f"(0..{needed - 1})")
    q = q[:alphabet_size]
    return StaticModel.from_probabilities(q, scale_bits, occurring=values), True


def _check_static_options(n: int, streams, scale_bits, wide: bool = False) -> tuple[int | None, int | None]:
    """``streams`` (None: the default, chosen with the model) and ``scale_bits`` (None: chosen) as ints;
    TypeError for floats, bools and other non-integers rather than truncating them."""
    streams = None if streams is None else _stream_count(streams, wide=wide)
    if scale_bits is not None:
        scale_bits = check_integer(scale_bits, "scale_bits")
        if not 1 <= scale_bits <= MAX_SCALE_BITS:
            raise ValueError(f"scale_bits must be 1..{MAX_SCALE_BITS}, got {scale_bits}")
    return streams, scale_bits


def _check_model_option(model) -> None:
    """What :func:`_static_model` checks of ``model`` without data (for empty input)."""
    if isinstance(model, StaticModel):
        if model.symbols.size:               # a model of no symbols codes the empty input
            _check_model(model)
    elif model is not None:
        as_distribution(model, name="model")


def _check_order(order):
    if order is not None and check_integer(order, "order") != 0:
        raise ValueError("the static coders are order-0; use coder='adaptive' with order=k for context models")


def _encode_static(encoder, symbols, alphabet_size, model, scale_bits, streams, order, wide=False):
    """The static backends: one quantised order-0 model (the data's, or q's) and ``encoder``'s payload.
    ``wide``: the encoder also codes RANS_WIDE streams (rANS), the default from RANS_WIDE_FROM symbols
    for totals up to 2**RANS_WIDE_MAX_BITS."""
    _check_order(order)
    streams, scale_bits = _check_static_options(symbols.size, streams, scale_bits, wide)
    if symbols.size == 0:
        _check_model_option(model)
        return 0, b"", b""
    wide = wide and streams in (None, RANS_WIDE) and symbols.size >= RANS_WIDE_FROM
    if wide and model is None and scale_bits is None:
        m, check = StaticModel.from_data(symbols, max_bits=RANS_WIDE_BITS), False
    else:
        m, check = _static_model(symbols, model, scale_bits, alphabet_size)
    if streams is None:
        streams = RANS_WIDE if wide and m.scale_bits <= RANS_WIDE_MAX_BITS else default_streams(symbols.size)
    return 0, m.to_bytes(streams), encoder(symbols, m, streams, check=check, _trusted=not check)


def _decode_static(decoder, name, param, model, payload, n, alphabet_size, out=None, fast=None):
    """The static backends' decoding: parse the model section, then ``decoder``'s symbols (into ``out``,
    an array of n uint8 symbols, when given: the decoded symbols then land there and nothing is copied;
    a stream whose symbols do not fit uint8 is refused).

    ``fast(payload, symbols, freqs, scale_bits, streams, out)``: the backend's path for such a byte block,
    from the parsed section straight to the kernel (the tables in one C call, ``_model.byte_tables``; no
    StaticModel): about 6 of the 15 us a 1 KiB block took. It returns False for the layouts it leaves
    to ``decoder`` (several range-coder streams, the wide rANS, a bad stream count)."""
    if n == 0:
        if len(model) or len(payload):
            raise CorruptDataError(f"{name} stream of zero symbols carries data")
        return np.zeros(0, dtype=np.uint8)
    if out is not None and fast is not None:
        symbols, freqs, bits, streams = _model.parse_model(model, alphabet_size)
        m = None
    else:
        m, streams = StaticModel.from_bytes(model, alphabet_size)
        symbols = m.symbols
    if param != 0:
        raise CorruptDataError(f"bad {name} parameters")
    if out is None:
        return decoder(payload, m, n, streams, _trusted=True)
    if out.dtype != np.uint8 or out.ndim != 1 or out.size != n or not out.flags.c_contiguous \
            or int(symbols[-1]) > 255:
        raise CorruptDataError(f"{name} block does not decode to the bytes it claims")
    if m is None:
        if fast(payload, symbols, freqs, bits, streams, out):
            return out
        m = StaticModel(symbols, freqs, bits)
    result = decoder(payload, m, n, streams, _trusted=True, _out=out)
    if result is not out:
        raise CorruptDataError(f"{name} block does not decode to the bytes it claims")
    return out


__all__ = ["MAX_SCALE_BITS", "MAX_STATIC_SYMBOLS", "RANS_STREAMS", "RANS_WIDE", "StaticModel", "quantize_frequencies",
           "quantization_cost", "choose_scale_bits", "ideal_code_length", "default_streams"]

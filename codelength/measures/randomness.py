"""ent-style randomness figures of a byte stream, and the NIST SP 800-90B most-common-value min-entropy.

Fourmilab's ``ent`` is what people run on a file to ask "is this random, or compressed, or encrypted?".
:func:`randomness_tests` reports the same figures, computed in one streaming pass (O(n) time, memory
independent of the input: 256 counters and a few sums; feed pieces to :class:`RandomnessAccumulator`):

- **chi-square** of the byte histogram against the uniform one, with its p-value (upper tail of the
  χ² distribution with 255 degrees of freedom; 1 in bit mode). On truly random input the p-value is
  uniform on [0, 1]: ent's "suspect below 1 % or above 99 %" rule then flags 2 % of good inputs.
- **arithmetic mean** of the bytes (127.5 for random bytes; 0.5 in bit mode).
- **Monte Carlo π**: consecutive 6-byte groups as points (x, y) of two 24-bit big-endian integers in a
  square; 4 × (fraction inside the inscribed quarter circle, x² + y² <= (2²⁴ - 1)²) estimates π.
- **serial correlation coefficient** of each byte with the next (circular: the last with the first, as
  ent does); near 0 for random data, near 1 for slowly varying data.
- **min-entropy** by the most-common-value estimate of NIST SP 800-90B §6.3.1: with p̂ the frequency of
  the most common value over L samples, p_u = min(1, p̂ + 2.576 √(p̂ (1 - p̂) / (L - 1))) is its 99 %
  upper confidence bound and ``min_entropy`` = -log2 p_u (bits per byte, or per bit in bit mode) the
  conservative estimate SP 800-90B assesses; ``min_entropy_plugin`` = -log2 p̂ is the point value.

Bit mode (``bits=True``, ent's ``-b``) treats the input as a stream of bits, most significant bit of each
byte first: the chi-square, mean, serial correlation and min-entropy are over bits (2 bins); the Monte
Carlo points are still made of whole bytes, as in ent.

Differences from ent: the sums are exact integers (ent accumulates doubles), and the chi-square p-value
is the exact upper tail (``scipy.special.chdtrc``), not ent's table-based approximation clamped to
0.01 % .. 99.99 %.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

from ..stats.counting import byte_view

#: Bytes per Monte Carlo point (two 24-bit coordinates), as in ent.
MONTE_CARLO_BYTES = 6
#: The z of a one-sided 99 % bound, as in NIST SP 800-90B.
NIST_Z = 2.576
#: Ones in each byte value.
_POPCOUNT = np.array([bin(v).count("1") for v in range(256)], dtype=np.int64)
_VALUES = np.arange(256, dtype=np.int64)


@dataclass(frozen=True)
class RandomnessTests:
    """ent's figures for one input (see :mod:`codelength.measures.randomness`); the keys of ``to_dict()``.

    Attributes
    ----------
    mode : str
        ``"bytes"`` or ``"bits"``.
    samples : int
        Number of bytes (or bits) looked at.
    entropy : float
        Order-0 entropy, bits per byte (per bit in bit mode).
    chi_square, chi_square_p : float
        The statistic Σ (o - e)² / e over 256 (2) bins and its upper-tail p-value (NaN for empty input).
    degrees_of_freedom : int
    mean : float
        Arithmetic mean of the bytes (bits); NaN for empty input.
    monte_carlo_pi : float
        π estimated from 6-byte points (NaN with fewer than 6 bytes).
    monte_carlo_pi_error : float
        Relative error of that estimate, in percent of π (as ent prints it).
    monte_carlo_points : int
    serial_correlation : float
        Serial correlation coefficient (NaN when undefined: fewer than 2 samples or all samples equal;
        ent prints it as "undefined").
    min_entropy : float
        NIST SP 800-90B most-common-value estimate -log2 p_u (bits per byte, per bit in bit mode).
    min_entropy_plugin : float
        -log2 p̂ of the most common value (no confidence bound).
    most_common_probability, most_common_upper : float
        p̂ and its 99 % upper bound p_u.
    """

    mode: str
    samples: int
    entropy: float
    chi_square: float
    chi_square_p: float
    degrees_of_freedom: int
    mean: float
    monte_carlo_pi: float
    monte_carlo_pi_error: float
    monte_carlo_points: int
    serial_correlation: float
    min_entropy: float
    min_entropy_plugin: float
    most_common_probability: float
    most_common_upper: float

    def to_dict(self) -> dict:
        return asdict(self)

    def summary(self) -> str:
        """A few lines in ent's words (what each figure would say about random data)."""
        unit = "bit" if self.mode == "bits" else "byte"
        if self.samples == 0:
            return "The input is empty: no randomness figures."
        p = self.chi_square_p
        lines = [f"Entropy = {self.entropy:.6f} bits per {unit}; min-entropy (NIST MCV, 99 % bound) = "
                 f"{self.min_entropy:.6f} bits per {unit}.",
                 f"Chi square distribution for {self.samples:,} samples is {self.chi_square:.2f}, and randomly "
                 f"would exceed this value {100 * p:.2f} percent of the times (p-values are uniform on random "
                 "input: a fixed 1 %/99 % rule flags 2 % of random files).",
                 f"Arithmetic mean value of data {unit}s is {self.mean:.4f} "
                 f"({'0.5' if self.mode == 'bits' else '127.5'} = random)."]
        if self.monte_carlo_points:
            lines.append(f"Monte Carlo value for Pi is {self.monte_carlo_pi:.9f} (error "
                         f"{self.monte_carlo_pi_error:.2f} percent).")
        if math.isnan(self.serial_correlation):
            lines.append("Serial correlation coefficient is undefined (all values equal).")
        else:
            lines.append(f"Serial correlation coefficient is {self.serial_correlation:.6f} "
                         "(totally uncorrelated = 0.0).")
        return "\n".join(lines)


class RandomnessAccumulator:
    """Streaming state of :func:`randomness_tests`: feed pieces with :meth:`update`, read :meth:`result`.

    Memory: 256 counters, a 5-byte carry for the Monte Carlo groups and a few integers, whatever the input
    size and the size of the pieces (the sums are one pass of the Cython kernels in
    :mod:`codelength.measures._randomness`, twins in :mod:`codelength.reference.randomness`).
    """

    def __init__(self, *, bits: bool = False):
        self.bits = bool(bits)
        self.counts = np.zeros(256, dtype=np.int64)
        self.n_bytes = 0
        self.pairs = 0  # Σ x_i x_{i+1} over consecutive samples (bytes, or bits in bit mode), exact
        self.first = None  # first sample, for the circular pair (last, first)
        self.last = None
        self.carry = b""  # bytes of an unfinished Monte Carlo group
        self.points = 0
        self.inside = 0

    def update(self, data) -> None:
        """Add the next piece of the input (bytes-like)."""
        view = byte_view(data)
        if not view.nbytes:
            return
        from . import _randomness
        b = np.frombuffer(view, dtype=np.uint8)
        self.counts += np.bincount(b, minlength=256)
        self.n_bytes += b.size
        if self.bits:  # samples are bits, most significant first
            self.pairs += _randomness.bit_pair_count(b)
            head, tail = int(b[0]) >> 7, int(b[-1]) & 1
        else:
            self.pairs += _randomness.byte_pair_sum(b)
            head, tail = int(b[0]), int(b[-1])
        if self.last is not None:
            self.pairs += self.last * head
        else:
            self.first = head
        self.last = tail
        self._monte_carlo(view)

    def _monte_carlo(self, view: memoryview) -> None:
        group = MONTE_CARLO_BYTES
        if self.carry:
            need = group - len(self.carry)
            head = bytes(view[:need])
            self.carry += head
            view = view[len(head):]
            if len(self.carry) < group:
                return
            self._points(np.frombuffer(self.carry, dtype=np.uint8))
            self.carry = b""
        whole = (view.nbytes // group) * group
        if whole:
            self._points(np.frombuffer(view[:whole], dtype=np.uint8))
        self.carry = bytes(view[whole:])

    def _points(self, b: np.ndarray) -> None:
        from . import _randomness
        self.inside += _randomness.monte_carlo_inside(np.ascontiguousarray(b))
        self.points += b.size // MONTE_CARLO_BYTES

    def result(self) -> RandomnessTests:
        """The figures of everything fed so far."""
        from scipy.special import chdtrc
        nan = math.nan
        if self.bits:
            ones = int(np.dot(self.counts, _POPCOUNT))
            hist = [8 * self.n_bytes - ones, ones]
            values_sum, squares_sum = ones, ones
        else:
            hist = self.counts.tolist()
            values_sum = int(np.dot(self.counts, _VALUES))
            squares_sum = int(np.dot(self.counts, _VALUES * _VALUES))
        n = sum(hist)
        bins = len(hist)
        dof = bins - 1
        pi_estimate = 4.0 * self.inside / self.points if self.points else nan
        pi_error = 100.0 * abs(pi_estimate - math.pi) / math.pi if self.points else nan
        if n == 0:
            return RandomnessTests("bits" if self.bits else "bytes", 0, 0.0, nan, nan, dof, nan, pi_estimate,
                                   pi_error, self.points, nan, 0.0, 0.0, nan, nan)
        # chi-square Σ (o - e)^2 / e with e = n / bins, from exact integers: (bins Σ o^2 - n^2) / n
        chi_square = (bins * sum(o * o for o in hist) - n * n) / n
        p_value = float(chdtrc(dof, chi_square))
        # serial correlation (n Σ x_i x_{i+1} - (Σ x)^2) / (n Σ x^2 - (Σ x)^2), circular, exact integers
        pairs = self.pairs + (self.last * self.first if n > 1 else 0)
        denominator = n * squares_sum - values_sum * values_sum
        serial = (n * pairs - values_sum * values_sum) / denominator if n > 1 and denominator else nan
        total = n
        entropy_bits = math.fsum(-(o / total) * math.log2(o / total) for o in hist if o)
        top = max(hist) / total
        upper = min(1.0, top + NIST_Z * math.sqrt(top * (1.0 - top) / (total - 1))) if total > 1 else 1.0
        return RandomnessTests("bits" if self.bits else "bytes", n, max(entropy_bits, 0.0), chi_square, p_value, dof,
                               values_sum / n, pi_estimate, pi_error, self.points, serial,
                               max(-math.log2(upper), 0.0), max(-math.log2(top), 0.0), top, upper)


def randomness_tests(data, *, bits: bool = False, chunk_size: int = 1 << 20) -> RandomnessTests:
    """ent's randomness figures (and the NIST MCV min-entropy) of bytes, a binary stream or a file.

    Parameters
    ----------
    data : bytes-like, str or os.PathLike (a file), or a binary file object
        Read once, in pieces of ``chunk_size`` bytes (bounded memory).
    bits : bool
        Bit mode, as ent's ``-b``: the figures are over the bits of the input (MSB first).
    chunk_size : int
        Piece size for files and streams.

    Returns
    -------
    RandomnessTests
        ``chi_square``, ``chi_square_p``, ``mean``, ``monte_carlo_pi``, ``serial_correlation``,
        ``min_entropy`` (bits per byte, per bit in bit mode) and the rest (see its attributes).

    Examples
    --------
    >>> r = randomness_tests(bytes(range(256)) * 4)
    >>> r.chi_square, r.mean, round(r.entropy, 6)
    (0.0, 127.5, 8.0)
    """
    import os
    from ..stats.counting import check_integer
    if check_integer(chunk_size, "chunk_size") <= 0:
        raise ValueError(f"chunk_size must be positive, got {chunk_size}")
    acc = RandomnessAccumulator(bits=bits)
    if isinstance(data, (str, os.PathLike)):
        with open(data, "rb") as stream:
            _feed(acc, stream, chunk_size)
    elif hasattr(data, "read") and not isinstance(data, (bytes, bytearray, memoryview)):
        _feed(acc, data, chunk_size)
    else:
        view = byte_view(data)
        for start in range(0, view.nbytes, chunk_size):
            acc.update(view[start:start + chunk_size])
    return acc.result()


def _feed(acc: RandomnessAccumulator, stream, chunk_size: int) -> None:
    while True:
        piece = stream.read(chunk_size)
        if not piece:
            return
        acc.update(piece)

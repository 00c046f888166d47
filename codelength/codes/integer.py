"""Integer (universal) codes that really write and read bits: unary, Elias gamma, delta and omega,
Fibonacci, Golomb(m), Rice(k) and exp-Golomb(k).

These are the codes of positive integers whose word lengths grow with the value rather than with a
model: gamma and delta are *universal* (within a constant factor of the ideal ``log2 n`` for any
decreasing distribution), Golomb and Rice are optimal for geometric sources (run lengths, residuals:
the building blocks of FLAC, lossless JPEG, H.264's exp-Golomb headers).

Streams are MSB-first (the first bit is bit 7 of byte 0), the last byte padded with zero bits, so
``int_encode`` returns the bytes and the exact number of bits. The loops run in Cython with the GIL
released (:mod:`codelength.codes._integer`); the pure-Python twin is :mod:`codelength.reference.integer`.

Memory: encoding allocates exactly the output (``ceil(nbits / 8)`` bytes, at most
:data:`MAX_OUTPUT_BITS`); decoding allocates ``n`` int64 values, with ``n <= 8 * len(buf)`` (every code
word has at least one bit).

Example
-------
>>> from codelength import int_encode, int_decode, int_code_word
>>> int_code_word(5, "gamma")
'00101'
>>> buf, nbits = int_encode([1, 2, 3, 4], "gamma")
>>> int_decode(buf, 4, "gamma").tolist()
[1, 2, 3, 4]
"""
from __future__ import annotations

import math
import operator

import numpy as np

from ..errors import CorruptDataError
from ..reference.integer import MINIMUM
from . import _integer

__all__ = ["INTEGER_CODES", "MAX_OUTPUT_BITS", "IntegerTypeError", "int_encode", "int_decode", "int_code_word", "int_code_length",
           "golomb_parameter", "IntegerCode"]

#: The integer codes by name, with the smallest value each one codes.
INTEGER_CODES = dict(MINIMUM)
#: Largest stream :func:`int_encode` writes (2**34 bits = 2 GiB): unary or Golomb words of huge values
#: would otherwise ask for unbounded memory.
MAX_OUTPUT_BITS = 1 << 34
_PARAMS = {"golomb": ("m",), "rice": ("k",), "exp-golomb": ("k",)}
_MAX_GOLOMB_M = 1 << 62


def _code_and_param(code, params: dict) -> tuple[int, int]:
    if not isinstance(code, str):
        raise TypeError(f"code must be a name (one of {', '.join(INTEGER_CODES)}), got {type(code).__name__}")
    name = code.lower().replace("_", "-")
    if name == "expgolomb":
        name = "exp-golomb"
    if name not in INTEGER_CODES:
        raise ValueError(f"unknown integer code {code!r}; choose one of {', '.join(INTEGER_CODES)}")
    allowed = _PARAMS.get(name, ())
    extra = set(params) - set(allowed)
    if extra:
        raise TypeError(f"the {name} code takes {'no parameters' if not allowed else 'only ' + allowed[0] + '='}, "
                        f"got {', '.join(sorted(extra))}")
    if not allowed:
        return _integer.CODES[name], 0
    key = allowed[0]
    if key not in params:
        if name == "exp-golomb":
            return _integer.CODES[name], 0  # order 0: gamma(n + 1)
        raise TypeError(f"the {name} code needs its parameter {key}=")
    value = params[key]
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{key} must be an integer, got a boolean")
    try:
        value = operator.index(value)
    except TypeError:
        raise TypeError(f"{key} must be an integer, got {type(value).__name__}") from None
    if name == "golomb" and not 1 <= value <= _MAX_GOLOMB_M:
        raise ValueError(f"golomb needs 1 <= m <= 2**62, got m={value}")
    if name != "golomb" and not 0 <= value <= 63:
        raise ValueError(f"{name} needs 0 <= k <= 63, got k={value}")
    return _integer.CODES[name], value


def _canonical(code) -> str:
    name = code.lower().replace("_", "-")
    return "exp-golomb" if name == "expgolomb" else name


class IntegerTypeError(TypeError, ValueError):
    """Values that are not integers (floats, booleans, text): a TypeError, and also a ValueError, so
    either ``except`` catches bad input (like NumPy's AxisError, a ValueError and an IndexError)."""


def _values(values, name: str) -> np.ndarray:
    """``values`` as a contiguous 1-D int64 array of integers >= the code's minimum."""
    if isinstance(values, (str, bytes, bytearray)):
        raise IntegerTypeError("values must be integers (an array or a sequence of ints), not text or bytes")
    array = np.asarray(values)
    if array.dtype == object:
        if not all(isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_)) for v in array.flat):
            raise IntegerTypeError("values must be integers")
        if array.size and (max(array.flat) > (1 << 63) - 1 or min(array.flat) < -(1 << 63)):
            raise ValueError("values must be at most 2**63 - 1")
        array = array.astype(np.int64)
    if array.dtype.kind == "f" and array.size == 0:
        array = array.astype(np.int64)  # np.asarray([]) is float64
    if array.dtype.kind == "b" or array.dtype.kind not in "iu":
        raise IntegerTypeError(f"values must be integers, got dtype {array.dtype}")
    if array.ndim != 1:
        raise ValueError(f"values must be one-dimensional, got shape {array.shape}")
    if array.dtype == np.uint64 and array.size and array.max() > np.iinfo(np.int64).max:
        raise ValueError("values must be at most 2**63 - 1")
    array = np.ascontiguousarray(array, dtype=np.int64)
    low = INTEGER_CODES[name]
    if array.size:
        smallest = int(array.min())
        if smallest < low:
            raise ValueError(f"the {name} code codes integers >= {low}; got {smallest}")
    return array


def int_encode(values, code: str, **params) -> tuple[bytes, int]:
    """Encode integers with an integer code; returns ``(bytes, nbits)``.

    Parameters
    ----------
    values : array_like of int
        One-dimensional; integers >= 1 (unary, gamma, delta, omega, fibonacci) or >= 0 (golomb, rice,
        exp-golomb), at most 2**63 - 1. Any integer dtype; non-contiguous arrays are copied.
    code : str
        ``"unary"``, ``"gamma"``, ``"delta"``, ``"omega"``, ``"fibonacci"``, ``"golomb"`` (needs ``m=``),
        ``"rice"`` (needs ``k=``) or ``"exp-golomb"`` (``k=``, default 0).
    **params
        ``m`` (1 <= m <= 2**62) for Golomb, ``k`` (0..63) for Rice and exp-Golomb.

    Returns
    -------
    (bytes, int)
        The code words packed MSB-first (last byte zero-padded) and the number of bits written.

    Raises
    ------
    ValueError
        Values below the code's minimum or above 2**63 - 1, not one-dimensional, a parameter out of
        range, an unknown code, or an output beyond :data:`MAX_OUTPUT_BITS`.
    TypeError
        Non-integer values (floats, booleans, text: :class:`IntegerTypeError`, also a ValueError), a
        missing or unexpected parameter.
    """
    code_id, param = _code_and_param(code, params)
    name = _canonical(code)
    array = _values(values, name)
    nbits = int(_integer.encoded_bits(array, code_id, param))
    if nbits > MAX_OUTPUT_BITS:
        raise ValueError(f"the {name} code of these values needs {'over 2**62' if nbits >= 1 << 62 else nbits} "
                         f"bits, beyond the limit of {MAX_OUTPUT_BITS} bits (MAX_OUTPUT_BITS)")
    return _integer.encode(array, code_id, param, nbits), nbits


def int_decode(buf, n: int, code: str, **params) -> np.ndarray:
    """Decode ``n`` integers written by :func:`int_encode` with the same code and parameters.

    Parameters
    ----------
    buf : bytes-like
        The stream (bytes, bytearray, memoryview, a uint8 array). Bits after the ``n``-th code word are
        ignored (the zero padding, or whatever follows).
    n : int
        Number of values to decode; ``0 <= n <= 8 * len(buf)``.
    code, **params
        As :func:`int_encode`.

    Returns
    -------
    numpy.ndarray of int64, shape ``(n,)``

    Raises
    ------
    CorruptDataError
        The stream ends inside a code word (truncated), decodes to a value beyond 2**63 - 1, or is too
        short for ``n`` code words.
    ValueError, TypeError
        A bad ``n``, code or parameter.
    """
    code_id, param = _code_and_param(code, params)
    if isinstance(n, (bool, np.bool_)):
        raise TypeError("n must be an integer")
    try:
        n = operator.index(n)
    except TypeError:
        raise TypeError(f"n must be an integer, got {type(n).__name__}") from None
    if n < 0:
        raise ValueError(f"n must be non-negative, got {n}")
    if isinstance(buf, str):
        raise TypeError("buf must be bytes-like, not str")
    view = memoryview(buf)
    if not view.c_contiguous:
        view = memoryview(view.tobytes())
    data = np.frombuffer(view.cast("B") if view.ndim else view.tobytes(), dtype=np.uint8)
    if n > 8 * data.size:
        raise CorruptDataError(f"{n} code words need at least {n} bits; the stream has {8 * data.size}")
    values, _, status, index = _integer.decode(data, n, code_id, param)
    if status:
        raise CorruptDataError(f"{_canonical(code)} stream, value {index}: {_integer.ERRORS[status]}")
    return values


def int_code_word(value: int, code: str, **params) -> str:
    """The code word of one integer as a string of '0' and '1' (e.g. ``int_code_word(5, "gamma")`` is
    ``'00101'``). Raises as :func:`int_encode`."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"value must be an integer, got {type(value).__name__}")
    buf, nbits = int_encode(np.array([int(value)]) if -(1 << 63) <= int(value) < (1 << 63) else [int(value)],
                            code, **params)
    return format(int.from_bytes(buf, "big"), f"0{8 * len(buf)}b")[:nbits]


def int_code_length(values, code: str, **params) -> np.ndarray:
    """Code word length in bits of each value (an int64 array like ``values``)."""
    code_id, param = _code_and_param(code, params)
    array = _values(values, _canonical(code))
    return np.fromiter((_integer.encoded_bits(array[i:i + 1], code_id, param) for i in range(array.size)),
                       dtype=np.int64, count=array.size)


def golomb_parameter(theta: float) -> int:
    """Optimal Golomb parameter ``m`` for the geometric source ``P(n) = (1 - theta) theta**n``, n >= 0.

    Gallager and Van Voorhis (1975): the least ``m`` with ``theta**m + theta**(m + 1) <= 1``, i.e.
    ``m = ceil(log(1 + theta) / -log(theta))``. The Golomb code with this ``m`` is a Huffman code of the
    (infinite) geometric distribution.

    Raises ValueError unless ``0 < theta < 1``.
    """
    theta = float(theta)
    if not 0.0 < theta < 1.0 or math.isnan(theta):
        raise ValueError(f"theta must be in (0, 1), got {theta}")
    m = max(1, math.ceil(math.log(1.0 + theta) / -math.log(theta)))
    # the closed form can be off by one in floating point at the boundaries: settle it exactly
    while m > 1 and theta ** (m - 1) + theta ** m <= 1.0:
        m -= 1
    while theta ** m + theta ** (m + 1) > 1.0:
        m += 1
    return min(m, _MAX_GOLOMB_M)


class IntegerCode:
    """An integer code with its parameter, as an object: ``encode`` / ``decode`` / ``word`` and a table.

    ``IntegerCode("golomb", m=3)``; in a notebook it shows the code words of the first values.
    """

    def __init__(self, code: str, **params):
        _code_and_param(code, params)  # validates
        self.code = _canonical(code)
        self.params = dict(params)

    @property
    def minimum(self) -> int:
        """Smallest value the code codes (1, or 0 for Golomb, Rice and exp-Golomb)."""
        return INTEGER_CODES[self.code]

    def encode(self, values) -> tuple[bytes, int]:
        """:func:`int_encode` with this code."""
        return int_encode(values, self.code, **self.params)

    def decode(self, buf, n: int) -> np.ndarray:
        """:func:`int_decode` with this code."""
        return int_decode(buf, n, self.code, **self.params)

    def word(self, value: int) -> str:
        """:func:`int_code_word` with this code."""
        return int_code_word(value, self.code, **self.params)

    def lengths(self, values) -> np.ndarray:
        """Code word lengths of ``values``."""
        return int_code_length(values, self.code, **self.params)

    def table(self, values=None, p=None):
        """A :class:`~codelength.codes.classic.CodeBook` of this code: one row per distinct value.

        ``values``: data (its value frequencies are the probabilities, so ``L`` is the real bits per
        value of coding it), or with ``p`` the values whose probabilities ``p`` lists. Default: the
        first 16 values, equally likely.
        """
        from .classic import CodeBook
        if values is None:
            values = np.arange(self.minimum, self.minimum + 16)
        array = _values(values, self.code)
        if p is None:
            distinct, counts = np.unique(array, return_counts=True)
            probs = counts
        else:
            distinct = array
            probs = np.asarray(p, dtype=np.float64)
            if probs.shape != distinct.shape:
                raise ValueError("p must give one probability per value")
            if distinct.size != np.unique(distinct).size:
                raise ValueError("with p, the values must be distinct")
        words = [self.word(int(v)) for v in distinct]
        return CodeBook(words, probs, [str(int(v)) for v in distinct], name=self.describe(),
                        note="Kraft sum over the rows shown only: the code covers every integer")

    def describe(self) -> str:
        """Name with parameters, e.g. ``golomb(m=3)``."""
        if not self.params:
            return self.code
        return f"{self.code}(" + ", ".join(f"{k}={v}" for k, v in self.params.items()) + ")"

    def __repr__(self) -> str:
        return f"IntegerCode({self.describe()})"

    def _repr_html_(self) -> str:
        return self.table()._repr_html_()

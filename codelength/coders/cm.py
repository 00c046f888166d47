"""Context-mixing coder (``coder="cm"``): the tightest real size this library reaches.

Bytes are coded bit by bit under a mix of predictors in the lpaq style (orders 1-4 and 6, a word model,
a word-bigram model, a record/sparse context, a match model), a gated logistic mixer and two adaptive
probability maps, then a 32-bit carry-less binary arithmetic coder. The model is described in
docs/cm.md and defined by its pure-Python twin :mod:`codelength.reference.cm`; the kernel is
:mod:`codelength.coders._cm` (GIL released).

Memory
------
``memory=`` bounds the bytes of the two hash tables: a context table of ``2**k`` bytes and a match
index of ``2**(k-2)`` bytes, with the largest ``k`` that fits (``1.25 * 2**k <= memory``), but no larger
than about 256 bytes per input byte (small inputs get small tables; the pages of the tables are
zeroed lazily, so only touched pages are resident). ``k`` is stored in the stream, so the
decoder allocates what the encoder used; a stream may declare at most ``max_table_bits(n)`` for its ``n``
bytes. Beside the tables: the input (encoder) or output (decoder), up to 41 MiB of APM tables (orders
0, 1 and hashed 2; zero-mapped, so only the rows a block touches are resident) and about 100 KiB of mixer and maps.
"""
from __future__ import annotations

import numpy as np

from ..errors import CorruptDataError
from ..reference.cm import MAX_TABLE_BITS, MIN_TABLE_BITS, max_table_bits, table_bits_for
from ..stats.counting import check_integer

try:
    from . import _cm
except ImportError:  # pragma: no cover - a build without the kernel
    _cm = None

#: Default and largest ``memory=`` (bytes of hash tables).
DEFAULT_MEMORY = 256 << 20
MAX_MEMORY = 1 << 30
#: The smallest ``memory=``: one table of 2**MIN_TABLE_BITS bytes and its match index.
MIN_MEMORY = (1 << MIN_TABLE_BITS) + (1 << (MIN_TABLE_BITS - 2))
#: Version of the model; the model section of a stream is this one byte.
MODEL_VERSION = 2      # 2: order 5, an order-2 APM, count-based APM and mixer rates (1 is refused)
#: Largest input of one call (positions are 32-bit in the match index).
MAX_BYTES = (1 << 32) - 2


def _kernel():
    if _cm is None:
        raise ImportError("the cm coder's kernel (codelength.coders._cm) is not built")
    return _cm


def validate(memory) -> int:
    """Check a ``memory=`` option and return it as an int (TypeError / ValueError otherwise)."""
    memory = check_integer(memory, "memory")
    if not MIN_MEMORY <= memory <= MAX_MEMORY:
        raise ValueError(f"memory must be between {MIN_MEMORY} and {MAX_MEMORY} bytes, got {memory}")
    return memory


def table_bits(n: int, memory: int = DEFAULT_MEMORY) -> int:
    """log2 of the context table's bytes for an input of ``n`` bytes under ``memory``."""
    return table_bits_for(n, validate(memory))


def memory_used(n: int, memory: int = DEFAULT_MEMORY) -> int:
    """Bytes of hash tables the coder allocates for ``n`` bytes (the figure ``memory=`` bounds)."""
    k = table_bits(n, memory)
    return (1 << k) + (1 << (k - 2))


def _width(alphabet_size: int) -> int:
    """Bytes per symbol: symbols of larger alphabets are coded as their little-endian bytes."""
    return 1 if alphabet_size <= 1 << 8 else 2 if alphabet_size <= 1 << 16 else 4


def _as_bytes(symbols, alphabet_size: int) -> np.ndarray:
    width = _width(alphabet_size)
    dtype = {1: np.uint8, 2: "<u2", 4: "<u4"}[width]
    arr = np.ascontiguousarray(symbols).astype(dtype, copy=False).reshape(-1).view(np.uint8)
    if arr.size > MAX_BYTES:
        raise ValueError(f"the cm coder codes at most {MAX_BYTES} bytes at once")
    return arr


def encode(symbols, alphabet_size, *, memory=DEFAULT_MEMORY):
    """Backend ``"cm"``: ``(param, model, payload)``, param = log2 of the context table's bytes, model
    = (model version, bytes per symbol). Symbols of alphabets over 256 are coded as their 2 or 4
    little-endian bytes."""
    memory = validate(memory)
    data = _as_bytes(symbols, alphabet_size)
    k = table_bits_for(data.size, memory)
    payload = _kernel().encode(data, k) if data.size else b""
    return k, bytes([MODEL_VERSION, _width(alphabet_size)]), payload


def decode(param, model, payload, n, alphabet_size):
    """Decode ``n`` symbols; CorruptDataError for a model section or table size this reader refuses."""
    width = _width(alphabet_size)
    if bytes(model) != bytes([MODEL_VERSION, width]):
        raise CorruptDataError("cm stream: unknown model version or symbol width")
    nbytes = n * width
    if nbytes > MAX_BYTES:
        raise CorruptDataError(f"cm stream: {n} symbols is more than one stream holds")
    if nbytes == 0:
        if len(payload):
            raise CorruptDataError("cm stream: payload for an empty input")
        return np.zeros(0, dtype=np.uint8)
    if not MIN_TABLE_BITS <= param <= max_table_bits(nbytes):
        raise CorruptDataError(f"cm stream: table size 2**{param} is outside [2**{MIN_TABLE_BITS}, "
                               f"2**{max_table_bits(nbytes)}] for {nbytes} bytes")
    out = _kernel().decode(np.frombuffer(payload, dtype=np.uint8), int(nbytes), int(param))
    if width == 1:
        return out
    symbols = out.view("<u2" if width == 2 else "<u4").astype(np.uint64)
    if symbols.size and int(symbols.max()) >= alphabet_size:
        raise CorruptDataError("cm stream: a decoded symbol is outside the alphabet")
    return symbols


def code_lengths(data, *, memory=DEFAULT_MEMORY) -> np.ndarray:
    """Cost of each byte of ``data`` in bits under the adaptive model (float64 array of len(data)).

    The sum is the payload's size in bits to within the arithmetic coder's rounding and flush
    (a few bytes): :func:`codelength.code_lengths_of` with ``coder="cm"``."""
    memory = validate(memory)
    arr = np.ascontiguousarray(data, dtype=np.uint8).reshape(-1)
    if arr.size > MAX_BYTES:
        raise ValueError(f"the cm coder codes at most {MAX_BYTES} bytes at once")
    if arr.size == 0:
        return np.zeros(0, dtype=np.float64)
    return _kernel().costs(arr, table_bits_for(arr.size, memory))


__all__ = ["DEFAULT_MEMORY", "MAX_MEMORY", "MIN_MEMORY", "MAX_TABLE_BITS", "MIN_TABLE_BITS", "validate",
           "table_bits", "memory_used", "encode", "decode", "code_lengths"]

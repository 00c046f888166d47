"""Adaptive arithmetic coding: the model is learnt as the data passes, nothing is stored but its alphabet.

``order=0``: adaptive frequencies (Fenwick tree, any alphabet). ``order=1..4`` (bytes): binary context
model, 8 binary decisions per byte with adaptive bit probabilities hashed by the previous ``order``
bytes; ``mix=True`` mixes the predictions of orders 0..order. Backend ``"adaptive"`` of
:func:`codelength.compress`. The kernels are in :mod:`codelength.coders._adaptive`, their twins in
:mod:`codelength.reference.arith`; layouts in docs/arithmetic.md.
"""
from __future__ import annotations

import numpy as np

from . import _adaptive
from ..stats.counting import check_integer
from ..errors import CorruptDataError
from .model import _as_array, _check_count, _histogram, _narrowest, _read_varint, _read_varints, _varints

#: Largest number of distinct symbols of the adaptive order-0 model.
MAX_ADAPTIVE_SYMBOLS = 1 << 22
#: Context model: default and allowed log2 of the number of 32-bit counters (2**22 = 16 MiB).
DEFAULT_TABLE_BITS = 22
MIN_TABLE_BITS, MAX_TABLE_BITS = 10, 24
#: Highest context order of the adaptive binary context model.
MAX_ORDER = 4


def _ranks_of(a: np.ndarray, values: np.ndarray) -> np.ndarray:
    if values.size and int(values[-1]) < (1 << 22):
        lookup = np.zeros(int(values[-1]) + 1, dtype=np.uint32)
        lookup[values] = np.arange(values.size, dtype=np.uint32)
        return lookup[a]
    return np.searchsorted(values, a).astype(np.uint32)


def adaptive_encode(symbols, order: int = 0, table_bits: int = DEFAULT_TABLE_BITS,
                    mix: bool = False) -> tuple[bytes, bytes]:
    """Adaptive arithmetic coding; return ``(model_section, payload)``.

    ``order=0``: adaptive frequencies over the symbols that occur (listed in the model section),
    each starting at 1 and growing by 32 per use, halved when the total passes min(max(2**16, 8K), 2**24).
    ``order=1..4``: bytes only; binary context model over the previous ``order`` bytes with
    ``2**table_bits`` hashed counters (model section = one byte, table_bits). With ``mix=True`` the
    predictions of orders 0..order are mixed in the logistic domain with weights learnt online
    (stronger, about 3-4 times slower; model section = table_bits, 1).
    """
    order = check_integer(order, "order")
    table_bits = check_integer(table_bits, "table_bits")
    _check_mix(mix)
    if not 0 <= order <= MAX_ORDER:
        raise ValueError(f"order must be 0..{MAX_ORDER}, got {order}")
    if not MIN_TABLE_BITS <= table_bits <= MAX_TABLE_BITS:
        raise ValueError(f"table_bits must be {MIN_TABLE_BITS}..{MAX_TABLE_BITS}")
    a = _as_array(symbols)
    if order == 0:
        values, _ = _histogram(a)
        if values.size > MAX_ADAPTIVE_SYMBOLS:
            raise ValueError(f"adaptive order-0 handles at most {MAX_ADAPTIVE_SYMBOLS} distinct symbols")
        if a.size == 0:
            return b"", b""
        gaps = np.diff(values.astype(np.int64), prepend=-1) - 1
        model = _varints([values.size]) + _varints(gaps)
        return model, _adaptive.adaptive0_encode(_ranks_of(a, values), values.size)
    if not 1 <= order <= MAX_ORDER:
        raise ValueError(f"order must be 0..{MAX_ORDER}, got {order}")
    if not MIN_TABLE_BITS <= table_bits <= MAX_TABLE_BITS:
        raise ValueError(f"table_bits must be {MIN_TABLE_BITS}..{MAX_TABLE_BITS}")
    if a.size and int(a.max()) > 255:
        raise ValueError("context models (order >= 1) code bytes: every symbol must be below 256")
    if a.size == 0:
        return b"", b""
    data = np.ascontiguousarray(a, dtype=np.uint8)
    if mix:
        return bytes([table_bits, 1]), _adaptive.mix_encode(data, order, table_bits)
    return bytes([table_bits]), _adaptive.context_encode(data, order, table_bits)


def adaptive_decode(model: bytes, payload: bytes, n: int, order: int = 0,
                    alphabet_size: int = 256) -> np.ndarray:
    """Inverse of :func:`adaptive_encode`; raises CorruptDataError on a bad stream."""
    n = _check_count(n)
    if n == 0:
        if model or payload:
            raise CorruptDataError("adaptive stream of zero symbols carries data")
        return np.zeros(0, dtype=np.uint8)
    buf = np.frombuffer(payload, dtype=np.uint8)
    if order == 0:
        if len(model) < 2:
            raise CorruptDataError("model section too short")
        k, pos = _read_varint(model, 0)
        if not 1 <= k <= min(alphabet_size, MAX_ADAPTIVE_SYMBOLS) or len(model) - pos < k:
            raise CorruptDataError(f"adaptive model lists {k} symbols for an alphabet of {alphabet_size}")
        gaps, pos = _read_varints(model, pos, k)
        if pos != len(model):
            raise CorruptDataError("trailing bytes in the model section")
        values = np.cumsum(gaps + 1) - 1
        if values[-1] >= alphabet_size:
            raise CorruptDataError("model symbol outside the alphabet")
        out = np.empty(n, dtype=np.uint32)
        _adaptive.adaptive0_decode(buf, k, out)
        return _narrowest(values, int(values[-1]))[out]
    if not 1 <= order <= MAX_ORDER:
        raise CorruptDataError(f"context order {order} out of range")
    if not (len(model) == 1 or (len(model) == 2 and model[1] == 1)) \
            or not MIN_TABLE_BITS <= model[0] <= MAX_TABLE_BITS:
        raise CorruptDataError("bad context-model section")
    out = np.empty(n, dtype=np.uint8)
    if len(model) == 2:
        _adaptive.mix_decode(buf, order, model[0], out)
    else:
        _adaptive.context_decode(buf, order, model[0], out)
    return out


def _check_mix(mix) -> None:
    if not isinstance(mix, (bool, np.bool_)) and not (isinstance(mix, (int, np.integer)) and mix in (0, 1)):
        raise TypeError(f"mix must be True or False, got {mix!r}")


# ----------------------------------------------------------------------------- backend (io.oneshot)
#: Context order of ``compress(data, coder="adaptive")`` and of ``codelength compress --coder adaptive``
#: when none is given: order 2 for bytes (alphabets of at most 256 symbols), where it is the best single
#: order on the corpus for its speed; order 0 for larger alphabets, which the context models do not code.
#: (``codelength analyze`` runs the coder at the report's order ``-k``, to set it beside its bound H_k.)
DEFAULT_ADAPTIVE_ORDER = 2


def encode_adaptive(symbols, alphabet_size, *, order=None, table_bits=DEFAULT_TABLE_BITS, mix=False):
    """Backend ``"adaptive"``: adaptive order-0 (any alphabet) or order-1..4 context model (bytes),
    ``mix=True`` to mix orders 0..order. ``order=None``: :data:`DEFAULT_ADAPTIVE_ORDER` for bytes, 0 for
    larger alphabets."""
    if order is None:
        order = DEFAULT_ADAPTIVE_ORDER if alphabet_size <= 256 else 0
    order = check_integer(order, "order")
    table_bits = check_integer(table_bits, "table_bits")
    if order and alphabet_size > 256:
        raise ValueError("context models (order >= 1) code bytes; this alphabet has "
                         f"{alphabet_size} symbols (use order=0)")
    _check_mix(mix)
    if mix and order == 0:
        raise ValueError("mix=True mixes orders 0..order: give order=1..4")
    model, payload = adaptive_encode(symbols, order, table_bits, bool(mix))
    return order, model, payload


def decode_adaptive(param, model, payload, n, alphabet_size):
    return adaptive_decode(model, payload, n, param, alphabet_size)


__all__ = ["DEFAULT_ADAPTIVE_ORDER", "MAX_ADAPTIVE_SYMBOLS", "MAX_ORDER", "DEFAULT_TABLE_BITS", "adaptive_encode", "adaptive_decode"]

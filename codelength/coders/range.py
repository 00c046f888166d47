"""Static range coder: a byte-oriented range coder (64-bit low, 56-bit range) under a quantised
order-0 model (:class:`codelength.coders.model.StaticModel`), 1 to 8 interleaved streams.

Backend ``"range"`` of :func:`codelength.compress`: the data's quantised counts go in the container's
model section. ``model=q`` codes under a given probability vector instead: q must be a 1-D real
probability vector (or counts) with an entry for every symbol of the data (``len(q) > max(data)``); a
symbol that occurs but has ``q = 0`` gets the minimum frequency 1 of ``2**scale_bits`` (it costs
``scale_bits`` bits, where H(p, q) would be infinite). The kernels are in :mod:`codelength.coders._range`,
their twins in :mod:`codelength.reference.arith`.
"""
from __future__ import annotations

import numpy as np

from . import _model, _range
from ..errors import CorruptDataError
from .model import (StaticModel, _Tables, _as_array, _check_count, _decode_static, _encode_static,
                    _read_varints, _stream_count, _varints)


def range_encode(symbols, model: StaticModel, streams: int = 1, *, check: bool = True,
                 _trusted: bool = False) -> bytes:
    """Range-code ``symbols`` under a static model.

    With one stream the payload is at most ``ideal_code_length / 8 + 2`` bytes. With ``streams`` > 1
    (up to 8) symbol i goes to stream i % streams, which the decoder runs interleaved (faster: the
    divisions of independent streams overlap); the payload starts with the LEB128 byte lengths of
    streams 0..streams-2.

    Parameters
    ----------
    symbols : bytes-like or 1-D array of non-negative integers below 2**32
    model : StaticModel
        Checked for consistency (ValueError): frequencies >= 1 summing to ``2**scale_bits``,
        1 <= scale_bits <= MAX_SCALE_BITS, symbols strictly increasing.
    streams : int
        1..8 (TypeError for non-integers).
    check : bool
        Refuse (ValueError) symbols the model gives probability 0. ``check=False`` (the caller guarantees
        them) skips only the by-rank test of alphabets beyond 2**16; symbols that would take the kernel
        out of bounds are refused either way.

    Returns
    -------
    bytes
    """
    streams = _stream_count(streams)
    a = _as_array(symbols)
    tables = _Tables(model, _trusted)
    if a.size == 0:
        return b""
    # one interleaved pass: the streams' independent chains overlap
    parts = _range.range_encode(tables.code_symbols(a, check, _trusted), tables.freq, tables.cum,
                                model.scale_bits, streams)
    return parts[0] if streams == 1 else _varints([len(part) for part in parts[:-1]]) + b"".join(parts)


def range_decode(payload, model: StaticModel, n: int, streams: int = 1, *, _trusted: bool = False,
                 _out: np.ndarray | None = None) -> np.ndarray:
    """Decode ``n`` symbols of :func:`range_encode`; raises CorruptDataError on a bad payload.
    ``_trusted``: ``model`` was just parsed from a model section (its checks hold); ``_out``: the array
    of n symbols of the tables' dtype to decode into (:func:`codelength.coders.model._decode_static`)."""
    streams = _stream_count(streams, CorruptDataError(f"range coder stream count {streams} out of range"))
    n = _check_count(n)
    tables = _Tables(model, _trusted)
    out = tables.output(n, _out)
    if n:
        if streams == 1:
            start, offsets = 0, np.array([0, len(payload)], dtype=np.int64)
        else:
            lengths, start = _read_varints(bytes(payload[:5 * (streams - 1)]), 0, streams - 1)
            offsets = np.concatenate(([0], np.cumsum(lengths), [len(payload) - start])).astype(np.int64)
        if offsets[-2] > offsets[-1]:
            raise CorruptDataError("range coder stream lengths exceed the payload")
        _range.range_decode(np.frombuffer(payload, dtype=np.uint8, offset=start), offsets, tables.freq,
                            tables.cum, tables.slot_symbol(tables.dtype), model.scale_bits, out)
    return tables.finish(out)


# ----------------------------------------------------------------------------- backend (io.oneshot)
def encode_range(symbols, alphabet_size, *, model=None, scale_bits=None, streams=None, order=0):
    """Backend ``"range"``: static order-0 range coding (``model=q`` to code under a given q)."""
    return _encode_static(range_encode, symbols, alphabet_size, model, scale_bits, streams, order)


def decode_range(param, model, payload, n, alphabet_size):
    return _decode_static(range_decode, "range-coder", param, model, payload, n, alphabet_size)


def _byte_block(payload, symbols, freqs, bits, streams, out) -> bool:
    """:func:`decode_into`'s path for a byte block of one stream (see ``_decode_static``)."""
    if streams != 1:
        return False                          # several streams (their lengths lead the payload), bad counts
    freq, cum, _, slot = _model.byte_tables(symbols, freqs, bits)
    _range.range_decode(np.frombuffer(payload, dtype=np.uint8), np.array([0, len(payload)], dtype=np.int64),
                        freq, cum, slot, bits, out)
    return True


def decode_into(param, model, payload, out, alphabet_size):
    """:func:`decode_range` into ``out`` (uint8, C-contiguous, its length the symbol count; the stream
    framing's block in place: no array of its own, no copy)."""
    _decode_static(range_decode, "range-coder", param, model, payload, out.size, alphabet_size, out, _byte_block)


__all__ = ["range_encode", "range_decode"]

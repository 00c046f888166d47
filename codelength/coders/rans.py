"""Static rANS: 32-bit states, byte renormalisation, 1 to 8 interleaved states (4 by default) under a
quantised order-0 model (:class:`codelength.coders.model.StaticModel`); or the wide rANS, ``streams=32``
(``RANS_WIDE``): 32 states with 16-bit renormalisation for totals up to 2**15, whose decoder runs 8
states per AVX2 vector where the CPU has it. The backend uses 1 state below 2**16 symbols, else 32
(4 for totals above 2**15).

Backend ``"rans"`` of :func:`codelength.compress`; same model and options as the range coder. The
kernels are in :mod:`codelength.coders._rans`, their twins in :mod:`codelength.reference.arith`.
"""
from __future__ import annotations

import numpy as np

from . import _model, _rans
from ..errors import CorruptDataError
from .model import (MAX_RANS_STREAMS, RANS_STREAMS, RANS_WIDE, RANS_WIDE_MAX_BITS, StaticModel, _Tables, _as_array,
                    _check_count, _decode_static, _encode_static, _stream_count)


def rans_encode(symbols, model: StaticModel, streams: int = RANS_STREAMS, *, check: bool = True,
                _trusted: bool = False) -> bytes:
    """rANS-code ``symbols`` under a static model with ``streams`` interleaved states (1..8, or
    ``RANS_WIDE`` = 32: the wide rANS, for models of ``scale_bits`` <= 15).

    Parameters and checks as :func:`range_encode`.
    """
    streams = _stream_count(streams, wide=True)
    a = _as_array(symbols)
    tables = _Tables(model, _trusted)
    if streams == RANS_WIDE and model.scale_bits > RANS_WIDE_MAX_BITS:
        raise ValueError(f"streams={RANS_WIDE} (the wide rANS) takes models of scale_bits <= {RANS_WIDE_MAX_BITS}, "
                         f"got {model.scale_bits}")
    if a.size == 0:
        return b""
    coded = tables.code_symbols(a, check, _trusted)
    if streams == RANS_WIDE:
        return _rans.rans16_encode(coded, tables.freq, tables.cum, model.scale_bits)
    return _rans.rans_encode(coded, tables.freq, tables.cum, model.scale_bits, streams)


def rans_decode(payload, model: StaticModel, n: int, streams: int = RANS_STREAMS, *,
                _trusted: bool = False, _out: np.ndarray | None = None) -> np.ndarray:
    """Decode ``n`` symbols of :func:`rans_encode`; raises CorruptDataError on a bad payload.
    ``_trusted``: ``model`` was just parsed from a model section (its checks hold); ``_out``: the array
    of n symbols of the tables' dtype to decode into (:func:`codelength.coders.model._decode_static`)."""
    streams = _stream_count(streams, CorruptDataError(f"rANS stream count {streams} out of range"), wide=True)
    n = _check_count(n)
    tables = _Tables(model, _trusted)
    if streams == RANS_WIDE and model.scale_bits > RANS_WIDE_MAX_BITS:
        raise CorruptDataError(f"wide rANS stream with a total of 2**{model.scale_bits} (at most 2**{RANS_WIDE_MAX_BITS})")
    out = tables.output(n, _out)
    if n and streams == RANS_WIDE:
        _rans.rans16_decode(np.frombuffer(payload, dtype=np.uint8), tables.freq, model.scale_bits, out)
    elif n:
        info = (tables.freq.astype(np.uint64) << np.uint64(32)) | tables.cum.astype(np.uint64)
        _rans.rans_decode(np.frombuffer(payload, dtype=np.uint8), info, tables.slot_symbol(tables.dtype),
                           model.scale_bits, streams, out)
    return tables.finish(out)


# ----------------------------------------------------------------------------- backend (io.oneshot)
def encode_rans(symbols, alphabet_size, *, model=None, scale_bits=None, streams=None, order=0):
    """Backend ``"rans"``: static order-0 rANS with ``streams`` interleaved states."""
    return _encode_static(rans_encode, symbols, alphabet_size, model, scale_bits, streams, order, wide=True)


def decode_rans(param, model, payload, n, alphabet_size):
    return _decode_static(rans_decode, "rANS", param, model, payload, n, alphabet_size)


def _byte_block(payload, symbols, freqs, bits, streams, out) -> bool:
    """:func:`decode_into`'s path for a byte block on 1..8 states (see ``_decode_static``)."""
    if not 1 <= streams <= MAX_RANS_STREAMS:
        return False                          # the wide rANS, or a count rans_decode reports
    _, _, info, slot = _model.byte_tables(symbols, freqs, bits)
    _rans.rans_decode(np.frombuffer(payload, dtype=np.uint8), info, slot, bits, streams, out)
    return True


def decode_into(param, model, payload, out, alphabet_size):
    """:func:`decode_rans` into ``out`` (uint8, C-contiguous, its length the symbol count; the stream
    framing's block in place: no array of its own, no copy)."""
    _decode_static(rans_decode, "rANS", param, model, payload, out.size, alphabet_size, out, _byte_block)


__all__ = ["RANS_STREAMS", "RANS_WIDE", "rans_encode", "rans_decode"]

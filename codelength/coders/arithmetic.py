"""Arithmetic coding, one import: the names of :mod:`codelength.coders.model`, :mod:`~codelength.coders.range`,
:mod:`~codelength.coders.rans` and :mod:`~codelength.coders.adaptive` (the modules they live in).

Kept so that code and documentation written against ``codelength.coders.arithmetic`` (v0.1's layout,
e.g. ``codelength.coders.arithmetic.ideal_code_length``) keep working; new code imports the module of
the coder it uses.
"""
from .model import (MAX_RANS_STREAMS, MAX_SCALE_BITS, MAX_STATIC_SYMBOLS, RANS_STREAMS, StaticModel,  # noqa: F401
                    choose_scale_bits, default_streams, ideal_code_length, quantization_cost, quantize_frequencies)
from .range import decode_range, encode_range, range_decode, range_encode  # noqa: F401
from .rans import decode_rans, encode_rans, rans_decode, rans_encode  # noqa: F401
from .adaptive import (DEFAULT_ADAPTIVE_ORDER, DEFAULT_TABLE_BITS, MAX_ADAPTIVE_SYMBOLS, MAX_ORDER, MAX_TABLE_BITS,  # noqa: F401
                       MIN_TABLE_BITS, adaptive_decode, adaptive_encode, decode_adaptive, encode_adaptive)

__all__ = [
    "MAX_SCALE_BITS", "MAX_STATIC_SYMBOLS", "MAX_ADAPTIVE_SYMBOLS", "MAX_ORDER", "RANS_STREAMS",
    "StaticModel", "quantize_frequencies", "quantization_cost", "choose_scale_bits", "ideal_code_length",
    "default_streams", "range_encode", "range_decode", "rans_encode", "rans_decode", "adaptive_encode",
    "adaptive_decode",
]

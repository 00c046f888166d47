"""coder -> container: the native container format, one-shot compress/decompress, the DEFLATE writer.

``container`` frames a coder's payload (header, model, CRCs); ``oneshot`` picks the coder and frames it
(:func:`compress`, :func:`decompress`); ``deflate`` writes DEFLATE / zlib / gzip streams (its kernel: ``_deflate.pyx``).
"""
from .oneshot import CODERS, compress, decompress

__all__ = ["CODERS", "compress", "decompress"]

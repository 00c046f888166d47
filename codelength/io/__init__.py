"""coder -> container: the native container format, one-shot compress/decompress, the DEFLATE writer.

``stream`` is format v2 (framed blocks, Compressor/Decompressor), ``file`` its file objects (``open``);
``container`` reads the version-1 frames of 0.1; ``oneshot`` picks the coder and frames it
(:func:`compress`, :func:`decompress`); ``deflate`` writes DEFLATE / zlib / gzip streams (its kernel: ``_deflate.pyx``).
"""
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .oneshot import CODERS, compress, decompress
    from .stream import Compressor, Decompressor
    from .file import open

__all__ = ["CODERS", "compress", "decompress", "Compressor", "Decompressor", "open"]

from .._lazy import attach as _attach

__getattr__, __dir__ = _attach(__name__, __file__, __all__)

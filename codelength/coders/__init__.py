"""code -> coder: the entropy coders, one module per coder.

``huffman`` (block-adaptive canonical Huffman), ``range`` (static range coder), ``rans`` (static rANS),
``adaptive`` (adaptive order-0, order-k context models and their mixing); ``model`` is the quantised
order-0 model the two static coders share (``arithmetic`` re-exports the arithmetic coders' names under
v0.1's module). Reach them through :func:`codelength.compress` / :func:`codelength.decompress`; the
kernels are the ``_*.pyx`` modules beside them (shared declarations in ``_*.pxd``), their twins in
:mod:`codelength.reference`.
"""
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .model import StaticModel, quantization_cost, quantize_frequencies

__all__ = ["StaticModel", "quantization_cost", "quantize_frequencies"]

from .._lazy import attach as _attach

__getattr__, __dir__ = _attach(__name__, __file__, __all__)

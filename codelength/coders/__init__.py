"""code -> coder: the entropy coders, one module per coder family.

``huffman`` (block-adaptive canonical Huffman), ``arithmetic`` (static range and rANS coders, their
quantised model, the adaptive order-0 and context-model coders). Reach them through
:func:`codelength.compress` / :func:`codelength.decompress`; the kernels are the ``_*.pyx`` modules beside
them, their twins in :mod:`codelength.reference`.
"""
from .arithmetic import StaticModel, quantization_cost, quantize_frequencies

__all__ = ["StaticModel", "quantization_cost", "quantize_frequencies"]

"""bytes -> counts: symbol counts and order-k context statistics (n-gram tables).

``counting`` counts symbols and byte files (streamed, threaded); ``context`` counts n-grams and gives the
order-k conditional entropies H_k. The compiled loops are in ``_kernels``; their twins in
:mod:`codelength.reference.counting`.
"""
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .counting import MAX_DENSE_ALPHABET, counts, file_counts, joint_counts, merge_counts
    from .context import (ContextStatistics, context_entropies, context_entropy, file_context_entropies,
                          ngram_counts)

__all__ = ["MAX_DENSE_ALPHABET", "counts", "file_counts", "joint_counts", "merge_counts", "ContextStatistics",
           "context_entropies", "context_entropy", "file_context_entropies", "ngram_counts"]

from .._lazy import attach as _attach

__getattr__, __dir__ = _attach(__name__, __file__, __all__)

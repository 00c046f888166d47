"""Per-byte code lengths of a real coder: where in the data the information is."""
from __future__ import annotations

import numpy as np

from ..stats.counting import as_symbols

#: Coders whose per-byte costs are available.
COST_CODERS = ("cm",)


def code_lengths_of(data, coder: str = "cm", **options) -> np.ndarray:
    """The real cost in bits of each byte of ``data`` under an adaptive coder's model.

    Parameters
    ----------
    data : bytes-like or array_like of integers in [0, 255]
        The bytes to cost.
    coder : {"cm"}
        The coder whose model prices the bytes (today the context-mixing coder).
    **options
        The coder's options (``memory=`` for ``"cm"``); the same options give the same costs as
        :func:`codelength.compress` pays.

    Returns
    -------
    numpy.ndarray
        float64 array of ``len(data)`` costs: byte i costs ``-log2 q(x_i | x_<i)`` bits, the sum over
        its 8 binary decisions. The sum equals the coder's payload in bits to within its rounding and
        flush (a few bytes), so it is an upper bound on the information content that a decoder really
        achieves.

    Examples
    --------
    >>> import codelength
    >>> bits = codelength.code_lengths_of(b"abracadabra " * 20)
    >>> bits.shape
    (240,)
    >>> bool(bits[:12].sum() > bits[-12:].sum())   # the repeats become cheap
    True
    """
    if coder not in COST_CODERS:
        raise ValueError(f"per-byte costs are available for coder {', '.join(map(repr, COST_CODERS))}, "
                         f"not {coder!r}")
    symbols, is_bytes = as_symbols(data)
    if not is_bytes and symbols.size and (int(symbols.min()) < 0 or int(symbols.max()) > 255):
        raise ValueError("code_lengths_of codes bytes: every symbol must be in [0, 255]")
    from . import cm
    unknown = sorted(set(options) - {"memory"})
    if unknown:
        raise TypeError(f"coder 'cm' takes no option {', '.join(map(repr, unknown))}; its options are: memory")
    return cm.code_lengths(symbols.astype(np.uint8, copy=False), **options)


__all__ = ["COST_CODERS", "code_lengths_of"]

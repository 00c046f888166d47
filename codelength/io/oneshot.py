"""The one entry to every coder: :func:`compress` and :func:`decompress`.

A coder backend is a module with two functions (registered in ``_CODERS`` below)::

    encode(symbols, alphabet_size, **options) -> (param, model, payload)
    decode(param, model, payload, n, alphabet_size) -> numpy array of n symbols

``symbols`` is a C-contiguous unsigned array (uint8 when the alphabet fits in 256 symbols, uint16 up to
65536, else uint32) whose values are all below ``alphabet_size``; ``param`` is one byte (0-255) the backend
wants back (e.g. a context order); ``model`` and ``payload`` are bytes. A backend's ``decode`` raises
:class:`~codelength.errors.CorruptDataError` for anything it cannot decode, and must neither read out of
bounds, loop without end nor allocate by an untrusted count beyond ``n`` and ``alphabet_size`` (which the
container's header CRC vouches for). This module frames the result (:mod:`codelength.container`) and checks
length and CRC-32 of what comes back.
"""
from __future__ import annotations

import functools
import importlib
import inspect
import zlib
from typing import NamedTuple

import numpy as np

from . import container
from ..stats.counting import as_symbols, byte_view
from ..errors import CorruptDataError


class _Coder(NamedTuple):
    coder_id: int
    module: str
    encode: str
    decode: str


_CODERS = {
    "huffman": _Coder(1, "codelength.coders.huffman", "encode", "decode"),
    "range": _Coder(2, "codelength.coders.range", "encode_range", "decode_range"),
    "rans": _Coder(3, "codelength.coders.rans", "encode_rans", "decode_rans"),
    "adaptive": _Coder(4, "codelength.coders.adaptive", "encode_adaptive", "decode_adaptive"),
    "cm": _Coder(5, "codelength.coders.cm", "encode", "decode"),
}
_BY_ID = {spec.coder_id: name for name, spec in _CODERS.items()}
CODERS = tuple(_CODERS)
FORMATS = ("native", "gzip", "zlib", "deflate")
#: Largest alphabet a native stream records (its header field is 32 bits wide).
MAX_ALPHABET = (1 << 32) - 1


_BACKENDS: dict = {}


def _backend(spec: _Coder, which: str):
    """The backend function ``which`` of ``spec``'s module, imported once (import_module costs µs a call)."""
    try:
        return _BACKENDS[spec.module, which]
    except KeyError:
        fn = _BACKENDS[spec.module, which] = getattr(importlib.import_module(spec.module), which)
        return fn


@functools.lru_cache(maxsize=None)
def _keyword_options(encoder) -> tuple[str, ...]:
    """The keyword-only options ``encoder`` takes (inspected once per encoder: a signature costs tens of µs)."""
    return tuple(p.name for p in inspect.signature(encoder).parameters.values() if p.kind is p.KEYWORD_ONLY)


def _check_options(encoder, what: str, options: dict) -> None:
    """Refuse an option the coder does not take, naming the coder and what it does take."""
    if not options:
        return
    known = _keyword_options(encoder)
    unknown = sorted(set(options) - set(known))
    if unknown:
        raise TypeError(f"{what} takes no option {', '.join(map(repr, unknown))}; its options are: "
                        f"{', '.join(known) or 'none'}")


def _narrow(symbols: np.ndarray, alphabet_size: int) -> np.ndarray:
    """The smallest unsigned dtype that holds every symbol, as the backends expect."""
    if alphabet_size > MAX_ALPHABET:
        raise ValueError(f"symbol {alphabet_size - 1} is too large: the container's alphabet field holds "
                         f"at most {MAX_ALPHABET} symbols (largest symbol {MAX_ALPHABET - 1})")
    for dtype, limit in ((np.uint8, 1 << 8), (np.uint16, 1 << 16), (np.uint32, 1 << 32)):
        if alphabet_size <= limit:
            return np.ascontiguousarray(symbols, dtype=dtype)


def _crc(symbols: np.ndarray, is_bytes: bool) -> int:
    if is_bytes:
        return zlib.crc32(symbols)
    return zlib.crc32(np.ascontiguousarray(symbols, dtype=symbols.dtype.newbyteorder("<")))


_STREAM = None


def _stream():
    """codelength.io.stream, imported on first use (it imports this module) and kept: an import
    statement in a function costs about half a microsecond a call even when the module is loaded."""
    global _STREAM
    if _STREAM is None:
        from . import stream
        _STREAM = stream
    return _STREAM


def compress(data, coder: str = "huffman", *, format: str = "native", **options) -> bytes:
    """Compress bytes or an integer symbol array with one of the library's entropy coders.

    Parameters
    ----------
    data : bytes-like or array_like of non-negative integers
        Bytes (``bytes``, ``bytearray``, ``memoryview``, ``mmap``) or an integer NumPy array (flattened);
        arrays come back from :func:`decompress` with their dtype.
    coder : {"huffman", "range", "rans", "adaptive", "cm"}
        Huffman code (block-adaptive), static range coder, static rANS, adaptive arithmetic coding
        with an order-k context model (``order=k``), or context mixing (``"cm"``, bytes; ``memory=``
        bounds its hash tables, docs/cm.md).
    format : {"native", "gzip", "zlib", "deflate"}
        ``"native"`` writes the codelength container (docs/format.md). The others write a standard
        Huffman-only DEFLATE stream that zlib, gzip and gunzip read (bytes input, Huffman coder only).
    block_size : int, optional
        Symbols per block of the v2 stream (default 1 MiB; 2**24, the most, for ``"cm"``, whose model
        gains from a long history): each block has its own model
        and is what a decoder holds in memory (docs/format.md).
    threads : int, optional
        Blocks coded in parallel (default 1); the output does not depend on it.
    **options
        Passed to the coder for each block, e.g. ``order=2`` for ``"adaptive"``, ``max_length=`` for
        ``"huffman"``, or
        ``model=q`` for ``"range"``/``"rans"``: code with the probability vector q instead of the data's
        own statistics, so the payload costs about n·H(p, q) = n·(H(p) + KL(p‖q)) bits. q must have an
        entry for every symbol of the data; a symbol that occurs where q is 0 is still coded, at the
        model's minimum frequency (about 20 bits each), rather than refused (docs/arithmetic.md).

    Returns
    -------
    bytes
        The compressed stream.
    """
    if format not in FORMATS:
        raise ValueError(f"unknown format {format!r}; choose one of {', '.join(FORMATS)}")
    if coder not in _CODERS:
        raise ValueError(f"unknown coder {coder!r}; choose one of {', '.join(CODERS)}")
    if format != "native":
        if coder != "huffman":
            raise ValueError(f"format={format!r} is a Huffman-only DEFLATE stream; it needs coder='huffman'")
        from . import deflate
        _check_options(deflate.compress, f"format={format!r}", options)
        return deflate.compress(data, format=format, **options)
    symbols, is_bytes = as_symbols(data)
    return _stream().compress_symbols(symbols, is_bytes, coder, **options)


def decompress(blob, max_output=None) -> bytes | np.ndarray:
    """Decompress a stream made by :func:`compress` (format v2, v1, or a concatenation of them).

    Native streams give back exactly what was compressed (``bytes``, or an array of the original dtype).
    gzip streams (e.g. from ``format="gzip"``) are recognised by their magic bytes and decoded with the
    standard library. zlib and raw DEFLATE streams (``format="zlib"`` / ``"deflate"``) are not
    recognised: read them with :func:`zlib.decompress` (``wbits=-15`` for raw DEFLATE).
    ``blob`` may be any bytes-like object, of any memory layout.

    ``max_output``: the largest result (in bytes) the caller accepts; a stream that claims more is
    refused with :class:`~codelength.errors.OutputLimitError` before the result is allocated.

    Raises
    ------
    CorruptDataError
        If the stream is truncated, corrupted, or not a stream this library reads.
    """
    view = byte_view(blob)
    if view[:2] == b"\x1f\x8b":
        import gzip
        if max_output is not None:
            from .stream import Decompressor
            from ..errors import OutputLimitError
            d = Decompressor()
            out = d.decompress(view, max_output + 1)
            if len(out) > max_output:
                raise OutputLimitError(f"the stream decodes to more than max_output={max_output} bytes")
        try:
            return gzip.decompress(view)
        except (OSError, EOFError, zlib.error) as exc:
            raise CorruptDataError(f"corrupt gzip stream: {exc}") from None
    return _stream().decompress(view, max_output)


def _compress_v1(data, coder: str = "huffman", **options) -> bytes:
    """One version-1 frame, as 0.1 wrote it (whole input, one model): for tests of the v1 reader."""
    symbols, is_bytes = as_symbols(data)
    alphabet_size = 256 if is_bytes else (int(symbols.max()) + 1 if symbols.size else 0)
    spec = _CODERS[coder]
    encoder = _backend(spec, spec.encode)
    _check_options(encoder, f"coder {coder!r}", options)
    param, model, payload = encoder(_narrow(symbols, alphabet_size), alphabet_size, **options)
    kind = 0 if is_bytes else container.KIND_OF_DTYPE["<" + symbols.dtype.str[1:]]  # "|u1" -> "<u1"
    frame = container.Frame(spec.coder_id, int(param), kind, int(symbols.size), alphabet_size,
                            _crc(symbols, is_bytes), bytes(model), bytes(payload))
    return container.pack(frame)


def _decompress_v1(blob):
    """Decode one version-1 frame (the 0.1 container, docs/format.md), as 0.1 did."""
    view = byte_view(blob)
    frame = container.unpack(view)
    name = _BY_ID.get(frame.coder_id)
    if name is None:
        raise CorruptDataError(f"unknown coder id {frame.coder_id}")
    dtype = container.SYMBOL_KINDS[frame.kind]
    if (dtype is None and frame.alphabet_size != 256) or frame.alphabet_size > MAX_ALPHABET:
        raise CorruptDataError(f"alphabet size {frame.alphabet_size} does not fit the symbol kind")
    spec = _CODERS[name]
    symbols = _backend(spec, spec.decode)(frame.param, frame.model, frame.payload, frame.n, frame.alphabet_size)
    symbols = np.asarray(symbols)
    if symbols.shape != (frame.n,):
        raise CorruptDataError(f"decoded {symbols.size} symbols, header says {frame.n}")
    if dtype is None:
        out = symbols.astype(np.uint8, copy=False).tobytes()
        crc = zlib.crc32(out)
    else:
        out = symbols.astype(np.dtype(dtype), copy=False)
        crc = zlib.crc32(out)
        out = out.astype(out.dtype.newbyteorder("="), copy=False)
    if crc != frame.crc:
        raise CorruptDataError("CRC-32 mismatch: the payload is corrupted")
    return out

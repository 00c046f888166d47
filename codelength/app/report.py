"""One report per input: how far the data can be compressed, in theory and in practice.

:func:`analyze` reads a file (streamed, bounded memory), bytes or a binary stream once, and measures

- the order-0 entropy H_0 and the conditional entropies H_1 .. H_k (bits/byte) with the ideal sizes they
  imply (:mod:`codelength.context`), and the block entropy H_block of 64 KiB blocks
  (:mod:`codelength.profile`), the bound of a block-adaptive order-0 coder;
- the real sizes of this library's coders (Huffman, static range and rANS coders, the adaptive order-k
  arithmetic coder), each decoded again to check it, and of zlib, bz2 and lzma from the standard library.

The :class:`Report` dataclass has exactly the fields of the JSON object (``Report.to_dict()``; keys in
docs/cli.md); :func:`render_text` and :func:`render_csv` format it for people and spreadsheets.

Ideal size of a bound, in bits: H_0 * n for order 0, and 8 * k + H_k * (n - k) for order k (the first k
bytes have no full context and are counted at 8 bits). The bounds leave out the cost of describing the
model, which a real coder pays: on small inputs high orders look better than anything can achieve.
"""
from __future__ import annotations

import bz2
import csv
import io
import lzma
import math
import os
import time
import zlib
from dataclasses import asdict, dataclass, field

import numpy as np

from ..stats.context import _UNSET, DEFAULT_MEMORY, ContextStatistics, _check_order, _deprecated_max_distinct
from ..stats.counting import DEFAULT_CHUNK_SIZE, byte_view
from ..measures.discrete import entropy
from . import measures_report
from .measures_report import DEFAULT_RATE_LIMIT, ExtraMeasures  # ent's figures, entropy-rate estimates
from .lanes import COST, Lane, LaneRunner
from .profile import (DEFAULT_BLOCK_SIZE, BlockEntropyAccumulator, EntropyProfile, _aligned_chunk,
                      _source_pieces, profile_from_accumulator, source_name)

#: Version of the JSON layout below; bumped only when a key changes meaning or disappears.
REPORT_SCHEMA = "codelength.report/1"
#: Default largest input the in-memory coders run on (the bounds and standard-library sizes stream).
DEFAULT_CODER_LIMIT = 64 << 20
#: The library's coders a report runs, in order (names as in :data:`codelength.coders.CODERS`).
LIBRARY_CODERS = ("huffman", "range", "rans", "adaptive", "cm")
#: Standard-library compressors at their best (zlib, bz2) or default (lzma) settings.
STDLIB_CODERS = (("zlib", "level 9"), ("bz2", "level 9"), ("lzma", "preset 6"))
#: Names of the standard-library rows.
STDLIB_NAMES = tuple(name for name, _ in STDLIB_CODERS)
#: Coders slower than about 10 MB/s: on inputs above :data:`SAMPLE_THRESHOLD` they run on
#: :data:`SAMPLE_BLOCKS` evenly spaced blocks of :data:`SAMPLE_BLOCK_SIZE` bytes (unless ``sample=False``)
#: and their size is an estimate with its spread.
#: Measured on 32 MiB of the benchmark's mixed data (CPU): zlib level 9 9.4 MB/s, bz2 level 9 6.1 MB/s,
#: lzma, the adaptive and the context-mixing coders slower still.
SLOW_CODERS = frozenset({"zlib", "bz2", "lzma", "adaptive", "cm"})
SAMPLE_THRESHOLD = 128 << 20
SAMPLE_BLOCKS = 32
SAMPLE_BLOCK_SIZE = 1 << 20
#: Threads the rows of a report run on by default (the statistics, zlib, bz2, lzma and this library's
#: coders release the GIL).
DEFAULT_THREADS = 2
#: An order-k estimate with fewer input bytes than this per distinct (k+1)-byte string is "sparse": too
#: little data for that order, so H_k falls far below what any coder reaches (the model is not counted).
SPARSE_BYTES_PER_NGRAM = 4.0
#: Name of the sample analysed when no input is given.
SAMPLE_NAME = "data/sample.txt"


@dataclass
class Bound:
    """An entropy bound and the ideal size it implies (the model's own cost not counted).

    ``name`` is ``"H0"`` .. ``"Hk"`` (order-k conditional entropy) or ``"Hblock"`` (size-weighted mean
    order-0 entropy of blocks of ``block_size`` bytes). ``distinct_ngrams`` is the number of distinct
    (k+1)-byte strings in the input (the parameters an order-k model has to learn); ``sparse`` is true
    when there are fewer than :data:`SPARSE_BYTES_PER_NGRAM` bytes per distinct string (or no string
    at all: an input of at most k bytes), where the estimate is far too optimistic to be reached.
    ``counted`` is always true now: every order is counted exactly in bounded memory (the key stays in
    the JSON layout for readers of older reports).
    """

    name: str
    description: str
    order: int | None
    block_size: int | None
    bits_per_byte: float | None
    ideal_bits: float | None
    ideal_bytes: int | None
    percent_of_original: float | None
    distinct_ngrams: int | None = None
    sparse: bool = False
    counted: bool = True


@dataclass
class CoderSize:
    """The real output size of one compressor on the input.

    ``status`` is ``"ok"`` (sizes filled in), ``"unavailable"`` (the coder is not in this build: the
    note says why) or ``"error"`` (it failed, or its output did not decode back to the input: the note
    has the message). Sizes are ``None`` unless the status is ok. ``note`` also says when the input was
    coded in chunks.
    """

    name: str
    family: str  # "codelength" or "stdlib"
    setting: str
    status: str
    size_bytes: int | None = None
    size_bits: int | None = None
    bits_per_byte: float | None = None
    percent_of_original: float | None = None
    verified: bool | None = None
    seconds: float | None = None
    note: str = ""
    sampled: bool = False
    spread_bytes: int | None = None


@dataclass
class Report:
    """Everything :func:`analyze` measured on one input; the fields are the keys of the JSON object."""

    schema: str
    source: str
    size_bytes: int
    size_bits: int
    distinct_bytes: int
    max_order: int
    bounds: list = field(default_factory=list)
    coders: list = field(default_factory=list)
    coders_mode: str = "off"  # "whole", "chunked" (this library's coders on pieces of the input) or "off"
    summary: str = ""
    profile: dict | None = None
    randomness: dict | None = None  # ent's figures (codelength.measures.randomness); keys in docs/cli.md
    entropy_rate: dict | None = None  # LZ78 / Kontoyiannis / block estimates of a prefix (docs/cli.md)

    def bound(self, name: str) -> Bound:
        """The bound called ``name`` (``"H0"``, ``"H2"``, ``"Hblock"``...)."""
        for b in self.bounds:
            if b.name == name:
                return b
        raise KeyError(name)

    def coder(self, name: str) -> CoderSize:
        """The coder result called ``name`` (``"huffman"``, ``"lzma"``...)."""
        for c in self.coders:
            if c.name == name:
                return c
        raise KeyError(name)

    def best_coder(self) -> CoderSize | None:
        """The smallest real output among the coders that ran (None if none did)."""
        ran = [c for c in self.coders if c.status == "ok"]
        return min(ran, key=lambda c: c.size_bytes) if ran else None

    def to_dict(self) -> dict:
        """The report as plain dicts and lists, the JSON object of ``analyze --json`` (keys in docs/cli.md)."""
        return asdict(self)

    def to_json(self, **kwargs) -> str:
        """:meth:`to_dict` as a JSON string (``kwargs`` go to :func:`json.dumps`)."""
        import json
        return json.dumps(self.to_dict(), **kwargs)

    def __str__(self) -> str:
        """The text report of ``codelength analyze`` (so ``print(report)`` shows it)."""
        return render_text(self)

    def _repr_html_(self) -> str:
        """The text report, preformatted, for a notebook cell."""
        from ..codes._html import pre
        return pre(render_text(self))


def _percent(part: float, whole: int) -> float | None:
    return 100.0 * part / whole if whole else None


def _bound(name: str, description: str, order, block_size, bits_per_byte: float, n: int,
           distinct: int | None = None) -> Bound:
    # no (k+1)-byte string at all (n <= k) is as sparse as it gets: H_k = 0 then says nothing
    sparse = distinct is not None and n > 0 and (n - (order or 0)) < SPARSE_BYTES_PER_NGRAM * max(distinct, 1)
    if math.isnan(bits_per_byte):  # past the memory bound: no estimate (distinct is a lower bound)
        return Bound(name, description, order, block_size, None, None, None, None, distinct, sparse, False)
    if order:
        k = min(order, n)
        ideal_bits = 8.0 * k + bits_per_byte * (n - k)
    else:
        ideal_bits = bits_per_byte * n
    return Bound(name, description, order, block_size, float(bits_per_byte), ideal_bits,
                 int(math.ceil(ideal_bits / 8.0 - 1e-9)), _percent(ideal_bits / 8.0, n), distinct, sparse)


def _sized(result: CoderSize, size: int, n: int) -> CoderSize:
    result.status = "ok"
    result.size_bytes = int(size)
    result.size_bits = 8 * int(size)
    result.bits_per_byte = 8.0 * size / n if n else None
    result.percent_of_original = _percent(size, n)
    return result


def _human(n: float) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB"):
        if abs(n) < 1024 or unit == "TiB":
            if unit == "bytes":
                return f"{n:,.0f} bytes"
            return f"{n:,.0f} {unit}" if n == int(n) else f"{n:,.1f} {unit}"
        n /= 1024.0
    return f"{n} bytes"  # pragma: no cover


def _stdlib_compressor(name: str):
    return {"zlib": lambda: zlib.compressobj(9), "bz2": lambda: bz2.BZ2Compressor(9),
            "lzma": lambda: lzma.LZMACompressor(preset=6)}[name]()


def _stdlib_setting(name: str) -> str:
    return dict(STDLIB_CODERS)[name]


class _StatsLane(Lane):
    """The bounds: block entropies and the order-k statistics (their final merge runs in ``finish``)."""

    def __init__(self, order: int, block_size: int, memory: int, work):
        super().__init__("stats", COST["stats"] if order >= 2 else COST["stats-low"], work)
        self.blocks = BlockEntropyAccumulator(block_size)
        self.contexts = ContextStatistics(order, memory=memory)

    def feed(self, item) -> None:
        self.blocks.update(item)
        self.contexts.update(item)

    def finish(self):
        self.blocks.finish()
        return self.blocks, self.contexts, self.contexts.entropies()


class _ExtrasLane(Lane):
    """ent's randomness figures and the entropy-rate estimates (:mod:`codelength.app.measures_report`)."""

    def __init__(self, extras, work):
        super().__init__("measures", COST["measures"], work)
        self.extras = extras

    def feed(self, item) -> None:
        self.extras.update(item)

    def finish(self):
        return self.extras.finish()


class _StdlibLane(Lane):
    """zlib, bz2 or lzma fed the whole stream piece by piece; only the output size is kept."""

    def __init__(self, name: str, work):
        super().__init__(name, work=work)
        self.compressor = _stdlib_compressor(name)
        self.out = 0
        self.seconds = 0.0

    def feed(self, item) -> None:
        t = time.thread_time()
        self.out += len(self.compressor.compress(item))
        self.seconds += time.thread_time() - t

    def finish(self):
        t = time.thread_time()
        self.out += len(self.compressor.flush())
        self.seconds += time.thread_time() - t
        return self


def _adaptive_max_order() -> int | None:
    """Highest context order of the adaptive coder in this build (None when it is not built)."""
    try:
        from ..coders.adaptive import MAX_ORDER as highest
    except ImportError:
        return None
    return int(highest)


def _coder_options(name: str, order: int) -> tuple[dict, str]:
    if name == "adaptive":
        highest = _adaptive_max_order()
        if highest is not None and order > highest:
            return {"order": highest}, f"order {highest}, its highest"
        return {"order": order}, f"order {order}"
    if name == "huffman":
        return {}, "block-adaptive"
    if name == "cm":
        return {}, "context mixing"
    return {}, "static, order 0"


def _run_library_coder(name: str, data: bytes, n: int, order: int) -> CoderSize:
    """Compress with one of the library's coders, decode again to check, and report the stream size."""
    from ..io.oneshot import compress, decompress
    options, setting = _coder_options(name, order)
    result = CoderSize(name, "codelength", setting, "error")
    try:
        t = time.perf_counter()
        blob = compress(data, name, **options)
        result.seconds = time.perf_counter() - t
    except ImportError as exc:
        result.status = "unavailable"
        result.note = f"not in this build ({exc})"
        return result
    except Exception as exc:  # a coder failure is reported, the other numbers still stand
        result.note = f"{type(exc).__name__}: {exc}"
        return result
    _sized(result, len(blob), n)
    try:
        result.verified = bytes(decompress(blob)) == bytes(data)
    except Exception as exc:
        result.verified = False
        result.note = f"decoding failed: {type(exc).__name__}: {exc}"
    if not result.verified:
        # an undecodable stream is not a compressed size: say so instead of printing a number
        note = result.note or f"decoded data differs from the input ({result.size_bytes:,} bytes written)"
        return CoderSize(name, "codelength", setting, "error", verified=False, seconds=result.seconds,
                         note=note)
    return result


class _ChunkLane(Lane):
    """One of this library's coders writing one v2 stream (:class:`codelength.io.stream.Compressor`,
    blocks of the coder's default size: 1 MiB, 16 MiB for cm) of the whole input, fed the chunks of at
    most ``coder_limit`` bytes the reader cuts, one block at a time.

    The size is that stream's length: the size of the ``.clen`` file ``codelength compress`` writes with
    this coder (the same bytes as :func:`codelength.compress` of the whole input). A
    :class:`~codelength.io.stream.Decompressor` decodes the output as it comes and checks it against the
    input, so memory is a few blocks per lane plus the chunk being fed, whatever the input size.
    """

    def __init__(self, name: str, order: int, limit: int, work):
        super().__init__(name, work=work)
        self.order, self.limit = order, limit
        self.chunks = 0
        self.fed = 0       # input bytes
        self.total = 0     # stream bytes
        self.block_size = 1
        self.seconds = 0.0
        self.failed: CoderSize | None = None
        self._compressor = self._decompressor = None
        self._pending = bytearray()   # input fed whose decoded copy has not come back yet

    def _fail(self, status: str, note: str) -> None:
        self.failed = CoderSize(self.name, "codelength", _coder_options(self.name, self.order)[1], status,
                                verified=False if status == "error" else None, seconds=self.seconds, note=note)

    def _start(self) -> bool:
        from ..io.stream import Compressor, Decompressor, default_block_size
        options, _ = _coder_options(self.name, self.order)
        self.block_size = default_block_size(self.name)
        try:
            self._compressor = Compressor(self.name, block_size=self.block_size, **options)
        except ImportError as exc:
            self._fail("unavailable", f"not in this build ({exc})")
            return False
        self._decompressor = Decompressor()
        return True

    def _check(self, out: bytes) -> None:
        """Count ``out`` and decode it; the decoded bytes must be the next bytes of the input."""
        self.total += len(out)
        if not out:
            return
        try:
            decoded = self._decompressor.decompress(out)
        except Exception as exc:
            raise _LaneFailure(f"decoding failed: {type(exc).__name__}: {exc}") from None
        if decoded:
            if decoded != self._pending[:len(decoded)]:
                raise _LaneFailure(f"decoded data differs from the input ({self.total:,} bytes written)")
            del self._pending[:len(decoded)]

    def _run(self, step) -> None:
        if self.failed is not None:
            return
        t = time.perf_counter()
        try:
            step()
        except _LaneFailure as exc:
            self._fail("error", str(exc))
        except Exception as exc:  # a coder failure is reported, the other numbers still stand
            self._fail("error", f"{type(exc).__name__}: {exc}")
        self.seconds += time.perf_counter() - t

    @property
    def blocks(self) -> int:
        """Blocks in the stream."""
        return -(-self.fed // self.block_size)

    def feed(self, chunk) -> None:
        self.chunks += 1
        self.fed += len(chunk)
        if self._compressor is None and self.failed is None and not self._start():
            return

        def step():
            view = memoryview(chunk)
            for lo in range(0, len(view), self.block_size):
                piece = view[lo:lo + self.block_size]
                self._pending += piece
                self._check(self._compressor.compress(piece))
        self._run(step)

    def finish(self):
        if self._compressor is None and self.failed is None and not self._start():
            return self

        def step():
            self._check(self._compressor.flush())
            if not self._decompressor.eof or self._pending:
                raise _LaneFailure(f"the stream decoded to {len(self._pending):,} bytes too few")
        self._run(step)
        return self


class _LaneFailure(Exception):
    """A coder lane's output did not decode back to its input (internal)."""


class _SampleLane(Lane):
    """A slow coder run on each sample block on its own; the size is estimated from their ratios."""

    def __init__(self, name: str, family: str, order: int, work):
        super().__init__(name, work=work)
        self.family, self.order = family, order
        self.sizes: list[tuple[int, int]] = []
        self.seconds = 0.0
        self.failed: CoderSize | None = None

    def feed(self, block) -> None:
        if self.failed is not None:
            return
        if self.family == "stdlib":
            t = time.thread_time()
            compressor = _stdlib_compressor(self.name)
            size = len(compressor.compress(block)) + len(compressor.flush())
            self.seconds += time.thread_time() - t
        else:
            result = _run_library_coder(self.name, block, len(block), self.order)
            if result.status != "ok":
                self.failed = result
                return
            size = result.size_bytes
            self.seconds += result.seconds or 0.0
        self.sizes.append((len(block), size))

    def finish(self):
        return self

    def estimate(self, n: int, setting: str) -> CoderSize:
        """The estimated size of the whole input of ``n`` bytes, with its standard error."""
        if self.failed is not None:
            return self.failed
        lengths = np.array([b for b, _ in self.sizes], dtype=float)
        ratios = np.array([s for _, s in self.sizes], dtype=float) / lengths
        ratio = float(np.sum(ratios * lengths) / np.sum(lengths))
        spread = float(np.std(ratios, ddof=1) / math.sqrt(ratios.size)) if ratios.size > 1 else 0.0
        result = _sized(CoderSize(self.name, self.family, setting, "ok", verified=True if self.family ==
                                  "codelength" else None, seconds=self.seconds), round(ratio * n), n)
        result.sampled = True
        result.spread_bytes = int(round(spread * n))
        sampled = int(lengths.sum())
        result.note = (f"estimated from {ratios.size} evenly spaced blocks of {_human(lengths.max())}, each "
                       f"coded on its own ({100.0 * sampled / n:.1f} % of the input); standard error "
                       f"{100.0 * spread / ratio if ratio else 0.0:.1f} % across blocks")
        return result


class _Chunker:
    """Cut the stream into chunks of ``limit`` bytes for the library-coder lanes."""

    def __init__(self, runner, names, limit: int):
        if limit <= 0:
            raise ValueError(f"coder_limit must be positive, got {limit}")
        self.runner, self.names, self.limit = runner, list(names), int(limit)
        self.buffer = bytearray()
        self.chunks = 0

    def add(self, piece: bytes) -> None:
        if not self.names:
            return
        self.buffer += piece
        while len(self.buffer) >= self.limit:
            self._emit(bytes(self.buffer[:self.limit]))
            del self.buffer[:self.limit]

    def _emit(self, chunk: bytes) -> None:
        self.chunks += 1
        self.runner.feed_all(chunk, self.names)

    def finish(self) -> None:
        if self.names and (self.buffer or not self.chunks):
            self._emit(bytes(self.buffer))
        self.buffer = bytearray()


class _Sampler:
    """Collect ``count`` evenly spaced blocks (one in the middle of each of ``count`` equal strata) of a
    stream of known size ``n`` and hand each, once complete, to the sample lanes."""

    def __init__(self, runner, names, n: int, count: int = SAMPLE_BLOCKS, block: int = SAMPLE_BLOCK_SIZE):
        self.runner, self.names = runner, list(names)
        stride = n // count
        self.block = min(block, stride)
        self.starts = [i * stride + (stride - self.block) // 2 for i in range(count)]
        self.next = 0
        self.current = bytearray()
        self.offset = 0

    def add(self, piece: bytes) -> None:
        lo, hi = self.offset, self.offset + len(piece)
        self.offset = hi
        while self.names and self.next < len(self.starts):
            start = self.starts[self.next] + len(self.current)
            end = self.starts[self.next] + self.block
            if start >= hi:
                return
            take_lo, take_hi = max(start, lo), min(end, hi)
            self.current += piece[take_lo - lo:take_hi - lo]
            if len(self.current) < self.block:
                return
            self.runner.feed_all(bytes(self.current), self.names)
            self.current = bytearray()
            self.next += 1


def coder_availability() -> dict:
    """For each library coder, ``None`` if its backend imports, else the reason it does not."""
    import importlib
    from ..io.oneshot import _CODERS
    out = {}
    for name in LIBRARY_CODERS:
        try:
            module = importlib.import_module(_CODERS[name].module)
            getattr(module, _CODERS[name].encode)
            out[name] = None
        except (ImportError, AttributeError) as exc:
            out[name] = f"{type(exc).__name__}: {exc}"
    return out


def sample_path():
    """Path of the bundled sample text (Alice's Adventures in Wonderland, Project Gutenberg)."""
    from importlib.resources import files
    return files("codelength").joinpath(SAMPLE_NAME)


def analysis_work(size: int, *, coders: bool = True, coder_limit: int = DEFAULT_CODER_LIMIT) -> int:
    """Units of work :func:`analyze` reports through ``progress`` for an input of ``size`` bytes: the
    input's size, each row's share of it weighted by its estimated cost (:mod:`codelength.app.lanes`),
    so that units done track time whichever rows finish first."""
    return size


def _select(names, known, what: str) -> tuple:
    names = tuple(names)
    unknown = [n for n in names if n not in known]
    if unknown:
        raise ValueError(f"unknown {what} {', '.join(map(repr, unknown))}: choose from {', '.join(known)}")
    return names


def analyze(source=None, *, order: int = 3, coders: bool = True, block_size: int = DEFAULT_BLOCK_SIZE,
            profile: bool = False, coder_limit: int = DEFAULT_CODER_LIMIT, library_coders=LIBRARY_CODERS,
            stdlib_coders=STDLIB_NAMES, threads: int = DEFAULT_THREADS, sample: bool = True,
            name: str | None = None, progress=None, memory: int = DEFAULT_MEMORY,
            max_distinct=_UNSET, randomness: bool = True, bits: bool = False,
            rate_limit: int = DEFAULT_RATE_LIMIT) -> Report:
    """Measure the entropy bounds of an input and the real sizes compressors reach on it.

    Parameters
    ----------
    source : str, os.PathLike, bytes-like or binary file object, optional
        The input. Files and streams are read once, in pieces (bounded memory). ``None`` analyses the
        bundled sample text.
    order : int
        Highest context order k of the conditional entropies H_1 .. H_k (0 .. 7; default 3), also the
        context order of the adaptive coder.
    coders : bool
        Run the compressors (default). ``False`` gives the bounds only, which is much faster.
    block_size : int
        Block size of the block entropy H_block (default 64 KiB).
    profile : bool
        Also keep the per-block entropies, jumps and high-entropy regions (``Report.profile``).
    coder_limit : int
        Largest piece (bytes) handed to the library's coders at once. Each writes one v2 stream of the
        whole input (:class:`codelength.io.stream.Compressor`, the coder's default blocks: 1 MiB, 16 MiB
        for cm) whatever the limit, so its size is the ``.clen`` size of ``codelength compress``; a larger input goes in several pieces
        (``coders_mode == "chunked"``, and each coder's note says so). zlib, bz2 and lzma are always
        fed the whole input as a stream.
    library_coders : sequence of str
        Which of the library's coders to run (:data:`LIBRARY_CODERS`).
    stdlib_coders : sequence of str
        Which of zlib, bz2 and lzma to run (:data:`STDLIB_NAMES`; empty: none).
    threads : int
        Rows computed at once (default 2): the statistics and every coder run side by side, each fed
        the input in order (:mod:`codelength.app.lanes`).
    sample : bool
        Let the slow coders (:data:`SLOW_CODERS`: zlib, bz2, lzma, the adaptive and cm coders) run on
        :data:`SAMPLE_BLOCKS` evenly spaced blocks of an input larger than :data:`SAMPLE_THRESHOLD`
        (default); their sizes are then estimates, flagged ``sampled`` with their spread. Inputs of
        unknown size (streams) are never sampled.
    name : str, optional
        What the report calls the input (default: the path, ``"<bytes>"`` or the stream's name).
    progress : callable, optional
        Called with units of work done; the total is :func:`analysis_work` of the input's size.
    memory : int
        Memory bound (bytes) of the order-k statistics, which are exact whatever it is: past it they
        spill sorted runs to temporary files (:class:`~codelength.stats.context.ContextStatistics`).
    max_distinct : deprecated, ignored
    randomness : bool
        Also compute ent's randomness figures (``Report.randomness``; streamed, O(n), bounded memory).
    bits : bool
        ent's ``-b``: the randomness figures over bits instead of bytes.
    rate_limit : int
        The entropy-rate estimates (``Report.entropy_rate``) look at the first ``rate_limit`` bytes
        (default 1 MiB; 65-135 bytes of memory per byte of it); 0 turns them off.

    Returns
    -------
    Report

    Raises
    ------
    OSError
        When a file cannot be opened or read (FileNotFoundError, IsADirectoryError, PermissionError).
    ValueError
        For an unknown coder name.

    Notes
    -----
    Memory: ``memory`` for the statistics, up to 2 + QUEUE_DEPTH pieces of ``coder_limit`` for the
    library's coders (the piece being cut and those queued, shared by every coder) plus a few 1 MiB
    blocks per coder (the stream's block, its record and its decoded copy), a few queued
    pieces of 4 MiB per row, and the standard-library compressors' own state (lzma: about 100 MiB).

    Examples
    --------
    >>> r = analyze(b"abracadabra" * 10, order=1, coders=False)
    >>> round(r.bound("H0").bits_per_byte, 3), round(r.bound("H1").bits_per_byte, 3)
    (2.04, 0.86)
    """
    _deprecated_max_distinct(max_distinct)
    order = _check_order(order)
    library_coders = _select(library_coders, LIBRARY_CODERS, "coder")
    stdlib_coders = _select(stdlib_coders, STDLIB_NAMES, "standard-library coder")
    if not isinstance(threads, int) or isinstance(threads, bool) or threads < 1:
        raise ValueError(f"threads must be a positive integer, got {threads!r}")
    if coder_limit <= 0:
        raise ValueError(f"coder_limit must be positive, got {coder_limit}")
    is_sample = source is None
    if is_sample:
        source = sample_path()
    if not isinstance(source, (bytes, bytearray, memoryview)) and not hasattr(source, "readinto"):
        source = os.fspath(source)
        if os.path.isdir(source):
            raise IsADirectoryError(f"{source!r} is a directory, not a file")
    label = name or source_name(source)
    known_size = None
    if isinstance(source, (bytes, bytearray, memoryview)):
        known_size = memoryview(source).nbytes
    elif isinstance(source, str):
        known_size = os.path.getsize(source)

    if not coders:
        library_coders, stdlib_coders = (), ()
    sampled = set()
    if sample and known_size is not None and known_size > SAMPLE_THRESHOLD:
        sampled = SLOW_CODERS.intersection(library_coders + stdlib_coders)
    sample_work = min(SAMPLE_BLOCKS * SAMPLE_BLOCK_SIZE, known_size or 0)
    stats = _StatsLane(order, block_size, memory, known_size)
    extras = _ExtrasLane(ExtraMeasures(randomness=randomness, bits=bits, rate_limit=rate_limit), known_size)
    lanes: list[Lane] = [stats, extras]
    for coder_name in stdlib_coders:
        lanes.append(_SampleLane(coder_name, "stdlib", order, sample_work) if coder_name in sampled
                     else _StdlibLane(coder_name, known_size))
    for coder_name in library_coders:
        lanes.append(_SampleLane(coder_name, "codelength", order, sample_work) if coder_name in sampled
                     else _ChunkLane(coder_name, order, coder_limit, known_size))
    by_name = {lane.name: lane for lane in lanes}
    # with a known size, progress is weighted work (steady ETA); a stream counts the bytes read
    runner = LaneRunner(lanes, threads, progress if known_size is not None else None,
                        total=analysis_work(known_size or 0))
    chunker = _Chunker(runner, [l.name for l in lanes if isinstance(l, _ChunkLane)], coder_limit)
    sampler = _Sampler(runner, [l.name for l in lanes if isinstance(l, _SampleLane)], known_size or 0)
    whole_stream = ["stats", "measures"] + [l.name for l in lanes if isinstance(l, _StdlibLane)]
    try:
        for piece in _source_pieces(source, _aligned_chunk(stats.blocks.block_size),
                                    progress if known_size is None else None):
            item = piece.tobytes()  # immutable: shared by every row, whatever the reader does next
            runner.feed_all(item, whole_stream)
            chunker.add(item)
            sampler.add(item)
        chunker.finish()
    except BaseException:
        runner.abort()
        raise
    results, errors = runner.finish()
    for lane_name in ("stats", "measures"):
        if lane_name in errors:
            raise errors[lane_name]
    blocks, contexts, entropies = results["stats"]
    n = blocks.size
    h0 = entropy(blocks.total_counts)

    distinct = contexts.distinct_ngrams().tolist()
    bounds = [_bound("H0", "order 0, bytes independent", 0, None, h0, n, distinct[0])]
    for k in range(1, order + 1):
        bounds.append(_bound(f"H{k}", f"order {k}, {k}-byte context", k, None, float(entropies[k]), n,
                             distinct[k]))
    bounds.append(_bound("Hblock", f"order 0 per {_human(blocks.block_size)} block", None,
                         blocks.block_size, blocks.mean_bits_per_byte(), n))

    rows: list[CoderSize] = []
    for coder_name in library_coders:
        rows.append(_coder_row(coder_name, "codelength", by_name[coder_name], errors.get(coder_name), n, order,
                               chunker.chunks, coder_limit))
    for coder_name in stdlib_coders:
        rows.append(_coder_row(coder_name, "stdlib", by_name[coder_name], errors.get(coder_name), n, order,
                               chunker.chunks, coder_limit))
    mode = "off"
    if library_coders or stdlib_coders:
        mode = "chunked" if chunker.chunks > 1 else "whole"

    report = Report(schema=REPORT_SCHEMA, source=label, size_bytes=n, size_bits=8 * n,
                    distinct_bytes=int(np.count_nonzero(blocks.total_counts)), max_order=order,
                    bounds=bounds, coders=rows, coders_mode=mode)
    report.randomness, report.entropy_rate = results["measures"]
    if profile:
        report.profile = profile_from_accumulator(blocks, label).to_dict()
    report.summary = plain_words(report)
    return report


def _coder_row(coder_name: str, family: str, lane: Lane, error, n: int, order: int, chunks: int,
               limit: int) -> CoderSize:
    """The report row of one coder lane."""
    setting = _stdlib_setting(coder_name) if family == "stdlib" else _coder_options(coder_name, order)[1]
    if error is not None:
        return CoderSize(coder_name, family, setting, "error", note=f"{type(error).__name__}: {error}")
    if isinstance(lane, _SampleLane):
        return lane.estimate(n, setting)
    if isinstance(lane, _StdlibLane):
        return _sized(CoderSize(coder_name, family, setting, "ok", seconds=lane.seconds), lane.out, n)
    if lane.failed is not None:
        return lane.failed
    note = "" if chunks <= 1 else (f"one v2 stream of {lane.blocks:,} block{'s' if lane.blocks != 1 else ''} of {_human(lane.block_size)} (the "
                                   f"size of codelength compress), fed in {chunks} pieces of at most "
                                   f"{_human(limit)} (--coder-limit)")
    return _sized(CoderSize(coder_name, family, setting, "ok", verified=True, seconds=lane.seconds, note=note),
                  lane.total, n)


#: Data whose order-0 bound and best real compressor both save less than this percentage of its size
#: is called incompressible in the summary (compressed or random-looking data: coding it again gains nothing).
INCOMPRESSIBLE_PERCENT = 2.0


def _incompressible_words(report: Report) -> str:
    """The sentence that says compressed or random-looking data cannot be compressed again, or ""."""
    h0 = report.bound("H0")
    if h0.percent_of_original is None or 100.0 - h0.percent_of_original >= INCOMPRESSIBLE_PERCENT:
        return ""
    best = report.best_coder()
    if best is None:
        if report.coders_mode == "off":
            return (f" Its order-0 entropy is within {INCOMPRESSIBLE_PERCENT:g} % of 8 bits/byte, as for "
                    "compressed or random data (bounds only: run the coders to see whether any finds "
                    "structure).")
        return ""
    if 100.0 - best.percent_of_original >= INCOMPRESSIBLE_PERCENT:
        return ""
    return (f" This is what compressed or random data looks like: it cannot be compressed again (no coder "
            f"here saved {INCOMPRESSIBLE_PERCENT:g} % of its size).")


def plain_words(report: Report) -> str:
    """One sentence in the spirit of ent's "optimum compression would reduce the size by N percent"."""
    n = report.size_bytes
    if n == 0:
        return "The input is empty: there is nothing to compress."
    h0 = report.bound("H0")
    parts = [f"Optimum coding of single bytes, each on its own, would reduce the size by "
             f"{100.0 - h0.percent_of_original:.1f} % (order-0 bound H0 = {h0.bits_per_byte:.2f} bits/byte)"]
    usable = [b for b in report.bounds if b.order and not b.sparse]
    if usable:
        hk = usable[-1]
        k = hk.order
        context = "byte" if k == 1 else f"{k} bytes"
        parts.append(f"; a model that uses the previous {context} as context, by up to "
                     f"{100.0 - hk.percent_of_original:.1f} % (H{k} = {hk.bits_per_byte:.2f} bits/byte, "
                     "model cost not counted)")
    text = "".join(parts) + "."
    if report.max_order >= 1 and (not usable or usable[-1].order < report.max_order):
        first = (usable[-1].order + 1) if usable else 1
        text += (f" Orders {first} and up are too sparse to estimate here (fewer than "
                 f"{SPARSE_BYTES_PER_NGRAM:g} bytes per distinct context string).")
    best = report.best_coder()
    if best is not None:
        change = 100.0 - best.percent_of_original
        verb = f"reduced it by {change:.1f} %" if change >= 0 else f"made it {-change:.1f} % larger"
        estimated = ", estimated from samples" if best.sampled else ""
        text += f" The best real compressor here, {best.name} ({best.setting}{estimated}), {verb}"
        ours = [c for c in report.coders if c.status == "ok" and c.family == "codelength"]
        if best.family != "codelength" and ours:
            mine = min(ours, key=lambda c: c.size_bytes)
            change = 100.0 - mine.percent_of_original
            text += (f"; this library's best, {mine.name} ({mine.setting}), "
                     + (f"by {change:.1f} %" if change >= 0 else f"made it {-change:.1f} % larger"))
        text += "."
    cm = next((c for c in report.coders if c.name == "cm" and c.status == "ok"), None)
    if cm is not None:
        text += (f" The context-mixing coder's {cm.size_bytes:,} bytes ({cm.bits_per_byte:.2f} bits/byte) are "
                 "the best real estimate of the information content: an upper bound that a decoder really "
                 "achieves, where the H_k bounds leave out the cost of learning the model.")
    return text + _incompressible_words(report)


# ---------------------------------------------------------------- rendering

def _fmt(value, spec: str, missing: str = "-") -> str:
    return missing if value is None else format(value, spec)


def _column_widths(report: Report) -> tuple[int, int, int]:
    """Widths of the bits/byte, bytes and percent columns: the widest value of each (any size up to
    2**63) and two spaces, never less than the classic 10, 13 and 9."""
    rows = [b for b in report.bounds if b.ideal_bytes is not None]
    rows += [c for c in report.coders if c.status == "ok" and c.size_bytes is not None]
    bpb = [f"{r.bits_per_byte:.3f}" for r in rows if r.bits_per_byte is not None]
    sizes = [f"{report.size_bytes:,}"] + [f"{r.ideal_bytes if isinstance(r, Bound) else r.size_bytes:,}"
                                          for r in rows]
    pct = [f"{r.percent_of_original:.1f}" for r in rows if r.percent_of_original is not None]
    return (max([10] + [2 + len(v) for v in bpb]), max([13] + [2 + len(v) for v in sizes]),
            max([9] + [2 + len(v) for v in pct]))


def render_text(report: Report, *, note: str | None = None) -> str:
    """A table for people: each bound and coder as bits/byte, bytes and % of the original."""
    n = report.size_bytes
    width = 36
    wbpb, wide, wpct = _column_widths(report)
    lines = [f"{report.source}" + (f"  ({note})" if note else ""),
             f"  {n:,} bytes" + (f" ({_human(n)})" if n >= 1024 else "")
             + f", {report.distinct_bytes} distinct byte values", ""]
    lines.append(f"  {'':<{width}}{'bits/byte':>{wbpb}}{'bytes':>{wide}}{'% of size':>{wpct + 2}}")
    lines.append("  entropy bounds (ideal size, model cost not counted)")
    for b in report.bounds:
        label = f"{b.name:<8}{b.description}"
        lines.append(f"    {label:<{width - 2}}{b.bits_per_byte:>{wbpb}.3f}{b.ideal_bytes:>{wide},}"
                     f"{_fmt(b.percent_of_original, '.1f'):>{wpct}} %" + ("  *" if b.sparse else ""))
    if any(b.sparse for b in report.bounds):
        lines.append(f"    * sparse: fewer than {SPARSE_BYTES_PER_NGRAM:g} bytes per distinct context string, "
                     "far below any real size")
    lines += measures_report.text_rate_lines(report.entropy_rate, n, width)
    groups = [("codelength", "codelength coders (real output, decoded back and checked)"),
              ("stdlib", "standard library")]
    for family, title in groups:
        rows = [c for c in report.coders if c.family == family]
        if not rows:
            continue
        lines.append("  " + title)
        for c in rows:
            label = f"{c.name:<10}{c.setting}"
            if c.status == "ok":
                lines.append(f"    {label:<{width - 2}}{_fmt(c.bits_per_byte, '.3f'):>{wbpb}}{c.size_bytes:>{wide},}"
                             f"{_fmt(c.percent_of_original, '.1f'):>{wpct}} %" + ("  ~" if c.sampled else ""))
            else:
                lines.append(f"    {label:<{width - 2}}{c.status:>{wbpb}}  {c.note}")
        for note in dict.fromkeys(c.note for c in rows if c.status == "ok" and c.note and not c.sampled):
            lines.append(f"    ({note})")
        for c in rows:
            if c.status == "ok" and c.sampled:
                lines.append(f"    ~ {c.name}: {c.note}")
    if report.coders_mode == "off":
        lines.append("  (coders not run: bounds only)")
    lines += measures_report.text_randomness_lines(report.randomness)
    if report.profile is not None:
        p = report.profile
        lines.append("")
        lines.append(f"  block profile: {p['n_blocks']:,} blocks of {p['block_size']:,} bytes, "
                     f"{len(p['jumps'])} jump(s), {len(p['high_entropy_regions'])} high-entropy region(s)")
        for j in p["jumps"]:
            lines.append(f"    {j['direction']:<4} at offset {j['offset']:#x}: {j['before_bits_per_byte']:.2f} -> "
                         f"{j['after_bits_per_byte']:.2f} bits/byte")
        for r in p["high_entropy_regions"]:
            lines.append(f"    high-entropy bytes {r['start']:#x}..{r['end']:#x}, "
                         f"mean {r['mean_bits_per_byte']:.2f} bits/byte")
    lines.append("")
    lines.append(wrap_words(report.summary))
    return "\n".join(lines) + "\n"


def wrap_words(text: str, indent: str = "  ", width: int = 100) -> str:
    """Fill ``text`` to ``width`` columns without breaking "42.9 %", "H0 = 4.57" or "(level 9)"."""
    import re
    import textwrap
    glue = "\x00"
    # no \b after "%": "21.7 %." must hold together too (there is no word boundary between "%" and ".")
    text = re.sub(r"(\d) (%|bits/byte\b|bytes\b)", lambda m: m.group(1) + glue + m.group(2), text)
    text = re.sub(r"\b(H\w*) = ", lambda m: m.group(1) + glue + "=" + glue, text)
    text = re.sub(r"\((\w+) (\d+)", lambda m: "(" + m.group(1) + glue + m.group(2), text)
    filled = textwrap.fill(text, width=width, initial_indent=indent, subsequent_indent=indent)
    return filled.replace(glue, " ")


def csv_columns(max_order: int, coder_names) -> list[str]:
    """Column names of :func:`render_csv` for a given order and coder list (stable, snake_case)."""
    cols = ["source", "size_bytes", "distinct_bytes", "max_order"]
    for name in [f"h{k}" for k in range(max_order + 1)] + ["hblock"]:
        cols += [f"{name}_bits_per_byte", f"{name}_ideal_bytes", f"{name}_percent"]
    for name in coder_names:
        cols += [f"{name}_status", f"{name}_bytes", f"{name}_bits_per_byte", f"{name}_percent"]
    return cols + measures_report.CSV_COLUMNS


def csv_row(report: Report) -> dict:
    """One report as a dict keyed by :func:`csv_columns`."""
    row = {"source": report.source, "size_bytes": report.size_bytes, "distinct_bytes": report.distinct_bytes,
           "max_order": report.max_order}
    for b in report.bounds:
        key = b.name.lower()
        row.update({f"{key}_bits_per_byte": _fmt(b.bits_per_byte, ".6f", ""),
                    f"{key}_ideal_bytes": _fmt(b.ideal_bytes, "d", ""),
                    f"{key}_percent": _fmt(b.percent_of_original, ".4f", "")})
    for c in report.coders:
        row.update({f"{c.name}_status": c.status, f"{c.name}_bytes": _fmt(c.size_bytes, "d", ""),
                    f"{c.name}_bits_per_byte": _fmt(c.bits_per_byte, ".6f", ""),
                    f"{c.name}_percent": _fmt(c.percent_of_original, ".4f", "")})
    row.update(measures_report.csv_fields(report.randomness, report.entropy_rate))
    return row


def render_csv(reports, *, header: bool = True) -> str:
    """Reports as CSV: a header line, then one row per report (columns from :func:`csv_columns`)."""
    reports = list(reports)
    if not reports:
        return ""
    first = reports[0]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=csv_columns(first.max_order, [c.name for c in first.coders]),
                            extrasaction="ignore", lineterminator="\n")
    if header:
        writer.writeheader()
    for r in reports:
        writer.writerow(csv_row(r))
    return out.getvalue()


def profile_of(report: Report) -> EntropyProfile | None:
    """The report's block profile as an :class:`~codelength.profile.EntropyProfile` (None if absent)."""
    from .profile import Jump, Region
    p = report.profile
    if p is None:
        return None
    return EntropyProfile(
        source=p["source"], size_bytes=p["size_bytes"], block_size=p["block_size"],
        bits_per_byte=[b["bits_per_byte"] for b in p["blocks"]], mean_bits_per_byte=p["mean_bits_per_byte"],
        jump_threshold=p["jump_threshold"], high_threshold=p["high_threshold"],
        jumps=[Jump(**{k: v for k, v in j.items() if k != "delta"}) for j in p["jumps"]],
        high_entropy_regions=[Region(**r) for r in p["high_entropy_regions"]])

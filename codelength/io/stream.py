"""Format v2: framed, block-wise streams of any size, in bounded memory both ways (docs/format.md).

A stream is a sequence of frames; a frame is a small header followed by independently decodable
blocks, each with its own model, and an end byte; an input of one block is a single-block frame (its
n in the header, no end byte: 12 bytes above model and payload for a 100-byte input). Every block
holds at most ``cap`` symbols, where ``cap`` (at most :data:`MAX_BLOCK`) is recorded in the frame
header: a decoder never sizes anything by a count that the cap does not bound, so decoding any input,
crafted or real, needs O(cap) memory.

* :class:`Compressor` / :class:`Decompressor`: the incremental objects, with the semantics of
  :class:`bz2.BZ2Compressor` / :class:`bz2.BZ2Decompressor` (``max_length``, ``eof``,
  ``unused_data``, ``needs_input``). One :class:`Decompressor` reads one frame (or one v1 frame, or
  one gzip member); :func:`decompress` and :func:`codelength.open` read concatenations.
* :func:`compress_symbols` / :func:`decompress`: the one-shot forms (integer arrays keep their dtype).

The coders are reached only through the registry of :mod:`codelength.io.oneshot` (``_CODERS``), one
block at a time.

Memory (stated, as a function of the options only):

* :class:`Compressor`: at most ``(threads + 1) * block_size`` bytes of input held, plus each coder's
  working memory for one block per thread.
* :class:`Decompressor`: one block record of input (at most :func:`record_limit` of the frame's cap)
  plus one decoded block (``cap`` symbols) plus the coder's working memory for one block.
* :func:`decompress`: the result (refused up front beyond ``max_output``) plus one block.
"""
from __future__ import annotations

import sys
import zlib
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from . import container
from ..errors import CorruptDataError, OutputLimitError

try:  # the same CRC-32, 4-5x faster (folded carry-less multiplication): the data check of every block
    from zlib_ng.zlib_ng import crc32 as _crc32
except ImportError:  # pragma: no cover - zlib-ng is optional (the "fast" extra)
    _crc32 = zlib.crc32
from ..stats.counting import byte_view, check_integer

try:  # the one-shot decoder's parse of a single-block byte frame in one C call (twin: reference.frames)
    from . import _frames
except ImportError:  # pragma: no cover - a build without the kernels: the Python parser does it all
    _frames = None

__all__ = ["Compressor", "Decompressor", "compress_symbols", "decompress", "is_frame_start", "MAX_BLOCK",
           "DEFAULT_BLOCK_SIZE", "default_block_size", "scan"]

#: A v2 frame starts with a tag byte whose top three bits are ``110`` (0xC0-0xDF): v1 frames start with
#: b"CLEN" (0x43), gzip members with 1f 8b. The rest of the tag is the coder id and two flags; the
#: header CRC-32 (which covers the tag) confirms it (docs/format.md).
MAGIC_MASK, MAGIC_BITS = 0xE0, 0xC0
#: Tag flags: S, a single-block frame (its n in the header, no cap, no end byte); X, an extension byte
#: follows (symbol kind, parameter flag).
TAG_SINGLE, TAG_EXTENDED = 0x02, 0x01
#: Extension byte: low nibble the symbol kind; EXT_PARAM: a parameter byte follows.
EXT_PARAM = 0x10
#: The coder parameter a frame implies when it records none (format constants, by coder id: the usual
#: parameter of adaptive, its context order 2; of cm, its smallest table, 2**16 bytes).
IMPLIED_PARAM = {4: 2, 5: 16}
#: Largest block the format allows, in symbols (the cap a header may record).
MAX_BLOCK = 1 << 24
#: Default symbols per block (docs/format.md: measured against 256 KiB and 4 MiB).
DEFAULT_BLOCK_SIZE = 1 << 20
#: Coders whose default block is larger: cm's model keeps learning over the whole input, so it codes
#: blocks of up to the cap (docs/cm.md: memory and the measured gain).
CODER_BLOCK_SIZE = {"cm": MAX_BLOCK}
#: Block types (a block's shape field: 0 run, 1 stored, 2 + m coded with a model of m bytes); END closes
#: a multi-block frame (a block field u of 0).
CODED, RUN, STORED, END = 0, 1, 2, 3
#: Decoding work a block may cost per byte of block record and symbol (see :func:`_setup_units`).
WORK_FACTOR, WORK_SLACK = 64, 1 << 16

_KIND_DTYPES = {k: (np.dtype(v) if v else np.dtype(np.uint8)) for k, v in container.SYMBOL_KINDS.items()}
_KIND_OF_DTYPE = container.KIND_OF_DTYPE
_MAX_VALUE = {k: (1 << (8 * d.itemsize - (1 if d.kind == "i" else 0))) - 1 for k, d in _KIND_DTYPES.items()}


_ONESHOT = None


def _oneshot():
    global _ONESHOT
    if _ONESHOT is None:            # imported late: oneshot imports this module
        from . import oneshot
        _ONESHOT = oneshot
    return _ONESHOT


# ----------------------------------------------------------------------------- varints
def _varint(value: int) -> bytes:
    out = bytearray()
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


class _Short(Exception):
    """Not enough input buffered yet to parse the next field (internal)."""


def _read_varint(buf, pos: int, limit: int, what: str) -> tuple[int, int]:
    """A varint at ``buf[pos:]`` of at most ``limit``; _Short when it runs past the buffer."""
    value = shift = 0
    end = len(buf)
    while True:
        if pos >= end:
            raise _Short
        byte = buf[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if value > limit:
            raise CorruptDataError(f"{what} {value}... exceeds its bound {limit}")
        if byte < 0x80:
            if byte == 0 and shift:
                raise CorruptDataError(f"over-long varint for {what}")
            return value, pos
        shift += 7


def record_limit(n: int, alphabet: int) -> int:
    """Largest model + payload a coded block of ``n`` symbols over ``alphabet`` may declare.

    Generous for every registered coder (its worst expansion is below 4 bytes a symbol plus a model
    of at most a few bytes per alphabet symbol), and linear: a decoder buffers at most this much input
    for one block.
    """
    return 8 * n + 8 * alphabet + (1 << 16)


# ----------------------------------------------------------------------------- decoding work bound
def _setup_units(name: str, alphabet: int, model) -> int:
    """Table set-up work a coder's decoder spends on one block before its first symbol.

    Huffman builds its tables per internal block (O(alphabet) each: the count B is the model's third
    field); the static range/rANS decoders build a slot table of 2**scale_bits (the model's first byte)
    (charged an eighth: one vectorised fill) and dense tables up to 2**16; the adaptive coders start from lazily zeroed tables (order 0 lists
    its symbols in the model). Unknown coders are charged the alphabet.
    """
    if name == "huffman":
        try:
            blocks, _ = _read_varint(model, 2, 1 << 40, "Huffman block count")
        except (_Short, CorruptDataError):
            return alphabet  # the decoder refuses the model itself
        return alphabet * max(blocks, 1)
    if name in ("range", "rans"):
        # the slot table is one vectorised fill (np.repeat): charged at an eighth of a symbol an entry
        return ((1 << min(model[0], 40)) // 8 if len(model) else 0) + min(alphabet, 1 << 16)
    if name == "adaptive":
        return min(alphabet, len(model) * 8 + 256)
    return alphabet


def _work_ok(name: str, alphabet: int, model, n: int, payload_len: int) -> bool:
    """Decoding cost stays O(input + output): set-up work bounded by the block's size."""
    return _setup_units(name, alphabet, model) <= WORK_FACTOR * (n + len(model) + payload_len) + WORK_SLACK


# ----------------------------------------------------------------------------- frames: writing
def is_frame_start(first_byte: int) -> bool:
    """Whether a byte can start a v2 frame (its top three bits are ``110``)."""
    return first_byte & MAGIC_MASK == MAGIC_BITS


def _frame_header(coder_id: int, kind: int, param: int, *, cap: int | None = None, n: int | None = None) -> bytes:
    """The header of a multi-block frame (its ``cap``) or of a single-block frame (its block's ``n``).

    One tag byte when the frame holds bytes under the coder's implied parameter; an extension byte
    (kind, parameter flag) and the parameter byte otherwise; then the cap or n as a varint.
    """
    if not 1 <= coder_id <= 7:
        raise ValueError(f"coder id {coder_id} does not fit a v2 frame (1..7)")
    explicit = param != IMPLIED_PARAM.get(coder_id, 0)
    extended = bool(kind) or explicit
    tag = MAGIC_BITS | (coder_id << 2) | (TAG_SINGLE if n is not None else 0) | (TAG_EXTENDED if extended else 0)
    out = bytearray([tag])
    if extended:
        out.append(kind | (EXT_PARAM if explicit else 0))
        if explicit:
            out.append(param)
    out += _varint(n if n is not None else cap)
    return bytes(out)


def _data_bytes(block: np.ndarray, kind: int):
    """The bytes a block's data check covers: the bytes themselves, or the little-endian array."""
    if kind == 0:
        return block
    return np.ascontiguousarray(block, dtype=block.dtype.newbyteorder("<"))


class _Encoded:
    """One encoded block: what the frame writer needs to serialise it."""

    __slots__ = ("type", "n", "param", "alphabet", "model", "payload", "check", "symbol", "record", "record_cap")

    def __init__(self, type_, n, param=0, alphabet=0, model=b"", payload=b"", check=0, symbol=0):
        self.type, self.n, self.param, self.alphabet = type_, n, param, alphabet
        self.model, self.payload, self.check, self.symbol = model, payload, check, symbol
        self.record = None   # the serialised record of a block inside a frame (no frame header before it)
        self.record_cap = None   # the frame cap that record was written for (its u field depends on it)


def _encode_block(block: np.ndarray, kind: int, name: str, options: dict) -> _Encoded:
    """Encode one block (a 1-D array in its own dtype; uint8 for bytes) as run, coded or stored."""
    oneshot = _oneshot()
    n = int(block.size)
    raw = _data_bytes(block, kind)
    check = _crc32(raw)
    if kind or not n or block[0] == block[-1]:   # bytes with two different ends are no run: no min/max pass
        low, high = (int(block.min()), int(block.max()))
        if low == high:
            return _Encoded(RUN, n, symbol=high, check=check)
    alphabet = 256 if kind == 0 else high + 1
    stored = _Encoded(STORED, n, payload=raw, check=check)
    spec = oneshot._CODERS[name]
    encoder = oneshot._backend(spec, spec.encode)
    param, model, payload = encoder(oneshot._narrow(block, alphabet), alphabet, **options)
    model, payload = bytes(model), bytes(payload)
    if len(model) + len(payload) >= raw.nbytes or len(model) + len(payload) > record_limit(n, alphabet) \
            or not _work_ok(name, alphabet, model, n, len(payload)) or not 0 <= int(param) <= 255:
        # incompressible here, or a block the decoder would refuse as too costly to set up
        return stored
    return _Encoded(CODED, n, int(param), alphabet, model, payload, check)


def _record(enc: _Encoded, kind: int, prefix: bytes, lead: bytes) -> list:
    """A block record: ``lead`` (a multi-block frame's u field), shape, lengths, header CRC-32 (of
    ``prefix``, the frame header before a frame's first block, the fields and the model), model,
    payload, data CRC-32."""
    head = bytearray(lead)
    if enc.type == RUN:
        head += _varint(0) + _varint(enc.symbol)
    elif enc.type == STORED:
        head += _varint(1)
    else:
        head += _varint(2 + len(enc.model))
        if kind:
            head += _varint(enc.alphabet)
        head += _varint(len(enc.payload))
    crc = zlib.crc32(enc.model, zlib.crc32(head, zlib.crc32(prefix)))
    return [prefix, bytes(head), crc.to_bytes(4, "little"), enc.model, enc.payload, enc.check.to_bytes(4, "little")]


#: Below this many bytes, b"".join (which holds the GIL below 1 MiB) is cheaper than a NumPy copy.
_NOGIL_COPY = 1 << 16


def _concat(parts) -> bytes:
    """``b"".join(parts)``, with the big copies done by NumPy, which releases the GIL (bytes.join holds it
    below 1 MiB): the records of a 1 MiB block are 0.4-1 MiB, copied while other threads code."""
    parts = [part for part in parts if len(part)]   # b"" of a call that had nothing ready copies nothing
    if len(parts) == 1 and type(parts[0]) is bytes:
        return parts[0]
    total = 0
    for part in parts:
        total += len(part) if isinstance(part, bytes) else memoryview(part).nbytes
    if total < _NOGIL_COPY or not _CPYTHON:
        return b"".join(parts)
    out, view = _new_bytes(total)
    pos = 0
    for part in parts:
        piece = np.frombuffer(part, dtype=np.uint8)
        view[pos:pos + piece.size] = piece
        pos += piece.size
    return out


def _copy(data) -> bytes:
    """``bytes(data)`` (a bytes-like object), copied by NumPy without the GIL when it is large."""
    view = memoryview(data)
    if view.nbytes < _NOGIL_COPY or not _CPYTHON:
        return bytes(view)
    out, target = _new_bytes(view.nbytes)
    target[:] = np.frombuffer(view, dtype=np.uint8)
    return out


def _encode_record(block: np.ndarray, kind: int, name: str, options: dict, cap: int | None) -> _Encoded:
    """:func:`_encode_block`, and (``cap``: a block of a multi-block frame of that cap) its record as one
    bytes object, assembled in the calling (worker) thread, so the frame writer usually has nothing to
    copy. The frame header that the first block of a frame carries is added by the writer."""
    enc = _encode_block(block, kind, name, options)
    if cap is not None:
        enc.record = _concat(_record(enc, kind, b"", _varint(cap - enc.n + 1)))
        enc.record_cap = cap
        size = memoryview(enc.payload).nbytes
        if size:  # the payload is now in the record (before its 4-byte data CRC): let its buffer go
            end = len(enc.record) - 4
            enc.payload = memoryview(enc.record)[end - size:end]
    return enc


class _FrameWriter:
    """Serialises encoded blocks into frames.

    ``single``: the input is one block (at most ``cap`` symbols), written as a single-block frame (its
    n in the header, no end byte). Otherwise multi-block frames of cap ``cap``; a coded block whose
    parameter differs from the open frame's starts a new frame.
    """

    def __init__(self, coder_id: int, kind: int, cap: int, single: bool = False):
        self.coder_id, self.kind, self.cap, self.single = coder_id, kind, cap, single
        self.param = None       # parameter of the open frame (None: no frame open)
        self.written = False    # a single-block frame's block is written

    def block(self, enc: _Encoded) -> bytes:
        return _concat(self.parts(enc))

    def parts(self, enc: _Encoded) -> list:
        """The pieces of the block's record (and of a frame header or end before it), to be joined once."""
        implied = IMPLIED_PARAM.get(self.coder_id, 0)
        if self.single:
            if self.written:
                raise RuntimeError("a single-block frame holds one block")
            self.written = True
            param = enc.param if enc.type == CODED else implied
            header = _frame_header(self.coder_id, self.kind, param, n=enc.n)
            parts = _record(enc, self.kind, header, b"")
        else:
            parts = []
            param = enc.param if enc.type == CODED else (self.param if self.param is not None else implied)
            if self.param is not None and param != self.param:
                parts.append(self.end())
            prefix = b""
            if self.param is None:
                self.param = param
                prefix = _frame_header(self.coder_id, self.kind, param, cap=self.cap)
            if not prefix and enc.record is not None and enc.record_cap == self.cap:
                return parts + [enc.record]   # assembled by the worker (for this cap: see _BlockPipeline)
            parts += _record(enc, self.kind, prefix, _varint(self.cap - enc.n + 1))  # full blocks: u = 1
        return [bytes(p) if not isinstance(p, bytes) else p for p in parts]

    def end(self) -> bytes:
        """Close the open frame; an empty input is an empty single-block frame (n = 0, header CRC)."""
        if self.single:
            if self.written:
                return b""
            self.written = True
            header = _frame_header(self.coder_id, self.kind, IMPLIED_PARAM.get(self.coder_id, 0), n=0)
            return header + zlib.crc32(header).to_bytes(4, "little")
        if self.param is None:  # a multi-block frame with no blocks (never written by the encoder)
            header = _frame_header(self.coder_id, self.kind, IMPLIED_PARAM.get(self.coder_id, 0), cap=self.cap)
            return header + b"\x00" + zlib.crc32(b"\x00", zlib.crc32(header)).to_bytes(4, "little")
        self.param = None
        return b"\x00"


def default_block_size(coder: str) -> int:
    """Symbols per block when ``block_size`` is not given: 1 MiB, or the coder's own default."""
    return CODER_BLOCK_SIZE.get(coder, DEFAULT_BLOCK_SIZE)


def _check_block_size(block_size, coder: str | None = None) -> int:
    if block_size is None:
        return default_block_size(coder)
    block_size = check_integer(block_size, "block_size")
    if not 1 <= block_size <= MAX_BLOCK:
        raise ValueError(f"block_size must be 1..{MAX_BLOCK} (the format's cap), got {block_size}")
    return block_size


def _check_threads(threads) -> int:
    if threads == 1 and type(threads) is int:
        return 1
    threads = check_integer(threads, "threads")
    if not 1 <= threads <= 64:
        raise ValueError(f"threads must be 1..64, got {threads}")
    return threads


def _coder_setup(coder, options):
    oneshot = _oneshot()
    if coder not in oneshot._CODERS:
        raise ValueError(f"unknown coder {coder!r}; choose one of {', '.join(oneshot._CODERS)}")
    spec = oneshot._CODERS[coder]
    if options:   # no options: the coder's defaults, nothing to check (a trial call costs ~10 us)
        encoder = oneshot._backend(spec, spec.encode)
        oneshot._check_options(encoder, f"coder {coder!r}", options)
        encoder(np.zeros(0, dtype=np.uint8), 0, **options)  # values of the options, checked before any data
    return spec


#: Context-model table of the adaptive coder's blocks in multi-block frames of cap up to 1 MiB, when
#: the caller gives no ``table_bits``: 2**20 counters (4 MiB) for order 1, 2**21 (8 MiB) for order 2,
#: instead of the coder's 2**22 (16 MiB), so that two threads' tables stay within the memory target
#: (docs/format.md: peak RSS and the measured cost in size, +0.003 % at order 1, +0.2-0.4 % on text at
#: order 2). The model records table_bits, so decoders need nothing new; a single-block input and
#: larger blocks keep 2**22, as does an explicit ``table_bits``.
BLOCK_TABLE_BITS = {1: 20, 2: 21}
BLOCK_TABLE_CAP = 1 << 20


def _block_options(name: str, kind: int, options: dict, cap: int | None) -> dict:
    """The coder options of a block in a frame of cap ``cap`` (None: a single-block frame)."""
    if name != "adaptive" or cap is None or cap > BLOCK_TABLE_CAP or kind or "table_bits" in options \
            or options.get("mix"):
        return options
    order = options.get("order")
    if order is None:
        from ..coders.adaptive import DEFAULT_ADAPTIVE_ORDER
        order = DEFAULT_ADAPTIVE_ORDER
    bits = BLOCK_TABLE_BITS.get(order) if isinstance(order, int) and not isinstance(order, bool) else None
    return options if bits is None else dict(options, table_bits=bits)


#: The coders whose 1 MiB blocks code in a few ms (1.6-6 ms): the static order-0 ones. What the caller
#: does between blocks (reading the next, freeing buffers) is then a noticeable share of a block's time.
FAST_CODERS = frozenset({"huffman", "range", "rans"})


def _queue_ahead(name: str, options: dict) -> bool:
    """Whether a block is kept queued beside the ``threads`` being coded while the caller reads the next.

    For coders whose 1 MiB block takes a few ms (huffman, range, rans, adaptive order 0: 1.6-12.5 ms),
    the caller's read and hand-over is a noticeable share of it, and a queued block keeps every thread
    busy. The context-model coders (adaptive order >= 1 or mixing, cm: 40-1300 ms a block) leave one
    block less in flight instead, so one block's input and output less are held while a thread waits
    well under 1 % of its time (measured, 2 threads: `-7` peak RSS 68.7 -> 66.7-67.3 MiB at the same
    speed; for order 0 the same change cost 2.7 % of the -T2 speed, so it keeps its queued block)."""
    if name in FAST_CODERS:
        return True
    if name == "adaptive":
        from ..coders.adaptive import DEFAULT_ADAPTIVE_ORDER
        return options.get("order", DEFAULT_ADAPTIVE_ORDER) == 0 and not options.get("mix")
    return False


class _BlockPipeline:
    """Encodes blocks in order, ``threads`` at a time, and yields them encoded, in order.

    ``cap``: the cap of the multi-block frames the blocks go into (None: a single-block frame); each
    block's record is then assembled by the thread that encodes it (:func:`_encode_record`), so the
    thread that hands out the work copies nothing of it.
    """

    def __init__(self, name: str, kind: int, options: dict, threads: int, cap: int | None = None,
                 assemble: bool = True):
        self.name, self.kind, self.options = name, kind, options
        self.threads, self.cap = threads, cap
        self.assemble = assemble   # False: leave the record to the frame writer (one join copies it)
        self.pool = ThreadPoolExecutor(threads) if threads > 1 else None
        self.pending = []
        # blocks left in flight when control returns to the caller (who then reads the next block)
        self.depth = threads if _queue_ahead(name, options) else threads - 1

    def submit(self, block: np.ndarray):
        args = (block, self.kind, self.name, _block_options(self.name, self.kind, self.options, self.cap),
                self.cap if self.assemble else None)
        if self.pool is None:
            self.pending.append(_encode_record(*args))
        else:
            self.pending.append(self.pool.submit(_encode_record, *args))

    def ready(self, wait_all: bool = False):
        """Encoded blocks whose turn has come (blocking while more than ``depth`` are in flight)."""
        out = []
        while self.pending:
            head = self.pending[0]
            if self.pool is None:
                out.append(head)
            elif wait_all or len(self.pending) > self.depth or head.done():
                out.append(head.result())
            else:
                break
            self.pending.pop(0)
        return out

    def close(self):
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None


class Compressor:
    """Incremental compression of bytes into a v2 stream, like :class:`bz2.BZ2Compressor`.

    Parameters
    ----------
    coder : str
        A registered coder (``codelength.CODERS``): "huffman", "range", "rans", "adaptive", ...
    block_size : int, optional
        Bytes per block, 1..MAX_BLOCK (default 1 MiB; 16 MiB for "cm"). Each block has its own model;
        a block is the unit of parallel work and what a decoder holds in memory.
    threads : int
        Blocks coded at once (the coder kernels release the GIL). The output does not depend on it.
    **options
        Passed to the coder for every block (e.g. ``order=2`` for "adaptive").

    Memory: at most ``(threads + 1) * block_size`` bytes of input are held.
    """

    def __init__(self, coder: str = "huffman", *, block_size: int | None = None, threads: int = 1,
                 **options):
        spec = _coder_setup(coder, options)
        self._block_size = _check_block_size(block_size, coder)
        self._threads = _check_threads(threads)
        self._name, self._coder_id, self._options = coder, spec.coder_id, dict(options)
        self._buffer = bytearray()
        self._writer = None
        self._pipe = _BlockPipeline(coder, 0, self._options, self._threads, cap=self._block_size)
        self._finished = False

    def _emit(self, wait_all=False) -> bytes:
        parts = []
        for enc in self._pipe.ready(wait_all):
            parts += self._writer.parts(enc)
        return _concat(parts) if parts else b""

    def compress(self, data) -> bytes:
        """Feed ``data`` (bytes-like); return whatever compressed output is ready (possibly b"")."""
        if self._finished:
            raise ValueError("compressor already flushed")
        view = byte_view(data)
        bs = self._block_size
        if len(self._buffer) + len(view) < bs:
            self._buffer += view
            return b""
        if self._writer is None:
            self._writer = _FrameWriter(self._coder_id, 0, bs)
        out = []
        start = 0
        if self._buffer:                         # complete the buffered block first
            start = bs - len(self._buffer)
            self._buffer += view[:start]
            self._pipe.submit(np.frombuffer(_copy(self._buffer), dtype=np.uint8))
            self._buffer = bytearray()
            out.append(self._emit())
        whole = start + (len(view) - start) // bs * bs
        if whole > start:
            # bytes are immutable: their blocks are coded in place; anything else is copied once (the
            # caller may change it after this call returns, while the threads still read it)
            array = np.frombuffer(data if type(data) is bytes else _copy(view[start:whole]), dtype=np.uint8)
            offset = start if type(data) is bytes else 0
            for lo in range(offset, offset + whole - start, bs):
                self._pipe.submit(array[lo:lo + bs])
                out.append(self._emit())
        if whole < len(view):
            self._buffer += view[whole:]
        return _concat(out)

    def flush(self) -> bytes:
        """Finish the stream: the remaining blocks and the frame's end. The object is then spent."""
        if self._finished:
            raise ValueError("repeated call to flush()")
        self._finished = True
        if self._writer is None:  # everything fits one block: record its real size as the cap
            self._writer = _FrameWriter(self._coder_id, 0, max(len(self._buffer), 1), single=True)
            self._pipe.cap = None
        try:
            if self._buffer:
                self._pipe.submit(np.frombuffer(_copy(self._buffer), dtype=np.uint8))
                self._buffer = bytearray()
            return self._emit(wait_all=True) + self._writer.end()
        finally:
            self._pipe.close()

    def __del__(self):
        pipe = getattr(self, "_pipe", None)
        if pipe is not None:
            pipe.close()


def compress_symbols(symbols: np.ndarray, is_bytes: bool, coder: str, *, block_size: int | None = None,
                     threads: int = 1, **options) -> bytes:
    """One-shot v2 stream of validated symbols (bytes as uint8, or a 1-D non-negative integer array)."""
    spec = _coder_setup(coder, options)
    block_size = _check_block_size(block_size, coder)
    threads = _check_threads(threads)
    if is_bytes:
        kind = 0
    else:
        kind = _KIND_OF_DTYPE["<" + symbols.dtype.str[1:]]
        if symbols.size and int(symbols.max()) > _oneshot().MAX_ALPHABET - 1:
            raise ValueError(f"symbol {int(symbols.max())} is too large: the format holds symbols below "
                             f"{_oneshot().MAX_ALPHABET}")
    n = int(symbols.size)
    writer = _FrameWriter(spec.coder_id, kind, max(min(block_size, n), 1), single=n <= block_size)
    if 0 < n <= block_size:   # one block: no pipeline, no thread pool
        out = writer.parts(_encode_block(np.ascontiguousarray(symbols), kind, coder, options))
        out.append(writer.end())
        return b"".join(out)
    # one thread: the records are joined once at the end, so assembling each first would copy it twice
    pipe = _BlockPipeline(coder, kind, dict(options), threads, cap=None if writer.single else writer.cap,
                          assemble=threads > 1)
    out = []
    try:
        for start in range(0, n, block_size):
            pipe.submit(np.ascontiguousarray(symbols[start:start + block_size]))
            for enc in pipe.ready():
                out += writer.parts(enc)   # one join at the end: each payload is copied once
        for enc in pipe.ready(wait_all=True):
            out += writer.parts(enc)
    finally:
        pipe.close()
    out.append(writer.end())
    return b"".join(out)


# ----------------------------------------------------------------------------- frames: reading
class _Frame:
    __slots__ = ("name", "coder_id", "kind", "cap", "param", "dtype", "header", "single")


def _parse_header(buf, pos: int) -> tuple[_Frame, int]:
    """Parse a v2 frame header at ``buf[pos:]`` (tag byte included); _Short when incomplete.

    A single-block frame's header ends with its block's n (0 for an empty frame), which is also the
    frame's cap; a multi-block frame's with its cap.
    """
    start = pos
    end = len(buf)
    if pos >= end:
        raise _Short
    tag = buf[pos]
    pos += 1
    if not is_frame_start(tag):
        raise CorruptDataError("not a v2 frame (bad tag byte)")
    frame = _Frame()
    frame.coder_id = (tag >> 2) & 7
    frame.single = bool(tag & TAG_SINGLE)
    frame.kind, frame.param = 0, IMPLIED_PARAM.get(frame.coder_id, 0)
    if tag & TAG_EXTENDED:
        if pos >= end:
            raise _Short
        ext = buf[pos]
        pos += 1
        if ext & ~(EXT_PARAM | 0x0F):
            raise CorruptDataError("reserved bits set in a frame header")
        frame.kind = ext & 0x0F
        if ext & EXT_PARAM:
            if pos >= end:
                raise _Short
            frame.param = buf[pos]
            pos += 1
    if frame.kind not in container.SYMBOL_KINDS:
        raise CorruptDataError(f"unknown symbol kind {frame.kind}")
    if frame.single:
        frame.cap, pos = _read_varint(buf, pos, MAX_BLOCK, "block length")
    else:
        frame.cap, pos = _read_varint(buf, pos, MAX_BLOCK, "block size cap")
        if frame.cap < 1:
            raise CorruptDataError("block size cap of 0")
    frame.name = _oneshot()._BY_ID.get(frame.coder_id)
    frame.dtype = _KIND_DTYPES[frame.kind]
    frame.header = bytes(buf[start:pos])
    return frame, pos


class _Block:
    __slots__ = ("type", "n", "alphabet", "symbol", "model", "payload", "check", "end")


def _check_crc(buf, at: int, crc: int, what: str) -> None:
    if int.from_bytes(buf[at:at + 4], "little") != crc:
        raise CorruptDataError(f"header checksum mismatch: {what} is corrupted")


def _parse_block(frame: _Frame, buf, pos: int, first: bool, peek: bool = False):
    """Parse the block record (or end of frame) at ``buf[pos:]``: a _Block (type None at the end).

    Every count is checked against the frame's cap before anything is sized by it; the record's
    head CRC (which covers the frame header for the first block) is checked before it is returned.
    """
    start = pos
    prefix_crc = zlib.crc32(frame.header) if first else 0
    blk = _Block()
    if frame.single:
        if not first or frame.cap == 0:   # after its block, or an empty frame: header CRC only
            if first:
                if len(buf) < pos + 4:
                    raise _Short
                _check_crc(buf, pos, prefix_crc, "the frame header")
                pos += 4
            blk.type, blk.end = None, pos
            return blk
        blk.n = frame.cap
    else:
        u, pos = _read_varint(buf, pos, frame.cap, "block length")
        if u == 0:
            if first:  # a frame with no blocks: its header is covered by a CRC after the end byte
                if len(buf) < pos + 4:
                    raise _Short
                _check_crc(buf, pos, zlib.crc32(buf[start:pos], prefix_crc), "the frame header")
                pos += 4
            blk.type, blk.end = None, pos
            return blk
        blk.n = frame.cap - u + 1                     # the varint's bound keeps 1 <= n <= cap
    shape, pos = _read_varint(buf, pos, record_limit(blk.n, _oneshot().MAX_ALPHABET) + 2, "block shape")
    if shape == 0:
        blk.type = RUN
        blk.symbol, pos = _read_varint(buf, pos, _MAX_VALUE[frame.kind] if frame.kind else 255, "run symbol")
        mlen = plen = 0
    elif shape == 1:
        blk.type = STORED
        mlen, plen = 0, blk.n * frame.dtype.itemsize
    else:
        blk.type = CODED
        mlen = shape - 2
        if frame.kind:
            blk.alphabet, pos = _read_varint(buf, pos, _oneshot().MAX_ALPHABET, "alphabet size")
        else:
            blk.alphabet = 256
        limit = record_limit(blk.n, blk.alphabet)
        if mlen > limit:
            raise CorruptDataError(f"model length {mlen} exceeds its bound {limit}")
        plen, pos = _read_varint(buf, pos, limit - mlen, "payload length")
    head_end = pos
    if len(buf) < head_end + 4 + mlen:
        raise _Short
    crc = zlib.crc32(buf[head_end + 4:head_end + 4 + mlen], zlib.crc32(buf[start:head_end], prefix_crc))
    _check_crc(buf, head_end, crc, "a block header or model")
    pos = head_end + 4
    if blk.type == CODED:
        if frame.name is None:
            raise CorruptDataError(f"unknown coder id {frame.coder_id}")
        if frame.kind == 0 and blk.alphabet != 256:
            raise CorruptDataError("alphabet size does not fit the symbol kind")
        if blk.alphabet < 2 or blk.alphabet - 1 > _MAX_VALUE[frame.kind]:
            raise CorruptDataError(f"alphabet size {blk.alphabet} does not fit the symbol kind")
    trailer = 4
    if len(buf) < pos + mlen + plen + trailer:
        raise _Short
    if peek:
        return blk
    blk.model = bytes(buf[pos:pos + mlen])
    pos += mlen
    blk.payload = buf[pos:pos + plen]  # a view into a memoryview (one-shot), a copy of a bytearray
    pos += plen
    blk.check = int.from_bytes(buf[pos:pos + 4], "little")
    blk.end = pos + 4
    if blk.type == CODED and not _work_ok(frame.name, blk.alphabet, blk.model, blk.n, plen):
        raise CorruptDataError(f"block of {blk.n} symbols asks for more decoding set-up than its "
                               f"{mlen + plen} bytes can justify (alphabet {blk.alphabet})")
    return blk


#: Coders whose backend has ``decode_into(param, model, payload, out, alphabet)`` for byte-sized symbols.
_DECODE_INTO = frozenset({"huffman", "range", "rans"})


def _decode_block(frame: _Frame, blk: _Block, out: np.ndarray | None = None) -> np.ndarray:
    """The block's symbols in the frame's dtype (uint8 for bytes), written into ``out`` when given."""
    if out is None:
        out = np.empty(blk.n, dtype=frame.dtype.newbyteorder("="))
    if blk.type == RUN:
        out[:] = blk.symbol
        if _crc32(_data_bytes(out, frame.kind)) != blk.check:
            raise CorruptDataError("CRC-32 mismatch: a run block is corrupted")
        return out
    if blk.type == STORED:
        raw = np.frombuffer(blk.payload, dtype=frame.dtype.newbyteorder("<"))
        if _crc32(blk.payload) != blk.check:
            raise CorruptDataError("CRC-32 mismatch: a stored block is corrupted")
        out[:] = raw
        return out
    oneshot = _oneshot()
    spec = oneshot._CODERS[frame.name]
    if frame.name in _DECODE_INTO and out.dtype == np.uint8 and blk.alphabet <= 256 and out.flags.c_contiguous:
        # straight into its place in the result: no array of its own, no copy of payload or symbols
        try:
            oneshot._backend(spec, "decode_into")(frame.param, blk.model, blk.payload, out, blk.alphabet)
        except (MemoryError, OverflowError) as exc:
            raise CorruptDataError(f"block refused by the {frame.name} decoder: {exc}") from None
        if _crc32(_data_bytes(out, frame.kind)) != blk.check:
            raise CorruptDataError("CRC-32 mismatch: the payload is corrupted")
        return out
    try:
        symbols = oneshot._backend(spec, spec.decode)(frame.param, blk.model, bytes(blk.payload), blk.n,
                                                      blk.alphabet)
    except (MemoryError, OverflowError) as exc:
        raise CorruptDataError(f"block refused by the {frame.name} decoder: {exc}") from None
    symbols = np.asarray(symbols)
    if symbols.shape != (blk.n,):
        raise CorruptDataError(f"decoded {symbols.size} symbols, the block says {blk.n}")
    if frame.kind and symbols.size and int(symbols.max()) >= blk.alphabet:
        raise CorruptDataError("decoded symbol outside the block's alphabet")
    out[:] = symbols
    if _crc32(_data_bytes(out, frame.kind)) != blk.check:
        raise CorruptDataError("CRC-32 mismatch: the payload is corrupted")
    return out


_V1_HEADER = container.HEADER_SIZE


class Decompressor:
    """Incremental decompression of one frame, like :class:`bz2.BZ2Decompressor`.

    Reads a v2 frame, a v1 frame (decoded whole when complete: v1 has no blocks) or a gzip member.
    After the frame's end, :attr:`eof` is True and the bytes that followed are in :attr:`unused_data`
    (a following frame of a concatenated stream: give it to a new Decompressor).

    Memory: one block record of input and one decoded block, bounded by the frame's cap (at most
    :data:`MAX_BLOCK` symbols); input passed in beyond that is kept as given.
    """

    def __init__(self):
        self._buf = bytearray()
        self._pos = 0
        self._out = b""
        self._out_pos = 0
        self._frame = None
        self._first = True
        self._mode = None      # "v2", "v1", "gzip"
        self._gz = None
        self._eof = False
        self.unused_data = b""
        self.needs_input = True
        self.kind = None       # symbol kind of the frame (0: bytes), once known
        self.coder = None      # coder name of the frame, once known

    @property
    def eof(self) -> bool:
        """True once the end of the frame is reached and all its output has been returned."""
        return self._eof and not (len(self._out) - self._out_pos)

    def _take_output(self, max_length: int) -> bytes:
        avail = len(self._out) - self._out_pos
        if max_length < 0 or max_length >= avail:
            chunk = self._out[self._out_pos:] if self._out_pos else self._out
            self._out, self._out_pos = b"", 0
            return bytes(chunk)
        chunk = self._out[self._out_pos:self._out_pos + max_length]
        self._out_pos += max_length
        return bytes(chunk)

    def _compact(self):
        if self._pos > (1 << 20) or self._pos > len(self._buf) // 2:
            del self._buf[:self._pos]
            self._pos = 0

    def _step(self) -> bool:
        """Decode the next unit (a block, a header, the end) into the output; False when short of input."""
        buf, pos = self._buf, self._pos
        try:
            if self._mode is None:
                if len(buf) - pos < 1:
                    return False
                if is_frame_start(buf[pos]):
                    self._mode = "v2"
                elif len(buf) - pos < 2:
                    return False
                elif buf[pos:pos + 2] == b"\x1f\x8b":
                    self._mode, self._gz = "gzip", zlib.decompressobj(31)
                    self.kind = 0
                    self.coder = "gzip"
                elif len(buf) - pos < 4:
                    return False
                elif buf[pos:pos + 4] == container.MAGIC:
                    self._mode = "v1"
                else:
                    raise CorruptDataError("not a codelength stream (bad magic bytes)")
                return True
            if self._mode == "gzip":
                data = bytes(buf[pos:])
                self._pos = len(buf)
                try:
                    self._out = self._gz.decompress(data, 1 << 20)
                    while not self._out and self._gz.unconsumed_tail:
                        self._out = self._gz.decompress(self._gz.unconsumed_tail, 1 << 20)
                except zlib.error as exc:
                    raise CorruptDataError(f"corrupt gzip stream: {exc}") from None
                tail = self._gz.unconsumed_tail
                if tail:
                    self._buf = bytearray(tail)
                    self._pos = 0
                if self._gz.eof:
                    self._eof = True
                    self.unused_data = self._gz.unused_data
                    return True
                return bool(self._out) or bool(tail)
            if self._mode == "v1":
                return self._step_v1()
            if self._frame is None:
                self._frame, self._pos = _parse_header(buf, pos)
                self.kind = self._frame.kind
                self.coder = self._frame.name
                return True
            blk = _parse_block(self._frame, buf, pos, self._first)
            self._first = False
            if blk.type is None:
                self._eof = True
                self.unused_data = bytes(buf[blk.end:])
                self._buf = bytearray()
                self._pos = 0
                return True
            self._out = _decode_block(self._frame, blk).tobytes() if self._frame.kind == 0 else \
                _data_bytes(_decode_block(self._frame, blk), self._frame.kind).tobytes()
            self._out_pos = 0
            self._pos = blk.end
            self._compact()
            return True
        except _Short:
            return False

    def _step_v1(self) -> bool:
        buf, pos = self._buf, self._pos
        if len(buf) - pos < _V1_HEADER:
            return False
        fields = container._FIXED.unpack_from(buf, pos)
        n, kind, model_len, payload_len = fields[5], fields[4], fields[8], fields[9]
        total = _V1_HEADER + model_len + payload_len
        if len(buf) - pos < total:
            return False
        if self._max_output is not None and kind in container.SYMBOL_KINDS and \
                n * _KIND_DTYPES[kind].itemsize > self._max_output:
            raise OutputLimitError(f"the stream holds {n} symbols, more than max_output allows")
        _check_v1_size(n, kind, total)
        result = _oneshot()._decompress_v1(bytes(buf[pos:pos + total]))
        self.kind = kind
        self.coder = "v1"
        self._out = result if isinstance(result, bytes) else \
            np.ascontiguousarray(result, dtype=result.dtype.newbyteorder("<")).tobytes()
        self.unused_data = bytes(buf[pos + total:])
        self._buf = bytearray()
        self._pos = 0
        self._eof = True
        return True

    _max_output = None

    def decompress(self, data, max_length: int = -1) -> bytes:
        """Feed ``data``; return at most ``max_length`` decoded bytes (all that is ready when negative).

        Raises
        ------
        CorruptDataError
            For a damaged, truncated-and-continued or crafted stream.
        EOFError
            When called after the end of the frame.
        """
        if self.eof and data:
            raise EOFError("end of stream already reached")
        if data:
            if self._eof:
                self.unused_data += bytes(byte_view(data))
            else:
                self._buf += byte_view(data)
        out = []
        remaining = max_length
        while True:
            if len(self._out) - self._out_pos:
                chunk = self._take_output(remaining)
                out.append(chunk)
                if remaining >= 0:
                    remaining -= len(chunk)
                    if remaining == 0:
                        break
                continue
            if self._eof or not self._step():
                break
        self.needs_input = not self._eof and not (len(self._out) - self._out_pos) and not self._ready()
        return b"".join(out)

    def _ready(self) -> bool:
        """Whether buffered input holds a whole unit to decode (so no more input is needed yet)."""
        if self._mode == "gzip":
            return bool(self._gz.unconsumed_tail)
        if self._mode != "v2" or self._frame is None:
            return False
        try:
            _parse_block(self._frame, self._buf, self._pos, self._first, peek=True)
            return True
        except _Short:
            return False
        except CorruptDataError:
            return True  # the next call reports it


# ----------------------------------------------------------------------------- one-shot decoding
_MAKE_BYTES = None
_CPYTHON = sys.implementation.name == "cpython"


class _Memory:
    """Raw memory as NumPy sees it (the array interface: no ctypes array type per size, which ctypes
    would cache for every distinct length)."""

    __slots__ = ("__array_interface__",)

    def __init__(self, address: int, n: int):
        self.__array_interface__ = {"data": (address, False), "shape": (n,), "typestr": "|u1", "version": 3}


def _new_bytes(n: int):
    """A fresh bytes object of n bytes and a writable uint8 view of it (CPython), to fill in place.

    The bytes object is unshared and unhashed until returned, so filling it is safe; this saves the
    second full-size copy that ``ndarray.tobytes()`` would make. Other interpreters get a bytearray.
    The view does not keep the object alive: the caller holds both.
    """
    global _MAKE_BYTES
    if _CPYTHON and n:
        if _MAKE_BYTES is None:
            import ctypes
            make = ctypes.pythonapi.PyBytes_FromStringAndSize
            make.restype, make.argtypes = ctypes.py_object, (ctypes.c_void_p, ctypes.c_ssize_t)
            _MAKE_BYTES = make
        obj = _MAKE_BYTES(None, n)
        return obj, np.asarray(_Memory(id(obj) + bytes.__basicsize__ - 1, n))
    obj = bytearray(n)
    return obj, np.frombuffer(obj, dtype=np.uint8)


#: A v1 frame (no blocks: its n is trusted by its decoder) is decoded up to this many output bytes per
#: byte of frame, or up to MAX_BLOCK bytes whatever its size: beyond, it is refused as a likely bomb.
V1_MAX_RATIO = 4096


def _check_v1_size(n: int, kind: int, frame_size: int) -> None:
    itemsize = _KIND_DTYPES[kind].itemsize if kind in _KIND_DTYPES else 1
    if n * itemsize > max(MAX_BLOCK, V1_MAX_RATIO * frame_size):
        raise CorruptDataError(f"v1 frame of {frame_size} bytes claims {n} symbols: more than a v1 frame is "
                               f"decoded to ({V1_MAX_RATIO}:1 beyond {MAX_BLOCK >> 20} MiB), refused as a "
                               "decompression bomb")


def scan(view, max_output=None):
    """Parse every frame of a whole stream without decoding: a list of (kind, frame, blocks, v1 blob).

    Checks every header CRC and bound; returns the total output size too.
    """
    units = []
    pos, total, kind = 0, 0, None
    end = len(view)
    while pos < end:
        if is_frame_start(view[pos]):
            try:
                frame, p = _parse_header(view, pos)
                blocks, first = [], True
                while True:
                    blk = _parse_block(frame, view, p, first)
                    first = False
                    if blk.type is None:
                        p = blk.end
                        break
                    blocks.append(blk)
                    p = blk.end
                    total += blk.n * frame.dtype.itemsize
                    if max_output is not None and total > max_output:
                        raise OutputLimitError(f"the stream decodes to more than max_output={max_output} bytes")
                    if frame.single:   # its one block ends it (what _parse_block would say, without the call)
                        break
            except _Short:
                raise CorruptDataError("stream truncated") from None
            pos = p
            units.append((frame.kind, frame, blocks, None))
        elif bytes(view[pos:pos + 4]) == container.MAGIC:
            if end - pos < _V1_HEADER:
                raise CorruptDataError("stream truncated inside a v1 header")
            fields = container._FIXED.unpack_from(view, pos)
            size = _V1_HEADER + fields[8] + fields[9]
            if fields[4] in container.SYMBOL_KINDS:
                total += fields[5] * _KIND_DTYPES[fields[4]].itemsize
            if max_output is not None and total > max_output:
                raise OutputLimitError(f"the stream decodes to more than max_output={max_output} bytes")
            if pos + size > end:
                raise CorruptDataError("stream truncated inside a v1 frame")
            _check_v1_size(fields[5], fields[4], size)
            units.append((fields[4], None, None, view[pos:pos + size]))
            pos += size
        else:
            what = "not a codelength stream" if pos == 0 else f"trailing data at byte {pos}"
            raise CorruptDataError(f"{what} (bad magic bytes)")
        if kind is None:
            kind = units[-1][0]
        elif kind != units[-1][0]:
            raise CorruptDataError("concatenated frames hold different symbol kinds")
    return units, total


#: Below this many bytes a one-shot result is decoded into an array and copied out (about 0.4 us at
#: 1 KiB), which costs less than making a bytes object to fill in place (about 2 us, _new_bytes).
_SMALL_RESULT = 1 << 15


_KNOWN_CODERS = None


def _single_frame(view, max_output):
    """The one-shot decode of a stream that is one single-block byte frame (what ``compress`` writes for
    an input of up to one block), or None for any other stream: its header and record parsed and their
    CRC checked by ``_frames.parse_single``, which accepts only what :func:`scan` accepts, with the same
    fields, and leaves everything else (including every error, reported by :func:`scan` with its own
    message) to the general path. Saves some 3 us of a small decode."""
    global _KNOWN_CODERS
    oneshot = _oneshot()
    if _KNOWN_CODERS is None:
        _KNOWN_CODERS = sum(1 << coder_id for coder_id in oneshot._BY_ID)
    fields = _frames.parse_single(view, MAX_BLOCK, oneshot.MAX_ALPHABET, _KNOWN_CODERS)
    if fields is None:
        return None
    coder_id, param, head, n, btype, symbol, mstart, mlen, plen, check = fields
    frame = _Frame()
    frame.coder_id, frame.name, frame.kind, frame.param = coder_id, oneshot._BY_ID.get(coder_id), 0, param
    frame.single, frame.cap, frame.dtype, frame.header = True, n, _KIND_DTYPES[0], bytes(view[:head])
    blk = _Block()
    blk.type, blk.n, blk.symbol, blk.check, blk.end = btype, n, symbol, check, len(view)
    blk.model = bytes(view[mstart:mstart + mlen])
    blk.payload = view[mstart + mlen:mstart + mlen + plen]
    if btype == CODED:
        blk.alphabet = 256
        if not _work_ok(frame.name, 256, blk.model, n, plen):
            return None                                     # scan reports it
    if max_output is not None and n > max_output:
        raise OutputLimitError(f"the stream decodes to more than max_output={max_output} bytes")
    if n < _SMALL_RESULT:
        target = np.empty(n, dtype=np.uint8)
        _decode_block(frame, blk, target)
        return target.tobytes()
    result, target = _new_bytes(n)
    _decode_block(frame, blk, target)
    return result


def decompress(blob, max_output=None):
    """Decode a whole stream (v2 frames, v1 frames or their concatenation).

    Returns bytes, or an array of the original dtype for integer streams. The output is allocated
    once, after every header is checked, and filled block by block (no second full-size copy).

    Raises
    ------
    OutputLimitError
        (a :class:`CorruptDataError`) when the stream would decode to more than ``max_output`` bytes,
        before anything of that size is allocated.
    CorruptDataError
        For a truncated, damaged or crafted stream.
    """
    if max_output is not None:
        from ..stats.counting import check_integer
        max_output = check_integer(max_output, "max_output")
        if max_output < 0:
            raise ValueError("max_output must be non-negative")
    view = byte_view(blob)
    if not len(view):
        raise CorruptDataError("empty input is not a codelength stream")
    if _frames is not None and is_frame_start(view[0]):
        result = _single_frame(view, max_output)
        if result is not None:
            return result
    units, total = scan(view, max_output)
    kind = units[0][0]
    dtype = _KIND_DTYPES[kind]
    count = total // dtype.itemsize
    if kind == 0 and count < _SMALL_RESULT:
        result = target = np.empty(count, dtype=np.uint8)   # copied out below (cheaper at this size)
    elif kind == 0:
        result, target = _new_bytes(count)
    else:
        result = target = np.empty(count, dtype=dtype.newbyteorder("="))
    pos = 0
    for _, frame, blocks, v1 in units:
        if v1 is not None:
            part = _oneshot()._decompress_v1(v1)
            part = np.frombuffer(part, dtype=np.uint8) if kind == 0 else part
            if part.size != target[pos:pos + part.size].size:
                raise CorruptDataError("v1 frame decoded to a different length than its header says")
            target[pos:pos + part.size] = part
            pos += part.size
            continue
        for blk in blocks:
            _decode_block(frame, blk, target[pos:pos + blk.n])
            pos += blk.n
    if kind == 0 and not isinstance(result, bytes):
        result = result.tobytes() if isinstance(result, np.ndarray) else bytes(result)
    return result


def blocks(blob) -> list:
    """The blocks of a whole stream, parsed and checked but not decoded (for inspection and tests).

    Each item is a dict: ``coder``, ``param``, ``kind`` (symbol kind), ``type`` ("coded", "run" or
    "stored"), ``n``, ``alphabet``, ``model`` and ``payload`` (bytes). v1 frames are listed as one
    item of type "v1".
    """
    names = {CODED: "coded", RUN: "run", STORED: "stored"}
    units, _ = scan(byte_view(blob))
    out = []
    for kind, frame, blks, v1 in units:
        if v1 is not None:
            f = container.unpack(v1)
            out.append(dict(coder=_oneshot()._BY_ID.get(f.coder_id), param=f.param, kind=kind, type="v1", n=f.n,
                            alphabet=f.alphabet_size, model=f.model, payload=bytes(f.payload)))
            continue
        for blk in blks:
            out.append(dict(coder=frame.name, param=frame.param, kind=kind, type=names[blk.type], n=blk.n,
                            alphabet=blk.alphabet if blk.type == CODED else None,
                            model=blk.model, payload=bytes(blk.payload)))
    return out

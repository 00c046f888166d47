"""File objects over v2 streams: :func:`open` and :class:`CodelengthFile`, as :func:`gzip.open` /
:func:`lzma.open` give.

Reading decodes concatenated streams (v2 frames, v1 frames, gzip members) one block at a time;
writing codes one block at a time. Memory: reading holds one block record of input and one decoded
block; writing ``(threads + 1) * block_size`` bytes (see :mod:`codelength.io.stream`).
"""
from __future__ import annotations

import builtins
import io
import os

from .stream import Compressor, Decompressor
from ..errors import CorruptDataError

__all__ = ["open", "CodelengthFile"]

#: Bytes read from the underlying file at a time.
READ_CHUNK = 1 << 16


class _Reader(io.RawIOBase):
    """Decoded bytes of a concatenation of streams read from ``fp``."""

    def __init__(self, fp):
        self._fp = fp
        self._d = Decompressor()
        self._started = False   # some input of the current frame was read
        self._done = False
        self._pending = b""     # input read but not yet given to the decompressor

    def readable(self):
        return True

    def readinto(self, b):
        with memoryview(b) as view, view.cast("B") as out:
            want = len(out)
            if want == 0 or self._done:
                return 0
            while True:
                d = self._d
                if d.eof:
                    rest = d.unused_data
                    if not rest:
                        rest = self._fp.read(READ_CHUNK)
                    if not rest:
                        self._done = True
                        return 0
                    self._d = d = Decompressor()  # the next frame of a concatenation
                    self._pending = rest
                if d.needs_input and not self._pending:
                    self._pending = self._fp.read(READ_CHUNK)
                    if not self._pending:
                        if self._started:
                            raise CorruptDataError("compressed stream ended before its end marker "
                                                   "(truncated)")
                        self._done = True
                        return 0
                data, self._pending = self._pending, b""
                if data:
                    self._started = True
                chunk = d.decompress(data, want)
                if d.eof:
                    self._started = False
                if chunk:
                    out[:len(chunk)] = chunk
                    return len(chunk)


class CodelengthFile(io.BufferedIOBase):
    """A binary file object that reads or writes a v2 stream (see :func:`open`)."""

    def __init__(self, filename, mode: str = "rb", *, coder: str = "huffman", block_size: int | None = None,
                 threads: int = 1, **options):
        if mode in ("r", "rb"):
            self._mode = "r"
            if options or coder != "huffman":
                raise ValueError("coder options apply to writing only")
        elif mode in ("w", "wb", "x", "xb", "a", "ab"):
            self._mode = "w"
            self._compressor = Compressor(coder, block_size=block_size, threads=threads, **options)
        else:
            raise ValueError(f"invalid mode {mode!r}")
        if isinstance(filename, (str, bytes, os.PathLike)):
            self._fp = builtins.open(filename, mode.rstrip("b") + "b")
            self._close_fp = True
        elif hasattr(filename, "read") or hasattr(filename, "write"):
            self._fp = filename
            self._close_fp = False
        else:
            raise TypeError("filename must be a str, bytes or path-like object, or a file object")
        self.name = getattr(self._fp, "name", None) if not self._close_fp else os.fspath(filename)
        self._buffer = io.BufferedReader(_Reader(self._fp), buffer_size=1 << 16) if self._mode == "r" else None
        self._pos = 0

    # -- state
    @property
    def closed(self):
        return self._fp is None

    def close(self):
        if self._fp is None:
            return
        try:
            if self._mode == "w":
                self._fp.write(self._compressor.flush())
            elif self._buffer is not None:
                self._buffer.close()
        finally:
            try:
                if self._close_fp:
                    self._fp.close()
            finally:
                self._fp = None
                self._buffer = None

    def _check(self, mode):
        if self._fp is None:
            raise ValueError("I/O operation on closed file")
        if mode != self._mode:
            raise io.UnsupportedOperation(f"file not open for {'reading' if mode == 'r' else 'writing'}")

    def fileno(self):
        self._check(self._mode)
        return self._fp.fileno()

    def readable(self):
        return self._fp is not None and self._mode == "r"

    def writable(self):
        return self._fp is not None and self._mode == "w"

    def seekable(self):
        return False

    def tell(self):
        self._check(self._mode)
        return self._pos

    # -- reading
    def read(self, size=-1):
        self._check("r")
        data = self._buffer.read(size)
        self._pos += len(data)
        return data

    def read1(self, size=-1):
        self._check("r")
        data = self._buffer.read1(size)
        self._pos += len(data)
        return data

    def readinto(self, b):
        self._check("r")
        n = self._buffer.readinto(b)
        self._pos += n
        return n

    def peek(self, size=0):
        self._check("r")
        return self._buffer.peek(size)

    def readline(self, size=-1):
        self._check("r")
        line = self._buffer.readline(size)
        self._pos += len(line)
        return line

    def __iter__(self):
        self._check("r")
        return self

    def __next__(self):
        line = self.readline()
        if not line:
            raise StopIteration
        return line

    # -- writing
    def write(self, data):
        self._check("w")
        if type(data) is bytes:          # immutable: the compressor codes its blocks in place
            n = len(data)
            out = self._compressor.compress(data)
        else:
            with memoryview(data) as view:
                n = view.nbytes
                out = self._compressor.compress(view)
        if out:
            self._fp.write(out)
        self._pos += n
        return n

    def flush(self):
        if self._fp is not None and self._mode == "w" and hasattr(self._fp, "flush"):
            self._fp.flush()


def open(filename, mode: str = "rb", *, coder: str = "huffman", block_size: int | None = None,
         threads: int = 1, encoding=None, errors=None, newline=None, **options):
    """Open a codelength stream in binary (``"rb"``, ``"wb"``, ``"xb"``, ``"ab"``) or text (``"rt"``,
    ``"wt"``, ...) mode, like :func:`gzip.open`.

    Parameters
    ----------
    filename : str, bytes, path-like or file object
    mode : str
    coder, block_size, threads, **options
        Writing only: as for :class:`codelength.Compressor`.
    encoding, errors, newline
        Text modes only: as for :class:`io.TextIOWrapper`.

    Returns
    -------
    CodelengthFile, or io.TextIOWrapper around one in text mode.
    """
    if "t" in mode:
        if "b" in mode:
            raise ValueError(f"invalid mode {mode!r}")
    else:
        if encoding is not None or errors is not None or newline is not None:
            raise ValueError("encoding, errors and newline apply to text modes only")
    binary = CodelengthFile(filename, mode.replace("t", ""), coder=coder, block_size=block_size, threads=threads,
                            **options)
    if "t" in mode:
        return io.TextIOWrapper(binary, encoding, errors, newline)
    return binary

"""Block entropy profile: the order-0 entropy of each block of a file, and where it jumps.

Like binwalk's entropy graph: cut the data into blocks of ``block_size`` bytes and compute, for each
block b of m_b bytes with byte counts c_b(s),

    H(b) = sum over s of (c_b(s) / m_b) * log2(m_b / c_b(s))        (bits per byte, 0 .. 8)

Text sits around 4-5 bits/byte, machine code around 5-6.5, compressed or encrypted data close to 8, so
a sudden rise marks e.g. a compressed or encrypted region inside a binary. The size-weighted mean of the
block entropies,

    H_block = sum over b of (m_b / n) * H(b),

is the bound that a block-adaptive order-0 coder (a new Huffman code per block) chases; it is never above
the global H_0, because each block gets its own statistics.

Files are read in pieces (bounded memory, whatever their size); counting and entropy run in the
library's kernels.
"""
from __future__ import annotations

import math
import os
from dataclasses import asdict, dataclass, field

import numpy as np

from ..stats import _kernels
from ..stats.counting import DEFAULT_CHUNK_SIZE, _byte_source, byte_view, read_chunks

#: Default block size of the profile and of the block entropy in reports.
DEFAULT_BLOCK_SIZE = 64 << 10
#: ``block_size=None`` (the default of :func:`entropy_profile` and of ``codelength profile``): the
#: smallest power of two, at least AUTO_MIN_BLOCK bytes, that cuts the input into at most AUTO_MAX_BLOCKS
#: blocks; found while streaming, so a pipe of unknown size gets the same blocks as the file.
AUTO_MAX_BLOCKS = 64
AUTO_MIN_BLOCK = 256
#: A change of at least this many bits/byte between neighbouring blocks is reported as a jump.
DEFAULT_JUMP_THRESHOLD = 1.0

_LN2 = math.log(2.0)


def expected_random_entropy(block_size: int) -> float:
    """Approximate expected empirical entropy (bits/byte) of ``block_size`` uniformly random bytes.

    Small blocks of random bytes measure below 8 bits/byte because a block of m bytes cannot show all
    256 values equally often. The Miller-Madow bias gives E[H] ~ log2(K) - (K - 1) / (2 m ln 2) with
    K = min(256, m) observable values; it is the yardstick of "as random as it gets" for that block size.
    """
    m = max(int(block_size), 1)
    k = min(256, m)
    return max(math.log2(k) - (k - 1) / (2.0 * m * _LN2), 0.0)


def default_high_threshold(block_size: int) -> float:
    """Entropy (bits/byte) above which a block counts as high entropy: 95 % of the random yardstick."""
    return 0.95 * expected_random_entropy(block_size)


@dataclass(frozen=True)
class Jump:
    """A change of block entropy between block ``block - 1`` and block ``block`` (at byte ``offset``)."""

    block: int
    offset: int
    before_bits_per_byte: float
    after_bits_per_byte: float
    direction: str  # "rise" or "fall"

    @property
    def delta(self) -> float:
        """``after_bits_per_byte - before_bits_per_byte`` (positive for a rise)."""
        return self.after_bits_per_byte - self.before_bits_per_byte


@dataclass(frozen=True)
class Region:
    """A run of consecutive high-entropy blocks: bytes ``[start, end)``."""

    start: int
    end: int
    first_block: int
    last_block: int
    mean_bits_per_byte: float


@dataclass
class EntropyProfile:
    """Order-0 entropy of each block of the data, with its jumps and high-entropy regions.

    ``bits_per_byte[i]`` is the entropy of bytes ``[i * block_size, min((i + 1) * block_size, size))``.
    ``mean_bits_per_byte`` is the size-weighted mean H_block. Jumps compare neighbouring blocks; the last
    block is left out of jump and region detection when it is shorter than ``block_size`` (a few bytes
    cannot show a high entropy).
    """

    source: str
    size_bytes: int
    block_size: int
    bits_per_byte: list = field(default_factory=list)
    mean_bits_per_byte: float = 0.0
    jump_threshold: float = DEFAULT_JUMP_THRESHOLD
    high_threshold: float = 0.0
    jumps: list = field(default_factory=list)
    high_entropy_regions: list = field(default_factory=list)

    def __str__(self) -> str:
        """The text view of ``codelength profile``."""
        return render_profile_text(self)

    def _repr_html_(self) -> str:
        """The text view, preformatted, for a notebook cell (the figure is :meth:`_repr_png_`)."""
        from ..codes._html import pre
        return pre(render_profile_text(self))

    def _repr_png_(self) -> bytes | None:
        """The profile plot as PNG bytes (None without matplotlib, so a notebook shows the text)."""
        import io
        buf = io.BytesIO()
        try:
            plot_profile(self, buf)
        except MissingOptionalDependency:
            return None
        return buf.getvalue()

    @property
    def n_blocks(self) -> int:
        """Number of blocks, the last one possibly short."""
        return len(self.bits_per_byte)

    def block_bounds(self, index: int) -> tuple[int, int]:
        """Byte range ``[start, end)`` of block ``index``."""
        start = index * self.block_size
        return start, min(start + self.block_size, self.size_bytes)

    def to_dict(self) -> dict:
        """Plain JSON-ready dict (keys documented in docs/cli.md)."""
        blocks = []
        for i, h in enumerate(self.bits_per_byte):
            start, end = self.block_bounds(i)
            blocks.append({"index": i, "offset": start, "size_bytes": end - start, "bits_per_byte": h})
        return {
            "source": self.source,
            "size_bytes": self.size_bytes,
            "block_size": self.block_size,
            "n_blocks": self.n_blocks,
            "mean_bits_per_byte": self.mean_bits_per_byte,
            "jump_threshold": self.jump_threshold,
            "high_threshold": self.high_threshold,
            "blocks": blocks,
            "jumps": [dict(asdict(j), delta=j.delta) for j in self.jumps],
            "high_entropy_regions": [asdict(r) for r in self.high_entropy_regions],
        }


class BlockEntropyAccumulator:
    """Streaming per-block order-0 entropies: feed pieces of any length with :meth:`update`.

    Pieces need not align with blocks; a block split across pieces is completed from the next one.
    ``total_counts`` accumulates the byte counts of everything seen (the global order-0 statistics).
    """

    def __init__(self, block_size: int = DEFAULT_BLOCK_SIZE):
        if isinstance(block_size, bool) or not isinstance(block_size, (int, np.integer)):
            raise TypeError(f"block_size must be an integer, got {type(block_size).__name__}")
        if block_size <= 0:
            raise ValueError(f"block_size must be positive, got {block_size}")
        self.block_size = int(block_size)
        self.total_counts = np.zeros(256, dtype=np.int64)
        self.entropies: list[float] = []
        self.size = 0
        self._block_counts = np.zeros(256, dtype=np.int64)
        self._filled = 0  # bytes in the current, unfinished block

    def _close_block(self) -> None:
        self.entropies.append(_kernels.entropy_of_counts(self._block_counts) / _LN2)
        self.total_counts += self._block_counts
        self._block_counts[:] = 0
        self._filled = 0

    def update(self, piece) -> None:
        """Add the bytes of ``piece`` (bytes-like, or an integer array of byte values 0..255, as in
        :func:`codelength.context.ContextStatistics.update`), closing every block it completes."""
        data = _byte_source(piece)
        pos, total, bs = 0, data.size, self.block_size
        self.size += total
        while pos < total:
            take = min(bs - self._filled, total - pos)
            _kernels.byte_counts_into(data[pos:pos + take], self._block_counts)
            self._filled += take
            pos += take
            if self._filled == bs:
                self._close_block()

    def finish(self) -> None:
        """Close the last, partial block (idempotent)."""
        if self._filled:
            self._close_block()

    def mean_bits_per_byte(self) -> float:
        """Size-weighted mean of the block entropies (0 for empty data)."""
        if not self.size:
            return 0.0
        weights = np.full(len(self.entropies), float(self.block_size))
        if weights.size:
            weights[-1] = self.size - self.block_size * (len(self.entropies) - 1)
        return math.fsum((weights * np.asarray(self.entropies)).tolist()) / self.size


def auto_block_size(size: int) -> int:
    """The block size ``block_size=None`` gives ``size`` bytes: the smallest power of two of at least
    :data:`AUTO_MIN_BLOCK` bytes that cuts them into at most :data:`AUTO_MAX_BLOCKS` blocks."""
    block = AUTO_MIN_BLOCK
    while block * AUTO_MAX_BLOCKS < size:
        block *= 2
    return block


class AutoBlockEntropyAccumulator(BlockEntropyAccumulator):
    """A :class:`BlockEntropyAccumulator` whose block size is :func:`auto_block_size` of the total size,
    found while streaming (the total need not be known in advance).

    It keeps the byte counts of each closed block and starts at :data:`AUTO_MIN_BLOCK` bytes; when the
    input outgrows :data:`AUTO_MAX_BLOCKS` blocks, neighbouring blocks are merged in pairs and the block
    size doubles. Power-of-two blocks nest, so the counts, and the entropies computed from them at
    :meth:`finish`, are exactly those of a run with the final block size. Memory: at most
    AUTO_MAX_BLOCKS + 1 count tables of 256 int64 (133 KiB), whatever the input size.
    """

    def __init__(self):
        super().__init__(AUTO_MIN_BLOCK)
        self._closed: list[np.ndarray] = []

    def _close_block(self) -> None:
        self._closed.append(self._block_counts.copy())
        self.total_counts += self._block_counts
        self._block_counts[:] = 0
        self._filled = 0

    def _double(self) -> None:
        closed = self._closed
        if len(closed) % 2:  # the last closed block and the open one make the first half of a new block
            last = closed.pop()
            self._block_counts += last
            self.total_counts -= last  # counted again when the merged block closes
            self._filled += self.block_size
        self._closed = [closed[i] + closed[i + 1] for i in range(0, len(closed), 2)]
        self.block_size *= 2

    def update(self, piece) -> None:
        data = _byte_source(piece)
        pos = 0
        while pos < data.size:
            room = AUTO_MAX_BLOCKS * self.block_size - self.size
            if room <= 0:
                self._double()
                continue
            take = min(room, data.size - pos)
            super().update(data[pos:pos + take])
            pos += take

    def finish(self) -> None:
        if self._filled:
            self._close_block()
        self.entropies = [_kernels.entropy_of_counts(c) / _LN2 for c in self._closed]


def check_jump_threshold(threshold) -> float:
    """``threshold`` as a float; ValueError unless positive and finite (NaN or <= 0 would mark every block)."""
    value = float(threshold)
    if not (value > 0 and math.isfinite(value)):
        raise ValueError(f"jump threshold must be a positive, finite number of bits/byte, got {threshold!r}")
    return value


def check_high_threshold(threshold) -> float:
    """``threshold`` as a float; ValueError unless finite."""
    value = float(threshold)
    if not math.isfinite(value):
        raise ValueError(f"high-entropy threshold must be a finite number of bits/byte, got {threshold!r}")
    return value


def detect_jumps(bits_per_byte, threshold: float = DEFAULT_JUMP_THRESHOLD, block_size: int = 1,
                 size_bytes: int | None = None) -> list[Jump]:
    """Places where the entropy of a block differs from the previous block's by at least ``threshold``.

    ``offset`` of each jump is ``block * block_size``. A change that goes on over the next blocks in the
    same direction (by at least a quarter of ``threshold`` each: a region boundary inside a block gives a
    half-way block) is one jump, from the block before it to the last block of the run. When
    ``size_bytes`` says the last block is short, it is left out (a short block cannot reach a high
    entropy, which would look like a fall). ``threshold`` must be positive and finite (ValueError).
    """
    threshold = check_jump_threshold(threshold)
    h = [float(x) for x in bits_per_byte]
    usable = len(h)
    if size_bytes is not None and usable and size_bytes - block_size * (usable - 1) < block_size:
        usable -= 1
    jumps = []
    i = 1
    while i < usable:
        delta = h[i] - h[i - 1]
        if abs(delta) < threshold:
            i += 1
            continue
        sign = 1.0 if delta > 0 else -1.0
        end = i
        # a boundary inside a block leaves it half-way: follow the change while it goes on the same way
        while end + 1 < usable and sign * (h[end + 1] - h[end]) >= threshold / 4:
            end += 1
        jumps.append(Jump(i, i * block_size, h[i - 1], h[end], "rise" if sign > 0 else "fall"))
        i = end + 1
    return jumps


def high_entropy_regions(bits_per_byte, threshold: float, block_size: int,
                         size_bytes: int | None = None) -> list[Region]:
    """Runs of consecutive blocks whose entropy is at least ``threshold`` bits/byte (and above 0).

    A block of entropy 0 (one byte value only) is never high, whatever the threshold: with one-byte
    blocks the default threshold is 0 and every block would otherwise count.
    """
    threshold = check_high_threshold(threshold)
    h = [float(x) for x in bits_per_byte]
    n = len(h)
    if size_bytes is None:
        size_bytes = n * block_size
    usable = n
    if usable and size_bytes - block_size * (usable - 1) < block_size:
        usable -= 1
    regions, i = [], 0
    high = [value >= threshold and value > 0 for value in h]
    while i < usable:
        if high[i]:
            j = i
            while j + 1 < usable and high[j + 1]:
                j += 1
            regions.append(Region(i * block_size, min((j + 1) * block_size, size_bytes), i, j,
                                  sum(h[i:j + 1]) / (j - i + 1)))
            i = j + 1
        else:
            i += 1
    return regions


def _source_pieces(source, chunk_size: int, progress=None):
    """Pieces of a path, binary file object or bytes-like source, as uint8 arrays."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = np.frombuffer(byte_view(source), dtype=np.uint8)
        for lo in range(0, data.size, chunk_size):
            piece = data[lo:lo + chunk_size]
            yield piece
            if progress is not None:
                progress(piece.size)
        return
    yield from read_chunks(source, chunk_size, progress=progress)


def _aligned_chunk(block_size: int) -> int:
    """A read size of about DEFAULT_CHUNK_SIZE: a whole number of blocks when blocks are smaller, else
    DEFAULT_CHUNK_SIZE itself (the accumulator completes a block from several pieces; memory stays bounded)."""
    if block_size > DEFAULT_CHUNK_SIZE:
        return DEFAULT_CHUNK_SIZE
    return block_size * (DEFAULT_CHUNK_SIZE // block_size)


def source_name(source) -> str:
    """What a report calls ``source``: the path, the stream's name, ``"<stream>"`` or ``"<bytes>"``."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        return "<bytes>"
    if hasattr(source, "readinto"):
        return getattr(source, "name", "<stream>") if isinstance(getattr(source, "name", None), str) else "<stream>"
    return os.fspath(source)


def profile_from_accumulator(acc: BlockEntropyAccumulator, source: str, *,
                             jump_threshold: float = DEFAULT_JUMP_THRESHOLD,
                             high_threshold: float | None = None) -> EntropyProfile:
    """Build an :class:`EntropyProfile` from a finished accumulator."""
    acc.finish()
    jump_threshold = check_jump_threshold(jump_threshold)
    high_threshold = (default_high_threshold(acc.block_size) if high_threshold is None
                      else check_high_threshold(high_threshold))
    return EntropyProfile(
        source=source, size_bytes=acc.size, block_size=acc.block_size, bits_per_byte=list(acc.entropies),
        mean_bits_per_byte=acc.mean_bits_per_byte(), jump_threshold=float(jump_threshold),
        high_threshold=float(high_threshold),
        jumps=detect_jumps(acc.entropies, jump_threshold, acc.block_size, acc.size),
        high_entropy_regions=high_entropy_regions(acc.entropies, high_threshold, acc.block_size, acc.size))


def entropy_profile(source, block_size: int | None = None, *,
                    jump_threshold: float = DEFAULT_JUMP_THRESHOLD, high_threshold: float | None = None,
                    progress=None) -> EntropyProfile:
    """Order-0 entropy of each block of a file or of bytes, with jumps and high-entropy regions.

    Parameters
    ----------
    source : str, os.PathLike, binary file object or bytes-like
        Files are streamed in pieces of about 4 MiB (bounded memory).
    block_size : int, optional
        Bytes per block. Default: the smallest power of two (at least 256 bytes) that cuts the input into
        at most 64 blocks (:func:`auto_block_size`), as ``codelength profile`` does; for a stream of
        unknown size too. Small blocks measure lower entropies (see :func:`expected_random_entropy`).
    jump_threshold : float
        Smallest change of entropy (bits/byte) between neighbouring blocks reported as a jump.
    high_threshold : float, optional
        Entropy (bits/byte) from which a block is "high" (likely compressed or encrypted); default 95 %
        of :func:`expected_random_entropy` of the block size.
    progress : callable, optional
        Called with the number of bytes just read.

    Returns
    -------
    EntropyProfile

    Examples
    --------
    >>> p = entropy_profile(b"a" * 1000 + bytes(range(250)) * 4, block_size=1000)
    >>> [round(h, 3) for h in p.bits_per_byte]
    [0.0, 7.966]
    >>> [(j.offset, j.direction) for j in p.jumps]
    [(1000, 'rise')]
    """
    acc = AutoBlockEntropyAccumulator() if block_size is None else BlockEntropyAccumulator(block_size)
    check_jump_threshold(jump_threshold)  # before reading a large file
    if high_threshold is not None:
        check_high_threshold(high_threshold)
    chunk = DEFAULT_CHUNK_SIZE if block_size is None else _aligned_chunk(acc.block_size)
    for piece in _source_pieces(source, chunk, progress):
        acc.update(piece)
    return profile_from_accumulator(acc, source_name(source), jump_threshold=jump_threshold,
                                    high_threshold=high_threshold)


def _bar(value: float, width: int, full: str) -> str:
    """A horizontal bar of ``value`` out of 8 bits/byte, ``width`` characters at most."""
    cells = max(0.0, min(value / 8.0, 1.0)) * width
    if full == "#":
        return "#" * int(round(cells))
    eighths = int(round(cells * 8))
    whole, rest = divmod(eighths, 8)
    return "\u2588" * whole + ("" if not rest else " \u258f\u258e\u258d\u258c\u258b\u258a\u2589"[rest])


def render_profile_text(profile: EntropyProfile, *, unicode: bool = True, width: int = 32) -> str:
    """Text table of a profile: one line per block, a bar out of 8 bits/byte, and the jumps marked."""
    full = "\u2588" if unicode else "#"
    jump_at = {j.block: j for j in profile.jumps}
    high = set()
    for r in profile.high_entropy_regions:
        high.update(range(r.first_block, r.last_block + 1))
    lines = [f"{profile.source}: {profile.size_bytes:,} bytes in {profile.n_blocks:,} blocks of "
             f"{profile.block_size:,} bytes",
             "order-0 entropy of each block, bits/byte (8 = random-looking: compressed or encrypted data)",
             "",
             f"{'block':>6} {'offset':>12} {'bits/byte':>9}  {'0':<{width // 2}}{'8':>{width - width // 2}}"]
    for i, h in enumerate(profile.bits_per_byte):
        start, _ = profile.block_bounds(i)
        mark = ""
        if i in jump_at:
            j = jump_at[i]
            rise = j.direction == "rise"
            arrow = ("\u25b2" if rise else "\u25bc") if unicode else ("^" if rise else "v")
            mark = f"  {arrow} jump {j.delta:+.2f}"
        if i in high:
            mark += "  high"
        lines.append(f"{i:>6} {start:>#12x} {h:>9.3f}  {_bar(h, width, full):<{width}}{mark}".rstrip())
    lines.append("")
    lines.append(f"mean (size-weighted) {profile.mean_bits_per_byte:.3f} bits/byte; "
                 f"{len(profile.jumps)} jump(s) of at least {profile.jump_threshold:g} bits/byte")
    for j in profile.jumps:
        lines.append(f"  {j.direction:<4} at offset {j.offset:#x} ({j.offset:,}): "
                     f"{j.before_bits_per_byte:.2f} -> {j.after_bits_per_byte:.2f} bits/byte")
    if profile.high_entropy_regions:
        lines.append(f"high-entropy regions (>= {profile.high_threshold:.2f} bits/byte: "
                     "likely compressed or encrypted):")
        for r in profile.high_entropy_regions:
            lines.append(f"  bytes {r.start:#x}..{r.end:#x} ({r.end - r.start:,} bytes), "
                         f"mean {r.mean_bits_per_byte:.2f} bits/byte")
    return "\n".join(lines) + "\n"


class MissingOptionalDependency(ImportError):
    """An optional extra (matplotlib, tqdm) is not installed; the message says how to get it."""


def plot_profile(profile: EntropyProfile, out_path, *, title: str | None = None):
    """Write the profile as a PNG (matplotlib, the ``plot`` extra): entropy per block against offset.

    Jumps are drawn as vertical lines and high-entropy regions shaded. Returns the path written.
    Raises :class:`MissingOptionalDependency` when matplotlib is not installed.
    """
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise MissingOptionalDependency(
            "plotting needs matplotlib, which is not installed: pip install 'codelength[plot]' "
            "(or pip install matplotlib)") from None
    fig, ax = plt.subplots(figsize=(10, 3.6), dpi=100)
    try:
        n = profile.n_blocks
        starts = [profile.block_bounds(i)[0] for i in range(n)]
        if n:
            ax.step(starts + [profile.size_bytes], profile.bits_per_byte + profile.bits_per_byte[-1:],
                    where="post", color="tab:blue", linewidth=1.2, label="entropy per block")
        for i, r in enumerate(profile.high_entropy_regions):
            ax.axvspan(r.start, r.end, color="tab:red", alpha=0.12, linewidth=0,
                       label=None if i else f"high entropy (>= {profile.high_threshold:.2f})")
        for i, j in enumerate(profile.jumps):
            ax.axvline(j.offset, color="tab:red", linestyle="--", linewidth=0.9, label=None if i else "jump")
        ax.axhline(profile.mean_bits_per_byte, color="gray", linestyle=":", linewidth=0.9,
                   label=f"mean {profile.mean_bits_per_byte:.2f} bits/byte")
        ax.set_ylim(0, 8.2)
        ax.set_xlim(0, max(profile.size_bytes, 1))
        ax.set_xlabel("offset (bytes)")
        ax.set_ylabel("bits/byte")
        ax.set_title(title or f"{os.path.basename(profile.source) or profile.source}: order-0 entropy per "
                     f"{profile.block_size:,}-byte block")
        ax.legend(loc="lower right", fontsize=8)
        ax.grid(alpha=0.3)
        fig.tight_layout()
        fig.savefig(out_path, format="png")
    finally:
        plt.close(fig)
    return out_path

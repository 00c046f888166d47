"""Pure-Python twin of the Huffman kernels (:mod:`codelength.codes._prefix`, :mod:`codelength.coders._blocks`,
:mod:`codelength.coders._huffman`, :mod:`codelength.io._deflate`).

Plain Python builtins only (no NumPy). Every function here gives exactly the result of its Cython
counterpart: the same code lengths, the same block split, and bit-identical model and payload bytes of
the native coder and of the Huffman-only DEFLATE writer. It is slow on purpose: it is the readable
specification that the tests hold the kernels against.

Bit order: every bit stream is written least significant bit first (DEFLATE's convention, RFC 1951
section 3.1.1); Huffman code words are canonical and written with their first (most significant) bit
first, i.e. bit-reversed into the LSB-first stream.
"""
from __future__ import annotations

import math

MAX_CODE_LENGTH = 24          # longest code word the native coder writes or accepts
MAX_ALPHABET = 1 << 20        # largest alphabet of the native coder
DEFAULT_MAX_LENGTH = 12       # native length limit: one 12-bit table look-up decodes every word
STREAMS = 4                   # interleaved bit streams per native block
MODEL_VERSION = 1
CHUNK = 4096                  # granularity of the adaptive block split
MAX_BLOCK = 1 << 20           # longest block of the adaptive split
ADAPTIVE_ALPHABET = 4096      # adaptive split for alphabets up to this size; fixed blocks above
FIXED_BLOCK = 1 << 16         # block size when the split is not adaptive
NATIVE_HEADER_BITS = 128      # estimated fixed cost of a native block header (bits), besides 4 per symbol
DEFLATE_HEADER_BITS = 40      # same for a DEFLATE block header

# native code-length alphabet: 0..24 literal lengths, then four run codes (symbol, extra bits, base)
NATIVE_RUNS = ((25, 2, 3), (26, 3, 3), (27, 7, 11), (28, 16, 139))
NATIVE_CL_SYMBOLS = 29
NATIVE_CL_ORDER = (25, 26, 27, 28, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15,
                   16, 17, 18, 19, 20, 21, 22, 23, 24)
# DEFLATE (RFC 1951, 3.2.7): 0..15 lengths, 16 = repeat previous 3-6, 17 = zeros 3-10, 18 = zeros 11-138
DEFLATE_RUNS = ((16, 2, 3), (17, 3, 3), (18, 7, 11))
DEFLATE_CL_SYMBOLS = 19
DEFLATE_CL_ORDER = (16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15)
CL_MAX_LENGTH = 7


class CorruptStream(Exception):
    """Raised by the twin's decoder for a stream it cannot decode (the backend turns it into
    :class:`codelength.errors.CorruptDataError`)."""


# ----------------------------------------------------------------------------------------------
# code lengths
# ----------------------------------------------------------------------------------------------

def huffman_depths(weights):
    """Depths of an optimal (Huffman) code for positive ``weights`` sorted ascending.

    Two-queue construction: leaves and merged nodes are each taken in non-decreasing order; on a tie
    the leaf is taken first (this gives the code of least maximal length among Huffman codes).
    """
    m = len(weights)
    weight = list(weights) + [0] * (m - 1)
    parent = [0] * (2 * m - 1)
    leaf, internal, new = 0, m, m
    for _ in range(m - 1):
        pair = []
        for _ in range(2):
            if leaf < m and (internal >= new or weight[leaf] <= weight[internal]):
                pair.append(leaf)
                leaf += 1
            else:
                pair.append(internal)
                internal += 1
        weight[new] = weight[pair[0]] + weight[pair[1]]
        parent[pair[0]] = parent[pair[1]] = new
        new += 1
    depth = [0] * (2 * m - 1)
    for node in range(2 * m - 3, -1, -1):
        depth[node] = depth[parent[node]] + 1
    return depth[:m]


def package_merge_depths(weights, max_length):
    """Depths of an optimal code with no word longer than ``max_length`` (package-merge).

    ``weights`` are positive and sorted ascending, with ``2 <= len(weights) <= 2**max_length``.
    Lists are built from the deepest level up: each level merges the sorted leaves with the packages
    (sums of adjacent pairs) of the level below; on equal weight the leaf comes first. The first
    ``2m - 2`` items of the top list are selected; a leaf's length is the number of levels at which it
    is selected (Larmore and Hirschberg, 1990).
    """
    m = len(weights)
    level_flags = [[False] * m]          # deepest level: the leaves alone
    below = list(weights)
    for _ in range(max_length - 1):
        packages = [below[2 * i] + below[2 * i + 1] for i in range(len(below) // 2)]
        merged, flags = [], []
        i = j = 0
        while i < m or j < len(packages):
            if j >= len(packages) or (i < m and weights[i] <= packages[j]):
                merged.append(weights[i])
                flags.append(False)
                i += 1
            else:
                merged.append(packages[j])
                flags.append(True)
                j += 1
        level_flags.append(flags)
        below = merged
    depths = [0] * m
    take = 2 * m - 2
    for flags in reversed(level_flags):
        packages_taken = sum(1 for f in flags[:take] if f)
        leaves_taken = take - packages_taken
        for i in range(leaves_taken):
            depths[i] += 1
        take = 2 * packages_taken
    return depths


def huffman_code_lengths(counts, max_length=None):
    """Optimal prefix-code lengths for ``counts`` (0 for unused symbols), optionally length-limited.

    Ties are broken by symbol: symbols are ranked by (count, symbol). A single used symbol gets length 1.
    Huffman's code is kept when it fits the limit; otherwise package-merge gives the optimal limited code.
    """
    counts = list(counts)  # integers, or any positive weights (floats, fractions)
    lengths = [0] * len(counts)
    used = sorted((c, s) for s, c in enumerate(counts) if c > 0)
    if not used:
        return lengths
    if len(used) == 1:
        lengths[used[0][1]] = 1
        return lengths
    if max_length is not None and (max_length < 1 or (1 << max_length) < len(used)):
        raise ValueError(f"{len(used)} symbols do not fit a code with words of at most {max_length} bits")
    weights = [c for c, _ in used]
    depths = huffman_depths(weights)
    if max_length is not None and max(depths) > max_length:
        depths = package_merge_depths(weights, max_length)
    for (_, s), d in zip(used, depths):
        lengths[s] = d
    return lengths


def canonical_codes(lengths):
    """Canonical code words (RFC 1951, 3.2.2): within a length, codes increase with the symbol."""
    max_len = max(lengths, default=0)
    bl_count = [0] * (max_len + 1)
    for length in lengths:
        if length:
            bl_count[length] += 1
    next_code = [0] * (max_len + 1)
    code = 0
    for bits in range(1, max_len + 1):
        code = (code + bl_count[bits - 1]) << 1
        next_code[bits] = code
    codes = [0] * len(lengths)
    for s, length in enumerate(lengths):
        if length:
            codes[s] = next_code[length]
            next_code[length] += 1
    return codes


def reverse_bits(code, length):
    """The ``length`` low bits of ``code`` in reverse order."""
    out = 0
    for _ in range(length):
        out = (out << 1) | (code & 1)
        code >>= 1
    return out


def kraft_numerator(lengths, bits=MAX_CODE_LENGTH):
    """``sum 2**(bits - l)`` over the used lengths (equals ``2**bits`` for a complete code)."""
    return sum(1 << (bits - length) for length in lengths if length)


# ----------------------------------------------------------------------------------------------
# bit I/O
# ----------------------------------------------------------------------------------------------

class BitWriter:
    """LSB-first bit writer."""

    def __init__(self):
        self.out = bytearray()
        self.acc = 0
        self.nbits = 0

    def write(self, value, nbits):
        self.acc |= value << self.nbits
        self.nbits += nbits
        while self.nbits >= 8:
            self.out.append(self.acc & 0xFF)
            self.acc >>= 8
            self.nbits -= 8

    def write_varint(self, value):
        """7 value bits and one continuation bit per group, low groups first."""
        while True:
            group = value & 0x7F
            value >>= 7
            self.write(group | (0x80 if value else 0), 8)
            if not value:
                return

    def align(self):
        if self.nbits:
            self.write(0, 8 - self.nbits)

    def getvalue(self):
        self.align()
        return bytes(self.out)


class BitReader:
    """LSB-first bit reader over ``data``; reading past the end raises CorruptStream."""

    def __init__(self, data):
        self.data = data
        self.pos = 0  # in bits

    def read(self, nbits):
        if self.pos + nbits > 8 * len(self.data):
            raise CorruptStream("truncated bit stream")
        value = 0
        for k in range(nbits):
            bit = (self.data[(self.pos + k) >> 3] >> ((self.pos + k) & 7)) & 1
            value |= bit << k
        self.pos += nbits
        return value

    def read_varint(self):
        value = shift = 0
        for _ in range(10):
            group = self.read(8)
            value |= (group & 0x7F) << shift
            shift += 7
            if not group & 0x80:
                return value
        raise CorruptStream("varint too long")

    def finish(self):
        """Check that the stream ends here: only zero padding up to its last byte."""
        if (self.pos + 7) >> 3 != len(self.data):
            raise CorruptStream("trailing bytes after the bit stream")
        if self.pos & 7 and self.data[-1] >> (self.pos & 7):
            raise CorruptStream("non-zero padding bits")


class CanonicalDecoder:
    """Bit-by-bit canonical decoding (as in zlib's puff.c): for each length, is the code so far one of
    the codes of that length?"""

    def __init__(self, lengths):
        self.max_len = max(lengths, default=0)
        self.count = [0] * (self.max_len + 1)
        for length in lengths:
            if length:
                self.count[length] += 1
        self.symbols = [s for length in range(1, self.max_len + 1)
                        for s, l in enumerate(lengths) if l == length]

    def decode(self, reader):
        code = first = index = 0
        for length in range(1, self.max_len + 1):
            code |= reader.read(1)
            count = self.count[length]
            if code - first < count:
                return self.symbols[index + code - first]
            index += count
            first = (first + count) << 1
            code <<= 1
        raise CorruptStream("invalid code word")


# ----------------------------------------------------------------------------------------------
# block split
# ----------------------------------------------------------------------------------------------

def _xlog2x(x):
    return float(x) * math.log2(x) if x > 0 else 0.0


def greedy_split(symbols, alphabet_size, header_bits, chunk):
    """One scale of the adaptive split: ``(block lengths, estimated total bits)``.

    The data is cut in chunks of ``chunk`` symbols; a chunk joins the current block when the estimated
    cost of the merged block is no larger than that of the two apart, where a block of N symbols with
    counts c costs ``N log2 N - sum c log2 c + 4 * distinct`` bits (its order-0 entropy plus about 4 bits
    per coded length), plus ``header_bits`` per block.
    """
    blocks = []
    total = 0.0
    block_counts = [0] * alphabet_size
    block_n = 0
    block_s = 0.0
    block_distinct = 0
    n = len(symbols)
    for start in range(0, n, chunk):
        chunk_counts = [0] * alphabet_size
        for s in symbols[start:start + chunk]:
            chunk_counts[s] += 1
        chunk_n = min(chunk, n - start)
        if block_n:
            chunk_s = 0.0
            merged_s = block_s
            chunk_distinct = 0
            merged_distinct = block_distinct
            for s in range(alphabet_size):
                c = chunk_counts[s]
                if c:
                    b = block_counts[s]
                    chunk_s += _xlog2x(c)
                    merged_s += _xlog2x(b + c) - _xlog2x(b)
                    chunk_distinct += 1
                    if not b:
                        merged_distinct += 1
            apart = (_xlog2x(block_n) - block_s + 4.0 * block_distinct
                     + _xlog2x(chunk_n) - chunk_s + 4.0 * chunk_distinct + header_bits)
            together = _xlog2x(block_n + chunk_n) - merged_s + 4.0 * merged_distinct
            if together <= apart and block_n + chunk_n <= MAX_BLOCK:
                for s in range(alphabet_size):
                    block_counts[s] += chunk_counts[s]
                block_n += chunk_n
                block_s = merged_s
                block_distinct = merged_distinct
                continue
            blocks.append(block_n)
            total += _xlog2x(block_n) - block_s + 4.0 * block_distinct + header_bits
        block_counts = chunk_counts
        block_n = chunk_n
        block_s = 0.0
        block_distinct = 0
        for c in chunk_counts:
            if c:
                block_s += _xlog2x(c)
                block_distinct += 1
    if block_n:
        blocks.append(block_n)
        total += _xlog2x(block_n) - block_s + 4.0 * block_distinct + header_bits
    return blocks, total


def split_blocks(symbols, alphabet_size, block_size=None, header_bits=NATIVE_HEADER_BITS):
    """Block lengths covering ``symbols``: fixed ``block_size``, or adaptive.

    Adaptive split (alphabets up to ADAPTIVE_ALPHABET): :func:`greedy_split` at two scales, chunks of
    CHUNK and of 4 * CHUNK symbols (the coarse one sees shifts too gradual for single small chunks); the
    split of smaller estimated total wins (the fine one on a tie).
    """
    n = len(symbols)
    if n == 0:
        return []
    if block_size is None and alphabet_size > ADAPTIVE_ALPHABET:
        block_size = FIXED_BLOCK
    if block_size is not None:
        return [min(block_size, n - start) for start in range(0, n, block_size)]
    fine, fine_total = greedy_split(symbols, alphabet_size, header_bits, CHUNK)
    coarse, coarse_total = greedy_split(symbols, alphabet_size, header_bits, 4 * CHUNK)
    return coarse if coarse_total < fine_total else fine


# ----------------------------------------------------------------------------------------------
# code-length header (shared by the native format and DEFLATE)
# ----------------------------------------------------------------------------------------------

def length_tokens(lengths, runs):
    """Run-length tokens ``(symbol, extra_value, extra_bits)`` of a length vector.

    ``runs`` lists (symbol, extra bits, base) for: repeat previous length, zeros (short), zeros (long)
    and optionally zeros (very long), in that order.
    """
    repeat, *zero_runs = runs
    tokens = []
    n = len(lengths)
    i = 0
    while i < n:
        length = lengths[i]
        run = 1
        while i + run < n and lengths[i + run] == length:
            run += 1
        i += run
        if length == 0:
            while run >= 3:
                for symbol, extra, base in reversed(zero_runs):
                    if run >= base:
                        take = min(run, base + (1 << extra) - 1)
                        tokens.append((symbol, take - base, extra))
                        run -= take
                        break
            tokens.extend((0, 0, 0) for _ in range(run))
        else:
            tokens.append((length, 0, 0))
            run -= 1
            symbol, extra, base = repeat
            while run >= base:
                take = min(run, base + (1 << extra) - 1)
                tokens.append((symbol, take - base, extra))
                run -= take
            tokens.extend((length, 0, 0) for _ in range(run))
    return tokens


def code_length_code(tokens, cl_symbols):
    """Lengths (at most 7 bits) of the code that codes the tokens; always a complete code of >= 2 words."""
    cl_counts = [0] * cl_symbols
    for symbol, _, _ in tokens:
        cl_counts[symbol] += 1
    while sum(1 for c in cl_counts if c) < 2:
        cl_counts[cl_counts.index(0)] = 1
    return huffman_code_lengths(cl_counts, CL_MAX_LENGTH)


def write_tokens(writer, tokens, cl_lengths):
    codes = canonical_codes(cl_lengths)
    for symbol, value, extra in tokens:
        writer.write(reverse_bits(codes[symbol], cl_lengths[symbol]), cl_lengths[symbol])
        if extra:
            writer.write(value, extra)


def _write_lengths(writer, lengths, runs, cl_symbols, cl_order, count_bits):
    """Code lengths as run-length tokens coded with a code-length code: the count k of code-length-code
    lengths sent (``count_bits`` bits, k - 4), those k lengths of 3 bits in ``cl_order``, then the tokens."""
    tokens = length_tokens(lengths, runs)
    cl_lengths = code_length_code(tokens, cl_symbols)
    k = cl_symbols
    while k > 4 and cl_lengths[cl_order[k - 1]] == 0:
        k -= 1
    writer.write(k - 4, count_bits)
    for i in range(k):
        writer.write(cl_lengths[cl_order[i]], 3)
    write_tokens(writer, tokens, cl_lengths)


def write_native_lengths(writer, lengths):
    """Native block code lengths: 5 bits (k - 4), k code-length-code lengths of 3 bits in NATIVE_CL_ORDER,
    then the run-length tokens of the lengths coded with that code."""
    _write_lengths(writer, lengths, NATIVE_RUNS, NATIVE_CL_SYMBOLS, NATIVE_CL_ORDER, 5)


def read_native_lengths(reader, alphabet_size):
    """Inverse of :func:`write_native_lengths`; checks that the code is complete and within limits."""
    k = reader.read(5) + 4
    if k > NATIVE_CL_SYMBOLS:
        raise CorruptStream("too many code-length-code lengths")
    cl_lengths = [0] * NATIVE_CL_SYMBOLS
    for i in range(k):
        cl_lengths[NATIVE_CL_ORDER[i]] = reader.read(3)
    if kraft_numerator(cl_lengths, CL_MAX_LENGTH) != 1 << CL_MAX_LENGTH:
        raise CorruptStream("code-length code is not complete")
    decoder = CanonicalDecoder(cl_lengths)
    lengths = []
    while len(lengths) < alphabet_size:
        symbol = decoder.decode(reader)
        if symbol <= MAX_CODE_LENGTH:
            lengths.append(symbol)
            continue
        run_symbol, extra, base = NATIVE_RUNS[symbol - NATIVE_RUNS[0][0]]
        run = base + reader.read(extra)
        if run_symbol == NATIVE_RUNS[0][0]:
            if not lengths:
                raise CorruptStream("repeat with no previous length")
            value = lengths[-1]
        else:
            value = 0
        if len(lengths) + run > alphabet_size:
            raise CorruptStream("code lengths overflow the alphabet")
        lengths.extend([value] * run)
    if sum(1 for length in lengths if length) < 2:
        raise CorruptStream("a Huffman block needs at least two symbols")
    if kraft_numerator(lengths) != 1 << MAX_CODE_LENGTH:
        raise CorruptStream("block code is not complete")
    return lengths


# ----------------------------------------------------------------------------------------------
# native coder
# ----------------------------------------------------------------------------------------------

def effective_limit(n_used, max_length):
    """The block's length limit: the requested one, raised to ceil(log2(n_used)) when needed."""
    needed = max(1, (n_used - 1).bit_length())
    return min(MAX_CODE_LENGTH, max(max_length, needed))


def segments(n):
    """Lengths of the STREAMS segments of a block of n symbols: ceil(n / 4) each, the last takes the rest."""
    q = (n + STREAMS - 1) // STREAMS
    return [max(0, min(q, n - i * q)) for i in range(STREAMS)]


def encode_stream(symbols, codes, lengths):
    writer = BitWriter()
    for s in symbols:
        writer.write(codes[s], lengths[s])
    return writer.getvalue()


def encode(symbols, alphabet_size, block_size=None, max_length=DEFAULT_MAX_LENGTH):
    """Native Huffman coder: ``(param, model, payload)``. See docs/huffman.md for the layout."""
    symbols = list(symbols)
    blocks = split_blocks(symbols, alphabet_size, block_size)
    model = BitWriter()
    model.write(MODEL_VERSION, 8)
    model.write(STREAMS, 8)
    model.write_varint(len(blocks))
    payload = bytearray()
    start = 0
    for block_n in blocks:
        block = symbols[start:start + block_n]
        start += block_n
        counts = [0] * alphabet_size
        for s in block:
            counts[s] += 1
        used = [s for s in range(alphabet_size) if counts[s]]
        model.write_varint(block_n)
        if len(used) == 1:
            model.write(1, 1)
            model.write_varint(used[0])
            continue
        model.write(0, 1)
        lengths = huffman_code_lengths(counts, effective_limit(len(used), max_length))
        write_native_lengths(model, lengths)
        codes = [reverse_bits(c, l) for c, l in zip(canonical_codes(lengths), lengths)]
        offset = 0
        for seg in segments(block_n):
            stream = encode_stream(block[offset:offset + seg], codes, lengths)
            offset += seg
            model.write_varint(len(stream))
            payload += stream
    return 0, model.getvalue(), bytes(payload)


def decode(param, model, payload, n, alphabet_size):
    """Inverse of :func:`encode`; returns a list of n symbols or raises CorruptStream."""
    if param != 0:
        raise CorruptStream("unknown Huffman parameter")
    if alphabet_size > MAX_ALPHABET:
        raise CorruptStream("alphabet too large")
    reader = BitReader(model)
    if reader.read(8) != MODEL_VERSION or reader.read(8) != STREAMS:
        raise CorruptStream("unknown Huffman model version")
    n_blocks = reader.read_varint()
    if n_blocks > n:
        raise CorruptStream("more blocks than symbols")
    out = []
    pos = 0
    for _ in range(n_blocks):
        block_n = reader.read_varint()
        if block_n == 0 or len(out) + block_n > n:
            raise CorruptStream("block sizes do not add up to the length")
        if reader.read(1):
            symbol = reader.read_varint()
            if symbol >= alphabet_size:
                raise CorruptStream("symbol outside the alphabet")
            out.extend([symbol] * block_n)
            continue
        lengths = read_native_lengths(reader, alphabet_size)
        decoder = CanonicalDecoder(lengths)
        for seg in segments(block_n):
            size = reader.read_varint()
            if pos + size > len(payload):
                raise CorruptStream("payload truncated")
            stream = BitReader(payload[pos:pos + size])
            pos += size
            for _ in range(seg):
                out.append(decoder.decode(stream))
            stream.finish()
    reader.finish()
    if len(out) != n:
        raise CorruptStream("block sizes do not add up to the length")
    if pos != len(payload):
        raise CorruptStream("trailing bytes in the payload")
    return out


MULTI_BITS = 12               # width of the decoder's multi-symbol table (bytes, words of at most 12 bits)
MULTI_MIN = 32768             # ... used for blocks of at least this many symbols
MULTI_MAX_MEAN = 5.5          # ... whose code's mean word, weighted 2**-l, is at most this many bits


def multi_symbol_decode(lengths, n):
    """Whether the decoder decodes a byte block of ``n`` symbols with these code lengths (a complete code)
    through :func:`multi_table` (twin of ``_multi_pays``): words of at most MULTI_BITS bits, ``n >=
    MULTI_MIN``, and ``sum(l * 2**-l) <= MULTI_MAX_MEAN`` (the mean word as the code implies it), else one
    word per look-up. A decoder-side choice: every stream decodes the same either way."""
    used = [l for l in lengths if l]
    if not used or max(used) > MULTI_BITS or n < MULTI_MIN:
        return False
    return sum(l << (MULTI_BITS - l) for l in used) <= MULTI_MAX_MEAN * (1 << MULTI_BITS)


def multi_table(lengths):
    """The decoder's multi-symbol look-up table for byte symbols (twin of ``_build_multi``).

    For a code whose words are at most MULTI_BITS long: entry ``i`` describes the whole code words that
    the next MULTI_BITS stream bits ``i`` (LSB-first: the earliest bit is bit 0) begin with, up to three:
    ``s1 | s2 << 8 | s3 << 16 | (their total length) << 24 | (their count) << 28``. The decoder stores the
    entry's low 4 bytes and advances by the count: 1 to 3 symbols per look-up instead of 1.
    """
    codes = canonical_codes(lengths)
    words = {}  # (bit-reversed code, length) -> symbol: the LSB-first bit pattern of each word
    for symbol, length in enumerate(lengths):
        if length:
            words[(reverse_bits(codes[symbol], length), length)] = symbol

    def first_word(bits, available):
        for length in range(1, available + 1):
            symbol = words.get((bits & ((1 << length) - 1), length))
            if symbol is not None:
                return symbol, length
        return None

    table = []
    for index in range(1 << MULTI_BITS):
        value = used = count = 0
        while count < 3:
            word = first_word(index >> used, MULTI_BITS - used)
            if word is None:
                break
            value |= word[0] << (8 * count)
            used += word[1]
            count += 1
        table.append(value | (used << 24) | (count << 28))
    return table


# ----------------------------------------------------------------------------------------------
# Huffman-only DEFLATE (RFC 1951)
# ----------------------------------------------------------------------------------------------

def stored_bits(bit_position, n):
    """Bits that stored blocks (BTYPE 00, at most 65535 bytes each) holding n bytes take from here."""
    position = bit_position
    while True:
        piece = min(n, 65535)
        position = (position + 3 + 7) & ~7   # block header, then up to the next byte boundary
        position += 32 + 8 * piece           # LEN, NLEN, the bytes
        n -= piece
        if not n:
            return position - bit_position


def write_stored(writer, block, final):
    """The bytes of ``block`` as stored blocks; the last one carries BFINAL when ``final``."""
    offset = 0
    while True:
        piece = min(len(block) - offset, 65535)
        last = offset + piece == len(block)
        writer.write(1 if final and last else 0, 1)
        writer.write(0, 2)
        writer.align()
        writer.write(piece, 16)
        writer.write(piece ^ 0xFFFF, 16)
        for b in block[offset:offset + piece]:
            writer.write(b, 8)
        offset += piece
        if last:
            return


FIXED_LENGTHS = [8] * 144 + [9] * 112 + [7] * 24 + [8] * 8   # RFC 1951, 3.2.6
DISTANCE_TAILS = ([0], [1], [1, 1])


def write_deflate_lengths(writer, lengths):
    """HCLEN, the code-length code's lengths in DEFLATE_CL_ORDER and the tokens (RFC 1951, 3.2.7)."""
    _write_lengths(writer, lengths, DEFLATE_RUNS, DEFLATE_CL_SYMBOLS, DEFLATE_CL_ORDER, 4)


ZLIB_BLOCK = 32767   # literals per block of zlib's Huffman-only streams (level 9, memLevel 9)


def deflate_block_bits(counts):
    """Bits of a block with byte counts ``counts`` (256 entries) as a dynamic (BTYPE 10) and as a fixed
    (BTYPE 01) block: ``(dynamic, fixed)``, headers and end-of-block included (the writer's choice of
    distance tail: the shortest code-length header)."""
    counts = list(counts) + [1]
    lengths = huffman_code_lengths(counts, 15)
    header = None
    for tail in DISTANCE_TAILS:
        trial = BitWriter()
        write_deflate_lengths(trial, lengths + tail)
        bits = 8 * len(trial.out) + trial.nbits
        header = bits if header is None else min(header, bits)
    dynamic = 3 + 10 + header + sum(c * l for c, l in zip(counts, lengths))
    fixed = 3 + sum(c * l for c, l in zip(counts, FIXED_LENGTHS))
    return dynamic, fixed


def _split_total(sizes, bits):
    """Exact bits of a split written block after block (stored blocks depend on the position)."""
    total = 0
    for n, (dynamic, fixed) in zip(sizes, bits):
        total += min(dynamic, fixed, stored_bits(total, n))
    return total


def plan_deflate_blocks(data, blocks):
    """The DEFLATE writer's final split of the adaptive ``blocks``: neighbours merged, left to right, while
    the exact bits of the merged block (the cheapest of dynamic, fixed and stored, stored counted from a
    byte boundary) are no more than those of the two apart; then zlib's own split (blocks of ZLIB_BLOCK
    literals) if that takes fewer bits in all (so the stream is never larger than this writer's rendering
    of zlib's block layout)."""
    def counts_of(block):
        counts = [0] * 256
        for b in block:
            counts[b] += 1
        return counts

    def cost(counts, n):
        dynamic, fixed = deflate_block_bits(counts)
        return min(dynamic, fixed, stored_bits(0, n))

    sizes, bits = [], []
    start = 0
    cur_counts = cur_n = None
    for block_n in blocks:
        counts = counts_of(data[start:start + block_n])
        start += block_n
        if cur_counts is None:
            cur_counts, cur_n = counts, block_n
            continue
        merged = [a + b for a, b in zip(cur_counts, counts)]
        if cost(merged, cur_n + block_n) <= cost(cur_counts, cur_n) + cost(counts, block_n):
            cur_counts, cur_n = merged, cur_n + block_n
        else:
            sizes.append(cur_n)
            bits.append(deflate_block_bits(cur_counts))
            cur_counts, cur_n = counts, block_n
    if cur_counts is not None:
        sizes.append(cur_n)
        bits.append(deflate_block_bits(cur_counts))
    zlib_sizes = [min(ZLIB_BLOCK, len(data) - i) for i in range(0, len(data), ZLIB_BLOCK)]
    zlib_bits = [deflate_block_bits(counts_of(data[i:i + ZLIB_BLOCK])) for i in range(0, len(data), ZLIB_BLOCK)]
    if _split_total(zlib_sizes, zlib_bits) < _split_total(sizes, bits):
        return zlib_sizes
    return sizes


def deflate_raw(data, block_size=None):
    """A raw DEFLATE stream of dynamic-Huffman blocks holding literals only (no matches).

    Literal/length code: the 256 byte values and end-of-block (256), lengths limited to 15;
    one distance code of zero bits (RFC 1951, 3.2.7: no distance codes are used). A block that takes
    fewer bits with the fixed code (BTYPE 01: tiny blocks) or stored (BTYPE 00: incompressible data) is
    written so instead (the smallest wins; on a tie dynamic before fixed before stored).
    """
    data = bytes(data)
    if not data:
        return b"\x03\x00"  # one final fixed-Huffman block holding only end-of-block
    writer = BitWriter()
    fixed_codes = [reverse_bits(c, l) for c, l in zip(canonical_codes(FIXED_LENGTHS), FIXED_LENGTHS)]
    blocks = split_blocks(data, 256, block_size, DEFLATE_HEADER_BITS)
    if block_size is None:
        blocks = plan_deflate_blocks(data, blocks)
    start = 0
    for index, block_n in enumerate(blocks):
        block = data[start:start + block_n]
        start += block_n
        final = index == len(blocks) - 1
        counts = [0] * 257
        for b in block:
            counts[b] += 1
        counts[256] = 1
        lengths = huffman_code_lengths(counts, 15)
        saved = (len(writer.out), writer.acc, writer.nbits)
        begin = 8 * saved[0] + saved[2]
        # no distance codes are used: one of zero bits, one of one bit, or two of one bit are all valid;
        # take the one whose code lengths code the shortest (the first on a tie)
        best_tail, best_bits = None, None
        for tail in DISTANCE_TAILS:
            trial = BitWriter()
            write_deflate_lengths(trial, lengths + tail)
            bits = 8 * len(trial.out) + trial.nbits
            if best_bits is None or bits < best_bits:
                best_tail, best_bits = tail, bits
        writer.write(1 if final else 0, 1)                       # BFINAL
        writer.write(2, 2)                                       # BTYPE = dynamic
        writer.write(257 - 257, 5)                               # HLIT
        writer.write(len(best_tail) - 1, 5)                      # HDIST
        write_deflate_lengths(writer, lengths + best_tail)
        dynamic = 8 * len(writer.out) + writer.nbits - begin + sum(c * l for c, l in zip(counts, lengths))
        fixed = 3 + sum(c * l for c, l in zip(counts, FIXED_LENGTHS))
        stored = stored_bits(begin, block_n)
        if min(fixed, stored) < dynamic:
            del writer.out[saved[0]:]
            writer.acc, writer.nbits = saved[1], saved[2]
            if fixed <= stored:
                writer.write(1 if final else 0, 1)
                writer.write(1, 2)                               # BTYPE = fixed Huffman
                for b in block:
                    writer.write(fixed_codes[b], FIXED_LENGTHS[b])
                writer.write(fixed_codes[256], FIXED_LENGTHS[256])
            else:
                write_stored(writer, block, final)
            continue
        codes = [reverse_bits(c, l) for c, l in zip(canonical_codes(lengths), lengths)]
        for b in block:
            writer.write(codes[b], lengths[b])
        writer.write(codes[256], lengths[256])
    return writer.getvalue()

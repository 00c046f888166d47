"""Pure-Python twin of the per-record statistics kernel (:mod:`codelength.stats._records`).

Plain builtins (and the Huffman twin's code-length rules): for each record, its length, its order-0
entropy summed as ``codelength.entropy`` sums it, the exact size of the v2 stream that ``codelength.compress(record,
"huffman")`` writes, computed from the counts of each Huffman block's four segments (without writing the
bits), and zlib's output size.
"""
from __future__ import annotations

import math
import zlib

from .huffman import (CL_MAX_LENGTH, NATIVE_CL_ORDER, NATIVE_CL_SYMBOLS, NATIVE_RUNS,
                      effective_limit, huffman_code_lengths, length_tokens, segments, split_blocks)

STREAM_BLOCK = 1 << 20   # the v2 stream's default block size (codelength.io.stream.DEFAULT_BLOCK_SIZE)


def varint_bytes(value):
    """Bytes of the model's varint of ``value`` (7 value bits per byte)."""
    groups = 1
    while value >= 0x80:
        value >>= 7
        groups += 1
    return groups


def neumaier_sum(terms):
    """Compensated sum, in the kernel's order of operations (so the twin's float is the kernel's float)."""
    total = 0.0
    compensation = 0.0
    for term in terms:
        t = total + term
        if total >= term:
            compensation += (total - t) + term
        else:
            compensation += (term - t) + total
        total = t
    return total + compensation


def entropy_nats(counts):
    """sum over c > 0 of (c/N) log1p((N - c)/c)."""
    total = sum(counts)
    if total <= 0:
        return 0.0
    return neumaier_sum((c / total) * math.log1p((total - c) / c) for c in counts if c > 0)


def length_header_bits(lengths):
    """Bits of the native code-length header of ``lengths`` (what ``write_native_lengths`` writes)."""
    tokens = length_tokens(lengths, NATIVE_RUNS)
    cl_counts = [0] * NATIVE_CL_SYMBOLS
    for symbol, _, _ in tokens:
        cl_counts[symbol] += 1
    padded = list(cl_counts)
    while sum(1 for c in padded if c) < 2:
        padded[padded.index(0)] = 1
    cl_lengths = huffman_code_lengths(padded, CL_MAX_LENGTH)
    k = NATIVE_CL_SYMBOLS
    while k > 4 and cl_lengths[NATIVE_CL_ORDER[k - 1]] == 0:
        k -= 1
    return 5 + 3 * k + sum(cl_lengths[symbol] + extra for symbol, _, extra in tokens)


def huffman_model_size(block, max_length=12):
    """(model bytes, payload bytes) of the native Huffman coder on one stream block of bytes (at least two
    distinct values), its adaptive split included: sizes computed from the counts of each Huffman block's
    four segments, without writing the bits."""
    blocks = split_blocks(block, 256)
    model_bits = 16 + 8 * varint_bytes(len(blocks))
    payload = 0
    start = 0
    for block_n in blocks:
        part = block[start:start + block_n]
        start += block_n
        hists = []
        offset = 0
        for seg in segments(block_n):
            hist = [0] * 256
            for b in part[offset:offset + seg]:
                hist[b] += 1
            offset += seg
            hists.append(hist)
        counts = [sum(h[s] for h in hists) for s in range(256)]
        used = [s for s in range(256) if counts[s]]
        model_bits += 8 * varint_bytes(block_n) + 1
        if len(used) == 1:
            model_bits += 8 * varint_bytes(used[0])
            continue
        lengths = huffman_code_lengths(counts, effective_limit(len(used), max_length))
        model_bits += length_header_bits(lengths)
        for hist in hists:
            stream_bytes = (sum(c * l for c, l in zip(hist, lengths)) + 7) // 8
            payload += stream_bytes
            model_bits += 8 * varint_bytes(stream_bytes)
    return (model_bits + 7) // 8, payload


def huffman_size(record, max_length=12, block_size=STREAM_BLOCK):
    """Bytes of the v2 stream ``compress(record, "huffman", block_size=block_size, max_length=max_length)``.

    docs/format.md: a record of at most one block is a single-block frame (tag byte, n as a varint, the
    block record); a longer one a multi-block frame (tag byte, the cap as a varint, per block its u
    varint and record, the end byte). A block record is a run (one value: shape, symbol), stored (when
    model + payload is not smaller than the block: shape, the bytes) or coded (shape = 2 + m, p, model,
    payload), each with its header CRC-32 and data CRC-32; the empty record is the 6-byte empty frame.
    """
    n = len(record)
    if n == 0:
        return 6

    def block_record(block):
        block_n = len(block)
        if len(set(block)) == 1:
            return 1 + varint_bytes(block[0]) + 8
        m, p = huffman_model_size(block, max_length)
        if m + p >= block_n:
            return 1 + 4 + block_n + 4
        return varint_bytes(2 + m) + varint_bytes(p) + 4 + m + p + 4

    if n <= block_size:
        return 1 + varint_bytes(n) + block_record(record)
    size = 1 + varint_bytes(block_size) + 1
    for start in range(0, n, block_size):
        block = record[start:start + block_size]
        size += varint_bytes(block_size - len(block) + 1) + block_record(block)
    return size


def record_stats(records, huffman=True, zlib_level=6, max_length=12):
    """Columns ``length, h0, ideal_bits, huffman_bytes, zlib_bytes`` (lists) of byte-string records;
    ``huffman_bytes`` / ``zlib_bytes`` are None when not asked for."""
    records = [bytes(r) for r in records]
    scale = math.log(2.0)
    out = {"length": [], "h0": [], "ideal_bits": [], "huffman_bytes": [] if huffman else None,
           "zlib_bytes": [] if zlib_level is not None else None}
    for r in records:
        counts = [0] * 256
        for b in r:
            counts[b] += 1
        h0 = entropy_nats(counts) / scale
        out["length"].append(len(r))
        out["h0"].append(h0)
        out["ideal_bits"].append(h0 * len(r))
        if huffman:
            out["huffman_bytes"].append(huffman_size(r, max_length))
        if zlib_level is not None:
            out["zlib_bytes"].append(len(zlib.compress(r, zlib_level)))
    return out

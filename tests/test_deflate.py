"""Huffman-only DEFLATE streams: read back by zlib, gzip and gunzip; kernel against the twin; size vs zlib."""
import gzip
import shutil
import subprocess
import zlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import codelength
from codelength.io import deflate
from codelength.reference import huffman as twin

byte_data = st.one_of(
    st.binary(max_size=5000),
    st.lists(st.sampled_from(b"\x00\x00\x00\x01zq"), max_size=5000).map(bytes),
)


@given(byte_data, st.sampled_from([None, 1, 100, 4096]))
def test_zlib_and_gzip_read_it(data, block_size):
    raw = deflate.compress(data, "deflate", block_size=block_size)
    assert zlib.decompress(raw, -15) == data
    assert zlib.decompress(deflate.compress(data, "zlib", block_size=block_size)) == data
    gz = codelength.compress(data, format="gzip", block_size=block_size)
    assert gzip.decompress(gz) == data
    assert codelength.decompress(gz) == data


@settings(max_examples=25)
@given(byte_data, st.sampled_from([None, 3, 1000]))
def test_kernel_is_bit_identical_to_twin(data, block_size):
    assert deflate.raw_deflate(data, block_size) == twin.deflate_raw(data, block_size)


def _skewed(n):
    fib = [1, 1]
    while len(fib) < 40:
        fib.append(fib[-1] + fib[-2])
    weights = np.array(fib, dtype=float)
    rng = np.random.default_rng(0)
    return rng.choice(40, n, p=weights / weights.sum()).astype(np.uint8).tobytes()


def test_edge_cases():
    for data in (b"", b"\x00", b"a" * 70000, bytes(range(256)) * 3, _skewed(300000)):
        for fmt in ("deflate", "zlib", "gzip"):
            blob = codelength.compress(data, format=fmt)
            out = zlib.decompress(blob, {"deflate": -15, "zlib": 15, "gzip": 31}[fmt])
            assert out == data
    assert deflate.compress(b"") == gzip.compress(b"", mtime=0)[:4] + b"\x00" * 4 + b"\x00\xff\x03\x00" + b"\x00" * 8
    with pytest.raises(ValueError):
        codelength.compress(b"abc", format="lzma")
    with pytest.raises(ValueError):
        codelength.compress(b"abc", coder="rans", format="gzip")
    with pytest.raises(TypeError):
        deflate.compress(np.arange(3, dtype=np.int32))
    assert zlib.decompress(deflate.compress(np.frombuffer(b"hello", np.uint8), "zlib")) == b"hello"


def test_gzip_header_fields():
    blob = deflate.compress(b"hello", "gzip", mtime=1234)
    assert blob[:4] == b"\x1f\x8b\x08\x00" and int.from_bytes(blob[4:8], "little") == 1234
    assert int.from_bytes(blob[-4:], "little") == 5
    assert int.from_bytes(blob[-8:-4], "little") == zlib.crc32(b"hello")


@pytest.mark.skipif(shutil.which("gunzip") is None, reason="no gunzip program")
def test_gunzip_program_reads_it(sample_bytes):
    blob = codelength.compress(sample_bytes, format="gzip")
    result = subprocess.run(["gunzip", "-c"], input=blob, capture_output=True, check=True)
    assert result.stdout == sample_bytes
    result = subprocess.run(["gunzip", "-t"], input=blob, capture_output=True)
    assert result.returncode == 0


def _zlib_huffman_only(data):
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15, 9, zlib.Z_HUFFMAN_ONLY)
    return compressor.compress(data) + compressor.flush()


def test_corpus_size_against_zlib_huffman_only(corpus_file):
    data = corpus_file.read_bytes()
    ours = deflate.compress(data, "deflate")
    assert zlib.decompress(ours, -15) == data
    # block-adaptive and optimally length-limited: no larger than zlib's Huffman-only stream
    assert len(ours) <= len(_zlib_huffman_only(data))


def test_incompressible_data_is_stored():
    rng = np.random.default_rng(5)
    for size in (1, 100, 70000, 300000):
        data = rng.integers(0, 256, size, dtype=np.uint8).tobytes()
        raw = deflate.raw_deflate(data)
        assert zlib.decompress(raw, -15) == data
        assert len(raw) <= len(_zlib_huffman_only(data))
        assert len(raw) <= size + 5 * (size // 65535 + 1)
    mixed = rng.integers(0, 256, 150000, dtype=np.uint8).tobytes() + b"abc" * 50000
    assert deflate.raw_deflate(mixed) == twin.deflate_raw(mixed)
    assert gzip.decompress(deflate.compress(mixed)) == mixed


def test_small_inputs_no_larger_than_zlib():
    """Per block the smallest of dynamic, fixed (tiny blocks) and stored (incompressible) is written,
    with the cheapest valid way to say 'no distance codes'."""
    rng = np.random.default_rng(11)
    for _ in range(300):
        n = int(rng.choice([1, 2, 3, 10, 100, 1000, 3000]))
        k = int(rng.choice([2, 5, 30, 256]))
        data = (rng.integers(0, k, n) * (256 // k)).astype(np.uint8).tobytes()
        raw = deflate.raw_deflate(data)
        assert zlib.decompress(raw, -15) == data
        assert len(raw) <= len(_zlib_huffman_only(data))


def test_bool_block_size_is_refused():
    with pytest.raises(TypeError):
        deflate.compress(b"abc", block_size=True)


@pytest.mark.parametrize("mtime, error", [(-1, ValueError), (2**32, ValueError), (2.5, TypeError),
                                          (True, TypeError), ("1", TypeError)])
def test_bad_mtime_is_refused(mtime, error):
    with pytest.raises(error):
        deflate.compress(b"abc", mtime=mtime)


def test_mtime_is_stored():
    assert gzip.decompress(deflate.compress(b"abc", mtime=2**32 - 1)) == b"abc"
    assert deflate.compress(b"abc", mtime=2**32 - 1)[4:8] == b"\xff\xff\xff\xff"


def _fax_like(rows, width=216, seed=0):
    """A bilevel image (one bit a pixel): white pages (long runs of 0x00) with bands of sparse glyph bits."""
    rng = np.random.default_rng(seed)
    img = np.zeros((rows, width), np.uint8)
    r = int(rng.integers(5, 40))
    while r < rows - 30:
        h = int(rng.integers(12, 24))
        for c in rng.integers(10, width - 10, size=int(rng.integers(5, 60))):
            w = int(rng.integers(1, 6))
            img[r:r + h, c:c + w] |= (rng.integers(0, 256, (h, w), dtype=np.uint8)
                                      & rng.integers(0, 256, (h, w), dtype=np.uint8))
        r += h + int(rng.integers(10, 80))
    return img.tobytes()


def _zlib_default_huffman_only(data):
    compressor = zlib.compressobj(strategy=zlib.Z_HUFFMAN_ONLY, wbits=-15)
    return compressor.compress(data) + compressor.flush()


@pytest.mark.parametrize("data", [
    _fax_like(2376, seed=0),                       # 513 KB, the size of a CCITT fax page
    _fax_like(2376, seed=3),
    _fax_like(300, seed=1),                        # 64 KB
    bytes(200000) + b"\x01" + bytes(100000),
    np.where(np.random.default_rng(2).random(300000) < 0.01, 0xFF, 0).astype(np.uint8).tobytes(),
], ids=["fax0", "fax3", "fax-64k", "zeros", "sparse"])
def test_run_heavy_data_no_larger_than_zlib(data):
    ours = deflate.raw_deflate(data)
    assert zlib.decompress(ours, -15) == data
    assert len(ours) <= len(_zlib_huffman_only(data))
    assert len(ours) <= len(_zlib_default_huffman_only(data))


def test_block_plan_matches_twin():
    """The exact-cost plan (merges, zlib's layout) of the kernel is the twin's, on data where it acts."""
    from codelength.coders import _blocks
    from codelength.io import _deflate
    rng = np.random.default_rng(8)
    parts = [_fax_like(60, seed=4), rng.integers(0, 256, 9000, dtype=np.uint8).tobytes(),
             bytes(rng.choice(list(b"etaoin "), 20000)), bytes(30000), _fax_like(40, seed=5)]
    for data in (b"".join(parts), _fax_like(200, seed=6)):
        array = np.frombuffer(data, np.uint8)
        blocks, counts = _blocks.split_blocks(array, 256, float(twin.DEFLATE_HEADER_BITS), True)
        planned, planned_counts = _deflate.plan_deflate_blocks(array, blocks, counts)
        assert planned.tolist() == twin.plan_deflate_blocks(data, blocks.tolist())
        assert planned.sum() == len(data) and len(planned) <= len(blocks) + len(data) // 32767 + 1
        assert np.array_equal(planned_counts.sum(axis=0), np.bincount(array, minlength=256))
        for b, (dynamic, fixed) in enumerate(_deflate_bits(planned_counts)):
            assert (dynamic, fixed) == twin.deflate_block_bits(planned_counts[b].tolist())
    small = _fax_like(30, seed=7)
    assert deflate.raw_deflate(small) == twin.deflate_raw(small)


def _deflate_bits(counts):
    from codelength.io import _deflate
    return [_deflate.block_bits(row) for row in counts]

"""The one compress/decompress entry: every coder, every symbol kind, clear errors."""
import gzip
import zlib

import numpy as np
import pytest
from hypothesis import given, strategies as st

import codelength
from codelength import CorruptDataError
from codelength.io import container
from codelength.io.oneshot import CODERS

DTYPES = [np.uint8, np.uint16, np.uint32, np.uint64, np.int8, np.int16, np.int32, np.int64, ">u2", ">i4"]


@pytest.mark.parametrize("coder", CODERS)
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_arrays_come_back_with_their_dtype(coder, dtype):
    top = min(np.iinfo(np.dtype(dtype)).max, 700)
    array = np.random.default_rng(3).integers(0, top + 1, 500).astype(dtype)
    out = codelength.decompress(codelength.compress(array, coder=coder))
    assert out.dtype == np.dtype(dtype).newbyteorder("=")
    assert np.array_equal(out, array)


@pytest.mark.parametrize("coder", CODERS)
@given(data=st.binary(max_size=3000))
def test_bytes_round_trip(coder, data):
    blob = codelength.compress(data, coder=coder)
    assert (blob[0] >> 2) & 7 == codelength.io.oneshot._CODERS[coder].coder_id   # the v2 tag byte's coder bits
    out = codelength.decompress(blob)
    assert isinstance(out, bytes) and out == data


@pytest.mark.parametrize("coder", CODERS)
def test_bytes_like_inputs(coder):
    data = b"the quick brown fox " * 50
    for form in (bytearray(data), memoryview(data), memoryview(data)[::1]):
        assert codelength.decompress(codelength.compress(form, coder=coder)) == data
    # a 2-D array is flattened; it comes back 1-D
    grid = np.arange(12, dtype=np.uint16).reshape(3, 4)
    assert codelength.decompress(codelength.compress(grid, coder=coder)).tolist() == list(range(12))


def test_every_coder_shrinks_english_text(sample_bytes):
    for coder in CODERS:
        assert len(codelength.compress(sample_bytes, coder=coder)) < 0.65 * len(sample_bytes), coder


@pytest.mark.parametrize("bad, error, words", [
    ("text", TypeError, "encode"),
    (np.array([1.0]), TypeError, "integers"),
    (np.array([-1, 2]), ValueError, "negative"),
])
def test_bad_data_is_refused(bad, error, words):
    with pytest.raises(error, match=words):
        codelength.compress(bad)


def test_symbols_beyond_the_container_alphabet_are_refused():
    with pytest.raises(ValueError, match="too large"):
        codelength.compress(np.array([2**32 - 1], dtype=np.uint32), coder="range")
    with pytest.raises(ValueError, match="too large"):
        codelength.compress(np.array([2**40], dtype=np.uint64), coder="range")
    big = np.array([0, 2**32 - 2], dtype=np.uint32)
    assert np.array_equal(codelength.decompress(codelength.compress(big, coder="range")), big)


@pytest.mark.parametrize("coder, option", [("huffman", {"order": 3}), ("range", {"streamz": 2}),
                                           ("adaptive", {"max_length": 12}), ("rans", {"max_length": 10})])
def test_an_option_the_coder_does_not_take_is_named(coder, option):
    with pytest.raises(TypeError, match=f"coder '{coder}' takes no option '{next(iter(option))}'; its options"):
        codelength.compress(b"abc", coder=coder, **option)


def test_an_option_deflate_does_not_take_is_named():
    with pytest.raises(TypeError, match="format='gzip' takes no option 'max_length'"):
        codelength.compress(b"abc", format="gzip", max_length=12)
    assert codelength.decompress(codelength.compress(b"abc", format="gzip", mtime=5)) == b"abc"


def test_bad_options_are_refused():
    with pytest.raises(ValueError, match="unknown coder"):
        codelength.compress(b"x", coder="lzw")
    with pytest.raises(ValueError, match="unknown format"):
        codelength.compress(b"x", format="zip")
    with pytest.raises(ValueError, match="coder='huffman'"):
        codelength.compress(b"x", coder="range", format="gzip")


def test_decompress_reads_gzip_streams_and_refuses_others():
    data = b"hello hello hello"
    assert codelength.decompress(codelength.compress(data, format="gzip")) == data
    assert codelength.decompress(gzip.compress(data)) == data
    with pytest.raises(CorruptDataError, match="gzip"):
        codelength.decompress(gzip.compress(data)[:-3])
    with pytest.raises(CorruptDataError, match="magic"):
        codelength.decompress(zlib.compress(data))
    with pytest.raises(CorruptDataError):
        codelength.decompress(b"")


def test_unknown_coder_id_and_kind_mismatch_are_corrupt():
    blob = codelength.io.oneshot._compress_v1(b"abc")      # the v1 reader (v2: tests/test_stream.py)
    frame = container.unpack(blob)
    with pytest.raises(CorruptDataError, match="unknown coder id"):
        codelength.decompress(container.pack(container.Frame(99, *list(vars(frame).values())[1:])))
    bad_alphabet = container.Frame(frame.coder_id, frame.param, frame.kind, frame.n, 300, frame.crc,
                                   frame.model, frame.payload)
    with pytest.raises(CorruptDataError, match="alphabet"):
        codelength.decompress(container.pack(bad_alphabet))


def test_decompress_takes_any_buffer_layout():
    blob = codelength.compress(b"hello hello hello")
    doubled = np.repeat(np.frombuffer(blob, dtype=np.uint8), 2)[::2]  # a strided view of the stream
    assert not doubled.flags.c_contiguous
    assert codelength.decompress(doubled) == b"hello hello hello"
    assert codelength.decompress(np.frombuffer(blob, dtype=np.uint8).reshape(1, -1)) == b"hello hello hello"

"""record_stats: the one-call per-record statistics kernel, against its twin, the real coders and zlib."""
import zlib

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import codelength
from codelength.reference import records as twin
from codelength.stats.records import RecordStats, record_stats, record_stats_from_offsets
from conftest import corpus_path

skewed = st.lists(st.sampled_from([0, 1, 2, 3, 7, 32, 101, 255]), max_size=600).map(bytes)
record = st.one_of(st.binary(max_size=400), skewed, st.binary(max_size=4).map(lambda b: b * 300))


def assert_equal_to_twin(stats: RecordStats, records, **options):
    expected = twin.record_stats(records, **options)
    for name, values in stats.columns().items():
        assert values.tolist() == expected[name], name  # floats too: bit for bit
    for name, values in expected.items():
        if values is None:
            assert getattr(stats, name) is None


@given(st.lists(record, max_size=12))
def test_kernel_equals_twin(records):
    assert_equal_to_twin(record_stats(records), records)


@given(st.lists(record, max_size=6), st.integers(1, 24), st.sampled_from([None, 0, 1, 6, 9]))
def test_kernel_equals_twin_options(records, max_length, level):
    assert_equal_to_twin(record_stats(records, max_length=max_length, zlib_level=level), records,
                         max_length=max_length, zlib_level=level)


def test_twin_huffman_size_is_the_coders_size(sample_bytes):
    # the twin's v2 size formula against the stream compress() really writes: run, stored and coded
    # blocks, several Huffman blocks (the adaptive split of a record over 4 KiB), several stream blocks
    rng = np.random.default_rng(3)
    shifted = sample_bytes[:6000] + bytes(rng.integers(0, 256, 7000, dtype=np.uint8))
    for data in (b"", b"x", b"x" * 300, b"ab" * 10, bytes(rng.integers(0, 256, 777, dtype=np.uint8)),
                 bytes(rng.geometric(0.2, 999).clip(0, 255).astype(np.uint8)), sample_bytes[:5000], shifted):
        assert twin.huffman_size(data) == len(codelength.compress(data, "huffman")), len(data)
        assert twin.huffman_size(data, 5) == len(codelength.compress(data, "huffman", max_length=5))
    for block_size in (100, 4096):
        assert twin.huffman_size(shifted, block_size=block_size) == \
            len(codelength.compress(shifted, "huffman", block_size=block_size))


def _mixed_records(rng, text: bytes):
    out = [b"", b"a", b"\x00", b"aaaa" * 100, bytes(range(256)), bytes(range(256)) * 3, b"ab", b"z" * 5000]
    out += [text[i:i + int(rng.integers(0, 4000))] for i in range(0, min(len(text), 60000), 3000)]
    out += [bytes(rng.integers(0, 256, int(rng.integers(1, 3000)), dtype=np.uint8)) for _ in range(5)]
    out += [bytes(rng.geometric(p, 2000).clip(0, 255).astype(np.uint8)) for p in (0.01, 0.3, 0.9)]
    out += [text[:4096], text[:4097], text[:65537], text[:(1 << 20) + 17]]  # split blocks, two stream blocks
    return out


@pytest.mark.parametrize("level", [6, 9])
def test_equals_real_compress_entropy_and_zlib(sample_bytes, level):
    text = sample_bytes * (-(-(1 << 21) // len(sample_bytes)))
    records = _mixed_records(np.random.default_rng(7), text)
    stats = record_stats(records, zlib_level=level)
    for i, r in enumerate(records):
        assert stats.length[i] == len(r)
        assert stats.h0[i] == codelength.entropy(codelength.counts(r))  # exactly the single-machine value
        assert stats.ideal_bits[i] == stats.h0[i] * len(r)
        assert stats.huffman_bytes[i] == len(codelength.compress(r, "huffman")), len(r)  # the v2 stream
        assert stats.zlib_bytes[i] == len(zlib.compress(r, level))


@settings(max_examples=60, deadline=None)
@given(st.lists(record, max_size=5), st.integers(1, 24), st.integers(0, 9))
def test_equals_compress_and_zlib_any_options(records, max_length, level):
    stats = record_stats(records, max_length=max_length, zlib_level=level)
    assert stats.huffman_bytes.tolist() == [len(codelength.compress(r, "huffman", max_length=max_length))
                                            for r in records]
    assert stats.zlib_bytes.tolist() == [len(zlib.compress(r, level)) for r in records]


# many used symbols (the kernel ranks more than 16 leaves by radix), counts past 255 (a second radix pass),
# ties between counts (equal counts keep symbol order), records up to the kernel's 4096-byte limit
many_symbols = st.tuples(st.integers(17, 60), st.integers(300, 4096), st.integers(0, 2**32 - 1)).map(
    lambda t: bytes(np.random.default_rng(t[2]).geometric(1.0 / t[0], t[1]).clip(0, 255).astype(np.uint8)))


@settings(max_examples=40, deadline=None)
@given(st.lists(st.one_of(many_symbols, record), min_size=1, max_size=4), st.integers(1, 24))
def test_kernel_ranking_of_many_leaves_equals_twin_and_coder(records, max_length):
    stats = record_stats(records, max_length=max_length, zlib_level=None)
    assert_equal_to_twin(stats, records, max_length=max_length, zlib_level=None)
    assert stats.huffman_bytes.tolist() == [len(codelength.compress(r, "huffman", max_length=max_length))
                                            for r in records]


def test_kernel_ranking_edge_cases():
    rng = np.random.default_rng(11)
    records = [bytes(range(256)) * 16,                      # 256 tied counts
               bytes(range(16)) * 64, bytes(range(17)) * 60,   # insertion / radix boundary, ties
               bytes(range(17)) * 15 + b"\x00",               # one count above many tied ones
               b"\x05" * 256 + bytes(range(40)) * 3,          # a count of exactly 256 (two radix passes)
               b"\x07" * 255 + bytes(range(40)) * 3,
               bytes(rng.integers(0, 256, 4096, dtype=np.uint8)),
               b"\x01" * 3000 + bytes(range(30)) * 30 + b"\x02" * 196]   # counts of 3000+ and 226: 4096 bytes
    stats = record_stats(records, zlib_level=None)
    assert_equal_to_twin(stats, records, zlib_level=None)
    assert stats.huffman_bytes.tolist() == [len(codelength.compress(r, "huffman")) for r in records]


def test_entropy_memo_across_record_lengths(sample_bytes):
    # the kernel keeps each count's entropy term per record length: records of different lengths that share
    # counts, interleaved, and records whose counts pass the memo (over 4096) must still give entropy()'s bits
    base = sample_bytes[:1024]
    records = []
    for i in range(40):
        n = (1024, 1000, 1024, 7, 5000, 1024, 4097)[i % 7]
        records.append((sample_bytes[i * 97:] * 8)[:n])
    records += [b"a" * 4096 + b"b" * 4096, b"a" * 4097 + b"b", base, base[:-1] + b"\xff", b"", base]
    for threads in (1, 2):
        stats = record_stats(records, threads=threads)
        assert [float(h) for h in stats.h0] == [codelength.entropy(codelength.counts(r)) for r in records]
        assert_equal_to_twin(stats, records)


def test_default_level_is_zlibs():
    records = [b"abc" * 50, b"the quick brown fox " * 9]
    assert record_stats(records).zlib_bytes.tolist() == [len(zlib.compress(r)) for r in records]


def test_python_zlib_fallback_gives_the_same_numbers(monkeypatch, sample_bytes):
    # what a build without zlib.h does (HAVE_ZLIB false: Python's zlib per record), against the kernel's zlib
    from codelength.stats import records as module
    column = [sample_bytes[i:i + 900] for i in range(0, 40000, 700)] + [b"", b"q"]
    expected = record_stats(column, zlib_level=7).to_dict()   # the kernel's own zlib when HAVE_ZLIB
    assert expected["zlib_bytes"] == [len(zlib.compress(r, 7)) for r in column]
    monkeypatch.setattr(module, "HAVE_ZLIB", False)
    assert record_stats(column, zlib_level=7).to_dict() == expected
    assert record_stats(column, zlib_level=7, threads=2).to_dict() == expected


def test_corpus_records_equal_real_coders():
    text = corpus_path("lcet10.txt").read_bytes()
    records = [text[i:i + 1024] for i in range(0, 200 * 1024, 1024)]
    stats = record_stats(records, max_length=11, zlib_level=6)
    for i, r in enumerate(records[::17]):
        j = i * 17
        assert stats.huffman_bytes[j] == len(codelength.compress(r, "huffman", max_length=11))
        assert stats.zlib_bytes[j] == len(zlib.compress(r, 6))


def test_input_kinds_agree(sample_bytes):
    pa = pytest.importorskip("pyarrow")
    pd = pytest.importorskip("pandas")
    texts = [sample_bytes[i:i + 37 * (i % 5)].decode("latin-1") for i in range(0, 3000, 97)] + ["", "é€"]
    raw = [t.encode("utf-8") for t in texts]
    expected = record_stats(raw).to_dict()
    kinds = {
        "str list": texts,
        "tuple": tuple(raw),
        "bytearray/memoryview": [bytearray(r) if i % 2 else memoryview(r) for i, r in enumerate(raw)],
        "numpy U": np.array(texts),
        "numpy object": np.array(raw, dtype=object),
        "arrow binary": pa.array(raw, type=pa.binary()),
        "arrow large_string": pa.array(texts, type=pa.large_string()),
        "arrow sliced": pa.concat_arrays([pa.array([b"zz"]), pa.array(raw)]).slice(1),
        "arrow chunked": pa.chunked_array([pa.array(raw[:5]), pa.array([], pa.binary()), pa.array(raw[5:])]),
        "arrow dictionary": pa.array(texts).dictionary_encode(),
        "pandas object": pd.Series(texts),
        "pandas arrow": pd.Series(texts, dtype="string[pyarrow]"),
    }
    for name, column in kinds.items():
        assert record_stats(column).to_dict() == expected, name


def test_numpy_fixed_width_bytes():
    # NumPy S elements drop trailing NULs; inner NULs stay
    column = np.array([b"ab\x00c", b"", b"xyz", b"\x00\x00q"], dtype="S6")
    assert record_stats(column).to_dict() == record_stats(list(column)).to_dict()
    assert record_stats(column).length.tolist() == [4, 0, 3, 3]
    assert len(record_stats(np.array([], dtype="S3"))) == 0


def test_offsets_entry_and_threads(sample_bytes):
    data = np.frombuffer(sample_bytes[:50000], np.uint8)
    offsets = np.array([0, 10, 10, 4000, 4001, 50000])
    by_offsets = record_stats_from_offsets(data, offsets)
    pieces = [sample_bytes[a:b] for a, b in zip(offsets[:-1], offsets[1:])]
    assert by_offsets.to_dict() == record_stats(pieces).to_dict()
    many = [sample_bytes[i:i + 300] for i in range(0, 30000, 100)]
    assert record_stats(many, threads=3).to_dict() == record_stats(many).to_dict()
    with pytest.raises(ValueError):
        record_stats_from_offsets(data, [0, 10, 5])
    with pytest.raises(ValueError):
        record_stats_from_offsets(data, [0, 50001])
    with pytest.raises(ValueError):
        record_stats_from_offsets(data, [-1, 3])
    with pytest.raises(TypeError):
        record_stats_from_offsets(data, [0.0, 3.0])


def test_options_and_outputs():
    stats = record_stats([b"abc", b"aab"], zlib_level=None, huffman=False)
    assert stats.zlib_bytes is None and stats.huffman_bytes is None
    assert set(stats.to_dict()) == {"length", "h0", "ideal_bits"}
    frame = record_stats([b"abc", b""]).to_pandas(index=[10, 11])
    assert list(frame.columns) == ["length", "h0", "ideal_bits", "huffman_bytes", "zlib_bytes"]
    assert frame.index.tolist() == [10, 11] and frame["length"].tolist() == [3, 0]
    joined = RecordStats.concat([record_stats([b"a"]), record_stats([b"bb", b""])])
    assert joined.to_dict() == record_stats([b"a", b"bb", b""]).to_dict()
    assert len(record_stats([])) == 0


@pytest.mark.parametrize("bad, error", [
    (b"one record", TypeError), ("one text", TypeError), (5, TypeError), ([b"a", None], ValueError),
    ([b"a", 3], TypeError), (np.zeros(3, np.int64), TypeError), ([np.zeros(2, np.int16)], TypeError),
])
def test_bad_input(bad, error):
    with pytest.raises(error):
        record_stats(bad)


def test_bad_options_and_arrow_nulls():
    for kwargs, error in (({"zlib_level": 10}, ValueError), ({"zlib_level": 1.5}, TypeError),
                          ({"max_length": 0}, ValueError), ({"max_length": 25}, ValueError),
                          ({"threads": 0}, ValueError), ({"zlib_level": True}, TypeError)):
        with pytest.raises(error):
            record_stats([b"a"], **kwargs)
    pa = pytest.importorskip("pyarrow")
    with pytest.raises(ValueError, match="null"):
        record_stats(pa.array([b"a", None]))
    with pytest.raises(TypeError):
        record_stats(pa.array([1, 2]))

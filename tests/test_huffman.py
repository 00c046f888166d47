"""The native Huffman coder: round trips, kernel against the pure-Python twin, edge cases, damaged streams."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import codelength
from codelength.coders import _blocks
from codelength.coders import huffman
from codelength.errors import CorruptDataError
from codelength.reference import huffman as twin

byte_data = st.one_of(
    st.binary(max_size=3000),
    st.lists(st.sampled_from(b"aab\x00\xff"), max_size=3000).map(bytes),
)


def _skewed_bytes(n, seed=0, alphabet=256):
    rng = np.random.default_rng(seed)
    return rng.zipf(1.3, n).clip(1, alphabet).astype(np.uint8 if alphabet <= 256 else np.uint16) - 1


def _regimes(n, seed=0):
    """Data whose statistics change every few thousand bytes (exercises the adaptive split)."""
    rng = np.random.default_rng(seed)
    parts = []
    while sum(map(len, parts)) < n:
        lo = rng.integers(0, 200)
        parts.append(rng.integers(lo, lo + rng.integers(2, 56), rng.integers(1000, 9000)).astype(np.uint8))
    return np.concatenate(parts)[:n]


@given(byte_data, st.sampled_from([None, 1, 7, 1000]), st.integers(1, 24))
def test_round_trip_bytes(data, block_size, max_length):
    blob = codelength.compress(data, coder="huffman", block_size=block_size, max_length=max_length)
    assert codelength.decompress(blob) == data


@given(st.lists(st.integers(0, 65535), max_size=2000), st.sampled_from([np.uint16, np.int32, np.int64]))
def test_round_trip_integer_symbols(values, dtype):
    array = np.array(values, dtype=dtype)
    out = codelength.decompress(codelength.compress(array, coder="huffman"))
    assert out.dtype == array.dtype and np.array_equal(out, array)


def test_alphabet_two_to_the_16_and_beyond():
    rng = np.random.default_rng(1)
    array = rng.permutation(np.arange(1 << 16, dtype=np.uint32))        # every one of 65536 symbols once
    out = codelength.decompress(codelength.compress(array))
    assert np.array_equal(out, array)
    wide = (rng.zipf(1.2, 50000) % 300000).astype(np.uint32)            # alphabet up to 300000: length > 16
    assert np.array_equal(codelength.decompress(codelength.compress(wide, max_length=12)), wide)
    with pytest.raises(ValueError):
        codelength.compress(np.array([1 << 21, 0]), coder="huffman")   # (one value alone is a run block)


@settings(max_examples=25)
@given(byte_data, st.sampled_from([None, 5, 300]), st.integers(1, 15))
def test_kernel_payload_is_bit_identical_to_twin(data, block_size, max_length):
    symbols = np.frombuffer(data, dtype=np.uint8)
    assert huffman.encode(symbols, 256, block_size=block_size, max_length=max_length) == \
        twin.encode(data, 256, block_size, max_length)


@pytest.mark.parametrize("maker", [_regimes, _skewed_bytes])
def test_adaptive_split_and_payload_match_twin(maker):
    symbols = maker(30000)
    data = symbols.tobytes()
    assert _blocks.split_blocks(symbols, 256, twin.NATIVE_HEADER_BITS).tolist() == twin.split_blocks(data, 256)
    assert len(twin.split_blocks(_regimes(30000).tobytes(), 256)) > 1
    param, model, payload = huffman.encode(symbols, 256)
    assert (param, model, payload) == twin.encode(data, 256)
    assert bytes(twin.decode(param, model, payload, len(data), 256)) == data
    assert huffman.decode(param, model, payload, len(data), 256).tobytes() == data


def test_wide_alphabet_matches_twin():
    symbols = _skewed_bytes(5000, seed=3, alphabet=3000)
    result = huffman.encode(symbols, 3000)
    assert result == twin.encode(symbols.tolist(), 3000)
    assert np.array_equal(huffman.decode(*result, symbols.size, 3000), symbols)


def _block_lengths(model, alphabet_size):
    """Code lengths of every Huffman block of a native model (parsed with the twin)."""
    reader = twin.BitReader(model)
    reader.read(16)
    out = []
    for _ in range(reader.read_varint()):
        block_n = reader.read_varint()
        if reader.read(1):
            out.append(("constant", reader.read_varint()))
            continue
        out.append(twin.read_native_lengths(reader, alphabet_size))
        for _ in twin.segments(block_n):
            reader.read_varint()
    reader.finish()
    return out


def test_edge_cases():
    for data in (b"", b"x", b"x" * 100000, bytes(range(256)), bytes(range(256)) * 50, b"ab"):
        blob = codelength.compress(data)
        assert codelength.decompress(blob) == data
    # one distinct symbol: zero payload bits, the symbol and count in the model
    _, model, payload = huffman.encode(np.full(10**6, 7, dtype=np.uint8), 256)
    assert payload == b"" and len(model) < 16
    # counts so skewed that Huffman's code would exceed the limit
    fib = [1, 1]
    while len(fib) < 30:
        fib.append(fib[-1] + fib[-2])
    data = np.repeat(np.arange(30, dtype=np.uint8), fib)
    for limit in (5, 11, 15):
        _, model, _ = huffman.encode(data, 256, block_size=10**7, max_length=limit)
        (lengths,) = _block_lengths(model, 256)
        assert max(lengths) == limit
    assert codelength.decompress(codelength.compress(data.tobytes(), max_length=5)) == data.tobytes()
    with pytest.raises(ValueError):
        codelength.compress(b"abc", max_length=0)
    with pytest.raises(ValueError):
        codelength.compress(b"abc", max_length=25)
    with pytest.raises(ValueError):
        codelength.compress(b"abc", block_size=0)
    with pytest.raises(ValueError):
        huffman.encode(np.array([0, 5], dtype=np.uint8), 5)
    with pytest.raises(ValueError):
        huffman.encode(np.array([-1, 2], dtype=np.int64), 5)
    with pytest.raises(TypeError):
        huffman.encode(np.array([1.0]), 5)
    assert huffman.encode(np.array([4, 1], dtype=np.int64), 5) == huffman.encode(np.array([4, 1], np.uint8), 5)


def test_block_adaptivity_helps(sample_bytes):
    data = bytes(_regimes(60000))
    symbols = np.frombuffer(data, dtype=np.uint8)
    adaptive = sum(map(len, huffman.encode(symbols, 256)[1:]))
    single = sum(map(len, huffman.encode(symbols, 256, block_size=10**7)[1:]))
    assert adaptive < single
    assert codelength.decompress(codelength.compress(sample_bytes)) == sample_bytes


def _mutations(blob, rng, count):
    yield blob[:-1]
    yield blob + b"\x00"
    yield blob + b"\x01"
    for _ in range(count):
        kind = rng.integers(3)
        data = bytearray(blob)
        if kind == 0:
            position = rng.integers(len(data))
            data[position] ^= 1 << rng.integers(8)
        elif kind == 1:
            data = data[:rng.integers(len(data))]
        else:
            data += bytes(rng.integers(0, 256, rng.integers(1, 9), dtype=np.uint8))
        yield bytes(data)


@pytest.mark.parametrize("data", [b"", b"a", b"abracadabra" * 50, bytes(range(256)) * 3])
def test_damaged_containers_raise(data):
    rng = np.random.default_rng(len(data))
    blob = codelength.compress(data)
    for bad in _mutations(blob, rng, 150):
        if bad == blob:
            continue
        try:
            out = codelength.decompress(bad)
        except CorruptDataError:
            continue
        assert out == data  # never wrong data without an error


@settings(max_examples=40)
@given(byte_data.filter(lambda d: len(d) > 0), st.data())
def test_damaged_model_or_payload_kernel_agrees_with_twin(data, draw):
    """Bypass the container's CRCs: the kernel decoder must reject exactly what the twin rejects."""
    param, model, payload = huffman.encode(np.frombuffer(data, np.uint8), 256, block_size=700)
    target = draw.draw(st.sampled_from(["model", "payload"]))
    blob = model if target == "model" else payload
    if not blob:
        return
    kind = draw.draw(st.sampled_from(["flip", "truncate", "extend"]))
    if kind == "flip":
        position = draw.draw(st.integers(0, len(blob) * 8 - 1))
        bad = bytearray(blob)
        bad[position // 8] ^= 1 << (position % 8)
        bad = bytes(bad)
    elif kind == "truncate":
        bad = blob[:draw.draw(st.integers(0, len(blob) - 1))]
    else:
        bad = blob + draw.draw(st.binary(min_size=1, max_size=4))
    args = (bad, payload) if target == "model" else (model, bad)
    try:
        expected = bytes(twin.decode(param, *args, len(data), 256))
    except twin.CorruptStream:
        expected = None
    try:
        got = huffman.decode(param, *args, len(data), 256).tobytes()
    except CorruptDataError:
        got = None
    assert got == expected


def test_random_garbage_payloads_never_crash():
    rng = np.random.default_rng(7)
    data = np.frombuffer(b"the quick brown fox jumps over the lazy dog " * 40, np.uint8)
    param, model, payload = huffman.encode(data, 256)
    for size in (0, 1, 7, 8, 9, len(payload) - 1, len(payload), len(payload) + 1, 5000):
        garbage = rng.integers(0, 256, size, dtype=np.uint8).tobytes()
        with pytest.raises(CorruptDataError):
            huffman.decode(param, model, garbage, data.size, 256)
    for size in (0, 1, 2, 3, 10, 100):
        garbage = rng.integers(0, 256, size, dtype=np.uint8).tobytes()
        try:
            huffman.decode(param, garbage, payload, data.size, 256)
        except CorruptDataError:
            pass
    with pytest.raises(CorruptDataError):
        huffman.decode(1, model, payload, data.size, 256)


def test_corpus_round_trip_and_twin(corpus_file):
    data = corpus_file.read_bytes()
    blob = codelength.compress(data)
    assert codelength.decompress(blob) == data
    head = data[:20000]
    assert huffman.encode(np.frombuffer(head, np.uint8), 256) == twin.encode(head, 256)


def test_threads_share_nothing():
    """Encoding and decoding release the GIL; concurrent calls give the same bytes as serial ones."""
    from concurrent.futures import ThreadPoolExecutor
    inputs = [_regimes(50000, seed=s).tobytes() for s in range(6)]
    serial = [codelength.compress(d) for d in inputs]
    with ThreadPoolExecutor(3) as pool:
        parallel = list(pool.map(codelength.compress, inputs))
        back = list(pool.map(codelength.decompress, parallel))
    assert parallel == serial and back == inputs


@pytest.mark.parametrize("option", ["block_size", "max_length"])
def test_bool_options_are_refused(option):
    with pytest.raises(TypeError):
        codelength.compress(b"abc", coder="huffman", **{option: True})


def _varint(value):
    out = bytearray()
    while True:
        group, value = value & 0x7F, value >> 7
        out.append(group | (0x80 if value else 0))
        if not value:
            return bytes(out)


@pytest.mark.parametrize("block_n", [2**64 + 5, 2**69 + 5])
def test_varint_beyond_64_bits_is_refused_not_wrapped(block_n):
    # a constant block of symbol 7 whose size N only equals 5 modulo 2**64
    model = bytes([1, 4]) + _varint(1) + _varint(block_n) + bytes([1 | (7 << 1), 0])
    good = bytes([1, 4]) + _varint(1) + _varint(5) + bytes([1 | (7 << 1), 0])
    assert huffman.decode(0, good, b"", 5, 256).tolist() == [7] * 5
    with pytest.raises(CorruptDataError):
        huffman.decode(0, model, b"", 5, 256)
    with pytest.raises(twin.CorruptStream):
        twin.decode(0, model, b"", 5, 256)


def test_block_lengths_validates_its_symbols():
    # the adaptive split counts symbols into alphabet-sized histograms: one beyond was an out-of-bounds write
    with pytest.raises(ValueError):
        huffman.block_lengths(np.array([1, 2, 60000], dtype=np.uint16), 2)
    with pytest.raises(ValueError):
        huffman.block_lengths(np.array([1, 2, 3], dtype=np.uint8), 0)
    with pytest.raises(TypeError):
        huffman.block_lengths(np.array([1.0, 2.0]), 256)
    assert huffman.block_lengths(np.array([1, 2, 3]), 256).tolist() == [3]          # int64
    assert huffman.block_lengths([1, 2, 3], 256).tolist() == [3]                    # list
    assert huffman.block_lengths(np.arange(10, dtype=np.uint8)[::2], 256).tolist() == [5]  # strided


@pytest.mark.parametrize("n, alphabet_size", [(4, -1), (4, -5), (-1, 4)])
def test_decode_refuses_negative_sizes(n, alphabet_size):
    # a negative alphabet reached the kernel's malloc (size_t wrap: -1 -> malloc(0))
    _, model, payload = huffman.encode(np.array([1, 2, 3, 1], dtype=np.uint8), 4)
    with pytest.raises(CorruptDataError):
        huffman.decode(0, model, payload, n, alphabet_size)


# ------------------------------------------------------------------------------------------------
# the multi-symbol decode path (byte blocks of at least 8192 symbols, words of at most 12 bits)
# ------------------------------------------------------------------------------------------------
from codelength.coders import _huffman  # noqa: E402


@settings(max_examples=15, deadline=None)
@given(st.lists(st.integers(0, 1000), min_size=256, max_size=256), st.integers(1, 12))
def test_multi_table_matches_twin(weights, max_length):
    counts = [w if i % 3 == 0 or w > 700 else 0 for i, w in enumerate(weights)]
    counts[0] = counts[0] or 1
    counts[1] = counts[1] or 1
    lengths = twin.huffman_code_lengths(counts, max(max_length, twin.effective_limit(sum(1 for c in counts if c),
                                                                                    max_length)))
    if max(lengths) > 12:
        return
    kernel = _huffman.multi_table(np.array(lengths, dtype=np.uint8))
    assert kernel.tolist() == twin.multi_table(lengths)


def test_multi_table_refuses_what_it_cannot_build():
    with pytest.raises(ValueError):
        _huffman.multi_table(np.zeros(255, dtype=np.uint8))
    with pytest.raises(ValueError):
        _huffman.multi_table(np.full(256, 7, dtype=np.uint8))  # incomplete code
    lengths = np.zeros(256, dtype=np.uint8)
    lengths[0], lengths[1:14] = 1, np.arange(2, 15)
    lengths[14] = 14
    with pytest.raises(ValueError):
        _huffman.multi_table(lengths)  # words of 13 and 14 bits


def _long_abracadabra(n):
    return np.frombuffer((b"abracadabra, " * (n // 13 + 1))[:n], np.uint8).copy()


def _fibonacci_bytes(symbols, seed=0):
    """Symbol k repeated fib(k + 1) times, shuffled: an optimal code with words up to ``symbols - 1`` bits."""
    a, b, parts = 1, 1, []
    for k in range(symbols):
        parts.append(np.full(a, k, dtype=np.uint8))
        a, b = b, a + b
    data = np.concatenate(parts)
    np.random.default_rng(seed).shuffle(data)
    return data


@pytest.mark.parametrize("max_length", [12, 13, 14, 17, 18, 24])
@pytest.mark.parametrize("extra", [0, 1, 2, 3, 5])
def test_packer_word_lengths_match_twin(max_length, extra):
    """The encoder packs 4, 3 or 2 words per flush by the block's longest word (up to 13, 17, 24 bits):
    every path, with every remainder of the segments, gives the twin's bytes and round-trips."""
    data = np.concatenate([_fibonacci_bytes(21), np.arange(extra, dtype=np.uint8)])
    param, model, payload = huffman.encode(data, 256, block_size=10**7, max_length=max_length)
    assert (param, model, payload) == twin.encode(data.tobytes(), 256, 10**7, max_length)
    assert np.array_equal(huffman.decode(param, model, payload, data.size, 256), data)


@pytest.mark.parametrize("maker", [
    lambda n: np.random.default_rng(1).integers(0, 256, n, dtype=np.uint8),             # 8-bit words
    lambda n: _skewed_bytes(n, 2),                                                       # long and short words
    lambda n: _regimes(n, 3),                                                            # many blocks
    _long_abracadabra,                                                                   # 3 words a look-up
    lambda n: np.random.default_rng(4).choice([0, 1], n, p=[0.999, 0.001]).astype(np.uint8),  # 1-bit words
])
@pytest.mark.parametrize("n", [32768, 32769, 32783, 100000])
@pytest.mark.parametrize("max_length", [1, 8, 11, 12, 13])
def test_multi_symbol_path_round_trips(maker, n, max_length):
    data = maker(n)
    param, model, payload = huffman.encode(data, 256, max_length=max_length)
    assert np.array_equal(huffman.decode(param, model, payload, n, 256), data)
    # into a buffer with neighbours: the 4-byte stores never write outside the block
    out = np.full(n + 64, 0xA5, dtype=np.uint8)
    assert _huffman.decode_native(np.frombuffer(model, np.uint8), np.frombuffer(payload, np.uint8),
                                  out[32:32 + n], 256) == 0
    assert np.array_equal(out[32:32 + n], data) and (out[:32] == 0xA5).all() and (out[32 + n:] == 0xA5).all()


@pytest.mark.parametrize("maker", [lambda n: _skewed_bytes(n, 2), _long_abracadabra,
                                   lambda n: np.random.default_rng(4).choice([0, 1], n, p=[0.999, 0.001]).astype(np.uint8)])
def test_multi_symbol_path_is_taken(maker):
    """The inputs of the round trips above reach the multi-symbol decoder (skewed, 3 words a look-up, 1-bit words),
    random bytes (8-bit words) do not, nor blocks below MULTI_MIN symbols."""
    for n in (32768, 100000):
        data = maker(n)
        lengths = twin.huffman_code_lengths(np.bincount(data, minlength=256).tolist(), 12)
        assert twin.multi_symbol_decode(lengths, n) and not twin.multi_symbol_decode(lengths, twin.MULTI_MIN - 1)
    lengths = twin.huffman_code_lengths(np.bincount(np.random.default_rng(1).integers(0, 256, 100000), minlength=256)
                                        .tolist(), 12)
    assert not twin.multi_symbol_decode(lengths, 100000)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(0, 1000), min_size=256, max_size=256), st.integers(1, 12),
       st.sampled_from([0, 32767, 32768, 10**6]))
def test_multi_pays_matches_twin(weights, max_length, n):
    """The decoder's choice of look-up table (a decoder-side choice, documented by the twin)."""
    counts = [int(2 ** (w / 60)) if i < 2 or w % 3 else 0 for i, w in enumerate(weights)]  # skewed: both answers
    counts[0] += 1
    counts[1] += 1
    lengths = twin.huffman_code_lengths(counts, max_length if max_length >= 8 else 12)
    assert _huffman.multi_pays(np.array(lengths, np.uint8), n) == twin.multi_symbol_decode(lengths, n)


@settings(max_examples=25, deadline=None)
@given(st.sampled_from([0, 1, 2]), st.data())
def test_damaged_multi_symbol_blocks_kernel_agrees_with_twin(which, draw):
    """Damage reaching the multi-symbol decoder (blocks of >= 32768 bytes): rejected exactly as the twin rejects."""
    n = 33000
    data = [_skewed_bytes(n, 5), _regimes(n, 6),
            np.frombuffer((b"the quick brown fox " * 1700)[:n], np.uint8)][which]
    param, model, payload = huffman.encode(data, 256)
    target = draw.draw(st.sampled_from(["model", "payload", "payload"]))
    blob = model if target == "model" else payload
    kind = draw.draw(st.sampled_from(["flip", "truncate", "extend", "flip"]))
    if kind == "flip":
        position = draw.draw(st.integers(0, len(blob) * 8 - 1))
        bad = bytearray(blob)
        bad[position // 8] ^= 1 << (position % 8)
        bad = bytes(bad)
    elif kind == "truncate":
        bad = blob[:draw.draw(st.integers(0, len(blob) - 1))]
    else:
        bad = blob + draw.draw(st.binary(min_size=1, max_size=4))
    args = (bad, payload) if target == "model" else (model, bad)
    try:
        expected = bytes(twin.decode(param, *args, n, 256))
    except twin.CorruptStream:
        expected = None
    try:
        got = huffman.decode(param, *args, n, 256).tobytes()
    except CorruptDataError:
        got = None
    assert got == expected


def test_decode_into_writes_in_place_and_checks_its_array():
    data = np.frombuffer(b"in place, no copy " * 1000, np.uint8)
    param, model, payload = huffman.encode(data, 256)
    out = np.zeros(data.size, np.uint8)
    assert huffman.decode_into(param, memoryview(model), memoryview(payload), out, 256) is None
    assert np.array_equal(out, data)
    with pytest.raises(TypeError):
        huffman.decode_into(param, model, payload, np.zeros(data.size, np.uint16), 256)
    with pytest.raises(CorruptDataError):
        huffman.decode_into(param, model, payload[:-1], out, 256)
    with pytest.raises(CorruptDataError):
        huffman.decode_into(1, model, payload, out, 256)


def test_damaged_streams_through_the_in_place_multi_symbol_path():
    """decompress() writes Huffman byte blocks in place (decode_into) through the multi-symbol decoder:
    a damaged stream raises CorruptDataError or gives the original, never other data or a crash."""
    rng = np.random.default_rng(21)
    data = bytes(_regimes(30000, 9)) + (b"the quick brown fox jumps over the lazy dog. " * 1000)
    blob = codelength.compress(data)
    assert codelength.decompress(blob) == data
    for bad in _mutations(blob, rng, 200):
        if bad == blob:
            continue
        try:
            out = codelength.decompress(bad)
        except CorruptDataError:
            continue
        assert out == data


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 70_000), spread=st.integers(1, 256))
def test_encode_into_work_buffer_is_the_same_payload(seed, n, spread):
    """The work buffer a thread keeps (streams laid out there, then copied out) gives the very payload
    of the one-off bytes object, and a buffer too small falls back to it."""
    rng = np.random.default_rng(seed)
    a = rng.integers(0, spread, n).astype(np.uint8)
    blocks, counts = _blocks.split_blocks(a, 256, float(twin.NATIVE_HEADER_BITS), True)
    plain = _huffman.encode_native(a, 256, blocks, 12, counts)
    need = _huffman.payload_bound(a.size, int(blocks.max()), blocks.size, 1)
    for size in (need, need + 1000, need - 1, 16):
        scratch = np.full(size, 0xAB, np.uint8)
        assert _huffman.encode_native(a, 256, blocks, 12, counts, scratch) == plain
    assert huffman.encode(a, 256)[1:] == plain
    assert twin.encode(a.tolist(), 256)[1:] == plain if n <= 3000 else True


def test_work_buffer_is_per_thread_and_bounded():
    import threading
    rng = np.random.default_rng(5)
    data = [rng.integers(0, 40 + 20 * k, 200_000 + 1000 * k).astype(np.uint8) for k in range(4)]
    expected = [huffman.encode(d, 256) for d in data]
    got = [None] * 4
    bufs = [None] * 4

    def work(k):
        for _ in range(3):
            got[k] = huffman.encode(data[k], 256)
        bufs[k] = huffman._scratch.buf

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert got == expected
    assert len({id(b) for b in bufs}) == 4                      # one buffer per thread
    big = rng.integers(0, 256, (huffman.SCRATCH_MAX // 4) + 1).astype(np.uint8)
    assert huffman._work_buffer(big, np.array([big.size], np.int64)) is None   # beyond the bound: one-off
    assert huffman.decode(*huffman.encode(big, 256), big.size, 256).tobytes() == big.tobytes()

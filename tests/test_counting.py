"""Counting, entropy, n-gram and ideal-code-length kernels held against their pure-Python twins."""
import importlib.machinery
import math
import mmap

import numpy as np
import pytest
from hypothesis import given, strategies as st
from hypothesis.extra import numpy as hnp

import codelength
from codelength.stats import _kernels
from codelength.reference import counting as ref

INT_DTYPES = [np.uint8, np.uint16, np.uint32, np.uint64, np.int8, np.int16, np.int32, np.int64]
byte_strings = st.one_of(
    st.binary(max_size=2000),
    st.builds(lambda b, n: b * n, st.binary(min_size=1, max_size=3), st.integers(1, 700)),  # long runs
    st.just(bytes(range(256))),
)


def test_the_public_api_runs_on_the_compiled_kernels():
    suffixes = tuple(importlib.machinery.EXTENSION_SUFFIXES)
    assert _kernels.__file__.endswith(suffixes), _kernels.__file__
    assert codelength.stats.counting._kernels is _kernels
    assert codelength.measures.discrete._kernels is _kernels


@given(byte_strings)
def test_byte_counts_match_twin(data):
    assert codelength.counts(data).tolist() == ref.counts(data)


@given(st.sampled_from(INT_DTYPES), st.data())
def test_integer_array_counts_match_twin(dtype, draw):
    top = min(np.iinfo(dtype).max, 5000)
    values = draw.draw(st.lists(st.integers(0, top), max_size=300))
    array = np.array(values, dtype=dtype)
    assert codelength.counts(array).tolist() == ref.counts(values)


@given(hnp.arrays(np.int32, st.integers(0, 400), elements=st.integers(0, 300)), st.integers(1, 5))
def test_strided_views_count_like_copies(array, step):
    view = array[::step]
    assert not view.flags.c_contiguous or step == 1 or view.size <= 1
    assert codelength.counts(view).tolist() == ref.counts(view.tolist())


def test_multidimensional_arrays_are_flattened():
    grid = np.arange(12, dtype=np.uint16).reshape(3, 4)
    assert codelength.counts(grid.T).tolist() == [1] * 12


def test_bytes_like_inputs_agree(tmp_path):
    data = bytes(range(256)) * 3 + b"xyz"
    expected = ref.counts(data)
    path = tmp_path / "f.bin"
    path.write_bytes(data)
    with open(path, "rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
        assert codelength.counts(mapped).tolist() == expected
    assert codelength.counts(bytearray(data)).tolist() == expected
    assert codelength.counts(memoryview(data)).tolist() == expected
    assert codelength.counts(memoryview(data)[::2]).tolist() == ref.counts(data[::2])


def test_empty_and_one_symbol_inputs():
    assert codelength.counts(b"").tolist() == [0] * 256
    assert codelength.counts(np.array([], dtype=np.int64)).size == 0
    assert codelength.counts([]).size == 0
    assert codelength.entropy(codelength.counts(b"")) == 0.0
    assert codelength.empirical_entropy(b"aaaa") == 0.0
    assert codelength.counts(np.array([7]), alphabet_size=9).tolist() == [0] * 7 + [1, 0]


@pytest.mark.parametrize("bad, error, words", [
    ("text", TypeError, "encode"),
    (np.array([1.5, 2.0]), TypeError, "integers"),
    (np.array([True, False]), TypeError, "boolean"),
    (np.array([1, -2, 3]), ValueError, "negative"),
    (np.array(5), ValueError, "scalar"),
    (np.array([2**40], dtype=np.int64), ValueError, "too large"),
    ([object()], TypeError, "integers"),
])
def test_bad_input_gets_a_clear_exception(bad, error, words):
    with pytest.raises(error, match=words):
        codelength.counts(bad)


def test_symbol_outside_given_alphabet_is_refused():
    with pytest.raises(ValueError, match="outside the alphabet"):
        codelength.counts(np.array([0, 5]), alphabet_size=5)


def test_big_endian_arrays_count_correctly():
    array = np.array([1, 2, 2, 300], dtype=">u2")
    assert codelength.counts(array)[[1, 2, 300]].tolist() == [1, 2, 1]


@given(st.binary(max_size=3000), st.integers(1, 700), st.integers(1, 4))
def test_file_counts_match_twin_for_any_chunking(tmp_path_factory, data, chunk_size, threads):
    path = tmp_path_factory.mktemp("fc") / "data.bin"
    path.write_bytes(data)
    seen = []
    got = codelength.file_counts(path, chunk_size=chunk_size, threads=threads, progress=seen.append)
    assert got.tolist() == ref.file_counts(path)
    assert sum(seen) == len(data)


def test_counts_of_parts_merge_to_counts_of_whole():
    a, b = b"hello, ", b"world"
    assert (codelength.counts(a) + codelength.counts(b) == codelength.counts(a + b)).all()
    merged = codelength.merge_counts(codelength.counts(np.array([3])), codelength.counts(np.array([0, 5])))
    assert merged.tolist() == [1, 0, 0, 1, 0, 1]


def test_file_counts_errors(tmp_path):
    with pytest.raises(FileNotFoundError):
        codelength.file_counts(tmp_path / "missing.bin")
    with pytest.raises(IsADirectoryError):
        codelength.file_counts(tmp_path)
    with pytest.raises(ValueError, match="chunk_size"):
        codelength.file_counts(__file__, chunk_size=0)
    with pytest.raises(ValueError, match="threads"):
        codelength.file_counts(__file__, threads=0)


def test_file_counts_of_a_file_object(tmp_path):
    path = tmp_path / "f"
    path.write_bytes(b"abcabc")
    with open(path, "rb") as handle:
        assert codelength.file_counts(handle, chunk_size=4)[ord("a")] == 2


@given(st.lists(st.integers(0, 10**9), max_size=300))
def test_entropy_of_counts_matches_twin(values):
    got = codelength.entropy(np.array(values, dtype=np.int64))
    assert got == pytest.approx(ref.entropy(values), rel=1e-12, abs=1e-15)


@given(st.lists(st.floats(0, 1), min_size=1, max_size=100).filter(lambda v: sum(v) > 0))
def test_entropy_of_probabilities_matches_twin(weights):
    total = math.fsum(weights)
    probs = [w / total for w in weights]
    got = codelength.entropy(np.array(probs))
    assert got == pytest.approx(ref.entropy(probs), rel=1e-12, abs=1e-15)


def test_entropy_is_sound_where_the_textbook_formula_cancels():
    # One symbol of 2**50 occurrences and a single other one: H = (1/N) log2 N + ((N-1)/N) log2(N/(N-1)).
    n = 2**50 + 1
    exact = (1 / n) * math.log2(n) + ((n - 1) / n) * math.log2(n / (n - 1))
    assert codelength.entropy(np.array([2**50, 1])) == pytest.approx(exact, rel=1e-13)


def test_entropy_bases_and_known_values():
    assert codelength.entropy([1, 1, 1, 1]) == 2.0
    assert codelength.entropy([0.5, 0.5], base=math.e) == pytest.approx(math.log(2))
    assert codelength.entropy([0.25] * 4, base=4) == pytest.approx(1.0)
    assert codelength.entropy([1.0, 0.0]) == 0.0
    assert codelength.empirical_entropy(bytes(range(256)) * 4) == pytest.approx(8.0)


@given(byte_strings, st.integers(0, 7))
def test_context_entropy_matches_twin(data, order):
    got = codelength.context_entropy(data, order)
    assert got == pytest.approx(ref.context_entropy(data, order), rel=1e-12, abs=1e-12)


@given(byte_strings, st.integers(1, 8))
def test_ngram_counts_match_twin(data, n):
    keys, grams = codelength.ngram_counts(data, n)
    ref_keys, ref_grams = ref.ngram_counts(data, n)
    assert keys.tolist() == ref_keys
    assert grams.tolist() == ref_grams


@given(st.lists(st.binary(max_size=200), max_size=6), st.integers(0, 5))
def test_streamed_context_statistics_equal_the_whole(pieces, max_order):
    stats = codelength.ContextStatistics(max_order)
    for piece in pieces:
        stats.update(piece)
    whole = b"".join(pieces)
    assert stats.entropies() == pytest.approx(ref.context_entropies(whole, max_order), rel=1e-12, abs=1e-12)


def test_context_entropy_large_table_growth():
    rng = np.random.default_rng(1)
    data = rng.integers(0, 256, 200_000, dtype=np.uint8).tobytes()
    keys, grams = codelength.ngram_counts(data, 4)
    assert grams.sum() == len(data) - 3 and keys.size == len(set(keys.tolist()))
    # i.i.d. uniform bytes: H_0 is close to 8 bits; H_1 is the plug-in estimate over 256 contexts of
    # about 781 bytes each, biased low by about (256 - 1) / (2 ln 2 * 781) = 0.24 bits (Miller-Madow)
    assert codelength.context_entropy(data, 0) == pytest.approx(8.0, abs=0.01)
    assert 7.5 < codelength.context_entropy(data, 1) < 8.0


def test_context_entropies_decrease_and_stream_from_files(tmp_path, sample_bytes):
    h = codelength.context_entropies(sample_bytes, 4)
    assert np.all(np.diff(h) <= 1e-12)
    path = tmp_path / "s.txt"
    path.write_bytes(sample_bytes)
    streamed = codelength.file_context_entropies(path, 4, chunk_size=1000)
    assert streamed == pytest.approx(h, rel=1e-12)
    assert h[0] == pytest.approx(codelength.empirical_entropy(sample_bytes), rel=1e-12)


@pytest.mark.parametrize("order, error", [(-1, ValueError), (8, ValueError), (1.5, TypeError), (True, TypeError)])
def test_context_order_is_checked(order, error):
    with pytest.raises(error):
        codelength.context_entropy(b"abc", order)


def test_context_entropy_needs_bytes():
    with pytest.raises(ValueError, match="above 255"):
        codelength.context_entropy(np.array([1, 300]), 1)


@given(st.lists(st.integers(0, 20), max_size=200),
       st.lists(st.integers(0, 50), min_size=21, max_size=21).filter(any))
def test_ideal_code_lengths_match_twin(data, model_counts):
    got = codelength.ideal_code_lengths(np.array(data, dtype=np.int64), np.array(model_counts))
    lengths, total, impossible = ref.ideal_code_lengths(data, model_counts)
    assert got.lengths.tolist() == pytest.approx(lengths, rel=1e-12)
    assert got.impossible_symbols.tolist() == impossible
    if math.isinf(total):
        assert math.isinf(got.total_bits)
    else:
        assert got.total_bits == pytest.approx(total, rel=1e-12, abs=1e-12)


def test_ideal_code_length_of_data_under_its_own_counts_is_n_times_entropy(sample_bytes):
    c = codelength.counts(sample_bytes)
    result = codelength.ideal_code_lengths(sample_bytes, c)
    assert result.total_bits == pytest.approx(len(sample_bytes) * codelength.entropy(c), rel=1e-12)
    assert result.mean_bits == pytest.approx(codelength.entropy(c), rel=1e-12)


def test_zero_probability_symbol_gives_inf_and_names_it():
    result = codelength.ideal_code_lengths(np.array([0, 1, 2, 2]), np.array([0.5, 0.5, 0.0]))
    assert math.isinf(result.total_bits)
    assert result.impossible_symbols.tolist() == [2]
    assert np.isinf(result.lengths).tolist() == [False, False, True, True]


def test_ideal_code_lengths_bad_model():
    with pytest.raises(ValueError, match="outside the alphabet"):
        codelength.ideal_code_lengths(np.array([3]), np.array([0.5, 0.5]))
    with pytest.raises(ValueError, match="sums to"):
        codelength.ideal_code_lengths(b"a", np.full(256, 0.5))
    with pytest.raises(ValueError, match="all zero"):
        codelength.ideal_code_lengths(b"a", np.zeros(256, dtype=np.int64))


@given(st.lists(st.tuples(st.integers(0, 6), st.integers(0, 9)), max_size=200))
def test_joint_counts_match_twin(pairs):
    x = np.array([p[0] for p in pairs], dtype=np.int16)
    y = np.array([p[1] for p in pairs], dtype=np.uint8)
    got = codelength.joint_counts(x, y, alphabet_sizes=(7, 10))
    assert got.tolist() == ref.joint_counts(x.tolist(), y.tolist(), (7, 10))


def test_joint_counts_length_mismatch():
    with pytest.raises(ValueError, match="same length"):
        codelength.joint_counts([1, 2], [1])


def test_joint_counts_of_uint64_with_signed_symbols():
    # uint64 and a signed dtype promote to float64, which no kernel takes
    x = np.array([1, 0, 1], dtype=np.uint64)
    for y in (np.array([2, 2, 0], dtype=np.int64), np.array([2, 2, 0], dtype=np.int8)):
        assert codelength.joint_counts(x, y).tolist() == ref.joint_counts([1, 0, 1], [2, 2, 0])


def test_joint_counts_alphabet_sizes_must_be_a_pair():
    with pytest.raises(TypeError, match="pair"):
        codelength.joint_counts([1], [1], 5)
    with pytest.raises(TypeError, match="pair"):
        codelength.joint_counts([1], [1], (5, 5, 5))


@pytest.mark.parametrize("size", [2.5, "300", 3.0, True, None.__class__])
def test_alphabet_size_must_be_an_integer(size):
    with pytest.raises(TypeError, match="alphabet_size"):
        codelength.counts(np.array([0, 1]), alphabet_size=size)


def test_alphabet_size_accepts_numpy_integers():
    assert codelength.counts(np.array([0, 1]), alphabet_size=np.int32(3)).tolist() == [1, 1, 0]


def test_merge_counts_refuses_negative_and_takes_unsigned_counts():
    with pytest.raises(ValueError, match="negative"):
        codelength.merge_counts(np.array([1, -1]))
    assert codelength.merge_counts(np.array([1, 2], dtype=np.uint64), [3]).tolist() == [4, 2]


def test_file_counts_of_files_whose_size_is_not_known(tmp_path):
    # /proc files and pipes report size 0: counting by the size would silently give all zeros
    import os
    import threading
    proc = "/proc/self/status"
    if os.path.exists(proc):
        assert codelength.file_counts(proc).sum() > 0
    if not hasattr(os, "mkfifo"):
        return
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    data = b"abcabcx" * 1000

    def feed():
        with open(fifo, "wb") as handle:
            handle.write(data)

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    try:
        got = codelength.file_counts(fifo, chunk_size=1000, threads=3)
    finally:
        writer.join(timeout=10)
        if writer.is_alive():  # file_counts failed before opening the pipe: release the blocked writer
            reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
            writer.join(timeout=10)
            os.close(reader)
    assert got.tolist() == ref.counts(data)


@pytest.mark.parametrize("n, error, words", [(0, ValueError, "n must be between 1 and 8, got 0"),
                                             (9, ValueError, "got 9"), (True, TypeError, "bool"),
                                             (2.0, TypeError, "float")])
def test_ngram_length_is_checked_and_named(n, error, words):
    with pytest.raises(error, match=words):
        codelength.ngram_counts(b"abc", n)


@pytest.mark.parametrize("name", ["stats.counting", "stats.context", "measures.discrete", "measures.estimators",
                                  "measures.continuous", "measures.importance", "app.report", "app.profile"])
def test_docstring_examples_run(name):
    import doctest
    import importlib
    module = importlib.import_module("codelength." + name)
    assert doctest.testmod(module, optionflags=doctest.ELLIPSIS).failed == 0


@pytest.mark.parametrize("chunk_size", [2.5, "4096", None])
def test_chunk_size_must_be_an_integer(chunk_size):
    with pytest.raises(TypeError, match="chunk_size"):
        codelength.file_counts(__file__, chunk_size=chunk_size)
    with pytest.raises(TypeError, match="chunk_size"):
        codelength.file_context_entropies(__file__, 1, chunk_size=chunk_size)


def test_the_ngram_counter_has_no_distinct_bound_any_more():
    # the "not counted" path is gone: no max_distinct argument, no overflowed flag, and a table grown
    # far past the old default bound's first steps still counts every n-gram
    with pytest.raises(TypeError):
        codelength._kernels.NgramCounter(4, (1 << 24) - 1)
    counter = codelength._kernels.NgramCounter(4)
    assert not hasattr(counter, "overflowed") and not hasattr(counter, "max_distinct")
    data = np.random.default_rng(3).integers(0, 256, 300_000, dtype=np.uint8)
    counter.update(data)
    keys, counts = counter.result()
    assert counter.distinct == keys.size and int(counts.sum()) == data.size - 3

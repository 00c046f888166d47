"""Code lengths, canonical codes, Shannon lengths, Kraft sums and the code table (codelength.codes)."""
import itertools
import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from codelength.codes import _prefix
from codelength.codes.prefix import (CodeTable, canonical_codes, code_words, huffman_code_lengths, kraft_sum,
                              shannon_code_lengths)
from codelength.reference import huffman as twin

counts_lists = st.lists(st.integers(0, 1000), min_size=0, max_size=40)
skewed = st.lists(st.one_of(st.integers(0, 3), st.integers(1, 10**12)), min_size=2, max_size=60)


def _cost(counts, lengths):
    return sum(int(c) * int(l) for c, l in zip(counts, lengths))


def _brute_force(weights, max_length):
    """Least sum w*l over all length vectors (1..max_length) that satisfy Kraft."""
    best = None
    for ls in itertools.product(range(1, max_length + 1), repeat=len(weights)):
        if sum(Fraction(1, 2 ** l) for l in ls) <= 1:
            cost = sum(w * l for w, l in zip(weights, ls))
            best = cost if best is None or cost < best else best
    return best


def _entropy(counts):
    total = sum(counts)
    return -sum(c / total * math.log2(c / total) for c in counts if c)


@settings(max_examples=150)
@given(st.lists(st.integers(1, 60), min_size=2, max_size=5), st.integers(1, 6))
def test_optimal_against_brute_force(weights, max_length):
    max_length = max(max_length, (len(weights) - 1).bit_length())
    lengths = huffman_code_lengths(weights, max_length)
    assert lengths.max() <= max_length
    assert kraft_sum(lengths) <= 1
    assert _cost(weights, lengths) == _brute_force(weights, max_length)
    unlimited = huffman_code_lengths(weights)
    assert _cost(weights, unlimited) == _brute_force(weights, len(weights) - 1)


@given(counts_lists)
def test_huffman_bounds_and_completeness(counts):
    lengths = huffman_code_lengths(counts)
    used = [c for c in counts if c]
    assert all((l == 0) == (c == 0) for c, l in zip(counts, lengths))
    if len(used) >= 2:
        assert kraft_sum(lengths) == 1
        total = sum(used)
        h = _entropy(counts)
        avg = _cost(counts, lengths) / total
        assert h - 1e-9 <= avg < h + 1
    elif len(used) == 1:
        assert sorted(lengths)[-1] == 1


@given(skewed, st.integers(0, 20))
def test_kernel_matches_twin(counts, extra):
    used = sum(1 for c in counts if c)
    limit = max(1, (used - 1).bit_length()) + extra % 8
    for max_length in (None, limit):
        expected = twin.huffman_code_lengths(counts, max_length)
        got = _prefix.code_lengths(np.asarray(counts, dtype=np.int64), max_length or 0)
        assert got.tolist() == expected


@given(skewed, st.integers(1, 16))
def test_length_limit_is_optimal_among_limited(counts, max_length):
    used = sum(1 for c in counts if c)
    if used >= 2 and (1 << max_length) < used:
        with pytest.raises(ValueError):
            huffman_code_lengths(counts, max_length)
        return
    limited = huffman_code_lengths(counts, max_length)
    unlimited = huffman_code_lengths(counts)
    assert limited.max(initial=0) <= max_length
    assert kraft_sum(limited) <= 1
    assert _cost(counts, limited) >= _cost(counts, unlimited)
    if unlimited.max(initial=0) <= max_length:
        assert _cost(counts, limited) == _cost(counts, unlimited)


def test_deterministic_ties():
    counts = [5, 5, 5, 5, 5]
    first = huffman_code_lengths(counts).tolist()
    assert first == huffman_code_lengths(np.array(counts)).tolist() == [3, 3, 2, 2, 2]
    # the lower symbol of a tie gets the longer word
    assert huffman_code_lengths([1, 1, 1]).tolist() == [2, 2, 1]


def test_fibonacci_counts_exceed_limit():
    fib = [1, 1]
    while len(fib) < 40:
        fib.append(fib[-1] + fib[-2])
    assert huffman_code_lengths(fib).max() == 39
    limited = huffman_code_lengths(fib, 15)
    assert limited.max() == 15 and kraft_sum(limited) == 1
    big = [1, 1]
    while len(big) < 120:                      # beyond 64-bit counts: the exact twin path
        big.append(big[-1] + big[-2])
    lengths = huffman_code_lengths(np.array(big, dtype=object))
    assert lengths.max() == 119 and kraft_sum(lengths) == 1
    assert canonical_codes(lengths).dtype == object


def test_float_weights_and_errors():
    assert huffman_code_lengths([0.5, 0.25, 0.125, 0.125]).tolist() == [1, 2, 3, 3]
    assert huffman_code_lengths([]).tolist() == []
    assert huffman_code_lengths([0, 0]).tolist() == [0, 0]
    assert huffman_code_lengths([0, 7]).tolist() == [0, 1]
    with pytest.raises(ValueError):
        huffman_code_lengths([1, 1, 1, 1, 1], 2)
    with pytest.raises(ValueError):
        huffman_code_lengths([1, -1])
    with pytest.raises(ValueError):
        huffman_code_lengths([[1, 2]])
    with pytest.raises(ValueError):
        huffman_code_lengths([1, 2], 0)


def test_canonical_codes_rfc1951_example():
    # RFC 1951, 3.2.2: lengths (3, 3, 3, 3, 3, 2, 4, 4) for A..H
    lengths = [3, 3, 3, 3, 3, 2, 4, 4]
    assert code_words(lengths) == ["010", "011", "100", "101", "110", "00", "1110", "1111"]
    assert canonical_codes(lengths).tolist() == [2, 3, 4, 5, 6, 0, 14, 15]
    with pytest.raises(ValueError):
        canonical_codes([1, 1, 1])


@given(counts_lists)
def test_canonical_codes_are_prefix_free(counts):
    lengths = huffman_code_lengths(counts)
    words = [w for w in code_words(lengths) if w]
    assert len(set(words)) == len(words)
    for a, b in itertools.permutations(words, 2):
        assert not b.startswith(a)
    assert [len(w) for w in code_words(lengths)] == lengths.tolist()


def test_kraft_sum_exact():
    assert kraft_sum([1, 2, 3, 3]) == 1
    assert kraft_sum([1, 2, 3, 0]) == Fraction(7, 8)
    assert kraft_sum([1, 1, 1]) == Fraction(3, 2)
    assert kraft_sum([]) == 0
    assert kraft_sum([200, 200]) == Fraction(2, 2 ** 200)


@given(st.lists(st.integers(0, 10**6), min_size=1, max_size=50))
def test_shannon_lengths(counts):
    lengths = shannon_code_lengths(counts)
    total = sum(counts)
    if total == 0:
        assert lengths.tolist() == [0] * len(counts)
        return
    for c, l in zip(counts, lengths):
        if c:
            assert c * 2 ** int(l) >= total and (l == 0 or c * 2 ** (int(l) - 1) < total)  # l = ceil(-log2 p)
        else:
            assert l == 0
    assert kraft_sum(lengths) <= 1
    h = _entropy(counts)
    avg = _cost(counts, lengths) / total
    assert h - 1e-9 <= avg < h + 1
    if sum(1 for c in counts if c) >= 2:   # one symbol: Shannon's word is empty, Huffman's has 1 bit
        assert avg >= _cost(counts, huffman_code_lengths(counts)) / total   # Huffman is never worse


def test_shannon_probabilities():
    assert shannon_code_lengths([0.5, 0.25, 0.25]).tolist() == [1, 2, 2]
    assert shannon_code_lengths([0.4, 0.6, 0.0]).tolist() == [2, 1, 0]
    assert shannon_code_lengths([1.0]).tolist() == [0]


def test_code_table_rendering():
    table = CodeTable.from_data(b"abracadabra")
    text = str(table)
    for word in ("symbol", "count", "-log2 p", "code", "average length", "entropy", "redundancy", "Kraft"):
        assert word in text
    assert len(table) == 5
    rows = table.rows
    assert [r["label"] for r in rows] == ["a", "b", "c", "d", "r"]
    assert rows[0]["count"] == 5 and rows[0]["length"] == 1 and rows[0]["code"] == "0"
    assert table.total_bits == 23
    assert table.entropy <= table.average_length < table.entropy + 1
    assert math.isclose(table.redundancy, table.average_length - table.entropy)
    d = table.to_dict()
    assert d["total"] == 11 and d["kraft_sum"] == "1" and len(d["rows"]) == 5
    assert [r["shannon_length"] for r in rows] == [2, 3, 4, 4, 3]
    assert table.entropy <= table.average_length <= table.shannon_average_length < table.entropy + 1
    shannon = CodeTable.from_counts([5, 2, 1, 1, 2], method="shannon")
    assert shannon.average_length >= table.average_length
    limited = CodeTable.from_counts([1, 1, 2, 4, 8, 16], max_length=3)
    assert max(r["length"] for r in limited.rows) == 3
    assert "max length 3" in str(limited)
    assert "0x00" in str(CodeTable.from_data(b"\x00\x00\n"))
    assert "symbol" in str(CodeTable.from_counts([]))
    ints = CodeTable.from_data(np.array([300, 300, 7], dtype=np.int32))
    assert [r["label"] for r in ints.rows] == ["7", "300"]
    with pytest.raises(ValueError):
        CodeTable.from_counts([1, 2], method="arithmetic")


# ---- adversarial review: limits and overflow ----
def test_max_length_62_and_above_is_honoured():
    fib = [1, 1]
    while len(fib) < 90:
        fib.append(fib[-1] + fib[-2])
    for limit in (62, 63, 80):
        lengths = huffman_code_lengths(fib, max_length=limit)
        assert lengths.max() == limit  # Huffman's code is 89 deep: the limit binds
        assert kraft_sum(lengths) <= 1
        assert lengths.tolist() == twin.huffman_code_lengths(fib, limit)


def test_counts_whose_sum_overflows_int64_are_exact():
    counts = np.full(8, 2**62, dtype=np.int64)
    assert huffman_code_lengths(counts).tolist() == [3] * 8
    assert shannon_code_lengths(np.full(4, 2**62, dtype=np.int64)).tolist() == [2] * 4
    table = CodeTable.from_counts([2**62, 2**62, 1])
    assert table.total == 2**63 + 1
    assert all(0 < r["probability"] <= 1 for r in table.rows)
    assert table.total_bits == 2**62 * 1 + 2**62 * 2 + 2  # lengths [1, 2, 2] in some order
    assert "-0.5" not in str(table)


@pytest.mark.parametrize("bad", [True, False, np.bool_(True)])
def test_max_length_bool_is_refused(bad):
    with pytest.raises(TypeError):
        huffman_code_lengths([1, 2], max_length=bad)


def test_bool_lengths_are_refused():
    with pytest.raises(TypeError):
        canonical_codes([True, True])
    with pytest.raises(TypeError):
        kraft_sum(np.array([True, True]))


def test_absurd_lengths_are_refused_not_allocated():
    for f in (canonical_codes, kraft_sum, code_words):
        with pytest.raises(ValueError):
            f([10**18])


def test_shannon_lengths_of_huge_float_weights():
    # the sum 2e308 overflows to inf; the lengths only depend on the ratios
    assert shannon_code_lengths([1e308, 1e308]).tolist() == [1, 1]
    assert shannon_code_lengths([1e308, 5e307, 5e307]).tolist() == [1, 2, 2]


def test_code_table_refuses_non_integer_counts():
    with pytest.raises(TypeError):
        CodeTable([0.5, 0.5], [1, 1])  # was truncated to counts of 0: an empty table
    with pytest.raises(ValueError):
        CodeTable([-1, 2], [1, 1])


def test_code_table_checks_its_lengths():
    with pytest.raises(TypeError):
        CodeTable([1, 1], [1.5, 1])  # was truncated to [1, 1]
    with pytest.raises(ValueError):
        CodeTable([1, 1], [1, 0])  # a used symbol without a code word: L - H came out -0.5
    assert CodeTable([1, 1, 0], [1, 2, 2]).total_bits == 3  # unused symbols may have words


def test_python_integers_beyond_int64_stay_exact():
    # numpy turns [2**63, 1, 1] into float64 (1 + 1 lost against 2**63): N = 2**63 + 2 needs 64 bits
    assert shannon_code_lengths([2**63, 1, 1]).tolist() == [1, 64, 64]
    assert shannon_code_lengths([2**64, 1, 1]).tolist() == [1, 65, 65]
    assert huffman_code_lengths([2**63, 1, 1]).tolist() == [1, 2, 2]
    assert huffman_code_lengths(np.array([2**63, 1], dtype=np.uint64)).tolist() == [1, 1]


def test_shannon_table_of_a_lone_symbol():
    table = CodeTable.from_data(b"aaaa", method="shannon")
    assert table.lengths[ord("a")] == 0 and table.total_bits == 0


def test_shannon_lengths_of_tiny_float_ratios():
    # 5e-324 / 1e308 underflows to 0: the used symbol got length 0 (no word); -log2 p is about 2098.6
    lengths = shannon_code_lengths([5e-324, 1e308])
    assert lengths.tolist() == [math.ceil(1074 + math.log2(1e308)), 0]
    assert shannon_code_lengths([1e-300, 1e-300, 2e-300]).tolist() == [2, 2, 1]


def test_code_table_repr_and_json_ready_dict():
    import json
    assert "1 symbol," in repr(CodeTable.from_counts([3]))
    table = CodeTable.from_counts([1, 2, 3, 4], max_length=np.int64(3))
    assert type(table.to_dict()["max_length"]) is int
    json.dumps(table.to_dict())


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_lengths_raise_without_warnings(bad):
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(TypeError):
            kraft_sum([1.0, bad])

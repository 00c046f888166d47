"""Integer codes: textbook code words, Kraft sums, kernel == twin bit for bit, round trips, bad input."""
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import codelength
from codelength import CorruptDataError, IntegerCode, golomb_parameter, int_code_word, int_decode, int_encode
from codelength.codes.integer import INTEGER_CODES, MAX_OUTPUT_BITS, int_code_length
from codelength.reference import integer as twin

INT64_MAX = (1 << 63) - 1
CODES = [("unary", {}), ("gamma", {}), ("delta", {}), ("omega", {}), ("fibonacci", {}), ("golomb", {"m": 3}),
         ("golomb", {"m": 10}), ("golomb", {"m": 1}), ("rice", {"k": 0}), ("rice", {"k": 3}),
         ("exp-golomb", {}), ("exp-golomb", {"k": 2})]


def _param(params):
    return next(iter(params.values()), 0)


# ------------------------------------------------------------------ textbook code words

# Elias, "Universal codeword sets and representations of the integers", IEEE Trans. IT-21 (1975), the
# gamma code; the same table is in Sayood, Introduction to Data Compression, and Salomon, Variable-length Codes.
ELIAS_GAMMA_1_TO_16 = ["1", "010", "011", "00100", "00101", "00110", "00111", "0001000", "0001001", "0001010",
                       "0001011", "0001100", "0001101", "0001110", "0001111", "000010000"]


def test_elias_gamma_words_1_to_16():
    assert [int_code_word(n, "gamma") for n in range(1, 17)] == ELIAS_GAMMA_1_TO_16
    assert codelength.int_code_word(16, "gamma") == "000010000"


def test_elias_delta_and_omega_words():
    # Elias (1975): delta = gamma(N + 1) then the N low bits; omega recursive (Wikipedia's tables)
    delta = {1: "1", 2: "0100", 3: "0101", 4: "01100", 5: "01101", 8: "00100000", 16: "001010000",
             17: "001010001"}
    omega = {1: "0", 2: "100", 3: "110", 4: "101000", 7: "101110", 8: "1110000", 15: "1111110",
             16: "10100100000", 100: "1011011001000"}
    for n, word in delta.items():
        assert int_code_word(n, "delta") == word
    for n, word in omega.items():
        assert int_code_word(n, "omega") == word


def test_fibonacci_words():
    # Apostolico and Fraenkel (1987); the table of Wikipedia "Fibonacci coding": Zeckendorf digits, then 1
    fib = {1: "11", 2: "011", 3: "0011", 4: "1011", 5: "00011", 6: "10011", 7: "01011", 8: "000011",
           11: "001011", 12: "101011", 13: "0000011", 14: "1000011", 65: "0100100011"}
    for n, word in fib.items():
        assert int_code_word(n, "fibonacci") == word


def test_golomb_and_rice_examples():
    # Golomb (1966); Wikipedia "Golomb coding", M = 10: b = 4, remainders 0..5 in 3 bits, 6..9 as r + 6 in 4
    assert int_code_word(42, "golomb", m=10) == "11110" + "010"
    assert int_code_word(9, "golomb", m=10) == "0" + "1111"
    assert int_code_word(6, "golomb", m=10) == "0" + "1100"
    assert [int_code_word(n, "golomb", m=3) for n in range(7)] == ["00", "010", "011", "100", "1010", "1011",
                                                                   "1100"]
    # Rice(k) = Golomb(2**k)
    assert int_code_word(9, "rice", k=2) == "110" + "01"
    for n in range(40):
        assert int_code_word(n, "rice", k=3) == int_code_word(n, "golomb", m=8)
    assert int_code_word(5, "golomb", m=1) == int_code_word(6, "unary") == "111110"


def test_exp_golomb_is_h264_ue():
    # ITU-T H.264, 9.1, Table 9-2: ue(v) code words
    ue = ["1", "010", "011", "00100", "00101", "00110", "00111", "0001000", "0001001"]
    assert [int_code_word(n, "exp-golomb") for n in range(9)] == ue
    for n in range(1, 200):
        assert int_code_word(n - 1, "exp-golomb") == int_code_word(n, "gamma")
    assert int_code_word(0, "exp-golomb", k=2) == "100"
    assert int_code_word(4, "exp-golomb", k=2) == "01000"


def _kraft(code, params, values):
    return sum(Fraction(1, 2 ** len(int_code_word(int(v), code, **params))) for v in values)


def test_kraft_sums_of_the_complete_codes():
    for k in range(1, 9):  # gamma: 1 - 2**-K over 1 .. 2**K - 1
        assert _kraft("gamma", {}, range(1, 2 ** k)) == 1 - Fraction(1, 2 ** k)
    assert _kraft("unary", {}, range(1, 21)) == 1 - Fraction(1, 2 ** 20)
    for m in (1, 3, 5, 8, 10):  # Golomb: every quotient group of m values adds 2**-(q + 1)
        assert _kraft("golomb", {"m": m}, range(0, 6 * m)) == 1 - Fraction(1, 2 ** 6)
    assert _kraft("exp-golomb", {"k": 2}, range(0, 4 * (2 ** 5 - 1))) == 1 - Fraction(1, 2 ** 5)
    # delta over 1 .. 2**K - 1 for K = 2**j - 1: the groups N + 1 in 1 .. 2**j - 1 are complete gamma groups
    assert _kraft("delta", {}, range(1, 2 ** 7)) == 1 - Fraction(1, 2 ** 3)
    # Fibonacci: fib(L - 1) words of length L (fib = 1, 1, 2, 3, 5, ...), so the Kraft sum is
    # sum_L fib(L - 1) / 2**L = 1 (the generating function x / (1 - x - x**2) is 2 at x = 1/2)
    fib = [0, 1, 1]
    while len(fib) < 30:
        fib.append(fib[-1] + fib[-2])
    lengths = int_code_length(np.arange(1, fib[22]), "fibonacci")
    assert np.bincount(lengths).tolist()[2:] == fib[1:21]


def test_optimal_golomb_parameter():
    # Gallager and Van Voorhis (1975): m = ceil(log(1 + theta) / -log(theta))
    assert golomb_parameter(0.5) == 1
    assert golomb_parameter(0.9) == 7
    assert golomb_parameter(0.99) == 69
    for theta in (0.3, 0.6, 0.8, 0.9, 0.95):
        n = np.arange(0, 3000)
        p = (1 - theta) * theta ** n
        mean = {m: float(np.dot(p, int_code_length(n, "golomb", m=m))) for m in range(1, 40)}
        best = min(mean, key=mean.get)
        assert mean[golomb_parameter(theta)] == pytest.approx(mean[best], abs=1e-12)
    for bad in (0, 1, -0.5, 2.0, float("nan")):
        with pytest.raises(ValueError):
            golomb_parameter(bad)


# ------------------------------------------------------------------ kernel == twin, round trips

def _values_for(code, params):
    low = INTEGER_CODES[code]
    if code == "unary":
        top = 300
    elif code == "golomb":
        top = params["m"] * 100
    elif code == "rice":
        top = (1 << params["k"]) * 100
    else:
        top = INT64_MAX
    return st.lists(st.one_of(st.integers(low, min(top, low + 40)), st.integers(low, top)), max_size=60)


@pytest.mark.parametrize("code,params", CODES, ids=[f"{c}{_param(p)}" for c, p in CODES])
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_kernel_matches_twin_and_round_trips(code, params, data):
    values = data.draw(_values_for(code, params))
    buf, nbits = int_encode(values, code, **params)
    assert (buf, nbits) == twin.encode(values, code, _param(params))
    assert len(buf) == (nbits + 7) // 8
    assert int_decode(buf, len(values), code, **params).tolist() == values
    assert twin.decode(buf, len(values), code, _param(params))[0] == values
    assert nbits == int(int_code_length(values, code, **params).sum()) if values else nbits == 0
    if values:  # a cut stream fails loudly in both
        with pytest.raises(CorruptDataError):
            int_decode(buf[:-1], len(values), code, **params)
        with pytest.raises(twin.CorruptBits):
            twin.decode(buf[:-1], len(values), code, _param(params))


@pytest.mark.parametrize("code,params", CODES, ids=[f"{c}{_param(p)}" for c, p in CODES])
@settings(max_examples=60, deadline=None)
@given(raw=st.binary(min_size=0, max_size=24), n=st.integers(0, 200))
def test_any_bytes_decode_like_the_twin(code, params, raw, n):
    n = min(n, 8 * len(raw))
    try:
        expected = twin.decode(raw, n, code, _param(params))[0]
    except twin.CorruptBits:
        with pytest.raises(CorruptDataError):
            int_decode(raw, n, code, **params)
    else:
        assert int_decode(raw, n, code, **params).tolist() == expected


def test_extremes_round_trip():
    for code, params in CODES:
        if code in ("unary", "golomb", "rice") and _param(params) < 60:
            continue
        values = [INT64_MAX, INTEGER_CODES[code], 1 << 62, (1 << 32) - 1]
        buf, nbits = int_encode(values, code, **params)
        assert (buf, nbits) == twin.encode(values, code, _param(params))
        assert int_decode(buf, 4, code, **params).tolist() == values
    for k in (62, 63):
        buf, nbits = int_encode([INT64_MAX, 0, 5], "rice", k=k)
        assert int_decode(buf, 3, "rice", k=k).tolist() == [INT64_MAX, 0, 5]
        assert (buf, nbits) == twin.encode([INT64_MAX, 0, 5], "rice", k)
    buf, _ = int_encode([INT64_MAX, 3], "golomb", m=1 << 62)
    assert int_decode(buf, 2, "golomb", m=1 << 62).tolist() == [INT64_MAX, 3]


def test_array_inputs_and_objects():
    values = np.arange(1, 1001, dtype=np.uint16)
    buf, nbits = int_encode(values, "delta")
    assert int_decode(buf, 1000, "delta").tolist() == values.tolist()
    assert int_encode(values[::3], "delta") == int_encode(values[::3].copy(), "delta")  # strided view
    assert int_decode(bytearray(buf), 10, "delta").tolist() == list(range(1, 11))
    assert int_decode(np.frombuffer(buf, np.uint8), 10, "delta").tolist() == list(range(1, 11))
    assert int_encode([], "gamma") == (b"", 0)
    assert int_decode(b"", 0, "gamma").shape == (0,)
    code = IntegerCode("golomb", m=5)
    assert code.decode(*code.encode([0, 7, 12])[:1], 3).tolist() == [0, 7, 12]
    assert code.word(7) == "1010" and code.minimum == 0 and "golomb(m=5)" in repr(code)
    table = code.table([0, 0, 1, 7, 7, 7])
    assert table.average_length == pytest.approx((2 * 3 + 3 + 3 * 4) / 6)
    assert "<table" in code._repr_html_() and "1010" in code._repr_html_()


def test_bad_input():
    with pytest.raises(ValueError, match=">= 1"):
        int_encode([3, 0], "gamma")
    with pytest.raises(ValueError, match=">= 0"):
        int_encode([-1], "golomb", m=3)
    with pytest.raises(TypeError):
        int_encode([1.0, 2.0], "gamma")
    with pytest.raises(ValueError):  # the same error: a TypeError that is also a ValueError
        int_encode(np.array([1.5]), "gamma")
    with pytest.raises(TypeError):
        int_encode(np.array([True]), "gamma")
    with pytest.raises(TypeError):
        int_encode("123", "gamma")
    with pytest.raises(ValueError):
        int_encode(np.ones((2, 2), dtype=int), "gamma")
    with pytest.raises(ValueError):
        int_encode(np.array([2 ** 64 - 1], dtype=np.uint64), "gamma")
    with pytest.raises(ValueError):
        int_encode([2 ** 70], "gamma")
    with pytest.raises(ValueError, match="unknown"):
        int_encode([1], "elias")
    with pytest.raises(TypeError):
        int_encode([1], "golomb")  # m missing
    with pytest.raises(TypeError):
        int_encode([1], "gamma", m=3)
    for bad in ({"m": 0}, {"m": 1 << 63}):
        with pytest.raises(ValueError):
            int_encode([1], "golomb", **bad)
    with pytest.raises(ValueError):
        int_encode([1], "rice", k=64)
    with pytest.raises(TypeError):
        int_encode([1], "rice", k=2.0)
    # huge unary / Golomb words are refused before any allocation
    with pytest.raises(ValueError, match="MAX_OUTPUT_BITS"):
        int_encode([MAX_OUTPUT_BITS + 2], "unary")
    with pytest.raises(ValueError, match="MAX_OUTPUT_BITS"):
        int_encode([INT64_MAX] * 4, "golomb", m=1)
    with pytest.raises(TypeError):
        int_code_word(2.5, "gamma")


def test_bad_streams():
    buf, _ = int_encode(list(range(1, 50)), "gamma")
    with pytest.raises(CorruptDataError, match="at least"):
        int_decode(buf, 8 * len(buf) + 1, "gamma")  # more words than bits: refused before allocating
    with pytest.raises(CorruptDataError, match="truncated"):
        int_decode(b"\x00" * 4, 1, "gamma")  # zeros and no 1
    with pytest.raises(CorruptDataError, match="2\\*\\*63"):
        int_decode(b"\x00" * 8 + b"\x80" + b"\xff" * 8, 1, "gamma")  # 64 zeros: a 65-bit value
    with pytest.raises(CorruptDataError):
        int_decode(b"\xff" * 16, 1, "omega")  # groups grow past 63 bits
    with pytest.raises(CorruptDataError):
        int_decode(b"\x55" * 16, 1, "fibonacci")  # 0101...: digits past the largest Fibonacci number
    with pytest.raises(CorruptDataError):
        int_decode(b"\xff" * 4, 1, "unary")
    with pytest.raises(ValueError):
        int_decode(buf, -1, "gamma")
    with pytest.raises(TypeError):
        int_decode("abc", 1, "gamma")
    with pytest.raises(TypeError):
        int_decode(buf, 1.0, "gamma")
    # trailing bits after n words are ignored: decoding a prefix of the values
    assert int_decode(buf, 5, "gamma").tolist() == [1, 2, 3, 4, 5]


def test_benchmark_script_runs():
    """benchmarks/bench_integer.py on a tiny input (so it never rots); it checks kernel == twin itself."""
    import os
    import subprocess
    import sys
    from pathlib import Path
    repo = Path(__file__).resolve().parents[1]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(repo), os.environ.get("PYTHONPATH")])))
    proc = subprocess.run([sys.executable, str(repo / "benchmarks" / "bench_integer.py"), "--values", "2000",
                           "--twin-values", "300", "--repeats", "1"], capture_output=True, text=True, timeout=120,
                          cwd=repo, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "| fibonacci |" in proc.stdout and "enc vs twin" in proc.stdout

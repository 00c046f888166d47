"""ent's randomness figures: against direct formulas and scipy, streamed in pieces, bit mode, edge cases."""
import io
import math

import numpy as np
import pytest
import scipy.stats
from hypothesis import given, settings, strategies as st

from codelength import RandomnessAccumulator, randomness_tests


def _direct(data: bytes, bits: bool = False) -> dict:
    """ent's figures straight from the definitions, on the whole array (floats, no streaming)."""
    b = np.frombuffer(data, dtype=np.uint8)
    x = np.unpackbits(b).astype(float) if bits else b.astype(float)
    bins = 2 if bits else 256
    counts = np.bincount(x.astype(int), minlength=bins)
    chi = scipy.stats.chisquare(counts)
    serial = np.corrcoef(x, np.roll(x, -1))[0, 1] if x.size > 1 and np.ptp(x) > 0 else math.nan
    g = b[:b.size // 6 * 6].reshape(-1, 6).astype(np.int64)
    xs = g[:, 0] * 65536 + g[:, 1] * 256 + g[:, 2]
    ys = g[:, 3] * 65536 + g[:, 4] * 256 + g[:, 5]
    inside = np.count_nonzero(xs.astype(float) ** 2 + ys.astype(float) ** 2 <= float(2 ** 24 - 1) ** 2)
    top = counts.max() / x.size
    upper = min(1.0, top + 2.576 * math.sqrt(top * (1 - top) / (x.size - 1)))
    return {"chi_square": chi.statistic, "chi_square_p": chi.pvalue, "mean": x.mean(), "serial_correlation": serial,
            "monte_carlo_pi": 4 * inside / g.shape[0] if g.shape[0] else math.nan,
            "min_entropy": -math.log2(upper), "min_entropy_plugin": -math.log2(top),
            "entropy": scipy.stats.entropy(counts, base=2)}


def _compare(result, expected):
    for key, value in expected.items():
        got = getattr(result, key)
        if math.isnan(value):
            assert math.isnan(got), key
        else:
            assert got == pytest.approx(value, rel=1e-9, abs=1e-12), key


@pytest.mark.parametrize("bits", [False, True])
def test_figures_against_direct_formulas(bits):
    rng = np.random.default_rng(1)
    for data in (rng.bytes(100_003), bytes(rng.integers(0, 40, 5000, dtype=np.uint8)),
                 open(__file__, "rb").read()):
        _compare(randomness_tests(data, bits=bits), _direct(data, bits))


def test_random_bytes_look_random_and_text_does_not():
    data = np.random.default_rng(2).bytes(1 << 20)
    r = randomness_tests(data)
    assert r.mode == "bytes" and r.samples == 1 << 20 and r.degrees_of_freedom == 255
    assert 0.001 < r.chi_square_p < 0.999
    assert r.mean == pytest.approx(127.5, abs=0.5)
    assert r.monte_carlo_pi == pytest.approx(math.pi, rel=0.01) and r.monte_carlo_pi_error < 1
    assert abs(r.serial_correlation) < 0.01
    assert 7.8 < r.min_entropy < r.min_entropy_plugin <= r.entropy <= 8
    text = randomness_tests(open(__file__, "rb").read())
    assert text.chi_square_p < 1e-10 and text.min_entropy < 4 and text.serial_correlation > 0
    assert "uniform" in r.summary() and "Monte Carlo" in r.summary()


def test_known_values():
    r = randomness_tests(bytes(range(256)) * 4)
    assert r.chi_square == 0.0 and r.chi_square_p == 1.0 and r.mean == 127.5 and r.entropy == 8.0
    assert r.min_entropy_plugin == 8.0
    # constant input: the serial correlation is undefined, the chi-square huge
    c = randomness_tests(bytes(1000))
    assert math.isnan(c.serial_correlation) and c.chi_square == pytest.approx(255 * 1000)
    assert c.chi_square_p == 0.0 and c.min_entropy == 0.0 and c.mean == 0.0
    assert "undefined" in c.summary()
    # alternating bits: serial correlation -1 in bit mode
    a = randomness_tests(b"\x55" * 100, bits=True)
    assert a.serial_correlation == pytest.approx(-1.0) and a.mean == 0.5 and a.chi_square == 0.0
    assert a.degrees_of_freedom == 1 and a.samples == 800
    e = randomness_tests(b"")
    assert e.samples == 0 and math.isnan(e.chi_square) and math.isnan(e.monte_carlo_pi)
    assert "empty" in e.summary()
    short = randomness_tests(b"abc")
    assert short.monte_carlo_points == 0 and math.isnan(short.monte_carlo_pi)


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=400), st.lists(st.integers(0, 400), max_size=6), st.booleans())
def test_streaming_in_any_pieces_equals_whole(data, cuts, bits):
    whole = randomness_tests(data, bits=bits)
    acc = RandomnessAccumulator(bits=bits)
    previous = 0
    for cut in sorted(min(c, len(data)) for c in cuts) + [len(data)]:
        acc.update(data[previous:cut])
        previous = cut
    streamed = acc.result()
    for key, value in whole.to_dict().items():
        other = streamed.to_dict()[key]
        assert (value == other) or (isinstance(value, float) and math.isnan(value) and math.isnan(other)), key


def test_files_and_streams(tmp_path):
    data = np.random.default_rng(3).bytes(300_001)
    path = tmp_path / "x.bin"
    path.write_bytes(data)
    expected = randomness_tests(data)
    assert randomness_tests(path, chunk_size=4096) == expected
    assert randomness_tests(str(path)) == expected
    assert randomness_tests(io.BytesIO(data), chunk_size=1000) == expected
    assert randomness_tests(np.frombuffer(data, dtype=np.uint8)) == expected


# ---------------------------------------------------------------------------------------------
# Kernels against their pure-Python twins, bit for bit
# ---------------------------------------------------------------------------------------------

@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=600))
def test_kernels_equal_twins(data):
    from codelength.measures import _randomness
    from codelength.reference import randomness as twin
    b = np.frombuffer(data, dtype=np.uint8)
    assert _randomness.byte_pair_sum(b) == twin.byte_pair_sum(data)
    assert _randomness.bit_pair_count(b) == twin.bit_pair_count(data)
    whole = b[:b.size // 6 * 6]
    assert _randomness.monte_carlo_inside(np.ascontiguousarray(whole)) == twin.monte_carlo_inside(whole.tobytes())
    if b.size % 6:
        with pytest.raises(ValueError, match="6-byte"):
            _randomness.monte_carlo_inside(b)
        with pytest.raises(ValueError, match="6-byte"):
            twin.monte_carlo_inside(data)


def test_kernel_extremes():
    from codelength.measures import _randomness
    ones = np.full(1 << 16, 255, dtype=np.uint8)
    assert _randomness.byte_pair_sum(ones) == 255 * 255 * ((1 << 16) - 1)
    assert _randomness.bit_pair_count(ones) == 8 * (1 << 16) - 1
    assert _randomness.monte_carlo_inside(ones[:600]) == 0  # the corner (2^24 - 1, 2^24 - 1) is outside
    assert _randomness.monte_carlo_inside(np.zeros(600, dtype=np.uint8)) == 100


@pytest.mark.parametrize("chunk_size", [0, -5, 2.5, "4096"])
def test_chunk_size_is_checked(chunk_size):
    with pytest.raises((ValueError, TypeError), match="chunk_size"):
        randomness_tests(io.BytesIO(b"abc"), chunk_size=chunk_size)

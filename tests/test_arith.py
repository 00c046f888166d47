"""Arithmetic coding: kernels against their pure-Python twins, round trips, size bounds, quantisation."""
import math
import zlib

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import codelength
from codelength import CorruptDataError
from codelength.coders import adaptive as adaptive_coder, model as static_model, range as range_coder, rans as rans_coder
from codelength.coders import _adaptive, _model, _range, _rans
from codelength.reference import arith as ref, model as ref_model

from conftest import corpus_path


# ----------------------------------------------------------------------------- strategies
@st.composite
def symbol_arrays(draw, max_alphabet=300, max_size=400):
    """Skewed, uniform, single-symbol and empty symbol sequences over small alphabets."""
    k = draw(st.integers(1, max_alphabet))
    n = draw(st.integers(0, max_size))
    kind = draw(st.sampled_from(["uniform", "skewed", "single", "two"]))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    if kind == "uniform":
        a = rng.integers(0, k, n)
    elif kind == "skewed":
        a = np.minimum(rng.geometric(draw(st.floats(0.05, 0.95)), n) - 1, k - 1)
    elif kind == "single":
        a = np.full(n, k - 1)
    else:
        a = rng.choice([0, k - 1], n, p=[0.97, 0.03])
    return a.astype(np.uint8 if k <= 256 else np.uint16)


#: The wide rANS paths: AVX-512 (decoder), AVX2, scalar (where the CPU lacks one, it runs the next).
SIMD_MODES = ("avx512", "avx2", "scalar")


def _simd(mode):
    _rans.set_simd(mode != "scalar")
    _rans.set_avx512(mode == "avx512")


def _tables_for(a, bits):
    """Reference tables (lists) and kernel tables (arrays) of the quantised counts of ``a``."""
    counts = np.bincount(a, minlength=int(a.max()) + 1 if a.size else 1)
    if not a.size:
        counts[0] = 1
    freq = static_model.quantize_frequencies(counts, bits)
    cum = np.concatenate(([0], np.cumsum(freq))).astype(np.uint32)
    return freq.tolist(), cum.tolist(), freq, cum[:-1].copy()


# ----------------------------------------------------------------------------- kernels == twins
@given(a=symbol_arrays(), bits=st.integers(9, 20), streams=st.sampled_from([1, 2, 3, 4, 4, 5]))
def test_range_coder_matches_twin(a, bits, streams):
    fl, cl, fa, ca = _tables_for(a, bits)
    expected = ref.range_encode(a.tolist(), fl, cl, bits, streams)
    parts = _range.range_encode(a, fa, ca, bits, streams)
    assert static_model._varints([len(p) for p in parts[:-1]]) + b"".join(parts) == expected
    if streams in (1, 4):                          # encode1/encode4 (locals) and encode_lanes alike
        model = static_model.StaticModel._from_dense(fa, bits)
        was = _range.set_locals4(False)
        try:
            assert _range.range_encode(a, fa, ca, bits, streams) == parts
            assert range_coder.range_decode(expected, model, a.size, streams).tolist() == a.tolist()
            if len(expected) > 12:                 # damage: both decoders refuse it, or decode the same
                bad = bytearray(expected)
                bad[len(bad) // 2] ^= 0x5A
                results = []
                for locals4 in (False, True):
                    _range.set_locals4(locals4)
                    try:
                        results.append(range_coder.range_decode(bytes(bad), model, a.size, streams).tolist())
                    except CorruptDataError:
                        results.append("refused")
                assert results[0] == results[1]
        finally:
            _range.set_locals4(was)
    for j in range(streams):                       # stream j codes symbols j::streams, as one stream would
        assert _range.range_encode(np.ascontiguousarray(a[j::streams]), fa, ca, bits) == [parts[j]]
    assert ref.range_decode(expected, fl, cl, bits, a.size, streams) == a.tolist()
    model = static_model.StaticModel._from_dense(fa, bits)
    assert range_coder.range_decode(expected, model, a.size, streams).tolist() == a.tolist()


def test_four_stream_range_encoder_carries_and_tails():
    """encode4 on inputs built to carry (long runs of the most probable symbol under a skewed model, so
    low creeps up to the top) and on every tail length, against the twin and encode_lanes."""
    rng = np.random.default_rng(11)
    for n in (1, 2, 3, 4, 5, 6, 7, 4001, 4002, 4003):
        for p in (0.999, 0.5):
            a = np.where(rng.random(n) < p, 0, rng.integers(1, 40, n)).astype(np.uint8)
            a[-1] = 39
            fl, cl, fa, ca = _tables_for(a, 16)
            parts = _range.range_encode(a, fa, ca, 16, 4)
            was = _range.set_locals4(False)
            try:
                assert _range.range_encode(a, fa, ca, 16, 4) == parts
            finally:
                _range.set_locals4(was)
            assert static_model._varints([len(x) for x in parts[:-1]]) + b"".join(parts) == \
                ref.range_encode(a.tolist(), fl, cl, 16, 4)


@given(a=symbol_arrays(), bits=st.integers(9, 20), streams=st.integers(1, 8))
def test_rans_matches_twin(a, bits, streams):
    fl, cl, fa, ca = _tables_for(a, bits)
    expected = ref.rans_encode(a.tolist(), fl, cl, bits, streams)
    assert _rans.rans_encode(a, fa, ca, bits, streams) == expected
    assert ref.rans_decode(expected, fl, cl, bits, a.size, streams) == a.tolist()
    model = static_model.StaticModel._from_dense(fa, bits)
    assert rans_coder.rans_decode(expected, model, a.size, streams).tolist() == a.tolist()


@pytest.mark.parametrize("k", [1, 2, 17, 200, 256, 257])
def test_adaptive_order0_matches_twin_through_rescaling(k):
    """Long enough for the total to pass its limit several times (the halving), on both the byte-alphabet
    encoder (k <= 256) and the Fenwick tree."""
    rng = np.random.default_rng(k)
    a = np.minimum(rng.geometric(0.08, 6000) - 1, k - 1)
    a[::7] = rng.integers(0, k, a[::7].size)
    expected = ref.adaptive0_encode(a.tolist(), k)
    assert _adaptive.adaptive0_encode(a.astype(np.uint32), k) == expected
    out = np.empty(a.size, dtype=np.uint32)
    _adaptive.adaptive0_decode(np.frombuffer(expected, dtype=np.uint8), k, out)
    assert out.tolist() == a.tolist()


@given(a=symbol_arrays(max_alphabet=2000))
def test_adaptive_order0_matches_twin(a):
    k = int(a.max()) + 1 if a.size else 1
    expected = ref.adaptive0_encode(a.tolist(), k)
    assert _adaptive.adaptive0_encode(a.astype(np.uint32), k) == expected
    out = np.empty(a.size, dtype=np.uint32)
    _adaptive.adaptive0_decode(np.frombuffer(expected, dtype=np.uint8), k, out)
    assert out.tolist() == a.tolist() == ref.adaptive0_decode(expected, k, a.size)


@settings(max_examples=25)
@given(a=symbol_arrays(max_alphabet=256, max_size=300), order=st.integers(1, 4), table_bits=st.integers(10, 14))
def test_context_model_matches_twin(a, order, table_bits):
    data = a.astype(np.uint8).tobytes()
    expected = ref.context_encode(data, order, table_bits)
    assert _adaptive.context_encode(data, order, table_bits) == expected
    assert ref.context_decode(expected, order, table_bits, len(data)) == data
    model, payload = adaptive_coder.adaptive_encode(data, order, table_bits)
    assert payload == expected
    assert adaptive_coder.adaptive_decode(model, payload, len(data), order).tobytes() == data


@settings(max_examples=15)
@given(a=symbol_arrays(max_alphabet=256, max_size=200), order=st.integers(1, 4), table_bits=st.integers(10, 13))
def test_mixing_model_matches_twin(a, order, table_bits):
    data = a.astype(np.uint8).tobytes()
    expected = ref.mix_encode(data, order, table_bits)
    assert _adaptive.mix_encode(data, order, table_bits) == expected
    assert ref.mix_decode(expected, order, table_bits, len(data)) == data
    model, payload = adaptive_coder.adaptive_encode(data, order, table_bits, mix=True)
    assert payload == expected
    assert adaptive_coder.adaptive_decode(model, payload, len(data), order).tobytes() == data


def test_context_model_twin_on_text(sample_bytes):
    data = sample_bytes[:3000]
    expected = ref.context_encode(data, 2, 16)
    assert _adaptive.context_encode(data, 2, 16) == expected


def test_range_coder_carries_match_twin():
    # long runs of the top symbol push low towards the carry boundary
    freq = [1, (1 << 12) - 1]
    cum = [0, 1, 1 << 12]
    a = np.array([1] * 5000 + [0] + [1] * 5000 + [0, 0] + [1] * 3000, dtype=np.uint8)
    expected = ref.range_encode(a.tolist(), freq, cum, 12)
    assert _range.range_encode(a, np.array(freq, np.uint32), np.array(cum[:-1], np.uint32), 12) == [expected]
    assert ref.range_decode(expected, freq, cum, 12, a.size) == a.tolist()


# ----------------------------------------------------------------------------- round trips
arrays = st.one_of(
    st.binary(max_size=2000),
    st.builds(lambda b, n: b * n, st.binary(min_size=1, max_size=3), st.integers(1, 500)),
    symbol_arrays(max_alphabet=70000, max_size=600),
    st.lists(st.integers(0, 2**32 - 2), max_size=50).map(lambda v: np.array(v, dtype=np.uint32)),
    st.lists(st.integers(0, 2**40), max_size=30).map(lambda v: np.array(v, dtype=np.int64)),
)


def _same(a, b):
    if isinstance(a, bytes):
        return isinstance(b, bytes) and a == b
    return b.dtype == a.dtype and np.array_equal(a, b)


@pytest.mark.parametrize("coder, opts", [("range", {}), ("range", {"streams": 3}), ("rans", {}),
                                         ("rans", {"streams": 5}), ("adaptive", {}), ("adaptive", {"order": 0})])
@given(data=arrays)
def test_round_trip(coder, opts, data):
    if isinstance(data, np.ndarray) and data.size and int(data.max()) >= 2**32 - 1:
        data = data % (2**32 - 1)      # the container's alphabet size field is 32 bits
    blob = codelength.compress(data, coder=coder, **opts)
    assert _same(data, codelength.decompress(blob))


@pytest.mark.parametrize("order", [1, 2, 3, 4])
@given(data=st.one_of(st.binary(max_size=1500),
                      st.builds(lambda b, n: b * n, st.binary(min_size=1, max_size=5), st.integers(1, 300))))
def test_context_round_trip(order, data):
    blob = codelength.compress(data, coder="adaptive", order=order, table_bits=14)
    assert codelength.decompress(blob) == data


def test_alphabet_of_two_to_the_sixteen_and_beyond():
    rng = np.random.default_rng(5)
    full = rng.permutation(np.arange(1 << 16)).astype(np.uint16)      # every one of 65536 symbols
    wide = rng.integers(0, 1 << 20, 50000).astype(np.uint32)          # ~48000 distinct of 2**20
    for data in (full, wide):
        for coder in ("range", "rans", "adaptive"):
            assert np.array_equal(codelength.decompress(codelength.compress(data, coder=coder)), data)


def test_empty_and_single_symbol_payloads():
    for coder in ("range", "rans", "adaptive"):
        assert codelength.decompress(codelength.compress(b"", coder=coder)) == b""
    # one symbol costs nothing: the range coder's payload is empty
    m = static_model.StaticModel.from_data(b"x" * 1000)
    assert range_coder.range_encode(b"x" * 1000, m) == b""
    assert range_coder.range_decode(b"", m, 1000).tobytes() == b"x" * 1000


# ----------------------------------------------------------------------------- size bounds
@given(a=symbol_arrays(max_alphabet=1000, max_size=3000), bits=st.integers(10, 20))
def test_range_payload_within_ideal_plus_four_bytes(a, bits):
    if a.size == 0 or np.unique(a).size > 1 << bits:
        return
    model = static_model.StaticModel.from_data(a, scale_bits=bits)
    ideal = static_model.ideal_code_length(a, model)
    assert 8 * len(range_coder.range_encode(a, model)) <= ideal + 32
    # rANS: the final states are flushed whole (4 bytes per state)
    for streams in (1, 4):
        assert 8 * len(rans_coder.rans_encode(a, model, streams)) <= ideal + 32 * streams + 8


def test_size_bounds_on_large_order0_data():
    rng = np.random.default_rng(7)
    a = rng.choice(256, 1 << 20, p=np.r_[np.full(16, 0.05), np.full(240, 0.2 / 240)]).astype(np.uint8)
    model = static_model.StaticModel.from_data(a)
    ideal = static_model.ideal_code_length(a, model)
    for streams in (1, 4):
        assert 8 * len(range_coder.range_encode(a, model, streams)) <= ideal + 32 * streams + 8 * 5 * (streams - 1)
        assert 8 * len(rans_coder.rans_encode(a, model, streams)) <= ideal + 32 * streams + 8


@pytest.mark.parametrize("name", ["alice29.txt", "asyoulik.txt", "lcet10.txt", "plrabn12.txt", "html",
                                  "fireworks.jpeg", "paper-100k.pdf"])
def test_static_coders_within_a_thousandth_of_h0(name):
    data = corpus_path(name).read_bytes()
    h0 = codelength.empirical_entropy(data) * len(data)        # bits
    model = static_model.StaticModel.from_data(data)
    header = codelength.io.container.HEADER_SIZE + len(model.to_bytes(1))
    cost = static_model.quantization_cost(np.bincount(np.frombuffer(data, np.uint8), minlength=256),
                                model.probabilities(256) * model.total)
    assert cost <= 5e-4 * h0 + 64                              # quantisation costs little
    for coder in ("range", "rans"):
        blob = codelength.compress(data, coder=coder)
        assert codelength.decompress(blob) == data
        assert 8 * (len(blob) - header) <= 1.001 * h0 + 8 * 32


def test_adaptive_order2_beats_order0_entropy_and_zlib():
    data = corpus_path("alice29.txt").read_bytes()
    h0 = codelength.empirical_entropy(data)
    bpb = {k: 8 * len(codelength.compress(data, coder="adaptive", order=k)) / len(data) for k in (1, 2, 3)}
    assert bpb[1] < h0 - 0.8
    assert bpb[2] < bpb[1] and bpb[3] < bpb[2]
    zlib9 = 8 * len(zlib.compress(data, 9)) / len(data)
    assert bpb[2] < zlib9
    mixed = {k: 8 * len(codelength.compress(data, coder="adaptive", order=k, mix=True)) / len(data)
             for k in (2, 3)}
    assert mixed[2] < bpb[2] and mixed[3] < mixed[2] and mixed[3] < zlib9 - 0.4


@pytest.mark.parametrize("order", [1, 3])
@given(data=st.binary(max_size=600))
def test_mixing_round_trip(order, data):
    blob = codelength.compress(data, coder="adaptive", order=order, mix=True, table_bits=12)
    assert codelength.decompress(blob) == data


# ----------------------------------------------------------------------------- quantisation
@given(weights=st.lists(st.integers(0, 10**6), min_size=1, max_size=300), bits=st.integers(1, 16))
def test_quantisation_keeps_symbols_and_total(weights, bits):
    w = np.array(weights)
    if np.count_nonzero(w) == 0 or np.count_nonzero(w) > 1 << bits:
        with pytest.raises(ValueError) if np.count_nonzero(w) > 1 << bits else _nothing():
            static_model.quantize_frequencies(w, bits)
        return
    f = static_model.quantize_frequencies(w, bits)
    assert int(f.sum()) == 1 << bits
    assert np.all((f > 0) == (w > 0))


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


@given(weights=st.lists(st.integers(1, 50), min_size=2, max_size=4), bits=st.integers(2, 5))
def test_quantisation_is_optimal_on_small_cases(weights, bits):
    w = np.array(weights, dtype=float)
    total = 1 << bits
    if w.size > total:
        return
    f = static_model.quantize_frequencies(w, bits)
    best = math.inf

    def search(prefix, left):
        nonlocal best
        if len(prefix) == w.size - 1:
            if left >= 1:
                cand = np.array(prefix + [left], dtype=float)
                best = min(best, static_model.quantization_cost(w, cand))
            return
        for v in range(1, left - (w.size - len(prefix) - 1) + 1):
            search(prefix + [v], left - v)

    search([], total)
    assert static_model.quantization_cost(w, f) <= best + 1e-9


def _plain_choice(w, max_bits=None):
    """choose_scale_bits without pruning: every total from the smallest up, the first least cost kept."""
    w = np.asarray(w, dtype=float)
    k = int(np.count_nonzero(w))
    low = max(1, (k - 1).bit_length())
    max_bits = min(static_model.MAX_SCALE_BITS, max(15, low + 2)) if max_bits is None else max_bits
    best, best_bits = math.inf, max_bits
    for bits in range(low, max_bits + 1):
        f = static_model.quantize_frequencies(w, bits)
        cost = static_model.quantization_cost(w, f) + 8.0 * sum((int(x).bit_length() - 1) // 7 + 1 for x in f[f > 0])
        if cost < best - 1e-9:
            best, best_bits = cost, bits
    return best_bits


@settings(max_examples=40, deadline=None)
@given(weights=st.lists(st.integers(0, 10**5), min_size=2, max_size=400), skew=st.floats(0.0, 3.0))
def test_choose_scale_bits_prunes_nothing_it_should_not(weights, skew):
    w = np.array(weights, dtype=float) ** skew * (np.array(weights) > 0)
    if np.count_nonzero(w) < 2:
        return
    assert static_model.choose_scale_bits(w) == _plain_choice(w)
    bits, f = static_model._choose_scale_bits(w, None)
    assert np.array_equal(f, static_model.quantize_frequencies(w, bits)) or \
        abs(static_model.quantization_cost(w, f) - static_model.quantization_cost(w, static_model.quantize_frequencies(w, bits))) < 1e-9


def test_choose_scale_bits_prunes_nothing_on_text(sample_bytes):
    for n in (100, 1000, 10000, len(sample_bytes)):
        counts = np.bincount(np.frombuffer(sample_bytes[:n], np.uint8), minlength=256)
        assert static_model.choose_scale_bits(counts) == _plain_choice(counts)


def test_choose_scale_bits_and_cost_are_small_for_text(sample_bytes):
    counts = np.bincount(np.frombuffer(sample_bytes, np.uint8), minlength=256)
    bits = static_model.choose_scale_bits(counts)
    f = static_model.quantize_frequencies(counts, bits)
    n_h0 = codelength.empirical_entropy(sample_bytes) * len(sample_bytes)
    assert static_model.quantization_cost(counts, f) <= 1e-3 * n_h0


# ----------------------------------------------------------------------------- model from q: H(p, q)
def test_cross_entropy_in_real_bytes():
    rng = np.random.default_rng(11)
    p = rng.dirichlet(np.ones(64) * 0.5)
    q = rng.dirichlet(np.ones(64) * 0.5) * 0.5 + p * 0.5      # q > 0 wherever p > 0
    data = rng.choice(64, 200_000, p=p).astype(np.uint8).tobytes()
    counts = np.bincount(np.frombuffer(data, np.uint8), minlength=64)
    n = len(data)
    cross = float(np.sum(counts[counts > 0] * -np.log2(q[counts > 0] / q.sum())))   # n * H(p_hat, q)
    own = float(np.sum(counts[counts > 0] * -np.log2(counts[counts > 0] / n)))      # n * H(p_hat)
    for coder in ("range", "rans"):
        (block,) = codelength.io.stream.blocks(codelength.compress(data, coder=coder, model=q))
        bits = 8 * len(block["payload"])
        assert abs(bits - cross) <= 1e-4 * cross + 64           # within 0.01 % + 8 bytes of n H(p, q)
        assert codelength.decompress(codelength.compress(data, coder=coder, model=q)) == data
    assert cross - own > 0.01 * own                             # the KL(p || q) term shows


def test_zero_probability_symbols_get_minimum_frequency():
    data = b"aaab" * 100 + b"z"
    q = np.zeros(256)
    q[ord("a")], q[ord("b")] = 0.75, 0.25
    model = static_model.StaticModel.from_probabilities(q, occurring=np.unique(np.frombuffer(data, np.uint8)))
    assert model.freqs[list(model.symbols).index(ord("z"))] == 1
    for coder in ("range", "rans"):
        assert codelength.decompress(codelength.compress(data, coder=coder, model=q)) == data
    strict = static_model.StaticModel.from_probabilities(q)
    with pytest.raises(ValueError, match="probability 0"):
        range_coder.range_encode(data, strict)


def test_probability_vector_longer_than_the_alphabet():
    data = np.array([0, 1, 2, 1, 0, 2, 2], dtype=np.int32)      # alphabet 0..2
    q = np.array([0.2, 0.2, 0.2, 0.4])
    for coder in ("range", "rans"):
        assert np.array_equal(codelength.decompress(codelength.compress(data, coder=coder, model=q)), data)
    with pytest.raises(ValueError, match="outside the alphabet"):
        codelength.compress(data, coder="range", model=static_model.StaticModel.from_probabilities(q))


# ----------------------------------------------------------------------------- errors
def test_bad_options_are_refused():
    with pytest.raises(ValueError):
        codelength.compress(b"abc", coder="range", order=2)
    with pytest.raises(ValueError):
        codelength.compress(b"abc", coder="adaptive", order=9)
    with pytest.raises(ValueError):
        codelength.compress(np.array([300, 2]), coder="adaptive", order=1)
    with pytest.raises(ValueError):
        codelength.compress(b"abc", coder="rans", streams=9)


@pytest.mark.parametrize("coder, opts", [("range", {}), ("range", {"streams": 4}), ("rans", {}),
                                         ("adaptive", {}), ("adaptive", {"order": 3}),
                                         ("adaptive", {"order": 2, "mix": True, "table_bits": 12})])
@given(data=st.binary(min_size=1, max_size=800), damage=st.data())
def test_low_level_decoders_refuse_or_survive_damage(coder, opts, data, damage):
    module = {"range": range_coder, "rans": rans_coder, "adaptive": adaptive_coder}[coder]
    param, model, payload = getattr(module, f"encode_{coder}")(np.frombuffer(data, np.uint8), 256, **opts)
    decode = getattr(module, f"decode_{coder}")
    model, payload = bytearray(model), bytearray(payload)
    what = damage.draw(st.sampled_from(["model", "payload", "cut", "extend", "random"]))
    if what == "model" and model:
        model[damage.draw(st.integers(0, len(model) - 1))] = damage.draw(st.integers(0, 255))
    elif what == "payload" and payload:
        payload[damage.draw(st.integers(0, len(payload) - 1))] ^= damage.draw(st.integers(1, 255))
    elif what == "cut":
        payload = payload[:damage.draw(st.integers(0, len(payload)))]
    elif what == "extend":
        payload += damage.draw(st.binary(min_size=1, max_size=9))
    else:
        payload = bytearray(damage.draw(st.binary(max_size=64)))
    n = len(data) + damage.draw(st.integers(-2, 2)) if what == "random" else len(data)
    try:
        out = decode(param, bytes(model), bytes(payload), max(n, 0), 256)
    except CorruptDataError:
        return
    assert len(out) == max(n, 0)             # decoded something of the promised length (the CRC judges it)


# ----------------------------------------------------------------------------- integer parameters
@pytest.mark.parametrize("coder, option", [
    ("adaptive", "order"), ("adaptive", "table_bits"), ("range", "streams"), ("rans", "streams"),
    ("range", "scale_bits"), ("rans", "scale_bits"),
])
@pytest.mark.parametrize("value", [1.5, 2.0, True, "2"])
def test_integer_parameters_are_not_truncated(coder, option, value):
    kwargs = {option: value}
    if option == "table_bits":
        kwargs["order"] = 1
    with pytest.raises(TypeError, match=option):
        codelength.compress(b"abracadabra" * 8, coder=coder, **kwargs)


def test_integer_parameters_accept_numpy_integers():
    data = b"abracadabra" * 8
    for coder, kwargs in [("adaptive", {"order": np.int64(1), "table_bits": np.uint8(12)}),
                          ("range", {"streams": np.int32(2), "scale_bits": np.int64(12)}),
                          ("rans", {"streams": np.int8(2), "scale_bits": np.uint16(12)})]:
        assert codelength.decompress(codelength.compress(data, coder=coder, **kwargs)) == data


# ----------------------------------------------------------------------------- model=q validation
@pytest.mark.parametrize("coder", ["range", "rans"])
@pytest.mark.parametrize("q, error, message", [
    (np.full((16, 16), 1 / 256), ValueError, "one-dimensional"),
    (np.full(256, 1 / 256) + 0.5j, TypeError, "model"),
    (np.full(256, 1 / 256) > 0, TypeError, "model"),
    (np.r_[np.full(255, 1 / 255), np.nan], ValueError, "NaN"),
    (np.r_[np.full(255, 2 / 255), -1.0], ValueError, "negative"),
    (np.full(256, 1 / 200), ValueError, "model"),                    # sums to 1.28
])
def test_model_vector_is_validated(coder, q, error, message):
    with pytest.raises(error, match=message):
        codelength.compress(b"abcabc", coder=coder, model=q)


@pytest.mark.parametrize("coder", ["range", "rans"])
def test_model_vector_shorter_than_the_data_alphabet_is_refused(coder):
    with pytest.raises(ValueError, match=r"2 entries.*100"):
        codelength.compress(b"abc", coder=coder, model=[0.5, 0.5])
    with pytest.raises(ValueError, match=r"3 entries.*5"):
        codelength.compress(np.array([0, 4, 2]), coder=coder, model=[0.2, 0.3, 0.5])
    data = np.array([0, 2, 1, 2])                                   # q covering 0..max(data) is enough
    assert np.array_equal(codelength.decompress(codelength.compress(data, coder=coder, model=[0.2, 0.3, 0.5])),
                          data)


# ----------------------------------------------------------------------------- payload exhaustion
_EXHAUSTION_CASES = [("range", {"streams": 1}), ("range", {"streams": 2}), ("range", {"streams": 4}),
                     ("range", {"streams": 3}), ("adaptive", {"order": 0}), ("adaptive", {"order": 2}),
                     ("adaptive", {"order": 2, "mix": True})]


@pytest.mark.parametrize("coder, options", _EXHAUSTION_CASES)
def test_decoders_stop_when_the_payload_runs_out(coder, options):
    """A frame claiming far more symbols than its payload holds is refused by the backend itself (before
    the container's CRC check), not decoded into millions of garbage symbols."""
    import dataclasses
    rng = np.random.default_rng(5)
    data = rng.choice(list(b"etaoin shrdlu"), 3000).astype(np.uint8).tobytes()
    blob = codelength.io.oneshot._compress_v1(data, coder=coder, **options)   # one v1 frame: trusts n
    assert codelength.decompress(blob) == data
    frame = codelength.io.container.unpack(blob)
    decode = range_coder.decode_range if coder == "range" else adaptive_coder.decode_adaptive
    payload = bytes(frame.payload)
    assert bytes(decode(frame.param, frame.model, payload, frame.n, frame.alphabet_size)) == data
    with pytest.raises(CorruptDataError):
        decode(frame.param, frame.model, payload, 2**24, frame.alphabet_size)
    claimed = codelength.io.container.pack(dataclasses.replace(frame, n=2**24, payload=payload))
    with pytest.raises(CorruptDataError):
        codelength.decompress(claimed)


@pytest.mark.parametrize("streams", [1, 4])
def test_twin_refuses_the_same_exhausted_streams(streams):
    a = np.frombuffer(b"the quick brown fox jumps over the lazy dog " * 20, np.uint8)
    fl, cl, fa, ca = _tables_for(a, 12)
    payload = ref.range_encode(a.tolist(), fl, cl, 12, streams)
    assert ref.range_decode(payload, fl, cl, 12, a.size, streams) == a.tolist()
    with pytest.raises(ref.CorruptPayload):
        ref.range_decode(payload, fl, cl, 12, 2**24, streams)
    with pytest.raises(CorruptDataError):
        range_coder.range_decode(payload, static_model.StaticModel._from_dense(fa, 12), 2**24, streams)
    adaptive = ref.adaptive0_encode(a.tolist(), 256)
    with pytest.raises(ref.CorruptPayload):
        ref.adaptive0_decode(adaptive, 256, 2**24)
    with pytest.raises(CorruptDataError):
        _adaptive.adaptive0_decode(np.frombuffer(adaptive, np.uint8), 256, np.empty(2**24, np.uint32))
    data = a[:200].tobytes()
    for encode, decode, kernel in ((ref.context_encode, ref.context_decode, _adaptive.context_decode),
                                   (ref.mix_encode, ref.mix_decode, _adaptive.mix_decode)):
        payload = encode(data, 2, 12)
        assert decode(payload, 2, 12, len(data)) == data
        with pytest.raises(ref.CorruptPayload):
            decode(payload, 2, 12, 2**24)
        with pytest.raises(CorruptDataError):
            kernel(np.frombuffer(payload, np.uint8), 2, 12, np.empty(2**24, np.uint8))


@pytest.mark.parametrize("coder, options", _EXHAUSTION_CASES)
def test_streams_ending_in_long_runs_still_decode(coder, options):
    """Runs of the most probable symbol cost a fraction of a bit each and emit zero bytes: the payload
    keeps them (only the flush's own trailing zeros are dropped), so the decoder never needs more than
    the register's 7 bytes past the end."""
    for data in (b"b" + b"a" * 200_000, b"ab" * 50 + b"a" * 100_000, b"\x00" * 5 + b"\x01" + b"\x00" * 50_000):
        blob = codelength.compress(data, coder=coder, **options)
        assert codelength.decompress(blob) == data
    zeros = bytes(100_000)
    blob = codelength.io.oneshot._compress_v1(zeros, coder="range", model=[0.5, 0.5])   # a bit a symbol
    assert len(codelength.io.container.unpack(blob).payload) >= 100_000 // 8 - 8   # all zero bytes, kept
    assert codelength.decompress(blob) == zeros


def test_runs_of_zero_bytes_match_twin():
    """The kernels and twins agree on payloads whose coded bytes end in zeros (kept up to the flush)."""
    a = np.r_[np.ones(3, np.uint8), np.zeros(5000, np.uint8)]
    fl, cl, fa, ca = _tables_for(np.r_[a, np.ones(5000, np.uint8)], 12)        # p(0) = 1/2
    expected = ref.range_encode(a.tolist(), fl, cl, 12, 1)
    assert len(expected) >= 5000 // 8
    assert _range.range_encode(a, fa, ca, 12) == [expected]
    assert range_coder.range_decode(expected, static_model.StaticModel._from_dense(fa, 12), a.size, 1).tolist() == a.tolist()
    assert ref.range_decode(expected, fl, cl, 12, a.size) == a.tolist()
    data = bytes(a)
    assert _adaptive.adaptive0_encode(a.astype(np.uint32), 2) == ref.adaptive0_encode(a.tolist(), 2)
    assert _adaptive.context_encode(a, 1, 12) == ref.context_encode(data, 1, 12)
    assert _adaptive.mix_encode(a, 1, 12) == ref.mix_encode(data, 1, 12)


# ----------------------------------------------------------------------------- review: edge cases
@pytest.mark.parametrize("coder", ["range", "rans"])
def test_scale_bits_zero_is_refused_at_encode_not_at_decode(coder):
    # one symbol fits a total of 2**0, but the model section allows 1..MAX_SCALE_BITS: the blob
    # used to be written and then refused by decompress
    with pytest.raises(ValueError, match="scale_bits"):
        codelength.compress(b"aaaa", coder=coder, scale_bits=0)
    assert codelength.decompress(codelength.compress(b"aaaa", coder=coder, scale_bits=1)) == b"aaaa"


@pytest.mark.parametrize("encode", [range_coder.range_encode, rans_coder.rans_encode])
def test_low_level_encoders_refuse_symbols_outside_the_tables_even_unchecked(encode):
    # check=False skips the zero-frequency test, but a symbol past the table must never reach the
    # unchecked kernel (it read out of bounds: SystemError or a silently wrong payload)
    m = static_model.StaticModel.from_data(b"abcabc")
    with pytest.raises(ValueError, match="probability 0"):
        encode(b"ab\xff", m, check=False)


def _broken_models():
    u64, u32 = np.uint64, np.uint32
    return [
        static_model.StaticModel(np.array([1, 2], dtype=u64), np.array([1, 1], dtype=u32), 4),    # sum != 16
        static_model.StaticModel(np.array([1, 2], dtype=u64), np.array([10, 10], dtype=u32), 4),  # sum > 16
        static_model.StaticModel(np.array([2, 1], dtype=u64), np.array([8, 8], dtype=u32), 4),    # not sorted
        static_model.StaticModel(np.array([1, 2], dtype=u64), np.array([0, 16], dtype=u32), 4),   # a zero
        static_model.StaticModel(np.array([1, 2], dtype=u64), np.array([1, 1], dtype=u32), 25),   # total too big
        static_model.StaticModel(np.array([1], dtype=u64), np.array([1], dtype=u32), 0),           # total 2**0
        static_model.StaticModel(np.zeros(0, dtype=u64), np.zeros(0, dtype=u32), 4),               # empty
    ]


@pytest.mark.parametrize("index", range(7))
@pytest.mark.parametrize("coder", ["range", "rans"])
def test_inconsistent_static_models_are_refused(coder, index):
    m = _broken_models()[index]
    encode, decode = (range_coder.range_encode, range_coder.range_decode) if coder == "range" else (rans_coder.rans_encode, rans_coder.rans_decode)
    with pytest.raises(ValueError, match="model"):
        encode(b"\x01\x02", m)
    with pytest.raises(ValueError, match="model"):
        decode(b"\x01\x02\x03\x04" * 8, m, 10)


@pytest.mark.parametrize("coder", ["range", "rans"])
@pytest.mark.parametrize("value", [2.5, True, "2"])
def test_low_level_stream_counts_must_be_integers(coder, value):
    encode, decode = (range_coder.range_encode, range_coder.range_decode) if coder == "range" else (rans_coder.rans_encode, rans_coder.rans_decode)
    m = static_model.StaticModel.from_data(b"abcabc")
    with pytest.raises(TypeError, match="streams"):
        encode(b"abc", m, value)
    with pytest.raises(TypeError, match="streams"):
        decode(b"\x00" * 16, m, 3, value)


def test_quantization_cost_refuses_bad_weights():
    for bad in ([-1, 2], [np.nan, 2], [np.inf, 2]):
        with pytest.raises(ValueError):
            static_model.quantization_cost(bad, [4, 4])
    with pytest.raises(ValueError):
        static_model.quantization_cost([1, 2], [-4, 4])


def test_quantisation_parameters_are_integers():
    with pytest.raises(TypeError, match="scale_bits"):
        static_model.quantize_frequencies([1, 2], 1.5)
    with pytest.raises(TypeError, match="scale_bits"):
        static_model.quantize_frequencies([1, 2], True)
    with pytest.raises(TypeError, match="max_bits"):
        static_model.choose_scale_bits([1, 1, 1], 2.5)
    with pytest.raises(ValueError, match="max_bits"):
        static_model.choose_scale_bits([1, 1, 1], static_model.MAX_SCALE_BITS + 1)
    with pytest.raises(ValueError, match="max_bits"):
        static_model.choose_scale_bits([1], 0)


def test_occurring_symbols_are_validated():
    with pytest.raises(ValueError, match="occurring"):
        static_model.StaticModel.from_probabilities([0.5, 0.5], occurring=[-1])
    with pytest.raises(ValueError, match="occurring"):
        static_model.StaticModel.from_probabilities([0.5, 0.5], occurring=[2**40])


def test_low_level_adaptive_parameters_are_integers():
    with pytest.raises(TypeError, match="order"):
        adaptive_coder.adaptive_encode(b"abc", 1.5)
    with pytest.raises(TypeError, match="table_bits"):
        adaptive_coder.adaptive_encode(b"abc", 1, 12.5)
    with pytest.raises(TypeError, match="mix"):
        codelength.compress(b"abc", coder="adaptive", order=1, mix="no")
    with pytest.raises(TypeError, match="mix"):
        adaptive_coder.adaptive_encode(b"abc", 1, 12, mix="no")


@pytest.mark.parametrize("coder", ["range", "rans"])
def test_static_coders_refuse_a_non_integer_order(coder):
    with pytest.raises(TypeError, match="order"):
        codelength.compress(b"abc", coder=coder, order=0.0)


@pytest.mark.parametrize("encode", [range_coder.range_encode, rans_coder.rans_encode])
def test_unchecked_encoders_refuse_zero_frequency_symbols(encode):
    # 'b' lies inside the dense table with frequency 0: the unchecked kernel corrupted the heap
    m = static_model.StaticModel.from_data(b"acac")
    with pytest.raises(ValueError, match="probability 0"):
        encode(b"abab", m, check=False)


@pytest.mark.parametrize("weights", [[1e300, 1e-300, 5e-324, 1.0], [1.7e308, 1.7e308, 1.0], [1e-320, 1e-321]])
def test_quantisation_cost_is_finite_and_non_negative_for_extreme_weights(weights):
    # weights / sum(weights) underflowed to 0 (or the sum overflowed): the cost came out -inf
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        bits = static_model.choose_scale_bits(weights)
        f = static_model.quantize_frequencies(weights, bits)
        cost = static_model.quantization_cost(weights, f)
    assert f.sum() == 2**bits and np.all(f >= 1)
    assert math.isfinite(cost) and cost >= 0


def test_ideal_code_length_refuses_inconsistent_models():
    # unsorted symbols made the searchsorted lookup miss symbols the model has: inf, silently
    unsorted = static_model.StaticModel(np.array([98, 97], dtype=np.uint64), np.array([8, 8], dtype=np.uint32), 4)
    with pytest.raises(ValueError, match="model"):
        static_model.ideal_code_length(b"ab", unsorted)
    with pytest.raises(TypeError, match="model"):
        range_coder.range_encode(b"ab", static_model.StaticModel([97, 98], [8, 8], 4))
    empty = static_model.StaticModel(np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=np.uint32), 4)
    assert static_model.ideal_code_length(b"ab", empty) == math.inf
    assert static_model.ideal_code_length(b"ab", static_model.StaticModel.from_data(b"ab")) == 2.0


@pytest.mark.parametrize("n, error", [(-1, ValueError), (1.5, TypeError), (True, TypeError)])
def test_low_level_decoders_check_the_symbol_count(n, error):
    m = static_model.StaticModel.from_data(b"abcabc")
    payload = range_coder.range_encode(b"abc", m)
    for call in (lambda: range_coder.range_decode(payload, m, n), lambda: rans_coder.rans_decode(payload, m, n),
                 lambda: adaptive_coder.adaptive_decode(b"\x01\x00", b"", n)):
        with pytest.raises(error, match="n "):
            call()


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), bits=st.integers(1, 8), streams=st.integers(1, 8),
       n=st.integers(0, 300))
def test_small_totals_and_all_stream_counts_match_twin(seed, bits, streams, n):
    # the twin tests above draw 9..20 bits and range streams up to 5: cover totals 2**1..2**8 and 6..8 streams
    rng = np.random.default_rng(seed)
    k = int(rng.integers(1, (1 << bits) + 1))
    a = np.minimum(rng.geometric(0.3, n) - 1, k - 1).astype(np.uint8)
    fl, cl, fa, ca = _tables_for(a, bits)
    expected = ref.range_encode(a.tolist(), fl, cl, bits, streams)
    parts = _range.range_encode(a, fa, ca, bits, streams)
    assert static_model._varints([len(p) for p in parts[:-1]]) + b"".join(parts) == expected
    model = static_model.StaticModel._from_dense(fa, bits)
    assert range_coder.range_decode(expected, model, a.size, streams).tolist() == a.tolist()
    expected = ref.rans_encode(a.tolist(), fl, cl, bits, streams)
    assert _rans.rans_encode(a, fa, ca, bits, streams) == expected
    assert rans_coder.rans_decode(expected, model, a.size, streams).tolist() == a.tolist()


@pytest.mark.parametrize("coder", ["range", "rans"])
@pytest.mark.parametrize("options, error", [({"streams": 99}, ValueError), ({"streams": 1.5}, TypeError),
                                            ({"scale_bits": 30}, ValueError), ({"scale_bits": "8"}, TypeError),
                                            ({"model": [0.5, float("nan")]}, ValueError)])
def test_static_options_are_checked_on_empty_input_too(coder, options, error):
    # the empty-input shortcut returned before any option was looked at
    with pytest.raises(error):
        codelength.compress(b"", coder=coder, **options)


def test_adaptive_table_bits_checked_at_order_zero_and_on_empty_input():
    with pytest.raises(ValueError, match="table_bits"):
        codelength.compress(b"abc", coder="adaptive", order=0, table_bits=99)
    with pytest.raises(ValueError, match="order"):
        codelength.compress(b"", coder="adaptive", order=9)


@pytest.mark.parametrize("coder", ["range", "rans"])
def test_scale_bits_with_a_static_model_object_is_not_ignored(coder):
    m = static_model.StaticModel.from_data(b"abcabc")
    with pytest.raises(ValueError, match="scale_bits"):
        codelength.compress(b"abc", coder=coder, model=m, scale_bits=m.scale_bits + 1)
    blob = codelength.compress(b"abc", coder=coder, model=m, scale_bits=m.scale_bits)
    assert codelength.decompress(blob) == b"abc"


def test_probabilities_refuses_an_alphabet_smaller_than_the_model():
    m = static_model.StaticModel.from_data(b"abc")
    assert static_model.StaticModel.from_data(b"abc").probabilities(256).sum() == pytest.approx(1.0)
    with pytest.raises(ValueError, match="alphabet"):
        m.probabilities(50)
    with pytest.raises(TypeError, match="alphabet_size"):
        m.probabilities(256.0)


@pytest.mark.parametrize("table_bits", [adaptive_coder.DEFAULT_TABLE_BITS, adaptive_coder.MAX_TABLE_BITS])
@pytest.mark.parametrize("order", [1, 4])
def test_context_and_mix_models_match_twin_at_large_tables(order, table_bits):
    # the hypothesis twin tests draw table_bits 10..14; the default 22 and the maximum 24 use the hash's high bits
    rng = np.random.default_rng(order * 100 + table_bits)
    data = bytes(rng.choice(list(b"the quick brown fox "), 1500).tolist()) + bytes(rng.integers(0, 256, 300).tolist())
    expected = ref.context_encode(data, order, table_bits)
    assert _adaptive.context_encode(data, order, table_bits) == expected
    assert adaptive_coder.adaptive_decode(bytes([table_bits]), expected, len(data), order).tobytes() == data
    expected = ref.mix_encode(data[:600], order, table_bits)
    assert _adaptive.mix_encode(data[:600], order, table_bits) == expected
    assert adaptive_coder.adaptive_decode(bytes([table_bits, 1]), expected, 600, order).tobytes() == data[:600]


# ----------------------------------------------------------------------------- the wide rANS (32 x 16)
@given(a=symbol_arrays(max_size=2000), bits=st.integers(9, 15))
def test_wide_rans_matches_twin(a, bits):
    fl, cl, fa, ca = _tables_for(a, bits)
    expected = ref.rans16_encode(a.tolist(), fl, cl, bits)
    for simd in SIMD_MODES:                    # the encoder's AVX2 path (where the CPU has it) and scalar one
        _simd(simd)
        try:
            assert _rans.rans16_encode(a, fa, ca, bits) == expected
        finally:
            _simd("avx512")
    assert ref.rans16_decode(expected, fl, cl, bits, a.size) == a.tolist()
    model = static_model.StaticModel._from_dense(fa, bits)
    assert rans_coder.rans_encode(a, model, 32) == expected
    for simd in SIMD_MODES:                    # the SIMD paths (where the CPU has them) and the scalar one
        _simd(simd)
        try:
            assert rans_coder.rans_decode(expected, model, a.size, 32).tolist() == a.tolist()
        finally:
            _simd("avx512")


@pytest.mark.parametrize("bits", [1, 2, 3, 8, 12, 15])
def test_wide_rans_encoder_paths_on_extreme_frequencies(bits):
    """The AVX2 encoder derives x_max, the complement and the reciprocal's shift from f: frequencies of 1
    (the special reciprocal), powers of two, 2**k + 1 and the largest f a two-symbol code allows, on
    whole groups, against the twin and the scalar path."""
    rng = np.random.default_rng(1000 + bits)
    total = 1 << bits
    shapes = [[total - 1, 1], [1, total - 1]]
    if bits >= 4:
        shapes += [[1] * 5 + [total - 5], [total // 2, total // 4 + 1, total // 4 - 3, 1, 1]]
    if bits >= 8:
        k = bits - 3
        shapes.append([1 << k, (1 << k) + 1, (1 << k) - 1, 3, 2, 1] + [0] * 40
                      + [total - 3 * (1 << k) - 6])
    for freq in shapes:
        fa = np.array(freq, np.uint32)
        assert int(fa.sum()) == total
        ca = np.concatenate(([0], np.cumsum(fa)[:-1])).astype(np.uint32)
        used = np.flatnonzero(fa)
        a = rng.choice(used, 32 * 40 + 7, p=fa[used] / total).astype(np.uint8)
        a[:len(used)] = used                       # every symbol, the rare ones included, occurs
        expected = ref.rans16_encode(a.tolist(), fa.tolist(), ca.tolist(), bits)
        for simd in SIMD_MODES:
            _simd(simd)
            try:
                assert _rans.rans16_encode(a, fa, ca, bits) == expected
                out = np.empty(a.size, np.uint8)
                _rans.rans16_decode(expected, fa, bits, out)
                assert np.array_equal(out, a)
            finally:
                _simd("avx512")


@pytest.mark.parametrize("bits", [1, 2, 8, 12, 15])
def test_wide_rans_small_totals_and_whole_groups(bits):
    rng = np.random.default_rng(bits)
    for n in (1, 31, 32, 33, 64 * 32, 64 * 32 + 5):
        a = rng.integers(0, 1 << min(bits, 8), n).astype(np.uint8)
        fl, cl, fa, ca = _tables_for(a, bits)
        payload = _rans.rans16_encode(a, fa, ca, bits)
        assert payload == ref.rans16_encode(a.tolist(), fl, cl, bits)
        for simd in SIMD_MODES:
            _simd(simd)
            out = np.empty(n, np.uint8)
            _rans.rans16_decode(payload, fa, bits, out)
            assert np.array_equal(out, a)
        _simd("avx512")


def test_wide_rans_is_the_backend_default_from_64_kib_and_caps_the_total():
    rng = np.random.default_rng(3)
    data = rng.choice(256, 1 << 17, p=np.r_[np.full(16, 0.05), np.full(240, 0.2 / 240)]).astype(np.uint8).tobytes()
    blob = codelength.compress(data, coder="rans")
    (block,) = codelength.io.stream.blocks(blob)
    assert block["model"][1] == 32 and block["model"][0] <= static_model.RANS_WIDE_BITS
    assert codelength.decompress(blob) == data
    blob = codelength.compress(data, coder="rans", scale_bits=18)        # above 2**15: byte-wise states
    assert codelength.io.stream.blocks(blob)[0]["model"][1] == static_model.RANS_STREAMS
    assert codelength.decompress(blob) == data
    assert codelength.io.stream.blocks(codelength.compress(data[:1000], coder="rans"))[0]["model"][1] == 1


def test_wide_rans_refuses_bad_options_and_payloads():
    a = np.frombuffer(b"abracadabra" * 50, np.uint8)
    model = static_model.StaticModel.from_data(a, 16)
    with pytest.raises(ValueError, match="scale_bits <= 15"):
        rans_coder.rans_encode(a, model, 32)
    with pytest.raises(CorruptDataError):
        rans_coder.rans_decode(b"\0" * 200, model, a.size, 32)       # a total above 2**15
    with pytest.raises(ValueError):
        rans_coder.rans_encode(a, model, 16)
    model = static_model.StaticModel.from_data(a, 12)
    payload = rans_coder.rans_encode(a, model, 32)
    for bad in (payload[:-2], payload[:-1], payload + b"\0\0", payload[:127], b"", b"\xff" * len(payload)):
        for simd in SIMD_MODES:
            _simd(simd)
            with pytest.raises(CorruptDataError):
                rans_coder.rans_decode(bad, model, a.size, 32)
    _simd("avx512")
    out = np.empty(a.size, np.uint8)
    with pytest.raises(ValueError):                                    # tables that do not sum to the total
        _rans.rans16_decode(payload, np.array([1, 2, 3], np.uint32), 12, out)
    with pytest.raises(ValueError):                                    # symbols the output cannot hold
        _rans.rans16_decode(payload, np.ones(4096, np.uint32), 12, out)


@settings(max_examples=200)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 3000))
def test_wide_rans_random_payloads_never_crash(seed, n):
    """Random and mutated payloads: the kernel (both paths) raises CorruptDataError or returns symbols
    of the table, reading nothing past the payload (states stay in range by construction)."""
    rng = np.random.default_rng(seed)
    a = rng.integers(0, 40, n).astype(np.uint8)
    fl, cl, fa, ca = _tables_for(a, 12)
    payload = bytearray(_rans.rans16_encode(a, fa, ca, 12))
    for _ in range(int(rng.integers(1, 4))):
        payload[int(rng.integers(0, len(payload)))] ^= 1 << int(rng.integers(0, 8))
    if rng.random() < 0.3:
        payload = payload[:int(rng.integers(0, len(payload)))]
    for simd in SIMD_MODES:
        _simd(simd)
        out = np.zeros(n, np.uint8)
        try:
            _rans.rans16_decode(bytes(payload), fa, 12, out)
        except CorruptDataError:
            continue
        finally:
            _simd("avx512")
        assert int(out.max()) < fa.size


# ----------------------------------------------------------------------------- the scale search kernel
@settings(max_examples=60, deadline=None)
@given(weights=st.lists(st.integers(1, 10**6), min_size=2, max_size=300), skew=st.floats(0.2, 3.0),
       extra=st.integers(0, 3), only=st.booleans())
def test_scale_search_kernel_matches_twin(weights, skew, extra, only):
    w = np.array(weights, dtype=float) ** skew
    top = float(w.max())
    low = max(1, (len(weights) - 1).bit_length())
    high = min(20, max(15, low + 2)) if not extra else min(20, low + extra)
    fixed = high if only else -1
    bits, f = _model.choose_scale(w / top, top, high, low, fixed)
    assert (bits, f.tolist()) == tuple(ref_model.choose_scale((w / top).tolist(), top, high, low, fixed))
    assert int(f.sum()) == 1 << bits and int(f.min()) >= 1 and (not only or bits == high)


def test_scale_search_kernel_refuses_what_it_cannot_hold():
    for args in ((np.ones(1), 1.0, 8, 1), (np.ones(5), 1.0, 2, 1), (np.ones(4), 1.0, 31, 2), (np.ones(4), 1.0, 3, 4)):
        with pytest.raises(ValueError):
            _model.choose_scale(*args)
        with pytest.raises(ValueError):
            ref_model.choose_scale(args[0].tolist(), *args[1:])


def test_small_varint_reader_matches_the_vectorised_one(monkeypatch):
    """Model sections of up to 64 numbers are read by a plain loop: same values, ends and refusals."""
    rng = np.random.default_rng(11)
    for _ in range(400):
        k = int(rng.integers(1, 80))
        raw = static_model._varints(rng.integers(0, 2 ** int(rng.integers(1, 35)), k))
        if rng.random() < 0.4:
            raw = bytearray(raw)
            raw[int(rng.integers(0, len(raw)))] = int(rng.integers(0, 256))
            raw = bytes(raw[:int(rng.integers(0, len(raw) + 1))])
        results = []
        for limit in (0, 10**9):
            monkeypatch.setattr(static_model, "_SMALL_VARINTS", limit)
            try:
                values, end = static_model._read_varints(raw, 0, k)
                results.append((values.tolist(), end))
            except CorruptDataError:
                results.append(None)
        assert results[0] == results[1]


# ----------------------------------------------------------------------------- byte blocks: one-call tables
@given(counts=st.lists(st.integers(0, 500), min_size=1, max_size=256), bits=st.integers(9, 20))
def test_byte_tables_match_twin(counts, bits):
    counts = np.array(counts, np.int64)
    if not counts.any():
        counts[0] = 1
    symbols = np.flatnonzero(counts).astype(np.uint64)
    if symbols.size > 1 << bits:
        return
    freqs = static_model.quantize_frequencies(counts[symbols.astype(np.intp)], bits).astype(np.uint32)
    got = _model.byte_tables(symbols, freqs, bits)
    want = ref_model.byte_tables(symbols.tolist(), freqs.tolist(), bits)
    assert [g.tolist() for g in got] == [list(w) for w in want]
    freq, cum = _model.dense_tables(symbols, freqs, 256, False)
    assert got[0].tolist() == freq.tolist() and got[1].tolist() == cum.tolist()


def test_byte_tables_refuse_what_the_kernels_cannot_index():
    sy, fr = np.array([3, 7], np.uint64), np.array([1, 511], np.uint32)
    for args in ((np.array([3, 256], np.uint64), fr, 9),        # a symbol beyond a byte
                 (np.array([7, 3], np.uint64), fr, 9),          # not increasing
                 (sy, np.array([0, 512], np.uint32), 9),        # a zero frequency
                 (sy, np.array([1, 510], np.uint32), 9),        # not summing to the total
                 (sy, fr, 0), (sy, fr, 21), (sy[:1], fr, 9)):
        with pytest.raises(ValueError):
            _model.byte_tables(*args)
        with pytest.raises(ValueError):
            ref_model.byte_tables(args[0].tolist(), args[1].tolist(), args[2])


@pytest.mark.parametrize("coder, options", [("rans", {}), ("rans", {"streams": 4}), ("rans", {"streams": 32}),
                                            ("range", {}), ("range", {"streams": 3}), ("range", {"scale_bits": 18})])
def test_byte_block_path_decodes_as_the_model_path(coder, options):
    """decode_into's path from the parsed section to the kernel gives the bytes the StaticModel path gives,
    and leaves the layouts it does not take (several range streams, the wide rANS) to it."""
    rng = np.random.default_rng(7)
    backend = rans_coder if coder == "rans" else range_coder
    for n in (1, 5, 1000, 3000, 70_000):
        a = rng.choice(60, n, p=np.r_[np.full(10, 0.08), np.full(50, 0.2 / 50)]).astype(np.uint8)
        a[:2] = [0, 59][:n]
        try:
            param, model, payload = (backend.encode_rans if coder == "rans" else backend.encode_range)(
                a, 256, **options)
        except ValueError:
            continue                      # e.g. the wide rANS below its least size
        out = np.empty(n, np.uint8)
        backend.decode_into(param, model, payload, out, 256)
        assert np.array_equal(out, a)
        general = (backend.decode_rans if coder == "rans" else backend.decode_range)(param, model, payload, n, 256)
        assert np.array_equal(general, a)
        if len(payload) > 8:
            bad = bytearray(payload)
            bad[len(bad) // 2] ^= 0x10
            out2 = np.empty(n, np.uint8)
            try:
                backend.decode_into(param, model, bytes(bad), out2, 256)
            except CorruptDataError:
                pass                      # or wrong bytes, which the stream's CRC-32 catches

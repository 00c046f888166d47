"""Small inputs: the per-call paths that avoid fixed costs give the same bytes as the twins.

The context model keeps the counter blocks a small input touches in a hash map instead of faulting in
pages of its 2**table_bits table (coders/_adaptive.pyx, Blocks); both storages must code exactly as the
twin, and the decoder must stay safe on any payload with either.
"""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import codelength
from codelength import CorruptDataError
from codelength.coders import _adaptive
from codelength.reference import arith as ref


def test_both_counter_storages_are_used():
    assert _adaptive.uses_sparse_table(22, 1)
    assert _adaptive.uses_sparse_table(22, 16383)
    assert not _adaptive.uses_sparse_table(22, 16384)
    assert not _adaptive.uses_sparse_table(10, 4)
    assert _adaptive.uses_sparse_table(16, 255) and not _adaptive.uses_sparse_table(16, 256)


@settings(max_examples=30, deadline=None)
@given(data=st.one_of(st.binary(min_size=1, max_size=400),
                      st.builds(lambda b, k: b * k, st.binary(min_size=1, max_size=3), st.integers(1, 150))),
       order=st.integers(1, 4), table_bits=st.sampled_from([12, 16, 18, 22]))
def test_context_model_storages_match_twin(data, order, table_bits):
    expected = ref.context_encode(data, order, table_bits)
    assert _adaptive.context_encode(data, order, table_bits) == expected
    out = np.empty(len(data), np.uint8)
    _adaptive.context_decode(np.frombuffer(expected, np.uint8), order, table_bits, out)
    assert out.tobytes() == data


def test_context_model_dense_and_sparse_sides_of_the_threshold(sample_bytes):
    # 255 bytes at table_bits 16 code in the hash map, 256 in the table; both as the twin
    for n in (255, 256):
        data = sample_bytes[:n]
        assert _adaptive.uses_sparse_table(16, n) == (n == 255)
        assert _adaptive.context_encode(data, 2, 16) == ref.context_encode(data, 2, 16)


@settings(max_examples=60, deadline=None)
@given(payload=st.binary(max_size=300), n=st.integers(1, 500), order=st.integers(1, 4),
       table_bits=st.sampled_from([16, 22]))
def test_context_decoder_is_safe_on_any_payload_with_either_storage(payload, n, order, table_bits):
    out = np.empty(n, np.uint8)
    try:
        _adaptive.context_decode(np.frombuffer(payload, np.uint8), order, table_bits, out)
    except CorruptDataError:
        return
    # no error: the payload decodes to n bytes, and the twin agrees on them
    assert ref.context_decode(payload, order, table_bits, n) == out.tobytes()


@pytest.mark.parametrize("coder, opts", [("huffman", {}), ("range", {}), ("rans", {}),
                                         ("adaptive", {"order": 0}), ("adaptive", {"order": 2})])
def test_small_inputs_round_trip(coder, opts, sample_bytes):
    for n in (1, 2, 100, 1024, 5000):
        data = sample_bytes[:n]
        assert codelength.decompress(codelength.compress(data, coder=coder, **opts)) == data


# ----------------------------------------------------------------------------- the static model section
from codelength.coders import _model, model as static_model  # noqa: E402
from codelength.reference import model as ref_model  # noqa: E402


def _parse_both(raw: bytes, alphabet: int):
    out = []
    for parse in (_model.parse_model, ref_model.parse_model):
        try:
            symbols, freqs, bits, streams = parse(raw, alphabet)
            out.append(([int(s) for s in symbols], [int(f) for f in freqs], bits, streams))
        except CorruptDataError as exc:
            out.append(str(exc))
    return out


@settings(max_examples=200, deadline=None)
@given(counts=st.lists(st.integers(0, 5000), min_size=1, max_size=300), streams=st.sampled_from([1, 4, 8, 32]),
       cut=st.integers(0, 40), flip=st.tuples(st.integers(0, 10**6), st.integers(0, 255)), damage=st.booleans())
def test_model_section_kernels_match_twins(counts, streams, cut, flip, damage):
    """The model section's writer and parser (one C call each) give the twins' bytes and models, and
    refuse what the twin refuses with the same message, damaged sections included."""
    counts[0] += 1
    model = static_model.StaticModel.from_counts(counts)
    raw = model.to_bytes(streams)
    assert raw == ref_model.model_bytes(model.symbols.tolist(), model.freqs.tolist(), model.scale_bits, streams)
    assert _parse_both(raw, len(counts)) == [(model.symbols.tolist(), model.freqs.tolist(), model.scale_bits,
                                              streams)] * 2
    if damage:
        raw = bytearray(raw)
        raw[flip[0] % len(raw)] = flip[1]
        raw = bytes(raw[:max(0, len(raw) - cut)])
    for alphabet in (len(counts), 1, 1 << 32):
        both = _parse_both(raw, alphabet)
        assert both[0] == both[1]


def test_model_section_parser_refusals():
    cases = {b"": "too short", b"\x00\x01\x01\x00": "out of range", b"\x15\x01\x01\x00": "out of range",
             b"\x08\x01\x80": "truncated", b"\x08\x01\x00\x00": "lists 0 symbols",
             b"\x08\x01\xff\xff\xff\xff\xff\x01": "over-long", b"\x02\x01\x05" + bytes(9): "lists 5 symbols",
             b"\x08\x01\x02\x00\x00\x00\x00": "trailing", b"\x08\x01\x02\x00\x00\xff\x7f": "exceed",
             b"\x08\x01\x01\x05": "outside the alphabet"}
    for raw, message in cases.items():
        for parse in (_model.parse_model, ref_model.parse_model):
            with pytest.raises(CorruptDataError, match=message):
                parse(raw, 4)


@settings(max_examples=100, deadline=None)
@given(counts=st.lists(st.integers(0, 3000), min_size=1, max_size=400), by_rank=st.booleans(), spare=st.integers(0, 3))
def test_dense_tables_kernel_matches_twin(counts, by_rank, spare):
    counts[-1] += 1
    model = static_model.StaticModel.from_counts(counts)
    size = model.symbols.size if by_rank else int(model.symbols[-1]) + 1 + spare
    freq, cum = _model.dense_tables(model.symbols, model.freqs, size, by_rank)
    assert (freq.tolist(), cum.tolist()) == ref_model.dense_tables(model.symbols.tolist(), model.freqs.tolist(),
                                                                   size, by_rank)
    with pytest.raises(ValueError):
        _model.dense_tables(model.symbols, model.freqs, size - 1 - spare if not by_rank else size - 1, by_rank)
    with pytest.raises(ValueError):
        ref_model.dense_tables(model.symbols.tolist(), model.freqs.tolist(),
                               size - 1 - spare if not by_rank else size - 1, by_rank)


@settings(max_examples=100, deadline=None)
@given(data=st.one_of(st.binary(min_size=1, max_size=3000),
                      st.builds(lambda b, k: b * k, st.binary(min_size=1, max_size=4), st.integers(1, 500))),
       max_bits=st.one_of(st.none(), st.integers(-2, 21)))
def test_byte_model_kernel_matches_twin_and_the_general_path(data, max_bits):
    """Bytes take one C call for histogram, cap and scale search: the twin's model, and the model the
    general path (any integer array) chooses for the same symbols."""
    symbols, freqs, bits = _model.byte_model(data, -1 if max_bits is None else max(0, max_bits))
    expected = ref_model.byte_model(data, -1 if max_bits is None else max(0, max_bits))
    assert (symbols.tolist(), freqs.tolist(), bits) == expected
    fast = static_model.StaticModel.from_data(data, max_bits=max_bits)
    general = static_model.StaticModel.from_data(np.frombuffer(data, np.uint8).astype(np.uint16), max_bits=max_bits)
    assert (fast.symbols.tolist(), fast.freqs.tolist(), fast.scale_bits) == \
        (general.symbols.tolist(), general.freqs.tolist(), general.scale_bits)


def test_bench_small_runs(tmp_path):
    """benchmarks/bench_small.py (the fixed-cost tables of docs/arithmetic.md) runs on a tiny input."""
    import json
    import os
    import subprocess
    import sys
    from pathlib import Path
    repo = Path(__file__).resolve().parent.parent
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(repo), os.environ.get("PYTHONPATH")])))
    out = tmp_path / "small.json"
    proc = subprocess.run([sys.executable, str(repo / "benchmarks" / "bench_small.py"), "--size-mib", "1.5",
                           "--repeats", "1", "--calls", "2", "--no-cm", "--json", str(out)],
                          capture_output=True, text=True, timeout=300, cwd=repo, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "| 1024 B | rans |" in proc.stdout and "wrapper over bare" in proc.stdout
    report = json.loads(out.read_text())
    assert {r["coder"] for r in report["wrappers"]} == {"range", "rans", "adaptive"}

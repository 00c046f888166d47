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

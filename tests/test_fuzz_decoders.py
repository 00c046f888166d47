"""Every decoder, fed damaged streams, raises CorruptDataError or returns exactly the original.

Three kinds of damage: the raw (v2) stream (bit flips, truncations, extensions, overwritten bytes: the header
CRC and data CRC must catch these), and v1 frames re-packed with a valid header CRC around a damaged model
or payload or a slightly wrong symbol count, which reach the decoders themselves (the same for v2
streams, block by block: tests/test_stream_fuzz.py).
"""
import importlib

import numpy as np
import pytest
from hypothesis import given, strategies as st

import codelength
from codelength import CorruptDataError
from codelength.io import container
from codelength.io.oneshot import _CODERS


def _case(name, opts):
    """One parametrised case, skipped while the coder's backend is not built."""
    case_id = f"{name}{opts.get('order', '')}" + (f"-{opts['streams']}" if "streams" in opts else "")
    try:
        importlib.import_module(_CODERS[name].module)
    except ImportError as exc:
        return pytest.param(name, opts, id=case_id, marks=pytest.mark.skip(reason=f"{name} coder not built: {exc}"))
    return pytest.param(name, opts, id=case_id)


CODER_OPTIONS = [("huffman", {}), ("range", {}), ("rans", {}), ("rans", {"streams": 32}), ("adaptive", {"order": 0}),
                 ("adaptive", {"order": 2}), ("cm", {})]
CASES = [_case(name, opts) for name, opts in CODER_OPTIONS]

inputs = st.one_of(
    st.binary(max_size=600),
    st.builds(lambda b, n: b * n, st.binary(min_size=1, max_size=4), st.integers(1, 200)),
    st.lists(st.integers(0, 999), max_size=200).map(lambda v: np.array(v, dtype=np.uint16)),
)


def _same(a, b):
    if isinstance(a, bytes):
        return isinstance(b, bytes) and a == b
    return isinstance(b, np.ndarray) and b.dtype == a.dtype and np.array_equal(a, b)


def _check(blob, original):
    try:
        out = codelength.decompress(blob)
    except CorruptDataError:
        return
    assert _same(original, out), "a damaged stream decoded to different data without an error"


def _compress(name, opts, data, v1=False):
    if not isinstance(data, bytes) and name == "adaptive" and opts.get("order", 0) > 0:
        data = data.astype(np.uint8) if data.size == 0 else (data % 256).astype(np.uint8)
    if v1:  # one version-1 frame (still decoded): its fields re-packed with a valid CRC reach the coders
        return data, codelength.io.oneshot._compress_v1(data, coder=name, **opts)
    return data, codelength.compress(data, coder=name, **opts)


@pytest.mark.parametrize("name, opts", CASES)
@given(data=inputs, damage=st.data())
def test_damaged_frames_are_refused(name, opts, data, damage):
    data, blob = _compress(name, opts, data)
    assert _same(data, codelength.decompress(blob))
    kind = damage.draw(st.sampled_from(["flip", "truncate", "extend", "overwrite"]))
    raw = bytearray(blob)
    if kind == "flip":
        for bit in damage.draw(st.lists(st.integers(0, 8 * len(raw) - 1), min_size=1, max_size=4)):
            raw[bit // 8] ^= 1 << (bit % 8)
    elif kind == "truncate":
        raw = raw[: damage.draw(st.integers(0, len(raw) - 1))]
    elif kind == "extend":
        raw += damage.draw(st.binary(min_size=1, max_size=16))
    else:
        at = damage.draw(st.integers(0, len(raw) - 1))
        patch = damage.draw(st.binary(min_size=1, max_size=8))
        raw[at: at + len(patch)] = patch
    _check(bytes(raw), data)


@pytest.mark.parametrize("name, opts", CASES)
@given(data=inputs, damage=st.data())
def test_decoders_survive_damaged_models_and_payloads(name, opts, data, damage):
    data, blob = _compress(name, opts, data, v1=True)
    frame = container.unpack(blob)
    model, payload, n = bytearray(frame.model), bytearray(frame.payload), frame.n
    target = damage.draw(st.sampled_from(["model", "payload", "n", "payload-cut", "payload-extend"]))
    if target == "model" and model:
        at = damage.draw(st.integers(0, len(model) - 1))
        model[at] = damage.draw(st.integers(0, 255))
    elif target == "payload" and payload:
        at = damage.draw(st.integers(0, len(payload) - 1))
        payload[at] ^= damage.draw(st.integers(1, 255))
    elif target == "n":
        n = max(0, n + damage.draw(st.integers(-3, 3)))
    elif target == "payload-cut" and payload:
        payload = payload[: damage.draw(st.integers(0, len(payload) - 1))]
    elif target == "payload-extend":
        payload += damage.draw(st.binary(min_size=1, max_size=16))
    damaged = container.Frame(frame.coder_id, frame.param, frame.kind, n, frame.alphabet_size, frame.crc,
                              bytes(model), bytes(payload))
    _check(container.pack(damaged), data)


@pytest.mark.parametrize("name, opts", CASES)
@given(model=st.binary(max_size=300), payload=st.binary(max_size=300), n=st.integers(0, 2000),
       param=st.integers(0, 255))
def test_decoders_survive_random_models_and_payloads(name, opts, model, payload, n, param):
    frame = container.Frame(_CODERS[name].coder_id, param, 0, n, 256, 0xDEADBEEF, model, payload)
    with pytest.raises(CorruptDataError):
        # a random frame decoding to n bytes whose CRC-32 happens to match is a 2**-32 event
        codelength.decompress(container.pack(frame))

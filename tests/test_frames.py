"""The one-shot decoder's fast parse of a single-block byte frame (codelength.io._frames) against its
twin (codelength.reference.frames) and against the stream parser it must agree with: on valid streams,
on streams mutated with their header CRCs recomputed, truncated, extended, and on random bytes."""
import zlib

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import codelength
from codelength import CorruptDataError
from codelength.io import _frames, oneshot, stream
from codelength.reference import frames as twin

from test_stream_fuzz import _damage, _pack, _records

KNOWN = sum(1 << c for c in oneshot._BY_ID)
ARGS = (stream.MAX_BLOCK, oneshot.MAX_ALPHABET, KNOWN)


def _both(blob):
    got = _frames.parse_single(np.frombuffer(blob, np.uint8) if blob else b"", *ARGS)
    assert got == twin.parse_single(blob, *ARGS)
    return got


def _agrees_with_scan(blob, fields):
    """A stream the fast parse takes is one scan takes, with the same fields (or one scan refuses only for
    its set-up bound, which decompress checks after the fast parse too)."""
    try:
        units, total = stream.scan(memoryview(blob))
    except CorruptDataError as exc:
        assert "decoding set-up" in str(exc)
        return
    assert len(units) == 1
    kind, frame, blocks, v1 = units[0]
    coder_id, param, head, n, btype, symbol, mstart, mlen, plen, check = fields
    assert (kind, v1, frame.single, len(blocks)) == (0, None, True, 1)
    blk = blocks[0]
    assert (frame.coder_id, frame.param, frame.header, frame.cap) == (coder_id, param, blob[:head], n)
    assert (blk.type, blk.n, blk.check, blk.end, bytes(blk.model)) == (btype, n, check, len(blob), blob[mstart:mstart + mlen])
    assert bytes(blk.payload) == blob[mstart + mlen:mstart + mlen + plen]
    if btype == stream.RUN:
        assert blk.symbol == symbol


def _decompress_both_ways(blob):
    def run():
        try:
            return codelength.decompress(blob), None
        except CorruptDataError as exc:
            return None, (type(exc), str(exc))
    fast = run()
    with pytest.MonkeyPatch.context() as m:
        m.setattr(stream, "_frames", None)
        slow = run()
    assert fast == slow


CODERS = [("huffman", {}), ("range", {}), ("rans", {}), ("adaptive", {}), ("adaptive", {"order": 0}), ("cm", {})]


@pytest.mark.parametrize("coder, opts", CODERS, ids=[c + str(o.get("order", "")) for c, o in CODERS])
@settings(max_examples=40, deadline=None)
@given(data=st.one_of(st.binary(min_size=1, max_size=600),
                      st.builds(lambda b, n: b * n, st.binary(min_size=1, max_size=3), st.integers(1, 200))),
       damage=st.data())
def test_fast_parse_matches_twin_and_scan(coder, opts, data, damage):
    blob = codelength.compress(data, coder, **opts)
    fields = _both(blob)
    assert fields is not None                              # one block of bytes: the fast path's case
    _agrees_with_scan(blob, fields)
    assert codelength.decompress(blob) == data
    frame, head, records = _records(blob)
    rec = records[0]
    what = damage.draw(st.sampled_from(["n", "model", "payload", "cut", "extend", "trail", "byte", "param",
                                        "check", "symbol"]))
    _damage(rec, what, damage, extend=8)
    if what == "n":
        head["cap"] = max(0, head["cap"] + damage.draw(st.integers(-3, 3)))
    elif what == "param":
        head["param"] = damage.draw(st.integers(0, 255))
    elif what == "symbol" and rec["type"] == stream.RUN:
        rec["symbol"] = damage.draw(st.integers(0, 300))
    mutated = _pack(head, records)                          # every length and header CRC recomputed
    if what == "trail":
        mutated += damage.draw(st.binary(min_size=1, max_size=4))
    elif what == "byte":                                    # raw damage: the CRC no longer matches
        b = bytearray(mutated)
        b[damage.draw(st.integers(0, len(b) - 1))] ^= damage.draw(st.integers(1, 255))
        mutated = bytes(b)
    fields = _both(mutated)
    if fields is not None:
        _agrees_with_scan(mutated, fields)
    _decompress_both_ways(mutated)
    for cut in (1, 5, len(mutated) // 2, len(mutated) - 1):
        if 0 < cut < len(mutated):
            fields = _both(mutated[:cut])               # a truncated frame, or the frame before trailing bytes
            if fields is not None:
                _agrees_with_scan(mutated[:cut], fields)


@settings(max_examples=300, deadline=None)
@given(blob=st.binary(max_size=60), head=st.sampled_from([b"", b"\xc6", b"\xc7\x00", b"\xc7\x10", b"\xd6\x05",
                                                            b"\xda\x03", b"\xc6\x80\x80\x80\x80\x80\x80\x80\x80\x80\x01"]))
def test_random_bytes_parse_like_the_twin(blob, head):
    data = head + blob
    _both(data)
    if data:
        _decompress_both_ways(data)


def test_not_taken_for_what_the_general_path_handles():
    multi = codelength.compress(b"abc" * 3000, coder="huffman", block_size=1000)       # several blocks
    assert _both(multi) is None
    assert _both(codelength.compress(np.arange(300, dtype=np.uint16), coder="huffman")) is None   # wider symbols
    one = codelength.compress(b"hello hello hello", coder="huffman")
    assert _both(one + one) is None                                                   # concatenated frames
    assert _both(codelength.compress(b"", coder="huffman")) is None                    # an empty frame
    assert codelength.decompress(one + one) == b"hello hello hello" * 2


def test_output_limit_on_the_fast_path():
    blob = codelength.compress(b"x" * 5000 + b"yz", coder="rans")
    assert _both(blob) is not None
    with pytest.raises(codelength.errors.OutputLimitError):
        codelength.decompress(blob, max_output=4000)
    assert codelength.decompress(blob, max_output=5002) == b"x" * 5000 + b"yz"


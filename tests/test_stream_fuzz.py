"""Mutation fuzzing of v2 streams with the header CRCs recomputed, so the damage reaches the block
decoders: every mutated stream decodes to exactly the original or raises CorruptDataError (never
another exception, never wrong data), and never sizes anything beyond the frame's cap."""
import zlib

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import codelength
from codelength import CorruptDataError
from codelength.io import stream

CASES = [("huffman", {}), ("range", {}), ("rans", {}), ("rans", {"streams": 32}), ("adaptive", {"order": 0}),
         ("adaptive", {"order": 2})]

inputs = st.one_of(
    st.binary(min_size=2, max_size=1500),
    st.builds(lambda b, n: b * n, st.binary(min_size=2, max_size=4), st.integers(2, 300)),
    st.lists(st.integers(0, 999), min_size=2, max_size=300).map(lambda v: np.array(v, dtype=np.uint16)),
)


def _records(blob):
    """A one-frame v2 stream as its header fields and its block records (dicts), for re-packing."""
    frame, pos = stream._parse_header(blob, 0)
    head = dict(coder_id=frame.coder_id, kind=frame.kind, param=frame.param, single=frame.single, cap=frame.cap)
    records, first = [], True
    while True:
        start = pos
        blk = stream._parse_block(frame, blob, pos, first)
        first = False
        if blk.type is None:
            return frame, head, records
        u = None if frame.single else stream._read_varint(blob, start, 1 << 62, "u")[0]
        records.append(dict(u=u, type=blk.type, symbol=getattr(blk, "symbol", 0) if blk.type == stream.RUN else 0,
                            alphabet=blk.alphabet if blk.type == stream.CODED else 0,
                            model=bytes(blk.model), payload=bytes(blk.payload), check=blk.check))
        pos = blk.end


def _pack(head, records):
    """Serialise the frame (docs/format.md) with every length field and header CRC recomputed."""
    size = {"n": head["cap"]} if head["single"] else {"cap": head["cap"]}
    header = stream._frame_header(head["coder_id"], head["kind"], head["param"], **size)
    out, prefix = [header], header
    for r in records:
        fields = b"" if head["single"] else stream._varint(r["u"])
        if r["type"] == stream.RUN:
            fields += stream._varint(0) + stream._varint(r["symbol"])
        elif r["type"] == stream.STORED:
            fields += stream._varint(1)
        else:
            fields += stream._varint(2 + len(r["model"])) + (stream._varint(r["alphabet"]) if head["kind"] else b"") \
                + stream._varint(len(r["payload"]))
        crc = zlib.crc32(r["model"], zlib.crc32(fields, zlib.crc32(prefix)))
        out += [fields, crc.to_bytes(4, "little"), r["model"], r["payload"], r["check"].to_bytes(4, "little")]
        prefix = b""
    if not head["single"]:
        out.append(b"\x00")
    return b"".join(out)


def _damage(rec, what, damage, extend=16):
    """Damage one block record in place: a model byte replaced, a payload byte flipped, the payload cut
    short or extended, or the data check flipped (other values of ``what``: nothing here)."""
    if what == "model" and rec["model"]:
        m = bytearray(rec["model"])
        m[damage.draw(st.integers(0, len(m) - 1))] = damage.draw(st.integers(0, 255))
        rec["model"] = bytes(m)
    elif what == "payload" and rec["payload"]:
        p = bytearray(rec["payload"])
        p[damage.draw(st.integers(0, len(p) - 1))] ^= damage.draw(st.integers(1, 255))
        rec["payload"] = bytes(p)
    elif what == "cut" and rec["payload"]:
        rec["payload"] = rec["payload"][:damage.draw(st.integers(0, len(rec["payload"]) - 1))]
    elif what == "extend":
        rec["payload"] += damage.draw(st.binary(min_size=1, max_size=extend))
    elif what == "check":
        rec["check"] ^= 1 << damage.draw(st.integers(0, 31))


def _same(a, b):
    if isinstance(a, bytes):
        return isinstance(b, bytes) and a == b
    return isinstance(b, np.ndarray) and b.dtype == a.dtype and np.array_equal(a, b)


@pytest.mark.parametrize("coder, opts", CASES, ids=[f"{c}{o.get('order', '')}{o.get('streams', '')}" for c, o in CASES])
@settings(max_examples=60, deadline=None)
@given(data=inputs, damage=st.data())
def test_mutated_blocks_with_valid_header_crcs(coder, opts, data, damage):
    if not isinstance(data, bytes) and opts.get("order"):
        data = (data % 256).astype(np.uint8)
    blob = codelength.compress(data, coder, block_size=int(damage.draw(st.integers(64, 2048))), **opts)
    frame, head, records = _records(blob)
    assert _pack(head, records) == blob                       # the split is exact
    assert _same(data, codelength.decompress(blob))
    rec = records[damage.draw(st.integers(0, len(records) - 1))]
    what = damage.draw(st.sampled_from(["model", "payload", "n", "alphabet", "symbol", "cut", "extend", "check"]))
    _damage(rec, what, damage)
    if what == "n" and head["single"]:
        head["cap"] = max(0, head["cap"] + damage.draw(st.integers(-3, 3)))
    elif what == "n":
        rec["u"] = max(0, rec["u"] + damage.draw(st.integers(-3, 3)))
    elif what == "alphabet" and rec["type"] == stream.CODED:
        rec["alphabet"] = max(0, rec["alphabet"] + damage.draw(st.integers(-300, 300)))
    elif what == "symbol" and rec["type"] == stream.RUN:
        rec["symbol"] = damage.draw(st.integers(0, 70000))
    mutated = _pack(head, records)
    try:
        out = codelength.decompress(mutated)
    except CorruptDataError:
        pass
    else:
        assert _same(data, out), "a damaged stream decoded to different data without an error"
    d = codelength.Decompressor()
    try:
        got = d.decompress(mutated, 1 << 20)
    except CorruptDataError:
        return
    assert len(d._out) <= max(frame.cap, head["cap"]) * frame.dtype.itemsize


@settings(max_examples=100, deadline=None)
@given(blob=st.binary(max_size=80), header=st.sampled_from([b"", b"\xc4", b"\xc6", b"\xc5\x00", b"\xd3\x03\x02"]))
def test_random_bytes_never_crash(blob, header):
    try:
        codelength.decompress(header + blob)
    except CorruptDataError:
        pass

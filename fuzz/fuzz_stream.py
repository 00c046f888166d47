"""Atheris harness for format v2 streams (the stream reader and, through it, every block decoder).

    python fuzz/fuzz_stream.py -max_total_time=60          # or -runs=N; libFuzzer flags apply

Each input picks one of three things: (a) its bytes as a whole stream for ``codelength.decompress``
(raw, or behind a v2 frame header); (b) a valid stream of some data whose chosen block gets the rest
of the input as model or payload, with every length field and header CRC recomputed, so the bytes reach
the coder's decoder; (c) a round trip of the rest through Compressor/Decompressor in random pieces with
``max_length``. Only CorruptDataError may come out of (a) and (b), and never wrong data; the decoded
block never exceeds the frame's cap.
"""
import sys
import zlib

import atheris
import numpy  # noqa: F401  (imported before instrumentation: only codelength is instrumented)

with atheris.instrument_imports():
    import codelength
    from codelength.errors import CorruptDataError
    from codelength.io import stream

CODERS = [("huffman", {}), ("range", {}), ("rans", {}), ("adaptive", {"order": 0}), ("adaptive", {"order": 2})]
SEED = b"the quick brown fox jumps over the lazy dog; " * 40 + bytes(300) + bytes(range(256))


def _repack(frame, blocks_raw, index, model, payload):
    """The frame again, block ``index`` given this model and payload, lengths and header CRCs recomputed."""
    size = {"n": frame.cap} if frame.single else {"cap": frame.cap}
    prefix = stream._frame_header(frame.coder_id, frame.kind, frame.param, **size)
    out = []
    for i, blk in enumerate(blocks_raw):
        m, p = (model, payload) if i == index else (bytes(blk.model), bytes(blk.payload))
        enc = stream._Encoded(blk.type, blk.n, frame.param, blk.alphabet if blk.type == stream.CODED else 0, m, p,
                              blk.check, blk.symbol if blk.type == stream.RUN else 0)
        out += stream._record(enc, frame.kind, prefix, b"" if frame.single else stream._varint(frame.cap - blk.n + 1))
        prefix = b""
    if not frame.single:
        out.append(b"\x00")
    return b"".join(out)


def _decode(blob, original=None):
    try:
        out = codelength.decompress(blob)
    except CorruptDataError:
        return
    if original is not None and out != original:
        raise AssertionError("damaged stream decoded to different data without an error")


def test_one_input(raw: bytes):
    fdp = atheris.FuzzedDataProvider(raw)
    branch = fdp.ConsumeIntInRange(0, 2)
    if branch == 0:
        prefix = fdp.PickValueInList([b"", b"\xc4", b"\xc6", b"\xc4\x80\x02", b"\xd3\x03\x02"])
        _decode(prefix + fdp.ConsumeBytes(fdp.remaining_bytes()))
        return
    coder, opts = CODERS[fdp.ConsumeIntInRange(0, len(CODERS) - 1)]
    if branch == 1:
        data = SEED[:fdp.ConsumeIntInRange(2, len(SEED))]
        blob = codelength.compress(data, coder, block_size=fdp.ConsumeIntInRange(64, 2048), **opts)
        frame, pos = stream._parse_header(blob, 0)
        blocks_raw, first = [], True
        while True:
            blk = stream._parse_block(frame, blob, pos, first)
            first = False
            if blk.type is None:
                break
            blocks_raw.append(blk)
            pos = blk.end
        index = fdp.ConsumeIntInRange(0, len(blocks_raw) - 1)
        if blocks_raw[index].type != stream.CODED:
            return
        rest = fdp.ConsumeBytes(fdp.remaining_bytes())
        cut = fdp.ConsumeIntInRange(0, len(rest)) if rest else 0
        if fdp.ConsumeBool():
            model, payload = rest[:cut], bytes(blocks_raw[index].payload)
        else:
            model, payload = bytes(blocks_raw[index].model), rest
        _decode(_repack(frame, blocks_raw, index, model, payload), data)
        return
    data = fdp.ConsumeBytes(fdp.remaining_bytes())
    comp = codelength.Compressor(coder, block_size=257, **opts)
    blob = b"".join(comp.compress(data[i:i + 100]) for i in range(0, len(data), 100)) + comp.flush()
    d = codelength.Decompressor()
    out = []
    for i in range(0, len(blob), 37):
        out.append(d.decompress(blob[i:i + 37], 50))
        while not d.needs_input and not d.eof:
            out.append(d.decompress(b"", 50))
    if b"".join(out) != data or not d.eof:
        raise AssertionError("Compressor/Decompressor round trip failed")


if __name__ == "__main__":
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()

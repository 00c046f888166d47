"""Format v2 streams: every API round-trips every coder; v1 fixtures; concatenation; limits; bombs."""
import hashlib
import io
import json
import os
import random
import subprocess
import sys
import zlib
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import codelength
from codelength import CorruptDataError, OutputLimitError
from codelength.io import stream
from codelength.io.oneshot import _CODERS

REPO = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "data" / "v1"
CODER_CASES = [("huffman", {}), ("range", {}), ("rans", {}), ("adaptive", {"order": 0}),
               ("adaptive", {"order": 2})]
IDS = [f"{c}{o.get('order', '')}" for c, o in CODER_CASES]


def _text(n, seed=0):
    rng = random.Random(seed)
    words = [b"source ", b"coding ", b"theorem ", b"huffman ", b"entropy ", b"bits\n", b"\x00\xff"]
    out = bytearray()
    while len(out) < n:
        out += rng.choice(words)
    return bytes(out[:n])


def _pieces(data, rng):
    pos = 0
    while pos < len(data):
        step = int(rng.integers(1, 3000))
        yield data[pos:pos + step]
        pos += step


SAMPLES = [b"", b"a", b"ab", bytes(5000), _text(20000), os.urandom(4000), _text(3000) + bytes(9000) + _text(500)]


@pytest.mark.parametrize("coder, opts", CODER_CASES, ids=IDS)
def test_every_api_round_trips(coder, opts):
    rng = np.random.default_rng(1)
    for data in SAMPLES:
        one = codelength.compress(data, coder, block_size=4096, **opts)
        assert codelength.decompress(one) == data
        # a Compressor fed one byte at a time, and in random pieces, writes the one-shot stream
        comp = codelength.Compressor(coder, block_size=4096, **opts)
        assert b"".join([comp.compress(data[i:i + 1]) for i in range(min(len(data), 5000))]
                        + [comp.compress(data[5000:]), comp.flush()]) == one
        comp = codelength.Compressor(coder, block_size=4096, **opts)
        assert b"".join([comp.compress(p) for p in _pieces(data, rng)] + [comp.flush()]) == one
        # a Decompressor fed one byte at a time, and in random pieces, with max_length
        d = codelength.Decompressor()
        out = b"".join(d.decompress(one[i:i + 1]) for i in range(len(one)))
        assert out == data and d.eof and d.unused_data == b""
        d = codelength.Decompressor()
        out = []
        for piece in _pieces(one, rng):
            out.append(d.decompress(piece, int(rng.integers(1, 5000))))
            while not d.needs_input and not d.eof:
                out.append(d.decompress(b"", int(rng.integers(1, 5000))))
        assert b"".join(out) == data and d.eof
        # file objects
        buf = io.BytesIO()
        with codelength.open(buf, "wb", coder=coder, block_size=4096, **opts) as f:
            for piece in _pieces(data, rng):
                f.write(piece)
        assert buf.getvalue() == one
        with codelength.open(io.BytesIO(one)) as f:
            assert f.read(7) == data[:7] and f.read() == data[7:]


def test_threads_give_the_same_stream():
    data = _text(300_000, seed=3)
    for coder in ("huffman", "rans", "adaptive"):
        one = codelength.compress(data, coder, block_size=32768)
        assert codelength.compress(data, coder, block_size=32768, threads=2) == one
        comp = codelength.Compressor(coder, block_size=32768, threads=2)
        assert b"".join([comp.compress(data[i:i + 50000]) for i in range(0, len(data), 50000)]
                        + [comp.flush()]) == one


def test_compressor_pieces_of_every_kind_give_the_one_shot_stream():
    # blocks above the size where records are assembled by NumPy copies (64 KiB), pieces that end inside
    # blocks, span several, come as bytes (coded in place), bytearray or memoryview (copied: the caller
    # then overwrites them), coded, stored (random) and run (zeros) blocks, with 1 and 2 threads
    rng = np.random.default_rng(11)
    data = _text(700_000, seed=4) + bytes(450_000) + rng.integers(0, 256, 150_000, dtype=np.uint8).tobytes()
    kinds = ["coded", "run", "stored"]
    for coder in ("huffman", "rans"):
        one = codelength.compress(data, coder, block_size=200_000)
        assert {b["type"] for b in stream.blocks(one)} == set(kinds)
        for threads in (1, 2):
            comp = codelength.Compressor(coder, block_size=200_000, threads=threads)
            out, i = [], 0
            while i < len(data):
                k = int(rng.choice([1, 999, 200_000, 450_001, 70_000]))
                piece = data[i:i + k]
                form = int(rng.integers(3))
                if form == 0:
                    out.append(comp.compress(piece))
                else:
                    buf = bytearray(piece)
                    out.append(comp.compress(buf if form == 1 else memoryview(buf)))
                    buf[:] = bytes(len(buf))    # the caller reuses its buffer
                i += k
            out.append(comp.flush())
            assert b"".join(out) == one, (coder, threads)
    assert stream._concat([b"ab", np.arange(3, dtype=np.uint16).astype("<u2"), memoryview(b"z" * 70000)]) == \
        b"ab" + np.arange(3, dtype="<u2").tobytes() + b"z" * 70000


def test_adaptive_blocks_of_a_multi_block_stream_get_a_table_sized_to_the_block():
    from codelength.coders.adaptive import DEFAULT_TABLE_BITS
    data = _text(2_500_000, seed=9)
    tables = lambda blob: [b["model"][0] for b in stream.blocks(blob) if b["type"] == "coded"]
    for order, bits in ((1, 20), (2, 21), (None, 21), (3, DEFAULT_TABLE_BITS)):
        options = {} if order is None else {"order": order}
        blob = codelength.compress(data, "adaptive", **options)          # 1 MiB blocks: three
        assert tables(blob) == [bits] * 3, order
        assert codelength.decompress(blob) == data
        assert codelength.compress(data, "adaptive", threads=2, **options) == blob
        comp = codelength.Compressor("adaptive", threads=2, **options)
        assert b"".join([comp.compress(data[i:i + 700_000]) for i in range(0, len(data), 700_000)]
                        + [comp.flush()]) == blob
    # one block (the whole input), larger blocks, an explicit table, mixing: the coder's own table
    assert tables(codelength.compress(data[:1 << 20], "adaptive")) == [DEFAULT_TABLE_BITS]
    assert tables(codelength.compress(data, "adaptive", block_size=2 << 20)) == [DEFAULT_TABLE_BITS] * 2
    assert tables(codelength.compress(data, "adaptive", table_bits=22)) == [22] * 3
    assert tables(codelength.compress(data[:1_200_000], "adaptive", order=1, table_bits=18)) == [18] * 2
    assert tables(codelength.compress(data[:1_200_000], "adaptive", order=2, mix=True)) == [DEFAULT_TABLE_BITS] * 2


def test_arrays_keep_their_dtype():
    rng = np.random.default_rng(2)
    for dtype in (np.uint8, np.uint16, np.int16, np.uint32, np.int32, np.int64, np.uint64):
        a = (rng.zipf(1.5, 20000) % 5000).astype(dtype)
        for coder in ("huffman", "range", "rans", "adaptive"):
            out = codelength.decompress(codelength.compress(a, coder, block_size=3000))
            assert out.dtype == a.dtype and np.array_equal(out, a)
    assert codelength.decompress(codelength.compress(np.zeros(0, np.int32))).dtype == np.int32
    with pytest.raises(ValueError, match="negative"):
        codelength.compress(np.array([1, -1]))


def test_v1_fixtures_still_decode():
    manifest = json.loads((FIXTURES / "manifest.json").read_text())
    assert len(manifest) >= 7
    for name, info in manifest.items():
        blob = (FIXTURES / f"{name}.clen").read_bytes()
        assert blob[:4] == b"CLEN" and blob[4] == 1
        out = codelength.decompress(blob)
        raw = out if info["dtype"] == "bytes" else np.ascontiguousarray(out, out.dtype.newbyteorder("<")).tobytes()
        if info["dtype"] != "bytes":
            assert out.dtype == np.dtype(info["dtype"]).newbyteorder("=")
        assert hashlib.sha256(raw).hexdigest() == info["sha256"] and raw == (FIXTURES / f"{name}.raw").read_bytes()
        # through the streaming objects too, and concatenated with v2
        with codelength.open(io.BytesIO(blob + codelength.compress(b"+v2"))) as f:
            assert f.read() == raw + b"+v2" or info["dtype"] != "bytes"


def test_concatenated_streams_decode_to_the_concatenation():
    a, b = _text(10000, 1), _text(7000, 2)
    blob = codelength.compress(a, "huffman", block_size=3000) + codelength.compress(b, "adaptive", order=1) \
        + codelength.compress(b"", "rans")
    assert codelength.decompress(blob) == a + b
    with codelength.open(io.BytesIO(blob)) as f:
        assert f.read() == a + b
    d = codelength.Decompressor()
    first = d.decompress(blob)
    assert first == a and d.eof and d.unused_data == blob[len(codelength.compress(a, block_size=3000)):]
    with pytest.raises(EOFError):
        d.decompress(b"more")
    with pytest.raises(CorruptDataError, match="trailing data|magic"):
        codelength.decompress(blob + b"junk")
    with pytest.raises(CorruptDataError, match="kinds"):
        codelength.decompress(codelength.compress(b"ab") + codelength.compress(np.array([1, 2], np.uint16)))


@pytest.mark.parametrize("coder", codelength.CODERS)
def test_overhead_of_a_small_input_is_at_most_12_bytes(coder):
    """Everything above model + payload for a 100-byte input (v1: 40 bytes): one tag byte, n, shape,
    payload length, the header CRC-32 and the data CRC-32 (docs/format.md)."""
    for data in (_text(100, seed=9), bytes(range(100)), b"a" * 100):
        blob = codelength.compress(data, coder)
        (block,) = stream.blocks(blob)
        assert len(blob) - len(block["model"]) - len(block["payload"]) <= 12, (block["type"], len(blob))
        assert codelength.decompress(blob) == data
    assert len(codelength.compress(b"", coder)) == 6         # tag, n = 0, header CRC-32


def test_single_and_multi_block_frames_and_explicit_parameters():
    data = _text(5000, seed=3)
    for coder, opts in (("huffman", {}), ("adaptive", {"order": 0}), ("adaptive", {"order": 3}), ("cm", {})):
        for block_size in (5000, 4999, 1000, 1):
            blob = codelength.compress(data[:2000] if block_size == 1 else data, coder, block_size=block_size, **opts)
            frame, _ = stream._parse_header(blob, 0)
            assert frame.single == (block_size >= 5000)
            assert codelength.decompress(blob) == (data[:2000] if block_size == 1 else data)
    # a reserved bit of the extension byte, a coder id of 0
    with pytest.raises(CorruptDataError, match="reserved"):
        codelength.decompress(b"\xc7\x20\x05" + bytes(20))
    assert not stream.is_frame_start(0x43) and not stream.is_frame_start(0x1f) and stream.is_frame_start(0xc6)


def test_max_output_and_max_length():
    data = _text(50000, 5)
    blob = codelength.compress(data, block_size=8192)
    assert codelength.decompress(blob, max_output=len(data)) == data
    with pytest.raises(OutputLimitError):
        codelength.decompress(blob, max_output=len(data) - 1)
    with pytest.raises(OutputLimitError):
        codelength.decompress(codelength.io.oneshot._compress_v1(data), max_output=100)
    with pytest.raises(OutputLimitError):
        codelength.decompress(codelength.compress(data, format="gzip"), max_output=100)
    d = codelength.Decompressor()
    got = d.decompress(blob, 10)
    assert got == data[:10] and not d.needs_input and not d.eof
    rest = []
    while not d.eof:
        chunk = d.decompress(b"", 1000)
        assert len(chunk) <= 1000
        rest.append(chunk)
    assert got + b"".join(rest) == data
    # a Decompressor holds at most one decoded block, however much input it is given
    d = codelength.Decompressor()
    d.decompress(blob, 1)
    assert len(d._out) <= 8192


def _craft(cap, blocks, coder_id=1, kind=0, param=None, single=False):
    """A v2 frame with valid header CRCs (docs/format.md): ``blocks`` are (n, type, fields, model,
    payload), ``fields`` the record's fields after its u (see :func:`_coded` and :func:`_run`).
    ``single``: a single-block frame whose n is ``cap``."""
    param = stream.IMPLIED_PARAM.get(coder_id, 0) if param is None else param
    header = stream._frame_header(coder_id, kind, param, **({"n": cap} if single else {"cap": cap}))
    out, prefix = [header], header
    for n, typ, fields, model, payload in blocks:
        head = (b"" if single else stream._varint(cap - n + 1)) + fields
        crc = zlib.crc32(model, zlib.crc32(head, zlib.crc32(prefix)))
        out += [head, crc.to_bytes(4, "little"), model, payload]
        run = fields[1:2] * n if typ == stream.RUN and kind == 0 and n < (1 << 20) else b""
        out.append(zlib.crc32(run).to_bytes(4, "little"))
        prefix = b""
    if single:
        return b"".join(out) if blocks else header + zlib.crc32(header).to_bytes(4, "little")
    out.append(b"\x00" if blocks else b"\x00" + zlib.crc32(b"\x00", zlib.crc32(header)).to_bytes(4, "little"))
    return b"".join(out)


def _coded(model, payload, alphabet=None, mlen=None, plen=None):
    """The fields of a coded block: shape (2 + model length), alphabet (arrays), payload length."""
    return stream._varint(2 + (len(model) if mlen is None else mlen)) \
        + (b"" if alphabet is None else stream._varint(alphabet)) \
        + stream._varint(len(payload) if plen is None else plen)


def _run(symbol):
    return b"\x00" + stream._varint(symbol)


def _huffman_constant_model(n):
    """The Huffman model of one constant block of n symbols (symbol 0): version, streams, B, N, kind."""
    from codelength.coders import huffman
    model = huffman.encode(np.zeros(5, np.uint8), 256)[1]
    return model, bytes(huffman.encode(np.zeros(5, np.uint8), 256)[2])


def test_bomb_blocks_beyond_the_cap_are_refused_up_front():
    model, payload = _huffman_constant_model(5)
    for single in (False, True):
        bomb = _craft(1 << 32, [(1 << 32, stream.CODED, _coded(model, payload), model, payload)], single=single)
        assert len(bomb) < 50
        with pytest.raises(CorruptDataError, match="exceeds its bound"):
            codelength.decompress(bomb)
        with pytest.raises(CorruptDataError):
            codelength.Decompressor().decompress(bomb)
    # a cap beyond the format's
    with pytest.raises(CorruptDataError, match="cap"):
        codelength.decompress(_craft(1 << 30, []))
    # the v1 frame of the issue: n = 2**32 from a few dozen bytes
    from codelength.io import container
    v1 = container.pack(container.Frame(1, 0, 0, 1 << 32, 256, 0, b"\x01\x04\x01\x80\x80\x80\x80\x10\x01\x00",
                                        b""))
    with pytest.raises(CorruptDataError, match="bomb"):
        codelength.decompress(v1)


BOMB_CHILD = r"""
import resource, sys
resource.setrlimit(resource.RLIMIT_AS, (@LIMIT@, @LIMIT@))
import codelength
blob = sys.stdin.buffer.read()
try:
    codelength.decompress(blob)
except codelength.CorruptDataError as exc:
    print("CorruptDataError", exc)
    sys.exit(0)
except MemoryError:
    print("MemoryError")
    sys.exit(3)
print("decoded")
sys.exit(4)
"""


def test_crafted_50_byte_bombs_end_in_corrupt_data_error_under_an_address_space_limit():
    resource = pytest.importorskip("resource")
    model, payload = _huffman_constant_model(5)
    bombs = [_craft(1 << 32, [(1 << 32, stream.CODED, _coded(model, payload), model, payload)], single=s)
             for s in (False, True)]
    from codelength.io import container
    bombs.append(container.pack(container.Frame(1, 0, 0, 1 << 32, 256, 0, b"\x01\x04\x01\x80\x80\x80\x80\x10\x01\x00",
                                                b"")))
    # range: a one-symbol static model costs nothing per symbol
    bombs.append(_craft(1 << 34, [(1 << 34, stream.CODED, _coded(b"", b"", mlen=5), b"", b"")], coder_id=2))
    env = dict(os.environ, PYTHONPATH=str(REPO))
    for bomb in bombs:
        assert len(bomb) <= 50
        proc = subprocess.run([sys.executable, "-c", BOMB_CHILD.replace("@LIMIT@", str(1 << 30))], input=bomb,
                              capture_output=True, env=env, timeout=120)
        assert proc.returncode == 0 and proc.stdout.startswith(b"CorruptDataError"), (proc.stdout, proc.stderr)


def test_run_blocks_within_the_cap_are_bounded_by_it():
    # the largest legitimate zero-cost output: cap symbols per ~10-byte run block
    bomb = _craft(1 << 16, [(1 << 16, stream.RUN, _run(7), b"", b"")] * 3)
    assert codelength.decompress(bomb) == b"\x07" * (3 << 16)
    with pytest.raises(CorruptDataError):
        codelength.decompress(_craft(1 << 16, [(0, stream.RUN, _run(7), b"", b"")]))
    with pytest.raises(OutputLimitError):
        codelength.decompress(bomb, max_output=1 << 17)


def test_huffman_alphabet_setup_amplification_is_refused():
    # the stream: legitimate, written by the encoder itself, decodes (blocks too costly to set up
    # are written stored, so the decoder's work stays O(input + output))
    a = np.array([0, 1] * 2000 + [0, 2**20 - 1], np.uint32)
    blob = codelength.compress(a, coder="huffman", block_size=2)
    assert np.array_equal(codelength.decompress(blob), a)
    assert {b["type"] for b in stream.blocks(blob)} <= {"coded", "stored", "run"}
    for b in stream.blocks(blob):
        if b["type"] == "coded":
            assert stream._work_ok("huffman", b["alphabet"], b["model"], b["n"], len(b["payload"]))
    # a crafted block: alphabet 2**20, many internal Huffman blocks, a few dozen bytes: refused up front
    from codelength.coders import huffman
    wide = np.array([0, 2**20 - 1] * 8, np.uint32)
    _, model, payload = huffman.encode(wide, 2**20, block_size=2)
    crafted = _craft(16, [(16, stream.CODED, _coded(model, payload, alphabet=2**20), model, payload)], kind=3)
    with pytest.raises(CorruptDataError, match="set-up"):
        codelength.decompress(crafted)


def test_symbol_kind_is_checked_against_the_alphabet():
    # a bytes block relabelled int8 (alphabet 256 > 128 values), with valid header CRCs: refused
    (block,) = stream.blocks(codelength.compress(_text(2000)))
    model, payload = block["model"], block["payload"]
    for single in (False, True):
        relabelled = _craft(2000, [(2000, stream.CODED, _coded(model, payload, alphabet=256), model, payload)],
                            kind=5, single=single)
        with pytest.raises(CorruptDataError, match="alphabet"):
            codelength.decompress(relabelled)
    with pytest.raises(CorruptDataError, match="kind"):
        codelength.decompress(_craft(10, [(10, stream.CODED, _coded(b"", b"", alphabet=0), b"", b"")], kind=12))
    with pytest.raises(CorruptDataError, match="alphabet"):
        codelength.decompress(_craft(10, [(10, stream.CODED, _coded(b"", b"", alphabet=300), b"", b"")], kind=5))


def test_bad_options_and_arguments():
    with pytest.raises(ValueError, match="block_size"):
        codelength.compress(b"abc", block_size=0)
    with pytest.raises(ValueError, match="block_size"):
        codelength.Compressor(block_size=stream.MAX_BLOCK + 1)
    with pytest.raises(TypeError):
        codelength.Compressor(threads=1.5)
    with pytest.raises(ValueError, match="unknown coder"):
        codelength.Compressor("lz77")
    with pytest.raises(TypeError, match="takes no option"):
        codelength.Compressor("huffman", order=2)
    comp = codelength.Compressor()
    comp.flush()
    with pytest.raises(ValueError):
        comp.compress(b"x")
    with pytest.raises(CorruptDataError):
        codelength.decompress(b"")
    with pytest.raises(CorruptDataError, match="truncated"):
        codelength.decompress(codelength.compress(_text(5000))[:-1])
    with pytest.raises(CorruptDataError, match="truncated"):
        with codelength.open(io.BytesIO(codelength.compress(_text(5000))[:-3])) as f:
            f.read()


def test_open_modes(tmp_path):
    path = tmp_path / "t.clen"
    text = "héllo wörld\n" * 1000
    with codelength.open(path, "wt", encoding="utf-8", coder="adaptive", order=1) as f:
        f.write(text)
    with codelength.open(path, "rt", encoding="utf-8") as f:
        lines = list(f)
    assert "".join(lines) == text and len(lines) == 1000
    with codelength.open(path, "rb") as f:
        assert f.readline() == "héllo wörld\n".encode()
        assert not f.writable() and f.readable()
        with pytest.raises(io.UnsupportedOperation):
            f.write(b"x")
    with pytest.raises(ValueError):
        codelength.open(path, "rb", encoding="utf-8")
    with pytest.raises(ValueError):
        codelength.open(path, "q")
    assert codelength.decompress(path.read_bytes()) == text.encode()


def test_decompress_writes_into_the_result():
    """One result allocation, filled block by block: bytes come back without a second full copy."""
    data = _text(200_000, 6)
    blob = codelength.compress(data, block_size=16384)
    out = codelength.decompress(blob)
    assert type(out) is bytes and out == data and hash(out) == hash(data)


def test_decompress_allocates_the_result_once():
    """Peak traced memory of decompress is the result plus about one block, not two full copies."""
    import tracemalloc
    data = _text(8 << 20, 7)
    blob = codelength.compress(data, block_size=1 << 18)
    tracemalloc.start()
    try:
        out = codelength.decompress(blob)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert out == data
    assert peak < len(data) + 8 * (1 << 18), peak     # a second full-size copy would be 16 MiB more


def test_huffman_split_size_reaches_the_coder():
    """Huffman's own block splitting (its ``block_size``) is reachable as ``split_size`` through every API."""
    from codelength.coders import huffman
    data = _text(20000, seed=4)
    blob = codelength.compress(data, "huffman", split_size=1000)
    (block,) = stream.blocks(blob)
    _, model, _ = huffman.encode(np.frombuffer(data, np.uint8), 256, block_size=1000)
    assert block["model"] == bytes(model) and codelength.decompress(blob) == data
    assert block["model"] != stream.blocks(codelength.compress(data, "huffman"))[0]["model"]
    comp = codelength.Compressor("huffman", split_size=1000, block_size=8192)
    streamed = comp.compress(data) + comp.flush()
    assert streamed == codelength.compress(data, "huffman", split_size=1000, block_size=8192)
    assert codelength.decompress(streamed) == data
    with pytest.raises(TypeError, match="not both"):
        huffman.encode(np.zeros(4, np.uint8), 256, block_size=2, split_size=2)
    with pytest.raises(ValueError, match="split_size"):
        codelength.compress(data, "huffman", split_size=0)
    with pytest.raises(TypeError, match="split_size"):
        codelength.compress(data, "rans", split_size=1000)


def test_data_check_is_zlibs_crc32_with_or_without_zlib_ng(monkeypatch):
    """zlib-ng's CRC-32 (the "fast" extra), when installed, gives exactly zlib's values: the same streams."""
    data = bytes(range(256)) * 300 + b"tail" * 5000
    blob = codelength.compress(data)
    assert codelength.decompress(blob) == data
    monkeypatch.setattr(stream, "_crc32", zlib.crc32)
    assert codelength.compress(data) == blob and codelength.decompress(blob) == data
    damaged = bytearray(blob)
    damaged[len(blob) // 2] ^= 0x10
    with pytest.raises(CorruptDataError):
        codelength.decompress(bytes(damaged))


def test_run_blocks_only_for_constant_bytes_whatever_their_ends():
    """A byte block is a run exactly when every byte is the same: equal ends alone do not make one,
    and a block with different ends is never one (the encoder skips the min/max pass for those)."""
    cases = {b"q" * 5000: ["run"] * 5, b"q" + b"r" * 998 + b"q": ["coded"],   # equal ends, not constant
             b"q" + b"r" * 4998 + b"q": ["coded", "run", "run", "run", "coded"], b"qr" * 2500: ["coded"] * 5,
             b"r" * 4999 + b"q": ["run"] * 4 + ["coded"]}
    for data, kinds in cases.items():
        blob = codelength.compress(data, block_size=1000)
        assert [b["type"] for b in stream.blocks(blob)] == kinds, (data[:4], kinds)
        assert codelength.decompress(blob) == data
        assert codelength.compress(data, block_size=1000, threads=2) == blob

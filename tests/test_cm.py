"""The context-mixing coder: kernel == twin bit for bit, exact round trips, costs, memory, damaged streams."""
import lzma

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import codelength
from codelength import CorruptDataError
from codelength.coders import cm
from codelength.io import container
from codelength.io.oneshot import _compress_v1
from codelength.io.stream import blocks
from codelength.reference import cm as ref

from conftest import corpus_path

_cm = pytest.importorskip("codelength.coders._cm")

K = ref.MIN_TABLE_BITS


def _text(n=1500):
    from importlib.resources import files
    return files("codelength").joinpath("data/sample.txt").read_bytes()[:n]


def _records(n_rows=60, width=13):
    rng = np.random.default_rng(5)
    rows = []
    for i in range(n_rows):
        row = bytearray(width)
        row[0:4] = i.to_bytes(4, "little")
        row[4] = 7
        row[5:9] = int(rng.integers(0, 50)).to_bytes(4, "little")
        row[9:] = b"\x00\x01\x02\x03"
        rows.append(bytes(row))
    return b"".join(rows)


# cases that reach every part of the model: text (words, orders), long repeats (match model), fixed-width
# records (record context), noise, runs of one byte, every byte value
FIXED = {
    "text": _text(),
    "repeats": b"the cat sat on the mat; " * 30,
    "records": _records(),
    "noise": bytes(np.random.default_rng(1).integers(0, 256, 700, dtype=np.uint8)),
    "run": b"\x00" * 900,
    "all-bytes": bytes(range(256)) * 2,
}


@pytest.mark.parametrize("name", sorted(FIXED))
def test_kernel_and_twin_give_the_same_bits(name):
    data = FIXED[name]
    payload = _cm.encode(np.frombuffer(data, dtype=np.uint8), K)
    assert payload == ref.encode(data, K)
    assert ref.decode(payload, len(data), K) == data
    assert bytes(_cm.decode(np.frombuffer(payload, dtype=np.uint8), len(data), K)) == data
    costs = _cm.costs(np.frombuffer(data, dtype=np.uint8), K)
    assert np.allclose(costs, ref.costs(data, K), rtol=0, atol=1e-9)


@settings(max_examples=12, deadline=None)
@given(data=st.one_of(st.binary(max_size=250),
                      st.builds(lambda b, n: b * n, st.binary(min_size=1, max_size=7), st.integers(1, 60))),
       k=st.sampled_from([K, K + 1]))
def test_kernel_equals_twin_on_random_inputs(data, k):
    payload = _cm.encode(np.frombuffer(data, dtype=np.uint8), k) if data else b""
    assert payload == ref.encode(data, k)
    assert bytes(_cm.decode(np.frombuffer(payload, dtype=np.uint8), len(data), k)) == data


def test_state_machine_is_closed_and_counts_are_bounded():
    nxt, n0, n1 = ref.state_tables()
    used = {0} | set(nxt)
    assert max(used) < 256 and all(0 <= s < 256 for s in nxt)
    for s in used:
        assert n0[s] <= 40 and n1[s] <= 40
    # a run of ones drives the state towards "many ones, no zeros", and one zero then discounts them
    s = 0
    for _ in range(50):
        s = nxt[2 * s + 1]
    assert n0[s] == 0 and n1[s] == 40
    s = nxt[2 * s]
    assert n0[s] == 1 and 0 < n1[s] < 40


def test_tables_are_monotone_inverses():
    sq, st_ = ref.squash_table(), ref.stretch_table()
    assert all(a <= b for a, b in zip(sq, sq[1:])) and sq[0] == 1 and sq[-1] == 4095
    assert all(a <= b for a, b in zip(st_, st_[1:]))
    for p in range(1, 4096, 37):
        assert abs(sq[st_[p] + 2048] - p) <= max(2, p // 40)


@pytest.mark.parametrize("data", [b"", b"x", b"ab" * 3, bytes(range(256)), b"\xff" * 5000,
                                  b"abc" * 30000])
def test_round_trip_through_the_container(data):
    blob = codelength.compress(data, coder="cm")
    assert all(b["coder"] == "cm" for b in blocks(blob))
    assert codelength.decompress(blob) == data
    v1 = _compress_v1(data, coder="cm")           # the version-1 container of 0.1 still decodes
    assert container.unpack(v1).coder_id == 5 and codelength.decompress(v1) == data


def test_long_match_past_the_length_cap():
    data = bytes(np.random.default_rng(2).integers(0, 256, 1000, dtype=np.uint8)) * 80   # 80 kB, match > 65535
    blob = codelength.compress(data, coder="cm")
    assert codelength.decompress(blob) == data
    assert len(blob) < 1100 + 2000        # the first copy costs ~1000 bytes, the 79 repeats nearly nothing


def test_cm_codes_up_to_the_cap_in_one_block():
    from codelength.io import stream
    assert stream.default_block_size("cm") == stream.MAX_BLOCK
    assert stream.default_block_size("huffman") == stream.DEFAULT_BLOCK_SIZE
    data = (_text(3000) * 400)[:(1 << 20) + 4096]          # past the 1 MiB default of the other coders
    blob = codelength.compress(data, coder="cm")
    assert [(b["coder"], b["n"]) for b in blocks(blob)] == [("cm", len(data))]
    assert codelength.decompress(blob) == data
    assert codelength.Compressor("cm")._block_size == stream.MAX_BLOCK   # the incremental form too
    assert len(blocks(codelength.compress(data[:3 << 18], coder="cm", block_size=1 << 18))) == 3


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.int32, np.uint64])
def test_symbol_arrays_round_trip(dtype):
    top = min(np.iinfo(dtype).max, 100_000)
    arr = (np.arange(3000) * 7 % (top + 1)).astype(dtype)
    out = codelength.decompress(codelength.compress(arr, coder="cm"))
    assert out.dtype == arr.dtype and np.array_equal(out, arr)


def test_memory_option_is_validated_and_bounds_the_tables():
    data = _text(4000) * 50                      # 200 kB
    for bad, error in ((1.5e6, TypeError), (True, TypeError), ("1M", TypeError), (1000, ValueError),
                       (cm.MAX_MEMORY + 1, ValueError)):
        with pytest.raises(error):
            codelength.compress(data, coder="cm", memory=bad)
    small = codelength.compress(data, coder="cm", memory=cm.MIN_MEMORY)
    assert blocks(small)[0]["param"] == ref.MIN_TABLE_BITS
    assert cm.memory_used(len(data), cm.MIN_MEMORY) <= cm.MIN_MEMORY
    big = codelength.compress(data, coder="cm", memory=128 << 20)
    k = blocks(big)[0]["param"]
    assert cm.memory_used(len(data), 128 << 20) == (1 << k) + (1 << (k - 2)) <= 128 << 20
    assert k == ref.max_table_bits(len(data))        # 200 kB: about 256 bytes of table per byte, 2**26
    assert codelength.decompress(small) == data and codelength.decompress(big) == data
    assert len(big) < len(small)
    with pytest.raises(TypeError, match="memory"):
        codelength.compress(data, coder="cm", order=3)


def test_decoder_refuses_bad_table_sizes_and_models():
    data = _text(800)
    frame = container.unpack(_compress_v1(data, coder="cm"))
    for param, model in ((ref.MIN_TABLE_BITS - 1, frame.model), (ref.max_table_bits(len(data)) + 1, frame.model),
                         (255, frame.model), (frame.param, b"\x01\x01"), (frame.param, b""),
                         (frame.param, b"\x01\x02")):
        bad = container.Frame(frame.coder_id, param, frame.kind, frame.n, frame.alphabet_size, frame.crc,
                              model, bytes(frame.payload))
        with pytest.raises(CorruptDataError):
            codelength.decompress(container.pack(bad))


def test_code_lengths_sum_to_the_payload():
    data = _text(20000)
    bits = codelength.code_lengths_of(data)
    assert bits.shape == (len(data),) and bits.dtype == np.float64 and (bits > 0).all()
    payload = len(blocks(codelength.compress(data, coder="cm"))[0]["payload"])
    assert abs(bits.sum() / 8 - payload) <= 4 + 0.001 * payload
    assert np.array_equal(bits, codelength.code_lengths_of(np.frombuffer(data, dtype=np.uint8)))
    # repeated text gets cheap: the second copy costs a small fraction of the first
    twice = codelength.code_lengths_of(data[:3000] * 2)
    assert twice[3000:].sum() < 0.1 * twice[:3000].sum()
    assert codelength.code_lengths_of(b"").shape == (0,)


def test_code_lengths_of_refuses_what_it_cannot_cost():
    with pytest.raises(ValueError, match="cm"):
        codelength.code_lengths_of(b"abc", coder="huffman")
    with pytest.raises(ValueError, match="255"):
        codelength.code_lengths_of(np.array([1, 300]))
    with pytest.raises(TypeError):
        codelength.code_lengths_of(b"abc", order=2)
    with pytest.raises(TypeError):
        codelength.code_lengths_of("text")


# the books' limits are lpaq1's sizes with option 6 (issue 10); html and the pdf must beat xz -9e
@pytest.mark.parametrize("name, limit", [("alice29.txt", 37_206), ("asyoulik.txt", 34_373), ("html", None),
                                         ("paper-100k.pdf", None)])
def test_corpus_sizes(name, limit):
    data = corpus_path(name).read_bytes()
    blob = codelength.compress(data, coder="cm")
    assert codelength.decompress(blob) == data
    xz = len(lzma.compress(data, preset=9 | lzma.PRESET_EXTREME))
    assert len(blob) <= (limit if limit is not None else xz)


# ---------------------------------------------------------------- explain, analyze
def test_explain_colours_each_byte_by_its_cost(tmp_path, capsys):
    from codelength.app import explain as ex
    from codelength.app.cli import main
    data = b"abracadabra, abracadabra, abracadabra!\n" * 5 + b"zq\x00\x01 new words here\n"
    e = ex.explain(data)
    assert len(e.bits) == len(data) and abs(e.total_bits - codelength.code_lengths_of(data).sum()) < 1e-6
    plain = ex.render_terminal(e, colour=False)
    lines = plain.splitlines()
    # every shown line is followed by one class digit per byte
    assert lines[0] == "abracadabra, abracadabra, abracadabra!" and len(lines[1]) == len(lines[0])
    assert set(lines[1]) <= set("01234567") and lines[1][0] > lines[9][0]   # the repeats got cheaper
    coloured = ex.render_terminal(e, colour=True)
    assert "\x1b[48;5;" in coloured and "bits per byte" in coloured
    src = tmp_path / "in.txt"
    src.write_bytes(data)
    out = tmp_path / "out.html"
    assert main(["explain", str(src), "--html", str(out)]) == 0
    page = out.read_text()
    assert page.startswith("<!DOCTYPE html>") and "Legend" in page and 'class="c0' in page
    assert "abracadabra" in page and "&lt;" not in page
    assert main(["explain", str(src), "--html", str(out)]) == 1          # exists: not overwritten
    assert "already exists" in capsys.readouterr().err
    assert main(["explain", str(src), "--color", "never"]) == 0
    assert "bits/byte" in capsys.readouterr().out
    assert main(["explain", str(tmp_path / "missing")]) == 1
    assert main(["explain", str(src), "--color", "sometimes"]) == 2


def test_analyze_has_the_cm_row_and_names_it(sample_bytes):
    report = codelength.analyze(sample_bytes[:20000], order=2)
    row = report.coder("cm")
    assert row.status == "ok" and row.verified
    assert row.size_bytes < report.coder("adaptive").size_bytes
    assert "best real estimate of the information content" in report.summary


def test_benchmark_script_runs_on_a_tiny_corpus(tmp_path):
    import subprocess
    import sys
    from pathlib import Path
    (tmp_path / "tiny.txt").write_bytes(_text(3000))
    script = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_cm.py"
    out = subprocess.run([sys.executable, str(script), "--corpus", str(tmp_path), "--files", "tiny.txt",
                          "--repeats", "1", "--lpaq1", ""], capture_output=True, text=True, timeout=300,
                         env={**__import__("os").environ, "PYTHONPATH": str(script.parents[1])})
    assert out.returncode == 0, out.stderr
    assert "| tiny.txt | 3,000 |" in out.stdout and "peak RSS" in out.stdout

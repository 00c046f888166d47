"""analyze() and the Report: bounds from the library's measures, real sizes, rendering."""
import bz2
import csv
import io
import json
import lzma
import math
import random
import zlib

import pytest

import codelength
from codelength import context_entropies, counts, entropy
from codelength.app.report import (LIBRARY_CODERS, REPORT_SCHEMA, Report, analyze, coder_availability,
                               csv_columns, plain_words, profile_of, render_csv, render_text)

AVAILABLE = coder_availability()


def _data(n=6000, seed=0):
    rng = random.Random(seed)
    words = [b"alpha", b"beta", b"gamma", b"delta", b"entropy", b"code", b"length", b"\n"]
    out = bytearray()
    while len(out) < n:
        out += rng.choice(words) + b" "
    return bytes(out[:n])


def test_bounds_are_the_library_measures():
    data = _data()
    r = analyze(data, order=3, coders=False)
    h = context_entropies(data, 3)
    assert r.size_bytes == len(data) and r.size_bits == 8 * len(data)
    assert r.distinct_bytes == int((counts(data) > 0).sum())
    assert r.bound("H0").bits_per_byte == pytest.approx(entropy(counts(data)), abs=1e-12)
    for k in range(1, 4):
        b = r.bound(f"H{k}")
        assert b.bits_per_byte == pytest.approx(h[k], abs=1e-12)
        assert b.ideal_bits == pytest.approx(8 * k + h[k] * (len(data) - k))
        assert b.ideal_bytes == math.ceil(b.ideal_bits / 8 - 1e-9)
        assert b.percent_of_original == pytest.approx(100 * b.ideal_bits / 8 / len(data))
    assert r.bound("H0").ideal_bits == pytest.approx(h[0] * len(data))
    hblock = r.bound("Hblock")
    assert hblock.block_size == 65536 and hblock.bits_per_byte <= r.bound("H0").bits_per_byte + 1e-12
    assert r.coders == [] and r.coders_mode == "off"
    assert r.schema == REPORT_SCHEMA


def test_file_stream_and_bytes_agree(tmp_path):
    data = _data(9000, seed=2)
    path = tmp_path / "in.txt"
    path.write_bytes(data)
    a = analyze(data, order=2, coders=False, block_size=1024)
    b = analyze(path, order=2, coders=False, block_size=1024)
    c = analyze(io.BytesIO(data), order=2, coders=False, block_size=1024, name="stream")
    assert a.bounds == b.bounds == c.bounds
    assert b.source == str(path) and c.source == "stream" and a.source == "<bytes>"


def test_stdlib_sizes_are_real():
    data = _data(5000, seed=1)
    r = analyze(data, order=1, library_coders=())
    assert r.coder("zlib").size_bytes == len(zlib.compress(data, 9))
    assert r.coder("bz2").size_bytes == len(bz2.compress(data, 9))
    assert r.coder("lzma").size_bytes == len(lzma.compress(data, preset=6))
    z = r.coder("zlib")
    assert z.status == "ok" and z.family == "stdlib"
    assert z.bits_per_byte == pytest.approx(8 * z.size_bytes / len(data))
    assert z.percent_of_original == pytest.approx(100 * z.size_bytes / len(data))
    assert r.best_coder().name in ("zlib", "bz2", "lzma")
    assert r.coders_mode == "whole"


def test_library_coders_are_reported_honestly():
    data = _data(4000, seed=3)
    r = analyze(data, order=2)
    assert [c.name for c in r.coders] == list(LIBRARY_CODERS) + ["zlib", "bz2", "lzma"]
    for name in LIBRARY_CODERS:
        c = r.coder(name)
        if AVAILABLE[name] is not None:
            # a coder that is not built is never given a number
            assert c.status == "unavailable" and c.size_bytes is None and c.note
        elif c.status == "ok":
            assert c.verified is True
            blob = codelength.compress(data, name, **({"order": 2} if name == "adaptive" else {}))
            assert c.size_bytes == len(blob)
        else:
            assert c.status == "error" and c.size_bytes is None and c.note


@pytest.mark.skipif(AVAILABLE["huffman"] is not None, reason="huffman backend not built")
def test_huffman_beats_nothing_it_cannot():
    data = _data(20000, seed=4)
    r = analyze(data, order=1, library_coders=("huffman",))
    huff = r.coder("huffman")
    assert huff.status == "ok" and huff.verified
    # a prefix code cannot beat the order-0 entropy of its blocks
    assert huff.size_bits >= r.bound("Hblock").ideal_bits


def test_inputs_above_the_coder_limit_are_coded_in_chunks(tmp_path):
    data = _data(3000)
    path = tmp_path / "in.txt"
    path.write_bytes(data)
    r = analyze(path, order=1, coder_limit=1000)
    assert r.coders_mode == "chunked"
    for name in LIBRARY_CODERS:
        c = r.coder(name)
        if AVAILABLE[name] is not None:
            assert c.status == "unavailable"
            continue
        assert c.status == "ok" and c.verified and "fed in 3 pieces" in c.note
        # the chunks go through one v2 stream: the size is the real .clen size of the whole input
        options = {"order": 1} if name == "adaptive" else {}
        assert c.size_bytes == len(codelength.compress(data, name, **options))
    # zlib, bz2 and lzma always see the whole input, as a stream
    assert r.coder("lzma").size_bytes == len(lzma.compress(data, preset=6))
    # a stream of unknown length and bytes give the same chunks
    s = analyze(io.BytesIO(data), order=1, coder_limit=1000)
    b = analyze(data, order=1, coder_limit=1000)
    assert [c.size_bytes for c in s.coders] == [c.size_bytes for c in r.coders] == [c.size_bytes for c in b.coders]
    # one chunk is the whole input
    w = analyze(path, order=1, coder_limit=3000)
    assert w.coders_mode == "whole" and all(c.note == "" for c in w.coders if c.status == "ok")


def test_json_has_the_dataclass_fields():
    r = analyze(_data(2000), order=1, profile=True, block_size=512)
    d = json.loads(r.to_json())
    assert list(d) == ["schema", "source", "size_bytes", "size_bits", "distinct_bytes", "max_order", "bounds",
                       "coders", "coders_mode", "summary", "profile", "randomness", "entropy_rate"]
    assert [b["name"] for b in d["bounds"]] == ["H0", "H1", "Hblock"]
    assert set(d["bounds"][0]) == {"name", "description", "order", "block_size", "bits_per_byte", "ideal_bits",
                                   "ideal_bytes", "percent_of_original", "distinct_ngrams", "sparse", "counted"}
    assert set(d["coders"][0]) == {"name", "family", "setting", "status", "size_bytes", "size_bits",
                                   "bits_per_byte", "percent_of_original", "verified", "seconds", "note", "sampled",
                                   "spread_bytes"}
    assert d["profile"]["block_size"] == 512 and d["profile"]["n_blocks"] == 4
    assert profile_of(r).bits_per_byte == [b["bits_per_byte"] for b in d["profile"]["blocks"]]


def test_plain_words_names_the_bound():
    r = analyze(_data(3000), order=2, library_coders=())
    s = r.summary
    h0 = r.bound("H0")
    assert f"{100 - h0.percent_of_original:.1f} %" in s and "H0" in s and "H2" in s
    assert "model cost not counted" in s
    assert r.best_coder().name in s
    assert plain_words(analyze(b"", coders=False)).startswith("The input is empty")
    assert "H1" not in analyze(_data(100), order=0, coders=False).summary


def test_text_rendering_has_units_and_every_row():
    r = analyze(_data(3000), order=2, library_coders=("huffman",))
    text = render_text(r)
    for word in ("bits/byte", "bytes", "% of size", "H0", "H1", "H2", "Hblock", "huffman", "zlib", "bz2",
                 "lzma"):
        assert word in text
    assert f"{r.size_bytes:,} bytes" in text
    assert r.summary[:40] in text


def test_csv_rows():
    reports = [analyze(_data(1000 * (i + 1), seed=i), order=1, library_coders=("huffman",)) for i in range(2)]
    rows = list(csv.DictReader(io.StringIO(render_csv(reports))))
    assert len(rows) == 2
    assert list(rows[0]) == csv_columns(1, ["huffman", "zlib", "bz2", "lzma"])
    assert int(rows[1]["size_bytes"]) == 2000
    assert float(rows[0]["h1_bits_per_byte"]) == pytest.approx(reports[0].bound("H1").bits_per_byte, abs=1e-6)
    assert int(rows[0]["zlib_bytes"]) == reports[0].coder("zlib").size_bytes


def test_empty_input():
    r = analyze(b"", order=3)
    assert r.size_bytes == 0 and r.bound("H0").bits_per_byte == 0.0
    assert r.bound("H0").percent_of_original is None
    assert r.coder("zlib").percent_of_original is None
    render_text(r)
    render_csv([r])


def test_default_is_the_bundled_sample():
    r = analyze(coders=False, order=1)
    assert r.source.endswith("sample.txt") and r.size_bytes > 100_000
    assert 4.0 < r.bound("H0").bits_per_byte < 5.0


def test_bad_inputs(tmp_path):
    with pytest.raises(FileNotFoundError):
        analyze(tmp_path / "missing", coders=False)
    with pytest.raises(IsADirectoryError):
        analyze(tmp_path, coders=False)
    with pytest.raises(ValueError):
        analyze(b"abc", order=8)
    with pytest.raises(TypeError):
        analyze(3.5)


def test_progress_counts_the_work():
    data = _data(5000)
    seen = []
    from codelength.app.report import analysis_work
    analyze(data, order=1, library_coders=(), progress=seen.append)
    assert sum(seen) == len(data)
    assert analysis_work(len(data), coders=False) == len(data)


def test_public_names():
    assert codelength.analyze is analyze and codelength.Report is Report
    assert callable(codelength.entropy_profile)


def _bad_decoder(self, data, max_length=-1):
    raise codelength.CorruptDataError("crafted")


@pytest.mark.parametrize("decoder, message", [(lambda self, data, max_length=-1: b"something else", "differs"),
                                              (_bad_decoder, "decoding failed: CorruptDataError")])
@pytest.mark.parametrize("limit", [None, 700])
def test_a_coder_whose_output_does_not_decode_gets_no_number(monkeypatch, decoder, message, limit):
    import codelength.io.stream as stream
    monkeypatch.setattr(stream.Decompressor, "decompress", decoder)
    kw = {} if limit is None else {"coder_limit": limit}
    r = analyze(_data(2000), order=1, library_coders=("huffman",), **kw)
    c = r.coder("huffman")
    if AVAILABLE["huffman"] is not None:
        assert c.status == "unavailable"
        return
    assert c.status == "error" and c.size_bytes is None and c.bits_per_byte is None and c.verified is False
    assert message in c.note


def test_sparse_orders_are_flagged_and_not_quoted():
    data = random.Random(9).randbytes(3000)  # random bytes: every 2-gram is new
    r = analyze(data, order=2, coders=False)
    assert not r.bound("H0").sparse and r.bound("H1").sparse and r.bound("H2").sparse
    assert r.bound("H1").distinct_ngrams > 2000
    assert "H1" not in r.summary and "too sparse" in r.summary
    assert "* sparse" in render_text(r)
    text = analyze(_data(20000), order=2, coders=False)
    assert not any(b.sparse for b in text.bounds) and "H2 =" in text.summary


def test_text_says_when_the_input_was_chunked():
    r = analyze(_data(3000), order=1, coder_limit=1000, library_coders=("huffman",))
    if r.coder("huffman").status == "ok":
        assert ("(one v2 stream of 1 block of 1 MiB (the size of codelength compress), fed in 3 pieces of "
                "at most 1,000 bytes (--coder-limit))") in render_text(r)



def test_strided_memoryview_source():
    from codelength.app.report import analyze
    data = b"abracadabra, " * 200
    got = analyze(memoryview(data)[::3], order=1, coders=False)
    assert got.bounds == analyze(data[::3], order=1, coders=False).bounds


def test_orders_without_any_context_string_are_sparse():
    # one byte and order 7: there is no 8-byte string, H7 = 0 says nothing, yet the summary offered
    # "a model that uses the previous 7 bytes as context, by up to 0.0 %"
    from codelength.app.report import analyze
    report = analyze(b"a", order=7, coders=False)
    assert all(report.bound(f"H{k}").sparse for k in range(1, 8))
    assert "previous 7 bytes" not in report.summary and "too sparse" in report.summary


@pytest.mark.parametrize("order", [1.5, True, "2"])
def test_order_of_the_wrong_type_is_a_type_error(order):
    with pytest.raises(TypeError, match="order"):
        analyze(b"abc", order=order, coders=False)


def test_every_order_is_counted_and_max_distinct_is_deprecated():
    import json
    data = random.Random(5).randbytes(20_000)  # about 20,000 distinct 3- and 4-grams
    with pytest.warns(DeprecationWarning, match="max_distinct"):
        report = codelength.analyze(data, order=3, coders=False, max_distinct=1000)
    assert all(b.counted and b.bits_per_byte is not None for b in report.bounds)
    assert "not counted:" not in codelength.app.report.render_text(report)
    assert json.loads(report.to_json())["bounds"][3]["counted"] is True
    tight = codelength.analyze(data, order=3, coders=False, memory=1 << 16)  # spills: same numbers
    assert [b.bits_per_byte for b in tight.bounds] == [b.bits_per_byte for b in report.bounds]
    assert report.bound("H3").sparse


def test_a_terabyte_report_keeps_its_columns_apart():
    from codelength.app.report import CoderSize, _bound, _sized, render_text, plain_words
    n = 10 ** 12
    bounds = [_bound("H0", "order 0, bytes independent", 0, None, 6.333, n, 256),
              _bound("H7", "order 7, 7-byte context", 7, None, 0.5, n, 10 ** 9),
              _bound("Hblock", "order 0 per 64 KiB block", None, 65536, 6.2, n)]
    coders = [_sized(CoderSize("huffman", "codelength", "block-adaptive", "ok"), n - 1, n),
              _sized(CoderSize("zlib", "stdlib", "level 9", "ok"), 2 ** 63 - 1, n)]
    report = Report(schema=REPORT_SCHEMA, source="huge", size_bytes=n, size_bits=8 * n, distinct_bytes=256,
                    max_order=7, bounds=bounds, coders=coders, coders_mode="chunked")
    report.summary = plain_words(report)
    text = render_text(report)
    for value in [b.ideal_bytes for b in bounds] + [c.size_bytes for c in coders]:
        assert f" {value:,} " in text.replace(" %", "  %"), value  # a space on both sides: never run together
    for line in text.splitlines():
        if line.startswith("    H0"):
            assert "6.333 " in line and f" {bounds[0].ideal_bytes:,}" in line


def test_rows_run_in_parallel_with_the_same_results(tmp_path):
    data = _data(300_000)
    one = analyze(data, order=2, threads=1)
    two = analyze(data, order=2, threads=2)
    assert [(c.name, c.size_bytes, c.status) for c in one.coders] == [(c.name, c.size_bytes, c.status)
                                                                      for c in two.coders]
    assert [b.bits_per_byte for b in one.bounds] == [b.bits_per_byte for b in two.bounds]
    with pytest.raises(ValueError, match="unknown coder"):
        analyze(data, library_coders=["gzip"])
    with pytest.raises(ValueError, match="threads"):
        analyze(data, threads=0)
    picked = analyze(data, order=1, library_coders=["huffman"], stdlib_coders=["zlib"])
    assert [c.name for c in picked.coders] == ["huffman", "zlib"]


def test_progress_adds_up_to_the_announced_work(tmp_path):
    from codelength.app.report import analysis_work
    path = tmp_path / "in.bin"
    path.write_bytes(_data(200_000))
    done = []
    analyze(path, order=3, progress=done.append, library_coders=["huffman", "rans"])
    assert sum(done) == pytest.approx(analysis_work(200_000), rel=1e-9)
    assert len(done) > 3  # several steps, not one at the end


def test_slow_coders_run_on_evenly_spaced_samples_of_large_inputs(monkeypatch):
    from codelength.app import report as rp
    monkeypatch.setattr(rp, "SAMPLE_THRESHOLD", 1 << 16)
    monkeypatch.setattr(rp, "SAMPLE_BLOCK_SIZE", 8192)
    data = _data(400_000)
    report = analyze(data, order=1, library_coders=["huffman"], stdlib_coders=["zlib", "lzma"])
    lzma_row, zlib_row = report.coder("lzma"), report.coder("zlib")
    # zlib and bz2 at level 9 are below 10 MB/s too (9.4 and 6.1 measured): sampled; huffman is not
    assert lzma_row.sampled and zlib_row.sampled and report.coder("huffman").sampled is False
    assert lzma_row.spread_bytes is not None and lzma_row.spread_bytes >= 0
    assert "estimated from 32 evenly spaced blocks" in lzma_row.note and "standard error" in lzma_row.note
    # blocks are coded on their own, so the estimate is within reach of the real size
    real = len(lzma.compress(data, preset=6))
    assert 0.5 * real < lzma_row.size_bytes < 3 * real
    text = codelength.app.report.render_text(report)
    assert "~ lzma: estimated from" in text
    exact = analyze(data, order=1, library_coders=[], stdlib_coders=["lzma"], sample=False)
    assert not exact.coder("lzma").sampled and exact.coder("lzma").size_bytes == real


def test_a_failing_coder_is_a_row_not_a_crash(monkeypatch):
    from codelength.app import report as rp

    def broken(*args, **kwargs):
        raise RuntimeError("boom")
    monkeypatch.setattr(rp._StdlibLane, "feed", broken)
    report = analyze(_data(5000), order=1, library_coders=["huffman"], stdlib_coders=["zlib"])
    assert report.coder("zlib").status == "error" and "boom" in report.coder("zlib").note
    assert report.coder("huffman").status == "ok"


def test_the_sampler_takes_one_block_in_the_middle_of_each_stratum():
    from codelength.app.report import _Sampler

    class Runner:
        def __init__(self):
            self.items = []

        def feed_all(self, item, names):
            self.items.append((item, tuple(names)))

    data = random.Random(3).randbytes(10_000)
    runner = Runner()
    sampler = _Sampler(runner, ["lzma"], len(data), count=4, block=100)
    pos = 0
    for size in (1, 2499, 3, 1300, 97, 6000, 100):  # pieces that cut blocks anywhere
        sampler.add(data[pos:pos + size])
        pos += size
    starts = [i * 2500 + 1200 for i in range(4)]
    assert runner.items == [(data[s:s + 100], ("lzma",)) for s in starts]



def test_wrapping_never_puts_a_percent_sign_at_the_start_of_a_line():
    # "21.7 %." broke before "%" (no word boundary between "%" and "."), and a console block then read
    # the "%" as a shell prompt
    from codelength.app.report import wrap_words
    for width in range(30, 60):
        text = wrap_words("The best real compressor here, cm (context mixing), reduced it by 21.7 %. And 3 %, "
                          "then 4.5 bits/byte.", width=width)
        assert all(not line.lstrip().startswith(("%", "bits/byte")) for line in text.splitlines()), text

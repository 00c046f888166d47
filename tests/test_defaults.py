"""One default per setting, the same in Python and on the command line (issue 14), and the report's
verdict on data that cannot be compressed again."""
import gzip
import io
import re
from pathlib import Path

import numpy as np
import pytest

import codelength as cl
from codelength.app import cli, profile as pf
from codelength.coders.arithmetic import DEFAULT_ADAPTIVE_ORDER
from codelength.io.stream import blocks

ROOT = Path(__file__).resolve().parents[1]


def _order_of(blob: bytes) -> int:
    (block,) = blocks(blob)              # one coded block of the v2 stream; its parameter is the order
    assert block["type"] == "coded"
    return block["param"]


def test_adaptive_default_order_is_one(tmp_path, sample_bytes):
    data = sample_bytes[:20_000]
    assert _order_of(cl.compress(data, coder="adaptive")) == DEFAULT_ADAPTIVE_ORDER == 2
    src = tmp_path / "x.txt"
    src.write_bytes(data)
    assert cli.main(["compress", "-q", "--coder", "adaptive", str(src)]) == 0
    assert _order_of((tmp_path / "x.txt.clen").read_bytes()) == DEFAULT_ADAPTIVE_ORDER
    # larger alphabets, which the context models do not code, get order 0 rather than an error
    symbols = np.arange(1000, dtype=np.int64) % 700
    blob = cl.compress(symbols, coder="adaptive")
    assert _order_of(blob) == 0 and np.array_equal(cl.decompress(blob), symbols)
    assert "default 2" in cli.build_parser()._subparsers._group_actions[0].choices["compress"].format_help()


def test_analyze_runs_the_adaptive_coder_at_its_order(sample_bytes):
    report = cl.analyze(sample_bytes[:30_000], order=1)
    assert report.coder("adaptive").setting == "order 1"


@pytest.mark.parametrize("size", [0, 1, 255, 256, 16_384, 16_385, 100_000, 1_000_003])
def test_profile_default_blocks_same_for_a_stream_and_a_file(tmp_path, size):
    rng = np.random.default_rng(size)
    data = (rng.integers(0, 256, size, dtype=np.uint8) % (1 + np.arange(size) % 200 + 1)).astype(np.uint8).tobytes()
    expected_block = pf.auto_block_size(size)
    assert expected_block >= pf.AUTO_MIN_BLOCK and -(-size // expected_block) <= pf.AUTO_MAX_BLOCKS
    assert expected_block == pf.AUTO_MIN_BLOCK or -(-size // (expected_block // 2)) > pf.AUTO_MAX_BLOCKS
    path = tmp_path / "f.bin"
    path.write_bytes(data)
    explicit = pf.entropy_profile(data, expected_block)
    for source in (data, path, io.BytesIO(data)):
        p = pf.entropy_profile(source)
        assert p.block_size == expected_block
        assert p.bits_per_byte == explicit.bits_per_byte          # the same blocks, bit for bit
        assert p.mean_bits_per_byte == explicit.mean_bits_per_byte
        assert p.jumps == explicit.jumps and p.high_entropy_regions == explicit.high_entropy_regions


def test_profile_command_on_a_pipe_uses_the_same_blocks(tmp_path, sample_bytes, monkeypatch, capsys):
    path = tmp_path / "s.txt"
    path.write_bytes(sample_bytes)
    assert cli.main(["profile", "--json", str(path)]) == 0
    from_file = capsys.readouterr().out
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(sample_bytes)))
    assert cli.main(["profile", "--json", "-"]) == 0
    from_pipe = capsys.readouterr().out
    block = re.search(r'"block_size": (\d+)', from_file).group(1)
    assert block == re.search(r'"block_size": (\d+)', from_pipe).group(1) == str(pf.auto_block_size(len(sample_bytes)))
    assert from_file.replace(str(path), "<stdin>") == from_pipe


@pytest.mark.parametrize("kind", ["gzip", "random"])
def test_report_says_compressed_data_cannot_be_compressed_again(kind, sample_bytes):
    data = gzip.compress(sample_bytes * 2, 9) if kind == "gzip" else \
        np.random.default_rng(3).integers(0, 256, 150_000, dtype=np.uint8).tobytes()
    report = cl.analyze(data, order=2)
    assert "cannot be compressed again" in report.summary
    bounds_only = cl.analyze(data, order=2, coders=False)
    assert "as for compressed or random data" in bounds_only.summary
    text = cl.analyze(sample_bytes, order=2).summary
    assert "cannot be compressed again" not in text and "compressed or random" not in text


def test_benchmark_durations_agree_with_the_readme():
    readme = (ROOT / "README.md").read_text()
    run_doc = (ROOT / "benchmarks" / "run.py").read_text().split('"""')[1]
    said = re.search(r"It takes about (\S+) minutes on 2 cores .*?; without `--scale` .*?about (\S+) minutes",
                     readme, re.S)
    assert said, "the README's benchmark paragraph moved: update this test"
    scale, default = said.groups()
    assert f"defaults: about {default} minutes" in run_doc
    assert re.search(rf"\(about\s+#?\s*{re.escape(scale)} minutes\)", re.sub(r"\s+#\s+", " ", run_doc)), run_doc


def test_benchmark_machine_line_names_the_cython_that_compiled_the_kernels():
    from codelength.stats import _kernels
    assert re.fullmatch(r"3\.\d+\.\d+", _kernels.__cython_version__)
    import sys
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import common
        assert common.machine_info()["cython"] == _kernels.__cython_version__
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))

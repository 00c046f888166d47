"""Block entropy profile: per-block entropies, jumps, high-entropy regions, streaming, plot."""
import io
import math
import os
import random

import numpy as np
import pytest

from codelength import context_entropies, entropy, counts
from codelength.app.profile import (BlockEntropyAccumulator, EntropyProfile, MissingOptionalDependency,
                                detect_jumps, entropy_profile, expected_random_entropy, high_entropy_regions,
                                plot_profile, render_profile_text)


def _random_bytes(n, seed=0):
    return random.Random(seed).randbytes(n)


def _text(n):
    words = b"the quick brown fox jumps over a lazy dog and then sleeps in the sun "
    return (words * (n // len(words) + 1))[:n]


def test_block_entropies_match_entropy_of_each_block():
    data = _text(5000) + _random_bytes(3000)
    p = entropy_profile(data, block_size=1024)
    assert p.n_blocks == math.ceil(len(data) / 1024)
    for i, h in enumerate(p.bits_per_byte):
        block = data[i * 1024:(i + 1) * 1024]
        assert h == pytest.approx(entropy(counts(block)), abs=1e-12)
    weighted = sum(len(data[i * 1024:(i + 1) * 1024]) * h for i, h in enumerate(p.bits_per_byte)) / len(data)
    assert p.mean_bits_per_byte == pytest.approx(weighted, abs=1e-12)
    # block-adaptive order 0 is never worse than global order 0
    assert p.mean_bits_per_byte <= context_entropies(data, 0)[0] + 1e-12


def test_accumulator_is_independent_of_piece_boundaries():
    data = _text(3000) + _random_bytes(2000)
    whole = BlockEntropyAccumulator(700)
    whole.update(np.frombuffer(data, dtype=np.uint8))
    whole.finish()
    pieces = BlockEntropyAccumulator(700)
    pos = 0
    rng = random.Random(3)
    while pos < len(data):
        step = rng.randint(1, 900)
        pieces.update(np.frombuffer(data[pos:pos + step], dtype=np.uint8))
        pos += step
    pieces.finish()
    assert pieces.entropies == whole.entropies
    assert pieces.size == whole.size == len(data)
    assert np.array_equal(pieces.total_counts, counts(data))


def test_file_and_stream_give_the_same_profile(tmp_path):
    data = _text(20000) + _random_bytes(9000) + _text(7000)
    path = tmp_path / "mixed.bin"
    path.write_bytes(data)
    from_bytes = entropy_profile(data, 4096)
    from_file = entropy_profile(path, 4096)
    from_stream = entropy_profile(io.BytesIO(data), 4096)
    assert from_file.bits_per_byte == from_bytes.bits_per_byte == from_stream.bits_per_byte
    assert from_file.source == str(path)


def test_jumps_mark_a_random_region_inside_text():
    data = _text(16384) + _random_bytes(16384) + _text(16384)
    p = entropy_profile(data, block_size=4096)
    assert [(j.offset, j.direction) for j in p.jumps] == [(16384, "rise"), (32768, "fall")]
    assert len(p.high_entropy_regions) == 1
    region = p.high_entropy_regions[0]
    assert (region.start, region.end) == (16384, 32768)
    assert region.mean_bits_per_byte > 7.9


def test_misaligned_boundary_gives_one_jump():
    data = _text(10000) + _random_bytes(16384) + _text(10000)
    p = entropy_profile(data, block_size=4096)
    assert [j.direction for j in p.jumps] == ["rise", "fall"]
    rise = p.jumps[0]
    assert rise.after_bits_per_byte > 7.5 and rise.before_bits_per_byte < 5


def test_short_last_block_is_not_a_jump():
    data = _random_bytes(8192) + b"xyz"
    p = entropy_profile(data, block_size=4096)
    assert p.n_blocks == 3
    assert p.jumps == []
    assert [(r.start, r.end) for r in p.high_entropy_regions] == [(0, 8192)]


def test_detect_jumps_threshold():
    h = [4.0, 4.2, 7.9, 7.8, 4.1]
    assert [(j.block, j.direction) for j in detect_jumps(h, 1.0, 10)] == [(2, "rise"), (4, "fall")]
    assert detect_jumps(h, 5.0, 10) == []
    assert [r.first_block for r in high_entropy_regions(h, 7.5, 10)] == [2]


def test_expected_random_entropy_is_a_fair_yardstick():
    for size in (256, 4096):
        measured = entropy_profile(_random_bytes(size * 20, seed=size), size).mean_bits_per_byte
        assert abs(measured - expected_random_entropy(size)) < 0.15
    assert expected_random_entropy(1 << 20) == pytest.approx(8.0, abs=1e-3)


def test_empty_input():
    p = entropy_profile(b"", 1024)
    assert p.n_blocks == 0 and p.mean_bits_per_byte == 0.0 and p.jumps == []
    assert "0 blocks" in render_profile_text(p)


def test_bad_block_size():
    with pytest.raises(ValueError):
        entropy_profile(b"abc", 0)
    with pytest.raises(TypeError):
        entropy_profile(b"abc", 1.5)


def test_to_dict_and_text():
    data = _text(8192) + _random_bytes(8192)
    p = entropy_profile(data, 4096)
    d = p.to_dict()
    assert d["n_blocks"] == 4 and d["block_size"] == 4096
    assert [b["offset"] for b in d["blocks"]] == [0, 4096, 8192, 12288]
    assert d["jumps"][0]["offset"] == 8192 and d["jumps"][0]["delta"] > 2
    text = render_profile_text(p, unicode=False)
    assert "jump +" in text and "high" in text and "\u2588" not in text


def test_plot_writes_a_png(tmp_path):
    pytest.importorskip("matplotlib")
    p = entropy_profile(_text(8192) + _random_bytes(8192), 2048)
    out = tmp_path / "profile.png"
    plot_profile(p, out)
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_plot_without_matplotlib_says_how_to_get_it(tmp_path, monkeypatch):
    import builtins
    real_import = builtins.__import__

    def no_matplotlib(name, *args, **kwargs):
        if name == "matplotlib" or name.startswith("matplotlib."):
            raise ImportError("No module named 'matplotlib'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_matplotlib)
    with pytest.raises(MissingOptionalDependency, match="pip install"):
        plot_profile(entropy_profile(b"abc" * 100, 64), tmp_path / "x.png")
    assert not os.path.exists(tmp_path / "x.png")


@pytest.mark.parametrize("threshold", [math.nan, -1.0, 0.0, math.inf])
def test_jump_threshold_must_be_positive_and_finite(threshold):
    # NaN or a negative threshold made every pair of neighbouring blocks a "jump"
    with pytest.raises(ValueError, match="threshold"):
        detect_jumps([1.0, 1.1, 1.2], threshold)
    with pytest.raises(ValueError, match="threshold"):
        entropy_profile(b"abc" * 100, 64, jump_threshold=threshold)


@pytest.mark.parametrize("high", [math.nan, math.inf, -math.inf])
def test_high_threshold_must_be_finite(high):
    with pytest.raises(ValueError, match="threshold"):
        high_entropy_regions([1.0, 8.0], high, 64)
    with pytest.raises(ValueError, match="threshold"):
        entropy_profile(b"abc" * 100, 64, high_threshold=high)


def test_cli_refuses_bad_thresholds(tmp_path, capsys):
    from codelength.app import cli
    path = tmp_path / "f.bin"
    path.write_bytes(_text(5000))
    for option in (["--threshold", "nan"], ["--threshold", "-1"], ["--high", "nan"], ["--high", "inf"]):
        assert cli.main(["profile", str(path), *option]) == 2
        assert "bits/byte" in capsys.readouterr().err


def test_blocks_of_zero_entropy_are_never_high_entropy():
    # one-byte blocks all have entropy 0 and the default threshold for them is 0: the whole input was
    # reported as one high-entropy region of mean 0.00 bits/byte
    p = entropy_profile(_random_bytes(300), block_size=1)
    assert p.high_entropy_regions == []
    assert high_entropy_regions([0.0, 0.0, 3.0], 0.0, 1) == high_entropy_regions([0.0, 0.0, 3.0], 1e-9, 1)



def test_strided_memoryview_sources():
    # memoryview.cast("B") needs contiguous memory: a strided view failed with a TypeError
    data = _text(3000)
    strided = memoryview(data)[::2]
    assert entropy_profile(strided, 256).bits_per_byte == entropy_profile(data[::2], 256).bits_per_byte


def test_accumulator_reads_integer_arrays_as_byte_values():
    # an int64 array was read as its raw memory (seven zero bytes per value), unlike every other function
    values = np.frombuffer(_text(4096), dtype=np.uint8)
    wide, plain = BlockEntropyAccumulator(1024), BlockEntropyAccumulator(1024)
    wide.update(values.astype(np.int64))
    plain.update(values.tobytes())
    assert wide.size == plain.size == 4096 and wide.entropies == plain.entropies
    with pytest.raises(ValueError, match="above 255"):
        BlockEntropyAccumulator(1024).update(np.array([1, 300]))


def test_huge_block_size_reads_in_bounded_pieces(tmp_path):
    # the read size was one whole block: -b 100G asked for a 100 GiB buffer (MemoryError), and a block
    # size past 2**63 for an impossible one (OverflowError)
    path = tmp_path / "f.bin"
    path.write_bytes(_text(5000))
    for block_size in (100 << 30, 10**25):
        p = entropy_profile(path, block_size)
        assert p.n_blocks == 1 and p.bits_per_byte[0] == pytest.approx(entropy(counts(_text(5000))))

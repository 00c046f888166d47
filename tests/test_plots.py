"""Pictures: every figure renders to PNG and SVG (sizes, and that matplotlib made them), the numbers they
draw are right (exact intervals, rANS states, typical sets), and a missing matplotlib names the extra."""
import math
import struct
import sys
from fractions import Fraction

import numpy as np
import pytest

from codelength.app import plots
from codelength.app.profile import MissingOptionalDependency

MODEL = {"a": 5, "b": 2, "r": 2, "c": 1, "d": 1}


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def _check(picture, tmp_path, name, min_width=300):
    assert isinstance(picture, plots.Picture)
    png = tmp_path / f"{name}.png"
    svg = tmp_path / f"{name}.svg"
    picture.save(png)
    picture.save(svg)
    width, height = _png_size(png.read_bytes())
    assert width >= min_width and height >= 200
    text = svg.read_text()
    assert text.lstrip().startswith("<?xml") and "<svg" in text and "Matplotlib" in text
    assert picture._repr_png_()[:4] == b"\x89PNG"
    return width, height


@pytest.fixture(autouse=True)
def _matplotlib():
    pytest.importorskip("matplotlib")


def test_huffman_tree_and_steps(tmp_path):
    w, h = _check(plots.plot_huffman_tree(MODEL), tmp_path, "tree")
    _check(plots.plot_huffman_tree([25, 25, 20, 10, 10, 10], radix=3), tmp_path, "tree3")
    paths = plots.huffman_steps(MODEL, tmp_path / "steps")
    assert len(paths) == len(MODEL)  # the leaves, then one figure per merge (n - 1 merges)
    assert all(_png_size(open(p, "rb").read()) == (w, h) for p in paths)
    with pytest.raises(ValueError):
        plots.plot_huffman_tree([0, 0])
    with pytest.raises(ValueError):
        plots.Picture(plots.plot_huffman_tree(MODEL).figure, "x").save(tmp_path / "tree.jpg")


def test_arithmetic_intervals_exact(tmp_path):
    _check(plots.plot_arithmetic_intervals("abracad", MODEL), tmp_path, "arith", min_width=800)
    steps = plots.arithmetic_intervals("abracadabra", MODEL)
    total = sum(MODEL.values())
    p_message = math.prod(Fraction(MODEL[s], total) for s in "abracadabra")
    final = steps[-1]
    assert final["high"] - final["low"] == p_message
    for before, after in zip(steps, steps[1:]):
        assert before["low"] <= after["low"] < after["high"] <= before["high"]
        assert after["certain"].startswith(before["certain"])  # certain bits never change
    code = plots.shortest_code(final["low"], final["high"])
    value = Fraction(int(code, 2), 2 ** len(code))
    assert final["low"] <= value and value + Fraction(1, 2 ** len(code)) <= final["high"]
    assert code.startswith(final["certain"])
    assert len(code) <= math.ceil(-math.log2(p_message)) + 1
    with pytest.raises(ValueError):
        plots.arithmetic_intervals("abz", MODEL)
    with pytest.raises(ValueError):
        plots.plot_arithmetic_intervals("a" * 30, MODEL)
    assert plots.certain_bits(Fraction(1, 4), Fraction(1, 2)) == "01"


def test_rans_states(tmp_path):
    _check(plots.plot_rans_states("abracadabra", MODEL), tmp_path, "rans", min_width=800)
    r = plots.rans_states("abracadabra", MODEL, scale_bits=8)
    assert len(r["state"]) == 12
    # the exact state carries the information coded so far, to within a bit
    assert np.all(np.abs(np.array(r["log2_state"]) - np.array(r["information"])) < 1.0)
    # the streaming state stays in [L, 256 L), and the bytes emitted plus the state hold the information
    assert all(r["lower"] <= x < 256 * r["lower"] for x in r["state"])
    assert 8 * r["bytes"][-1] + math.log2(r["state"][-1]) >= r["information"][-1]


def test_aep_typical_set_exact(tmp_path):
    _check(plots.plot_aep((0.7, 0.2, 0.1), n_max=60, sequences=10, sizes_n_max=60), tmp_path, "aep",
           min_width=1000)
    # a typical set wide enough to hold everything: all K^n sequences, probability 1
    size, prob = plots.typical_set([0.5, 0.3, 0.2], 12, 0.99)
    assert size == pytest.approx(12 * math.log2(3)) and prob == pytest.approx(1.0)
    p = np.array([0.7, 0.3])
    h = float(-(p * np.log2(p)).sum())
    for n in (20, 80, 200):
        size, prob = plots.typical_set(p, n, 0.1)
        assert size <= n * (h + 0.1) + 1e-9  # Cover and Thomas, Theorem 3.1.2 (2)
        if prob > 0.9:
            assert size >= math.log2(1 - 0.1) + n * (h - 0.1)  # ... (3), for large n
    # brute force for a small n: count the sequences directly
    n, eps = 10, 0.15
    count = mass = 0
    for x in range(2 ** n):
        ones = bin(x).count("1")
        logp = ones * math.log2(0.3) + (n - ones) * math.log2(0.7)
        if abs(-logp / n - h) <= eps:
            count += 1
            mass += 2 ** logp
    size, prob = plots.typical_set(p, n, eps)
    assert size == pytest.approx(math.log2(count)) and prob == pytest.approx(mass)
    assert plots._compositions(6, 3).shape == (28, 3)


def test_block_huffman_wrong_model_integer_codes(tmp_path):
    rows = plots.block_code_rates((0.7, 0.2, 0.1), 5)
    h = float(-sum(q * math.log2(q) for q in (0.7, 0.2, 0.1)))
    for n, huffman, shannon in rows:
        assert h - 1e-12 <= huffman < h + 1 / n and huffman <= shannon < h + 1 / n
    _check(plots.plot_block_huffman((0.7, 0.2, 0.1), n_max=5), tmp_path, "block")
    p = (0.7, 0.2, 0.1)
    _check(plots.plot_wrong_model(p, {"p": p, "uniform": (1 / 3,) * 3}, coded={"p": 1.17}), tmp_path, "wrong")
    _check(plots.plot_integer_codes(n_max=1 << 10), tmp_path, "ints")
    from codelength import CodeTable
    _check(plots.plot_code_lengths(CodeTable.from_data("héllo wörld")), tmp_path, "lengths")


def test_missing_matplotlib_names_the_extra(monkeypatch, tmp_path, capsys):
    for name in list(sys.modules):
        if name == "matplotlib" or name.startswith("matplotlib."):
            monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(MissingOptionalDependency, match=r"codelength\[plot\]"):
        plots.plot_huffman_tree(MODEL)
    from codelength.app import demo
    import io
    assert demo.run(plot_dir=str(tmp_path / "figs"), quick=True, out=io.StringIO()) == 1
    assert "codelength[plot]" in capsys.readouterr().err

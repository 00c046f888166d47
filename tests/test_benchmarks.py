"""Smoke test of the benchmark suite: benchmarks/run.py on a tiny input, so the suite never rots.

Runs in a subprocess on generated data (no corpus needed) and checks the JSON it writes; it asserts no
timings, only that every figure is there and sane.
"""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def test_run_writes_markdown_and_json(tmp_path):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])))
    command = [sys.executable, str(REPO / "benchmarks" / "run.py"), "--data", "iid,blocks", "--sizes", "32K",
               "--twin-bytes", "4K", "--sample", "32K", "--repeats", "1", "--twin-repeats", "1",
               "--groups", "counting,huffman,sizes", "--out", str(tmp_path), "--quiet"]
    proc = subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=REPO, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "| group | operation | implementation |" in proc.stdout

    result = json.loads((tmp_path / "results.json").read_text())
    assert (tmp_path / "results.md").read_text().startswith("# codelength benchmarks")
    machine = result["machine"]
    for key in ("cpu", "logical_cpus", "python", "numpy", "cython", "date_utc"):
        assert key in machine

    speed = result["speed"]
    assert {r["group"] for r in speed} == {"counting", "huffman"}
    assert {r["bytes"] for r in speed} == {4096, 32768}
    for r in speed:
        assert len(r["wall_s"]) == 1 and r["mbps"] > 0 and r["mbps_min"] <= r["mbps"] <= r["mbps_max"]
    impls = {r["impl"] for r in speed}
    assert {"codelength.counts", "numpy.bincount", "pure-Python twin", "zlib Huffman-only (level 9)"} <= impls
    assert all(r["codelength_over_this"] is not None for r in result["ratios"]
               if r["impl"] in ("numpy.bincount", "pure-Python twin"))

    entropies = {e["source"]: e for e in result["entropies"]}
    assert len(entropies) == 2
    for e in entropies.values():
        assert 0 < e["H0"] <= 8 and e["H3"] <= e["H2"] + 1e-3 <= e["H1"] + 2e-3 <= e["H0"] + 3e-3
        assert abs(e["H0"] - e["known_entropy"]) < 0.3  # 32 KiB of a known source lands near its entropy
    sizes = result["sizes"]
    coders = {s["coder"] for s in sizes}
    assert {"codelength huffman (native container)", "codelength range", "zlib Huffman-only (level 9)"} <= coders
    for s in sizes:
        assert 0 < s["bits_per_byte"] < 9
        if s["bound"] is not None:
            assert abs(s["distance"] - (s["bits_per_byte"] - s["bound_bits_per_byte"])) < 1e-12
    # an order-0 coder that stores its model can't beat the order-0 entropy on i.i.d. data by much
    range_rows = [s for s in sizes if s["coder"] == "codelength range"]
    assert all(s["distance"] > -0.05 for s in range_rows)


def test_missing_peers_are_skipped_with_a_line(tmp_path):
    """Peers that are not installed (simulated by blocking their import) are skipped, and the output says so."""
    script = (
        "import runpy, sys\n"
        "for name in ('scipy', 'dahuffman', 'constriction', 'matplotlib'):\n"
        "    sys.modules[name] = None  # import raises ImportError\n"
        f"sys.argv = ['run.py', '--data', 'iid', '--sizes', '16K', '--twin-bytes', '4K', '--sample', '16K',\n"
        f"            '--repeats', '1', '--twin-repeats', '1', '--groups', 'counting,huffman,arith,sizes',\n"
        f"            '--plot', '--quiet', '--out', {str(tmp_path)!r}]\n"
        f"runpy.run_path({str(REPO / 'benchmarks' / 'run.py')!r}, run_name='__main__')\n")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])))
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, cwd=REPO,
                          env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    skipped = json.loads((tmp_path / "results.json").read_text())["skipped"]
    for name in ("scipy", "dahuffman", "constriction", "matplotlib"):
        assert any(name in line and "not installed" in line for line in skipped), (name, skipped)
        assert any(name in line and "not installed" in line for line in proc.stdout.splitlines())
    assert not (tmp_path / "results.png").exists()
    impls = {r["impl"] for r in json.loads((tmp_path / "results.json").read_text())["speed"]}
    assert not any("constriction" in i or "dahuffman" in i or "scipy" in i for i in impls)


@pytest.mark.parametrize("script, extra, table", [
    ("bench_huffman.py", [], "| group | operation | implementation |"),
    ("bench_arith.py", [], "| group | operation | implementation |"),
    ("bench_counting.py", [], "| group | operation | implementation |"),
    ("bench_measures.py", ["--trials", "2"], "| group | operation | implementation |"),
    ("bench_sizes.py", ["--sample", "16K"], "| source | coder | bits/byte |")])
def test_per_area_scripts_run(script, extra, table):
    """Each per-area script (on the shared harness, common.py) runs alone on a tiny generated input and prints
    its table."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])))
    command = [sys.executable, str(REPO / "benchmarks" / script), "--data", "iid", "--sizes", "32K",
               "--twin-bytes", "4K", "--repeats", "1", "--twin-repeats", "1", "--quiet", *extra]
    proc = subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=REPO, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert table in proc.stdout


def test_run_only_composes():
    """run.py defines no group of its own: every group it runs is a function of an area script."""
    import ast
    tree = ast.parse((REPO / "benchmarks" / "run.py").read_text())
    defined = {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}
    assert not {name for name in defined if name.startswith("group_")}, defined


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="LD_PRELOAD and a C compiler")
def test_gil_meter_measures_a_held_share():
    """bench_streams.py --gil-only compiles benchmarks/gil_meter.c, preloads it and prints each coder's
    GIL-held share f, a fraction strictly between 0 and 1 (the kernels release the GIL, Python holds it)."""
    import re
    import shutil
    if not (shutil.which("cc") or shutil.which("gcc")):
        pytest.skip("no C compiler")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])))
    proc = subprocess.run([sys.executable, str(REPO / "benchmarks" / "bench_streams.py"), "--gil-only",
                           "--gil-size", "4M", "--gil-repeats", "1", "--only", "huffman -T2,rans -T2"],
                          capture_output=True, text=True, timeout=120, cwd=REPO, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    shares = [float(f) for f in re.findall(r"f = ([0-9.]+)", proc.stdout)]
    assert len(shares) == 2, proc.stdout
    assert all(0 < f < 1 for f in shares), proc.stdout

"""Smoke test of benchmarks/bench_context.py on a tiny input: it runs, cross-checks codelength against the
NumPy reference (it raises if an entropy differs) and writes its JSON; no timing is asserted."""
import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_bench_context_runs_and_agrees_with_numpy(tmp_path):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])))
    command = [sys.executable, str(REPO / "benchmarks" / "bench_context.py"), "--sizes", "192K", "--max-order", "3",
               "--analyze", "96K", "--out", str(tmp_path), "--tmp", str(tmp_path)]
    proc = subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=REPO, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "| 192 KiB | H1..H3 together |" in proc.stdout and "analyze of 96 KiB" in proc.stdout
    result = json.loads((tmp_path / "bench_context.json").read_text())
    (size,) = result["sizes"]
    assert size["bytes"] == 192 << 10 and len(size["all"]["entropies"]) == 4
    assert all(cell["numpy"] is not None and cell["ours"] is not None for cell in size["cells"])
    assert result["analyze"]["report"]["size_bytes"] == 96 << 10
    assert [p.name for p in tmp_path.iterdir()] == ["bench_context.json"]  # data files deleted

"""A brief run of the atheris harness fuzz/fuzz_arith.py (skipped when atheris is not installed)."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("atheris")

HARNESS = Path(__file__).resolve().parents[1] / "fuzz" / "fuzz_arith.py"


def test_atheris_harness_runs_clean(tmp_path):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(HARNESS.parents[1]), os.environ.get("PYTHONPATH", "")]))
    result = subprocess.run([sys.executable, str(HARNESS), "-runs=3000", "-seed=1", "-rss_limit_mb=4096"],
                            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
